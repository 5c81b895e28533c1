import type { PacketSummary } from '@tcpx/schemas';
import { COUNTER_COUNT, COUNTER_COUNT_BEFORE_RTT_SQUARES } from './analysis-flags.js';
import { Growable } from './growable.js';
import { Ipv6Addresses } from './ipv6-addresses.js';
import type { StateReader, StateWriter } from './state-codec.js';

/** Bits of `directionBits`. */
export const BASE_SEQ_SET = 1;
export const IS_FIRST_ACK = 2;
export const FIN_SENT = 4;
export const FIN_ACKED = 8;
/** This direction's previous packet was a keep-alive / a zero-window probe (Wireshark's lastsegmentflags). */
export const LAST_WAS_KEEP_ALIVE = 16;
export const SENT_SYN_ACK = 32;
export const SENT_RST = 64;
export const LAST_WAS_ZERO_WINDOW_PROBE = 128;

/** Bits of `roleBits`: who opened the connection, as far as the packets tell. */
export const FIRST_SYN_FROM_B = 1;
export const FIRST_SYN_SEEN = 2;
export const FIRST_SYN_ACK_FROM_B = 4;
export const FIRST_SYN_ACK_SEEN = 8;
export const FIRST_PACKET_FROM_B = 16;
export const IPV6 = 32;
export const CLOSED = 64;
/**
 * Some packet got a Wireshark analysis record (a flag, an RTT sample, or payload: bytes in
 * flight). tshark displays tcp.analysis.initial_rtt only on such packets, so without one the
 * connection's iRTT is never shown.
 */
export const HAS_ANALYSIS_RECORD = 128;

/** Nanoseconds → whole µs, rounded half up. */
export const toMicros = (ns: number): number => Math.round(ns / 1000);

const DEKKER_SPLIT = 134217729; // 2^27 + 1

/**
 * Adds x² (x: a whole number of ns) to `hi[slot]` and returns what that float sum could not hold,
 * for the caller's low part: hi + Σ returns is Σx² exactly. Dekker's product gives x² as p + e,
 * Knuth's two-sum adds p to hi; both errors are whole numbers, 0 while Σx² < 2^53, and a float
 * low part sums them exactly while below 2^53 (near ulp(hi) × samples: any realistic connection).
 */
export function addSquare(hi: Float64Array, slot: number, x: number): number {
  const p = x * x;
  const c = DEKKER_SPLIT * x;
  const xHigh = c - (c - x);
  const xLow = x - xHigh;
  const e = xHigh * xHigh - p + 2 * xHigh * xLow + xLow * xLow;
  const before = hi[slot];
  const sum = before + p;
  const virtual = sum - before;
  hi[slot] = sum;
  return before - (sum - virtual) + (p - virtual) + e;
}

/**
 * The population standard deviation of `count` whole-ns samples in µs, rounded half up exactly,
 * from their exact sum and exact sum of squares (hi + lo). n² · variance = n · Σx² − (Σx)² is an
 * integer; the float estimate is then corrected against the exact half-µs bounds.
 */
export function stddevMicros(count: number, sumNs: number, sumSqHi: number, sumSqLo: number): number {
  if (count < 2) return 0;
  const n = BigInt(count);
  const q = n * (BigInt(sumSqHi) + BigInt(sumSqLo)) - BigInt(sumNs) ** 2n;
  if (q <= 0n) return 0;
  // sqrt(q) / (1000 n) rounds to r when ((2r - 1) · 500 n)² ≤ q < ((2r + 1) · 500 n)².
  const bound = (r: number) => (BigInt(2 * r - 1) * 500n * n) ** 2n;
  let r = Math.round(Math.sqrt(Number(q)) / (1000 * count));
  while (r > 0 && q < bound(r)) r--;
  while (q >= bound(r + 1)) r++;
  return r;
}

/**
 * round(total / count / 1000) for integer ns totals, half up, in exact integer arithmetic (a float
 * division can land a hair below an exact .5 and round the wrong way).
 */
export function meanMicros(totalNs: number, count: number): number {
  const divisor = count * 1000;
  const quotient = Math.floor(totalNs / divisor);
  const remainder = totalNs - quotient * divisor;
  return remainder * 2 >= divisor ? quotient + 1 : quotient;
}

/** A "no time yet" value that makes every elapsed-time test fail, like Wireshark's zeroed nstime. */
export const NEVER = Number.NEGATIVE_INFINITY;

/**
 * All tracked connections, one slot each (struct of arrays). A connection has two direction
 * slots, `2*slot` (sent by endpoint A) and `2*slot+1` (sent by B); A is the lower (address, port),
 * so both directions of a packet's 4-tuple find the same slot.
 */
export class ConnectionTable extends Growable {
  // ---- identity ------------------------------------------------------------------------------
  /** IPv4: addresses of A and B. IPv6: word 0 is the pair's entry in `ipv6`. */
  address = this.column(Uint32Array, 'address', 2);
  /** portA << 16 | portB */
  ports = this.column(Uint32Array, 'ports');
  stream = this.column(Uint32Array, 'stream');
  roleBits = this.column(Uint8Array, 'roleBits');
  completeness = this.column(Uint8Array, 'completeness');
  /** Completeness bits of the first packet, which only count once a second packet exists. */
  firstPacketCompleteness = this.column(Uint8Array, 'firstPacketCompleteness');
  /** Hash-chain link of the flow index; -1 ends the chain (also links free slots). */
  chain = this.column(Int32Array, 'chain', 1, -1);

  // ---- times, ns relative to the analyzer's base second ----------------------------------------
  firstNs = this.column(Float64Array, 'firstNs');
  lastNs = this.column(Float64Array, 'lastNs');
  /** Most recent pure SYN (iRTT reference); NEVER when none. */
  mruSynNs = this.column(Float64Array, 'mruSynNs', 1, NEVER);
  /** Wireshark's iRTT, 0 = not set (Wireshark's own sentinel, kept for parity). */
  irttNs = this.column(Float64Array, 'irttNs');
  firstSynNs = this.column(Float64Array, 'firstSynNs', 1, NEVER);
  /** Milestones after the first SYN in whole µs (rounded once), NaN until reached. */
  handshakeUs = this.column(Float64Array, 'handshakeUs', 1, Number.NaN);
  firstPayloadUs = this.column(Float64Array, 'firstPayloadUs', 1, Number.NaN);
  firstServerPayloadUs = this.column(Float64Array, 'firstServerPayloadUs', 1, Number.NaN);

  // ---- RTT samples (tcp.analysis.ack_rtt) -----------------------------------------------------
  rttSamples = this.column(Uint32Array, 'rttSamples');
  /** Rounded to µs on the way in: the minimum of rounded samples is the rounded minimum. */
  rttMinUs = this.column(Float64Array, 'rttMinUs');
  rttMaxUs = this.column(Float64Array, 'rttMaxUs');
  rttSumNs = this.column(Float64Array, 'rttSumNs');
  /**
   * Σ sample² in ns², exactly, with the counter rtt_square_sum_low (see addSquare): jitter rounds
   * the exact standard deviation, where a running float one (Welford's) can land a hair below an
   * exact half µs, which µs-resolution captures hit often.
   */
  rttSumSquares = this.column(Float64Array, 'rttSumSquares');

  seqSegments = this.column(Uint32Array, 'seqSegments');
  /** 1 once a packet arrived since the connection was last reported in an interim record (a byte, not a count: memory). */
  reportDue = this.column(Uint8Array, 'reportDue');
  /** Index of this connection's counter block, -1 while every counter is zero (most connections). */
  counterBlock = this.column(Int32Array, 'counterBlock', 1, -1);

  // ---- per direction (index 2*slot + side) ----------------------------------------------------
  directionBits = this.column(Uint8Array, 'directionBits', 2);
  baseSeq = this.column(Uint32Array, 'baseSeq', 2);
  /** −1 unknown, −2 no scaling, else shift. */
  windowScale = this.column(Int8Array, 'windowScale', 2, -1);
  /** Last raw window sent; 0xFFFFFFFF = none yet (Wireshark's sentinel). */
  window = this.column(Uint32Array, 'window', 2, 0xffffffff);
  nextSeq = this.column(Uint32Array, 'nextSeq', 2);
  nextSeqNs = this.column(Float64Array, 'nextSeqNs', 2, NEVER);
  maxSeqToBeAcked = this.column(Uint32Array, 'maxSeqToBeAcked', 2);
  lastAck = this.column(Uint32Array, 'lastAck', 2);
  lastAckNs = this.column(Float64Array, 'lastAckNs', 2, NEVER);
  dupAckCount = this.column(Uint32Array, 'dupAckCount', 2);
  unackedHead = this.column(Int32Array, 'unackedHead', 2, -1);
  unackedCount = this.column(Uint16Array, 'unackedCount', 2);
  packets = this.column(Uint32Array, 'packets', 2);
  payloadBytes = this.column(Float64Array, 'payloadBytes', 2);
  windowSum = this.column(Float64Array, 'windowSum', 2);
  /**
   * SYN packets sent: the rest of `packets` carry a window that counts. Saturates at 255 (Linux
   * gives up after tcp_syn_retries ≤ 127 re-sends; a new ISN is a new connection anyway).
   */
  synPackets = this.column(Uint8Array, 'synPackets', 2);

  /** Counter blocks: COUNTER_COUNT numbers each (float64: retransmitted bytes can pass 4 GiB). */
  counters = new Float64Array(1024 * COUNTER_COUNT);
  readonly ipv6 = new Ipv6Addresses();
  private counterBlocksUsed = 0;
  private freeCounterBlocks: number[] = [];

  private buckets: Int32Array;
  private bucketMask: number;
  private freeSlot = -1;
  private slotsUsed = 0;
  /** Connections currently tracked. */
  size = 0;

  constructor(initialCapacity = 1024) {
    super(initialCapacity);
    this.buckets = new Int32Array(initialCapacity).fill(-1);
    this.bucketMask = this.buckets.length - 1;
  }

  /** Finds the tracked connection of this packet's 4-tuple, or -1. Sets `lastSide` (0: sent by A). */
  find(p: PacketSummary): number {
    let slot = this.buckets[hashTuple(p) & this.bucketMask];
    while (slot >= 0) {
      const side = this.sideOf(slot, p);
      if (side >= 0) {
        this.lastSide = side;
        return slot;
      }
      slot = this.chain[slot];
    }
    return -1;
  }

  /** Side of the packet's sender within `slot` (0 = A, 1 = B), or -1 if the tuple differs. */
  sideOf(slot: number, p: PacketSummary): number {
    const ports = this.ports[slot];
    const portA = ports >>> 16;
    const portB = ports & 0xffff;
    const forward = p.srcPort === portA && p.dstPort === portB;
    if (!forward && !(p.srcPort === portB && p.dstPort === portA)) return -1;
    const isIpv6 = (this.roleBits[slot] & IPV6) !== 0;
    if (p.ipVersion === 4) {
      if (isIpv6) return -1;
      const a = this.address[slot * 2];
      const b = this.address[slot * 2 + 1];
      if (forward && a === p.src3 && b === p.dst3) return 0;
      return !forward || portA === portB ? (a === p.dst3 && b === p.src3 ? 1 : -1) : -1;
    }
    if (!isIpv6) return -1;
    const w = this.ipv6.words;
    const e = this.address[slot * 2] * 8;
    const senderIsA =
      w[e] === p.src0 &&
      w[e + 1] === p.src1 &&
      w[e + 2] === p.src2 &&
      w[e + 3] === p.src3 &&
      w[e + 4] === p.dst0 &&
      w[e + 5] === p.dst1 &&
      w[e + 6] === p.dst2 &&
      w[e + 7] === p.dst3;
    if (forward && senderIsA) return 0;
    const senderIsB =
      w[e] === p.dst0 &&
      w[e + 1] === p.dst1 &&
      w[e + 2] === p.dst2 &&
      w[e + 3] === p.dst3 &&
      w[e + 4] === p.src0 &&
      w[e + 5] === p.src1 &&
      w[e + 6] === p.src2 &&
      w[e + 7] === p.src3;
    return senderIsB && (!forward || portA === portB) ? 1 : -1;
  }

  /** The four address words of endpoint `side` (IPv4: three zeros and the address). */
  addressWords(slot: number, side: number): [number, number, number, number] {
    if (!(this.roleBits[slot] & IPV6)) return [0, 0, 0, this.address[slot * 2 + side]];
    const e = this.address[slot * 2] * 8 + side * 4;
    const w = this.ipv6.words;
    return [w[e], w[e + 1], w[e + 2], w[e + 3]];
  }

  lastSide = 0;

  /** Starts tracking the packet's 4-tuple in a fresh slot; returns the slot, `lastSide` set. */
  insert(p: PacketSummary, stream: number): number {
    const slot = this.allocateSlot();
    const senderIsA = compareEndpoints(p) <= 0;
    if (p.ipVersion === 4) {
      this.address[slot * 2] = senderIsA ? p.src3 : p.dst3;
      this.address[slot * 2 + 1] = senderIsA ? p.dst3 : p.src3;
    } else {
      const entry = this.ipv6.allocate();
      this.address[slot * 2] = entry;
      const w = this.ipv6.words;
      const a = entry * 8 + (senderIsA ? 0 : 4);
      const b = entry * 8 + (senderIsA ? 4 : 0);
      w[a] = p.src0;
      w[a + 1] = p.src1;
      w[a + 2] = p.src2;
      w[a + 3] = p.src3;
      w[b] = p.dst0;
      w[b + 1] = p.dst1;
      w[b + 2] = p.dst2;
      w[b + 3] = p.dst3;
    }
    this.ports[slot] = senderIsA
      ? ((p.srcPort << 16) | p.dstPort) >>> 0
      : ((p.dstPort << 16) | p.srcPort) >>> 0;
    this.stream[slot] = stream;
    this.roleBits[slot] = (p.ipVersion === 6 ? IPV6 : 0) | (senderIsA ? 0 : FIRST_PACKET_FROM_B);
    const bucket = hashTuple(p) & this.bucketMask;
    this.chain[slot] = this.buckets[bucket];
    this.buckets[bucket] = slot;
    this.size++;
    this.lastSide = senderIsA ? 0 : 1;
    if (this.size > this.buckets.length) this.rehash();
    return slot;
  }

  /** Stops tracking `slot` and resets its columns for reuse. */
  remove(slot: number): void {
    const bucket = this.hashSlot(slot) & this.bucketMask;
    let previous = -1;
    let current = this.buckets[bucket];
    while (current >= 0 && current !== slot) {
      previous = current;
      current = this.chain[current];
    }
    if (current !== slot) throw new Error(`flow index corrupt: slot ${slot} not in its bucket`);
    if (previous < 0) this.buckets[bucket] = this.chain[slot];
    else this.chain[previous] = this.chain[slot];
    const block = this.counterBlock[slot];
    if (block >= 0) {
      this.counters.fill(0, block * COUNTER_COUNT, (block + 1) * COUNTER_COUNT);
      this.freeCounterBlocks.push(block);
    }
    if (this.roleBits[slot] & IPV6) this.ipv6.release(this.address[slot * 2]);
    this.clearSlot(slot);
    this.chain[slot] = this.freeSlot;
    this.freeSlot = slot;
    this.size--;
  }

  /** Adds `amount` to counter `counter` of `slot`, allocating its block on first use. */
  increment(slot: number, counter: number, amount = 1): void {
    let block = this.counterBlock[slot];
    if (block < 0) {
      block = this.freeCounterBlocks.pop() ?? this.counterBlocksUsed++;
      if ((block + 1) * COUNTER_COUNT > this.counters.length) {
        const grown = new Float64Array(this.counters.length * 2);
        grown.set(this.counters);
        this.counters = grown;
      }
      this.counterBlock[slot] = block;
    }
    this.counters[block * COUNTER_COUNT + counter] += amount;
  }

  counter(slot: number, counter: number): number {
    const block = this.counterBlock[slot];
    return block < 0 ? 0 : this.counters[block * COUNTER_COUNT + counter];
  }

  /** Calls `visit` for every tracked slot. */
  forEachSlot(visit: (slot: number) => void): void {
    const live = new Uint8Array(this.slotsUsed);
    for (const head of this.buckets) {
      for (let slot = head; slot >= 0; slot = this.chain[slot]) live[slot] = 1;
    }
    for (let slot = 0; slot < this.slotsUsed; slot++) if (live[slot]) visit(slot);
  }

  /** Writes the whole table, free lists included, so a restored table behaves identically. */
  saveState(w: StateWriter): void {
    this.saveColumns(w, 'table', this.slotsUsed);
    w.array('table.counters', this.counters, this.counterBlocksUsed * COUNTER_COUNT)
      .array('table.freeCounterBlocks', Int32Array.from(this.freeCounterBlocks))
      .array('table.buckets', this.buckets)
      .scalar('table.slotsUsed', this.slotsUsed)
      .scalar('table.freeSlot', this.freeSlot)
      .scalar('table.size', this.size)
      .scalar('table.counterBlocksUsed', this.counterBlocksUsed);
    this.ipv6.saveState(w);
  }

  loadState(r: StateReader): void {
    this.slotsUsed = r.scalar('table.slotsUsed');
    this.freeSlot = r.scalar('table.freeSlot');
    this.size = r.scalar('table.size');
    this.counterBlocksUsed = r.scalar('table.counterBlocksUsed');
    this.loadColumns(r, 'table', Math.max(1024, Math.ceil(this.slotsUsed * 1.25)));
    const counters = this.restride(r.array('table.counters', Float64Array));
    this.counters = new Float64Array(Math.max(1024 * COUNTER_COUNT, counters.length * 2));
    this.counters.set(counters);
    this.freeCounterBlocks = Array.from(r.array('table.freeCounterBlocks', Int32Array));
    this.buckets = r.array('table.buckets', Int32Array);
    this.bucketMask = this.buckets.length - 1;
    this.ipv6.loadState(r);
  }

  /**
   * Columns older snapshots lack, from what they kept: reportDue from the packet count at the last
   * report; rttSumSquares from Welford's rttM2 as Σx² = M2 + (Σx)²/n, in floats, so the jitter of
   * connections open across that upgrade may be off by one µs.
   */
  protected override missingColumn(r: StateReader, prefix: string, name: string): Float64Array | Uint8Array {
    if (name === 'reportDue' && r.has(`${prefix}.reportedPackets`)) {
      // Snapshots before reportDue kept the packet count at the last report: due when it differs.
      const reported = r.array(`${prefix}.reportedPackets`, Uint32Array);
      const packets = r.array(`${prefix}.packets`, Uint32Array);
      const due = new Uint8Array(reported.length);
      for (let slot = 0; slot < reported.length; slot++)
        due[slot] = packets[slot * 2] + packets[slot * 2 + 1] === reported[slot] ? 0 : 1;
      return due;
    }
    if (name !== 'rttSumSquares' || !r.has(`${prefix}.rttM2`))
      return super.missingColumn(r, prefix, name) as Float64Array;
    const m2 = r.array(`${prefix}.rttM2`, Float64Array);
    const sums = r.array(`${prefix}.rttSumNs`, Float64Array);
    const samples = r.array(`${prefix}.rttSamples`, Uint32Array);
    return m2.map((v, slot) =>
      samples[slot] === 0 ? 0 : Math.round(v + (sums[slot] * sums[slot]) / samples[slot]),
    );
  }

  /** Counter blocks of an older snapshot, with fewer counters each, widened to COUNTER_COUNT. */
  private restride(counters: Float64Array): Float64Array {
    const blocks = this.counterBlocksUsed;
    if (blocks === 0 || counters.length === blocks * COUNTER_COUNT) return counters;
    if (counters.length !== blocks * COUNTER_COUNT_BEFORE_RTT_SQUARES)
      throw new Error(`snapshot counters: ${counters.length} numbers for ${blocks} blocks`);
    const out = new Float64Array(blocks * COUNTER_COUNT);
    for (let b = 0; b < blocks; b++) {
      const from = b * COUNTER_COUNT_BEFORE_RTT_SQUARES;
      out.set(counters.subarray(from, from + COUNTER_COUNT_BEFORE_RTT_SQUARES), b * COUNTER_COUNT);
    }
    return out;
  }

  /** Bytes of all state, for the memory benchmark. */
  override byteSize(): number {
    return super.byteSize() + this.counters.byteLength + this.buckets.byteLength + this.ipv6.byteSize();
  }

  private allocateSlot(): number {
    if (this.freeSlot >= 0) {
      const slot = this.freeSlot;
      this.freeSlot = this.chain[slot];
      return slot;
    }
    // 1.25: less idle capacity than doubling, at the price of a few more copies while filling.
    if (this.slotsUsed === this.capacity) this.grow(Math.ceil(this.capacity * 1.25));
    return this.slotsUsed++;
  }

  private hashSlot(slot: number): number {
    const [a0, a1, a2, a3] = this.addressWords(slot, 0);
    const [b0, b1, b2, b3] = this.addressWords(slot, 1);
    const ports = this.ports[slot];
    return mix(a0 ^ a1 ^ a2 ^ a3, b0 ^ b1 ^ b2 ^ b3, (ports >>> 16) ^ (ports & 0xffff));
  }

  private rehash(): void {
    const buckets = new Int32Array(this.buckets.length * 2).fill(-1);
    const mask = buckets.length - 1;
    const live: number[] = [];
    for (const head of this.buckets) {
      for (let slot = head; slot >= 0; slot = this.chain[slot]) live.push(slot);
    }
    for (const slot of live) {
      const bucket = this.hashSlot(slot) & mask;
      this.chain[slot] = buckets[bucket];
      buckets[bucket] = slot;
    }
    this.buckets = buckets;
    this.bucketMask = mask;
  }
}

/** Direction-independent hash of a packet's 4-tuple. */
function hashTuple(p: PacketSummary): number {
  return mix(p.src0 ^ p.src1 ^ p.src2 ^ p.src3, p.dst0 ^ p.dst1 ^ p.dst2 ^ p.dst3, p.srcPort ^ p.dstPort);
}

function mix(addressA: number, addressB: number, ports: number): number {
  // XOR keeps it symmetric in the two endpoints; the multiplications spread the bits.
  let h = Math.imul(addressA ^ addressB, 0x9e3779b1) ^ Math.imul(ports + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Wireshark's endpoint order: addresses first (as unsigned big-endian words), then ports. */
function compareEndpoints(p: PacketSummary): number {
  if (p.src0 !== p.dst0) return p.src0 < p.dst0 ? -1 : 1;
  if (p.src1 !== p.dst1) return p.src1 < p.dst1 ? -1 : 1;
  if (p.src2 !== p.dst2) return p.src2 < p.dst2 ? -1 : 1;
  if (p.src3 !== p.dst3) return p.src3 < p.dst3 ? -1 : 1;
  return p.srcPort - p.dstPort;
}
