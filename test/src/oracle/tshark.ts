/**
 * tshark oracle: computes every `TcpMetrics` field per `tcp.stream` from tshark 4.0.17 output alone
 * (never from the engine), following ../shared/docs/tcp-analysis.md §8 (binding) and §6/§6.1.
 *
 * One tshark run: `tshark -n -2 -r FILE -T fields -E separator=/t -E occurrence=f -e …` with the
 * TCP preferences pinned to the 4.0.17 defaults.
 *
 * Observed output conventions of tshark 4.0.17 `-T fields` (checked empirically, see tshark.test.ts):
 *  - expert / FT_NONE fields (tcp.analysis.retransmission, …) print `1` when present and nothing when
 *    absent; `tcp.analysis.duplicate_ack` exists twice in the tree (FT_NONE item + expert item) and
 *    prints `1,1` with `-E occurrence=a`, `1` with `occurrence=f`. We treat "non-empty" as present,
 *    so both forms count once per frame.
 *  - times (frame.time_epoch, tcp.analysis.ack_rtt, tcp.analysis.initial_rtt) print as decimal
 *    seconds with 9 fraction digits; parsed here into exact integer nanoseconds (bigint).
 *  - tcp.flags prints as hex `0x0012`.
 *  - With `-2`, tcp.completeness shows the final value on every frame; tcp.analysis.initial_rtt is
 *    shown on every frame that has an analysis record once known. The tcp.analysis.* flags and
 *    ack_rtt are decided on the first pass and are identical with and without `-2`
 *    (verified on all generated and crafted captures by `compareOneVsTwoPass`).
 *
 * Frames where TCP is not the outermost transport (tunnels, ICMP-quoted headers, IP-in-IP) are
 * excluded: `frame.protocols` is split on ':' and a frame is kept only if it has exactly one `tcp`
 * token and exactly one `ip`/`ipv6` token in total (`ipv6.hopopts` and similar extension-header tokens
 * are not counted) and no `icmp`/`icmpv6` token before `tcp`.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Endpoint, TcpMetrics } from '@tcpx/schemas';

export interface OracleFlow {
  stream: number;
  /** Client (see `chooseClient`). */
  src: Endpoint;
  /** Server. */
  dst: Endpoint;
  /** Time of the stream's first / last frame (capture order), rounded to µs. */
  start_us: number;
  end_us: number;
  /** Frames of the stream that were analysed (after the outermost-TCP filter). */
  frames: number;
  /** How the client was chosen. */
  client_by: 'syn' | 'syn-ack' | 'port' | 'first-packet';
  tcp_metrics: TcpMetrics;
}

/** Analysis flags read per frame (presence of the `tcp.analysis.<name>` field). */
export const ANALYSIS_FLAGS = [
  'retransmission',
  'fast_retransmission',
  'spurious_retransmission',
  'out_of_order',
  'duplicate_ack',
  'lost_segment',
  'ack_lost_segment',
  'zero_window',
  'zero_window_probe',
  'zero_window_probe_ack',
  'window_full',
  'window_update',
  'keep_alive',
  'keep_alive_ack',
  'reused_ports',
] as const;
export type AnalysisFlag = (typeof ANALYSIS_FLAGS)[number];

export const BASE_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.protocols',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'ip.dst',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.len',
  'tcp.window_size',
  'tcp.window_size_value',
  'tcp.options.wscale.shift',
  'tcp.completeness',
  'tcp.analysis.initial_rtt',
  'tcp.analysis.ack_rtt',
] as const;

export const TSHARK_FIELDS: readonly string[] = [
  ...BASE_FIELDS,
  ...ANALYSIS_FLAGS.map((f) => `tcp.analysis.${f}`),
];

/** Preferences pinned to the 4.0.17 defaults so a user profile cannot change the oracle. */
export const TSHARK_PREFS: readonly string[] = [
  'tcp.analyze_sequence_numbers:TRUE',
  'tcp.relative_sequence_numbers:TRUE',
  'tcp.track_bytes_in_flight:TRUE',
  'tcp.calculate_timestamps:TRUE',
  'tcp.fastrt_supersedes_ooo:TRUE',
  'tcp.bif_seq_based:FALSE',
  'tcp.check_checksum:FALSE',
];

export const FLAG_FIN = 0x01;
export const FLAG_SYN = 0x02;
export const FLAG_RST = 0x04;
export const FLAG_ACK = 0x10;

export interface OracleFrame {
  number: number;
  timeNs: bigint;
  stream: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  flags: number;
  len: number;
  /** tcp.window_size (scaled as tshark computes it). */
  window: number | null;
  windowRaw: number | null;
  wsShift: number | null;
  completeness: number | null;
  initialRttNs: bigint | null;
  ackRttNs: bigint | null;
  analysis: Set<AnalysisFlag>;
}

/**
 * Parse a decimal seconds string ("1700000000.123456789", "0.000123456", "-0.5", "12") into exact
 * integer nanoseconds. Fraction digits beyond 9 are rejected (tshark never prints more).
 */
export function parseSecondsToNs(s: string): bigint {
  const str = s.trim();
  const m = /^(-?)(\d+)(?:\.(\d{0,9}))?$/.exec(str);
  if (!m) throw new Error(`not a decimal seconds value: '${s}'`);
  const [, sign, int, frac = ''] = m;
  const ns = BigInt(int) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
  return sign === '-' ? -ns : ns;
}

/** Round nanoseconds to microseconds, half away from zero for positives (= Math.round(ns / 1000)). */
export function nsToUs(ns: bigint | number): number {
  return Math.round(Number(ns) / 1000);
}

/**
 * Mean of integer-ns samples, in µs: the exact integer sum divided by n·1000, rounded half-up with
 * integer arithmetic (so no float error can move a .5 tie). Equal to Math.round(sum / n / 1000) except
 * when float rounding of sum/n crosses a tie.
 */
export function meanNsToUs(sumNs: bigint, n: number): number {
  if (n <= 0) throw new Error('mean of no samples');
  const d = BigInt(n) * 1000n;
  const neg = sumNs < 0n;
  const a = neg ? -sumNs : sumNs;
  const q = (2n * a + d) / (2n * d);
  return Number(neg ? -q : q);
}

/**
 * Population standard deviation of ns samples, in ns (float): mean = Σx/n (Σ exact in bigint, then
 * one division), then Σ(x−mean)² accumulated in capture order in doubles, sqrt(Σ/n). 0 for n < 2.
 */
export function populationStddevNs(samples: readonly bigint[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  let sum = 0n;
  for (const x of samples) sum += x;
  const mean = Number(sum) / n;
  let ss = 0;
  for (const x of samples) {
    const d = Number(x) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/**
 * jitter_us per §8: population stddev of the ack_rtt samples, rounded half up to µs, exactly (in
 * integers: a float stddev can land a hair off an exact half µs); 0 with < 2 samples.
 * With q = n·Σx² − (Σx)² = n²·variance: round(sqrt(q) / 1000n) = ⌊(⌊√q⌋ + 500n) / 1000n⌋.
 */
export function jitterUs(samples: readonly bigint[]): number {
  const n = BigInt(samples.length);
  if (n < 2n) return 0;
  let sum = 0n;
  let sumSq = 0n;
  for (const x of samples) {
    sum += x;
    sumSq += x * x;
  }
  return Number((integerSqrt(n * sumSq - sum * sum) + 500n * n) / (1000n * n));
}

/** ⌊√v⌋ for v ≥ 0, by Newton's method on integers. */
export function integerSqrt(v: bigint): bigint {
  if (v < 2n) return v;
  let x = BigInt(Math.floor(Math.sqrt(Number(v)))) + 1n; // at or above the root: Newton then descends
  for (;;) {
    const next = (x + v / x) / 2n;
    if (next >= x) break;
    x = next;
  }
  while (x * x > v) x--;
  while ((x + 1n) * (x + 1n) <= v) x++;
  return x;
}

/**
 * Decide whether the frame's first TCP header is its outermost transport, from `frame.protocols`:
 * exactly one IP layer and no ICMP before the first `tcp` ("eth:ethertype:ip:tcp" → true,
 * "eth:ethertype:ip:icmp:ip:tcp" → false, 6in4 "eth:ethertype:ip:ipv6:tcp" → false). TCP carried
 * inside the payload after it (OpenFlow packet-in, …) does not matter: `-E occurrence=f` fields
 * describe the first, outer header.
 */
export function isOutermostTcp(protocols: string): boolean {
  const toks = protocols.split(':');
  const firstTcp = toks.indexOf('tcp');
  if (firstTcp < 0) return false;
  let ipCount = 0;
  for (const t of toks.slice(0, firstTcp)) {
    if (t === 'ip' || t === 'ipv6') ipCount++;
    else if (t === 'icmp' || t === 'icmpv6') return false;
  }
  return ipCount === 1;
}

function optInt(s: string | undefined): number | null {
  if (s === undefined || s === '') return null;
  const first = s.split(',')[0];
  const v = first.startsWith('0x') ? parseInt(first, 16) : Number(first);
  if (!Number.isFinite(v)) throw new Error(`not a number: '${s}'`);
  return v;
}

function optNs(s: string | undefined): bigint | null {
  if (s === undefined || s === '') return null;
  return parseSecondsToNs(s.split(',')[0]);
}

/**
 * Parse one line of `tshark -T fields -E separator=/t` output produced with `TSHARK_FIELDS`.
 * Returns null for frames that are not outermost TCP or carry no tcp.stream.
 */
export function parseFieldsLine(line: string, fields: readonly string[] = TSHARK_FIELDS): OracleFrame | null {
  const cols = line.split('\t');
  if (cols.length < fields.length) {
    // tshark omits nothing at the end with -T fields, but be tolerant of trailing-empty trimming.
    while (cols.length < fields.length) cols.push('');
  }
  const get = (name: string): string => {
    const i = fields.indexOf(name);
    if (i < 0) throw new Error(`field ${name} not requested`);
    return cols[i] ?? '';
  };
  const protocols = get('frame.protocols');
  if (protocols !== '' && !isOutermostTcp(protocols)) return null;
  const streamS = get('tcp.stream');
  if (streamS === '') return null;
  const analysis = new Set<AnalysisFlag>();
  for (const f of ANALYSIS_FLAGS) {
    if (get(`tcp.analysis.${f}`) !== '') analysis.add(f);
  }
  const ip4s = get('ip.src');
  const ip6s = get('ipv6.src');
  const ip4d = get('ip.dst');
  const ip6d = get('ipv6.dst');
  return {
    number: Number(get('frame.number')),
    timeNs: parseSecondsToNs(get('frame.time_epoch')),
    stream: Number(streamS.split(',')[0]),
    srcIp: (ip4s || ip6s).split(',')[0],
    dstIp: (ip4d || ip6d).split(',')[0],
    srcPort: optInt(get('tcp.srcport')) ?? 0,
    dstPort: optInt(get('tcp.dstport')) ?? 0,
    flags: optInt(get('tcp.flags')) ?? 0,
    len: optInt(get('tcp.len')) ?? 0,
    window: optInt(get('tcp.window_size')),
    windowRaw: optInt(get('tcp.window_size_value')),
    wsShift: optInt(get('tcp.options.wscale.shift')),
    completeness: optInt(get('tcp.completeness')),
    initialRttNs: optNs(get('tcp.analysis.initial_rtt')),
    ackRttNs: optNs(get('tcp.analysis.ack_rtt')),
    analysis,
  };
}

const epKey = (ip: string, port: number) => `${ip}|${port}`;

/** Client/server choice, see module brief: pure SYN sender > SYN-ACK receiver > higher port > first sender. */
export function chooseClient(frames: readonly OracleFrame[]): {
  client: Endpoint;
  server: Endpoint;
  by: OracleFlow['client_by'];
} {
  const f0 = frames[0];
  const a: Endpoint = { ip: f0.srcIp, port: f0.srcPort };
  const b: Endpoint = { ip: f0.dstIp, port: f0.dstPort };
  const syn = frames.find((f) => (f.flags & (FLAG_SYN | FLAG_ACK)) === FLAG_SYN);
  if (syn)
    return {
      client: { ip: syn.srcIp, port: syn.srcPort },
      server: { ip: syn.dstIp, port: syn.dstPort },
      by: 'syn',
    };
  const sa = frames.find((f) => (f.flags & (FLAG_SYN | FLAG_ACK)) === (FLAG_SYN | FLAG_ACK));
  if (sa)
    return {
      client: { ip: sa.dstIp, port: sa.dstPort },
      server: { ip: sa.srcIp, port: sa.srcPort },
      by: 'syn-ack',
    };
  if (a.port !== b.port) {
    return a.port > b.port ? { client: a, server: b, by: 'port' } : { client: b, server: a, by: 'port' };
  }
  return { client: a, server: b, by: 'first-packet' };
}

/**
 * Wireshark's per-direction window-scale state (§5.1): −1 unknown, −2 no scaling, else 0..14.
 * Processes the frames in capture order: a WS option sets the sender's shift (clamped to 14); then on
 * every SYN: sender still −1 → both −2; SYN-ACK whose sender has a shift while the peer is −2 → sender −2.
 */
export function windowScales(
  frames: readonly OracleFrame[],
  clientKey: string,
): { client: number; server: number } {
  const st = { c: -1, s: -1 };
  for (const f of frames) {
    const fwd: 'c' | 's' = epKey(f.srcIp, f.srcPort) === clientKey ? 'c' : 's';
    const rev: 'c' | 's' = fwd === 'c' ? 's' : 'c';
    if (f.wsShift !== null) st[fwd] = Math.min(f.wsShift, 14);
    if (f.flags & FLAG_SYN) {
      const isSynAck = (f.flags & FLAG_ACK) !== 0;
      if (st[fwd] === -1) {
        st[fwd] = -2;
        st[rev] = -2;
      } else if (isSynAck && st[rev] === -2) {
        st[fwd] = -2;
      }
    }
  }
  return { client: st.c, server: st.s };
}

function ratio(n: number, d: number): number {
  return d === 0 ? 0 : n / d;
}

function mean(sum: number, n: number): number | null {
  return n === 0 ? null : sum / n;
}

/** Compute one stream's OracleFlow from its frames (capture order). */
export function computeFlow(stream: number, frames: readonly OracleFrame[]): OracleFlow {
  if (frames.length === 0) throw new Error(`stream ${stream} has no frames`);
  const { client, server, by } = chooseClient(frames);
  const cKey = epKey(client.ip, client.port);
  const isClient = (f: OracleFrame) => epKey(f.srcIp, f.srcPort) === cKey;

  const count = (flag: AnalysisFlag) => frames.filter((f) => f.analysis.has(flag)).length;
  const retransmissions = count('retransmission');

  let seqSegments = 0;
  let goodput = 0;
  let cPk = 0;
  let sPk = 0;
  let cBytes = 0;
  let sBytes = 0;
  let cWinSum = 0;
  let cWinN = 0;
  let sWinSum = 0;
  let sWinN = 0;
  let rst = 0;
  let fin = 0;
  const rtts: bigint[] = [];
  let irtt: bigint | null = null;
  let completeness: number | null = null;
  for (const f of frames) {
    const c = isClient(f);
    if (f.len > 0 || f.flags & (FLAG_SYN | FLAG_FIN)) seqSegments++;
    if (!f.analysis.has('retransmission')) goodput += f.len;
    if (c) {
      cPk++;
      cBytes += f.len;
    } else {
      sPk++;
      sBytes += f.len;
    }
    if (!(f.flags & FLAG_SYN) && f.window !== null) {
      if (c) {
        cWinSum += f.window;
        cWinN++;
      } else {
        sWinSum += f.window;
        sWinN++;
      }
    }
    if (f.flags & FLAG_RST) rst++;
    if (f.flags & FLAG_FIN) fin++;
    if (f.ackRttNs !== null) rtts.push(f.ackRttNs);
    if (irtt === null && f.initialRttNs !== null) irtt = f.initialRttNs;
    if (f.completeness !== null) completeness = f.completeness;
  }

  // Times relative to the first pure SYN (§8). Only frames after it (capture order) are considered.
  const synIdx = frames.findIndex((f) => (f.flags & (FLAG_SYN | FLAG_ACK)) === FLAG_SYN);
  let handshake: number | null = null;
  let connTime: number | null = null;
  let ttfb: number | null = null;
  if (synIdx >= 0) {
    const t0 = frames[synIdx].timeNs;
    const after = frames.slice(synIdx + 1);
    const ack = after.find((f) => (f.flags & (FLAG_SYN | FLAG_ACK)) === FLAG_ACK);
    if (ack) handshake = nsToUs(ack.timeNs - t0);
    // The SYN itself counts when it carries data (TCP Fast Open): connection_time_us is then 0.
    const data = frames.slice(synIdx).find((f) => f.len > 0);
    if (data) connTime = nsToUs(data.timeNs - t0);
    const sdata = after.find((f) => f.len > 0 && !isClient(f));
    if (sdata) ttfb = nsToUs(sdata.timeNs - t0);
  }

  const ws = windowScales(frames, cKey);
  const windowScale =
    ws.client >= 0 && ws.server >= 0 ? ws.server : ws.client === -2 || ws.server === -2 ? 0 : null;
  const clientAvg = mean(cWinSum, cWinN);
  const serverAvg = mean(sWinSum, sWinN);

  let rttSum = 0n;
  let rttMin: bigint | null = null;
  let rttMax: bigint | null = null;
  for (const r of rtts) {
    rttSum += r;
    if (rttMin === null || r < rttMin) rttMin = r;
    if (rttMax === null || r > rttMax) rttMax = r;
  }

  const first = frames[0].timeNs;
  const last = frames[frames.length - 1].timeNs;
  const metrics: TcpMetrics = {
    retransmissions,
    fast_retransmissions: count('fast_retransmission'),
    retransmission_rate: ratio(retransmissions, frames.length),
    zero_window_events: count('zero_window'),
    window_full_events: count('window_full'),
    window_scale: windowScale,
    avg_receive_window: cBytes >= sBytes ? serverAvg : clientAvg,
    out_of_order: count('out_of_order'),
    dup_acks: count('duplicate_ack'),
    missing_segments: count('lost_segment'),
    rst_count: rst,
    fin_count: fin,
    keepalive_count: count('keep_alive'),
    connection_completeness: completeness ?? 0,
    initial_rtt_us: irtt === null ? null : nsToUs(irtt),
    handshake_time_us: handshake,
    connection_time_us: connTime,
    time_to_first_byte_us: ttfb,
    rtt_min_us: rttMin === null ? null : nsToUs(rttMin),
    rtt_max_us: rttMax === null ? null : nsToUs(rttMax),
    rtt_avg_us: rtts.length === 0 ? null : meanNsToUs(rttSum, rtts.length),
    rtt_samples: rtts.length,
    jitter_us: jitterUs(rtts),
    goodput_bytes: goodput,
    data_retransmission_rate: ratio(retransmissions, seqSegments),
    spurious_retransmissions: count('spurious_retransmission'),
    ack_lost_segment: count('ack_lost_segment'),
    zero_window_probes: count('zero_window_probe'),
    zero_window_probe_acks: count('zero_window_probe_ack'),
    window_updates: count('window_update'),
    keepalive_acks: count('keep_alive_ack'),
    reused_ports: count('reused_ports'),
    client_window_scale: ws.client,
    server_window_scale: ws.server,
    client_avg_receive_window: clientAvg,
    server_avg_receive_window: serverAvg,
    duration_us: nsToUs(last - first),
    client_packets: cPk,
    server_packets: sPk,
    client_payload_bytes: cBytes,
    server_payload_bytes: sBytes,
  };
  return {
    stream,
    src: client,
    dst: server,
    start_us: nsToUs(first),
    end_us: nsToUs(last),
    frames: frames.length,
    client_by: by,
    tcp_metrics: metrics,
  };
}

/** Group parsed frames by stream (capture order kept) and compute every flow. */
export function flowsFromFrames(frames: Iterable<OracleFrame>): Map<number, OracleFlow> {
  const byStream = new Map<number, OracleFrame[]>();
  for (const f of frames) {
    const l = byStream.get(f.stream);
    if (l) l.push(f);
    else byStream.set(f.stream, [f]);
  }
  const out = new Map<number, OracleFlow>();
  for (const s of [...byStream.keys()].sort((x, y) => x - y)) out.set(s, computeFlow(s, byStream.get(s)!));
  return out;
}

export const TSHARK_BIN = process.env.TSHARK ?? 'tshark';

/** Run tshark and call `onLine` for every stdout line; rejects on a non-zero exit. */
export function runTsharkLines(args: readonly string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(TSHARK_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => {
      if (err.length < 20000) err += d;
    });
    const rl = createInterface({ input: p.stdout, crlfDelay: Infinity });
    let failure: unknown = null;
    rl.on('line', (l) => {
      if (failure) return;
      try {
        onLine(l);
      } catch (e) {
        failure = e;
      }
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (failure) return reject(failure);
      if (code !== 0) {
        const msg = err
          .split('\n')
          .filter((l) => l && !l.includes('Running as user "root"'))
          .join('\n');
        return reject(new Error(`tshark ${args.join(' ')} exited ${code}: ${msg}`));
      }
      resolve();
    });
  });
}

/** The argument list of the oracle's single tshark run. */
export function oracleArgs(
  captureFile: string,
  opts: { twoPass?: boolean; occurrence?: 'f' | 'a' } = {},
): string[] {
  const args = ['-n'];
  if (opts.twoPass !== false) args.push('-2');
  args.push('-r', captureFile);
  for (const p of TSHARK_PREFS) args.push('-o', p);
  args.push(
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    `occurrence=${opts.occurrence ?? 'f'}`,
    '-E',
    'header=n',
  );
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  return args;
}

/** Parsed frames of a capture (outermost-TCP frames only) plus the count of excluded frames. */
export async function tsharkFrames(
  captureFile: string,
  opts: { twoPass?: boolean } = {},
): Promise<{ frames: OracleFrame[]; excluded: number }> {
  const frames: OracleFrame[] = [];
  let excluded = 0;
  await runTsharkLines(oracleArgs(captureFile, opts), (line) => {
    if (line === '') return;
    const f = parseFieldsLine(line);
    if (f) frames.push(f);
    else excluded++;
  });
  return { frames, excluded };
}

/** The oracle: per tcp.stream, every TcpMetrics field computed from one `tshark -2` run. */
export async function tsharkFlows(captureFile: string): Promise<Map<number, OracleFlow>> {
  const { frames } = await tsharkFrames(captureFile);
  return flowsFromFrames(frames);
}

export interface PassComparison {
  /** Differences in tcp.analysis.* flags, ack_rtt or tcp.stream between one-pass and -2 (expected: none). */
  flagDiffs: string[];
  /** Frames whose displayed tcp.completeness differs (expected: one-pass shows the state before the frame). */
  completenessFrames: number;
  /** Frames whose displayed tcp.analysis.initial_rtt differs (presence or value). */
  initialRttFrames: number;
}

/** Compare a one-pass and a two-pass (-2) run frame by frame. */
export async function compareOneVsTwoPass(captureFile: string): Promise<PassComparison> {
  const [one, two] = await Promise.all([
    tsharkFrames(captureFile, { twoPass: false }),
    tsharkFrames(captureFile, { twoPass: true }),
  ]);
  const flagDiffs: string[] = [];
  let completenessFrames = 0;
  let initialRttFrames = 0;
  if (one.frames.length !== two.frames.length)
    flagDiffs.push(`frame count ${one.frames.length} vs ${two.frames.length}`);
  const n = Math.min(one.frames.length, two.frames.length);
  for (let i = 0; i < n; i++) {
    const a = one.frames[i];
    const b = two.frames[i];
    const fa = [...a.analysis].sort().join(',');
    const fb = [...b.analysis].sort().join(',');
    if (fa !== fb) flagDiffs.push(`frame ${a.number}: flags one-pass [${fa}] two-pass [${fb}]`);
    if (a.ackRttNs !== b.ackRttNs)
      flagDiffs.push(`frame ${a.number}: ack_rtt ${a.ackRttNs} vs ${b.ackRttNs}`);
    if (a.stream !== b.stream) flagDiffs.push(`frame ${a.number}: stream ${a.stream} vs ${b.stream}`);
    if (a.completeness !== b.completeness) completenessFrames++;
    if (a.initialRttNs !== b.initialRttNs) initialRttFrames++;
  }
  return { flagDiffs, completenessFrames, initialRttFrames };
}

let versionCache: string | null = null;

/** tshark's version number, e.g. "4.0.17". */
export async function tsharkVersion(): Promise<string> {
  if (versionCache) return versionCache;
  let first = '';
  await runTsharkLines(['--version'], (l) => {
    if (!first) first = l;
  });
  const m = /TShark \(Wireshark\) (\d+\.\d+\.\d+)/.exec(first);
  if (!m) throw new Error(`cannot parse tshark version from '${first}'`);
  versionCache = m[1];
  return versionCache;
}

/**
 * Count the frames matching each display filter over the whole capture, in one tshark run
 * (`-q -z io,stat,0,<filter>,…`; one interval covering the capture). Independent of the field parser.
 */
export async function countFilters(captureFile: string, filters: readonly string[]): Promise<number[]> {
  if (filters.length === 0) return [];
  for (const f of filters) if (f.includes(',')) throw new Error(`io,stat filters cannot contain ',': ${f}`);
  const lines: string[] = [];
  await runTsharkLines(['-n', '-r', captureFile, '-q', '-z', `io,stat,0,${filters.join(',')}`], (l) =>
    lines.push(l),
  );
  const sums = filters.map(() => 0);
  let rows = 0;
  for (const l of lines) {
    if (!l.includes('<>')) continue;
    const cells = l
      .split('|')
      .slice(2)
      .map((c) => c.trim());
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop(); // table padding
    if (cells.length !== 2 * filters.length) throw new Error(`unexpected io,stat row: ${l}`);
    for (let i = 0; i < filters.length; i++) sums[i] += Number(cells[2 * i]);
    rows++;
  }
  if (rows === 0 && lines.some((l) => l.includes('Interval'))) return sums; // empty capture
  if (rows === 0) throw new Error(`no io,stat rows for ${captureFile}: ${lines.join('\n')}`);
  return sums;
}

/**
 * Count frames matching a display filter, per tcp.stream, with a separate `tshark -Y` run. This is
 * the §6.1 way; used by tests to cross-check the single-run oracle and to check scenario claims.
 */
export async function countByFilter(captureFile: string, filter: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  await runTsharkLines(['-n', '-r', captureFile, '-Y', filter, '-T', 'fields', '-e', 'tcp.stream'], (l) => {
    if (l === '') return;
    const s = Number(l.split(',')[0]);
    out.set(s, (out.get(s) ?? 0) + 1);
  });
  return out;
}
