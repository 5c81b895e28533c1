/**
 * A filter the compiler refuses: a syntax error, an unknown name, a type error or a misplaced
 * directive. The HTTP layer turns it into 400 `{ error: 'bad_filter', message, offset, length }`.
 */
export class KflError extends Error {
  /** 0-based character (UTF-16 code unit) offset into the filter text where the problem starts. */
  readonly offset: number;
  /** How many characters the problem spans (0 at the end of the text). */
  readonly length: number;

  constructor(message: string, offset: number, length = 1) {
    super(message);
    this.name = 'KflError';
    this.offset = offset;
    this.length = Math.max(0, length);
  }
}

/** Throws a KflError; `at` is a [start, end) span of the filter text. */
export function fail(message: string, at: { start: number; end: number }): never {
  throw new KflError(message, at.start, at.end - at.start);
}
