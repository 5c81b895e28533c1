// node services/store/dist/chdb-http-main.js --path <dir> --port <n> [--host <addr>]
// ClickHouse 26 (chdb) behind ClickHouse's HTTP interface (chdb-http-server.ts); infra/chdb-http/up.sh
// runs it. SIGTERM or SIGINT: stop accepting, finish the requests in flight, close the engine, exit 0.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startChdbHttpServer } from './chdb-http-server.js';

const USAGE = 'usage: chdb-http-main.js --path <data dir> --port <port> [--host <address>]';

function fail(message: string): never {
  console.error(`chdb-http: ${message}\n${USAGE}`);
  process.exit(2);
}

let args: { path?: string; port?: string; host?: string };
try {
  args = parseArgs({
    options: { path: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  }).values;
} catch (err) {
  fail((err as Error).message);
}
if (!args.path) fail('--path is required');
const port = Number(args.port);
if (!args.port || !Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be 0..65535, got ${args.port}`);
const path = resolve(args.path);
mkdirSync(path, { recursive: true });

const server = await startChdbHttpServer({ path, port, host: args.host ?? '127.0.0.1' }).catch(
  (err: unknown): never => {
    console.error(`chdb-http: cannot start on port ${port} with ${path}: ${(err as Error).message}`);
    process.exit(1);
  },
);
console.log(
  `chdb-http: ClickHouse ${server.version} (chdb) serving ${server.url} from ${path} (pid ${process.pid})`,
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`chdb-http: ${signal}: finishing requests in flight, then closing`);
    server.close().then(
      () => {
        console.log('chdb-http: stopped');
        process.exit(0);
      },
      (err: unknown) => {
        console.error(`chdb-http: close failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  });
}
