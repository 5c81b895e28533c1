/**
 * 32-bit sequence arithmetic exactly as Wireshark's GT_SEQ/LT_SEQ/…: wrap-aware where Wireshark
 * compares with them, plain `===` elsewhere (the analyzer chooses per rule, see tcp-analysis.md §2).
 */

/** a is after b: int32(b − a) < 0. */
export function seqGreater(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

/** a is before b. */
export function seqLess(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a is before or equal to b. */
export function seqLessOrEqual(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** uint32 addition (sequence space wraps at 2^32). */
export function seqAdd(a: number, b: number): number {
  return (a + b) >>> 0;
}
