import type { PacketSummary } from '@tcpx/schemas';
import type { DecodeState } from './decode-state.js';
import { IPV6_ESP, IPV6_FRAGMENT, IPV6_NO_NEXT_HEADER, ipv6ExtensionLength } from './ipv6-extensions.js';
import { decodeTcp } from './tcp-header.js';

const IPPROTO_TCP = 6;

/*
 * Lengths, as in Wireshark: `captured` is how many bytes of the datagram are in the capture buffer,
 * `reported` how many the frame really had on the wire (original length minus the link header).
 * The IP header's length is trusted for the payload size but never beyond `reported`: Wireshark
 * only ever shrinks a packet to the IP length, it never grows it.
 */

/** Dispatches on the version nibble, as Wireshark's "ip" dissector does for ethertype 0x0800. */
export function decodeIp(
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (captured < 1) return state.bad('truncated_ip');
  const version = b[offset] >> 4;
  if (version === 4) return decodeIpv4(b, offset, captured, reported, out, state);
  if (version === 6) return decodeIpv6(b, offset, captured, reported, out, state);
  return state.bad('bad_ip_version');
}

export function decodeIpv4(
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (captured < 20) return state.bad('truncated_ip');
  const first = b[offset];
  if (first >> 4 !== 4) return state.bad('bad_ip_version');
  const headerLength = (first & 15) << 2;
  if (headerLength < 20) return state.bad('bad_ip_header_length');
  if (captured < headerLength) return state.bad('truncated_ip');
  let totalLength = (b[offset + 2] << 8) | b[offset + 3];
  if (totalLength === 0) {
    totalLength = reported; // TSO on the capturing host leaves the length 0; Wireshark uses the frame
  } else if (totalLength < headerLength) {
    return state.bad('bad_ip_total_length');
  }
  const protocol = b[offset + 9];
  const fragment = ((b[offset + 6] << 8) | b[offset + 7]) & 0x3fff; // more-fragments bit + offset
  if (fragment !== 0) {
    return ipv4Fragment(b, offset, captured, headerLength, totalLength, fragment, protocol, out, state);
  }
  if (protocol !== IPPROTO_TCP) return state.skip('not_tcp');
  if (totalLength > reported) totalLength = reported;
  if (totalLength < headerLength) return state.bad('truncated_ip');

  out.ipVersion = 4;
  out.src0 = out.src1 = out.src2 = 0;
  out.dst0 = out.dst1 = out.dst2 = 0;
  out.src3 = ((b[offset + 12] << 24) | (b[offset + 13] << 16) | (b[offset + 14] << 8) | b[offset + 15]) >>> 0;
  out.dst3 = ((b[offset + 16] << 24) | (b[offset + 17] << 16) | (b[offset + 18] << 8) | b[offset + 19]) >>> 0;
  const capturedDatagram = Math.min(captured, totalLength);
  return decodeTcp(
    b,
    offset + headerLength,
    capturedDatagram - headerLength,
    totalLength - headerLength,
    out,
    state,
  );
}

/**
 * Wireshark reassembles only fragments whose whole payload was captured and that carry payload;
 * a first fragment it cannot reassemble shows TCP without a segment length (not analysable).
 */
function ipv4Fragment(
  b: Uint8Array,
  offset: number,
  captured: number,
  headerLength: number,
  totalLength: number,
  fragment: number,
  protocol: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (protocol !== IPPROTO_TCP) return state.skip('not_tcp');
  if (totalLength <= headerLength || captured < totalLength) return state.skip('ip_fragment_unreassemblable');
  out.ipVersion = 4;
  out.src0 = out.src1 = out.src2 = 0;
  out.dst0 = out.dst1 = out.dst2 = 0;
  out.src3 = ((b[offset + 12] << 24) | (b[offset + 13] << 16) | (b[offset + 14] << 8) | b[offset + 15]) >>> 0;
  out.dst3 = ((b[offset + 16] << 24) | (b[offset + 17] << 16) | (b[offset + 18] << 8) | b[offset + 19]) >>> 0;
  const id = (b[offset + 4] << 8) | b[offset + 5];
  return state.fragments.add(
    b,
    offset + headerLength,
    totalLength - headerLength,
    (fragment & 0x1fff) << 3,
    (fragment & 0x2000) !== 0,
    id,
    protocol,
    out,
    state,
  );
}

export function decodeIpv6(
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (captured < 40) return state.bad('truncated_ip');
  if (b[offset] >> 4 !== 6) return state.bad('bad_ip_version');
  let payloadLength = (b[offset + 4] << 8) | b[offset + 5];
  if (payloadLength === 0 && b[offset + 6] === 0) {
    payloadLength = jumboPayloadLength(b, offset + 40, captured - 40);
  }
  let datagram = 40 + payloadLength;
  if (datagram > reported) datagram = reported;
  const capturedEnd = offset + Math.min(captured, datagram);
  const end = offset + datagram;

  out.ipVersion = 6;
  out.src0 = readWord(b, offset + 8);
  out.src1 = readWord(b, offset + 12);
  out.src2 = readWord(b, offset + 16);
  out.src3 = readWord(b, offset + 20);
  out.dst0 = readWord(b, offset + 24);
  out.dst1 = readWord(b, offset + 28);
  out.dst2 = readWord(b, offset + 32);
  out.dst3 = readWord(b, offset + 36);

  let next = b[offset + 6];
  let p = offset + 40;
  for (;;) {
    if (next === IPPROTO_TCP) return decodeTcp(b, p, capturedEnd - p, end - p, out, state);
    if (next === IPV6_FRAGMENT) {
      if (p + 8 > capturedEnd) return state.bad('truncated_ip');
      const fragment = ((b[p + 2] << 8) | b[p + 3]) & 0xfff9; // offset (8-byte units) + M bit
      next = b[p];
      const id = readWord(b, p + 4);
      p += 8;
      if (fragment === 0) continue; // atomic fragment: the payload follows as if unfragmented
      return ipv6Fragment(b, p, capturedEnd, end, fragment, id, next, out, state);
    }
    if (next === IPV6_ESP) return state.skip('esp');
    if (next === IPV6_NO_NEXT_HEADER) return state.skip('not_tcp');
    if (p + 2 > capturedEnd) return state.bad('truncated_ip');
    const length = ipv6ExtensionLength(next, b, p);
    if (length < 0) return state.skip('not_tcp');
    if (p + length > capturedEnd) return state.bad('truncated_ip');
    next = b[p];
    p += length;
  }
}

function ipv6Fragment(
  b: Uint8Array,
  p: number,
  capturedEnd: number,
  end: number,
  fragment: number,
  id: number,
  next: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  // Only a TCP payload (possibly behind more extension headers) is worth reassembling.
  if (next !== IPPROTO_TCP && ipv6ExtensionLength(next, b, p) < 0) return state.skip('not_tcp');
  if (end <= p || capturedEnd < end) return state.skip('ip_fragment_unreassemblable');
  return state.fragments.add(b, p, end - p, fragment & 0xfff8, (fragment & 1) !== 0, id, next, out, state);
}

/**
 * RFC 2675 jumbograms (and Linux BIG TCP): payload length 0 and a hop-by-hop Jumbo Payload option
 * holding the real length, which must exceed 65535. Like Wireshark, only a fully captured
 * hop-by-hop header is searched. Returns the length, or 0 when there is no valid option.
 */
function jumboPayloadLength(b: Uint8Array, hopByHop: number, captured: number): number {
  if (captured < 2) return 0;
  const length = (b[hopByHop + 1] + 1) << 3;
  if (captured < length) return 0;
  const end = hopByHop + length;
  for (let p = hopByHop + 2; p < end; ) {
    const type = b[p];
    if (type === 0) {
      p++; // Pad1
      continue;
    }
    if (p + 2 > end) break;
    const optionLength = b[p + 1];
    if (type === 0xc2 && optionLength === 4 && p + 6 <= end) {
      const jumbo = readWord(b, p + 2);
      return jumbo > 0xffff ? jumbo : 0;
    }
    p += 2 + optionLength;
  }
  return 0;
}

function readWord(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
