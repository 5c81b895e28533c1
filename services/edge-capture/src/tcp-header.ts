import type { PacketSummary } from '@tcpx/schemas';
import type { DecodeState } from './decode-state.js';

const TCP_MIN_HEADER = 20;
/** Ports, seq, ack, data offset, flags, window: all Wireshark needs to analyse a segment. */
const TCP_ANALYSED_BYTES = 16;

/**
 * Decodes the TCP header at `offset` into `out` (ports, seq/ack, flags, window, options).
 * `captured` is how many bytes of the segment were captured (already limited to the IP datagram);
 * `segmentLength` is the segment's real length from the IP header, which becomes `ipPayloadLength`.
 * Addresses and `ipVersion` are the IP layer's job.
 *
 * Like Wireshark 4.0, a segment is analysable once its first 16 bytes (up to the window) are
 * captured and its data offset is at least 5 words; a header cut short by the snaplen (checksum,
 * options) is read as far as it goes.
 */
export function decodeTcp(
  b: Uint8Array,
  offset: number,
  captured: number,
  segmentLength: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (captured < TCP_ANALYSED_BYTES) return state.bad('truncated_tcp');
  const headerLength = (b[offset + 12] >> 4) << 2;
  if (headerLength < TCP_MIN_HEADER) return state.bad('bad_tcp_header_length');
  // Wireshark cannot size a segment shorter than its own header ("short segment"): no tcp.len.
  if (headerLength > segmentLength) return state.bad('short_tcp_segment');

  out.srcPort = (b[offset] << 8) | b[offset + 1];
  out.dstPort = (b[offset + 2] << 8) | b[offset + 3];
  out.seq = ((b[offset + 4] << 24) | (b[offset + 5] << 16) | (b[offset + 6] << 8) | b[offset + 7]) >>> 0;
  out.ack = ((b[offset + 8] << 24) | (b[offset + 9] << 16) | (b[offset + 10] << 8) | b[offset + 11]) >>> 0;
  out.flags = ((b[offset + 12] & 1) << 8) | b[offset + 13];
  out.window = (b[offset + 14] << 8) | b[offset + 15];
  out.tcpHeaderLength = headerLength;
  out.ipPayloadLength = segmentLength;
  out.mss = -1;
  out.windowScale = -1;
  out.sackPermitted = false;
  out.sackCount = 0;
  out.hasTimestamps = false;
  out.tsVal = 0;
  out.tsEcr = 0;
  if (headerLength > captured) {
    state.bad(headerLength > TCP_MIN_HEADER ? 'truncated_tcp_options' : 'truncated_tcp_header');
  }
  if (headerLength > TCP_MIN_HEADER) {
    const capturedEnd = offset + Math.min(headerLength, captured);
    decodeTcpOptions(b, offset + TCP_MIN_HEADER, offset + headerLength, capturedEnd, out, state);
  }
  return true;
}

/**
 * Reads options in [p, headerEnd), stopping at `capturedEnd`. As in Wireshark, a length that cannot
 * be right (< 2, or past the header) stops the walk; a known option with the wrong length is ignored.
 */
function decodeTcpOptions(
  b: Uint8Array,
  p: number,
  headerEnd: number,
  capturedEnd: number,
  out: PacketSummary,
  state: DecodeState,
): void {
  let bad = false;
  while (p < capturedEnd) {
    const kind = b[p];
    if (kind === 0) break; // end of option list
    if (kind === 1) {
      p++; // NOP
      continue;
    }
    if (p + 1 >= capturedEnd) {
      bad = p + 1 >= headerEnd; // no room for a length byte; otherwise it was merely not captured
      break;
    }
    const length = b[p + 1];
    if (length < 2 || p + length > headerEnd) {
      bad = true;
      break;
    }
    if (p + length > capturedEnd) {
      // Cut by the snaplen (already counted). Like Wireshark, keep the SACK blocks captured whole.
      if (kind === 5) readSackBlocks(b, p, Math.min(length, capturedEnd - p), out);
      break;
    }
    switch (kind) {
      case 2:
        if (length === 4) out.mss = (b[p + 2] << 8) | b[p + 3];
        else bad = true;
        break;
      case 3:
        if (length === 3) out.windowScale = b[p + 2];
        else bad = true;
        break;
      case 4:
        if (length === 2) out.sackPermitted = true;
        else bad = true;
        break;
      case 5:
        if (length < 10 || (length - 2) & 7) bad = true;
        readSackBlocks(b, p, length, out);
        break;
      case 8:
        if (length === 10) {
          out.hasTimestamps = true;
          out.tsVal = ((b[p + 2] << 24) | (b[p + 3] << 16) | (b[p + 4] << 8) | b[p + 5]) >>> 0;
          out.tsEcr = ((b[p + 6] << 24) | (b[p + 7] << 16) | (b[p + 8] << 8) | b[p + 9]) >>> 0;
        } else bad = true;
        break;
    }
    p += length;
  }
  if (bad) state.bad('bad_tcp_option');
}

/** Reads the whole 8-byte blocks among the `length` bytes of the SACK option at b[p] (at most 4). */
function readSackBlocks(b: Uint8Array, p: number, length: number, out: PacketSummary): void {
  const count = Math.min((length - 2) >> 3, 4);
  const sack = out.sackBlocks;
  for (let i = 0, q = p + 2; i < count * 2; i++, q += 4) {
    sack[i] = (b[q] << 24) | (b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3];
  }
  out.sackCount = count;
}
