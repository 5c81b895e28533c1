import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '@tcpx/schemas';
import { ANY_RETRANSMISSION, COUNTER, FLAG_COUNTERS } from './analysis-flags.js';
import {
  CLOSED,
  type ConnectionTable,
  FIN_ACKED,
  FIN_SENT,
  FIRST_SYN_ACK_FROM_B,
  FIRST_SYN_ACK_SEEN,
  FIRST_SYN_FROM_B,
  FIRST_SYN_SEEN,
  HAS_ANALYSIS_RECORD,
  SENT_RST,
  SENT_SYN_ACK,
  toMicros,
} from './connection-table.js';
import { seqLessOrEqual } from './sequence.js';

/**
 * Per-connection totals and milestones that feed the record (not Wireshark state). Returns true
 * when this packet closed the connection (RST, or both FINs acknowledged).
 */
export function accountPacket(
  t: ConnectionTable,
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
): boolean {
  t.packets[f]++;
  t.payloadBytes[f] += seglen;
  if (flags & TCP_SYN) {
    if (t.synPackets[f] < 0xff) t.synPackets[f]++;
  } else {
    const shift = t.windowScale[f];
    t.windowSum[f] += shift >= 0 ? window << shift : window; // ≤ 2^30: int32-safe
  }
  if (seglen > 0 || flags & (TCP_SYN | TCP_FIN)) t.seqSegments[slot]++;
  if (ta & ANY_RETRANSMISSION) {
    t.increment(slot, COUNTER.retransmissions);
    if (seglen > 0) t.increment(slot, COUNTER.retransmitted_bytes, seglen);
  }
  if (ta !== 0 || seglen > 0) t.roleBits[slot] |= HAS_ANALYSIS_RECORD;
  if (ta !== 0) {
    for (let i = 0; i < FLAG_COUNTERS.length; i += 2) {
      if (ta & FLAG_COUNTERS[i]) t.increment(slot, FLAG_COUNTERS[i + 1]);
    }
  }

  const fromB = side === 1;
  if (flags & TCP_SYN) {
    if (!(flags & TCP_ACK)) {
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
  if (t.roleBits[slot] & CLOSED) return false;
  const bothFinsAcked = t.directionBits[f] & FIN_ACKED && t.directionBits[r] & FIN_ACKED;
  if (!(flags & TCP_RST || bothFinsAcked)) return false;
  t.roleBits[slot] |= CLOSED;
  return true;
}
