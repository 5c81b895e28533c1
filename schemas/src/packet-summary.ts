/**
 * The in-memory form of schemas/proto/packet_summary.proto. Decoders fill one reusable instance
 * per packet (no allocation on the hot path); consumers must copy what they keep.
 *
 * Addresses are held as four 32-bit words so that IPv4 and IPv6 share one allocation-free shape:
 * IPv4 uses word 3 only (words 0..2 are zero) and `ipVersion` tells them apart.
 */
export interface PacketSummary {
  /** Capture time: whole seconds since the epoch and the nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  ipVersion: 4 | 6;
  src0: number;
  src1: number;
  src2: number;
  src3: number;
  dst0: number;
  dst1: number;
  dst2: number;
  dst3: number;
  srcPort: number;
  dstPort: number;
  /** TCP flags, FIN=1 … CWR=128, NS=256. */
  flags: number;
  seq: number;
  ack: number;
  /** Raw window field (never scaled). */
  window: number;
  /** IP payload length from the IP header (so snaplen truncation does not shrink it). */
  ipPayloadLength: number;
  tcpHeaderLength: number;
  /** MSS option value, -1 when absent. */
  mss: number;
  /** Window-scale option shift as sent (not clamped), -1 when absent. */
  windowScale: number;
  sackPermitted: boolean;
  /** Number of SACK blocks in `sackBlocks` (0..4). */
  sackCount: number;
  /** left0, right0, left1, right1, … (length 8, only the first 2*sackCount are meaningful). */
  sackBlocks: Uint32Array;
  hasTimestamps: boolean;
  tsVal: number;
  tsEcr: number;
  interfaceId: number;
  /** 1-based position of the frame in its capture. */
  frameNumber: number;
}

export const TCP_FIN = 1;
export const TCP_SYN = 2;
export const TCP_RST = 4;
export const TCP_PSH = 8;
export const TCP_ACK = 16;
export const TCP_URG = 32;
export const TCP_ECE = 64;
export const TCP_CWR = 128;
export const TCP_NS = 256;

export function createPacketSummary(): PacketSummary {
  return {
    tsSec: 0,
    tsNsec: 0,
    ipVersion: 4,
    src0: 0,
    src1: 0,
    src2: 0,
    src3: 0,
    dst0: 0,
    dst1: 0,
    dst2: 0,
    dst3: 0,
    srcPort: 0,
    dstPort: 0,
    flags: 0,
    seq: 0,
    ack: 0,
    window: 0,
    ipPayloadLength: 0,
    tcpHeaderLength: 20,
    mss: -1,
    windowScale: -1,
    sackPermitted: false,
    sackCount: 0,
    sackBlocks: new Uint32Array(8),
    hasTimestamps: false,
    tsVal: 0,
    tsEcr: 0,
    interfaceId: 0,
    frameNumber: 0,
  };
}

/** Copies every field of `from` into `to` (the SACK array is copied, not shared). */
export function copyPacketSummary(from: PacketSummary, to: PacketSummary): PacketSummary {
  const blocks = to.sackBlocks;
  Object.assign(to, from);
  blocks.set(from.sackBlocks);
  to.sackBlocks = blocks;
  return to;
}

/** TCP payload length: IP payload minus the TCP header, never negative. */
export function payloadLength(p: PacketSummary): number {
  const n = p.ipPayloadLength - p.tcpHeaderLength;
  return Math.max(n, 0);
}
