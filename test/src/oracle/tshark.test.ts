import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ETHERTYPE_IPV4,
  ethernetFrame,
  icmpUnreachable,
  ipv4Packet,
} from '@tcpx/edge-capture/testing/capture-writer';
import { generateCraftedCaptures } from '../crafted/index.js';
import {
  ipPacket,
  pcapBytes,
  type RawRecord,
  TcpConversation,
  type TcpPacket,
} from '../crafted/tcp-conversation.js';
import { FILTER_METRICS } from '../scenarios/expect.js';
import { generateCaptures } from '../scenarios/index.js';
import type { Scenario } from '../scenarios/types.js';
import {
  ANALYSIS_FLAGS,
  type AnalysisFlag,
  chooseClient,
  compareOneVsTwoPass,
  computeFlow,
  countByFilter,
  countFilters,
  integerSqrt,
  isOutermostTcp,
  jitterUs,
  meanNsToUs,
  nsToUs,
  type OracleFrame,
  oracleArgs,
  parseFieldsLine,
  parseSecondsToNs,
  populationStddevNs,
  runTsharkLines,
  TSHARK_FIELDS,
  tsharkFlows,
  tsharkFrames,
  tsharkVersion,
  windowScales,
} from './tshark.js';

/** Build one literal `-T fields` line in TSHARK_FIELDS order from a partial field map. */
function line(v: Record<string, string>): string {
  for (const k of Object.keys(v)) if (!TSHARK_FIELDS.includes(k)) throw new Error(`unknown field ${k}`);
  return TSHARK_FIELDS.map((f) => v[f] ?? '').join('\t');
}

const base = (
  n: number,
  t: string,
  src: string,
  sp: number,
  dst: string,
  dp: number,
  flags: string,
  len = 0,
) => ({
  'frame.number': String(n),
  'frame.time_epoch': t,
  'frame.protocols': 'eth:ethertype:ip:tcp',
  'tcp.stream': '0',
  'ip.src': src,
  'ip.dst': dst,
  'tcp.srcport': String(sp),
  'tcp.dstport': String(dp),
  'tcp.flags': flags,
  'tcp.len': String(len),
});

function frame(p: Partial<OracleFrame> & { flags: number }): OracleFrame {
  return {
    number: 1,
    timeNs: 0n,
    stream: 0,
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    srcPort: 40000,
    dstPort: 80,
    len: 0,
    window: 1000,
    windowRaw: 1000,
    wsShift: null,
    completeness: null,
    initialRttNs: null,
    ackRttNs: null,
    analysis: new Set<AnalysisFlag>(),
    ...p,
  };
}

describe('oracle parsing: exact time arithmetic', () => {
  it('parses decimal seconds into exact integer nanoseconds', () => {
    assert.equal(parseSecondsToNs('0.000123456'), 123456n);
    assert.equal(parseSecondsToNs('1700000000.123456789'), 1700000000123456789n);
    assert.equal(parseSecondsToNs('1700000000.000000001'), 1700000000000000001n);
    assert.equal(parseSecondsToNs('12'), 12_000_000_000n);
    assert.equal(parseSecondsToNs('0.5'), 500_000_000n);
    assert.equal(parseSecondsToNs('-0.000001000'), -1000n);
    // A float multiply would get this one wrong (0.000000291 * 1e9 = 290.99999999999994).
    assert.equal(parseSecondsToNs('0.000000291'), 291n);
    assert.throws(() => parseSecondsToNs('1e-6'));
    assert.throws(() => parseSecondsToNs('0.0000000001'));
    assert.throws(() => parseSecondsToNs(''));
  });

  it('rounds ns to µs and means from the integer sum', () => {
    assert.equal(nsToUs(1499n), 1);
    assert.equal(nsToUs(1500n), 2);
    assert.equal(nsToUs(2500n), 3);
    assert.equal(nsToUs(0n), 0);
    assert.equal(meanNsToUs(3000n, 2), 2); // 1.5 µs → 2
    assert.equal(meanNsToUs(2999n, 2), 1); // 1.4995 µs → 1
    assert.equal(meanNsToUs(10_000_000_000_000_000_001n, 1), 10_000_000_000_000_000); // bigint-exact
    assert.throws(() => meanNsToUs(1n, 0));
  });

  it('population standard deviation (jitter) over ns samples', () => {
    assert.equal(populationStddevNs([1000n, 3000n]), 1000);
    assert.equal(populationStddevNs([5000n]), 0);
    assert.equal(populationStddevNs([]), 0);
    // 2,4,4,4,5,5,7,9 µs: the textbook population stddev is exactly 2 µs.
    const s = [2, 4, 4, 4, 5, 5, 7, 9].map((x) => BigInt(x * 1000));
    assert.equal(populationStddevNs(s), 2000);
    assert.equal(jitterUs(s), 2);
    assert.equal(jitterUs([123456n]), 0);
    assert.equal(jitterUs([1000n, 2000n]), 1); // stddev 500 ns → 0.5 µs → rounds to 1
    // Exactly 3.5 µs (deviations −0.5, 3.5, −5.5, 2.5 µs): a float stddev lands below, 4 is right.
    assert.equal(jitterUs([152000n, 156000n, 147000n, 155000n]), 4);
    assert.equal(jitterUs([1000n, 1000n, 1000n]), 0);
  });

  it('integer square root', () => {
    for (const v of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 10n ** 30n - 1n, 10n ** 30n, (2n ** 53n + 1n) ** 2n])
      assert.ok(integerSqrt(v) ** 2n <= v && (integerSqrt(v) + 1n) ** 2n > v, String(v));
  });
});

describe('oracle parsing: tshark -T fields lines', () => {
  it('detects outermost TCP from frame.protocols', () => {
    assert.equal(isOutermostTcp('eth:ethertype:ip:tcp'), true);
    assert.equal(isOutermostTcp('eth:ethertype:ipv6:ipv6.hopopts:tcp'), true);
    assert.equal(isOutermostTcp('eth:ethertype:vlan:ethertype:ip:tcp:http'), true);
    assert.equal(isOutermostTcp('eth:ethertype:ip:icmp:ip:tcp'), false);
    assert.equal(isOutermostTcp('eth:ethertype:ip:ipv6:tcp'), false);
    assert.equal(isOutermostTcp('eth:ethertype:ip:gre:ip:tcp'), false);
    assert.equal(isOutermostTcp('eth:ethertype:ip:udp'), false);
  });

  it('parses a literal line: hex flags, expert presence, "1,1" duplicate_ack, times', () => {
    const l = line({
      ...base(8, '1700000000.003810000', '10.0.0.1', 40000, '10.0.0.2', 80, '0x0010'),
      'tcp.window_size': '8222720',
      'tcp.window_size_value': '64240',
      'tcp.completeness': '31',
      'tcp.analysis.initial_rtt': '0.002100000',
      'tcp.analysis.duplicate_ack': '1,1',
    });
    const f = parseFieldsLine(l)!;
    assert.equal(f.number, 8);
    assert.equal(f.timeNs, 1700000000003810000n);
    assert.equal(f.flags, 0x10);
    assert.equal(f.window, 8222720);
    assert.equal(f.windowRaw, 64240);
    assert.equal(f.completeness, 31);
    assert.equal(f.initialRttNs, 2_100_000n);
    assert.equal(f.ackRttNs, null);
    assert.deepEqual([...f.analysis], ['duplicate_ack']);
  });

  it('parses IPv6 addresses and excludes tunnel / ICMP-quoted frames', () => {
    const v6 = parseFieldsLine(
      line({
        ...base(1, '1.000000000', '', 1, '', 2, '0x0002'),
        'frame.protocols': 'eth:ethertype:ipv6:tcp',
        'ipv6.src': '2001:db8::1',
        'ipv6.dst': '2001:db8::2',
        'tcp.options.wscale.shift': '7',
      }),
    )!;
    assert.equal(v6.srcIp, '2001:db8::1');
    assert.equal(v6.dstIp, '2001:db8::2');
    assert.equal(v6.wsShift, 7);
    assert.equal(
      parseFieldsLine(
        line({
          ...base(2, '1.0', '198.51.100.1', 40000, '10.0.0.1', 80, '0x0018'),
          'frame.protocols': 'eth:ethertype:ip:icmp:ip:tcp',
        }),
      ),
      null,
    );
    assert.equal(
      parseFieldsLine(line({ ...base(3, '1.0', '10.0.0.1', 1, '10.0.0.2', 2, '0x0002'), 'tcp.stream': '' })),
      null,
    );
  });

  it('computes a flow from literal lines (client choice, times, goodput, windows, flags)', () => {
    const C = '10.0.0.1';
    const S = '10.0.0.2';
    const lines = [
      line({
        ...base(1, '100.000000000', C, 40000, S, 80, '0x0002'),
        'tcp.window_size': '64240',
        'tcp.options.wscale.shift': '7',
      }),
      line({
        ...base(2, '100.001000000', S, 80, C, 40000, '0x0012'),
        'tcp.window_size': '65160',
        'tcp.options.wscale.shift': '9',
        'tcp.analysis.ack_rtt': '0.001000000',
      }),
      line({
        ...base(3, '100.001100000', C, 40000, S, 80, '0x0010'),
        'tcp.window_size': '1000',
        'tcp.analysis.initial_rtt': '0.001100000',
        'tcp.analysis.ack_rtt': '0.000100000',
      }),
      line({
        ...base(4, '100.001200000', C, 40000, S, 80, '0x0018', 100),
        'tcp.window_size': '1000',
        'tcp.analysis.initial_rtt': '0.001100000',
      }),
      line({
        ...base(5, '100.002200000', S, 80, C, 40000, '0x0018', 1000),
        'tcp.window_size': '3000',
        'tcp.analysis.initial_rtt': '0.001100000',
        'tcp.analysis.ack_rtt': '0.001000000',
      }),
      line({
        ...base(6, '100.002300000', S, 80, C, 40000, '0x0018', 1000),
        'tcp.window_size': '3000',
        'tcp.analysis.retransmission': '1',
        'tcp.analysis.fast_retransmission': '1',
      }),
      line({
        ...base(7, '100.003300000', C, 40000, S, 80, '0x0011'),
        'tcp.window_size': '2000',
        'tcp.analysis.ack_rtt': '0.001000000',
        'tcp.completeness': '31',
      }),
      line({
        ...base(8, '100.004300000', S, 80, C, 40000, '0x0014'),
        'tcp.window_size': '0',
        'tcp.completeness': '63',
      }),
    ];
    const frames = lines.map((l) => parseFieldsLine(l)!);
    const f = computeFlow(0, frames);
    assert.deepEqual(f.src, { ip: C, port: 40000 });
    assert.deepEqual(f.dst, { ip: S, port: 80 });
    assert.equal(f.client_by, 'syn');
    const m = f.tcp_metrics;
    assert.equal(m.retransmissions, 1);
    assert.equal(m.fast_retransmissions, 1);
    assert.equal(m.retransmission_rate, 1 / 8);
    assert.equal(m.data_retransmission_rate, 1 / 6); // SYN, SYN-ACK, 3 data, FIN
    assert.equal(m.goodput_bytes, 1100);
    assert.equal(m.client_payload_bytes, 100);
    assert.equal(m.server_payload_bytes, 2000);
    assert.equal(m.client_packets, 4);
    assert.equal(m.server_packets, 4);
    assert.equal(m.client_window_scale, 7);
    assert.equal(m.server_window_scale, 9);
    assert.equal(m.window_scale, 9);
    assert.equal(m.client_avg_receive_window, 4000 / 3);
    assert.equal(m.server_avg_receive_window, 2000);
    assert.equal(m.avg_receive_window, 4000 / 3); // server sent more payload → receiver is the client
    assert.equal(m.initial_rtt_us, 1100);
    assert.equal(m.handshake_time_us, 1100);
    assert.equal(m.connection_time_us, 1200);
    assert.equal(m.time_to_first_byte_us, 2200);
    assert.equal(m.duration_us, 4300);
    assert.equal(m.rtt_samples, 4);
    assert.equal(m.rtt_min_us, 100);
    assert.equal(m.rtt_max_us, 1000);
    assert.equal(m.rtt_avg_us, 775);
    assert.equal(m.jitter_us, Math.round(Math.sqrt((3 * 225 ** 2 + 675 ** 2) / 4)));
    assert.equal(m.rst_count, 1);
    assert.equal(m.fin_count, 1);
    assert.equal(m.connection_completeness, 63);
  });

  it('chooses the client: pure SYN > SYN-ACK receiver > higher port > first sender', () => {
    const synack = frame({ flags: 0x12, srcIp: 'B', srcPort: 80, dstIp: 'A', dstPort: 40000 });
    assert.deepEqual(
      chooseClient([frame({ flags: 0x10, srcIp: 'B', srcPort: 80, dstIp: 'A', dstPort: 40000 }), synack])
        .client,
      { ip: 'A', port: 40000 },
    );
    const mid = chooseClient([frame({ flags: 0x10, srcIp: 'S', srcPort: 443, dstIp: 'C', dstPort: 50000 })]);
    assert.deepEqual([mid.client, mid.by], [{ ip: 'C', port: 50000 }, 'port']);
    const tie = chooseClient([frame({ flags: 0x10, srcIp: 'X', srcPort: 7, dstIp: 'Y', dstPort: 7 })]);
    assert.deepEqual([tie.client, tie.by], [{ ip: 'X', port: 7 }, 'first-packet']);
  });

  it('window scale state follows §5.1', () => {
    const key = '10.0.0.1|40000';
    const syn = (ws: number | null) => frame({ flags: 0x02, wsShift: ws });
    const sa = (ws: number | null) =>
      frame({ flags: 0x12, wsShift: ws, srcIp: '10.0.0.2', srcPort: 80, dstIp: '10.0.0.1', dstPort: 40000 });
    assert.deepEqual(windowScales([syn(7), sa(8)], key), { client: 7, server: 8 });
    assert.deepEqual(windowScales([syn(null), sa(8)], key), { client: -2, server: -2 });
    assert.deepEqual(windowScales([syn(7), sa(null)], key), { client: -2, server: -2 });
    assert.deepEqual(windowScales([syn(15), sa(20)], key), { client: 14, server: 14 });
    assert.deepEqual(windowScales([sa(6)], key), { client: -1, server: 6 });
    assert.deepEqual(windowScales([sa(null)], key), { client: -2, server: -2 });
    assert.deepEqual(windowScales([frame({ flags: 0x10 })], key), { client: -1, server: -1 });
  });
});

describe('tshark 4.0.17 output conventions (checked empirically on a crafted capture)', () => {
  let dir: string;
  let crafted: Scenario[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpx-oracle-'));
    crafted = generateCraftedCaptures(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is the pinned version', async () => {
    assert.equal(await tsharkVersion(), '4.0.17');
  });

  it('prints FT_NONE expert fields as "1" and duplicate_ack twice with occurrence=a', async () => {
    const file = crafted.find((s) => s.name === 'seq-wrap')!.file;
    const rows: string[][] = [];
    await runTsharkLines(
      [
        '-n',
        '-r',
        file,
        '-Y',
        'tcp.analysis.flags',
        '-T',
        'fields',
        '-E',
        'occurrence=a',
        '-e',
        'tcp.analysis.duplicate_ack',
        '-e',
        'tcp.analysis.retransmission',
        '-e',
        'tcp.analysis.fast_retransmission',
        '-e',
        'tcp.flags',
      ],
      (l) => rows.push(l.split('\t')),
    );
    const dup = rows.filter((r) => r[0] !== '');
    assert.equal(dup.length, 3);
    for (const r of dup) assert.equal(r[0], '1,1');
    const retx = rows.filter((r) => r[1] !== '');
    assert.equal(retx.length, 1);
    assert.deepEqual(retx[0].slice(1, 3), ['1', '1']);
    assert.match(rows[0][3], /^0x[0-9a-f]{4}$/);
  });

  it('flags and ack_rtt are identical with and without -2 (only completeness / iRTT display differ)', async () => {
    for (const s of crafted) {
      const c = await compareOneVsTwoPass(s.file);
      assert.deepEqual(c.flagDiffs, [], s.name);
    }
    const fin = crafted.find((s) => s.name === 'fin-retransmission')!;
    assert.ok(
      (await compareOneVsTwoPass(fin.file)).completenessFrames > 0,
      'one-pass completeness must lag (state before the frame)',
    );
  });

  it('excludes ICMP-quoted and tunnelled TCP (tshark gives them tcp.stream numbers)', async () => {
    const c = new TcpConversation(
      { ip: '192.0.2.1', port: 40000 },
      { ip: '192.0.2.2', port: 80 },
      { c: 1000, s: 5000 },
    );
    c.handshake();
    const d = c.send('c', { flags: 'PA', len: 100, dt: 100 });
    const recs: Array<TcpPacket | RawRecord> = [...c.packets];
    const ipv4Frame = (src: string, dst: string, protocol: number, payload: Uint8Array) =>
      ethernetFrame({ type: ETHERTYPE_IPV4 }, ipv4Packet({ src, dst, protocol }, payload));
    recs.push({
      time: c.now + 10,
      frame: ipv4Frame('198.51.100.1', '192.0.2.1', 1, icmpUnreachable(ipPacket(d).subarray(0, 48))),
    });
    const t = new TcpConversation(
      { ip: '2001:db8::1', port: 40001 },
      { ip: '2001:db8::2', port: 22 },
      { c: 1, s: 2 },
    );
    const syn6 = t.send('c', { flags: 'S' });
    recs.push({ time: c.now + 20, frame: ipv4Frame('198.51.100.7', '198.51.100.8', 41, ipPacket(syn6)) });
    c.send('s', { flags: 'A', dt: 1000 });
    recs.push(c.packets[c.packets.length - 1]);
    const file = join(dir, 'tunnels.pcap');
    writeFileSync(file, pcapBytes(recs));

    const raw = await countByFilter(file, 'tcp');
    assert.deepEqual([...raw.entries()].sort(), [
      [0, 6],
      [1, 1],
    ]); // tshark: the ICMP quote joins stream 0, the 6in4 SYN is stream 1
    const { frames, excluded } = await tsharkFrames(file);
    assert.equal(excluded, 2);
    assert.equal(frames.length, 5);
    const flows = await tsharkFlows(file);
    assert.deepEqual([...flows.keys()], [0]);
    assert.equal(flows.get(0)!.tcp_metrics.client_packets, 3);
  });
});

describe('oracle on crafted captures', () => {
  let dir: string;
  let crafted: Map<string, Scenario>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpx-oracle-'));
    crafted = new Map(generateCraftedCaptures(dir).map((s) => [s.name, s]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const flowOf = async (name: string) => {
    const flows = await tsharkFlows(crafted.get(name)!.file);
    assert.equal(flows.size, 1, name);
    return flows.get(0)!;
  };

  it('seq-wrap: counts across the wrap', async () => {
    const f = await flowOf('seq-wrap');
    assert.equal(f.tcp_metrics.retransmissions, 1);
    assert.equal(f.tcp_metrics.fast_retransmissions, 1);
    assert.equal(f.tcp_metrics.dup_acks, 3);
    assert.equal(f.tcp_metrics.goodput_bytes, 8300);
    assert.equal(f.tcp_metrics.window_scale, 7);
    assert.equal(f.tcp_metrics.connection_completeness, 31);
  });

  it('syn-retransmission: iRTT from the last SYN, handshake time from the first', async () => {
    const m = (await flowOf('syn-retransmission')).tcp_metrics;
    assert.equal(m.initial_rtt_us, 1100);
    assert.equal(m.handshake_time_us, 1_001_100);
    assert.equal(m.retransmissions, 1);
    assert.equal(m.rtt_max_us, 1_001_000); // SYN-ACK sampled against the FIRST SYN
  });

  it('mid-stream: client by port, no SYN-based times, unknown scale', async () => {
    const f = await flowOf('mid-stream');
    assert.equal(f.client_by, 'port');
    assert.equal(f.src.port, 50123);
    const m = f.tcp_metrics;
    assert.equal(m.initial_rtt_us, null);
    assert.equal(m.handshake_time_us, null);
    assert.equal(m.connection_time_us, null);
    assert.equal(m.time_to_first_byte_us, null);
    assert.equal(m.client_window_scale, -1);
    assert.equal(m.server_window_scale, -1);
    assert.equal(m.window_scale, null);
    assert.equal(m.missing_segments, 1);
    assert.equal(m.ack_lost_segment, 2);
  });

  it('zero-window-probe: unscaled windows, probe counters', async () => {
    const m = (await flowOf('zero-window-probe')).tcp_metrics;
    assert.equal(m.window_scale, 0);
    assert.equal(m.client_window_scale, -2);
    assert.equal(m.zero_window_probes, 2);
    assert.equal(m.zero_window_probe_acks, 2);
    assert.equal(m.zero_window_events, 3);
    assert.equal(m.window_full_events, 1);
  });

  it('rst-ack-no-flag: RST without ACK flag still gives an RTT sample', async () => {
    const m = (await flowOf('rst-ack-no-flag')).tcp_metrics;
    assert.equal(m.rst_count, 1);
    assert.equal(m.rtt_samples, 3); // SYN-ACK, handshake ACK, RST
    assert.ok(m.connection_completeness & 32);
  });

  it('sack-dupack (IPv6): addresses and flags', async () => {
    const f = await flowOf('sack-dupack');
    assert.equal(f.src.ip, '2001:db8::10');
    assert.equal(f.tcp_metrics.fast_retransmissions, 1);
    assert.equal(f.tcp_metrics.missing_segments, 1);
  });

  it('single-run oracle totals equal per-filter tshark counts (§6.1) on every crafted file', async () => {
    await crossCheck([...crafted.values()]);
  });
});

const FLAG_TO_METRIC: Record<AnalysisFlag, string> = {
  retransmission: 'retransmissions',
  fast_retransmission: 'fast_retransmissions',
  spurious_retransmission: 'spurious_retransmissions',
  out_of_order: 'out_of_order',
  duplicate_ack: 'dup_acks',
  lost_segment: 'missing_segments',
  ack_lost_segment: 'ack_lost_segment',
  zero_window: 'zero_window_events',
  zero_window_probe: 'zero_window_probes',
  zero_window_probe_ack: 'zero_window_probe_acks',
  window_full: 'window_full_events',
  window_update: 'window_updates',
  keep_alive: 'keepalive_count',
  keep_alive_ack: 'keepalive_acks',
  reused_ports: 'reused_ports',
};

/** Oracle sums vs one `tshark -z io,stat` run with the §6.1 filters (independent parsing path). */
async function crossCheck(list: Scenario[]): Promise<void> {
  const filters = [
    ...ANALYSIS_FLAGS.map((f) => `tcp.analysis.${f}`),
    FILTER_METRICS.rst,
    FILTER_METRICS.fin,
    FILTER_METRICS.ack_rtt_samples,
    'tcp',
  ];
  for (const s of list) {
    const flows = await tsharkFlows(s.file);
    const counts = await countFilters(s.file, filters);
    const sum = (k: string) =>
      [...flows.values()].reduce((a, f) => a + (f.tcp_metrics as unknown as Record<string, number>)[k], 0);
    ANALYSIS_FLAGS.forEach((fl, i) => {
      assert.equal(sum(FLAG_TO_METRIC[fl]), counts[i], `${s.name}: ${fl}`);
    });
    const k = ANALYSIS_FLAGS.length;
    assert.equal(sum('rst_count'), counts[k], `${s.name}: rst`);
    assert.equal(sum('fin_count'), counts[k + 1], `${s.name}: fin`);
    assert.equal(sum('rtt_samples'), counts[k + 2], `${s.name}: rtt samples`);
    // `tcp` also matches tunnelled / ICMP-quoted headers, which the oracle leaves out.
    const [inner] = await countFilters(s.file, [
      'tcp && ((ip && ipv6) || count(ip) > 1 || count(ipv6) > 1 || icmp || icmpv6)',
    ]);
    assert.equal(sum('client_packets') + sum('server_packets'), counts[k + 3] - inner, `${s.name}: frames`);
  }
}

describe('oracle on a real-traffic scenario', () => {
  const root = process.getuid?.() === 0;
  let dir: string;
  let sc: Scenario[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tcpx-oracle-real-'));
    if (root) sc = await generateCaptures(dir, { only: ['refused', 'random-loss'] });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refused: one stream per attempt, RST counted, completeness has the RST bit', {
    skip: !root && 'needs root (network namespaces)',
  }, async () => {
    const flows = await tsharkFlows(sc.find((s) => s.name === 'refused')!.file);
    assert.equal(flows.size, 4);
    for (const f of flows.values()) {
      const m = f.tcp_metrics;
      assert.equal(f.client_by, 'syn');
      assert.ok(m.rst_count > 0);
      assert.equal(m.connection_completeness & 32, 32);
      assert.equal(m.connection_completeness & 2, 0); // no SYN-ACK
      assert.equal(m.goodput_bytes, 0);
      assert.equal(m.handshake_time_us !== null && m.handshake_time_us >= 0, true); // RST/ACK has ACK=1
      assert.equal(m.connection_time_us, null);
      assert.equal(m.server_window_scale, -1);
    }
  });

  it('random-loss: basic consistency and agreement with per-filter counts', {
    skip: !root && 'needs root (network namespaces)',
  }, async () => {
    const s = sc.find((x) => x.name === 'random-loss')!;
    const flows = await tsharkFlows(s.file);
    assert.equal(flows.size, 1);
    const m = flows.get(0)!.tcp_metrics;
    assert.ok(m.retransmissions > 0 && m.fast_retransmissions > 0 && m.dup_acks > 0);
    assert.ok(m.fast_retransmissions <= m.retransmissions);
    assert.ok(m.retransmission_rate > 0 && m.retransmission_rate < 1);
    assert.ok(m.data_retransmission_rate >= m.retransmission_rate);
    assert.ok(
      m.goodput_bytes >= 4_000_000 && m.goodput_bytes < m.server_payload_bytes + m.client_payload_bytes,
    );
    assert.ok(m.rtt_samples > 0 && m.rtt_min_us! <= m.rtt_avg_us! && m.rtt_avg_us! <= m.rtt_max_us!);
    assert.equal(m.connection_completeness, 31);
    assert.ok(m.window_scale !== null && m.window_scale >= 0);
    // Per-stream check with separate -Y runs for the main flags.
    for (const [flag, metric] of [
      ['tcp.analysis.retransmission', 'retransmissions'],
      ['tcp.analysis.fast_retransmission', 'fast_retransmissions'],
      ['tcp.analysis.duplicate_ack', 'dup_acks'],
    ] as const) {
      assert.equal((await countByFilter(s.file, flag)).get(0) ?? 0, m[metric], flag);
    }
    await crossCheck([s]);
  });

  it('uses one two-pass tshark run', () => {
    const a = oracleArgs('/x.pcap');
    assert.ok(a.includes('-2'));
    assert.equal(a.filter((x) => x === '-r').length, 1);
  });
});
