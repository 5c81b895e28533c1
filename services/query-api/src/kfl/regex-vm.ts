import { type Assertion, parseRegex, type RegexNode } from './regex-parse.js';

// A Pike VM (Thompson NFA simulation): time linear in pattern × text, so a hostile pattern cannot
// stall the live stream the way a backtracking JS RegExp could, and its meaning is RE2's, not
// ECMAScript's. Only "is there a match" is computed: no captures, no leftmost-longest.

const CHAR = 0;
const SPLIT = 1;
const ASSERT = 2;
const MATCH = 3;

type Inst =
  | { op: typeof CHAR; test: (cp: number) => boolean; next: number }
  | { op: typeof SPLIT; x: number; y: number }
  | { op: typeof ASSERT; a: Assertion; next: number }
  | { op: typeof MATCH };

/** Bounds the program built from counted repetitions; RE2's own limit is of the same order. */
const MAX_PROGRAM = 50_000;

export interface Regex {
  /** The RE2 pattern for ClickHouse's match(): anchored as \A(?:…)\z for a full match. */
  readonly source: string;
  test(text: string): boolean;
}

export class RegexTooLargeError extends Error {}

/** Compiles an RE2 pattern; `fullMatch` anchors it at both ends (KFL's `x == r"…"`). */
export function compileRegex(pattern: string, fullMatch: boolean): Regex {
  const parsed = parseRegex(pattern);
  const node: RegexNode = fullMatch
    ? { t: 'cat', xs: [{ t: 'assert', a: 'bot' }, parsed.node, { t: 'assert', a: 'eot' }] }
    : parsed.node;
  const prog: Inst[] = [{ op: MATCH }];
  const start = emit(node, 0, prog);
  const source = fullMatch ? `\\A(?:${parsed.source})\\z` : parsed.source;
  return { source, test: matcher(prog, start) };
}

/** Appends the instructions of `node` followed by `next`; returns the entry instruction. */
function emit(node: RegexNode, next: number, prog: Inst[]): number {
  const push = (inst: Inst): number => {
    if (prog.length >= MAX_PROGRAM) throw new RegexTooLargeError('pattern is too large');
    prog.push(inst);
    return prog.length - 1;
  };
  switch (node.t) {
    case 'empty':
      return next;
    case 'set':
      return push({ op: CHAR, test: node.test, next });
    case 'assert':
      return push({ op: ASSERT, a: node.a, next });
    case 'cat': {
      let entry = next;
      for (let k = node.xs.length - 1; k >= 0; k--) entry = emit(node.xs[k], entry, prog);
      return entry;
    }
    case 'alt': {
      let entry = emit(node.xs[node.xs.length - 1], next, prog);
      for (let k = node.xs.length - 2; k >= 0; k--)
        entry = push({ op: SPLIT, x: emit(node.xs[k], next, prog), y: entry });
      return entry;
    }
    case 'rep': {
      let entry: number;
      if (node.max === -1) {
        const loop = push({ op: SPLIT, x: -1, y: next });
        (prog[loop] as { x: number }).x = emit(node.x, loop, prog);
        entry = loop;
      } else {
        entry = next;
        for (let k = node.min; k < node.max; k++)
          entry = push({ op: SPLIT, x: emit(node.x, entry, prog), y: next });
      }
      for (let k = 0; k < node.min; k++) entry = emit(node.x, entry, prog);
      return entry;
    }
  }
}

const isWordUnit = (u: number) =>
  (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) || u === 0x5f || (u >= 0x61 && u <= 0x7a);

function holds(a: Assertion, text: string, pos: number): boolean {
  switch (a) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === text.length;
    case 'bol':
      return pos === 0 || text.charCodeAt(pos - 1) === 10;
    case 'eol':
      return pos === text.length || text.charCodeAt(pos) === 10;
    case 'wordb':
    case 'nwordb': {
      // RE2's \b is ASCII-only; a surrogate half is never an ASCII word character.
      const before = pos > 0 && isWordUnit(text.charCodeAt(pos - 1));
      const after = pos < text.length && isWordUnit(text.charCodeAt(pos));
      return (before !== after) === (a === 'wordb');
    }
  }
}

/** Sparse sets of instruction indexes, allocated once per pattern (matching is synchronous). */
function matcher(prog: Inst[], start: number): (text: string) => boolean {
  const n = prog.length;
  let cur = { dense: new Int32Array(n), sparse: new Int32Array(n), size: 0 };
  let nxt = { dense: new Int32Array(n), sparse: new Int32Array(n), size: 0 };
  const stack = new Int32Array(2 * n + 2); // a SPLIT pushes two; each instruction expands once
  type List = typeof cur;
  const has = (l: List, pc: number) => {
    const k = l.sparse[pc];
    return k < l.size && l.dense[k] === pc;
  };
  /** Follows SPLITs and assertions from `pc` at `pos`; true when MATCH is reachable. */
  const add = (l: List, pc0: number, text: string, pos: number): boolean => {
    let top = 0;
    stack[top++] = pc0;
    let matched = false;
    while (top > 0) {
      const pc = stack[--top];
      if (has(l, pc)) continue;
      l.sparse[pc] = l.size;
      l.dense[l.size++] = pc;
      const inst = prog[pc];
      if (inst.op === SPLIT) {
        stack[top++] = inst.y;
        stack[top++] = inst.x;
      } else if (inst.op === ASSERT) {
        if (holds(inst.a, text, pos)) stack[top++] = inst.next;
      } else if (inst.op === MATCH) {
        matched = true;
      }
    }
    return matched;
  };
  return (text: string) => {
    cur.size = 0;
    let pos = 0;
    for (;;) {
      if (add(cur, start, text, pos)) return true; // unanchored: a thread starts at every position
      if (pos >= text.length) return false;
      const cp = text.codePointAt(pos) ?? 0;
      const width = cp > 0xffff ? 2 : 1;
      nxt.size = 0;
      for (let k = 0; k < cur.size; k++) {
        const inst = prog[cur.dense[k]];
        if (inst.op === CHAR && inst.test(cp) && add(nxt, inst.next, text, pos + width)) return true;
      }
      const t = cur;
      cur = nxt;
      nxt = t;
      pos += width;
    }
  };
}
