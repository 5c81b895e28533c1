/**
 * Minimal classic-pcap writer for crafted TCP test captures: Ethernet II + IPv4/IPv6 + TCP (with
 * options), correct IP and TCP checksums. Standalone on purpose (no dependency on the engine's own
 * helpers) so that crafted inputs are independent of the code under test.
 *
 * Timestamps are integer microseconds (default, magic a1b2c3d4) or integer nanoseconds
 * (`precision: 'ns'`, magic a1b23c4d); both are given to the writer as bigint nanoseconds or as
 * number microseconds.
 */
import { isIPv6 } from 'node:net';

export interface TcpFlags {
  fin?: boolean;
  syn?: boolean;
  rst?: boolean;
  psh?: boolean;
  ack?: boolean;
  urg?: boolean;
  ece?: boolean;
  cwr?: boolean;
}

export type TcpOption =
  | { kind: 'mss'; value: number }
  | { kind: 'ws'; shift: number }
  | { kind: 'sackPerm' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'ts'; val: number; ecr: number }
  | { kind: 'nop' }
  | { kind: 'eol' };

export interface TcpPacket {
  /** Capture time in microseconds since the epoch (number) or nanoseconds (bigint). */
  time: number | bigint;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: TcpFlags | string;
  window: number;
  options?: TcpOption[];
  /** Payload bytes, or a length (filled with a deterministic pattern). */
  payload?: Uint8Array | number;
  ttl?: number;
}

const MAC_A = Uint8Array.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x0a]);
const MAC_B = Uint8Array.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x0b]);

/** Parse a flag string such as "S", "SA", "A", "PA", "FA", "R", "RA" (letters F S R P A U E C). */
export function parseFlags(f: TcpFlags | string): number {
  if (typeof f !== 'string') {
    return (
      (f.fin ? 0x01 : 0) |
      (f.syn ? 0x02 : 0) |
      (f.rst ? 0x04 : 0) |
      (f.psh ? 0x08 : 0) |
      (f.ack ? 0x10 : 0) |
      (f.urg ? 0x20 : 0) |
      (f.ece ? 0x40 : 0) |
      (f.cwr ? 0x80 : 0)
    );
  }
  let v = 0;
  for (const ch of f.toUpperCase()) {
    const bit = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 }[ch];
    if (bit === undefined) throw new Error(`unknown TCP flag letter '${ch}' in '${f}'`);
    v |= bit;
  }
  return v;
}

function encodeOptions(opts: TcpOption[] | undefined): Uint8Array {
  if (!opts || opts.length === 0) return new Uint8Array(0);
  const parts: number[] = [];
  const u32 = (v: number) => parts.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  for (const o of opts) {
    switch (o.kind) {
      case 'nop':
        parts.push(1);
        break;
      case 'eol':
        parts.push(0);
        break;
      case 'mss':
        parts.push(2, 4, (o.value >> 8) & 0xff, o.value & 0xff);
        break;
      case 'ws':
        parts.push(3, 3, o.shift & 0xff);
        break;
      case 'sackPerm':
        parts.push(4, 2);
        break;
      case 'sack':
        parts.push(5, 2 + 8 * o.blocks.length);
        for (const [l, r] of o.blocks) {
          u32(l >>> 0);
          u32(r >>> 0);
        }
        break;
      case 'ts':
        parts.push(8, 10);
        u32(o.val >>> 0);
        u32(o.ecr >>> 0);
        break;
    }
  }
  while (parts.length % 4 !== 0) parts.push(1); // pad with NOPs
  if (parts.length > 40) throw new Error('TCP options longer than 40 bytes');
  return Uint8Array.from(parts);
}

function ipv4Bytes(ip: string): Uint8Array {
  const p = ip.split('.').map((x) => Number(x));
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255))
    throw new Error(`bad IPv4 ${ip}`);
  return Uint8Array.from(p);
}

function ipv6Bytes(ip: string): Uint8Array {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? 8 - h.length - t.length : 0;
  const groups = [...h, ...Array<string>(Math.max(fill, 0)).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${ip}`);
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  groups.forEach((g, i) => {
    dv.setUint16(i * 2, parseInt(g, 16));
  });
  return b;
}

function sum16(buf: Uint8Array, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < buf.length; i += 2) s += (buf[i] << 8) | buf[i + 1];
  if (buf.length % 2 === 1) s += buf[buf.length - 1] << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Payload bytes; a length gives a pattern that is a function of the sequence number, so that
 * retransmitted/overlapping bytes are identical to the originals (consistent for reassembly). */
function payloadBytes(p: Uint8Array | number | undefined, seq: number): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p === 'number') {
    const b = new Uint8Array(p);
    for (let i = 0; i < p; i++) b[i] = 0x41 + (((seq >>> 0) + i) % 26);
    return b;
  }
  return p;
}

export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Build one Ethernet frame carrying the TCP segment. */
export function buildFrame(pkt: TcpPacket): Uint8Array {
  const v6 = isIPv6(pkt.srcIp);
  if (v6 !== isIPv6(pkt.dstIp)) throw new Error('mixed IPv4/IPv6 addresses');
  const opts = encodeOptions(pkt.options);
  const payload = payloadBytes(pkt.payload, pkt.seq);
  const tcpLen = 20 + opts.length + payload.length;
  const tcp = new Uint8Array(tcpLen);
  const tv = new DataView(tcp.buffer);
  tv.setUint16(0, pkt.srcPort);
  tv.setUint16(2, pkt.dstPort);
  tv.setUint32(4, pkt.seq >>> 0);
  tv.setUint32(8, pkt.ack >>> 0);
  tcp[12] = ((20 + opts.length) / 4) << 4;
  tcp[13] = parseFlags(pkt.flags);
  tv.setUint16(14, pkt.window & 0xffff);
  tcp.set(opts, 20);
  tcp.set(payload, 20 + opts.length);

  let ip: Uint8Array;
  let pseudo: Uint8Array;
  if (!v6) {
    const src = ipv4Bytes(pkt.srcIp);
    const dst = ipv4Bytes(pkt.dstIp);
    ip = new Uint8Array(20);
    const iv = new DataView(ip.buffer);
    ip[0] = 0x45;
    iv.setUint16(2, 20 + tcpLen);
    iv.setUint16(6, 0x4000); // DF
    ip[8] = pkt.ttl ?? 64;
    ip[9] = 6;
    ip.set(src, 12);
    ip.set(dst, 16);
    iv.setUint16(10, fold(sum16(ip)));
    pseudo = new Uint8Array(12);
    pseudo.set(src, 0);
    pseudo.set(dst, 4);
    pseudo[9] = 6;
    new DataView(pseudo.buffer).setUint16(10, tcpLen);
  } else {
    const src = ipv6Bytes(pkt.srcIp);
    const dst = ipv6Bytes(pkt.dstIp);
    ip = new Uint8Array(40);
    const iv = new DataView(ip.buffer);
    iv.setUint32(0, 0x60000000);
    iv.setUint16(4, tcpLen);
    ip[6] = 6;
    ip[7] = pkt.ttl ?? 64;
    ip.set(src, 8);
    ip.set(dst, 24);
    pseudo = new Uint8Array(40);
    pseudo.set(src, 0);
    pseudo.set(dst, 16);
    new DataView(pseudo.buffer).setUint32(32, tcpLen);
    pseudo[39] = 6;
  }
  tv.setUint16(16, fold(sum16(tcp, sum16(pseudo))));

  const eth = new Uint8Array(14);
  // Direction-stable MACs: the lexicographically smaller "ip:port" gets MAC_A.
  const aFirst = `${pkt.srcIp}:${pkt.srcPort}` < `${pkt.dstIp}:${pkt.dstPort}`;
  eth.set(aFirst ? MAC_B : MAC_A, 0);
  eth.set(aFirst ? MAC_A : MAC_B, 6);
  new DataView(eth.buffer).setUint16(12, v6 ? 0x86dd : 0x0800);
  return concatBytes([eth, ip, tcp]);
}

export type Precision = 'us' | 'ns';

function toNs(t: number | bigint): bigint {
  if (typeof t === 'bigint') return t;
  if (!Number.isInteger(t)) throw new Error(`time in µs must be an integer, got ${t}`);
  return BigInt(t) * 1000n;
}

/**
 * An Ethernet frame carrying an IPv4 packet with an arbitrary protocol payload — for frames where TCP
 * is not the outermost transport: ICMP errors quoting a TCP header (protocol 1), 6in4 (41), IPIP (4).
 */
export function ipv4Frame(srcIp: string, dstIp: string, protocol: number, payload: Uint8Array): Uint8Array {
  const ip = new Uint8Array(20);
  const iv = new DataView(ip.buffer);
  ip[0] = 0x45;
  iv.setUint16(2, 20 + payload.length);
  ip[8] = 64;
  ip[9] = protocol;
  ip.set(ipv4Bytes(srcIp), 12);
  ip.set(ipv4Bytes(dstIp), 16);
  iv.setUint16(10, fold(sum16(ip)));
  const eth = new Uint8Array(14);
  eth.set(MAC_A, 0);
  eth.set(MAC_B, 6);
  new DataView(eth.buffer).setUint16(12, 0x0800);
  return concatBytes([eth, ip, payload]);
}

/** ICMPv4 destination-unreachable (type 3, code `code`) quoting `quoted` (an IP header + ≥ 8 bytes). */
export function icmpUnreachable(quoted: Uint8Array, code = 3): Uint8Array {
  const icmp = new Uint8Array(8 + quoted.length);
  icmp[0] = 3;
  icmp[1] = code;
  icmp.set(quoted, 8);
  new DataView(icmp.buffer).setUint16(2, fold(sum16(icmp)));
  return icmp;
}

/** The IP packet (no Ethernet header) of a TCP segment. */
export function ipPacket(pkt: TcpPacket): Uint8Array {
  return buildFrame(pkt).subarray(14);
}

export interface RawRecord {
  time: number | bigint;
  frame: Uint8Array;
}

/** Serialise packets (in the given order — the file order is the analysis order) to pcap bytes. */
export function pcapBytes(packets: Array<TcpPacket | RawRecord>, precision: Precision = 'us'): Uint8Array {
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, precision === 'us' ? 0xa1b2c3d4 : 0xa1b23c4d, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  const chunks: Uint8Array[] = [header];
  for (const p of packets) {
    const frame = 'frame' in p ? p.frame : buildFrame(p);
    const ns = toNs(p.time);
    const sec = ns / 1_000_000_000n;
    const rem = ns % 1_000_000_000n;
    if (precision === 'us' && rem % 1000n !== 0n) throw new Error('sub-microsecond time in a µs pcap');
    const frac = precision === 'us' ? rem / 1000n : rem;
    const rec = new Uint8Array(16);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, Number(sec), true);
    rv.setUint32(4, Number(frac), true);
    rv.setUint32(8, frame.length, true);
    rv.setUint32(12, frame.length, true);
    chunks.push(rec, frame);
  }
  return concatBytes(chunks);
}

/**
 * Convenience builder for one TCP conversation: tracks each side's next sequence number so that
 * generators only state what is unusual. `c` = client, `s` = server.
 */
export type Side = 'c' | 's';

export interface SendOpts {
  /** Advance the clock by this many µs before the packet (default 0). */
  dt?: number;
  /** Absolute time (µs); overrides dt. */
  at?: number;
  flags?: string;
  len?: number;
  payload?: Uint8Array;
  /** Explicit seq (default: side's next seq). */
  seq?: number;
  /** Explicit ack (default: other side's next seq if the A flag is set, else 0). */
  ack?: number;
  win?: number;
  options?: TcpOption[];
  /** Do not advance the side's next seq (e.g. for retransmissions); default: advance only if seq is new. */
  noAdvance?: boolean;
}

export class TcpConversation {
  readonly packets: TcpPacket[] = [];
  now: number;
  /** Next sequence number per side (uint32). */
  next: Record<Side, number>;
  win: Record<Side, number> = { c: 64240, s: 65160 };

  constructor(
    readonly client: { ip: string; port: number },
    readonly server: { ip: string; port: number },
    isn: { c: number; s: number },
    startUs = 1_700_000_000_000_000,
  ) {
    this.now = startUs;
    this.next = { c: isn.c >>> 0, s: isn.s >>> 0 };
  }

  send(side: Side, o: SendOpts = {}): TcpPacket {
    if (o.at !== undefined) this.now = o.at;
    else this.now += o.dt ?? 0;
    const flags = o.flags ?? 'A';
    const fl = parseFlags(flags);
    const other: Side = side === 'c' ? 's' : 'c';
    const len = o.payload ? o.payload.length : (o.len ?? 0);
    const seq = (o.seq ?? this.next[side]) >>> 0;
    const ack = (o.ack ?? (fl & 0x10 ? this.next[other] : 0)) >>> 0;
    const [src, dst] = side === 'c' ? [this.client, this.server] : [this.server, this.client];
    const pkt: TcpPacket = {
      time: this.now,
      srcIp: src.ip,
      dstIp: dst.ip,
      srcPort: src.port,
      dstPort: dst.port,
      seq,
      ack,
      flags,
      window: o.win ?? this.win[side],
      options: o.options,
      payload: o.payload ?? len,
    };
    this.packets.push(pkt);
    const consumed = len + (fl & 0x02 ? 1 : 0) + (fl & 0x01 ? 1 : 0);
    const end = (seq + consumed) >>> 0;
    // Advance when this segment ends beyond the current next (wrap-aware), unless told not to.
    if (!o.noAdvance && ((end - this.next[side]) | 0) > 0) this.next[side] = end;
    return pkt;
  }

  /** Standard three-way handshake with MSS/SACK-perm/WS options. */
  handshake(
    o: {
      rtt?: number;
      ackDelay?: number;
      wsC?: number | null;
      wsS?: number | null;
      mss?: number;
      synWin?: { c: number; s: number };
    } = {},
  ): void {
    const rtt = o.rtt ?? 1000;
    const mss = o.mss ?? 1460;
    const synOpts: TcpOption[] = [{ kind: 'mss', value: mss }, { kind: 'sackPerm' }];
    if (o.wsC !== null) synOpts.push({ kind: 'nop' }, { kind: 'ws', shift: o.wsC ?? 7 });
    this.send('c', { flags: 'S', options: synOpts, win: o.synWin?.c ?? 64240 });
    const saOpts: TcpOption[] = [{ kind: 'mss', value: mss }, { kind: 'sackPerm' }];
    if (o.wsS !== null) saOpts.push({ kind: 'nop' }, { kind: 'ws', shift: o.wsS ?? 7 });
    this.send('s', { flags: 'SA', options: saOpts, win: o.synWin?.s ?? 65160, dt: rtt });
    // Realistic post-handshake raw windows (scaled by 2^7 when both sides use the default shift).
    if (o.wsC !== null && o.wsS !== null) this.win = { c: 502, s: 509 };
    this.send('c', { flags: 'A', dt: o.ackDelay ?? 100 });
  }
}

/** Resolve the peer address family helper for generators. */
export function isV6(ip: string): boolean {
  return isIPv6(ip);
}
