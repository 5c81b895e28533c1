// GET /api/rtt/percentiles, /api/snapshot and /api/diagnose over real captures in the embedded
// ClickHouse; expectations from tshark and from the emitted records (the input).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EmittedFlow } from '@tcpx/flow-processor';
import type { DiagnoseResult, FlowPage, PercentileResult, SnapshotResult } from '@tcpx/query-api/data/types';
import { CONNECTION_ERROR_STATES } from '@tcpx/query-api/kfl/catalogue';
import { canonicalIp, flowId } from '@tcpx/store';
import { quantileType7 } from '@tcpx/store/fixtures';
import { allPages, get, useDataset } from './api.js';
import { type Capture, k8s } from './dataset.js';

const suite = useDataset();

const LEVELS = [0.5, 0.9, 0.99];
const RTT_METRICS = ['initial_rtt_us', 'rtt_avg_us', 'rtt_max_us'] as const;

const finals = (): { capture: Capture; e: EmittedFlow }[] =>
  suite.data.captures.flatMap((capture) =>
    capture.ingest.emitted.filter((e) => e.final).map((e) => ({ capture, e })),
  );
const serviceOf = (e: EmittedFlow) => k8s(e.record.dst.ip, e.record.dst.port)?.service ?? '';

/** Hourly steps over whole hours covering every capture: the hourly rollups' questions. */
function hourlyRange() {
  const first = Math.min(...suite.data.captures.map((c) => c.ingest.firstPacketUs));
  const last = Math.max(...suite.data.captures.map((c) => c.ingest.lastPacketUs));
  const hour = 3_600_000;
  return {
    step: 3600,
    from: String(Math.floor(first / 1000 / hour) * hour),
    to: String((Math.floor(last / 1000 / hour) + 2) * hour),
  };
}

function assertClose(got: number | null, want: number, what: string) {
  assert.ok(
    got !== null && Math.abs(got - want) <= 1e-9 * Math.abs(want),
    `${what}: got ${got}, want ${want}`,
  );
}

describe('RTT percentiles', () => {
  test('the rollup answers a filter on its dimensions, exactly as the raw records and as JS compute them', async () => {
    for (const metric of RTT_METRICS) {
      const rollup = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
        metric,
        group_by: 'dst.service',
      });
      assert.equal(rollup.status, 200, JSON.stringify(rollup.body));
      assert.equal(rollup.body.source, 'rollup');
      // Same connections, but the filter names a column the rollup does not have.
      const raw = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
        metric,
        group_by: 'dst.service',
        kfl: 'tcp_metrics.rst_count >= 0',
      });
      assert.equal(raw.body.source, 'raw');
      assert.deepEqual(raw.body.rows, rollup.body.rows);

      const groups = new Map<string, { flows: number; values: number[] }>();
      for (const { e } of finals()) {
        const g = groups.get(serviceOf(e)) ?? { flows: 0, values: [] };
        g.flows++;
        const v = e.record.tcp_metrics[metric];
        if (v !== null) g.values.push(v);
        groups.set(serviceOf(e), g);
      }
      assert.deepEqual(
        rollup.body.rows.map((r) => r.group),
        [...groups.keys()].sort(),
      );
      for (const row of rollup.body.rows) {
        const g = groups.get(row.group)!;
        assert.equal(row.flows, g.flows);
        assert.equal(row.samples, g.values.length);
        LEVELS.forEach((l, i) => {
          assertClose(
            [row.p50, row.p90, row.p99][i],
            quantileType7(g.values, l),
            `${metric} ${row.group} P${l * 100}`,
          );
        });
      }
    }
  });

  test('per-minute buckets and a node grouping agree between rollup and raw; a sub-minute step is raw', async () => {
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    const query = {
      metric: 'rtt_avg_us',
      group_by: 'node',
      step: 60,
      from: String(Math.floor(demo.ingest.firstPacketUs / 60e6) * 60e3),
      to: String(demo.ingest.lastPacketUs / 1000 + 60_000),
    };
    const rollup = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', query);
    const raw = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
      ...query,
      kfl: 'src.port > 0',
    });
    assert.equal(rollup.body.source, 'rollup');
    assert.equal(raw.body.source, 'raw');
    assert.deepEqual(raw.body.rows, rollup.body.rows);
    assert.ok(rollup.body.rows.some((r) => r.group === 'demo'));
    // every bucket's flows: demo's final records by start minute
    const byMinute = new Map<string, number>();
    for (const e of demo.ingest.emitted.filter((x) => x.final)) {
      const minute = new Date(Math.floor(e.record.start_us / 60e6) * 60e3).toISOString();
      byMinute.set(minute, (byMinute.get(minute) ?? 0) + 1);
    }
    assert.deepEqual(
      rollup.body.rows.filter((r) => r.group === 'demo').map((r) => [r.time, r.flows]),
      [...byMinute].sort(),
    );
    const fine = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', { ...query, step: 30 });
    assert.equal(fine.body.source, 'raw');
  });

  test('whole-hour steps over an hour-aligned range use the hourly rollup: same flows, percentiles within its documented error', async () => {
    const hour = 3_600_000;
    const range = hourlyRange();
    for (const metric of RTT_METRICS) {
      const query = { metric, group_by: 'dst.service', ...range };
      const hourly = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', query);
      assert.equal(hourly.status, 200, JSON.stringify(hourly.body));
      assert.equal(hourly.body.source, 'rollup_1h');
      const raw = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
        ...query,
        kfl: 'src.port > 0',
      });
      assert.equal(raw.body.source, 'raw');
      assert.deepEqual(
        hourly.body.rows.map((r) => [r.group, r.time, r.flows, r.samples]),
        raw.body.rows.map((r) => [r.group, r.time, r.flows, r.samples]),
      );
      // Each percentile is within 1 % (DDSketch's relative accuracy) of the sample value at its
      // rank level × (n - 1), rounded either way: no interpolation between neighbours.
      const buckets = new Map<string, number[]>();
      for (const { e } of finals()) {
        const v = e.record.tcp_metrics[metric];
        const time = new Date(Math.floor(e.record.start_us / 1000 / hour) * hour).toISOString();
        const key = `${serviceOf(e)} ${time}`;
        if (v !== null) buckets.set(key, [...(buckets.get(key) ?? []), v]);
      }
      for (const row of hourly.body.rows) {
        const values = (buckets.get(`${row.group} ${row.time}`) ?? []).sort((a, b) => a - b);
        assert.equal(values.length, row.samples);
        if (values.length === 0) continue;
        LEVELS.forEach((l, i) => {
          const got = [row.p50, row.p90, row.p99][i]!;
          const rank = l * (values.length - 1);
          const near = [values[Math.floor(rank)], values[Math.ceil(rank)]];
          assert.ok(
            near.some((v) => Math.abs(got - v) <= 0.01 * v * (1 + 1e-9)),
            `${metric} ${row.group} ${row.time} P${l * 100}: ${got} not within 1 % of ${near}`,
          );
        });
      }
    }
  });

  test('every grouping reads a narrow hourly table with exactly the wide hourly rollup’s answer', async () => {
    const range = hourlyRange();
    // The narrow tables hold what the wide one holds, summed over the dimensions they drop.
    const totals = async (table: string) => {
      const [row] = await suite.data.store.query<{ flows: string; samples: string }>(
        `SELECT countMerge(flows) AS flows, countMerge(rtt_avg_n) AS samples FROM ${table}`,
      );
      return row;
    };
    const wideTotals = await totals('tcp_rtt_1h');
    assert.ok(Number(wideTotals.flows) > 0);
    for (const table of ['tcp_rtt_1h_dst', 'tcp_rtt_1h_src'])
      assert.deepEqual(await totals(table), wideTotals, table);
    // A filter on the other side's dimension (true for every connection) sends a question to the
    // wide table; without it, the question goes to the narrow table of its side.
    const otherSide: Record<string, string> = {
      'dst.service': 'node.name != "no such node"',
      'dst.namespace': 'node.name != "no such node"',
      'src.namespace': 'dst.service.name != "no such service"',
      node: 'dst.service.name != "no such service"',
    };
    for (const [group_by, kfl] of Object.entries(otherSide)) {
      for (const metric of RTT_METRICS) {
        const narrow = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
          ...range,
          metric,
          group_by,
        });
        const wide = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
          ...range,
          metric,
          group_by,
          kfl,
        });
        assert.equal(narrow.body.source, 'rollup_1h', JSON.stringify(narrow.body));
        assert.equal(wide.body.source, 'rollup_1h', JSON.stringify(wide.body));
        assert.ok(narrow.body.rows.length > 0, `${group_by} ${metric}`);
        assert.deepEqual(narrow.body.rows, wide.body.rows, `${group_by} ${metric}`);
      }
    }
    // And the narrow tables are really the ones read: a row only they hold shows up, then goes.
    const store = suite.data.store;
    const probe = { hour: Number(range.from) / 1000 };
    const states =
      'countState(toUInt8(1)), countState(toNullable(toUInt64(1000))), countState(toNullable(toFloat64(1000))), countState(toNullable(toUInt64(1000))), quantilesDDState(0.01, 0.5, 0.9, 0.99)(toNullable(toFloat64(1000))), quantilesDDState(0.01, 0.5, 0.9, 0.99)(toNullable(toFloat64(1000))), quantilesDDState(0.01, 0.5, 0.9, 0.99)(toNullable(toFloat64(1000)))';
    await store.query(
      `INSERT INTO tcp_rtt_1h_dst (hour, dst_namespace, dst_service, flows, initial_rtt_n, rtt_avg_n, rtt_max_n, initial_rtt_q, rtt_avg_q, rtt_max_q) SELECT toDateTime({hour:UInt32}, 'UTC'), 'probe', 'probe', ${states}`,
      probe,
    );
    try {
      const groups = async (kfl?: string) =>
        (
          await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
            ...range,
            metric: 'rtt_avg_us',
            group_by: 'dst.service',
            ...(kfl && { kfl }),
          })
        ).body.rows.map((r) => r.group);
      assert.ok((await groups()).includes('probe'), 'the narrow table answers');
      assert.ok(!(await groups(otherSide['dst.service'])).includes('probe'), 'the wide table answers');
    } finally {
      await store.query(
        "ALTER TABLE tcp_rtt_1h_dst DELETE WHERE dst_service = 'probe' SETTINGS mutations_sync = 1",
      );
    }
  });

  test('a service filter runs on the rollup and gives what the equivalent port filter gives on the records', async () => {
    const byService = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
      metric: 'initial_rtt_us',
      group_by: 'src.namespace',
      kfl: 'dst.service.name == "web"',
    });
    assert.equal(byService.status, 200, JSON.stringify(byService.body));
    assert.equal(byService.body.source, 'rollup');
    const byPort = await get<PercentileResult>(suite.api.app, '/api/rtt/percentiles', {
      metric: 'initial_rtt_us',
      group_by: 'src.namespace',
      kfl: 'dst.port == 8081',
    });
    assert.equal(byPort.body.source, 'raw');
    assert.deepEqual(byPort.body.rows, byService.body.rows);
    assert.equal(byService.body.rows.length, 1);
    assert.equal(byService.body.rows[0].flows, finals().filter(({ e }) => e.record.dst.port === 8081).length);
  });
});

describe('snapshot', () => {
  test('open and recently closed counts match tshark; states, codes and RTTs match the versions of that instant', async () => {
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    const first = demo.ingest.firstPacketUs;
    const last = demo.ingest.lastPacketUs;
    for (const x of [0.1, 0.3, 0.5, 0.7, 0.95]) {
      const t = Math.round(first + x * (last - first));
      const window = 3;
      const { status, body } = await get<SnapshotResult>(suite.api.app, '/api/snapshot', {
        at: String(t / 1000),
        window,
      });
      assert.equal(status, 200, JSON.stringify(body));
      let open = 0;
      let closed = 0;
      const states = new Map<string, number>();
      const codes = new Map<string, number>();
      const initialRtts: number[] = [];
      for (const c of suite.data.captures) {
        for (const f of c.oracle.values()) {
          const isOpen = f.start_us <= t && t < f.end_us;
          const isClosed = f.end_us <= t && f.end_us >= t - window * 1e6;
          if (!isOpen && !isClosed) continue;
          if (isOpen) open++;
          else closed++;
          const versions = c.ingest.emitted
            .filter((e) => e.record.stream === f.stream)
            .sort((a, b) => a.version - b.version);
          const known = versions.filter((e) => e.record.end_us <= t);
          const v = (known.length ? known[known.length - 1] : versions[0]).record;
          states.set(v.state, (states.get(v.state) ?? 0) + 1);
          for (const d of v.diagnosis) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
          if (isOpen && v.tcp_metrics.initial_rtt_us !== null) initialRtts.push(v.tcp_metrics.initial_rtt_us);
        }
      }
      assert.equal(body.open, open, `open at ${t}`);
      assert.equal(body.closed_in_window, closed, `closed before ${t}`);
      assert.deepEqual(body.by_state, Object.fromEntries(states));
      assert.deepEqual(body.by_diagnosis, Object.fromEntries(codes));
      assert.equal(body.rtt.initial_rtt_us.samples, initialRtts.length);
      if (initialRtts.length)
        assertClose(body.rtt.initial_rtt_us.p90, quantileType7(initialRtts, 0.9), 'P90');
      else assert.equal(body.rtt.initial_rtt_us.p90, null);
      // error classes mean what the same KFL words mean in a list
      for (const [cls, kfl] of [
        ['tcp', 'tcp'],
        ['error', 'error'],
        ['connection', 'error.type == "connection"'],
      ] as const) {
        const listed = await allPages(suite.api.app, { at: String(t / 1000), window, kfl, limit: 1000 });
        assert.equal(body.errors[cls], listed.flows.length, `${cls} at ${t}`);
      }
    }
  });

  test('after the capture, the refused and reset connections count as errors', async () => {
    const end = Math.max(...suite.data.captures.map((c) => c.ingest.lastPacketUs));
    const { body } = await get<SnapshotResult>(suite.api.app, '/api/snapshot', {
      at: String(end / 1000 + 1),
      window:
        (Math.max(...suite.data.captures.map((c) => c.ingest.lastPacketUs)) -
          Math.min(...suite.data.captures.map((c) => c.ingest.firstPacketUs))) /
          1e6 +
        10,
    });
    const failing = finals().filter(({ e }) => CONNECTION_ERROR_STATES.includes(e.record.state)).length;
    assert.ok(failing > 0);
    assert.equal(body.open, 0);
    assert.equal(body.closed_in_window, finals().length);
    assert.equal(body.errors.connection, failing);
    assert.ok(body.errors.tcp >= failing);
  });
});

describe('diagnose', () => {
  test('groups by code and service with counts, verdicts, evidence and examples from the records', async () => {
    const { status, body } = await get<DiagnoseResult>(suite.api.app, '/api/diagnose');
    assert.equal(status, 200, JSON.stringify(body));
    const all = finals();
    assert.equal(body.flows, all.length);
    assert.equal(body.healthy, all.filter(({ e }) => e.record.diagnosis.length === 0).length);

    const serverOf = (e: EmittedFlow) => {
      const ip = canonicalIp(e.record.dst.ip);
      return serviceOf(e) || `${ip.includes(':') ? `[${ip}]` : ip}:${e.record.dst.port}`;
    };
    const expected = new Map<
      string,
      { ids: Set<string>; rates: number[]; retrans: number; zw: number; tree: string; severity: string }
    >();
    for (const { capture, e } of all) {
      for (const d of e.record.diagnosis) {
        const k = `${d.code} @ ${serverOf(e)}`;
        const g = expected.get(k) ?? {
          ids: new Set(),
          rates: [],
          retrans: 0,
          zw: 0,
          tree: d.tree,
          severity: d.severity,
        };
        g.ids.add(flowId(capture.node, e.record));
        g.rates.push(e.record.tcp_metrics.retransmission_rate);
        g.retrans += e.record.tcp_metrics.retransmissions;
        g.zw += e.record.tcp_metrics.zero_window_events;
        expected.set(k, g);
      }
    }
    assert.deepEqual(body.groups.map((g) => `${g.code} @ ${g.service}`).sort(), [...expected.keys()].sort());
    for (const g of body.groups) {
      const want = expected.get(`${g.code} @ ${g.service}`)!;
      assert.equal(g.flows, want.ids.size);
      assert.equal(g.tree, want.tree);
      assert.equal(g.severity, want.severity);
      assert.ok(g.examples.length > 0 && g.examples.every((id) => want.ids.has(id)));
      if (g.code.endsWith('_retransmission')) {
        assert.equal(g.evidence.retransmission_rate_max, Math.max(...want.rates));
        assert.equal(g.evidence.retransmissions_sum, want.retrans);
      }
      if (g.code === 'zero_window') assert.equal(g.evidence.zero_window_events_sum, want.zw);
    }
    const rank = { critical: 0, warning: 1, info: 2 };
    for (let i = 1; i < body.codes.length; i++)
      assert.ok(rank[body.codes[i - 1].severity] <= rank[body.codes[i].severity]);
    assert.ok(body.codes.some((c) => c.code === 'connection_refused' && c.tree === 'failing'));
  });

  test('a filter narrows the connections diagnosed', async () => {
    const { body } = await get<DiagnoseResult>(suite.api.app, '/api/diagnose', { kfl: 'dst.port == 9' });
    const nine = finals().filter(({ e }) => e.record.dst.port === 9);
    assert.equal(body.flows, nine.length);
    assert.deepEqual(
      new Set(body.groups.map((g) => g.code)),
      new Set(nine.flatMap(({ e }) => e.record.diagnosis.map((d) => d.code))),
    );
    const page = await get<FlowPage>(suite.api.app, '/api/flows', { kfl: 'dst.port == 9', limit: 1000 });
    assert.equal(page.body.flows.length, nine.length);
  });
});
