// The API's queries run with readonly = 1, enforced by ClickHouse itself: on the embedded engine
// (chdb) and over HTTP (our ClickHouse-26 HTTP front, in this process). chdb binds one data
// directory per process, so the writer, the read-only store and the HTTP server share one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '@tcpx/edge-capture/testing/loopback';
import { ChdbStore, type FlowStore, openStore } from '@tcpx/store';
import { type ChdbHttpServer, startChdbHttpServer } from '@tcpx/store/chdb-http-server';
import type { FastifyInstance } from 'fastify';
import { buildApp, type RoutePlugin } from './app.js';
import type { ApiContext } from './context.js';
import { testContext } from './test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpx-api-readonly-'));
let writer: ChdbStore;
let server: ChdbHttpServer | undefined;

before(async () => {
  writer = new ChdbStore({ path: dir }); // throws with the reason when chdb cannot load: no skip
  await writer.migrate();
  await writer.query('CREATE TABLE api_probe (x UInt8) ENGINE = MergeTree ORDER BY x');
  await writer.query('INSERT INTO api_probe VALUES (7)');
});
after(async () => {
  await server?.close();
  await writer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An app whose one test route hands out the context routes get, to query it directly. */
async function appOver(store: FlowStore): Promise<{ app: FastifyInstance; context: ApiContext }> {
  let captured: ApiContext | undefined;
  const capture: RoutePlugin = async (_app, { context }) => {
    captured = context;
  };
  const app = await buildApp({ context: testContext(store), auth: { mode: 'none' }, routes: [capture] });
  return { app, context: captured! };
}

/** ClickHouse's READONLY (164): chdb reports it as clickhouseCode, @clickhouse/client as code. */
const readonlyError = (pattern: RegExp) => (err: unknown) => {
  const { message, code, clickhouseCode } = err as Error & { code?: unknown; clickhouseCode?: unknown };
  assert.match(message, pattern);
  assert.ok([code, clickhouseCode].map(String).includes('164'), `code ${code} / ${clickhouseCode}`);
  return true;
};
const READONLY = readonlyError(/Cannot execute query in readonly mode/);
const WRITES = [
  'INSERT INTO api_probe VALUES (1)',
  'INSERT INTO api_probe SELECT 2',
  'DROP TABLE api_probe',
  'TRUNCATE TABLE tcp_flows',
  'CREATE TABLE api_evil (x UInt8) ENGINE = Memory',
  'ALTER TABLE tcp_flows DELETE WHERE 1',
];

async function assertReadOnly(context: ApiContext) {
  assert.deepEqual(await context.store.query('SELECT x FROM api_probe'), [{ x: 7 }]);
  for (const sql of WRITES) await assert.rejects(context.store.query(sql), READONLY, sql);
  // Nor can a query lift it.
  await assert.rejects(
    context.store.query('SELECT 1 SETTINGS readonly = 0'),
    readonlyError(/Cannot modify 'readonly' setting/),
  );
  await assert.rejects(
    context.store.query('SELECT x FROM api_probe SETTINGS max_threads = 64'),
    readonlyError(/Cannot modify 'max_threads' setting in readonly mode/),
  );
  // Nothing changed, as the writer sees it.
  assert.deepEqual(await writer.query('SELECT x FROM api_probe'), [{ x: 7 }]);
  assert.deepEqual(await writer.query("SELECT count() AS n FROM system.tables WHERE name = 'api_evil'"), [
    { n: '0' },
  ]);
}

test('embedded engine: the read-only ChdbStore refuses INSERT, DROP, DDL and settings changes', async (t) => {
  const store = openStore(`chdb:${dir}`, { readOnly: true });
  const { app, context } = await appOver(store);
  t.after(async () => {
    await app.close();
    await store.close();
  });
  await assertReadOnly(context);
  // The writer on the same directory is unaffected: readonly is per connection.
  await writer.query('INSERT INTO api_probe VALUES (8)');
  await writer.query('ALTER TABLE api_probe DELETE WHERE x = 8 SETTINGS mutations_sync = 1');
});

test('HTTP server: /readyz 503 while it is down, 200 once it is up; then writes fail with READONLY', async (t) => {
  const port = await freePort();

  const store = openStore(`http://127.0.0.1:${port}/default`, { readOnly: true });
  const { app, context } = await appOver(store);
  t.after(async () => {
    await app.close();
    await store.close();
  });
  const down = await app.inject({ url: '/readyz' });
  assert.equal(down.statusCode, 503);

  server = await startChdbHttpServer({ path: dir, port });
  const up = await app.inject({ url: '/readyz' });
  assert.deepEqual([up.statusCode, up.json()], [200, { status: 'ready' }]);
  assert.match(server.version, /^2[6-9]\./);
  await assertReadOnly(context);
});
