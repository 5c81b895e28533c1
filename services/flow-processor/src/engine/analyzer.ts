import { type PacketSummary, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '@tcpx/schemas';
import { REUSED_PORTS } from './analysis-flags.js';
import { accountPacket } from './connection-accounting.js';
import { BASE_SEQ_SET, CLOSED, ConnectionTable, IS_FIRST_ACK } from './connection-table.js';
import { analyzeSequence } from './sequence-analysis.js';
import { StateReader, StateWriter } from './state-codec.js';
import { UnackedSegments } from './unacked-segments.js';

/** Wireshark clamps the window-scale shift (RFC 7323 §2.3). */
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
  /** Capture time from which expire() may have work (a linger or sweep falls due). */
  private nextExpiryNs = Number.NEGATIVE_INFINITY;
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
    t.reportDue[slot] = 1;

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
    ta |= analyzeSequence(t, this.unacked, slot, f, r, flags, seq, ack, window, seglen, now);

    // Step 8: completeness. The SYN bit only from the packet that opened the conversation. 4.0.17
    // skips the other bits of that first packet in its first pass; tshark -2 (the value we report)
    // adds them while re-dissecting it, visible from the conversation's second packet on.
    let bits = 0;
    if (isNew && synOnly) bits |= seglen > 0 ? 1 | 8 : 1;
    let otherBits = 0;
    if (flags & TCP_SYN && flags & TCP_ACK) otherBits |= 2;
    if (flags & TCP_ACK && !(flags & TCP_SYN)) otherBits |= seglen > 0 ? 8 : 4;
    if (flags & TCP_FIN && flags & TCP_ACK) otherBits |= 16;
    if (flags & TCP_RST) otherBits |= 32;
    if (isNew) {
      t.firstPacketCompleteness[slot] = otherBits;
    } else {
      bits |= otherBits | t.firstPacketCompleteness[slot];
    }
    t.completeness[slot] |= bits;

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

    if (accountPacket(t, slot, side, f, r, flags, ack, window, seglen, ta, now) && this.closedLingerNs > 0) {
      this.closedQueue.push(slot, t.stream[slot]);
      if (now + this.closedLingerNs < this.nextExpiryNs) this.nextExpiryNs = now + this.closedLingerNs;
    }
    if (now >= this.nextExpiryNs || t.size > this.maxConnections) this.expire(now);
  }

  /**
   * The complete analysis state as bytes (a checkpoint): an analyzer restored from it and fed the
   * same following packets emits exactly what this one would. Options are configuration, not state.
   */
  snapshot(): Uint8Array {
    const w = new StateWriter();
    this.table.saveState(w);
    this.unacked.saveState(w);
    w.array('analyzer.closedQueue', Float64Array.from(this.closedQueue.slice(this.closedQueueHead)))
      .scalar('analyzer.nextStream', this.nextStream)
      .scalar('analyzer.baseSecond', this.baseSecond)
      .scalar('analyzer.lastSweepNs', this.lastSweepNs)
      .scalar('analyzer.nextExpiryNs', this.nextExpiryNs)
      .scalar('analyzer.latestNs', this.latestNs);
    return w.finish();
  }

  /** Replaces this analyzer's state by a snapshot()'s. */
  restore(bytes: Uint8Array): void {
    const r = new StateReader(bytes);
    this.table.loadState(r);
    this.unacked.loadState(r);
    this.closedQueue = Array.from(r.array('analyzer.closedQueue', Float64Array));
    this.closedQueueHead = 0;
    this.nextStream = r.scalar('analyzer.nextStream');
    this.baseSecond = r.scalar('analyzer.baseSecond');
    this.lastSweepNs = r.scalar('analyzer.lastSweepNs');
    this.nextExpiryNs = r.scalar('analyzer.nextExpiryNs');
    this.latestNs = r.scalar('analyzer.latestNs');
  }

  /** Latest capture time seen (ns relative to baseSecond); -Infinity before the first packet. */
  get latestTimeNs(): number {
    return this.latestNs;
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
    const sweepInterval = this.idleTimeoutNs / 4;
    if ((this.idleTimeoutNs > 0 && now - this.lastSweepNs >= sweepInterval) || t.size > this.maxConnections) {
      this.sweep(now);
    }
    // The earliest capture time at which there can be work again, so ingest() skips the checks.
    let next = this.idleTimeoutNs > 0 ? this.lastSweepNs + sweepInterval : Number.POSITIVE_INFINITY;
    if (this.closedQueueHead < this.closedQueue.length) {
      next = Math.min(next, t.lastNs[this.closedQueue[this.closedQueueHead]] + this.closedLingerNs);
    }
    this.nextExpiryNs = next;
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
}
