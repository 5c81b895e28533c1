// Every DDL statement of schemas/clickhouse and every query of queries.ts, on the real engine
// (chdb = ClickHouse 26.x in this process). chdb binds one data directory per process, so this
// file uses one directory throughout; tests keep apart by node name and time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TcpFlowRecord } from '@tcpx/schemas';
import { flowId as contractFlowId } from '@tcpx/schemas/flow-id';
import { ChdbStore } from './chdb-store.js';
import { MIGRATED_TABLES, quantileType7, record, T0_US } from './fixtures.js';
import { dateTime64, flowId, toFlowRow } from './flow-row.js';
import { MAX_RETENTION_DAYS } from './migrate.js';
import { FLOW_VERSIONS, FLOWS_BY_TIME_AND_SERVICE, RTT_PERCENTILES_BY_DST_SERVICE } from './queries.js';
import { RECORD_COLUMNS, recordFromRow } from './record-from-row.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpx-chdb-'));
const config = { path: dir, retentionDays: 7, rollupRetentionDays: 400, maxBatchRows: 3 };
let store: ChdbStore;

before(() => {
  store = new ChdbStore(config); // throws with the reason when chdb cannot load: no skip
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = async (sql: string, params: Record<string, unknown> = {}) =>
  Number((await store.query<{ n: string }>(sql, params))[0].n);

test('migrate applies every version once; a second run is a no-op', async () => {
  assert.deepEqual(await store.migrate(), { applied: [1, 2, 3, 4, 5, 6], skipped: [] });
  assert.deepEqual(await store.migrate(), { applied: [], skipped: [1, 2, 3, 4, 5, 6] });
  assert.equal(await count('SELECT count() AS n FROM schema_migrations'), 6);
  const tables = await store.query<{ name: string }>(
    'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
  );
  assert.deepEqual(
    tables.map((t) => t.name),
    MIGRATED_TABLES,
  );
});

test('TTLs come from configuration', async () => {
  const engines = await store.query<{ name: string; engine_full: string }>(
    "SELECT name, engine_full FROM system.tables WHERE name IN ('tcp_flows', 'tcp_rtt_1h', 'tcp_rtt_1m', 'tcp_rtt_1h_dst', 'tcp_rtt_1h_src') ORDER BY name",
  );
  assert.match(
    engines[0].engine_full,
    /^ReplacingMergeTree\(version\) PARTITION BY toDate\(start_time\) ORDER BY \(node, start_time, flow_id\)/,
  );
  assert.match(engines[0].engine_full, /TTL toDateTime\(inserted_at\) \+ toIntervalDay\(7\)/);
  assert.match(engines[1].engine_full, /TTL stored_at \+ toIntervalDay\(400\)/);
  for (const rollup of engines.slice(1))
    assert.match(rollup.engine_full, /TTL stored_at \+ toIntervalDay\(400\)/, rollup.name);
});

test('a retention changed in configuration is applied to the existing tables', async () => {
  const changed = new ChdbStore({ ...config, retentionDays: 9 }); // same directory: connections coexist
  try {
    assert.deepEqual(await changed.migrate(), { applied: [], skipped: [1, 2, 3, 4, 5, 6] });
    const [t] = await store.query<{ engine_full: string }>(
      "SELECT engine_full FROM system.tables WHERE name = 'tcp_flows'",
    );
    assert.match(t.engine_full, /TTL toDateTime\(inserted_at\) \+ toIntervalDay\(9\)/);
  } finally {
    await changed.close();
  }
  await store.migrate(); // back to 7
  const [t] = await store.query<{ engine_full: string }>(
    "SELECT engine_full FROM system.tables WHERE name = 'tcp_flows'",
  );
  assert.match(t.engine_full, /toIntervalDay\(7\)/);
});

test('the longest retention allowed keeps rows; a longer one is refused, not applied', async () => {
  const longest = new ChdbStore({ ...config, retentionDays: MAX_RETENTION_DAYS });
  try {
    await longest.migrate();
    const row = toFlowRow(record(40_777), { node: 'node-retention', version: 1, final: true });
    await longest.insertFlows([row]);
    assert.equal(await count("SELECT count() AS n FROM tcp_flows WHERE node = 'node-retention'"), 1);
    assert.equal(await count("SELECT count() AS n FROM tcp_flow_versions WHERE node = 'node-retention'"), 1);
    await assert.rejects(
      new ChdbStore({ ...config, retentionDays: MAX_RETENTION_DAYS + 1 }).migrate(),
      /retentionDays must be an integer 1\.\.10950/,
    );
  } finally {
    await longest.close();
  }
  await store.migrate(); // back to 7
});

test('column types follow the record: Nullable where it can be null', async () => {
  const cols = new Map(
    (
      await store.query<{ name: string; type: string }>(
        "SELECT name, type FROM system.columns WHERE table = 'tcp_flows'",
      )
    ).map((c) => [c.name, c.type]),
  );
  assert.equal(cols.get('initial_rtt_us'), 'Nullable(UInt64)');
  assert.equal(cols.get('rtt_max_us'), 'Nullable(UInt64)'); // damaged captures give RTTs beyond 2^32 µs
  assert.equal(cols.get('rtt_avg_us'), 'Nullable(Float64)');
  assert.equal(cols.get('retransmission_rate'), 'Float64');
  assert.equal(cols.get('goodput_bytes'), 'UInt64');
  assert.equal(cols.get('src_ip'), 'IPv6');
  assert.equal(cols.get('start_time'), "DateTime64(6, 'UTC')");
  assert.equal(cols.get('diagnosis'), 'Array(LowCardinality(String))');
  assert.equal(cols.get('dst_service'), 'LowCardinality(String)');
});

test('SQL turns the wire flow_id (hex) into the UInt64 column value', async () => {
  const r = record(40001);
  const [row] = await store.query<{ id: string }>(
    'SELECT reinterpretAsUInt64(reverse(unhex({hex:String}))) AS id',
    {
      hex: contractFlowId('n', r),
    },
  );
  assert.equal(row.id, flowId('n', r));
});

test('FINAL returns the last version of each flow; a flow keeps all its versions', async () => {
  const node = 'node-final';
  const a = record(40001, 0);
  const b = record(40002, 1000);
  await store.insertFlows([
    toFlowRow({ ...a, state: 'established' }, { node, version: 1, final: false }),
    toFlowRow({ ...b, state: 'established' }, { node, version: 1, final: false }),
  ]);
  await store.insertFlows([toFlowRow({ ...a, state: 'close_wait' }, { node, version: 2, final: false })]);
  await store.insertFlows([
    toFlowRow({ ...a, state: 'closed' }, { node, version: 3, final: true }),
    toFlowRow({ ...b, state: 'reset' }, { node, version: 2, final: true }),
  ]);
  const rows = await store.query<{ flow_id: string; version: string; state: string }>(
    'SELECT flow_id, version, state FROM tcp_flows FINAL WHERE node = {node:String} ORDER BY start_time',
    { node },
  );
  assert.deepEqual(
    rows.map((r) => [r.flow_id, Number(r.version), r.state]),
    [
      [flowId(node, a), 3, 'closed'],
      [flowId(node, b), 2, 'reset'],
    ],
  );
  const versions = await store.query<{ version: string; final: number; state: string }>(FLOW_VERSIONS, {
    node,
    start: dateTime64(a.start_us),
    id: flowId(node, a),
  });
  assert.deepEqual(
    versions.map((v) => [Number(v.version), v.final, v.state]),
    [
      [1, 0, 'established'],
      [2, 0, 'close_wait'],
      [3, 1, 'closed'],
    ],
  );
});

test('re-delivering the same (flow_id, version) stores the flow once', async () => {
  const node = 'node-dup';
  const rows = [record(40001), record(40002, 5)].map((r) => toFlowRow(r, { node, version: 7, final: true }));
  await store.insertFlows(rows);
  await store.insertFlows([rows[1], rows[0]]); // same rows, another block
  await store.insertFlows(rows); // the identical block: dropped by insert deduplication
  assert.equal(
    await count('SELECT count() AS n FROM tcp_flows FINAL WHERE node = {node:String}', { node }),
    2,
  );
  await store.query('OPTIMIZE TABLE tcp_flows FINAL');
  assert.equal(await count('SELECT count() AS n FROM tcp_flows WHERE node = {node:String}', { node }), 2);
});

test('values round-trip: endpoints, times, nulls, diagnosis', async () => {
  const node = 'node-values';
  const r = record(
    40003,
    123,
    { initial_rtt_us: null, window_scale: null },
    {
      src: { ip: '2001:db8::7', port: 40003 },
      dst: { ip: '2001:db8::9', port: 443 },
      diagnosis: [{ code: 'zero_window', tree: 'slow', severity: 'warning', message: "it's full; 3 events" }],
    },
  );
  await store.insertFlows([toFlowRow(r, { node, version: 1, final: true })]);
  const [row] = await store.query<Record<string, unknown>>(
    `SELECT toString(src_ip) AS src, dst_port, start_time, initial_rtt_us, window_scale, diagnosis,
            diagnosis_json, client_avg_receive_window FROM tcp_flows WHERE node = {node:String}`,
    { node },
  );
  assert.equal(row.src, '2001:db8::7');
  assert.equal(row.dst_port, 443);
  assert.equal(row.start_time, '2026-11-21 06:00:00.000123');
  assert.equal(row.initial_rtt_us, null);
  assert.equal(row.window_scale, null);
  assert.deepEqual(row.diagnosis, ['zero_window']);
  assert.deepEqual(JSON.parse(row.diagnosis_json as string), r.diagnosis);
  assert.equal(row.client_avg_receive_window, 74410.66666666667);
});

test('the rollup counts final rows only, and its P50/P90/P99 match the quantile definition', async () => {
  const node = 'node-rollup';
  const k8s = { dst_namespace: 'shop', dst_service: 'checkout', src_namespace: 'web' };
  const base = 2 * 3600 * 1e6; // 08:00, away from other tests' minutes
  const initial: number[] = [];
  const avg: number[] = [];
  const max: number[] = [];
  const finals = [];
  const interims = [];
  for (let i = 0; i < 40; i++) {
    const minute = i % 3; // three minutes, merged by the query
    const m = {
      initial_rtt_us: i === 5 ? null : 100 + ((i * 37) % 41) * 10, // one flow without a handshake
      rtt_avg_us: 50.25 + i * 3.5,
      rtt_max_us: 1000 + i * i,
    };
    if (m.initial_rtt_us !== null) initial.push(m.initial_rtt_us);
    avg.push(m.rtt_avg_us);
    max.push(m.rtt_max_us);
    const r = record(41000 + i, base + minute * 60e6 + i, m);
    finals.push(toFlowRow(r, { node, version: 2, final: true, k8s }));
    // interim rows with wild values would skew every percentile if they were counted
    const wild = record(41000 + i, base + minute * 60e6 + i, {
      initial_rtt_us: 9e6,
      rtt_avg_us: 9e6,
      rtt_max_us: 9e6,
    });
    interims.push(toFlowRow(wild, { node, version: 1, final: false, k8s }));
  }
  await store.insertFlows(interims);
  await store.insertFlows(finals); // maxBatchRows 3: many insert blocks, many states to merge
  const [row] = await store.query<{
    dst_service: string;
    flows: string;
    initial_rtt_samples: string;
    initial_rtt_us: number[];
    rtt_avg_us: number[];
    rtt_max_us: number[];
  }>(RTT_PERCENTILES_BY_DST_SERVICE, {
    from: '2026-11-21 08:00:00',
    to: '2026-11-21 08:03:00',
  });
  assert.equal(row.dst_service, 'checkout');
  assert.equal(Number(row.flows), 40);
  assert.equal(Number(row.initial_rtt_samples), 39);
  const levels = [0.5, 0.9, 0.99];
  // Exact below 8192 values per merged group (reservoir not yet sampling); float rounding only.
  const close = (got: number[], values: number[]) =>
    levels.forEach((l, i) => {
      const want = quantileType7(values, l);
      assert.ok(Math.abs(got[i] - want) <= 1e-9 * Math.abs(want), `P${l * 100}: got ${got[i]}, want ${want}`);
    });
  close(row.initial_rtt_us, initial);
  close(row.rtt_avg_us, avg);
  close(row.rtt_max_us, max);

  // A narrower range merges fewer minutes: only minute 0 (i % 3 === 0).
  const [first] = await store.query<{ flows: string; rtt_max_us: number[] }>(RTT_PERCENTILES_BY_DST_SERVICE, {
    from: '2026-11-21 08:00:00',
    to: '2026-11-21 08:01:00',
  });
  assert.equal(Number(first.flows), 14);
  close(
    first.rtt_max_us,
    max.filter((_, i) => i % 3 === 0),
  );
});

test('query parameters are data: quotes and semicolons cannot change the statement', async () => {
  const node = 'node-inject';
  const nasty = "x' OR '1'='1'; DROP TABLE tcp_flows; --";
  const r = record(40010, 7 * 1e6);
  await store.insertFlows([
    toFlowRow(r, { node, version: 1, final: true, k8s: { dst_service: nasty } }),
    toFlowRow(record(40011, 7 * 1e6), { node, version: 1, final: true, k8s: { dst_service: 'x' } }),
  ]);
  const range = { from: dateTime64(T0_US), to: dateTime64(T0_US + 3600e6) };
  const hit = await store.query<{ flow_id: string }>(FLOWS_BY_TIME_AND_SERVICE, { ...range, svc: nasty });
  assert.deepEqual(
    hit.map((h) => h.flow_id),
    [flowId(node, r)],
  );
  const none = await store.query(FLOWS_BY_TIME_AND_SERVICE, { ...range, svc: "' OR 1=1 --" });
  assert.deepEqual(none, []);
  assert.equal(await count("SELECT count() AS n FROM system.tables WHERE name = 'tcp_flows'"), 1);
  // A value that is not of the declared type is an error, not SQL.
  await assert.rejects(
    store.query(FLOW_VERSIONS, { node, start: range.from, id: '1; DROP TABLE tcp_flows' }),
  );
  assert.equal(await count("SELECT count() AS n FROM system.tables WHERE name = 'tcp_flows'"), 1);
});

test('the data directory survives a restart', async () => {
  const before = await count('SELECT count() AS n FROM tcp_flows');
  await store.close();
  store = new ChdbStore(config);
  assert.deepEqual(await store.migrate(), { applied: [], skipped: [1, 2, 3, 4, 5, 6] });
  assert.equal(await count('SELECT count() AS n FROM tcp_flows'), before);
});

test('recordFromRow reads back exactly the record that was stored (IPv4, IPv6, nulls, fractions)', async () => {
  const node = 'node-roundtrip';
  const v4 = record(40101, 0);
  const v6: TcpFlowRecord = {
    ...record(40102, 5000),
    src: { ip: '2001:db8::7', port: 40102 },
    dst: { ip: 'fe80::1:2', port: 443 },
    evicted: true,
    diagnosis: [
      { code: 'elevated_retransmission', tree: 'slow', severity: 'warning', message: '1.6 % "quoted"' },
    ],
  };
  v6.tcp_metrics = {
    ...v6.tcp_metrics,
    initial_rtt_us: null,
    rtt_avg_us: 1 / 3,
    retransmission_rate: 0.1 + 0.2,
    window_scale: null,
  };
  await store.insertFlows([
    toFlowRow(v4, { node, version: 7, final: true }),
    toFlowRow(v6, { node, version: 4, final: false }),
  ]);
  const rows = await store.query<Record<string, string | number | null>>(
    `SELECT ${RECORD_COLUMNS} FROM tcp_flows FINAL WHERE node = {node:String} ORDER BY start_time`,
    { node },
  );
  const read = rows.map(recordFromRow);
  assert.deepEqual(
    read.map((r) => r.record),
    [v4, v6],
  );
  assert.deepEqual(
    read.map((r) => [r.flowId, r.version, r.final, r.node]),
    [
      [flowId(node, v4), 7, true, node],
      [flowId(node, v6), 4, false, node],
    ],
  );
});

test('rows of an old capture stay: retention counts from storage time, not connection time', async () => {
  const node = 'node-old-capture';
  const old = record(40201, 0);
  const yearsAgo = {
    ...old,
    start_us: old.start_us - 3 * 365 * 86_400e6,
    end_us: old.end_us - 3 * 365 * 86_400e6,
  };
  await store.insertFlows([toFlowRow(yearsAgo, { node, version: 1, final: true })]);
  await store.query('OPTIMIZE TABLE tcp_flows FINAL'); // merges apply TTLs
  assert.equal(await count('SELECT count() AS n FROM tcp_flows WHERE node = {node:String}', { node }), 1);
  assert.equal(
    await count(
      'SELECT count() AS n FROM tcp_rtt_1m WHERE node = {node:String} AND minute < now() - INTERVAL 2 YEAR',
      { node },
    ),
    1,
  );
});
