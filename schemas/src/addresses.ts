import type { PacketSummary } from './packet-summary.js';

/** Dotted-quad text of an IPv4 address held as an unsigned 32-bit number. */
export function ipv4ToString(word: number): string {
  return `${word >>> 24}.${(word >>> 16) & 255}.${(word >>> 8) & 255}.${word & 255}`;
}

/** RFC 5952 text of an IPv6 address held as four 32-bit words (most significant first). */
export function ipv6ToString(w0: number, w1: number, w2: number, w3: number): string {
  const groups = [
    w0 >>> 16,
    w0 & 0xffff,
    w1 >>> 16,
    w1 & 0xffff,
    w2 >>> 16,
    w2 & 0xffff,
    w3 >>> 16,
    w3 & 0xffff,
  ];
  // Longest run of two or more zero groups becomes "::" (first such run on ties).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

export function sourceAddress(p: PacketSummary): string {
  return p.ipVersion === 4 ? ipv4ToString(p.src3) : ipv6ToString(p.src0, p.src1, p.src2, p.src3);
}

export function destinationAddress(p: PacketSummary): string {
  return p.ipVersion === 4 ? ipv4ToString(p.dst3) : ipv6ToString(p.dst0, p.dst1, p.dst2, p.dst3);
}
