// Runtime values of the in-process evaluator and the rules that make them behave exactly like the
// ClickHouse expressions compile-sql.ts emits: integer arithmetic wraps like Int64, division and
// modulo truncate (intDivOrZero/moduloOrZero), strings order by code point (UTF-8 byte order).

/**
 * Integers: a JS number while exact (|v| ≤ 2^53 - 1), a bigint beyond (UInt64 values, Int64
 * extremes). Always normalised (normInt), so `===` is integer equality and `<` works across both.
 */
export type Int = number | bigint;
export type KflMap = Readonly<Record<string, string>>;
export type Value = null | boolean | number | bigint | string | readonly Value[] | KflMap;

export const EMPTY_MAP: KflMap = Object.freeze({});
const I64_MIN = -(1n << 63n);
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

export function normInt(v: bigint): Int {
  return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
}

const big = (v: Int): bigint => (typeof v === 'bigint' ? v : BigInt(v));

/** ClickHouse toInt64(): two's complement wrap of UInt64 values above 2^63 - 1. */
export function toInt64(v: Int): Int {
  return typeof v === 'number' ? v : normInt(BigInt.asIntN(64, v));
}

export function addInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normInt(BigInt.asIntN(64, big(a) + big(b)));
}

export function subInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normInt(BigInt.asIntN(64, big(a) - big(b)));
}

export function mulInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b + 0; // + 0: no -0 (ClickHouse integers have none)
    if (Number.isSafeInteger(r)) return r;
  }
  return normInt(BigInt.asIntN(64, big(a) * big(b)));
}

/** Truncating division; null when dividing by zero (KFL: the comparison is then false). */
export function divInt(a: Int, b: Int): Int | null {
  const x = toInt64(a);
  const y = toInt64(b);
  if (y === 0) return null;
  if (typeof x === 'number' && typeof y === 'number') return (x - (x % y)) / y + 0;
  const bx = big(x);
  const by = big(y);
  if (bx === I64_MIN && by === -1n) return 0; // intDivOrZero's answer instead of an overflow
  return normInt(bx / by);
}

export function modInt(a: Int, b: Int): Int | null {
  const x = toInt64(a);
  const y = toInt64(b);
  if (y === 0) return null;
  if (typeof x === 'number' && typeof y === 'number') return (x % y) + 0;
  return normInt(big(x) % big(y));
}

export function negInt(a: Int): Int {
  return typeof a === 'number' ? -a + 0 : normInt(BigInt.asIntN(64, -a));
}

/** Code point order (what ClickHouse's byte-wise comparison of UTF-8 gives), not UTF-16 order. */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
      if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Number of code points (ClickHouse lengthUTF8 of the same text). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** Numeric text as KFL coerces it against numbers (kfl.md §4.6): integers exactly, else a float. */
export const INT_TEXT = /^-?[0-9]{1,20}$/;
export const FLOAT_TEXT = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

export function intOfText(s: string): Int | null {
  return INT_TEXT.test(s) ? normInt(BigInt(s)) : null;
}

export function floatOfText(s: string): number | null {
  if (!FLOAT_TEXT.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null; // ClickHouse's toFloat64OrNull gives NULL on overflow too
}

/** A DateTime64(6) in the FlowRow shape ('seconds.micros') → epoch microseconds. */
export function dateTimeMicros(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return Number(text) * 1e6;
  const micros = Number(text.slice(dot + 1, dot + 7).padEnd(6, '0'));
  const seconds = Number(text.slice(0, dot));
  return seconds * 1e6 + (text.startsWith('-') ? -micros : micros);
}

/** The IPv6 column's text → the address as shown (IPv4-mapped addresses as a dotted quad). */
export function ipText(column: string): string {
  return column.startsWith('::ffff:') && column.includes('.') ? column.slice(7) : column;
}
