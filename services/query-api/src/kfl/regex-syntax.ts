// The pieces of RE2 syntax ClickHouse's match() reads: escapes and character classes. Perl classes
// are ASCII (\d \s \w), POSIX classes live inside brackets, Unicode classes come through \p. Case
// folding and \p membership are decided by the JS engine one code point at a time (no backtracking).

export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

export type Ranges = [number, number][];

export const DIGIT: Ranges = [[0x30, 0x39]];
export const SPACE: Ranges = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
export const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
export const POSIX: Record<string, Ranges> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: WORD,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

export function complement(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

/** A code-point class: ranges and Unicode properties (as JS `\p{…}` text), maybe negated. */
export interface ClassSpec {
  ranges: Ranges;
  props: string[];
  negated: boolean;
}

/** Case folding and \p classes use the JS engine on one code point at a time (no backtracking). */
export function setPredicate(spec: ClassSpec, fold: boolean): (cp: number) => boolean {
  if (!fold && spec.props.length === 0) {
    const ranges = [...spec.ranges].sort((a, b) => a[0] - b[0]);
    const { negated } = spec;
    return (cp) => {
      for (const [lo, hi] of ranges) {
        if (cp < lo) break;
        if (cp <= hi) return !negated;
      }
      return negated;
    };
  }
  const body = spec.ranges.map(([lo, hi]) => `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`).join('');
  const re = new RegExp(`^[${spec.negated ? '^' : ''}${body}${spec.props.join('')}]$`, fold ? 'iu' : 'u');
  const ascii = Array.from({ length: 128 }, (_, c) => re.test(String.fromCharCode(c)));
  return (cp) => (cp < 128 ? ascii[cp] : re.test(String.fromCodePoint(cp)));
}

const CONTROL_ESCAPES: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
const PERL: Record<string, Ranges> = { d: DIGIT, s: SPACE, w: WORD };

/** \d \s \w (and negations), \pX, \p{Name}, \PX, \p{^Name} at `i`; undefined for other escapes. */
export function classEscapeAt(src: string, i: number): { spec: ClassSpec; end: number } | undefined {
  const e = src[i + 1];
  const lower = e?.toLowerCase();
  if (lower && PERL[lower])
    return { spec: { ranges: PERL[lower], props: [], negated: e !== lower }, end: i + 2 };
  if (e !== 'p' && e !== 'P') return undefined;
  let name: string;
  let end: number;
  if (src[i + 2] === '{') {
    const close = src.indexOf('}', i + 3);
    if (close < 0) throw new RegexSyntaxError('missing } in \\p{…}', i);
    name = src.slice(i + 3, close);
    end = close + 1;
  } else {
    name = src[i + 2] ?? '';
    end = i + 3;
  }
  let negated = e === 'P';
  if (name.startsWith('^')) {
    negated = !negated;
    name = name.slice(1);
  }
  if (!/^[A-Za-z_]+$/.test(name)) throw new RegexSyntaxError(`invalid Unicode class \\${e}{${name}}`, i);
  const prop = name === 'Any' || /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
  try {
    new RegExp(`\\p{${prop}}`, 'u');
  } catch {
    throw new RegexSyntaxError(`unknown Unicode class '${name}'`, i);
  }
  return { spec: { ranges: [], props: [`\\${negated ? 'P' : 'p'}{${prop}}`], negated: false }, end };
}

/** One escaped character at `i` (outside or inside a class). */
export function charEscapeAt(src: string, i: number): { cp: number; end: number } {
  const e = src[i + 1] ?? '';
  if (CONTROL_ESCAPES[e] !== undefined) return { cp: CONTROL_ESCAPES[e], end: i + 2 };
  if (e === 'x') {
    const m = /^\\x(\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(src.slice(i));
    const cp = m ? Number.parseInt(m[2] ?? m[3], 16) : -1;
    if (!m || cp > 0x10ffff) throw new RegexSyntaxError('invalid escape: use \\xHH or \\x{HHHH}', i);
    return { cp, end: i + m[0].length };
  }
  if (e >= '0' && e <= '9')
    throw new RegexSyntaxError(
      'octal escapes and backreferences are not supported: use \\x{…} for a character code',
      i,
    );
  // RE2 lets any ASCII punctuation (and space) stand for itself after a backslash
  if (e !== '' && e.charCodeAt(0) < 0x80 && !/[A-Za-z0-9]/.test(e))
    return { cp: e.charCodeAt(0), end: i + 2 };
  throw new RegexSyntaxError(`invalid escape sequence \\${e}`, i);
}
