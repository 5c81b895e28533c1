/**
 * Length of the IPv6 extension header of type `nextHeader` starting at b[p], or -1 when
 * `nextHeader` is not one whose chain we walk (hop-by-hop, routing, destination options, AH).
 * The fragment header (44) is handled by the caller; the caller checks b[p + 1] is captured.
 */
export function ipv6ExtensionLength(nextHeader: number, b: Uint8Array, p: number): number {
  switch (nextHeader) {
    case 0: // hop-by-hop options
    case 43: // routing
    case 60: // destination options
      return (b[p + 1] + 1) << 3;
    case 51: // authentication header counts 4-byte words, minus 2
      return (b[p + 1] + 2) << 2;
    default:
      return -1;
  }
}

export const IPV6_FRAGMENT = 44;
export const IPV6_ESP = 50;
export const IPV6_NO_NEXT_HEADER = 59;
