// A parser for the RE2 syntax ClickHouse's match() accepts, producing a small tree the Pike VM of
// regex-vm.ts runs. Anything RE2 would read differently from us, or refuse, is refused here
// (lookarounds, backreferences, octal escapes, \C, unknown escapes), so a filter that compiles
// selects the same rows in SQL and in-process. ClickHouse compiles match() patterns with RE2's
// dot_nl: `.` matches \n unless (?-s).

import {
  type ClassSpec,
  charEscapeAt,
  classEscapeAt,
  complement,
  POSIX,
  RegexSyntaxError,
  setPredicate,
} from './regex-syntax.js';

export { RegexSyntaxError };

export type Assertion = 'bot' | 'eot' | 'bol' | 'eol' | 'wordb' | 'nwordb';

export type RegexNode =
  | { t: 'empty' }
  | { t: 'set'; test: (cp: number) => boolean }
  | { t: 'assert'; a: Assertion }
  | { t: 'cat'; xs: RegexNode[] }
  | { t: 'alt'; xs: RegexNode[] }
  | { t: 'rep'; x: RegexNode; min: number; max: number; counted: boolean };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const MAX_REPEAT = 1000;

export interface ParsedRegex {
  node: RegexNode;
  /** The pattern as ClickHouse should receive it: same meaning, spelled so its match() reads it right. */
  source: string;
}

export function parseRegex(pattern: string): ParsedRegex {
  return new RegexParser(pattern).parse();
}

class RegexParser {
  private i = 0;
  private flags: Flags = { i: false, m: false, s: true };
  private openQuote = false;
  /** [start, end) of quantified non-ASCII literals, wrapped in (?:…) in the SQL pattern. */
  private readonly wraps: [number, number][] = [];

  constructor(private readonly src: string) {}

  parse(): ParsedRegex {
    const nul = this.src.indexOf('\0');
    if (nul >= 0) this.error('a pattern cannot contain a NUL character', nul);
    const node = this.alternation();
    if (this.i < this.src.length) this.error("unmatched ')'", this.i);
    checkRepeatSize(node, 1, this.src);
    let source = this.src;
    for (const [start, end] of [...this.wraps].reverse())
      source = `${source.slice(0, start)}(?:${source.slice(start, end)})${source.slice(end)}`;
    return { node, source: this.openQuote ? `${source}\\E` : source };
  }

  private error(message: string, at = this.i): never {
    throw new RegexSyntaxError(message, at);
  }

  private peek(): string {
    return this.src[this.i] ?? '';
  }

  private alternation(): RegexNode {
    const xs = [this.concat()];
    while (this.peek() === '|') {
      this.i++;
      xs.push(this.concat());
    }
    return xs.length === 1 ? xs[0] : { t: 'alt', xs };
  }

  private concat(): RegexNode {
    const xs: RegexNode[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const start = this.i;
      const atom = this.atom();
      if (atom === undefined) continue; // a flag group: no atom
      const end = this.i;
      const node = this.quantified(atom);
      // RE2 repeats only the last character of \Q…\E; a group says what is meant
      if (node !== atom && this.src.startsWith('\\Q', start))
        this.error(
          'a repetition after \\Q…\\E repeats only its last character: use (?:\\Q…\\E) or escape the text',
          end,
        );
      // ClickHouse's match() pre-filter misreads a quantifier after a multi-byte character (😀?
      // requires 😀's first bytes); in a group it reads it right, so the SQL pattern gets one.
      if (node !== atom && (this.src.codePointAt(start) ?? 0) >= 0x80) this.wraps.push([start, end]);
      xs.push(node);
    }
    if (xs.length === 0) return { t: 'empty' };
    return xs.length === 1 ? xs[0] : { t: 'cat', xs };
  }

  /** Parses `{n}`, `{n,}`, `{n,m}` at the cursor; undefined (cursor unchanged) when it is a literal `{`. */
  private braces(): { min: number; max: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min))
      this.error(`invalid repetition size ${m[0]} (counts go up to ${MAX_REPEAT})`);
    this.i += m[0].length;
    return { min, max };
  }

  private quantified(atom: RegexNode): RegexNode {
    let node = atom;
    let quantified = false;
    for (;;) {
      const c = this.peek();
      let q: { min: number; max: number; counted: boolean } | undefined;
      const at = this.i;
      if (c === '*' || c === '+' || c === '?') {
        this.i++;
        q = { min: c === '+' ? 1 : 0, max: c === '?' ? 1 : -1, counted: false };
      } else if (c === '{') {
        const b = this.braces();
        if (b) q = { ...b, counted: true };
      }
      if (!q) return node;
      if (quantified) this.error(`bad repetition operator at ${at}: a repetition cannot be repeated`, at);
      if (this.peek() === '?') this.i++; // lazy: irrelevant for a yes/no match
      quantified = true;
      node = { t: 'rep', x: node, ...q };
    }
  }

  private atom(): RegexNode | undefined {
    const at = this.i;
    const c = this.peek();
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.i++;
        return this.set({
          ranges: this.flags.s ? [[0, 0x10ffff]] : [[10, 10]],
          props: [],
          negated: !this.flags.s,
        });
      case '^':
        this.i++;
        return { t: 'assert', a: this.flags.m ? 'bol' : 'bot' };
      case '$':
        this.i++;
        return { t: 'assert', a: this.flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        this.error(`missing argument to repetition operator '${c}'`, at);
        break;
      case '{':
        if (this.braces()) this.error('missing argument to repetition operator', at);
        break;
    }
    const cp = this.src.codePointAt(this.i) ?? 0;
    this.i += cp > 0xffff ? 2 : 1;
    return this.literal(cp);
  }

  private literal(cp: number): RegexNode {
    return this.set({ ranges: [[cp, cp]], props: [], negated: false });
  }

  private set(spec: ClassSpec): RegexNode {
    return { t: 'set', test: setPredicate(spec, this.flags.i) };
  }

  private group(): RegexNode | undefined {
    const at = this.i;
    this.i++;
    const saved = { ...this.flags };
    if (this.peek() === '?') {
      const rest = this.src.slice(this.i + 1);
      const named = /^(P?<)([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        this.i += 1 + named[0].length;
      } else if (rest.startsWith(':')) {
        this.i += 2;
      } else if (/^(=|!|<=|<!)/.test(rest)) {
        this.error('lookaround assertions are not supported (RE2 has none)', at);
      } else if (rest.startsWith('P=') || rest.startsWith('P>')) {
        this.error('backreferences are not supported (RE2 has none)', at);
      } else {
        const f = /^([imsU]*)(-([imsU]+))?([:)])/.exec(rest);
        if (!f || (f[1] === '' && f[2] === undefined))
          this.error('invalid group: expected (?:…), (?P<name>…) or flags like (?i)', at);
        for (const ch of f[1]) this.setFlag(ch, true);
        for (const ch of f[3] ?? '') this.setFlag(ch, false);
        this.i += 1 + f[0].length;
        if (f[4] === ')') return undefined; // (?flags): applies to the rest of the enclosing group
      }
    }
    const inner = this.alternation();
    if (this.peek() !== ')') this.error("missing ')'", at);
    this.i++;
    this.flags = saved;
    return inner;
  }

  private setFlag(ch: string, on: boolean): void {
    if (ch === 'i' || ch === 'm' || ch === 's') this.flags[ch] = on; // U (ungreedy) cannot change a yes/no match
  }

  private escape(): RegexNode {
    const at = this.i;
    const e = this.src[this.i + 1];
    if (e === undefined) this.error('trailing backslash', at);
    const asserts: Record<string, Assertion> = { A: 'bot', z: 'eot', b: 'wordb', B: 'nwordb' };
    if (asserts[e]) {
      this.i += 2;
      return { t: 'assert', a: asserts[e] };
    }
    if (e === 'Q') {
      this.i += 2;
      const end = this.src.indexOf('\\E', this.i);
      const text = this.src.slice(this.i, end < 0 ? this.src.length : end);
      if (end < 0) this.openQuote = true;
      this.i = end < 0 ? this.src.length : end + 2;
      const xs = [...text].map((ch) => this.literal(ch.codePointAt(0) ?? 0));
      return xs.length === 0 ? { t: 'empty' } : { t: 'cat', xs };
    }
    const spec = this.classEscape();
    if (spec) return this.set(spec);
    return this.literal(this.charEscape());
  }

  /** \d \s \w (and negations), \pX / \p{Name}: undefined when the cursor is on another escape. */
  private classEscape(): ClassSpec | undefined {
    const r = classEscapeAt(this.src, this.i);
    if (r) this.i = r.end;
    return r?.spec;
  }

  /** One escaped character (outside or inside a class); advances past it. */
  private charEscape(): number {
    const r = charEscapeAt(this.src, this.i);
    this.i = r.end;
    return r.cp;
  }

  private charClass(): RegexNode {
    const at = this.i;
    this.i++;
    const spec: ClassSpec = { ranges: [], props: [], negated: false };
    if (this.peek() === '^') {
      spec.negated = true;
      this.i++;
    }
    let first = true;
    for (;;) {
      if (this.i >= this.src.length) this.error('missing ] in character class', at);
      const c = this.peek();
      if (c === ']' && !first) break;
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.i));
      if (posix) {
        const ranges = POSIX[posix[2]];
        if (!ranges) this.error(`invalid POSIX class [:${posix[2]}:]`, this.i);
        spec.ranges.push(...(posix[1] ? complement(ranges) : ranges));
        this.i += posix[0].length;
        continue;
      }
      if (c === '\\') {
        const e = this.src[this.i + 1];
        if (e === 'A' || e === 'z' || e === 'b' || e === 'B' || e === 'Q')
          this.error(`\\${e} is not allowed inside a character class`, this.i);
        const inner = this.classEscape();
        if (inner) {
          if (inner.props.length > 0) spec.props.push(...inner.props);
          else spec.ranges.push(...(inner.negated ? complement(inner.ranges) : inner.ranges));
          continue;
        }
      }
      const lo = this.classChar();
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        const dash = this.i;
        this.i++;
        if (this.peek() === '\\' && /^\\[dDsSwWpP]/.test(this.src.slice(this.i)))
          this.error('bad character class range', dash);
        const hi = this.classChar();
        if (hi < lo) this.error('invalid character class range (start is after end)', dash);
        spec.ranges.push([lo, hi]);
      } else {
        spec.ranges.push([lo, lo]);
      }
    }
    this.i++;
    return this.set(spec);
  }

  private classChar(): number {
    if (this.peek() === '\\') return this.charEscape();
    const cp = this.src.codePointAt(this.i) ?? 0;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

/** RE2 refuses nested counted repetitions whose product exceeds 1000, e.g. ((a{10}){10}){11}. */
function checkRepeatSize(node: RegexNode, product: number, src: string): void {
  switch (node.t) {
    case 'rep': {
      const p = node.counted ? product * (node.max === -1 ? node.min : node.max) : product;
      if (p > MAX_REPEAT)
        throw new RegexSyntaxError(`nested repetition counts exceed ${MAX_REPEAT}`, src.length);
      checkRepeatSize(node.x, p, src);
      break;
    }
    case 'cat':
    case 'alt':
      for (const x of node.xs) checkRepeatSize(x, product, src);
      break;
    default:
      break;
  }
}
