import type { PacketSummary } from '@tcpx/schemas';
import type { DecodeState } from './decode-state.js';
import { ipv6ExtensionLength } from './ipv6-extensions.js';
import { decodeTcp } from './tcp-header.js';

/** Datagrams awaiting fragments at once; beyond that the least recently touched one is dropped. */
const MAX_PENDING = 64;
/** Leading datagram bytes kept: room for IPv6 extension headers in the fragmentable part plus TCP. */
const HEAD_BYTES = 256;
/** Disjoint byte ranges tracked per datagram; more holes than this is a broken or hostile sender. */
const MAX_RANGES = 32;

/** One datagram being reassembled: only its leading bytes and which byte ranges arrived. */
class PendingDatagram {
  inUse = false;
  ipVersion: 4 | 6 = 4;
  src0 = 0;
  src1 = 0;
  src2 = 0;
  src3 = 0;
  dst0 = 0;
  dst1 = 0;
  dst2 = 0;
  dst3 = 0;
  id = 0;
  protocol = 0;
  /** Datagram payload length, known once the last fragment (more-fragments clear) arrived; else -1. */
  totalLength = -1;
  lastTouched = 0;
  rangeCount = 0;
  /** Sorted, disjoint, non-adjacent [start, end) pairs of payload bytes received. */
  readonly ranges = new Int32Array(MAX_RANGES * 2);
  readonly head = new Uint8Array(HEAD_BYTES);

  matches(out: PacketSummary, id: number, protocol: number): boolean {
    return (
      this.inUse &&
      this.id === id &&
      this.protocol === protocol &&
      this.ipVersion === out.ipVersion &&
      this.src3 === out.src3 &&
      this.dst3 === out.dst3 &&
      this.src0 === out.src0 &&
      this.src1 === out.src1 &&
      this.src2 === out.src2 &&
      this.dst0 === out.dst0 &&
      this.dst1 === out.dst1 &&
      this.dst2 === out.dst2
    );
  }

  start(out: PacketSummary, id: number, protocol: number): void {
    this.inUse = true;
    this.ipVersion = out.ipVersion;
    this.src0 = out.src0;
    this.src1 = out.src1;
    this.src2 = out.src2;
    this.src3 = out.src3;
    this.dst0 = out.dst0;
    this.dst1 = out.dst1;
    this.dst2 = out.dst2;
    this.dst3 = out.dst3;
    this.id = id;
    this.protocol = protocol;
    this.totalLength = -1;
    this.rangeCount = 0;
  }

  /** Merges [start, end) into the range list; false when the list is full. */
  addRange(start: number, end: number): boolean {
    const r = this.ranges;
    let n = this.rangeCount;
    // First range that ends at or after `start` (touching ranges merge).
    let i = 0;
    while (i < n && r[2 * i + 1] < start) i++;
    // Ranges i..j-1 overlap or touch [start, end).
    let j = i;
    while (j < n && r[2 * j] <= end) {
      if (r[2 * j] < start) start = r[2 * j];
      if (r[2 * j + 1] > end) end = r[2 * j + 1];
      j++;
    }
    const removed = j - i;
    if (removed === 0) {
      if (n === MAX_RANGES) return false;
      r.copyWithin(2 * i + 2, 2 * i, 2 * n);
      n++;
    } else if (removed > 1) {
      r.copyWithin(2 * i + 2, 2 * j, 2 * n);
      n -= removed - 1;
    }
    r[2 * i] = start;
    r[2 * i + 1] = end;
    this.rangeCount = n;
    return true;
  }

  isComplete(): boolean {
    return (
      this.totalLength >= 0 &&
      this.rangeCount > 0 &&
      this.ranges[0] === 0 &&
      this.ranges[1] >= this.totalLength
    );
  }
}

/**
 * Reassembles IP datagram LENGTHS (never payloads): Wireshark shows a fragmented TCP segment on the
 * frame that completes its datagram, with the reassembled length, so that is where we emit it.
 */
export class FragmentReassembler {
  private readonly pending: PendingDatagram[] = [];
  private clock = 0;

  constructor() {
    for (let i = 0; i < MAX_PENDING; i++) this.pending.push(new PendingDatagram());
  }

  /**
   * Adds a fragment whose payload b[offset, offset + length) was captured in full. The key addresses
   * and `ipVersion` are read from `out`, which the IP layer has filled. `protocol` is the IPv4
   * protocol or the IPv6 fragment header's next header. Returns true when this fragment completes a
   * TCP datagram, `out` then holding its summary.
   */
  add(
    b: Uint8Array,
    offset: number,
    length: number,
    fragmentOffset: number,
    moreFragments: boolean,
    id: number,
    protocol: number,
    out: PacketSummary,
    state: DecodeState,
  ): boolean {
    const d = this.lookup(out, id, protocol, state);
    d.lastTouched = ++this.clock;
    if (!moreFragments && d.totalLength < 0) d.totalLength = fragmentOffset + length;
    if (fragmentOffset < HEAD_BYTES) {
      const n = Math.min(length, HEAD_BYTES - fragmentOffset);
      const head = d.head;
      for (let i = 0; i < n; i++) head[fragmentOffset + i] = b[offset + i];
    }
    if (!d.addRange(fragmentOffset, fragmentOffset + length)) {
      d.inUse = false;
      state.bad('too_many_ip_fragments');
      return state.skip('ip_fragment');
    }
    if (!d.isComplete()) return state.skip('ip_fragment');
    d.inUse = false;
    return decodeReassembled(d, out, state);
  }

  /** Forgets every pending datagram, counting each as `ip_fragment_incomplete`. */
  dropAll(state: DecodeState): void {
    for (const d of this.pending) {
      if (!d.inUse) continue;
      d.inUse = false;
      state.skip('ip_fragment_incomplete');
    }
  }

  private lookup(out: PacketSummary, id: number, protocol: number, state: DecodeState): PendingDatagram {
    let oldest = this.pending[0];
    for (const d of this.pending) {
      if (d.matches(out, id, protocol)) return d;
      if (!d.inUse) oldest = d;
      else if (oldest.inUse && d.lastTouched < oldest.lastTouched) oldest = d;
    }
    if (oldest.inUse) state.skip('ip_fragment_incomplete');
    oldest.start(out, id, protocol);
    return oldest;
  }
}

function decodeReassembled(d: PendingDatagram, out: PacketSummary, state: DecodeState): boolean {
  const total = d.totalLength;
  const kept = Math.min(total, HEAD_BYTES);
  let p = 0;
  let next = d.protocol;
  if (d.ipVersion === 6) {
    for (;;) {
      if (next === 6) break;
      if (p + 2 > kept) return state.bad('truncated_ip');
      const length = ipv6ExtensionLength(next, d.head, p);
      if (length < 0) return state.skip('not_tcp');
      next = d.head[p];
      p += length;
    }
  }
  if (next !== 6) return state.skip('not_tcp');
  return decodeTcp(d.head, p, kept - p, total - p, out, state);
}
