import { spawn } from 'node:child_process';
import { startContainers } from './containers.js';

// `node containers-main.js -- CMD [ARGS...]`: infra/with-services.sh's container mode. Starts the
// containers, runs CMD with the variables pointing at them, stops the containers, exits with CMD's
// status.

const args = process.argv.slice(2);
const command = args[0] === '--' ? args.slice(1) : args;
if (command.length === 0) {
  process.stderr.write('usage: containers-main.js -- CMD [ARGS...]\n');
  process.exit(1);
}

let services: Awaited<ReturnType<typeof startContainers>>;
try {
  services = await startContainers();
} catch (err) {
  process.stderr.write(`[with-services] ${(err as Error).message}\n`);
  process.exit(1);
}
process.stderr.write('[with-services] containers up: kafka, registry, clickhouse\n');
const child = spawn(command[0], command.slice(1), {
  stdio: 'inherit',
  env: { ...process.env, ...services.env },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const status = await new Promise<number>((resolve) =>
  child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
);
await services.stop();
process.exit(status);
