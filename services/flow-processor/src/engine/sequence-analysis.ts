import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '@tcpx/schemas';
import {
  ACK_LOST_SEGMENT,
  COUNTER,
  DUPLICATE_ACK,
  FAST_RETRANSMISSION,
  KEEP_ALIVE,
  KEEP_ALIVE_ACK,
  LOST_SEGMENT,
  OUT_OF_ORDER,
  RETRANSMISSION,
  SPURIOUS_RETRANSMISSION,
  WINDOW_FULL,
  WINDOW_UPDATE,
  ZERO_WINDOW,
  ZERO_WINDOW_PROBE,
  ZERO_WINDOW_PROBE_ACK,
} from './analysis-flags.js';
import {
  addSquare,
  type ConnectionTable,
  HAS_ANALYSIS_RECORD,
  IS_FIRST_ACK,
  LAST_WAS_KEEP_ALIVE,
  LAST_WAS_ZERO_WINDOW_PROBE,
  toMicros,
} from './connection-table.js';
import { seqAdd, seqGreater, seqLess, seqLessOrEqual } from './sequence.js';
import type { UnackedSegments } from './unacked-segments.js';

/** Wireshark's hard constants (tcp-analysis.md §5.5). */
const MAX_UNACKED_SEGMENTS = 10_000;
const FAST_RETRANSMISSION_WINDOW_NS = 20_000_000;
const DEFAULT_OUT_OF_ORDER_THRESHOLD_NS = 3_000_000;

/** tcp-analysis.md §2.1 (4.0.17), steps A–F; returns the packet's analysis flags. */
export function analyzeSequence(
  t: ConnectionTable,
  unacked: UnackedSegments,
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
    if (sameAckAndSeq && window !== 0 && window === t.window[f] && t.directionBits[r] & LAST_WAS_KEEP_ALIVE) {
      ta |= KEEP_ALIVE_ACK;
    } else if (
      sameAckAndSeq &&
      window === 0 &&
      t.window[f] === 0 &&
      t.directionBits[r] & LAST_WAS_ZERO_WINDOW_PROBE
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
    t.unackedHead[f] = unacked.push(t.unackedHead[f], seq, segmentEnd, now);
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
  let lastSegment = t.directionBits[f] & ~(LAST_WAS_KEEP_ALIVE | LAST_WAS_ZERO_WINDOW_PROBE);
  if (ta & KEEP_ALIVE) lastSegment |= LAST_WAS_KEEP_ALIVE;
  if (ta & ZERO_WINDOW_PROBE) lastSegment |= LAST_WAS_ZERO_WINDOW_PROBE;
  t.directionBits[f] = lastSegment;

  // F. ACK matching: the raw ACK field (even without the ACK flag) against the peer's segments.
  matchAck(t, unacked, slot, r, ack, now);
  return ta;
}

/** §4.2: walk the peer's unacked list newest → oldest; an exact end match is an RTT sample. */
function matchAck(
  t: ConnectionTable,
  pool: UnackedSegments,
  slot: number,
  r: number,
  ack: number,
  now: number,
): void {
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
  if (sampleNs >= 0) addRttSample(t, slot, sampleNs);
}

function addRttSample(t: ConnectionTable, slot: number, sampleNs: number): void {
  t.roleBits[slot] |= HAS_ANALYSIS_RECORD;
  const n = ++t.rttSamples[slot];
  const sampleUs = toMicros(sampleNs);
  if (n === 1 || sampleUs < t.rttMinUs[slot]) t.rttMinUs[slot] = sampleUs;
  if (n === 1 || sampleUs > t.rttMaxUs[slot]) t.rttMaxUs[slot] = sampleUs;
  t.rttSumNs[slot] += sampleNs;
  const low = addSquare(t.rttSumSquares, slot, sampleNs);
  if (low !== 0) t.increment(slot, COUNTER.rtt_square_sum_low, low);
}
