import { type PacketSummary, PacketSummaryBatchEncoder } from '@tcpx/schemas';

// A connection's open batch in FlowBatcher, and the direction-independent hash that finds it.

const INITIAL_ENCODER_BYTES = 512;

/** One connection's open batch. Endpoints are stored as first seen; matches() accepts both directions. */
export class OpenBatch {
  key = '';
  hash = 0;
  v6 = false;
  x0 = 0;
  x1 = 0;
  x2 = 0;
  x3 = 0;
  xPort = 0;
  y0 = 0;
  y1 = 0;
  y2 = 0;
  y3 = 0;
  yPort = 0;
  openedAt = 0;
  /** Encoder buffer size while pooled. */
  capacity = 0;
  /** Next batch with the same hash (collision chain). */
  sameHash: OpenBatch | null = null;
  /** Neighbours in opening order (oldest first), for the time flush. */
  older: OpenBatch | null = null;
  newer: OpenBatch | null = null;
  readonly encoder = new PacketSummaryBatchEncoder(INITIAL_ENCODER_BYTES);

  matches(p: PacketSummary): boolean {
    if ((p.ipVersion === 6) !== this.v6) return false;
    if (p.src3 === this.x3 && p.dst3 === this.y3 && p.srcPort === this.xPort && p.dstPort === this.yPort)
      return (
        p.src0 === this.x0 &&
        p.src1 === this.x1 &&
        p.src2 === this.x2 &&
        p.dst0 === this.y0 &&
        p.dst1 === this.y1 &&
        p.dst2 === this.y2
      );
    if (p.src3 === this.y3 && p.dst3 === this.x3 && p.srcPort === this.yPort && p.dstPort === this.xPort)
      return (
        p.src0 === this.y0 &&
        p.src1 === this.y1 &&
        p.src2 === this.y2 &&
        p.dst0 === this.x0 &&
        p.dst1 === this.x1 &&
        p.dst2 === this.x2
      );
    return false;
  }

  setEndpoints(p: PacketSummary): void {
    this.v6 = p.ipVersion === 6;
    this.x0 = p.src0;
    this.x1 = p.src1;
    this.x2 = p.src2;
    this.x3 = p.src3;
    this.xPort = p.srcPort;
    this.y0 = p.dst0;
    this.y1 = p.dst1;
    this.y2 = p.dst2;
    this.y3 = p.dst3;
    this.yPort = p.dstPort;
  }
}

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x5bd1e995);
  return h ^ (h >>> 15);
}

/** Direction-independent hash of the connection (the sum of the two endpoint hashes), a small integer. */
export function connectionHash(p: PacketSummary): number {
  const s = mix(mix(mix(mix(mix(0x2545f491, p.src0), p.src1), p.src2), p.src3), p.srcPort);
  const d = mix(mix(mix(mix(mix(0x2545f491, p.dst0), p.dst1), p.dst2), p.dst3), p.dstPort);
  return mix((s + d) | 0, p.ipVersion) & 0x3fffffff;
}
