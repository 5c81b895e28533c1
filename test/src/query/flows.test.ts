// GET /api/flows, /api/flows/:id and /mcp/calls over real captures in the embedded ClickHouse.
// Expectations come from tshark (which streams exist, when each started and ended) and from the
// records the analysis emitted (the input), never from the query layer itself.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowPage, FlowView } from '@tcpx/query-api/data/types';
import { SEED_METRIC_NAMES } from '@tcpx/schemas';
import { flowId as wireFlowId } from '@tcpx/schemas/flow-id';
import { flowId } from '@tcpx/store';
import { allPages, get, useDataset } from './api.js';

const suite = useDataset();

const key = (node: string, stream: number) => `${node}/${stream}`;
const viewKey = (v: FlowView) => key(v.node, v.stream);

/** Every tshark stream of every capture. */
function oracleKeys(): string[] {
  return suite.data.captures.flatMap((c) => [...c.oracle.keys()].map((s) => key(c.node, s))).sort();
}

/** The final record the analysis emitted for each connection. */
function finalRecords() {
  const out = new Map<
    string,
    { id: string; record: (typeof suite.data.captures)[0]['ingest']['emitted'][0] }
  >();
  for (const c of suite.data.captures)
    for (const e of c.ingest.emitted)
      if (e.final) out.set(key(c.node, e.record.stream), { id: flowId(c.node, e.record), record: e });
  return out;
}

const usOf = (iso: string) => Date.parse(iso) * 1000 + Number(iso.slice(23, 26));

/** The value a list is sorted by, from the view: null for a null metric. */
function sortValue(v: FlowView, sort: string): number | null {
  if (sort === 'start_time' || sort === 'end_time') return usOf(v[sort]);
  return (v.tcp_metrics[sort] ?? v.extra_metrics[sort] ?? null) as number | null;
}

/** a before b in (nulls last, value in `order`, then id and node in `order`). */
function inOrder(a: FlowView, b: FlowView, sort: string, order: 'asc' | 'desc'): boolean {
  const av = sortValue(a, sort);
  const bv = sortValue(b, sort);
  if ((av === null) !== (bv === null)) return bv === null;
  const sign = order === 'asc' ? 1 : -1;
  if (av !== null && bv !== null && av !== bv) return sign * (av - bv) < 0;
  const ai = BigInt(a.id);
  const bi = BigInt(b.id);
  if (ai !== bi) return sign * (ai < bi ? -1 : 1) < 0;
  return sign * a.node.localeCompare(b.node) < 0;
}

describe('listing', () => {
  test('the data set holds every tshark stream, each as its final record', async () => {
    const { flows } = await allPages(suite.api.app, { limit: 1000 });
    assert.deepEqual(flows.map(viewKey).sort(), oracleKeys());
    const finals = finalRecords();
    for (const v of flows) {
      const f = finals.get(viewKey(v))!;
      assert.equal(v.id, f.id);
      assert.equal(v.final, true);
      assert.equal(v.version, f.record.version);
      assert.equal(v.state, f.record.record.state);
      for (const name of SEED_METRIC_NAMES)
        assert.equal(v.tcp_metrics[name], f.record.record.tcp_metrics[name], name);
    }
    assert.ok(flows.length > 250, `${flows.length} connections`);
  });

  for (const sort of [
    'start_time',
    'end_time',
    'retransmission_rate',
    'rtt_avg_us',
    'initial_rtt_us',
    'goodput_bytes',
    'window_scale',
    'client_packets',
  ]) {
    test(`pagination by ${sort}: every connection exactly once, in order, for several page sizes`, async () => {
      const expected = oracleKeys();
      for (const order of ['asc', 'desc'] as const) {
        for (const limit of [17, 100]) {
          const { flows, pages } = await allPages(suite.api.app, { sort, order, limit });
          assert.equal(pages, Math.ceil(expected.length / limit));
          assert.deepEqual(flows.map(viewKey).sort(), expected, `${sort} ${order} ${limit}`);
          for (let i = 1; i < flows.length; i++) {
            assert.ok(
              inOrder(flows[i - 1], flows[i], sort, order),
              `${sort} ${order}: rows ${i - 1}, ${i} out of order`,
            );
          }
        }
      }
    });
  }

  test('the default order is newest first by start_time', async () => {
    const { body } = await get<FlowPage>(suite.api.app, '/api/flows', { limit: 1000 });
    const starts = body.flows.map((v) => usOf(v.start_time));
    const newest = Math.max(
      ...suite.data.captures.flatMap((c) => [...c.oracle.values()].map((f) => f.start_us)),
    );
    assert.equal(starts[0], newest);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i - 1] >= starts[i]);
  });

  test('a KFL filter selects the latest version, and from/to selects overlapping connections', async () => {
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    const web = [...demo.oracle.values()]
      .filter((f) => f.dst.port === 8081)
      .map((f) => key('demo', f.stream));
    const { flows } = await allPages(suite.api.app, { kfl: 'dst.port == 8081', limit: 7 });
    assert.deepEqual(flows.map(viewKey).sort(), web.sort());

    const streams = [...demo.oracle.values()];
    const mid = (streams[0].start_us + streams[streams.length - 1].end_us) / 2;
    const from = mid - 1_000_000;
    const to = mid + 500_000;
    const overlapping = suite.data.captures
      .flatMap((c) =>
        [...c.oracle.values()]
          .filter((f) => f.start_us < to && f.end_us >= from)
          .map((f) => key(c.node, f.stream)),
      )
      .sort();
    assert.ok(overlapping.length > 0 && overlapping.length < oracleKeys().length);
    const ranged = await allPages(suite.api.app, {
      from: String(from / 1000),
      to: new Date(to / 1000).toISOString(),
      limit: 9,
    });
    assert.deepEqual(ranged.flows.map(viewKey).sort(), overlapping);
  });

  test('KFL limit() caps the whole list across pages; rlimit() keeps the newest matches', async () => {
    const limited = await allPages(suite.api.app, {
      kfl: 'dst.port == 8081 and limit(5)',
      limit: 2,
      sort: 'goodput_bytes',
    });
    assert.equal(limited.flows.length, 5);
    assert.equal(limited.pages, 3);
    const all = await allPages(suite.api.app, {
      kfl: 'dst.port == 8081',
      sort: 'goodput_bytes',
      limit: 1000,
    });
    assert.deepEqual(limited.flows.map(viewKey), all.flows.slice(0, 5).map(viewKey));

    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    const newest = [...demo.oracle.values()]
      .filter((f) => f.dst.port === 8081)
      .sort((a, b) => b.start_us - a.start_us)
      .slice(0, 4)
      .map((f) => key('demo', f.stream));
    const recent = await allPages(suite.api.app, {
      kfl: 'dst.port == 8081 and rlimit(4)',
      sort: 'start_time',
      order: 'asc',
      limit: 3,
    });
    assert.deepEqual(recent.flows.map(viewKey), [...newest].reverse());
  });

  test('KFL redact() replaces the named fields in the output only', async () => {
    const { body } = await get<FlowPage>(suite.api.app, '/api/flows', {
      kfl: 'dst.port == 8081 and redact("src.ip", "tcp_metrics.rtt_avg_us")',
      limit: 3,
    });
    assert.equal(body.flows.length, 3);
    for (const v of body.flows) {
      assert.equal(v.src.ip, '[REDACTED]');
      assert.equal(v.tcp_metrics.rtt_avg_us as unknown, '[REDACTED]');
      assert.match(v.dst.ip, /^10\./);
    }
  });
});

describe('time travel', () => {
  /** Instants across the demo capture, and one exactly at a connection's last packet. */
  function instants(): number[] {
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    const streams = [...demo.oracle.values()];
    const first = Math.min(...streams.map((f) => f.start_us));
    const last = Math.max(...streams.map((f) => f.end_us));
    const out = [0.05, 0.2, 0.37, 0.5, 0.81, 0.99].map((x) => Math.round(first + x * (last - first)));
    out.push(streams[5].end_us, streams[5].start_us, last + 1_000_000);
    return out;
  }

  test('at T: open = started by T and last packet after T (tshark), plus the ones closed in the window', async () => {
    for (const window of [2, 300]) {
      for (const t of instants()) {
        const expected = suite.data.captures
          .flatMap((c) =>
            [...c.oracle.values()]
              .filter(
                (f) => (f.start_us <= t && t < f.end_us) || (f.end_us <= t && f.end_us >= t - window * 1e6),
              )
              .map((f) => key(c.node, f.stream)),
          )
          .sort();
        const { flows } = await allPages(suite.api.app, { at: String(t / 1000), window, limit: 50 });
        assert.deepEqual(flows.map(viewKey).sort(), expected, `at ${t} window ${window}`);
        for (const v of flows) {
          const f = suite.data.captures.find((c) => c.node === v.node)!.oracle.get(v.stream)!;
          assert.equal(v.final && usOf(v.end_time) <= t, f.end_us <= t, `${viewKey(v)} open/closed at ${t}`);
        }
      }
    }
  });

  test('at T each connection shows its latest version ending by T (the first one when none does)', async () => {
    for (const t of instants()) {
      const { flows } = await allPages(suite.api.app, { at: String(t / 1000), limit: 1000 });
      for (const v of flows) {
        const versions = suite.data.captures
          .find((c) => c.node === v.node)!
          .ingest.emitted.filter((e) => e.record.stream === v.stream)
          .sort((a, b) => a.version - b.version);
        const known = versions.filter((e) => e.record.end_us <= t);
        const chosen = known.length > 0 ? known[known.length - 1] : versions[0];
        assert.equal(v.version, chosen.version, `${viewKey(v)} at ${t}`);
        assert.equal(v.final, chosen.final);
        assert.equal(usOf(v.end_time), chosen.record.end_us);
        assert.equal(v.tcp_metrics.retransmissions, chosen.record.tcp_metrics.retransmissions);
        assert.equal(v.extra_metrics.client_packets, chosen.record.tcp_metrics.client_packets);
      }
    }
  });
});

describe('one connection', () => {
  test('GET /api/flows/:id returns every stored version, by decimal or hex id', async () => {
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    let multi = 0;
    for (const stream of demo.oracle.keys()) {
      const emitted = demo.ingest.emitted
        .filter((e) => e.record.stream === stream)
        .sort((a, b) => a.version - b.version);
      const id = flowId('demo', emitted[0].record);
      const { status, body } = await get<{ versions: FlowView[] }>(suite.api.app, `/api/flows/${id}`);
      assert.equal(status, 200);
      assert.deepEqual(
        body.versions.map((v) => [v.version, v.final, usOf(v.end_time), v.state]),
        emitted.map((e) => [e.version, e.final, e.record.end_us, e.record.state]),
      );
      if (emitted.length > 1) multi++;
      const hex = await get<{ versions: FlowView[] }>(
        suite.api.app,
        `/api/flows/${wireFlowId('demo', emitted[0].record)}`,
      );
      assert.deepEqual(hex.body.versions, body.versions);
    }
    assert.ok(multi >= 10, `${multi} demo connections have interim versions`);
  });

  test('an unknown id is 404, a malformed one 400', async () => {
    assert.equal((await get(suite.api.app, '/api/flows/12345')).status, 404);
    assert.equal((await get(suite.api.app, '/api/flows/not-an-id')).status, 400);
    assert.equal((await get(suite.api.app, '/api/flows/99999999999999999999999')).status, 400);
  });
});

/** An entry of any /mcp/calls format, loosely: the tests look at the fields their format has. */
interface Entry {
  id: string;
  timestamp: number;
  state: string;
  protocol: unknown;
  src: unknown;
  dst: unknown;
  node: unknown;
  error: { type: string; msg: string } | null;
  tcp_metrics: Record<string, number>;
  extra_metrics: Record<string, number>;
  versions: { version: number; final: boolean }[];
  [compact: string]: unknown;
}

describe('/mcp/calls', () => {
  test('raw: the seed entry with all 24 tcp_metrics (null as 0), newest first, total before limit', async () => {
    const finals = finalRecords();
    const { status, body } = await get<{ calls: Entry[]; total: number }>(suite.api.app, '/mcp/calls', {
      kfl: 'dst.port == 8081',
      limit: 5,
    });
    assert.equal(status, 200);
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    const web = [...demo.oracle.values()]
      .filter((f) => f.dst.port === 8081)
      .sort((a, b) => b.start_us - a.start_us);
    assert.equal(body.total, web.length);
    assert.deepEqual(
      body.calls.map((c) => c.id),
      web.slice(0, 5).map((f) => finals.get(key('demo', f.stream))!.id),
    );
    for (const c of body.calls) {
      assert.deepEqual(Object.keys(c.tcp_metrics), [...SEED_METRIC_NAMES]);
      const rec = [...finals.values()].find((f) => f.id === c.id)!.record.record;
      for (const name of SEED_METRIC_NAMES) assert.equal(c.tcp_metrics[name], rec.tcp_metrics[name] ?? 0);
      assert.equal(c.timestamp, Math.floor(rec.start_us / 1000));
      assert.deepEqual(c.protocol, { name: 'tcp', abbr: 'TCP' });
      // name: the service, else the address (as KFL's src.name)
      assert.deepEqual(c.src, { ip: rec.src.ip, port: rec.src.port, name: rec.src.ip, namespace: 'clients' });
      assert.deepEqual(c.dst, { ip: rec.dst.ip, port: 8081, name: 'web', namespace: 'shop' });
      assert.deepEqual(c.node, { name: 'demo' });
      assert.equal(c.error, null);
    }
  });

  test('raw: refused and reset connections carry a connection error, clean ones none', async () => {
    const { body } = await get<{ calls: Entry[]; total: number }>(suite.api.app, '/mcp/calls', {
      limit: 10000,
    });
    const states = [...finalRecords().values()].map((f) => f.record.record.state);
    assert.equal(body.total, states.length);
    assert.equal(body.calls.length, states.length);
    for (const state of ['refused', 'reset'] as const) {
      const calls = body.calls.filter((c) => c.state === state);
      assert.equal(calls.length, states.filter((s) => s === state).length);
      assert.ok(calls.length > 0);
      for (const c of calls) assert.deepEqual(c.error, { type: 'connection', msg: state });
    }
    assert.ok(body.calls.filter((c) => c.state === 'closed').every((c) => c.error === null));
  });

  test('compact and full formats', async () => {
    const compact = await get<{ calls: Entry[] }>(suite.api.app, '/mcp/calls', {
      format: 'compact',
      kfl: 'dst.port == 8081',
      limit: 3,
    });
    assert.equal(compact.status, 200);
    for (const c of compact.body.calls) {
      assert.match(String(c.src), /^10\.[\d.]+:\d+$/);
      assert.equal(String(c.dst).split(':')[1], '8081');
      assert.equal(c['src.ns'], 'clients');
      assert.equal(c['dst.svc'], 'web');
      assert.equal(c['dst.ns'], 'shop');
      assert.equal(c.proto, 'TCP');
      assert.ok(Array.isArray(c.diagnosis));
      assert.equal(c.tcp_metrics, undefined);
    }
    const full = await get<{ calls: Entry[] }>(suite.api.app, '/mcp/calls', {
      format: 'full',
      kfl: 'dst.port == 8081',
      limit: 40,
    });
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    for (const c of full.body.calls) {
      const versions = demo.ingest.emitted
        .filter((e) => flowId('demo', e.record) === c.id)
        .map((e) => e.version)
        .sort((a, b) => a - b);
      assert.deepEqual(
        c.versions.map((v: { version: number }) => v.version),
        versions,
      );
      assert.equal(c.versions[c.versions.length - 1].final, true);
      assert.equal(Object.keys(c.tcp_metrics).length, 24);
      assert.equal(typeof c.extra_metrics.client_packets, 'number');
    }
  });
});

describe('bad requests', () => {
  test('bad parameters are 400 with a message', async () => {
    const bad: [string, Record<string, string>][] = [
      ['/api/flows', { sort: 'bogus' }],
      ['/api/flows', { order: 'sideways' }],
      ['/api/flows', { limit: '0' }],
      ['/api/flows', { limit: '1001' }],
      ['/api/flows', { at: 'yesterday' }],
      ['/api/flows', { from: '2026-11-21' }],
      ['/api/flows', { cursor: 'garbage!' }],
      ['/api/flows', { cursor: Buffer.from('[1,2]').toString('base64url') }],
      ['/api/flows', { kfl: 'dst.port ==' }],
      ['/api/flows', { from: '2000', to: '1000' }],
      ['/mcp/calls', { format: 'xml' }],
      ['/mcp/calls', { limit: '10001' }],
      ['/api/rtt/percentiles', { metric: 'latency' }],
      ['/api/rtt/percentiles', { step: '0' }],
      ['/api/snapshot', { at: 'now' }],
    ];
    for (const [url, query] of bad) {
      const res = await suite.api.app.inject({ method: 'GET', url, query });
      assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(query)}: ${res.body.slice(0, 300)}`);
      assert.equal(typeof res.json().message, 'string');
    }
  });

  test('a cursor from another ordering is refused', async () => {
    const { body } = await get<FlowPage>(suite.api.app, '/api/flows', { sort: 'rtt_avg_us', limit: 2 });
    assert.ok(body.next_cursor);
    const res = await get<{ error: string }>(suite.api.app, '/api/flows', {
      sort: 'start_time',
      limit: 2,
      cursor: body.next_cursor,
    });
    assert.equal(res.status, 400);
  });
});

// Last: it merges the tables. tcp_flows then keeps only each connection's newest version; the
// history lives on in tcp_flow_versions, so time travel and a connection's versions are unchanged.
describe('after ClickHouse merged every part', () => {
  test('tcp_flows holds one row per connection, yet time travel and the versions are unchanged', async () => {
    const t = instantsForMerge();
    const before = await Promise.all(
      t.map((at) => allPages(suite.api.app, { at: String(at / 1000), limit: 1000 })),
    );
    const demo = suite.data.captures.find((c) => c.node === 'demo')!;
    const ids = [...new Set(demo.ingest.emitted.map((e) => flowId('demo', e.record)))];
    const versionsBefore = await Promise.all(ids.map((id) => get(suite.api.app, `/api/flows/${id}`)));

    await suite.data.store.query('OPTIMIZE TABLE tcp_flows FINAL');
    await suite.data.store.query('OPTIMIZE TABLE tcp_flow_versions FINAL');
    const [{ n }] = await suite.data.store.query<{ n: string }>('SELECT count() AS n FROM tcp_flows');
    assert.equal(Number(n), oracleKeys().length, 'merged: one row (the final one) per connection');

    const after = await Promise.all(
      t.map((at) => allPages(suite.api.app, { at: String(at / 1000), limit: 1000 })),
    );
    assert.deepEqual(after, before);
    const versionsAfter = await Promise.all(ids.map((id) => get(suite.api.app, `/api/flows/${id}`)));
    assert.deepEqual(versionsAfter, versionsBefore);
    const interim = versionsAfter.filter((r) => (r.body as { versions: FlowView[] }).versions.length > 1);
    assert.ok(interim.length >= 10, `${interim.length} demo connections keep their interim versions`);
  });
});

function instantsForMerge(): number[] {
  const demo = suite.data.captures.find((c) => c.node === 'demo')!;
  const first = demo.ingest.firstPacketUs;
  const last = demo.ingest.lastPacketUs;
  return [0.2, 0.5, 0.8].map((x) => Math.round(first + x * (last - first)));
}
