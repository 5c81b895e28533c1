import type protobuf from 'protobufjs';
import { bigIntToSecNsec, nsToBigInt } from './ns-time.js';
import type { PacketSummary } from './packet-summary.js';
import { type PbjsObject, protoRoot } from './proto-files.js';

// The reference side for tests and the benchmark: PacketSummary <-> protobufjs objects of
// proto/packet_summary.proto, written plainly (BigInt, arrays) to be obviously right, not fast.

export function packetSummaryBatchType(): protobuf.Type {
  return protoRoot('packet_summary.proto').lookupType('tcpx.v1.PacketSummaryBatch');
}

function addressBytes(v6: boolean, w0: number, w1: number, w2: number, w3: number): Uint8Array {
  const words = v6 ? [w0, w1, w2, w3] : [w3];
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i]);
  return out;
}

const key = (v6: boolean, p: PacketSummary, src: boolean): bigint[] =>
  (src ? [p.src0, p.src1, p.src2, p.src3, p.srcPort] : [p.dst0, p.dst1, p.dst2, p.dst3, p.dstPort])
    .slice(v6 ? 0 : 3)
    .map((w) => BigInt(w >>> 0));

function longFromBigInt(v: bigint): { low: number; high: number; unsigned: boolean } {
  return { low: Number(v & 0xffffffffn) | 0, high: Number(v >> 32n) | 0, unsigned: true };
}

export function packetToPbjs(p: PacketSummary): Record<string, unknown> {
  const v6 = p.ipVersion === 6;
  const s = key(v6, p, true);
  const d = key(v6, p, false);
  const firstDiff = s.findIndex((w, i) => w !== d[i]);
  const aToB = firstDiff < 0 || s[firstDiff] < d[firstDiff];
  const src = addressBytes(v6, p.src0, p.src1, p.src2, p.src3);
  const dst = addressBytes(v6, p.dst0, p.dst1, p.dst2, p.dst3);
  return {
    // protobufjs takes a 64-bit value as Long (or LongBits-compatible {low, high}).
    timestamp_ns: longFromBigInt(nsToBigInt(p.tsSec, p.tsNsec)),
    addr_a: aToB ? src : dst,
    addr_b: aToB ? dst : src,
    port_a: aToB ? p.srcPort : p.dstPort,
    port_b: aToB ? p.dstPort : p.srcPort,
    a_to_b: aToB,
    flags: p.flags,
    seq: p.seq,
    ack: p.ack,
    window: p.window,
    ip_payload_length: p.ipPayloadLength,
    tcp_header_length: p.tcpHeaderLength,
    mss: p.mss,
    window_scale: p.windowScale,
    sack_permitted: p.sackPermitted,
    sack_blocks: Array.from(p.sackBlocks.subarray(0, p.sackCount * 2)),
    has_timestamps: p.hasTimestamps,
    ts_val: p.tsVal,
    ts_ecr: p.tsEcr,
    interface_id: p.interfaceId,
    frame_number: p.frameNumber,
  };
}

/** The 5-tuple fields a packet leaves out in a per-connection batch: taken from the batch, as proto3 defaults. */
function withBatchEndpoints(o: PbjsObject, batch: PbjsObject | undefined): PbjsObject {
  if (!batch) return o;
  const or = (own: Uint8Array, fallback: Uint8Array) => (own.length > 0 ? own : fallback);
  return {
    ...o,
    addr_a: or(o.addr_a, batch.addr_a),
    addr_b: or(o.addr_b, batch.addr_b),
    port_a: o.port_a || batch.port_a,
    port_b: o.port_b || batch.port_b,
  };
}

/** `batch`: the decoded batch the packet came from, whose 5-tuple fills in the packet's absent one. */
export function packetFromPbjs(packet: PbjsObject, into: PacketSummary, batch?: PbjsObject): PacketSummary {
  const o = withBatchEndpoints(packet, batch);
  const { sec, nsec } = bigIntToSecNsec(BigInt(o.timestamp_ns));
  const a = new DataView(o.addr_a.buffer, o.addr_a.byteOffset, o.addr_a.byteLength);
  const b = new DataView(o.addr_b.buffer, o.addr_b.byteOffset, o.addr_b.byteLength);
  const [src, dst] = o.a_to_b ? [a, b] : [b, a];
  const v6 = a.byteLength === 16;
  const word = (v: DataView, i: number) => (v6 ? v.getUint32(i * 4) : i === 3 ? v.getUint32(0) : 0);
  into.tsSec = sec;
  into.tsNsec = nsec;
  into.ipVersion = v6 ? 6 : 4;
  [into.src0, into.src1, into.src2, into.src3] = [0, 1, 2, 3].map((i) => word(src, i));
  [into.dst0, into.dst1, into.dst2, into.dst3] = [0, 1, 2, 3].map((i) => word(dst, i));
  into.srcPort = o.a_to_b ? o.port_a : o.port_b;
  into.dstPort = o.a_to_b ? o.port_b : o.port_a;
  into.flags = o.flags;
  into.seq = o.seq;
  into.ack = o.ack;
  into.window = o.window;
  into.ipPayloadLength = o.ip_payload_length;
  into.tcpHeaderLength = o.tcp_header_length;
  into.mss = o.mss;
  into.windowScale = o.window_scale;
  into.sackPermitted = o.sack_permitted;
  into.sackCount = o.sack_blocks.length >> 1;
  into.sackBlocks.set(o.sack_blocks.slice(0, 8));
  into.hasTimestamps = o.has_timestamps;
  into.tsVal = o.ts_val;
  into.tsEcr = o.ts_ecr;
  into.interfaceId = o.interface_id;
  into.frameNumber = Number(o.frame_number); // toObject gives 64-bit values as strings
  return into;
}

/** `perConnection`: the packets share one connection, whose 5-tuple goes in the batch, once. */
export function encodeBatchPbjs(
  node: string,
  packets: PacketSummary[],
  interfaceNames: string[] = [],
  perConnection = false,
): Uint8Array {
  const encoded = packets.map(packetToPbjs);
  const batch: Record<string, unknown> = { node, interface_names: interfaceNames, packets: encoded };
  if (perConnection && encoded.length > 0) {
    for (const field of ['addr_a', 'addr_b', 'port_a', 'port_b']) {
      batch[field] = encoded[0][field];
      for (const packet of encoded) delete packet[field];
    }
  }
  return packetSummaryBatchType().encode(batch).finish();
}

export const PBJS_TO_OBJECT: protobuf.IConversionOptions = { longs: String, defaults: true, arrays: true };

export function decodeBatchPbjs(bytes: Uint8Array): PbjsObject {
  const type = packetSummaryBatchType();
  return type.toObject(type.decode(bytes), PBJS_TO_OBJECT);
}
