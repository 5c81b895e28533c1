/**
 * Scenario claims ("expect" strings such as `retransmissions>0`) and their evaluation with tshark only.
 *
 * Grammar: `<metric><op><integer>` with op one of > >= < <= == !=.
 * Frame-count metrics are evaluated with display filters in one `tshark -z io,stat` run (independent
 * of the oracle's field parser); stream metrics use one `tshark -2 -T fields` run via the oracle's
 * frame parser.
 */
import {
  countFilters,
  FLAG_FIN,
  nsToUs,
  type OracleFrame,
  populationStddevNs,
  tsharkFrames,
} from '../oracle/tshark.js';
import type { Scenario } from './types.js';

/** Frame-count metrics: name → display filter. */
export const FILTER_METRICS: Record<string, string> = {
  tcp_frames: 'tcp',
  ipv4_tcp_frames: 'ip && tcp',
  ipv6_tcp_frames: 'ipv6 && tcp',
  retransmissions: 'tcp.analysis.retransmission',
  fast_retransmissions: 'tcp.analysis.fast_retransmission',
  spurious_retransmissions: 'tcp.analysis.spurious_retransmission',
  out_of_order: 'tcp.analysis.out_of_order',
  dup_acks: 'tcp.analysis.duplicate_ack',
  lost_segments: 'tcp.analysis.lost_segment',
  ack_lost_segments: 'tcp.analysis.ack_lost_segment',
  zero_window: 'tcp.analysis.zero_window',
  zero_window_probes: 'tcp.analysis.zero_window_probe',
  zero_window_probe_acks: 'tcp.analysis.zero_window_probe_ack',
  window_full: 'tcp.analysis.window_full',
  window_updates: 'tcp.analysis.window_update',
  keep_alive: 'tcp.analysis.keep_alive',
  keep_alive_acks: 'tcp.analysis.keep_alive_ack',
  reused_ports: 'tcp.analysis.reused_ports',
  rst: 'tcp.flags.reset==1',
  fin: 'tcp.flags.fin==1',
  syn: 'tcp.flags.syn==1 && tcp.flags.ack==0',
  syn_ack: 'tcp.flags.syn==1 && tcp.flags.ack==1',
  ack_rtt_samples: 'tcp.analysis.ack_rtt',
  /** Segments above the MSS: must be 0 when TSO/GSO/GRO are off. */
  big_segments: 'tcp.len > 1460',
  /** RST without the ACK flag whose ack field is non-zero. */
  rst_noack_nonzero_ack: 'tcp.flags.reset==1 && tcp.flags.ack==0 && tcp.ack_raw != 0',
  /** RST frames that carry an ack_rtt sample. */
  rst_with_ack_rtt: 'tcp.flags.reset==1 && tcp.analysis.ack_rtt',
  payload_frames: 'tcp.len > 0',
};

/** Stream metrics computed from one two-pass run. */
export const STREAM_METRICS = [
  'streams',
  /** Largest number of tcp.streams sharing one 4-tuple (port reuse). */
  'max_streams_per_tuple',
  /** Streams whose final tcp.completeness has the RST bit (32). */
  'rst_streams',
  /** Streams with SYN, SYN-ACK, ACK and (FIN or RST) bits: "Complete" in Wireshark's terms. */
  'complete_streams',
  /** Streams with completeness bit DATA (8). */
  'data_streams',
  /** Streams that have a tcp.analysis.initial_rtt. */
  'irtt_streams',
  /** Smallest / largest initial RTT over streams that have one (µs). */
  'min_initial_rtt_us',
  'max_initial_rtt_us',
  /** Mean and population stddev (µs) over all ack_rtt samples of the capture. */
  'avg_ack_rtt_us',
  'ack_rtt_stddev_us',
  /** Payload frames sent by an endpoint after its peer's FIN in the same stream (half-close). */
  'data_after_peer_fin',
] as const;

export interface ExpectResult {
  expr: string;
  metric: string;
  ok: boolean;
  actual: number | null;
}

const EXPR = /^([a-z0-9_]+)\s*(>=|<=|==|!=|>|<)\s*(-?\d+)$/;

export function parseExpect(expr: string): { metric: string; op: string; value: number } {
  const m = EXPR.exec(expr.trim());
  if (!m) throw new Error(`bad expect expression '${expr}'`);
  const [, metric, op, v] = m;
  if (!(metric in FILTER_METRICS) && !(STREAM_METRICS as readonly string[]).includes(metric)) {
    throw new Error(`unknown expect metric '${metric}' in '${expr}'`);
  }
  return { metric, op, value: Number(v) };
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
  throw new Error(`bad op ${op}`);
}

export function streamMetrics(
  frames: readonly OracleFrame[],
): Record<(typeof STREAM_METRICS)[number], number | null> {
  const byStream = new Map<number, OracleFrame[]>();
  for (const f of frames) {
    const l = byStream.get(f.stream);
    if (l) l.push(f);
    else byStream.set(f.stream, [f]);
  }
  const tuples = new Map<string, Set<number>>();
  let rstStreams = 0;
  let complete = 0;
  let dataStreams = 0;
  let irttStreams = 0;
  let minIrtt: number | null = null;
  let maxIrtt: number | null = null;
  const rtts: bigint[] = [];
  let dataAfterFin = 0;
  for (const [s, fs] of byStream) {
    const f0 = fs[0];
    const ends = [`${f0.srcIp}|${f0.srcPort}`, `${f0.dstIp}|${f0.dstPort}`].sort().join('<>');
    if (!tuples.has(ends)) tuples.set(ends, new Set());
    tuples.get(ends)!.add(s);
    let comp = 0;
    let irtt: bigint | null = null;
    const finFrom = new Set<string>();
    for (const f of fs) {
      if (f.completeness !== null) comp = f.completeness;
      if (irtt === null && f.initialRttNs !== null) irtt = f.initialRttNs;
      if (f.ackRttNs !== null) rtts.push(f.ackRttNs);
      const me = `${f.srcIp}|${f.srcPort}`;
      const peer = `${f.dstIp}|${f.dstPort}`;
      if (f.len > 0 && finFrom.has(peer)) dataAfterFin++;
      if (f.flags & FLAG_FIN) finFrom.add(me);
    }
    if (comp & 32) rstStreams++;
    if ((comp & 7) === 7 && comp & (16 | 32)) complete++;
    if (comp & 8) dataStreams++;
    if (irtt !== null) {
      irttStreams++;
      const us = nsToUs(irtt);
      minIrtt = minIrtt === null ? us : Math.min(minIrtt, us);
      maxIrtt = maxIrtt === null ? us : Math.max(maxIrtt, us);
    }
  }
  let sum = 0n;
  for (const r of rtts) sum += r;
  return {
    streams: byStream.size,
    max_streams_per_tuple: Math.max(0, ...[...tuples.values()].map((v) => v.size)),
    rst_streams: rstStreams,
    complete_streams: complete,
    data_streams: dataStreams,
    irtt_streams: irttStreams,
    min_initial_rtt_us: minIrtt,
    max_initial_rtt_us: maxIrtt,
    avg_ack_rtt_us: rtts.length ? nsToUs(Number(sum) / rtts.length) : null,
    ack_rtt_stddev_us: rtts.length ? Math.round(populationStddevNs(rtts) / 1000) : null,
    data_after_peer_fin: dataAfterFin,
  };
}

/** Evaluate every expect string of a capture with tshark. */
export async function evaluateExpect(file: string, exprs: readonly string[]): Promise<ExpectResult[]> {
  const parsed = exprs.map((e) => ({ expr: e, ...parseExpect(e) }));
  let sm: ReturnType<typeof streamMetrics> | null = null;
  if (parsed.some((p) => !(p.metric in FILTER_METRICS))) {
    sm = streamMetrics((await tsharkFrames(file)).frames);
  }
  const fm = [...new Set(parsed.filter((p) => p.metric in FILTER_METRICS).map((p) => p.metric))];
  const counts = await flagCounts(file, fm);
  const out: ExpectResult[] = [];
  for (const p of parsed) {
    let actual: number | null;
    if (p.metric in FILTER_METRICS) {
      actual = counts[p.metric];
    } else {
      actual = sm![p.metric as (typeof STREAM_METRICS)[number]];
    }
    out.push({
      expr: p.expr,
      metric: p.metric,
      actual,
      ok: actual !== null && compare(actual, p.op, p.value),
    });
  }
  return out;
}

/** Evaluate a scenario's claims; returns the failed ones (empty = all hold). */
export async function failedExpectations(s: Scenario): Promise<ExpectResult[]> {
  return (await evaluateExpect(s.file, s.expect)).filter((r) => !r.ok);
}

/** Per-capture counts of every frame-count metric (for reports). */
export async function flagCounts(
  file: string,
  metrics: readonly string[] = Object.keys(FILTER_METRICS),
): Promise<Record<string, number>> {
  const n = await countFilters(
    file,
    metrics.map((m) => FILTER_METRICS[m]),
  );
  const out: Record<string, number> = {};
  metrics.forEach((m, i) => {
    out[m] = n[i];
  });
  return out;
}
