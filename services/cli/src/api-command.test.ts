// `tcpx api` as a user runs it: the built CLI in a child process over a chdb data directory.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChdbStore, toFlowRow } from '@tcpx/store';
import { record, T0_US } from '@tcpx/store/fixtures';
import { isLoopback, parseListen } from './api-command.js';

const MAIN = fileURLToPath(new URL('./bundle/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tcpx-cli-api-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  TCPX_API_KEYS: '',
  TCPX_STORE: '',
  ...extra,
});

function tcpx(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: env(extraEnv), timeout: 60_000 },
      (error, _out, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code) : 0, stderr }),
    );
  });
}

interface Server {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Starts `tcpx api …` over a fresh data directory. */
async function serve(args: string[], extraEnv: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [MAIN, 'api', '--store', `chdb:${join(dir, 'data')}`, ...args], {
    env: env(extraEnv),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return serving(child);
}

/** Waits for a `tcpx api` child's `serving` log line. */
async function serving(child: ChildProcess): Promise<Server> {
  let text = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      text += chunk;
      const serving = text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === 'serving');
      if (serving) resolve(serving.url);
    });
    child.once('exit', (code) => reject(new Error(`tcpx api exited ${code}: ${text}`)));
  });
  return { child, url, stderr: () => text };
}

async function stop(server: Server): Promise<number | null> {
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

describe('tcpx api: usage', () => {
  for (const [args, message] of [
    [['api'], /api needs --store/],
    [
      ['api', '--store', 'chdb:x', '--listen', '0.0.0.0:8899'],
      /refusing to serve flow data on 0\.0\.0\.0 without authentication/,
    ],
    [['api', '--store', 'chdb:x', '--listen', '[::]:8899'], /refusing to serve flow data on :: without/],
    [
      ['api', '--store', 'chdb:x'],
      /api needs an API key: --api-key K, --api-keys-file F or TCPX_API_KEYS \(or --no-auth\)/,
    ],
    [['api', '--store', 'chdb:x', '--no-auth', '--api-key', 'k'], /--no-auth contradicts/],
    [['api', '--store', 'chdb:x', '--no-auth', '--listen', '8899'], /--listen must be host:port/],
    [['api', '--store', 'chdb:x', '--no-auth', '--rate-limit', 'many'], /--rate-limit must be/],
    [['api', '--store', 'chdb:x', '--api-keys-file', join(dir, 'missing')], /--api-keys-file: cannot read/],
    [['api', '--store', 'ftp://x', '--no-auth'], /neither chdb:<dir> nor http/],
  ] as const) {
    it(`exits with a one-line reason for: tcpx ${args.join(' ')}`, async () => {
      const { code, stderr } = await tcpx([...args]);
      assert.equal(code, (args as readonly string[]).includes('ftp://x') ? 2 : 1, stderr);
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    });
  }

  it('parses --listen forms and knows loopback addresses', () => {
    assert.deepEqual(parseListen('127.0.0.1:8899'), { host: '127.0.0.1', port: 8899 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
    assert.throws(() => parseListen('[localhost]:80'), /--listen/);
    assert.throws(() => parseListen('h:70000'), /--listen/);
    assert.deepEqual(
      ['127.0.0.1', '127.8.0.1', '::1', 'localhost', '0.0.0.0', '::', '10.0.0.1', 'example.com'].map(
        isLoopback,
      ),
      [true, true, true, true, false, false, false, false],
    );
  });
});

describe('tcpx api: serving', () => {
  it('serves /healthz, /readyz and requires its key; exits 0 on SIGTERM', async () => {
    const server = await serve(['--listen', '127.0.0.1:0', '--api-key', 'cli-key-1']);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 200);
      assert.equal((await fetch(`${server.url}/no-such`)).status, 401);
      const keyed = await fetch(`${server.url}/no-such`, { headers: { 'x-api-key': 'cli-key-1' } });
      assert.equal(keyed.status, 404);
    } finally {
      assert.equal(await stop(server), 0, server.stderr());
    }
    const lines = server
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === 'request');
    assert.deepEqual(
      requests.map((l) => [l.route, l.status]),
      [
        ['/healthz', 200],
        ['/readyz', 200],
        ['/metrics', 200],
        ['unmatched', 401],
        ['unmatched', 404],
      ],
    );
    assert.equal(lines.at(-1).msg, 'stopped');
    assert.ok(
      lines.some((l) => l.level === 40 && /no tcp_flows table yet/.test(l.msg)),
      'an empty data directory is pointed out',
    );
    assert.doesNotMatch(server.stderr(), /cli-key-1/, 'the key is never logged');
  });

  it('takes keys from a file and from TCPX_API_KEYS; answers the capture switch with 503', async () => {
    const file = join(dir, 'keys');
    writeFileSync(file, '# operators\nfile-key-1\n\nfile-key-2  # CI\n');
    const server = await serve(['--listen', '127.0.0.1:0', '--api-keys-file', file], {
      TCPX_API_KEYS: 'env-a, env-b',
    });
    try {
      for (const key of ['file-key-1', 'file-key-2', 'env-a', 'env-b']) {
        const res = await fetch(`${server.url}/nothing`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(res.status, 404, key);
      }
      const wrong = await fetch(`${server.url}/nothing`, {
        headers: { authorization: 'Bearer # operators' },
      });
      assert.equal(wrong.status, 401);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it('--no-auth on loopback serves without keys', async () => {
    const server = await serve(['--listen', '127.0.0.1:0', '--no-auth']);
    try {
      assert.equal((await fetch(`${server.url}/nothing`)).status, 404);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it('a taken port is a one-line error, exit 2', async () => {
    const server = await serve(['--listen', '127.0.0.1:0', '--no-auth']);
    try {
      const { code, stderr } = await tcpx([
        'api',
        '--store',
        `chdb:${join(dir, 'other')}`,
        '--no-auth',
        '--listen',
        server.url.slice(7),
      ]);
      assert.equal(code, 2);
      assert.match(stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      await stop(server);
    }
  });

  it('serves the records of a chdb data directory, read-only, filtered with KFL', async () => {
    const data = join(dir, 'flows');
    const writer = new ChdbStore({ path: data });
    await writer.migrate();
    await writer.insertFlows(
      [40001, 40002, 40003].map((port, i) =>
        toFlowRow(record(port, i * 1000, { retransmissions: i }), { node: 'n1', version: 1, final: true }),
      ),
    );
    await writer.close(); // the directory is the child's from now on
    const child = spawn(
      process.execPath,
      [MAIN, 'api', '--store', `chdb:${data}`, '--listen', '127.0.0.1:0', '--no-auth'],
      {
        env: env(),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const server = await serving(child);
    try {
      const from = new Date(T0_US / 1000 - 60_000).toISOString();
      const to = new Date(T0_US / 1000 + 60_000).toISOString();
      const kfl = encodeURIComponent('tcp_metrics.retransmissions >= 1');
      const res = await fetch(`${server.url}/api/flows?from=${from}&to=${to}&kfl=${kfl}`);
      assert.equal(res.status, 200, await res.clone().text());
      const page = (await res.json()) as { flows: { src: { port: number } }[] };
      assert.deepEqual(page.flows.map((f) => f.src.port).sort(), [40002, 40003]);
    } finally {
      assert.equal(await stop(server), 0, server.stderr());
    }
  });
});
