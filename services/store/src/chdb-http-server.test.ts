// The chdb HTTP front (ClickHouse 26 in chdb behind ClickHouse's HTTP interface), driven by the
// real @clickhouse/client and ClickHouseHttpStore: the modern DDL of schemas/clickhouse, queries
// with parameters, errors, and the server going away and coming back. The server runs in this
// process (chdb binds one data directory per process; closing the server frees it, so it can
// reopen the same directory), except where a test needs the CLI: a child process.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ClickHouseError, createClient } from '@clickhouse/client';
import { CONTAINER_MODE } from '@tcpx/schemas/testing/containers';
import { endpoints, infraScript, isHealthy } from '@tcpx/schemas/testing/infra';
import { type ChdbHttpServer, startChdbHttpServer } from './chdb-http-server.js';
import { MIGRATED_TABLES, record, T0_US } from './fixtures.js';
import { dateTime64, flowId, toFlowRow } from './flow-row.js';
import { ClickHouseHttpStore, type HttpStoreConfig, StoreUnavailableError } from './http-store.js';
import { FLOW_VERSIONS, FLOWS_BY_TIME_AND_SERVICE } from './queries.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpx-chdb-http-'));
let server: ChdbHttpServer;
let store: ClickHouseHttpStore;

const config = (extra: Partial<HttpStoreConfig> = {}): HttpStoreConfig => ({
  url: server.url,
  retentionDays: 7,
  rollupRetentionDays: 400,
  maxBatchMs: 20,
  retryInitialMs: 50,
  retryMaxMs: 250,
  ...extra,
});
const count = async (sql: string, params: Record<string, unknown> = {}) =>
  Number((await store.query<{ n: string }>(sql, params))[0].n);
const rowsFor = (node: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    toFlowRow(record(42000 + from + i, i), { node, version: 1, final: true }),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

before(async () => {
  server = await startChdbHttpServer({ path: dir });
  store = new ClickHouseHttpStore(config());
});
after(async () => {
  await store.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('ping, and the engine behind it is ClickHouse 26', async () => {
  assert.equal(await (await get('/ping')).text(), 'Ok.\n');
  assert.equal(await (await get('/')).text(), 'Ok.\n');
  const client = createClient({ url: server.url });
  assert.deepEqual(await client.ping(), { success: true });
  assert.deepEqual(await client.ping({ select: true }), { success: true });
  await client.close();
  const [row] = await store.query<{ v: string }>('SELECT version() AS v');
  assert.equal(row.v, server.version);
  assert.ok(Number(row.v.split('.')[0]) >= 26, `version ${row.v}`);
});

test('migrate applies schemas/clickhouse over HTTP once; a second run is a no-op', async () => {
  assert.deepEqual(await store.migrate(), { applied: [1, 2, 3, 4, 5, 6], skipped: [] });
  assert.deepEqual(await store.migrate(), { applied: [], skipped: [1, 2, 3, 4, 5, 6] });
  const tables = await store.query<{ name: string; engine_full: string }>(
    'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() ORDER BY name',
  );
  assert.deepEqual(
    tables.map((t) => t.name),
    MIGRATED_TABLES,
  );
  assert.match(tables[1].engine_full, /TTL toDateTime\(inserted_at\) \+ toIntervalDay\(7\)/);
  assert.match(tables[3].engine_full, /TTL toDateTime\(inserted_at\) \+ toIntervalDay\(7\)/);
  const [col] = await store.query<{ type: string }>(
    "SELECT type FROM system.columns WHERE table = 'tcp_flows' AND name = {c:String}",
    { c: 'start_time' },
  );
  assert.equal(col.type, "DateTime64(6, 'UTC')");
});

test('insertFlows, then FINAL with query parameters: UInt64 ids and DateTime64 exact', async () => {
  const node = 'node-http-final';
  const a = record(40001, 123);
  const b = record(40002, 1000);
  await store.insertFlows([
    toFlowRow({ ...a, state: 'established' }, { node, version: 1, final: false }),
    toFlowRow({ ...b, state: 'established' }, { node, version: 1, final: false }),
  ]);
  await store.insertFlows([
    toFlowRow({ ...a, state: 'closed' }, { node, version: 2, final: true }),
    toFlowRow({ ...b, state: 'reset' }, { node, version: 2, final: true }),
  ]);
  const rows = await store.query<{ flow_id: string; version: string; state: string; start_time: string }>(
    `SELECT flow_id, version, state, start_time FROM tcp_flows FINAL
     WHERE node = {node:String} AND start_time >= {from:DateTime64(6, 'UTC')} ORDER BY start_time`,
    { node, from: dateTime64(T0_US) },
  );
  assert.deepEqual(rows, [
    { flow_id: flowId(node, a), version: '2', state: 'closed', start_time: '2026-11-21 06:00:00.000123' },
    { flow_id: flowId(node, b), version: '2', state: 'reset', start_time: '2026-11-21 06:00:00.001000' },
  ]);
  // The ids need all 64 bits: a double would have rounded them.
  assert.ok(rows.some((r) => BigInt(r.flow_id) > 2n ** 53n));
  const versions = await store.query<{ flow_id: string; version: string; final: number }>(FLOW_VERSIONS, {
    node,
    start: dateTime64(a.start_us),
    id: flowId(node, a),
  });
  assert.deepEqual(
    versions.map((v) => [v.flow_id, Number(v.version), v.final]),
    [
      [flowId(node, a), 1, 0],
      [flowId(node, a), 2, 1],
    ],
  );
  // The rollup's materialized view saw the final rows.
  assert.equal(
    await count('SELECT countMerge(flows) AS n FROM tcp_rtt_1m WHERE node = {node:String}', { node }),
    2,
  );
});

test("errors carry ClickHouse's code and message; an INSERT ClickHouse refuses is not retried", async () => {
  // (lower case: the client would take an upper-case `(SELEC)` in the message for the error's type)
  const syntax = await store.query('selec 1').catch((e: unknown) => e);
  assert.ok(syntax instanceof ClickHouseError, String(syntax));
  assert.equal(syntax.code, '62');
  assert.equal(syntax.type, 'SYNTAX_ERROR');
  assert.match(syntax.message, /^Syntax error: failed at position 1 \(selec\)/);

  const unknown = await store.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
  assert.ok(unknown instanceof ClickHouseError);
  assert.equal(unknown.code, '60');
  assert.match(unknown.message, /Unknown table expression identifier 'no_such_table'/);

  // The wire form, as the server's: status, exception code header, `Code: … (NAME) (version …)`.
  const res = await get('/', { method: 'POST', body: 'SELEC 1' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('x-clickhouse-exception-code'), '62');
  assert.match(
    await res.text(),
    /^Code: 62\. DB::Exception: Syntax error: .* \(SYNTAX_ERROR\) \(version 26\.[\d.]+\)\n$/s,
  );
  const multi = await get('/', { method: 'POST', body: 'SELECT 1; SELECT 2' });
  assert.equal(multi.status, 400);
  assert.match(await multi.text(), /Multi-statements are not allowed/);
  assert.equal(await (await get('/', { method: 'POST', body: 'SELECT 1;' })).text(), '1\n');

  // A row the table cannot take: ClickHouse's answer, after one attempt.
  const bad = new ClickHouseHttpStore(config({ retryBudgetMs: 30_000 }));
  const row = {
    ...toFlowRow(record(40003), { node: 'node-bad', version: 1, final: true }),
    src_ip: 'not-an-ip',
  };
  const err = await bad.insertFlows([row]).catch((e: unknown) => e);
  assert.ok(err instanceof StoreUnavailableError, String(err));
  assert.match(err.message, /\(1 attempt\(s\)/);
  assert.ok(err.cause instanceof ClickHouseError);
  assert.match(err.message, /src_ip/);
  await bad.close();
});

test('query parameters are data: quotes, backslashes and semicolons cannot change the statement', async () => {
  const node = 'node-http-inject';
  const nasty = "x' OR '1'='1'; DROP TABLE tcp_flows; --\\";
  const r = record(40010, 7e6);
  await store.insertFlows([
    toFlowRow(r, { node, version: 1, final: true, k8s: { dst_service: nasty } }),
    toFlowRow(record(40011, 7e6), { node, version: 1, final: true, k8s: { dst_service: 'x' } }),
  ]);
  const range = { from: dateTime64(T0_US), to: dateTime64(T0_US + 3600e6) };
  const hit = await store.query<{ flow_id: string }>(FLOWS_BY_TIME_AND_SERVICE, { ...range, svc: nasty });
  assert.deepEqual(
    hit.map((h) => h.flow_id),
    [flowId(node, r)],
  );
  assert.deepEqual(await store.query(FLOWS_BY_TIME_AND_SERVICE, { ...range, svc: "' OR 1=1 --" }), []);
  // Values come back exactly as sent, whatever their characters.
  const values = ["a'b", 'c\\d', 'tab\there', 'line\nbreak', '\\N', 'ünï©ødé', "'; SELECT 1; --"];
  const [echo] = await store.query<{ s: string; a: string[] }>(
    'SELECT {s:String} AS s, {a:Array(String)} AS a',
    {
      s: values.join('|'),
      a: values,
    },
  );
  assert.deepEqual(echo, { s: values.join('|'), a: values });
  // A value that is not of the declared type is an error, not SQL.
  await assert.rejects(
    store.query(FLOW_VERSIONS, { node, start: range.from, id: '1; DROP TABLE tcp_flows' }),
    (e: unknown) => e instanceof ClickHouseError,
  );
  assert.equal(await count("SELECT count() AS n FROM system.tables WHERE name = 'tcp_flows'"), 1);
});

test('HTTP details: formats, summary, per-request settings, sessions, compression, read-only GET', async () => {
  let res = await get('/?query=SELECT%201');
  assert.equal(await res.text(), '1\n');
  assert.equal(res.headers.get('x-clickhouse-format'), 'TabSeparated');
  res = await get(`/?query=${encodeURIComponent('SELECT 1 AS x FORMAT JSONEachRow')}`);
  assert.equal(await res.text(), '{"x":1}\n');
  assert.equal(res.headers.get('x-clickhouse-format'), 'JSONEachRow');
  res = await get(`/?default_format=CSV&query=${encodeURIComponent("SELECT 'a' AS s")}`);
  assert.equal(await res.text(), '"a"\n');
  assert.ok(res.headers.get('x-clickhouse-query-id'));

  const client = createClient({ url: server.url, compression: { request: true, response: true } });
  await client.command({ query: 'CREATE TABLE http_t (n UInt32, s String) ENGINE = MergeTree ORDER BY n' });
  const ins = await client.insert({
    table: 'http_t',
    values: [
      { n: 1, s: 'a', extra: 1 },
      { n: 2, s: 'b' },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { input_format_skip_unknown_fields: 1 },
  });
  assert.equal(ins.summary?.written_rows, '2');
  // Settings are per request: the next one runs with the defaults again.
  await assert.rejects(
    client.insert({
      table: 'http_t',
      values: [{ n: 3, s: 'c', extra: 1 }],
      format: 'JSONEachRow',
      clickhouse_settings: { input_format_skip_unknown_fields: 0 },
    }),
    /Unknown field found while parsing JSONEachRow format: extra/,
  );
  const threads = async (settings: Record<string, number>) =>
    (
      await (
        await client.query({
          query: "SELECT getSetting('max_threads') AS t",
          format: 'JSONEachRow',
          clickhouse_settings: settings,
        })
      ).json<{ t: number }>()
    )[0].t;
  assert.equal(await threads({ max_threads: 1 }), 1);
  assert.notEqual(await threads({}), 1);
  // Response compression (enable_http_compression=1 and Accept-Encoding) and gzip request bodies.
  const rs = await client.query({ query: 'SELECT n, s FROM http_t ORDER BY n', format: 'JSONEachRow' });
  assert.equal(rs.response_headers['content-encoding'], 'gzip');
  assert.deepEqual(await rs.json(), [
    { n: 1, s: 'a' },
    { n: 2, s: 'b' },
  ]);
  res = await get('/', {
    method: 'POST',
    body: gzipSync('SELECT count() FROM http_t'),
    headers: { 'Content-Encoding': 'gzip' },
  });
  assert.equal(await res.text(), '2\n');
  // A session keeps its connection: a temporary table lives across requests.
  await client.command({ query: 'CREATE TEMPORARY TABLE tmp (x UInt8)', session_id: 's1' });
  await client.command({ query: 'INSERT INTO tmp VALUES (7)', session_id: 's1' });
  const tmp = await client.query({ query: 'SELECT x FROM tmp', session_id: 's1', format: 'JSONEachRow' });
  assert.deepEqual(await tmp.json(), [{ x: 7 }]);
  await assert.rejects(
    client.query({ query: 'SELECT x FROM tmp', format: 'JSONEachRow' }),
    /UNKNOWN_TABLE|tmp/,
  );
  // Long parameters go as multipart/form-data.
  const multi = createClient({ url: server.url, use_multipart_params: true });
  const long = 'p'.repeat(10_000);
  const [m] = await (
    await multi.query({
      query: 'SELECT length({v:String}) AS n',
      query_params: { v: long },
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>();
  assert.equal(Number(m.n), 10_000);
  await multi.close();
  // GET is read-only, as on the server.
  res = await get(`/?query=${encodeURIComponent("INSERT INTO http_t VALUES (9, 'g')")}`);
  assert.equal(res.headers.get('x-clickhouse-exception-code'), '164');
  // Only the default user exists.
  const stranger = createClient({ url: server.url, username: 'bob', password: 'secret' });
  await assert.rejects(
    stranger.query({ query: 'SELECT 1' }),
    (e: unknown) => e instanceof ClickHouseError && e.code === '516',
  );
  await stranger.close();
  await client.command({ query: 'DROP TABLE http_t' });
  await client.close();
});

test('close() finishes the requests in flight, then refuses connections', async () => {
  const port = server.port;
  const inFlight = Array.from({ length: 6 }, (_, i) =>
    get('/', { method: 'POST', body: `SELECT ${i} FROM system.one WHERE sleep(0.1) = 0` }).then((r) =>
      r.text(),
    ),
  );
  await sleep(100); // the first is running, the others are queued on the server
  await server.close();
  assert.deepEqual(await Promise.all(inFlight), ['0\n', '1\n', '2\n', '3\n', '4\n', '5\n']);
  await assert.rejects(get('/ping'), /fetch failed/);
  server = await startChdbHttpServer({ path: dir, port });
});

test('a server that goes away: the store retries, and delivers once it is back on the same port and data', async () => {
  const node = 'node-http-outage';
  const retrying = new ClickHouseHttpStore(config({ retryBudgetMs: 60_000 }));
  await retrying.insertFlows(rowsFor(node, 0, 10));
  const port = server.port;
  await server.close();
  const during = retrying.insertFlows(rowsFor(node, 10, 10));
  let settled = false;
  void during.finally(() => {
    settled = true;
  });
  await sleep(800); // several failed attempts
  assert.equal(settled, false, 'the caller waits while the store retries');
  server = await startChdbHttpServer({ path: dir, port }); // the same data directory
  await during;
  // The rows stored before the outage survived the restart; none were lost or doubled.
  assert.equal(
    await count('SELECT count() AS n FROM tcp_flows FINAL WHERE node = {node:String}', { node }),
    20,
  );
  assert.deepEqual(await store.migrate(), { applied: [], skipped: [1, 2, 3, 4, 5, 6] });
  await retrying.close();
});

test('a server that stays down: StoreUnavailableError after the retry budget', async () => {
  const port = server.port;
  const giving = new ClickHouseHttpStore(config({ retryBudgetMs: 800 }));
  await server.close();
  try {
    const err = await giving.insertFlows(rowsFor('node-http-down', 0, 5)).catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError, String(err));
    assert.match(err.message, new RegExp(`ClickHouse at ${server.url} did not store 5 rows into tcp_flows`));
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(Number(/\((\d+) attempt/.exec(err.message)?.[1]) >= 3, err.message);
  } finally {
    server = await startChdbHttpServer({ path: dir, port });
    await giving.close();
  }
});

const MAIN = fileURLToPath(new URL('./chdb-http-main.js', import.meta.url));

/** Starts the CLI on a free port; resolves with the process and its URL from the start line. */
async function startCli(path: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN, '--path', path, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.on('data', (d) => {
    out += d;
  });
  for await (const chunk of child.stdout ?? []) {
    out += chunk;
    const url = /serving (http:\/\/\S+)/.exec(out)?.[1];
    if (url) return { child, url };
  }
  throw new Error(`chdb-http-main did not start:\n${out}`);
}

test('the CLI: a SIGKILL loses no acknowledged insert; SIGTERM stops it with exit code 0', async () => {
  const path = mkdtempSync(join(tmpdir(), 'tcpx-chdb-http-cli-'));
  try {
    let { child, url } = await startCli(path);
    const first = new ClickHouseHttpStore({ url, maxBatchMs: 10 });
    await first.migrate();
    await first.insertFlows(rowsFor('node-cli', 0, 25));
    await first.close();
    child.kill('SIGKILL');
    await once(child, 'exit');

    ({ child, url } = await startCli(path));
    const second = new ClickHouseHttpStore({ url });
    const [row] = await second.query<{ n: string }>(
      'SELECT count() AS n FROM tcp_flows WHERE node = {n:String}',
      {
        n: 'node-cli',
      },
    );
    assert.equal(Number(row.n), 25);
    await second.close();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
});

test('infra/chdb-http: up.sh makes it healthy (ClickHouse 26 over HTTP), down.sh stops it', {
  skip:
    (process.env.TCPX_SKIP_INFRA_TESTS === '1' && 'TCPX_SKIP_INFRA_TESTS=1: the infra scripts are not run') ||
    (CONTAINER_MODE && 'testcontainers mode: ClickHouse is a container, infra/chdb-http is not used'),
}, async (t) => {
  const wasUp = await isHealthy('chdb-http');
  await infraScript('chdb-http', 'up');
  assert.equal(await isHealthy('chdb-http'), true);
  const remote = new ClickHouseHttpStore({ url: endpoints.chdbHttpUrl });
  const [row] = await remote.query<{ v: string }>('SELECT version() AS v');
  assert.ok(Number(row.v.split('.')[0]) >= 26, row.v);
  await remote.close();
  await infraScript('chdb-http', 'up'); // idempotent: health check only
  if (wasUp) {
    t.diagnostic('chdb-http was already running: left as found (down.sh not exercised)');
    return;
  }
  await infraScript('chdb-http', 'down');
  assert.equal(await isHealthy('chdb-http'), false);
  await infraScript('chdb-http', 'down'); // idempotent
});
