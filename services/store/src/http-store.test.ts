// ClickHouseHttpStore's transport against a real server: Debian's clickhouse-server 18.16 from
// infra/clickhouse/up.sh, the only server installable here. 18.16 cannot run the modern DDL of
// schemas/clickhouse (no DateTime64, TTL, IPv6 type or query parameters: infra/README.md), so
// these tests write FlowRows into a reduced-dialect table and check batching, retries across a
// server stop/start, and the error when it stays down. The DDL and queries run in chdb-store.test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { record } from './fixtures.js';
import { toFlowRow } from './flow-row.js';
import { ClickHouseHttpStore, type HttpStoreConfig, StoreUnavailableError } from './http-store.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const URL_ = `http://127.0.0.1:${process.env.TCPX_CLICKHOUSE_HTTP_PORT ?? 18123}`;
const DB = 'tcpx_store_http_test';
const TABLE = `${DB}.flows_reduced`;

const infra = (script: 'up' | 'down') => run('bash', [`infra/clickhouse/${script}.sh`], { cwd: REPO });
const up = async () =>
  (await fetch(`${URL_}/ping`)
    .then((r) => r.text())
    .catch(() => '')) === 'Ok.\n';
let wasUp = false;
let admin: ClickHouseHttpStore;

const config = (extra: Partial<HttpStoreConfig> = {}): HttpStoreConfig => ({
  url: URL_,
  table: TABLE,
  // the FlowRow carries columns the reduced table lacks
  insertFormat: 'JSONEachRow',
  insertSettings: { input_format_skip_unknown_fields: 1 },
  ...extra,
});
const rowsFor = (node: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    toFlowRow(record(40000 + from + i, i), { node, version: 1, final: true }),
  );
const count = async (node: string) =>
  (
    await admin.query<{ n: string; u: string }>(
      `SELECT count() AS n, uniqExact(flow_id, version) AS u FROM ${TABLE} WHERE node = '${node}'`,
    )
  ).map((r) => ({ rows: Number(r.n), distinct: Number(r.u) }))[0];

before(async () => {
  wasUp = await up();
  if (!wasUp) await infra('up'); // fails the suite with up.sh's reason when it cannot start
  admin = new ClickHouseHttpStore(config());
  await admin.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
  await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
  // Reduced dialect: String for LowCardinality, no DateTime64/TTL/IPv6.
  await admin.query(`CREATE TABLE ${TABLE} (flow_id UInt64, version UInt64, final UInt8, node String,
    src_port UInt16, dst_port UInt16, state String, retransmissions UInt32, diagnosis Array(String))
    ENGINE = ReplacingMergeTree(version) ORDER BY (node, flow_id)`);
  await admin.query(`SYSTEM STOP MERGES ${TABLE}`); // so parts show how many INSERTs were made
});

after(async () => {
  if (!(await up())) await infra('up');
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.close();
  if (!wasUp) await infra('down'); // leave the server as we found it
});

test('batches by rows, then by time; each caller resolves once its rows are stored', async () => {
  const store = new ClickHouseHttpStore(config({ maxBatchRows: 100, maxBatchMs: 60_000 }));
  const calls = Array.from({ length: 20 }, (_, i) => store.insertFlows(rowsFor('batch', i * 10, 10)));
  await Promise.all(calls); // 200 rows: two full batches, no timer needed
  assert.deepEqual(await count('batch'), { rows: 200, distinct: 200 });
  const parts = await admin.query<{ rows: string }>(
    `SELECT rows FROM system.parts WHERE database = '${DB}' AND table = 'flows_reduced' AND active ORDER BY min_block_number`,
  );
  assert.deepEqual(
    parts.map((p) => Number(p.rows)),
    [100, 100],
  );
  await store.close();

  const timed = new ClickHouseHttpStore(config({ maxBatchRows: 100, maxBatchMs: 300 }));
  const started = Date.now();
  await Promise.all([timed.insertFlows(rowsFor('timed', 0, 5)), timed.insertFlows(rowsFor('timed', 5, 5))]);
  const waited = Date.now() - started;
  assert.ok(waited >= 250, `a partial batch waits for maxBatchMs (waited ${waited} ms)`);
  assert.deepEqual(await count('timed'), { rows: 10, distinct: 10 });
  await timed.close();
});

test('rows accepted while the server is down arrive after it restarts: none lost, none duplicated', async () => {
  const store = new ClickHouseHttpStore(config({ maxBatchRows: 20, maxBatchMs: 50, retryBudgetMs: 120_000 }));
  await store.insertFlows(rowsFor('outage', 0, 30));
  await infra('down');
  assert.equal(await up(), false);
  const during = [0, 1, 2, 3].map((i) => store.insertFlows(rowsFor('outage', 30 + i * 15, 15)));
  let settled = false;
  void Promise.allSettled(during).then(() => {
    settled = true;
  });
  await new Promise((r) => setTimeout(r, 1500)); // several failed attempts
  assert.equal(settled, false, 'callers wait while the store retries');
  await infra('up');
  await Promise.all(during);
  assert.deepEqual(await count('outage'), { rows: 90, distinct: 90 });
  await store.close();
});

test('a server that stays down gives callers a clear, retryable error', async () => {
  const store = new ClickHouseHttpStore(config({ maxBatchMs: 10, retryBudgetMs: 1500 }));
  await infra('down');
  const started = Date.now();
  const first = store.insertFlows(rowsFor('down', 0, 5));
  await new Promise((r) => setTimeout(r, 100)); // the first batch is retrying now
  const second = store.insertFlows(rowsFor('down', 5, 5));
  const [a, b] = await Promise.allSettled([first, second]);
  assert.equal(a.status, 'rejected');
  const err = (a as PromiseRejectedResult).reason;
  assert.ok(err instanceof StoreUnavailableError);
  assert.match(err.message, new RegExp(`ClickHouse at ${URL_} did not store 5 rows into ${TABLE}`));
  assert.match(err.message, /ECONNREFUSED/);
  assert.match(err.message, /send the rows again/);
  const attempts = Number(/\((\d+) attempt/.exec(err.message)?.[1]);
  assert.ok(attempts >= 3 && Date.now() - started >= 500, `it retried before giving up: ${err.message}`);
  // queued behind the failing batch: rejected with it, not dropped
  assert.equal(b.status, 'rejected');
  assert.ok((b as PromiseRejectedResult).reason instanceof StoreUnavailableError);
  await infra('up');
  // The caller retries the same rows: stored once.
  await store.insertFlows(rowsFor('down', 0, 10));
  assert.deepEqual(await count('down'), { rows: 10, distinct: 10 });
  await store.close();
});
