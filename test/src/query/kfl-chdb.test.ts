// The two paths of a compiled KFL filter, SQL over history and matches() over the live stream,
// checked against each other on the real engine (chdb = ClickHouse in this process) with real rows:
// the records of samples/demo.pcap and the scenario captures, final and interim versions.
// chdb binds one data directory per process: this is the only KFL test file that opens a store.
// It lives in the test workspace, which can generate the scenario captures.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CATALOGUE } from '@tcpx/query-api/kfl/catalogue';
import { NULLABLE_METRICS } from '@tcpx/query-api/kfl/catalogue-metrics';
import { type CompiledFilter, compileKfl } from '@tcpx/query-api/kfl/index';
import { compileRegex } from '@tcpx/query-api/kfl/regex-vm';
import { arbitraries, quote, vocabulary } from '@tcpx/query-api/kfl/testing/arbitraries';
import { captureRows } from '@tcpx/query-api/kfl/testing/capture-rows';
import { re2Pattern, subject } from '@tcpx/query-api/kfl/testing/regex-arbitraries';
import { ChdbStore, type FlowRow, RECORD_COLUMNS } from '@tcpx/store';
import fc from 'fast-check';
import { generateCraftedCaptures } from '../crafted/index.js';
import { DEFAULT_CACHE_DIR, generateCaptures } from '../scenarios/index.js';

const DEMO = fileURLToPath(new URL('../../../samples/demo.pcap', import.meta.url));
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'tcpx-kfl-'));
let store: ChdbStore;
let rows: FlowRow[];
const key = (node: string, id: string, version: number | string) => `${node}|${id}|${version}`;
const byKey = new Map<string, FlowRow>();

before(async () => {
  store = new ChdbStore({ path: dir, retentionDays: 3650, rollupRetentionDays: 3650 });
  await store.migrate();
  // Keep every version, so both paths see the same rows: no background merges, and one insert per
  // version (optimize_on_insert would collapse a flow's versions within one block).
  await store.query('SYSTEM STOP MERGES tcp_flows');
  // The scenario and crafted captures are generated (or taken from the cache) here, so a fresh
  // machine tests the same rows as a developer's.
  const scenarios = await generateCaptures(DEFAULT_CACHE_DIR);
  const crafted = generateCraftedCaptures(join(DEFAULT_CACHE_DIR, 'crafted'));
  rows = await captureRows([DEMO, ...scenarios.map((c) => c.file), ...crafted.map((c) => c.file)]);
  for (const version of [1, 2]) await store.insertFlows(rows.filter((r) => r.version === version));
  for (const r of rows) byKey.set(key(r.node, r.flow_id, r.version), r);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Disagreement {
  filter: string;
  row: string;
  sql: boolean;
  js: boolean;
}

/** Runs many filters in one query (one parameter prefix each) and compares them row by row. */
async function disagreements(texts: readonly string[]): Promise<Disagreement[]> {
  const filters: CompiledFilter[] = texts.map((t, i) => compileKfl(t, { now: NOW, paramPrefix: `f${i}` }));
  const params = Object.assign({}, ...filters.map((f) => f.params));
  const sql = `SELECT node, toString(flow_id) AS id, version, [${filters.map((f) => f.where).join(', ')}] AS m FROM tcp_flows`;
  let result: { node: string; id: string; version: string; m: (number | null)[] }[];
  try {
    result = await store.query(sql, params);
  } catch (err) {
    // name the filter ClickHouse refused
    for (const f of filters) {
      try {
        await store.query(`SELECT count() FROM tcp_flows WHERE ${f.where}`, f.params);
      } catch (e) {
        throw new Error(`ClickHouse refused ${JSON.stringify(f.text)} → ${f.where}: ${(e as Error).message}`);
      }
    }
    throw err;
  }
  assert.equal(result.length, rows.length, 'every inserted version is in the table');
  const out: Disagreement[] = [];
  for (const r of result) {
    const row = byKey.get(key(r.node, r.id, r.version));
    assert.ok(row, `row ${r.node} ${r.id} v${r.version} was inserted`);
    filters.forEach((f, i) => {
      const js = f.matches(row);
      if ((r.m[i] === 1) !== js || (r.m[i] !== 0 && r.m[i] !== 1))
        out.push({
          filter: f.text,
          row: `${r.node} ${r.id} v${r.version} ${row.state}`,
          sql: r.m[i] === 1,
          js,
        });
    });
  }
  return out;
}

test('the rows are real: captures analysed by tcpx, with interim versions', () => {
  assert.ok(rows.length > 100, `${rows.length} rows`);
  assert.ok(rows.some((r) => r.final === 0) && rows.some((r) => r.final === 1));
  assert.ok(new Set(rows.map((r) => r.state)).size >= 5, 'several connection states');
  assert.ok(
    rows.some((r) => r.src_ip.includes(':') && !r.src_ip.startsWith('::ffff:')),
    'IPv6 rows',
  );
});

test('catalogue columns exist; NULLABLE_METRICS are exactly the Nullable metric columns', async () => {
  const cols = new Map(
    (
      await store.query<{ name: string; type: string }>(
        "SELECT name, type FROM system.columns WHERE table = 'tcp_flows'",
      )
    ).map((c) => [c.name, c.type]),
  );
  for (const f of CATALOGUE)
    if (f.ir.k === 'col') for (const c of f.ir.columns) assert.ok(cols.has(c), `${f.name} reads ${c}`);
  const nullableMetrics = CATALOGUE.filter((f) => f.name.startsWith('tcp_metrics.'))
    .map((f) => f.name.slice('tcp_metrics.'.length))
    .filter((m) => cols.get(m)?.startsWith('Nullable('));
  assert.deepEqual(new Set(nullableMetrics), NULLABLE_METRICS);
});

test('every catalogue field: its SQL and its FlowRow reading give the same value on every row', async () => {
  const fields = CATALOGUE.filter((f) => f.ir.k === 'col');
  const select = fields
    .map((f, i) => `toJSONString(${f.ir.k === 'col' ? f.ir.sql : ''}) AS c${i}`)
    .join(', ');
  const result = await store.query<Record<string, string>>(
    `SELECT node, toString(flow_id) AS id, version, ${select} FROM tcp_flows`,
  );
  const normal = (v: unknown) =>
    JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? Number(x) : typeof x === 'boolean' ? Number(x) : x));
  let checked = 0;
  for (const r of result) {
    const row = byKey.get(key(r.node, r.id, r.version));
    assert.ok(row);
    fields.forEach((f, i) => {
      if (f.ir.k !== 'col') return;
      const js = f.ir.get(row);
      const sql = JSON.parse(r[`c${i}`]);
      const same =
        f.ir.ty === 'ts' || typeof js === 'number' || typeof js === 'bigint'
          ? Number(sql) === Number(js)
          : normal(sql) === normal(js);
      assert.ok(same, `${f.name} on ${r.node} ${r.id}: SQL ${r[`c${i}`]}, FlowRow ${normal(js)}`);
      checked++;
    });
  }
  assert.equal(checked, rows.length * fields.length);
});

test('kfl.md §7 examples select the same rows in SQL and in-process', async () => {
  const examples = [
    'response.status > 400 or error or icmp or tcp',
    '!error',
    'tcp_flow and tcp_metrics.retransmission_rate > 0.05',
    'tcp_flow',
    '!dns and !error',
    'http and response.status == r"4.*"',
    'http and request.method == "GET" and request.path != "/example" and (request.query.a > 42 or request.headers["x"] == "y")',
    'dst.namespace == ""',
    '(src.namespace == "payments" and dst.namespace == "production") or (src.namespace == "production" and dst.namespace == "payments")',
    'dst.name == "api"',
    'response.status > 300 and node.name == "node-demo"',
    'timestamp >= datetime("10/19/2021, 6:29:02.593 PM")',
    'tcp_flow and timestamp >= minutes(-15)',
    'tcp_flow && timestamp > now() - duration("15m")',
    'tcp_flow && tcp_metrics.connection_completeness == 33',
    'tcp_flow and tcp_metrics.connection_completeness == 1',
    'tcp_flow and tcp_metrics.rst_count > 0 and tcp_metrics.connection_completeness != 33',
    'tcp_flow && (tcp_metrics.connection_completeness / 32) % 2 == 1',
    'tcp_flow and tcp_metrics.zero_window_events > 0',
    'tcp_flow and tcp_metrics.window_full_events > 0 and tcp_metrics.zero_window_events == 0',
    'tcp_flow and tcp_metrics.initial_rtt_us > 10000',
    'tcp_flow && tcp_metrics.rtt_samples > 0 && tcp_metrics.rtt_max_us > 10 * tcp_metrics.rtt_min_us',
    'tcp_flow && tcp_metrics.retransmissions > 0 && tcp_metrics.fast_retransmissions * 2 < tcp_metrics.retransmissions',
    'tcp_flow and tcp_metrics.retransmission_rate >= 0.01 and tcp_metrics.retransmission_rate < 0.05',
    'tcp_flow and tcp_metrics.fin_count == 1',
    'tcp_flow and tcp_metrics.connection_completeness == 8',
    'tcp_flow and dst.port == 5432 and tcp_metrics.jitter_us > 5000',
    'tcp_flow and (src.namespace == "payments" or dst.namespace == "payments") and !error',
    'tcp_flow && "production" in namespaces && tcp_metrics.missing_segments > 0',
    'tcp_flow && map_get(remote_labels, "app", "") == "checkout" && tcp_metrics.keepalive_count > 100',
    'tcp_flow and src.ip.startsWith("10.201.") and !(dst.namespace == "kube-system")',
    'tcp_flow and src.ip == r"10\\.201\\.(200|100)\\..*"',
    'tcp_flow && dst.dns.matches("(?i)\\\\.amazonaws\\\\.com$")',
    'tcp_flow and "TLS" in flow_l7_detected and tcp_metrics.connection_time_us > 3 * tcp_metrics.handshake_time_us',
    'tcp_flow and tcp_metrics.window_scale < 7 and tcp_metrics.avg_receive_window < 65535',
    'tcp_flow and tcp_metrics.retransmission_rate > 0.05 and limit(100)',
    'tcp_flow and tcp_metrics.rst_count',
    'tcp_flow and error or dst.port == 443',
  ];
  assert.deepEqual(await disagreements(examples), []);
});

test('examples against independent expectations on the real rows', async () => {
  const selected = async (filter: string) => {
    const f = compileKfl(filter, { now: NOW });
    const r = await store.query<{ node: string; id: string; version: string }>(
      `SELECT node, toString(flow_id) AS id, version FROM tcp_flows WHERE ${f.where}`,
      f.params,
    );
    return new Set(r.map((x) => key(x.node, x.id, x.version)));
  };
  const expect = (pred: (r: FlowRow) => boolean) =>
    new Set(rows.filter(pred).map((r) => key(r.node, r.flow_id, r.version)));
  const tcpErrors = ['refused', 'unanswered', 'reset', 'close_wait', 'last_ack'];
  assert.deepEqual(
    await selected('tcp'),
    expect((r) => tcpErrors.includes(r.state)),
  );
  assert.deepEqual(
    await selected('!tcp'),
    expect((r) => !tcpErrors.includes(r.state)),
  );
  assert.deepEqual(
    await selected('error'),
    expect((r) => [...tcpErrors, 'syn_received'].includes(r.state)),
  );
  assert.deepEqual(
    await selected('tcp_flow && tcp_metrics.connection_completeness == 33'),
    expect((r) => r.connection_completeness === 33),
  );
  assert.deepEqual(
    await selected('tcp_flow and tcp_metrics.rst_count'),
    expect((r) => (r.rst_count as number) > 0),
  );
  assert.deepEqual(
    await selected('tcp_metrics.initial_rtt_us == 0'),
    expect((r) => !r.initial_rtt_us),
  );
  assert.deepEqual(
    await selected('flow_state == "closed"'),
    expect((r) => r.final === 1),
  );
  assert.deepEqual(
    await selected('"production" in namespaces'),
    expect((r) => r.src_namespace === 'production' || r.dst_namespace === 'production'),
  );
  assert.deepEqual(
    await selected('dst.ip == r"fd00:.*"'),
    expect((r) => r.dst_ip.startsWith('fd00:')),
  );
  assert.deepEqual(
    await selected('src.ip.startsWith("10.201.200.")'),
    expect((r) => r.src_ip.startsWith('::ffff:10.201.200.')),
  );
  assert.deepEqual(
    await selected('tcp_flow and limit(3)'),
    expect(() => true),
    'limit() is a directive, not a condition',
  );
  const ms = NOW - 15 * 60_000;
  assert.deepEqual(
    await selected('timestamp >= minutes(-15)'),
    expect((r) => Number(r.start_time) * 1000 >= ms),
  );
});

test('the clause means the same next to RECORD_COLUMNS, whose aliases shadow flow_id, src_ip, dst_ip', async () => {
  for (const text of [
    'flow_id > 9223372036854775807',
    'id.endsWith("7")',
    'src.ip.startsWith("10.")',
    'dst.name == r"fd00:.*"',
  ]) {
    const f = compileKfl(text, { now: NOW });
    const plain = await store.query<{ id: string; version: string }>(
      `SELECT toString(flow_id) AS id, version FROM tcp_flows WHERE ${f.where} ORDER BY id, version`,
      f.params,
    );
    const aliased = await store.query<{ flow_id: string; version: string }>(
      `SELECT ${RECORD_COLUMNS} FROM tcp_flows WHERE ${f.where} ORDER BY flow_id, version`,
      f.params,
    );
    assert.ok(plain.length > 0 && plain.length < rows.length, text);
    assert.deepEqual(
      aliased.map((r) => `${r.flow_id}/${r.version}`),
      plain.map((r) => `${r.id}/${r.version}`),
      text,
    );
  }
});

test('demo.pcap against tshark: connections and the refused ones', async () => {
  const run = promisify(execFile);
  const demo = DEMO;
  const { stdout } = await run('tshark', ['-r', demo, '-q', '-z', 'conv,tcp']);
  const convs = stdout.split('\n').filter((l) => /<->/.test(l));
  const toPort9 = convs.filter((l) => /:9\s+<->|<->\s+\S+:9\s/.test(l));
  const count = async (filter: string) => {
    const f = compileKfl(filter, { now: NOW });
    const [r] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM tcp_flows WHERE ${f.where}`,
      f.params,
    );
    return Number(r.n);
  };
  assert.equal(await count('node.name == "node-demo" and flow_state == "closed"'), convs.length);
  assert.equal(
    await count('node_name == "node-demo" && flow_state == "closed" && dst.port == 9'),
    toPort9.length,
  );
  assert.equal(
    await count('node["name"] == "node-demo" and flow_state == "closed" and state == "refused"'),
    toPort9.length,
    'the closed-port connections are refused',
  );
});

test('generated filters: ClickHouse runs every one and both paths select the same rows', async () => {
  const { filter } = arbitraries(vocabulary(rows));
  await fc.assert(
    fc.asyncProperty(fc.array(filter, { minLength: 1, maxLength: 40 }), async (texts) => {
      const bad = await disagreements(texts);
      if (bad.length > 0) assert.fail(`paths disagree: ${JSON.stringify(bad.slice(0, 3))}`);
    }),
    { numRuns: 40 },
  );
});

test('hostile values never reach the SQL text and still select the same rows', async () => {
  const { hostileString, intLit } = arbitraries(vocabulary(rows));
  const fields = ['src.namespace', 'dst.service.name', 'state', 'id', 'src.ip', 'error.msg'];
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(
          fc.constantFrom(...fields),
          hostileString,
          fc.constantFrom('==', '!=', '<', 'startsWith', 'in'),
        ),
        {
          minLength: 10,
          maxLength: 10,
        },
      ),
      intLit,
      async (cases, n) => {
        const texts = cases.map(([f, s, op]) =>
          op === 'startsWith'
            ? `${f}.startsWith(${quote(s)})`
            : op === 'in'
              ? `${quote(s)} in [${f}, "x"]`
              : `${f} ${op} ${quote(s)}`,
        );
        texts.push(`tcp_metrics.goodput_bytes > ${n}`);
        for (const t of texts) {
          const f = compileKfl(t, { now: NOW });
          const values = cases.map(([, s]) => s).filter((s) => s.length >= 3);
          for (const v of values) assert.ok(!f.where.includes(v), `${JSON.stringify(v)} in ${f.where}`);
          if (/^\d{4,}$/.test(n)) assert.ok(!f.where.includes(n), `${n} in ${f.where}`);
        }
        assert.deepEqual(await disagreements(texts), []);
      },
    ),
    { numRuns: 30 },
  );
});

test('the regex engine agrees with ClickHouse match() (RE2) on generated patterns', async () => {
  let compared = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(re2Pattern, subject, fc.boolean()), { minLength: 1, maxLength: 50 }),
      async (cases) => {
        const accepted = cases.flatMap(([p, s, full]) => {
          try {
            return [{ p, s, re: compileRegex(p, full) }];
          } catch {
            refused++;
            return [];
          }
        });
        if (accepted.length === 0) return;
        const params: Record<string, string> = {};
        accepted.forEach((c, i) => {
          params[`p${i}`] = c.re.source;
          params[`s${i}`] = c.s;
        });
        const sql = `SELECT [${accepted.map((_, i) => `match({s${i}:String}, {p${i}:String})`).join(', ')}] AS m`;
        let m: number[];
        try {
          [{ m }] = await store.query<{ m: number[] }>(sql, params);
        } catch (err) {
          for (const c of accepted)
            await store
              .query('SELECT match({s:String}, {p:String})', { s: c.s, p: c.re.source })
              .catch((e) =>
                assert.fail(
                  `RE2 refused ${JSON.stringify(c.re.source)} that we accept: ${(e as Error).message}`,
                ),
              );
          throw err;
        }
        accepted.forEach((c, i) => {
          if (c.re.test(c.s) !== (m[i] === 1))
            assert.fail(
              `${JSON.stringify(c.p)} (SQL ${JSON.stringify(c.re.source)}) on ${JSON.stringify(c.s)}: ClickHouse ${m[i]}`,
            );
        });
        compared += accepted.length;
      },
    ),
    { numRuns: 60 },
  );
  assert.ok(compared > refused * 3, `${compared} compared, ${refused} refused`);
});
