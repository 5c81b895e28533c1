import type { PacketSummary } from '@tcpx/schemas';
import { packetKey } from '@tcpx/schemas/kafka';
import { connectionHash, OpenBatch } from './open-batch.js';

export { connectionHash } from './open-batch.js';

// Groups packet summaries by connection (packetKey: node + canonical 5-tuple) into per-connection
// PacketSummaryBatch payloads, encoded as packets arrive. Pure and allocation-lean: a packet costs a
// numeric hash, a Map lookup and an encoder append; objects (and the key string) are made per
// batch, not per packet, and batches with their encoders are pooled.

export interface FlowBatcherOptions {
  node: string;
  interfaceNames?: readonly string[];
  /** A batch is ready when it holds this many packets (default 500). */
  maxBatchPackets?: number;
  /** …or when its oldest packet has waited this long, in ms of the clock passed in (default 100). */
  flushIntervalMs?: number;
  /** accept() refuses packets beyond this many held, open or drained-not-released (default 200k). */
  maxBufferedPackets?: number;
  /** Bytes of idle encoder buffers kept for reuse (default 64 MiB). */
  poolBytes?: number;
}

/** Receives a ready batch; `payload` is only valid during the call (copy it). Must not throw. */
export type BatchVisitor = (key: string, payload: Uint8Array, packets: number) => void;

export class FlowBatcher {
  readonly maxBatchPackets: number;
  readonly flushIntervalMs: number;
  readonly maxBufferedPackets: number;
  private readonly node: string;
  private readonly interfaceNames: readonly string[];
  private readonly byHash = new Map<number, OpenBatch>();
  private oldest: OpenBatch | null = null;
  private newest: OpenBatch | null = null;
  private full: OpenBatch[] = [];
  private readonly pool: OpenBatch[] = [];
  private pooledBytes = 0;
  private readonly poolBytes: number;
  private open = 0;
  private openPacketCount = 0;
  private held = 0;

  constructor(options: FlowBatcherOptions) {
    this.node = options.node;
    this.interfaceNames = options.interfaceNames ?? [];
    this.maxBatchPackets = options.maxBatchPackets ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxBufferedPackets = options.maxBufferedPackets ?? 200_000;
    this.poolBytes = options.poolBytes ?? 64 << 20;
    if (!(this.maxBatchPackets >= 1)) throw new Error('maxBatchPackets must be at least 1');
  }

  /** Packets accepted and not yet released: in open batches, plus drained ones not yet release()d. */
  get bufferedPackets(): number {
    return this.openPacketCount + this.held;
  }

  /** Packets in batches not yet drained. */
  get openPackets(): number {
    return this.openPacketCount;
  }

  /** Batches not yet drained (open or full). */
  get openBatches(): number {
    return this.open;
  }

  /** Whether a batch reached maxBatchPackets and waits for drain(). */
  get hasFullBatches(): boolean {
    return this.full.length > 0;
  }

  /** Clock time at which the oldest open batch becomes due (Infinity when there is none). */
  nextDueAt(): number {
    return this.oldest === null ? Number.POSITIVE_INFINITY : this.oldest.openedAt + this.flushIntervalMs;
  }

  /**
   * Encodes `p` (copied: the caller may reuse it) into its connection's batch. False, and nothing
   * kept, when the bound is reached, unless `overBound` (a caller that applies backpressure itself).
   */
  accept(p: PacketSummary, nowMs: number, overBound = false): boolean {
    if (!overBound && this.openPacketCount + this.held >= this.maxBufferedPackets) return false;
    const hash = connectionHash(p);
    let batch = this.byHash.get(hash) ?? null;
    while (batch !== null && !batch.matches(p)) batch = batch.sameHash;
    if (batch === null) batch = this.openBatch(p, hash, nowMs);
    batch.encoder.add(p);
    this.openPacketCount++;
    if (batch.encoder.count >= this.maxBatchPackets) {
      this.detach(batch);
      this.full.push(batch);
    }
    return true;
  }

  /**
   * Hands over the ready batches (full ones, then those due at `nowMs`, or all with `everything`),
   * oldest first, so a connection's batches come out in packet order. Their packets stay counted
   * as buffered until release().
   */
  drain(nowMs: number, visit: BatchVisitor, everything = false): number {
    let batches = 0;
    const full = this.full;
    if (full.length > 0) {
      this.full = [];
      for (const b of full) this.emit(b, visit);
      batches += full.length;
    }
    const dueBefore = nowMs - this.flushIntervalMs;
    while (this.oldest !== null && (everything || this.oldest.openedAt <= dueBefore)) {
      const b = this.oldest;
      this.detach(b);
      this.emit(b, visit);
      batches++;
    }
    return batches;
  }

  /** Marks `packets` drained packets as delivered (or given up), making room under the bound. */
  release(packets: number): void {
    this.held -= packets;
    if (this.held < 0) throw new Error('FlowBatcher.release: more packets released than drained');
  }

  private openBatch(p: PacketSummary, hash: number, nowMs: number): OpenBatch {
    let b = this.pool.pop();
    if (b) this.pooledBytes -= b.capacity;
    else b = new OpenBatch();
    b.setEndpoints(p);
    b.key = packetKey(this.node, p);
    b.hash = hash;
    b.openedAt = nowMs;
    b.encoder.begin(this.node, this.interfaceNames, p); // the 5-tuple once, not in every packet
    b.sameHash = this.byHash.get(hash) ?? null;
    this.byHash.set(hash, b);
    b.older = this.newest;
    b.newer = null;
    if (this.newest) this.newest.newer = b;
    else this.oldest = b;
    this.newest = b;
    this.open++;
    return b;
  }

  /** Takes an open batch out of the hash table and the age list (it stays counted as open). */
  private detach(b: OpenBatch): void {
    const head = this.byHash.get(b.hash)!;
    if (head === b) {
      if (b.sameHash) this.byHash.set(b.hash, b.sameHash);
      else this.byHash.delete(b.hash);
    } else {
      let prev = head;
      while (prev.sameHash !== b) prev = prev.sameHash!;
      prev.sameHash = b.sameHash;
    }
    b.sameHash = null;
    if (b.older) b.older.newer = b.newer;
    else this.oldest = b.newer;
    if (b.newer) b.newer.older = b.older;
    else this.newest = b.older;
    b.older = b.newer = null;
  }

  private emit(b: OpenBatch, visit: BatchVisitor): void {
    const packets = b.encoder.count;
    this.open--;
    this.openPacketCount -= packets;
    this.held += packets;
    const payload = b.encoder.peek();
    try {
      visit(b.key, payload, packets);
    } finally {
      // peek() views the encoder's whole buffer: its size is what pooling keeps alive.
      this.recycle(b, payload.buffer.byteLength);
    }
  }

  private recycle(b: OpenBatch, capacity: number): void {
    b.key = '';
    if (this.pooledBytes + capacity > this.poolBytes) return;
    b.capacity = capacity;
    this.pooledBytes += capacity;
    this.pool.push(b);
  }
}
