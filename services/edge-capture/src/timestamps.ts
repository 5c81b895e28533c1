import type { PacketSummary } from '@tcpx/schemas';

/**
 * Exact conversion of 64-bit capture timestamps to whole seconds + nanoseconds, with plain numbers
 * (no BigInt, no allocation) for every resolution but binary ones finer than 2^-32 s.
 */

const TWO_POW_32 = 4294967296;
/** Below this high word, high:low fits a double exactly (2^53). */
const SAFE_HIGH = 0x200000;
const NS_PER_SEC = 1e9;

/** A pcapng `if_tsresol`: units of 10^-exponent s (decimal) or 2^-exponent s (binary). */
export interface TimestampResolution {
  readonly binary: boolean;
  readonly exponent: number;
}

export const MICROSECONDS: TimestampResolution = { binary: false, exponent: 6 };
export const NANOSECONDS: TimestampResolution = { binary: false, exponent: 9 };

/** Decodes the `if_tsresol` option byte: high bit set = power of two, else power of ten. */
export function resolutionFromOption(value: number): TimestampResolution {
  return { binary: (value & 0x80) !== 0, exponent: value & 0x7f };
}

// Results of the last divide64/divideStep call (module scope, so the hot path allocates nothing).
let quotientHigh = 0;
let quotientLow = 0;
let remainder = 0;

/** floor(x / d) for integers x < 2^53, exact (corrects the rare rounding of x / d); sets `remainder`. */
function divideStep(x: number, d: number): number {
  let q = Math.floor(x / d);
  let r = x - q * d;
  if (r < 0) {
    q--;
    r += d;
  } else if (r >= d) {
    q++;
    r -= d;
  }
  remainder = r;
  return q;
}

/** Divides high:low by d (1 ≤ d ≤ 2^37) by 16-bit long division; returns the remainder. */
function divide64(high: number, low: number, d: number): number {
  const q3 = divideStep(high >>> 16, d);
  const q2 = divideStep(remainder * 65536 + (high & 0xffff), d);
  const q1 = divideStep(remainder * 65536 + (low >>> 16), d);
  const q0 = divideStep(remainder * 65536 + (low & 0xffff), d);
  quotientHigh = q3 * 65536 + q2;
  quotientLow = q1 * 65536 + q0;
  return remainder;
}

/** Sets tsSec/tsNsec from high:low seconds/d, the remainder scaled by `nsPerUnit`. */
function setDivided(out: PacketSummary, high: number, low: number, d: number, nsPerUnit: number): void {
  if (high < SAFE_HIGH) {
    out.tsSec = divideStep(high * TWO_POW_32 + low, d);
    out.tsNsec = remainder * nsPerUnit;
    return;
  }
  const rest = divide64(high, low, d);
  out.tsSec = quotientHigh * TWO_POW_32 + quotientLow;
  out.tsNsec = rest * nsPerUnit;
}

/** Sets `out.tsSec`/`out.tsNsec` from a pcapng timestamp (high:low units of `resolution`). */
export function setTimestamp(
  out: PacketSummary,
  high: number,
  low: number,
  resolution: TimestampResolution,
): void {
  const e = resolution.exponent;
  if (!resolution.binary) {
    if (e <= 9) {
      setDivided(out, high, low, 10 ** e, 10 ** (9 - e));
      return;
    }
    // Finer than nanoseconds: truncate to ns first (floor of floors is the floor of the product).
    // 10^11 is the largest power of ten divide64 takes (its divisor must stay ≤ 2^37).
    for (let rest = e - 9; rest > 0; rest -= 11) {
      divide64(high, low, 10 ** Math.min(rest, 11));
      high = quotientHigh;
      low = quotientLow;
    }
    setDivided(out, high, low, NS_PER_SEC, 1);
    return;
  }
  if (e === 0) {
    out.tsSec = high * TWO_POW_32 + low;
    out.tsNsec = 0;
  } else if (e <= 32) {
    const fraction = e === 32 ? low : low & (2 ** e - 1);
    out.tsSec = e === 32 ? high : high * 2 ** (32 - e) + Math.floor(low / 2 ** e);
    // fraction·10^9 / 2^e exactly: 10^9 = 1953125·2^9 keeps the product below 2^53.
    out.tsNsec =
      e >= 9 ? Math.floor((fraction * 1953125) / 2 ** (e - 9)) : Math.floor((fraction * NS_PER_SEC) / 2 ** e);
  } else {
    // Sub-nanosecond binary resolutions are exotic enough to afford BigInt.
    const value = (BigInt(high) << 32n) | BigInt(low);
    const shift = BigInt(e);
    out.tsSec = Number(value >> shift);
    out.tsNsec = Number(((value & ((1n << shift) - 1n)) * 1000000000n) >> shift);
  }
}

/** Sets the timestamp of a pcap record: seconds plus a sub-second count in µs or ns. */
export function setPcapTimestamp(
  out: PacketSummary,
  seconds: number,
  fraction: number,
  nanoseconds: boolean,
): void {
  let ns = nanoseconds ? fraction : fraction * 1000;
  let sec = seconds;
  if (ns >= NS_PER_SEC) {
    // Out-of-range sub-second fields exist in the wild; carry them rather than emit nsec ≥ 1e9.
    const carry = Math.floor(ns / NS_PER_SEC);
    sec += carry;
    ns -= carry * NS_PER_SEC;
  }
  out.tsSec = sec;
  out.tsNsec = ns;
}
