// Every question of the seed's "What you can diagnose" list, asked the way an SRE would ask tcpx
// (a KFL filter on /api/flows or /mcp/calls, a sort, /api/diagnose's groups, RTT percentiles) over
// real captures ingested into the embedded ClickHouse, and answered independently by tshark 4.0.17
// on the same capture files: `-Y` display-filter counts per tcp.stream and one `-T fields` run per
// capture (ack_rtt samples, initial_rtt, flags, payload lengths, windows). Nothing expected here is
// read from tcpx's output. A connection is `<node>/<tcp.stream>`: the API's stream is tshark's
// stream number within the capture its node ingested.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DiagnoseResult, FlowView, PercentileResult } from '@tcpx/query-api/data/types';
import { quantileType7 } from '@tcpx/store/fixtures';
import {
  countByFilter,
  jitterUs,
  nsToUs,
  parseSecondsToNs,
  runTsharkLines,
  TSHARK_PREFS,
  tsharkFlows,
} from '../oracle/tshark.js';
import { DEFAULT_CACHE_DIR, generateCaptures } from '../scenarios/index.js';
import { allPages, get, type TestApi, testApi } from './api.js';
import { type Dataset, INTERIM_EVERY_US, k8s, loadDataset } from './dataset.js';
import { ingestCapture } from './ingest.js';

/**
 * Captures this file adds to the shared data set (dataset.ts): no connection of the others loses
 * more than 5 % of its packets, and every handshake there is either complete or refused.
 */
const EXTRA_SCENARIOS = ['heavy-loss', 'unanswered', 'syn-received'];

/** Outermost TCP only (no TCP headers quoted in ICMP errors), as the oracle and tcpx count. */
const TCP = 'tcp && !icmp && !icmpv6';

const key = (node: string, stream: number) => `${node}/${stream}`;
const sorted = (keys: Iterable<string>) => [...keys].sort();

/** What tshark says about one tcp.stream. */
interface TsharkStream {
  key: string;
  /** Frames of the stream (`-Y tcp`). */
  frames: number;
  /** Frame counts of `-Y tcp.analysis.retransmission`, `…zero_window`, `…window_full`, `tcp.flags.reset==1`. */
  retransmissions: number;
  zeroWindows: number;
  windowFull: number;
  resets: number;
  /** Every tcp.analysis.ack_rtt sample (ns), capture order. */
  rttNs: bigint[];
  /** tcp.analysis.initial_rtt (two-pass: on every analysed frame once known); null when never shown. */
  initialRttNs: bigint | null;
  /** Σ tcp.len sent by the client / the server; Σ tcp.len of frames flagged tcp.analysis.retransmission. */
  clientBytes: number;
  serverBytes: number;
  retransmittedBytes: number;
  /** Handshake, from tcp.flags: the client's pure SYN, the server's SYN-ACK, the client's ACK after it. */
  synAck: boolean;
  handshakeAck: boolean;
  serverPackets: number;
  serverRst: boolean;
  /** tcp.window_size of the non-SYN frames each side sent. */
  clientWindows: number[];
  serverWindows: number[];
  /** tcp.options.wscale.shift on the first pure SYN / the first SYN-ACK (null: no option). */
  synShift: number | null;
  synAckShift: number | null;
}

const FIELDS = [
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tcp.flags.reset',
  'tcp.len',
  'tcp.window_size',
  'tcp.options.wscale.shift',
  'tcp.analysis.retransmission',
  'tcp.analysis.ack_rtt',
  'tcp.analysis.initial_rtt',
] as const;

/** One capture's streams as tshark sees them. */
async function tsharkStreams(node: string, file: string): Promise<Map<number, TsharkStream>> {
  const perStream = async (filter: string) => countByFilter(file, `(${filter}) && ${TCP}`);
  const [frames, retransmissions, zeroWindows, windowFull, resets] = await Promise.all([
    perStream('tcp'),
    perStream('tcp.analysis.retransmission'),
    perStream('tcp.analysis.zero_window'),
    perStream('tcp.analysis.window_full'),
    perStream('tcp.flags.reset==1'),
  ]);
  const args = ['-n', '-2', '-r', file, ...TSHARK_PREFS.flatMap((p) => ['-o', p]), '-Y', TCP];
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f]));
  const out = new Map<number, TsharkStream>();
  const clients = new Map<number, string>();
  const lines = new Map<number, number>();
  await runTsharkLines(args, (line) => {
    if (line === '') return;
    const c = Object.fromEntries(line.split('\t').map((v, i) => [FIELDS[i], v])) as Record<
      (typeof FIELDS)[number],
      string
    >;
    const stream = Number(c['tcp.stream']);
    lines.set(stream, (lines.get(stream) ?? 0) + 1);
    const sender = `${c['ip.src'] || c['ipv6.src']} ${c['tcp.srcport']}`;
    const syn = c['tcp.flags.syn'] === '1';
    const ack = c['tcp.flags.ack'] === '1';
    const rst = c['tcp.flags.reset'] === '1';
    const len = Number(c['tcp.len']);
    if (!clients.has(stream)) {
      // Every connection of these captures starts with its SYN: the client is the SYN's sender.
      if (!syn || ack) throw new Error(`${node} stream ${stream} does not start with a pure SYN`);
      clients.set(stream, sender);
      out.set(stream, {
        key: key(node, stream),
        frames: frames.get(stream) ?? 0,
        retransmissions: retransmissions.get(stream) ?? 0,
        zeroWindows: zeroWindows.get(stream) ?? 0,
        windowFull: windowFull.get(stream) ?? 0,
        resets: resets.get(stream) ?? 0,
        rttNs: [],
        initialRttNs: null,
        clientBytes: 0,
        serverBytes: 0,
        retransmittedBytes: 0,
        synAck: false,
        handshakeAck: false,
        serverPackets: 0,
        serverRst: false,
        clientWindows: [],
        serverWindows: [],
        synShift: c['tcp.options.wscale.shift'] === '' ? null : Number(c['tcp.options.wscale.shift']),
        synAckShift: null,
      });
    }
    const s = out.get(stream)!;
    const fromClient = clients.get(stream) === sender;
    if (fromClient) s.clientBytes += len;
    else {
      s.serverBytes += len;
      s.serverPackets++;
      if (rst) s.serverRst = true;
    }
    if (c['tcp.analysis.retransmission'] !== '') s.retransmittedBytes += len;
    if (!fromClient && syn && ack && !s.synAck) {
      s.synAck = true;
      s.synAckShift = c['tcp.options.wscale.shift'] === '' ? null : Number(c['tcp.options.wscale.shift']);
    }
    if (fromClient && s.synAck && ack && !syn && !rst) s.handshakeAck = true;
    if (!syn && c['tcp.window_size'] !== '')
      (fromClient ? s.clientWindows : s.serverWindows).push(Number(c['tcp.window_size']));
    if (c['tcp.analysis.ack_rtt'] !== '') s.rttNs.push(parseSecondsToNs(c['tcp.analysis.ack_rtt']));
    if (s.initialRttNs === null && c['tcp.analysis.initial_rtt'] !== '')
      s.initialRttNs = parseSecondsToNs(c['tcp.analysis.initial_rtt']);
  });
  // The -Y counts and the fields run see the same frames.
  for (const [stream, s] of out) assert.equal(s.frames, lines.get(stream), `${node} stream ${stream}`);
  assert.equal(frames.size, out.size, node);
  return out;
}

// ---- the numbers an SRE's filter tests, per tshark (metrics null in tcpx read as 0 in KFL) ----

const rate = (s: TsharkStream) => s.retransmissions / s.frames;
const goodput = (s: TsharkStream) => s.clientBytes + s.serverBytes - s.retransmittedBytes;
const jitter = (s: TsharkStream) => jitterUs(s.rttNs);
const rttUs = (s: TsharkStream) => s.rttNs.map((ns) => nsToUs(ns));
const rttMinUs = (s: TsharkStream) => Math.min(...rttUs(s));
const rttMaxUs = (s: TsharkStream) => Math.max(...rttUs(s));
const initialRttUs = (s: TsharkStream) => (s.initialRttNs === null ? null : nsToUs(s.initialRttNs));
/** docs/metrics.md: over the non-SYN packets of the endpoint that received most payload (the server on a tie). */
function avgReceiveWindow(s: TsharkStream): number | null {
  const w = s.serverBytes > s.clientBytes ? s.clientWindows : s.serverWindows;
  return w.length === 0 ? null : w.reduce((a, b) => a + b, 0) / w.length;
}
/** The server's shift when both SYN and SYN-ACK carried the option, else 0 (not negotiated / unknown). */
const windowScale = (s: TsharkStream) =>
  s.synShift !== null && s.synAckShift !== null ? Math.min(s.synAckShift, 14) : 0;
const refused = (s: TsharkStream) => !s.synAck && s.serverRst;
const unanswered = (s: TsharkStream) => s.serverPackets === 0;
const handshakeIncomplete = (s: TsharkStream) => !(s.synAck && s.handshakeAck);

// ------------------------------------------------------------------------------------ fixture

let data: Dataset;
let api: TestApi;
/** Every tshark stream of every capture, by `<node>/<stream>`. */
const streams = new Map<string, TsharkStream>();
/** tcpx flow id → `<node>/<stream>`, from the full listing. */
const keyById = new Map<string, string>();

before(async () => {
  data = await loadDataset();
  for (const s of await generateCaptures(DEFAULT_CACHE_DIR, { only: EXTRA_SCENARIOS })) {
    const ingest = await ingestCapture(data.store, s.file, {
      node: s.name,
      interimEveryUs: INTERIM_EVERY_US,
      k8s,
    });
    data.captures.push({ node: s.name, file: s.file, ingest, oracle: await tsharkFlows(s.file) });
  }
  api = await testApi(data.store);
  for (const c of data.captures)
    for (const s of (await tsharkStreams(c.node, c.file)).values()) streams.set(s.key, s);
  const { flows } = await allPages(api.app, { limit: 1000 });
  for (const v of flows) keyById.set(v.id, key(v.node, v.stream));
});

after(async () => {
  await api?.app.close();
  await data?.close();
});

// ------------------------------------------------------------------------------------ helpers

const viewKey = (v: FlowView) => key(v.node, v.stream);

/** tshark's streams that satisfy `pred`, sorted; asserts the question has positive cases. */
function tsharkAnswer(what: string, pred: (s: TsharkStream) => boolean, atLeast = 1): string[] {
  const keys = sorted([...streams.values()].filter(pred).map((s) => s.key));
  assert.ok(keys.length >= atLeast, `${what}: tshark finds ${keys.length} connections, want ≥ ${atLeast}`);
  assert.ok(keys.length < streams.size, `${what}: every connection matches, the question proves nothing`);
  return keys;
}

/** All connections /api/flows lists for a KFL filter (every page). */
async function listed(kfl: string, sort?: string, order?: 'asc' | 'desc'): Promise<FlowView[]> {
  return (await allPages(api.app, { kfl, sort, order, limit: 1000 })).flows;
}

interface RawCall {
  id: string;
  node: { name: string };
  error: { type: string; msg: string } | null;
  tcp_metrics: Record<string, number>;
}

/** /mcp/calls (raw) for a KFL filter: connection key → entry; checks total and no duplicates. */
async function calls(kfl: string): Promise<Map<string, RawCall>> {
  const { status, body } = await get<{ calls: RawCall[]; total: number }>(api.app, '/mcp/calls', {
    kfl,
    format: 'raw',
    limit: 10000,
  });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.total, body.calls.length);
  const out = new Map<string, RawCall>();
  for (const c of body.calls) {
    const k = keyById.get(c.id);
    assert.ok(k, `unknown id ${c.id}`);
    assert.equal(k.split('/')[0], c.node.name);
    out.set(k, c);
  }
  assert.equal(out.size, body.calls.length);
  return out;
}

/** /api/diagnose: per code, how many connections and which example connections. */
async function diagnosed(kfl?: string): Promise<Map<string, { flows: number; examples: string[] }>> {
  const { status, body } = await get<DiagnoseResult>(api.app, '/api/diagnose', { kfl });
  assert.equal(status, 200, JSON.stringify(body));
  const out = new Map<string, { flows: number; examples: string[] }>();
  for (const g of body.groups) {
    const e = out.get(g.code) ?? { flows: 0, examples: [] };
    e.flows += g.flows;
    e.examples.push(...g.examples.map((id) => keyById.get(id) ?? `unknown id ${id}`));
    out.set(g.code, e);
  }
  for (const c of body.codes) assert.equal(c.flows, out.get(c.code)?.flows);
  return out;
}

/** /api/diagnose's `code` covers exactly `want` (count; examples among them). */
async function assertDiagnosed(code: string, want: readonly string[], kfl?: string) {
  const got = (await diagnosed(kfl)).get(code) ?? { flows: 0, examples: [] };
  assert.equal(got.flows, want.length, `/api/diagnose ${code}`);
  assert.ok(got.examples.length > 0 || want.length === 0, `${code}: examples`);
  for (const k of got.examples)
    assert.ok(want.includes(k), `${code}: example ${k} is not in tshark's answer`);
}

/**
 * `views` (in API order) rank every connection exactly as tshark's `value` does, highest first:
 * same connections, tshark's values non-increasing along the list, and equal values (ties) in
 * the API's documented tie order (flow id, descending).
 */
function assertRanking(views: readonly FlowView[], value: (s: TsharkStream) => number, what: string) {
  assert.deepEqual(sorted(views.map(viewKey)), sorted(streams.keys()), `${what}: same connections`);
  const v = views.map((x) => value(streams.get(viewKey(x))!));
  for (let i = 1; i < views.length; i++) {
    assert.ok(
      v[i - 1] >= v[i],
      `${what}: ${viewKey(views[i - 1])} (${v[i - 1]}) before ${viewKey(views[i])} (${v[i]})`,
    );
    if (v[i - 1] === v[i])
      assert.ok(BigInt(views[i - 1].id) > BigInt(views[i].id), `${what}: tie at ${i} not in id order`);
  }
}

/** tshark's top `n` (highest `value` first), shortened so no tie straddles the cut. */
function tsharkTop(n: number, value: (s: TsharkStream) => number): string[] {
  const ranked = [...streams.values()].sort((a, b) => value(b) - value(a));
  let cut = n;
  while (cut > 0 && value(ranked[cut - 1]) === value(ranked[cut])) cut--;
  return ranked.slice(0, cut).map((s) => s.key);
}

// ------------------------------------------------------------------------------------ the questions

describe('What you can diagnose: tcpx answers each question as tshark does', () => {
  test('the data set: every tshark stream of every capture, once', async () => {
    assert.deepEqual(sorted(keyById.values()), sorted(streams.keys()));
    assert.equal(keyById.size, streams.size);
    assert.ok(streams.size > 250, `${streams.size} connections`);
  });

  test('1. which connections retransmit more than 5 % of their packets?', async () => {
    const kfl = 'tcp_flow and tcp_metrics.retransmission_rate > 0.05';
    const want = tsharkAnswer('rate > 5 %', (s) => rate(s) > 0.05, 2);
    assert.deepEqual(sorted((await listed(kfl)).map(viewKey)), want);
    const entries = await calls(kfl);
    assert.deepEqual(sorted(entries.keys()), want);
    for (const [k, c] of entries) {
      const s = streams.get(k)!;
      assert.equal(c.tcp_metrics.retransmissions, s.retransmissions, k);
      assert.equal(c.tcp_metrics.retransmission_rate, rate(s), k);
    }
    await assertDiagnosed('high_retransmission', want);
    // the 1–5 % band, kfl.md example 24
    const band = tsharkAnswer('1–5 %', (s) => rate(s) >= 0.01 && rate(s) < 0.05);
    const banded = await listed(
      'tcp_flow and tcp_metrics.retransmission_rate >= 0.01 and tcp_metrics.retransmission_rate < 0.05',
    );
    assert.deepEqual(sorted(banded.map(viewKey)), band);
  });

  test('2. which connections have the highest jitter?', async () => {
    const top = tsharkTop(10, jitter);
    assert.ok(top.length >= 5, `tshark's top ${top.length} jitter values are distinct`);
    const { body } = await get<{ flows: FlowView[] }>(api.app, '/api/flows', {
      sort: 'jitter_us',
      order: 'desc',
      limit: top.length,
    });
    assert.deepEqual(body.flows.map(viewKey), top);
    const all = await listed('tcp_flow', 'jitter_us', 'desc');
    assertRanking(all, jitter, 'jitter_us desc');
    for (const v of all) assert.equal(v.tcp_metrics.jitter_us, jitter(streams.get(viewKey(v))!), viewKey(v));
    // "more than 1 ms of RTT jitter" (kfl.md example 27 without the port)
    const want = tsharkAnswer('jitter > 1 ms', (s) => jitter(s) > 1000, 3);
    assert.deepEqual(sorted((await listed('tcp_flow and tcp_metrics.jitter_us > 1000')).map(viewKey)), want);
  });

  test('3. which connections show bufferbloat (RTT max above 10 × min)?', async () => {
    const kfl =
      'tcp_flow && tcp_metrics.rtt_samples > 0 && tcp_metrics.rtt_max_us > 10 * tcp_metrics.rtt_min_us';
    const bloated = (s: TsharkStream) => s.rttNs.length > 0 && rttMaxUs(s) > 10 * rttMinUs(s);
    const want = tsharkAnswer('rtt_max > 10 × rtt_min', bloated);
    assert.deepEqual(sorted((await listed(kfl)).map(viewKey)), want);
    const entries = await calls(kfl);
    for (const [k, c] of entries) {
      const s = streams.get(k)!;
      assert.equal(c.tcp_metrics.rtt_samples, s.rttNs.length, k);
      assert.equal(c.tcp_metrics.rtt_min_us, rttMinUs(s), k);
      assert.equal(c.tcp_metrics.rtt_max_us, rttMaxUs(s), k);
    }
    // The diagnosis also wants a rise of ≥ 5 ms (docs/metrics.md): below that it is ACK-delay noise.
    const real = tsharkAnswer(
      'bufferbloat with ≥ 5 ms rise',
      (s) => bloated(s) && rttMaxUs(s) - rttMinUs(s) >= 5000,
    );
    await assertDiagnosed('bufferbloat', real);
  });

  test('4. which receivers advertised a zero window?', async () => {
    const kfl = 'tcp_flow and tcp_metrics.zero_window_events > 0';
    const want = tsharkAnswer('zero window', (s) => s.zeroWindows > 0, 2);
    assert.deepEqual(sorted((await listed(kfl)).map(viewKey)), want);
    const entries = await calls(kfl);
    assert.deepEqual(sorted(entries.keys()), want);
    for (const [k, c] of entries)
      assert.equal(c.tcp_metrics.zero_window_events, streams.get(k)!.zeroWindows, k);
    await assertDiagnosed('zero_window', want);
  });

  test('5. which connections run with small receive windows?', async () => {
    // KFL reads a metric tcpx could not measure (null) as 0 (kfl.md §6.6), so a connection whose
    // receiver sent no non-SYN packet counts as a 0-byte window.
    const win = (s: TsharkStream) => avgReceiveWindow(s) ?? 0;
    const small = tsharkAnswer('avg window < 65535', (s) => win(s) < 65535, 3);
    const got = await listed('tcp_flow and tcp_metrics.avg_receive_window < 65535');
    assert.deepEqual(sorted(got.map(viewKey)), small);
    for (const v of got) {
      const want = avgReceiveWindow(streams.get(viewKey(v))!);
      const have = v.tcp_metrics.avg_receive_window;
      if (want === null) assert.equal(have, null, viewKey(v));
      else
        assert.ok(have !== null && Math.abs(have - want) <= 1e-9 * want, `${viewKey(v)}: ${have} vs ${want}`);
    }
    // Among connections that carried data (the window then limited something), kfl.md example 35.
    const loaded = tsharkAnswer('data and small window', (s) => goodput(s) > 0 && win(s) < 65535, 2);
    const carried = await listed(
      'tcp_flow and tcp_metrics.goodput_bytes > 0 and tcp_metrics.avg_receive_window < 65535',
    );
    assert.deepEqual(sorted(carried.map(viewKey)), loaded);
    const unscaled = tsharkAnswer(
      'window_scale < 7 and small window',
      (s) => windowScale(s) < 7 && win(s) < 65535,
    );
    const ex35 = await listed(
      'tcp_flow and tcp_metrics.window_scale < 7 and tcp_metrics.avg_receive_window < 65535',
    );
    assert.deepEqual(sorted(ex35.map(viewKey)), unscaled);
  });

  test('6. goodput vs bytes: retransmitted payload is not goodput', async () => {
    const all = await listed('tcp_flow');
    assert.equal(all.length, streams.size);
    for (const v of all) {
      const s = streams.get(viewKey(v))!;
      assert.equal(v.tcp_metrics.goodput_bytes, goodput(s), `${viewKey(v)} goodput`);
      assert.equal(v.extra_metrics.client_payload_bytes, s.clientBytes, `${viewKey(v)} client bytes`);
      assert.equal(v.extra_metrics.server_payload_bytes, s.serverBytes, `${viewKey(v)} server bytes`);
    }
    const want = tsharkAnswer('retransmitted payload', (s) => s.retransmittedBytes > 0, 3);
    const wasted = await listed(
      'tcp_flow and tcp_metrics.goodput_bytes < flow_local_bytes + flow_remote_bytes',
    );
    assert.deepEqual(sorted(wasted.map(viewKey)), want);
    const clean = await listed(
      'tcp_flow and tcp_metrics.goodput_bytes == flow_local_bytes + flow_remote_bytes',
    );
    assert.equal(clean.length, streams.size - want.length);
  });

  test('7. which connections were reset, and which of them refused?', async () => {
    const kfl = 'tcp_flow and tcp_metrics.rst_count > 0';
    const want = tsharkAnswer('RST', (s) => s.resets > 0, 3);
    assert.deepEqual(sorted((await listed(kfl)).map(viewKey)), want);
    const entries = await calls(kfl);
    assert.deepEqual(sorted(entries.keys()), want);
    for (const [k, c] of entries) assert.equal(c.tcp_metrics.rst_count, streams.get(k)!.resets, k);
    // kfl.md example 37: a bare numeric term is "> 0"
    assert.deepEqual(sorted((await listed('tcp_flow and tcp_metrics.rst_count')).map(viewKey)), want);

    // Refused (SYN answered by RST, no SYN-ACK) vs reset after the connection was accepted.
    const refusedKeys = tsharkAnswer('refused', (s) => s.resets > 0 && refused(s), 2);
    const resetKeys = tsharkAnswer('reset after accept', (s) => s.resets > 0 && !refused(s), 2);
    for (const [msg, keys] of [
      ['refused', refusedKeys],
      ['reset', resetKeys],
    ] as const) {
      const got = await calls(`error.msg == "${msg}"`);
      assert.deepEqual(sorted(got.keys()), keys, msg);
      for (const c of got.values()) assert.deepEqual(c.error, { type: 'connection', msg });
    }
    // every RST is a TCP-level connection error (the `tcp` keyword)
    assert.deepEqual(sorted((await listed('tcp and tcp_metrics.rst_count > 0')).map(viewKey)), want);
    assert.deepEqual(
      sorted((await listed('error.type == "connection" and tcp_metrics.rst_count > 0')).map(viewKey)),
      want,
    );
    await assertDiagnosed('connection_refused', refusedKeys);
    await assertDiagnosed('reset', resetKeys);
  });

  test('8. which connections never completed their handshake?', async () => {
    // SYN seen (every connection here), but not SYN-ACK and ACK: Wireshark's completeness bits
    // 1 SYN, 2 SYN-ACK, 4 ACK, tested without bitwise operators (kfl.md §4.9).
    const kfl =
      'tcp_flow and tcp_metrics.connection_completeness % 2 == 1 and tcp_metrics.connection_completeness % 8 != 7';
    const want = tsharkAnswer('incomplete handshake', handshakeIncomplete, 3);
    assert.deepEqual(sorted((await listed(kfl)).map(viewKey)), want);

    // Three ways a handshake stays incomplete, from the frames: refused (no SYN-ACK, the server
    // sent RST), unanswered (the server sent nothing), SYN-ACK sent but never acknowledged.
    const refusedKeys = tsharkAnswer('refused', refused);
    const unansweredKeys = tsharkAnswer('unanswered SYN', unanswered);
    const synReceivedKeys = tsharkAnswer('SYN-ACK never acknowledged', (s) => s.synAck && !s.handshakeAck);
    assert.deepEqual(sorted([...refusedKeys, ...unansweredKeys, ...synReceivedKeys]), want);

    const onlySyn = await listed('tcp_flow and tcp_metrics.connection_completeness == 1');
    assert.deepEqual(sorted(onlySyn.map(viewKey)), unansweredKeys);
    const synAndSynAck = await listed('tcp_flow and tcp_metrics.connection_completeness == 3');
    assert.deepEqual(sorted(synAndSynAck.map(viewKey)), synReceivedKeys);
    // KFL's error classes: the handshakes that timed out, each with its state as the message
    const timeouts = await calls('error.type == "timeout"');
    assert.deepEqual(sorted(timeouts.keys()), sorted([...unansweredKeys, ...synReceivedKeys]));
    for (const [k, c] of timeouts)
      assert.deepEqual(c.error, {
        type: 'timeout',
        msg: unansweredKeys.includes(k) ? 'unanswered' : 'syn_received',
      });

    // /api/diagnose's failing tree: refused, unreachable, incomplete handshake
    await assertDiagnosed('connection_refused', refusedKeys);
    await assertDiagnosed('unreachable', unansweredKeys);
    await assertDiagnosed('incomplete_handshake', synReceivedKeys);
    // Asked about just these connections, /api/diagnose files every one under exactly one of them.
    const { body } = await get<DiagnoseResult>(api.app, '/api/diagnose', { kfl });
    assert.equal(body.flows, want.length);
    assert.equal(body.healthy, 0);
    const handshakeCodes = ['connection_refused', 'unreachable', 'incomplete_handshake'];
    const filed = body.codes.filter((c) => handshakeCodes.includes(c.code));
    assert.ok(filed.every((c) => c.tree === 'failing' && c.severity !== 'info'));
    assert.equal(
      filed.reduce((n, c) => n + c.flows, 0),
      want.length,
    );
  });

  test('9. which connections had a high initial RTT (above 10 ms)?', async () => {
    const kfl = 'tcp_flow and tcp_metrics.initial_rtt_us > 10000';
    const high = (s: TsharkStream) => (initialRttUs(s) ?? 0) > 10000;
    const want = tsharkAnswer('iRTT > 10 ms', high, 2);
    assert.deepEqual(sorted((await listed(kfl)).map(viewKey)), want);
    const entries = await calls(kfl);
    for (const [k, c] of entries)
      assert.equal(c.tcp_metrics.initial_rtt_us, initialRttUs(streams.get(k)!), k);
    await assertDiagnosed('high_initial_rtt', want);

    // Per node: the initial-RTT distribution (closed connections that have one).
    const { status, body } = await get<PercentileResult>(api.app, '/api/rtt/percentiles', {
      metric: 'initial_rtt_us',
      group_by: 'node',
    });
    assert.equal(status, 200, JSON.stringify(body));
    const nodes = [...new Set([...streams.values()].map((s) => s.key.split('/')[0]))].sort();
    assert.deepEqual(
      body.rows.map((r) => r.group),
      nodes,
    );
    for (const row of body.rows) {
      const inNode = [...streams.values()].filter((s) => s.key.startsWith(`${row.group}/`));
      const values = inNode.map(initialRttUs).filter((v): v is number => v !== null);
      assert.equal(row.flows, inNode.length, row.group);
      assert.equal(row.samples, values.length, row.group);
      const expected = values.length
        ? [0.5, 0.9, 0.99].map((l) => quantileType7(values, l))
        : [null, null, null];
      [row.p50, row.p90, row.p99].forEach((got, i) => {
        const w = expected[i];
        if (w === null) assert.equal(got, null);
        else assert.ok(got !== null && Math.abs(got - w) <= 1e-9 * w, `${row.group} P: ${got} vs ${w}`);
      });
    }
  });

  test('10. which connections moved the most data (sorted by goodput)?', async () => {
    const top = tsharkTop(10, goodput);
    assert.ok(top.length >= 5, `tshark's top ${top.length} goodput values are distinct`);
    const { body } = await get<{ flows: FlowView[] }>(api.app, '/api/flows', {
      sort: 'goodput_bytes',
      order: 'desc',
      limit: top.length,
    });
    assert.deepEqual(body.flows.map(viewKey), top);
    assertRanking(await listed('tcp_flow', 'goodput_bytes', 'desc'), goodput, 'goodput_bytes desc');
    // and across small pages, in ascending order
    const asc = (await allPages(api.app, { sort: 'goodput_bytes', order: 'asc', limit: 37 })).flows;
    assertRanking([...asc].reverse(), goodput, 'goodput_bytes asc');
  });

  test('11. which senders filled the receive window (window_full_events)?', async () => {
    const kfl = 'tcp_flow and tcp_metrics.window_full_events > 0';
    const want = tsharkAnswer('window full', (s) => s.windowFull > 0, 2);
    assert.deepEqual(sorted((await listed(kfl)).map(viewKey)), want);
    const entries = await calls(kfl);
    assert.deepEqual(sorted(entries.keys()), want);
    for (const [k, c] of entries)
      assert.equal(c.tcp_metrics.window_full_events, streams.get(k)!.windowFull, k);
    await assertDiagnosed('window_full', want);
    // kfl.md example 20: a buffer too small for the path rather than a slow application
    const pathLimited = tsharkAnswer(
      'window full, no zero window',
      (s) => s.windowFull > 0 && s.zeroWindows === 0,
    );
    const ex20 = await listed(
      'tcp_flow and tcp_metrics.window_full_events > 0 and tcp_metrics.zero_window_events == 0',
    );
    assert.deepEqual(sorted(ex20.map(viewKey)), pathLimited);
  });
});
