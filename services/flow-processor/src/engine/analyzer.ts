import { type PacketSummary, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '@tcpx/schemas';
import {
  ACK_LOST_SEGMENT,
  ANY_RETRANSMISSION,
  COUNTER,
  DUPLICATE_ACK,
  FAST_RETRANSMISSION,
  FLAG_COUNTERS,
  KEEP_ALIVE,
  KEEP_ALIVE_ACK,
  LOST_SEGMENT,
  OUT_OF_ORDER,
  RETRANSMISSION,
  REUSED_PORTS,
  SPURIOUS_RETRANSMISSION,
  WINDOW_FULL,
  WINDOW_UPDATE,
  ZERO_WINDOW,
  ZERO_WINDOW_PROBE,
  ZERO_WINDOW_PROBE_ACK,
} from './analysis-flags.js';
import {
  BASE_SEQ_SET,
  CLOSED,
  ConnectionTable,
  FIN_ACKED,
  FIN_SENT,
  FIRST_SYN_ACK_FROM_B,
  FIRST_SYN_ACK_SEEN,
  FIRST_SYN_FROM_B,
  FIRST_SYN_SEEN,
  IS_FIRST_ACK,
  SENT_RST,
  SENT_SYN,
  SENT_SYN_ACK,
  toMicros,
} from './connection-table.js';
import { seqAdd, seqGreater, seqLess, seqLessOrEqual } from './sequence.js';
import { UnackedSegments } from './unacked-segments.js';

/** Wireshark's hard constants (tcp-analysis.md §5.5). */
const MAX_UNACKED_SEGMENTS = 10_000;
const FAST_RETRANSMISSION_WINDOW_NS = 20_000_000;
const DEFAULT_OUT_OF_ORDER_THRESHOLD_NS = 3_000_000;
const MAX_WINDOW_SHIFT = 14;

export type FlowEndReason = 'closed' | 'reused' | 'idle' | 'capacity' | 'flush';

export interface AnalyzerOptions {
  /**
   * A connection closed by FIN handshake or RST is kept this long (capture time) for its last
   * packets, then emitted. Wireshark keeps every connection for ever; 0 does the same (emit at flush).
   */
  closedLingerNs?: number;
  /** Emit and forget connections with no packet for this long (capture time); 0 = never. */
  idleTimeoutNs?: number;
  /** Upper bound on tracked connections; beyond it the least recently active are emitted. */
  maxConnections?: number;
}

/** Receives a finished connection; read it from `table` at `slot` before returning. */
export type FlowSink = (table: ConnectionTable, slot: number, reason: FlowEndReason) => void;

/**
 * The TCP analysis engine: Wireshark 4.0.17's sequence analysis (tcp-analysis.md §1–§5), fed one
 * PacketSummary at a time in capture order, keeping all state in a ConnectionTable.
 */
export class TcpAnalyzer {
  readonly table = new ConnectionTable();
  readonly unacked = new UnackedSegments();
  /** Next tcp.stream number. */
  private nextStream = 0;
  /** Capture seconds that relative ns times count from (set by the first packet). */
  baseSecond = Number.NaN;
  private readonly closedLingerNs: number;
  private readonly idleTimeoutNs: number;
  private readonly maxConnections: number;
  /** Closed connections waiting out their linger: slot and stream, in close order. */
  private closedQueue: number[] = [];
  private closedQueueHead = 0;
  private lastSweepNs = 0;
  private latestNs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sink: FlowSink,
    options: AnalyzerOptions = {},
  ) {
    this.closedLingerNs = options.closedLingerNs ?? 60e9;
    this.idleTimeoutNs = options.idleTimeoutNs ?? 0;
    this.maxConnections = options.maxConnections ?? 2_000_000;
  }

  /** Number of tracked (not yet emitted) connections. */
  get openConnections(): number {
    return this.table.size;
  }

  /** Capture time of `ns` (relative) as epoch microseconds. */
  toEpochMicros(ns: number): number {
    return this.baseSecond * 1e6 + Math.floor(ns / 1000);
  }

  ingest(p: PacketSummary): void {
    if (Number.isNaN(this.baseSecond)) this.baseSecond = p.tsSec;
    const now = (p.tsSec - this.baseSecond) * 1e9 + p.tsNsec;
    if (now > this.latestNs) this.latestNs = now;
    const t = this.table;
    const flags = p.flags;
    const seq = p.seq >>> 0;
    const ack = p.ack >>> 0;
    const window = p.window;
    const seglen = p.ipPayloadLength > p.tcpHeaderLength ? p.ipPayloadLength - p.tcpHeaderLength : 0;
    const synOnly = (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;

    // §1.2 step 1: find or create the conversation.
    let isNew = false;
    let slot = t.find(p);
    if (slot < 0) {
      slot = this.open(p, now);
      isNew = true;
    }
    let side = t.lastSide;
    let f = slot * 2 + side;
    let ta = 0;

    // Step 2: port reuse and SYN retransmission.
    if (!isNew && flags & TCP_SYN && t.directionBits[f] & BASE_SEQ_SET) {
      if (synOnly && seq !== t.baseSeq[f]) {
        this.finish(slot, 'reused');
        slot = this.open(p, now);
        side = t.lastSide;
        f = slot * 2 + side;
        isNew = true;
        t.completeness[slot] = 1;
        ta |= REUSED_PORTS;
      } else if (synOnly) {
        t.nextSeq[f] = t.maxSeqToBeAcked[f];
      } else if (seq !== t.baseSeq[f]) {
        t.baseSeq[f] = seq;
        ta |= REUSED_PORTS;
      }
    }
    const r = f ^ 1;
    t.lastNs[slot] = now;

    // Step 5: relative-sequence bases (used by the port-reuse test above).
    if (!(t.directionBits[f] & BASE_SEQ_SET)) {
      t.baseSeq[f] = flags & TCP_SYN ? seq : (seq - 1) >>> 0;
      t.directionBits[f] |= BASE_SEQ_SET;
    }
    if (flags & TCP_ACK && !(t.directionBits[r] & BASE_SEQ_SET)) {
      t.baseSeq[r] = (ack - 1) >>> 0;
      t.directionBits[r] |= BASE_SEQ_SET;
    }

    // Step 6: sequence analysis.
    ta |= this.analyzeSequence(slot, f, r, flags, seq, ack, window, seglen, now);

    // Step 8: completeness (4.0.17: the first packet of a conversation only contributes SYN/DATA).
    if (isNew) {
      if (synOnly) t.completeness[slot] |= seglen > 0 ? 1 | 8 : 1;
    } else {
      let bits = 0;
      if (flags & TCP_SYN && flags & TCP_ACK) bits |= 2;
      if (flags & TCP_ACK && !(flags & TCP_SYN)) bits |= seglen > 0 ? 8 : 4;
      if (flags & TCP_FIN && flags & TCP_ACK) bits |= 16;
      if (flags & TCP_RST) bits |= 32;
      t.completeness[slot] |= bits;
    }

    // Steps 9–11: SYN bookkeeping, initial RTT, first ACK.
    if (flags & TCP_SYN) {
      if (synOnly) t.mruSynNs[slot] = now;
      t.directionBits[f] |= IS_FIRST_ACK;
    }
    if ((flags & (TCP_SYN | TCP_ACK)) === TCP_ACK) {
      if (t.irttNs[slot] === 0 && t.mruSynNs[slot] !== Number.NEGATIVE_INFINITY) {
        t.irttNs[slot] = now - t.mruSynNs[slot];
      }
      t.directionBits[f] &= ~IS_FIRST_ACK;
    }

    // Steps 12 and 14: window scale option, then Wireshark's verify_tcp_window_scaling.
    if (p.windowScale >= 0) t.windowScale[f] = Math.min(p.windowScale, MAX_WINDOW_SHIFT);
    if (flags & TCP_SYN) {
      if (t.windowScale[f] === -1) {
        t.windowScale[f] = -2;
        t.windowScale[r] = -2;
      } else if (flags & TCP_ACK && t.windowScale[r] === -2) {
        t.windowScale[f] = -2;
      }
    }

    this.account(slot, side, f, r, flags, ack, window, seglen, ta, now);

    if (
      this.closedQueueHead < this.closedQueue.length ||
      this.idleTimeoutNs > 0 ||
      t.size > this.maxConnections
    ) {
      this.expire(now);
    }
  }

  /** Emits every tracked connection (end of input). */
  flush(): void {
    const slots: number[] = [];
    this.table.forEachSlot((slot) => slots.push(slot));
    slots.sort((a, b) => this.table.stream[a] - this.table.stream[b]);
    for (const slot of slots) this.finish(slot, 'flush');
    this.closedQueue = [];
    this.closedQueueHead = 0;
  }

  /**
   * Emits connections whose linger or idle time has passed at capture time `now` (ns, relative),
   * and the least recently active ones when over capacity. Live capture calls it from a timer.
   */
  expire(now: number = this.latestNs): void {
    const t = this.table;
    const queue = this.closedQueue;
    while (this.closedQueueHead < queue.length) {
      const slot = queue[this.closedQueueHead];
      const stream = queue[this.closedQueueHead + 1];
      if (t.stream[slot] !== stream || !(t.roleBits[slot] & CLOSED)) {
        this.closedQueueHead += 2; // already emitted (reused or evicted)
        continue;
      }
      if (now - t.lastNs[slot] < this.closedLingerNs) break;
      this.closedQueueHead += 2;
      this.finish(slot, 'closed');
    }
    if (this.closedQueueHead > 4096 && this.closedQueueHead * 2 > queue.length) {
      this.closedQueue = queue.slice(this.closedQueueHead);
      this.closedQueueHead = 0;
    }
    const idleDue = this.idleTimeoutNs > 0 && now - this.lastSweepNs >= this.idleTimeoutNs / 4;
    if (idleDue || t.size > this.maxConnections) this.sweep(now);
  }

  /** Idle timeout and capacity eviction: one pass over the table. */
  private sweep(now: number): void {
    const t = this.table;
    this.lastSweepNs = now;
    const victims: number[] = [];
    let cutoff = this.idleTimeoutNs > 0 ? now - this.idleTimeoutNs : Number.NEGATIVE_INFINITY;
    if (t.size > this.maxConnections) {
      // Evict down to 90 % of capacity, least recently active first.
      const lastTimes: number[] = [];
      t.forEachSlot((slot) => lastTimes.push(t.lastNs[slot]));
      lastTimes.sort((a, b) => a - b);
      const excess = t.size - Math.floor(this.maxConnections * 0.9);
      cutoff = Math.max(cutoff, lastTimes[excess - 1]);
    }
    t.forEachSlot((slot) => {
      if (t.lastNs[slot] <= cutoff) victims.push(slot);
    });
    const reason: FlowEndReason =
      this.idleTimeoutNs > 0 && cutoff === now - this.idleTimeoutNs ? 'idle' : 'capacity';
    for (const slot of victims) this.finish(slot, reason);
  }

  private open(p: PacketSummary, now: number): number {
    const slot = this.table.insert(p, this.nextStream++);
    this.table.firstNs[slot] = now;
    return slot;
  }

  private finish(slot: number, reason: FlowEndReason): void {
    this.sink(this.table, slot, reason);
    this.unacked.releaseList(this.table.unackedHead[slot * 2]);
    this.unacked.releaseList(this.table.unackedHead[slot * 2 + 1]);
    this.table.remove(slot);
  }

  /** tcp-analysis.md §2.1 (4.0.17), steps A–F; returns the packet's analysis flags. */
  private analyzeSequence(
    slot: number,
    f: number,
    r: number,
    flags: number,
    seq: number,
    ack: number,
    window: number,
    seglen: number,
    now: number,
  ): number {
    const t = this.table;
    const synFinRst = flags & (TCP_SYN | TCP_FIN | TCP_RST);
    const nextSeq = t.nextSeq[f];
    let ta = 0;

    // A. forward checks
    if (seglen === 1 && seq === nextSeq && t.window[r] === 0) {
      ta |= ZERO_WINDOW_PROBE;
    } else {
      if (window === 0 && !synFinRst) ta |= ZERO_WINDOW;
      if (nextSeq !== 0 && seqGreater(seq, nextSeq) && !(flags & TCP_RST)) ta |= LOST_SEGMENT;
      if (seglen <= 1 && seq === (nextSeq - 1) >>> 0 && !synFinRst) ta |= KEEP_ALIVE;
      const sameAckAndSeq = seglen === 0 && seq === nextSeq && ack === t.lastAck[f] && !synFinRst;
      if (sameAckAndSeq && window !== 0 && window !== t.window[f]) ta |= WINDOW_UPDATE;
      if (seglen > 0 && t.windowScale[r] !== -1 && !synFinRst) {
        const shift = t.directionBits[r] & IS_FIRST_ACK || t.windowScale[r] === -2 ? 0 : t.windowScale[r];
        const windowEdge = seqAdd(t.lastAck[r], (t.window[r] << shift) >>> 0);
        if (seqAdd(seq, seglen) === windowEdge) ta |= WINDOW_FULL;
      }
      if (sameAckAndSeq && window !== 0 && window === t.window[f] && t.lastSegmentFlags[r] & KEEP_ALIVE) {
        ta |= KEEP_ALIVE_ACK;
      } else if (
        sameAckAndSeq &&
        window === 0 &&
        t.window[f] === 0 &&
        t.lastSegmentFlags[r] & ZERO_WINDOW_PROBE
      ) {
        ta |= ZERO_WINDOW_PROBE_ACK;
      } else if (sameAckAndSeq && window !== 0 && window === t.window[f]) {
        t.dupAckCount[f] = t.dupAckCount[f] === 0xffffffff ? 1 : t.dupAckCount[f] + 1;
        ta |= DUPLICATE_ACK;
      }
    }
    // B. a changed ACK ends a run of duplicate ACKs
    if (ack !== t.lastAck[f]) t.dupAckCount[f] = 0;

    // C. ACK of data this capture never saw
    const reverseEdge = t.maxSeqToBeAcked[r];
    if (reverseEdge !== 0 && seqGreater(ack, reverseEdge) && flags & TCP_ACK) {
      if (seqLess(reverseEdge, t.nextSeq[r])) {
        t.maxSeqToBeAcked[r] = t.nextSeq[r];
        ta |= ACK_LOST_SEGMENT;
      } else {
        if (t.dupAckCount[r] === 0) ta |= ACK_LOST_SEGMENT;
        t.dupAckCount[r] = 0xffffffff; // 4.0.17 stores -1 in its unsigned counter
      }
    }

    // D. retransmission family, for segments that consume sequence space
    const synOrFin = flags & (TCP_SYN | TCP_FIN);
    if ((seglen > 0 || synOrFin) && !(ta & KEEP_ALIVE)) {
      let notAdvanced = nextSeq !== 0 && seqLess(seq, nextSeq);
      if (seglen > 1 && seq === (nextSeq - 1) >>> 0) notAdvanced = false; // data after a zero-window probe
      const peerAck = t.lastAck[r];
      if (seglen > 0 && peerAck !== 0 && seqLessOrEqual(seqAdd(seq, seglen), peerAck)) {
        ta |= SPURIOUS_RETRANSMISSION;
      } else if (notAdvanced) {
        const sinceReverse = now - t.lastAckNs[r];
        const sinceNextSeq = now - t.nextSeqNs[f];
        const irtt = t.irttNs[slot];
        const outOfOrderThreshold = irtt !== 0 ? irtt : DEFAULT_OUT_OF_ORDER_THRESHOLD_NS;
        const fast =
          t.dupAckCount[r] >= 2 &&
          peerAck === seq &&
          sinceReverse >= 0 &&
          sinceReverse < FAST_RETRANSMISSION_WINDOW_NS;
        const outOfOrder =
          sinceNextSeq >= 0 &&
          sinceNextSeq < outOfOrderThreshold &&
          nextSeq !== seqAdd(seq, seglen + (synOrFin ? 1 : 0));
        if (fast) ta |= FAST_RETRANSMISSION;
        else if (outOfOrder) ta |= OUT_OF_ORDER;
        else ta |= RETRANSMISSION;
      }
    }

    // E. state update
    let segmentEnd = seqAdd(seq, seglen);
    if ((seglen > 0 || synOrFin) && t.unackedCount[f] < MAX_UNACKED_SEGMENTS) {
      if (synOrFin) segmentEnd = seqAdd(segmentEnd, 1);
      t.unackedHead[f] = this.unacked.push(t.unackedHead[f], seq, segmentEnd, now);
      t.unackedCount[f]++;
    }
    if (!(ta & ZERO_WINDOW_PROBE)) {
      if (seqGreater(segmentEnd, t.nextSeq[f]) || t.nextSeq[f] === 0) {
        t.nextSeq[f] = segmentEnd;
        t.nextSeqNs[f] = now;
      }
      if (seq === t.maxSeqToBeAcked[f] || t.maxSeqToBeAcked[f] === 0) t.maxSeqToBeAcked[f] = t.nextSeq[f];
    }
    t.window[f] = window;
    t.lastAck[f] = ack;
    t.lastAckNs[f] = now;
    t.lastSegmentFlags[f] = ta;

    // F. ACK matching: the raw ACK field (even without the ACK flag) against the peer's segments.
    this.matchAck(slot, r, ack, now);
    return ta;
  }

  /** §4.2: walk the peer's unacked list newest → oldest; an exact end match is an RTT sample. */
  private matchAck(slot: number, r: number, ack: number, now: number): void {
    const t = this.table;
    const pool = this.unacked;
    let previous = -1;
    let entry = t.unackedHead[r];
    let sampleNs = -1;
    while (entry >= 0) {
      const entryEnd = pool.nextSeq[entry];
      const older = pool.next[entry];
      if (ack !== entryEnd) {
        if (seqGreater(ack, pool.seq[entry]) && seqLessOrEqual(ack, entryEnd)) {
          pool.seq[entry] = ack; // partial ACK (TSO/GRO): trimmed, no sample in 4.0.17
          previous = entry;
          entry = older;
          continue;
        }
        if (seqGreater(entryEnd, ack)) {
          previous = entry;
          entry = older;
          continue;
        }
      } else {
        sampleNs = now - pool.timeNs[entry]; // later (older) matches overwrite: oldest copy wins
      }
      // Acknowledged (exactly or wholly): drop it.
      if (previous < 0) t.unackedHead[r] = older;
      else pool.next[previous] = older;
      pool.release(entry);
      t.unackedCount[r]--;
      entry = older;
    }
    if (sampleNs >= 0) this.addRttSample(slot, sampleNs);
  }

  private addRttSample(slot: number, sampleNs: number): void {
    const t = this.table;
    const n = ++t.rttSamples[slot];
    const sampleUs = toMicros(sampleNs);
    if (n === 1 || sampleUs < t.rttMinUs[slot]) t.rttMinUs[slot] = sampleUs;
    if (n === 1 || sampleUs > t.rttMaxUs[slot]) t.rttMaxUs[slot] = sampleUs;
    // Welford's update, with the running mean derived from the exact integer-ns sum.
    const previousMean = n === 1 ? 0 : t.rttSumNs[slot] / (n - 1);
    t.rttSumNs[slot] += sampleNs;
    const mean = t.rttSumNs[slot] / n;
    t.rttM2[slot] += (sampleNs - previousMean) * (sampleNs - mean);
  }

  /** Per-connection totals and milestones that feed the record (not Wireshark state). */
  private account(
    slot: number,
    side: number,
    f: number,
    r: number,
    flags: number,
    ack: number,
    window: number,
    seglen: number,
    ta: number,
    now: number,
  ): void {
    const t = this.table;
    t.packets[f]++;
    t.payloadBytes[f] += seglen;
    if (flags & TCP_SYN) {
      if (t.synPackets[f] < 0xffff) t.synPackets[f]++;
    } else {
      const shift = t.windowScale[f];
      t.windowSum[f] += shift >= 0 ? window * 2 ** shift : window;
    }
    if (seglen > 0 || flags & (TCP_SYN | TCP_FIN)) t.seqSegments[slot]++;
    if (ta & ANY_RETRANSMISSION) {
      t.increment(slot, COUNTER.retransmissions);
      if (seglen > 0) t.increment(slot, COUNTER.retransmitted_bytes, seglen);
    }
    if (ta !== 0) {
      for (const [flag, counter] of FLAG_COUNTERS) if (ta & flag) t.increment(slot, counter);
    }

    const fromB = side === 1;
    if (flags & TCP_SYN) {
      if (!(flags & TCP_ACK)) {
        t.directionBits[f] |= SENT_SYN;
        if (!(t.roleBits[slot] & FIRST_SYN_SEEN)) {
          t.roleBits[slot] |= FIRST_SYN_SEEN | (fromB ? FIRST_SYN_FROM_B : 0);
          t.firstSynNs[slot] = now;
        }
      } else {
        t.directionBits[f] |= SENT_SYN_ACK;
        if (!(t.roleBits[slot] & FIRST_SYN_ACK_SEEN)) {
          t.roleBits[slot] |= FIRST_SYN_ACK_SEEN | (fromB ? FIRST_SYN_ACK_FROM_B : 0);
        }
      }
    }
    const firstSyn = t.firstSynNs[slot];
    if (firstSyn !== Number.NEGATIVE_INFINITY) {
      if ((flags & (TCP_SYN | TCP_ACK)) === TCP_ACK && Number.isNaN(t.handshakeUs[slot])) {
        t.handshakeUs[slot] = toMicros(now - firstSyn);
      }
      if (seglen > 0) {
        if (Number.isNaN(t.firstPayloadUs[slot])) t.firstPayloadUs[slot] = toMicros(now - firstSyn);
        const clientIsB = (t.roleBits[slot] & FIRST_SYN_FROM_B) !== 0;
        if (fromB !== clientIsB && Number.isNaN(t.firstServerPayloadUs[slot])) {
          t.firstServerPayloadUs[slot] = toMicros(now - firstSyn);
        }
      }
    }

    // Close tracking: FIN sent and acknowledged per direction, RST.
    if (flags & TCP_RST) {
      t.increment(slot, COUNTER.rst_count);
      t.directionBits[f] |= SENT_RST;
    }
    if (flags & TCP_FIN) {
      t.increment(slot, COUNTER.fin_count);
      t.directionBits[f] |= FIN_SENT;
    }
    // nextSeq of a direction that sent FIN ends just after the FIN.
    if (flags & TCP_ACK && t.directionBits[r] & FIN_SENT && seqLessOrEqual(t.nextSeq[r], ack)) {
      t.directionBits[r] |= FIN_ACKED;
    }
    if (!(t.roleBits[slot] & CLOSED)) {
      const bothFinsAcked = t.directionBits[f] & FIN_ACKED && t.directionBits[r] & FIN_ACKED;
      if (flags & TCP_RST || bothFinsAcked) {
        t.roleBits[slot] |= CLOSED;
        if (this.closedLingerNs > 0) this.closedQueue.push(slot, t.stream[slot]);
      }
    }
  }
}
