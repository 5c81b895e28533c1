import type { PacketSummary } from '@tcpx/schemas';
import type { DecodeState } from './decode-state.js';
import { decodeIp, decodeIpv4, decodeIpv6 } from './ip.js';
import {
  LINKTYPE_DLT_RAW_12,
  LINKTYPE_DLT_RAW_14,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './link-types.js';

export { DecodeState } from './decode-state.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
/** Type/length values up to this are 802.3 lengths, not ethertypes. */
const IEEE_802_3_MAX_LEN = 1500;
const ARPHRD_NETLINK = 824;

/**
 * Decodes one captured frame b[offset, offset + capturedLength) of link type `linkType` whose
 * on-the-wire length was `originalLength`. Returns true when `out` now holds a TCP packet (every
 * field but the timestamp, interface and frame number, which belong to the capture reader);
 * otherwise the reason is counted in `state`. Allocates nothing.
 */
export function decodeFrame(
  linkType: number,
  bytes: Uint8Array,
  offset: number,
  capturedLength: number,
  originalLength: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  // A record claiming fewer bytes on the wire than it captured is corrupt; trust what is there.
  const reported = Math.max(originalLength, capturedLength);
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (capturedLength < 14) return state.bad('truncated_ethernet');
      return decodeEthertype(
        (bytes[offset + 12] << 8) | bytes[offset + 13],
        bytes,
        offset + 14,
        capturedLength - 14,
        reported - 14,
        out,
        state,
      );
    case LINKTYPE_LINUX_SLL:
      return decodeLinuxCooked(bytes, offset, capturedLength, reported, 16, 14, 2, out, state);
    case LINKTYPE_LINUX_SLL2:
      return decodeLinuxCooked(bytes, offset, capturedLength, reported, 20, 0, 8, out, state);
    case LINKTYPE_RAW:
    case LINKTYPE_DLT_RAW_12:
    case LINKTYPE_DLT_RAW_14:
      return decodeRawIp(bytes, offset, capturedLength, reported, out, state);
    case LINKTYPE_IPV4:
      return decodeIp(bytes, offset, capturedLength, reported, out, state);
    case LINKTYPE_IPV6:
      return decodeIpv6(bytes, offset, capturedLength, reported, out, state);
    case LINKTYPE_NULL:
      return decodeNull(bytes, offset, capturedLength, reported, out, state);
    case LINKTYPE_LOOP:
      if (capturedLength < 4) return state.bad('truncated_link_header');
      return decodeAddressFamily(
        ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>>
          0,
        bytes,
        offset + 4,
        capturedLength - 4,
        reported - 4,
        out,
        state,
      );
    default:
      return state.skip('unsupported_link_type');
  }
}

/** Follows VLAN tags (any depth) and LLC/SNAP to IPv4/IPv6. */
function decodeEthertype(
  type: number,
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  for (;;) {
    switch (type) {
      case ETHERTYPE_IPV4:
        return decodeIp(b, offset, captured, reported, out, state);
      case ETHERTYPE_IPV6:
        return decodeIpv6(b, offset, captured, reported, out, state);
      case ETHERTYPE_VLAN:
      case ETHERTYPE_QINQ:
      case ETHERTYPE_QINQ_OLD:
        if (captured < 4) return state.bad('truncated_vlan');
        type = (b[offset + 2] << 8) | b[offset + 3];
        offset += 4;
        captured -= 4;
        reported -= 4;
        continue;
      default:
        if (type > IEEE_802_3_MAX_LEN || !isSnapWithEthertype(b, offset, captured)) {
          return state.skip('not_ip');
        }
        // An 802.3 length field bounds the frame: what follows it is a trailer (Wireshark trims it too).
        if (captured > type) captured = type;
        if (reported > type) reported = type;
        type = (b[offset + 6] << 8) | b[offset + 7];
        offset += 8;
        captured -= 8;
        reported -= 8;
    }
  }
}

/** 802.2 LLC AA-AA-03 with a SNAP OUI that means "an ethertype follows" (RFC 1042, 802.1H). */
function isSnapWithEthertype(b: Uint8Array, offset: number, captured: number): boolean {
  return (
    captured >= 8 &&
    b[offset] === 0xaa &&
    b[offset + 1] === 0xaa &&
    b[offset + 2] === 0x03 &&
    b[offset + 3] === 0 &&
    b[offset + 4] === 0 &&
    (b[offset + 5] === 0 || b[offset + 5] === 0xf8)
  );
}

/** Linux "cooked" headers: v1 (16 bytes, protocol at 14) and v2 (20 bytes, protocol at 0). */
function decodeLinuxCooked(
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  headerLength: number,
  protocolAt: number,
  hardwareTypeAt: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (captured < headerLength) return state.bad('truncated_link_header');
  const protocol = (b[offset + protocolAt] << 8) | b[offset + protocolAt + 1];
  const hardwareType = (b[offset + hardwareTypeAt] << 8) | b[offset + hardwareTypeAt + 1];
  // Values up to 1536 are Linux pseudo-protocols (802.2, CAN, …), not ethertypes.
  if (protocol <= 1536 || hardwareType === ARPHRD_NETLINK) return state.skip('not_ip');
  return decodeEthertype(
    protocol,
    b,
    offset + headerLength,
    captured - headerLength,
    reported - headerLength,
    out,
    state,
  );
}

/** Raw IP: the version nibble says which; Wireshark also knows two old Linux PPP quirks. */
function decodeRawIp(
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (captured < 2) return state.bad('truncated_ip');
  const firstTwo = (b[offset] << 8) | b[offset + 1];
  if (firstTwo === 0xff03 || firstTwo === 0xfefe) return state.skip('not_ip'); // PPP in HDLC framing
  if (firstTwo === 0 && isZero(b, offset, 10, captured)) {
    // Linux ISDN with the link down: 10 zero bytes precede the IP header.
    return decodeIp(b, offset + 10, captured - 10, reported - 10, out, state);
  }
  const version = b[offset] >> 4;
  if (version === 4) return decodeIpv4(b, offset, captured, reported, out, state);
  if (version === 6) return decodeIpv6(b, offset, captured, reported, out, state);
  return state.bad('bad_ip_version');
}

function isZero(b: Uint8Array, offset: number, count: number, captured: number): boolean {
  if (captured < count) return false;
  for (let i = 0; i < count; i++) if (b[offset + i] !== 0) return false;
  return true;
}

/**
 * BSD loopback: a 4-byte address family in the byte order of the capturing host. Like Wireshark
 * (read on a little-endian host) we guess the order, and also accept an ethertype there.
 */
function decodeNull(
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  if (captured < 2) return state.bad('truncated_link_header');
  if (b[offset] === 0xff && b[offset + 1] === 0x03) return state.skip('not_ip'); // PPP in HDLC framing
  if (captured < 4) return state.bad('truncated_link_header');
  let h = (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24)) >>> 0;
  if ((h & 0xffff0000) !== 0) {
    if ((h & 0xff000000) === 0 && (h & 0x00ff0000) < 0x00060000) {
      h >>>= 16; // IRIX snoop: a 16-bit family in the upper half
    } else {
      h = (b[offset + 3] | (b[offset + 2] << 8) | (b[offset + 1] << 16) | (b[offset] << 24)) >>> 0;
    }
  } else if ((h & 0xff) === 0 && (h & 0xff00) < 0x0600) {
    h = h >>> 8; // IRIX snoop in the other byte order
  }
  if (h > IEEE_802_3_MAX_LEN) {
    return decodeEthertype(h & 0xffff, b, offset + 4, captured - 4, reported - 4, out, state);
  }
  return decodeAddressFamily(h, b, offset + 4, captured - 4, reported - 4, out, state);
}

/** BSD AF_ values: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
function decodeAddressFamily(
  family: number,
  b: Uint8Array,
  offset: number,
  captured: number,
  reported: number,
  out: PacketSummary,
  state: DecodeState,
): boolean {
  switch (family) {
    case 2:
      return decodeIp(b, offset, captured, reported, out, state);
    case 24:
    case 28:
    case 30:
      return decodeIpv6(b, offset, captured, reported, out, state);
    default:
      return state.skip('not_ip');
  }
}
