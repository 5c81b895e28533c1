import { fail } from './errors.js';

// KFL lexical rules (../shared/docs/kfl.md §2): ASCII identifiers, decimal/hex integers with an
// ignored `u` suffix, floats with a leading digit, CEL-escaped "…"/'…' strings, raw `…` strings,
// r"…" pattern strings, `//` comments. Offsets are UTF-16 indexes into the filter text.

export type StringKind = 'quoted' | 'raw' | 'pattern';

export type Token =
  | { kind: 'ident'; text: string; start: number; end: number }
  | { kind: 'op'; text: string; start: number; end: number }
  | { kind: 'int'; text: string; start: number; end: number; value: bigint }
  | { kind: 'float'; text: string; start: number; end: number; value: number }
  | { kind: 'string'; text: string; start: number; end: number; value: string; strKind: StringKind }
  | { kind: 'eof'; text: ''; start: number; end: number };

/** Longest match first: two-character operators are single tokens. */
const OPERATORS = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '..',
  '.*',
  '<',
  '>',
  '!',
  '-',
  '+',
  '*',
  '/',
  '%',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
];

const UINT64_MAX = (1n << 64n) - 1n;

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);
const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const span = (start: number, end = start + 1) => ({ start, end });
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      const prefix = stringPrefix(text, i);
      if (prefix !== undefined) {
        tokens.push(prefix);
        i = prefix.end;
        continue;
      }
      while (i < text.length && isIdentPart(text[i])) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (isDigit(c)) {
      const t = number(text, i);
      tokens.push(t);
      i = t.end;
      continue;
    }
    if (c === '"' || c === "'") {
      const t = quoted(text, i);
      tokens.push(t);
      i = t.end;
      continue;
    }
    if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) fail(`unterminated string starting at ${i}: add the closing \``, span(i, text.length));
      const value = text.slice(i + 1, close);
      checkUnicode(value, i + 1);
      tokens.push({
        kind: 'string',
        strKind: 'raw',
        text: text.slice(i, close + 1),
        value,
        start,
        end: close + 1,
      });
      i = close + 1;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, start, end: i + op.length });
      i += op.length;
      continue;
    }
    if (c === '=') fail(`'=' is not an operator at ${i}: use '==' to compare (e.g. dst.port == 80)`, span(i));
    if (c === '&') fail(`'&' is not an operator at ${i}: use '&&' or 'and'`, span(i));
    if (c === '|') fail(`'|' is not an operator at ${i}: use '||' or 'or'`, span(i));
    if (c === '#') fail(`'#' does not start a comment in KFL at ${i}: use '//'`, span(i));
    const cp = text.codePointAt(i) ?? 0;
    const shown = String.fromCodePoint(cp);
    fail(
      `unexpected character '${shown}' at ${i}` +
        (cp > 127 ? ': names are ASCII; put other text in quotes' : ''),
      span(i, i + shown.length),
    );
  }
  tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length });
  return tokens;
}

/** r"…", r'…' (pattern strings); b"…" and triple quotes are refused with a reason. */
function stringPrefix(text: string, i: number): Token | undefined {
  const c = text[i];
  const q = text[i + 1];
  if (q !== '"' && q !== "'") {
    if ((c === 'b' || c === 'B' || c === 'r' || c === 'R') && /^[rRbB]["']/.test(text.slice(i + 1, i + 3)))
      fail(`bytes literals are not supported at ${i}: use a plain string`, { start: i, end: i + 3 });
    return undefined;
  }
  if (c === 'b' || c === 'B')
    fail(`bytes literals (b"…") are not supported at ${i}: use a plain string`, { start: i, end: i + 2 });
  if (c !== 'r' && c !== 'R') return undefined;
  if (text.startsWith(q.repeat(3), i + 1))
    fail(`triple-quoted strings are not supported at ${i}`, { start: i, end: i + 4 });
  let j = i + 2;
  while (j < text.length && text[j] !== q) {
    if (text[j] === '\n') break;
    j++;
  }
  if (j >= text.length || text[j] !== q)
    fail(`unterminated pattern string starting at ${i}: add the closing ${q}`, { start: i, end: j });
  const value = text.slice(i + 2, j);
  checkUnicode(value, i + 2);
  return { kind: 'string', strKind: 'pattern', text: text.slice(i, j + 1), value, start: i, end: j + 1 };
}

function number(text: string, start: number): Token {
  let i = start;
  let kind: 'int' | 'float' = 'int';
  let value: bigint | number;
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
    i += 2;
    const digits = i;
    while (i < text.length && isHex(text[i])) i++;
    if (i === digits) fail(`hex number needs digits after '0x' at ${start}`, { start, end: i });
    value = BigInt(text.slice(start, i));
  } else {
    while (i < text.length && isDigit(text[i])) i++;
    if (text[i] === '.' && isDigit(text[i + 1] ?? '')) {
      kind = 'float';
      i++;
      while (i < text.length && isDigit(text[i])) i++;
    }
    if ((text[i] === 'e' || text[i] === 'E') && /^[eE][+-]?[0-9]/.test(text.slice(i, i + 3))) {
      kind = 'float';
      i += text[i + 1] === '+' || text[i + 1] === '-' ? 2 : 1;
      while (i < text.length && isDigit(text[i])) i++;
    }
    value = kind === 'int' ? BigInt(text.slice(start, i)) : Number(text.slice(start, i));
  }
  const literal = text.slice(start, i);
  if (kind === 'int' && (text[i] === 'u' || text[i] === 'U')) i++; // CEL uint suffix: accepted, ignored
  if (i < text.length && (isIdentPart(text[i]) || (text[i] === '.' && isDigit(text[i + 1] ?? '')))) {
    let j = i;
    while (j < text.length && (isIdentPart(text[j]) || text[j] === '.')) j++;
    fail(`invalid number '${text.slice(start, j)}' at ${start}`, { start, end: j });
  }
  if (kind === 'int') {
    if ((value as bigint) > UINT64_MAX)
      fail(`integer ${literal} at ${start} is out of range (at most 18446744073709551615)`, {
        start,
        end: i,
      });
    return { kind, text: text.slice(start, i), start, end: i, value: value as bigint };
  }
  if (!Number.isFinite(value)) fail(`number ${literal} at ${start} is out of range`, { start, end: i });
  return { kind, text: text.slice(start, i), start, end: i, value: value as number };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '?': '?',
  '"': '"',
  "'": "'",
  '`': '`',
};

/** "…" or '…' with CEL escapes; no raw newlines (write \n). */
function quoted(text: string, start: number): Token {
  const q = text[start];
  if (text.startsWith(q.repeat(3), start))
    fail(`triple-quoted strings are not supported at ${start}`, { start, end: start + 3 });
  let i = start + 1;
  let value = '';
  for (;;) {
    if (i >= text.length || text[i] === '\n')
      fail(`unterminated string starting at ${start}: add the closing ${q}`, { start, end: i });
    const c = text[i];
    if (c === q) break;
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1] ?? '';
    const escStart = i;
    if (SIMPLE_ESCAPES[e] !== undefined) {
      value += SIMPLE_ESCAPES[e];
      i += 2;
      continue;
    }
    let hex: string | undefined;
    let width = 0;
    if (e === 'x' || e === 'X') width = 2;
    else if (e === 'u') width = 4;
    else if (e === 'U') width = 8;
    if (width > 0) {
      hex = text.slice(i + 2, i + 2 + width);
      if (hex.length !== width || ![...hex].every(isHex))
        fail(`escape \\${e} needs ${width} hex digits at ${escStart}`, {
          start: escStart,
          end: i + 2 + width,
        });
      i += 2 + width;
    } else if (/^[0-3][0-7][0-7]$/.test(text.slice(i + 1, i + 4))) {
      hex = Number.parseInt(text.slice(i + 1, i + 4), 8).toString(16);
      i += 4;
    } else {
      fail(`unknown escape '\\${e}' at ${escStart}: use \\\\ for a backslash, or r"…" / \`…\` for raw text`, {
        start: escStart,
        end: i + 2,
      });
    }
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      fail(`escape at ${escStart} is not a Unicode scalar value`, { start: escStart, end: i });
    value += String.fromCodePoint(cp);
  }
  checkUnicode(value, start + 1);
  return { kind: 'string', strKind: 'quoted', text: text.slice(start, i + 1), value, start, end: i + 1 };
}

/** A lone surrogate cannot be sent to ClickHouse as UTF-8, so both paths would disagree on it. */
function checkUnicode(value: string, at: number): void {
  const bad = value.search(/\p{Surrogate}/u);
  if (bad >= 0) fail(`invalid Unicode text near ${at + bad}`, { start: at + bad, end: at + bad + 1 });
}
