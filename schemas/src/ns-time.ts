// Nanosecond timestamps (fixed64 on the wire) as two 32-bit words, without BigInt on the hot path.
// Epoch nanoseconds (~1.8e18) exceed 2^53, so a double cannot hold them; seconds + nanoseconds can.

const TWO_32 = 4294967296;
const NS_PER_SEC = 1e9;

/** Output of the functions below: one shared pair, read it before the next call. */
export const nsWords = { lo: 0, hi: 0 };

/**
 * sec * 1e9 + nsec as uint64 words into `nsWords`. Every partial product stays below 2^53, so the
 * arithmetic is exact: sec is split into 32-bit halves and its low half into 16-bit halves.
 */
export function toNsWords(sec: number, nsec: number): void {
  // `x >>> 0` is x mod 2^32 and `x & 0xffff` is x mod 2^16 for any integer below 2^53 (and far
  // cheaper than %, which is a floating-point fmod).
  const secLo = sec >>> 0;
  const secHi = (sec - secLo) / TWO_32;
  const t0 = (secLo & 0xffff) * NS_PER_SEC + nsec; // < 2^47, weight 1
  const t1 = (secLo >>> 16) * NS_PER_SEC; // < 2^46, weight 2^16
  const t0Lo = t0 >>> 0;
  const t1Lo = t1 & 0xffff;
  const lowSum = t0Lo + t1Lo * 65536; // < 2^33
  const lo = lowSum >>> 0;
  const hi = (t0 - t0Lo) / TWO_32 + (t1 - t1Lo) / 65536 + (lowSum - lo) / TWO_32 + secHi * NS_PER_SEC;
  nsWords.lo = lo;
  nsWords.hi = hi >>> 0;
}

/** Output of fromNsWords. */
export const secNsec = { sec: 0, nsec: 0 };

/** The uint64 (hi, lo) nanoseconds as whole seconds and nanoseconds, exactly, into `secNsec`. */
export function fromNsWords(lo: number, hi: number): void {
  // The double quotient can be off by one second near a boundary; the exact remainder fixes it.
  let sec = Math.floor((hi * TWO_32 + lo) / NS_PER_SEC);
  toNsWords(sec, 0);
  let rem = (hi - nsWords.hi) * TWO_32 + (lo - nsWords.lo);
  while (rem < 0) {
    sec--;
    rem += NS_PER_SEC;
  }
  while (rem >= NS_PER_SEC) {
    sec++;
    rem -= NS_PER_SEC;
  }
  secNsec.sec = sec;
  secNsec.nsec = rem;
}

/** BigInt forms, for tests and cold paths. */
export function nsToBigInt(sec: number, nsec: number): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(nsec);
}

export function bigIntToSecNsec(ns: bigint): { sec: number; nsec: number } {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}
