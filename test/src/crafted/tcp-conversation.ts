/**
 * Crafted TCP conversations for tshark-checked test captures: `TcpPacket` records (flags as letters,
 * payloads as a deterministic pattern), the `TcpConversation` builder that tracks each side's
 * seq/ack, and their classic pcap bytes (Ethernet II + IPv4/IPv6 + TCP, valid IP and TCP checksums).
 *
 * Frames and files come from @tcpx/edge-capture's test capture writer, which shares no code with the
 * decoder under test, so crafted inputs stay independent of it.
 *
 * Timestamps are integer microseconds (default, magic a1b2c3d4) or integer nanoseconds
 * (`precision: 'ns'`, magic a1b23c4d); both are given as bigint nanoseconds or number microseconds.
 */
import { isIPv6 } from 'node:net';
import {
  captureTime,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ethernetFrame,
  ipv4Packet,
  ipv6Packet,
  type TcpOption,
  tcpSegment,
  withTcpChecksum,
  writePcap,
} from '@tcpx/edge-capture/testing/capture-writer';

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

const MAC_A = '02:00:00:00:00:0a';
const MAC_B = '02:00:00:00:00:0b';

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

/** The IP packet (no link header) of a TCP segment: IPv4 with DF, or IPv6; valid checksums. */
export function ipPacket(pkt: TcpPacket): Uint8Array {
  const v6 = isIPv6(pkt.srcIp);
  if (v6 !== isIPv6(pkt.dstIp)) throw new Error('mixed IPv4/IPv6 addresses');
  const payload = payloadBytes(pkt.payload, pkt.seq);
  const segment = tcpSegment({
    srcPort: pkt.srcPort,
    dstPort: pkt.dstPort,
    seq: pkt.seq,
    ack: pkt.ack,
    flags: parseFlags(pkt.flags),
    window: pkt.window,
    options: pkt.options,
    optionPadding: 'nop',
    payload,
  });
  // The capture writer builds over-long options on purpose (malformed-input tests); crafted ones must fit.
  if (segment.length - payload.length > 60) throw new Error('TCP options longer than 40 bytes');
  const tcp = withTcpChecksum(segment, pkt.srcIp, pkt.dstIp);
  return v6
    ? ipv6Packet({ src: pkt.srcIp, dst: pkt.dstIp, hopLimit: pkt.ttl }, tcp)
    : ipv4Packet({ src: pkt.srcIp, dst: pkt.dstIp, ttl: pkt.ttl, dontFragment: true }, tcp);
}

/** Build one Ethernet frame carrying the TCP segment. */
export function buildFrame(pkt: TcpPacket): Uint8Array {
  // Direction-stable MACs: the lexicographically smaller "ip:port" gets MAC_A.
  const aFirst = `${pkt.srcIp}:${pkt.srcPort}` < `${pkt.dstIp}:${pkt.dstPort}`;
  return ethernetFrame(
    {
      dst: aFirst ? MAC_B : MAC_A,
      src: aFirst ? MAC_A : MAC_B,
      type: isIPv6(pkt.srcIp) ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4,
    },
    ipPacket(pkt),
  );
}

export type Precision = 'us' | 'ns';

/** A ready-made frame (e.g. an ICMP error or a tunnel) to place among conversation packets. */
export interface RawRecord {
  time: number | bigint;
  frame: Uint8Array;
}

/** Serialise packets (in the given order — the file order is the analysis order) to pcap bytes. */
export function pcapBytes(packets: Array<TcpPacket | RawRecord>, precision: Precision = 'us'): Uint8Array {
  const nanoseconds = precision === 'ns';
  const records = packets.map((p) => {
    const time = captureTime(p.time);
    // The writer would truncate to whole µs; a crafted time that needs ns is a generator mistake.
    if (!nanoseconds && time.tsNsec % 1000 !== 0) throw new Error('sub-microsecond time in a µs pcap');
    return { data: 'frame' in p ? p.frame : buildFrame(p), ...time };
  });
  return writePcap(records, { nanoseconds }); // Ethernet, little-endian, snaplen 262144
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
    const synOpts: TcpOption[] = [{ kind: 'mss', value: mss }, { kind: 'sackPermitted' }];
    if (o.wsC !== null) synOpts.push({ kind: 'nop' }, { kind: 'wscale', shift: o.wsC ?? 7 });
    this.send('c', { flags: 'S', options: synOpts, win: o.synWin?.c ?? 64240 });
    const saOpts: TcpOption[] = [{ kind: 'mss', value: mss }, { kind: 'sackPermitted' }];
    if (o.wsS !== null) saOpts.push({ kind: 'nop' }, { kind: 'wscale', shift: o.wsS ?? 7 });
    this.send('s', { flags: 'SA', options: saOpts, win: o.synWin?.s ?? 65160, dt: rtt });
    // Realistic post-handshake raw windows (scaled by 2^7 when both sides use the default shift).
    if (o.wsC !== null && o.wsS !== null) this.win = { c: 502, s: 509 };
    this.send('c', { flags: 'A', dt: o.ackDelay ?? 100 });
  }
}
