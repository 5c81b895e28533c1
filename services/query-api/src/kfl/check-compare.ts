import type { Expr, Span } from './ast.js';
import { unparen } from './ast.js';
import { and, arith, cmp, cond, conv, isNull, not, numtext, quantify, regex, truthy } from './build.js';
import { fail, KflError } from './errors.js';
import { type CmpOp, constant, FALSE, type Ir, isConst, isIntLike, isNumeric, TRUE } from './ir.js';
import { compileRegex, type Regex } from './regex-vm.js';
import { floatOfText, intOfText } from './values.js';

// Comparison rules of kfl.md §4.4 (null), §4.6 (equality), §4.7 (ordering), §4.8 (regex, in):
// which operand types meet how, decided at compile time from the static types.

export interface CheckContext {
  value(e: Expr): Ir;
  newSlot(): number;
  warn(message: string): void;
}

const TYPE_NAMES: Record<string, string> = {
  str: 'string',
  ts: 'timestamp',
  dur: 'duration',
  obj: 'object',
  list: 'list',
  map: 'map',
  null: 'null',
};
export const typeName = (x: Ir) => TYPE_NAMES[x.ty] ?? x.ty;
/** "an int", "a string": the kind of a value in an error message. */
export const aType = (x: Ir) => `${/^[aeiou]/.test(typeName(x)) ? 'an' : 'a'} ${typeName(x)}`;

const FLIP: Record<CmpOp, CmpOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const RATIO_FIELDS = new Set(['tcp_metrics.retransmission_rate', 'tcp_metrics.data_retransmission_rate']);

const isNilLiteral = (e: Expr) => unparen(e).kind === 'null';

function patternLiteral(e: Expr): (Span & { value: string }) | undefined {
  const x = unparen(e);
  return x.kind === 'string' && x.strKind === 'pattern' ? x : undefined;
}

/** Compiles a regex from the filter; a syntax error points at the literal. */
export function regexAt(pattern: string, fullMatch: boolean, at: Span): Regex {
  try {
    return compileRegex(pattern, fullMatch);
  } catch (err) {
    if (err instanceof KflError) throw err;
    fail(`invalid regular expression at ${at.start}: ${(err as Error).message}`, at);
  }
}

/** The text form a string test or regex reads: strings, integers and booleans have one. */
export function textOf(x: Ir, at: Span, what: string): Ir {
  if (x.ty === 'str' || x.ty === 'null') return x;
  if (x.ty === 'int' || x.ty === 'bool') return conv('text', x);
  fail(`${what} needs text at ${at.start}, but this is ${aType(x)}`, at);
}

function ratioWarning(ctx: CheckContext, field: Ir, other: Ir): void {
  if (
    field.k === 'col' &&
    RATIO_FIELDS.has(field.name) &&
    isConst(other) &&
    typeof other.value !== 'string'
  ) {
    const v = Number(other.value);
    if (v > 1)
      ctx.warn(
        `${field.name} is a ratio between 0 and 1 (0.05 = 5 %); comparing it with ${v} looks like a percentage — did you mean ${v / 100}?`,
      );
  }
}

/** `x ==/!= y` including the nil literal and r"…" patterns. */
export function equality(ctx: CheckContext, op: '==' | '!=', le: Expr, re: Expr, at: Span): Ir {
  const [lNil, rNil] = [isNilLiteral(le), isNilLiteral(re)];
  if (lNil || rNil) {
    // x == nil is the one comparison that is true on a null x (kfl.md §4.4)
    const test = lNil && rNil ? TRUE : isNull(ctx.value(lNil ? re : le));
    return op === '==' ? test : not(test);
  }
  const pattern = patternLiteral(re) ?? patternLiteral(le);
  if (pattern) {
    const subject = ctx.value(pattern === patternLiteral(re) ? le : re);
    return regexEquality(ctx, op, subject, regexAt(pattern.value, true, pattern), at);
  }
  for (const side of [le, re]) {
    const x = unparen(side);
    if (x.kind === 'string' && x.strKind !== 'pattern' && x.value.includes('.*'))
      ctx.warn(
        `"${x.value}" is compared literally; for a regular expression write r"${x.value}" (a full match)`,
      );
  }
  return eqValues(ctx, op, ctx.value(le), ctx.value(re), at);
}

function regexEquality(ctx: CheckContext, op: '==' | '!=', subject: Ir, re: Regex, at: Span): Ir {
  if (subject.ty === 'list') {
    const any = quantify('exists', subject, ctx.newSlot, (e) =>
      regex(textOf(e, at, 'a regular expression'), re),
    );
    return op === '==' ? any : and(truthy(subject), not(any));
  }
  const text = textOf(subject, at, 'a regular expression');
  if (text.ty === 'null') return FALSE;
  const m = regex(text, re);
  return op === '==' ? m : and(not(isNull(text)), not(m));
}

/** Equality of two values; any null operand makes it false. */
export function eqValues(ctx: CheckContext, op: '==' | '!=', l: Ir, r: Ir, at: Span): Ir {
  if (l.ty === 'null' || r.ty === 'null') return FALSE;
  ratioWarning(ctx, l, r);
  ratioWarning(ctx, r, l);
  if (l.ty === 'list' && r.ty === 'list') return listEquality(op, l, r);
  if (l.ty === 'list' || r.ty === 'list') {
    const [list, scalar] = l.ty === 'list' ? [l, r] : [r, l];
    const any = quantify('exists', list, ctx.newSlot, (e) => eqValues(ctx, '==', e, scalar, at));
    // list != x: the list is non-empty and no element equals x (kfl.md §4.6, §8 item 19)
    return op === '==' ? any : and(truthy(list), not(isNull(scalar)), not(any));
  }
  if (l.ty === 'obj' || r.ty === 'obj') {
    const [o, other] = l.ty === 'obj' ? [l, r] : [r, l];
    if (other.ty !== 'bool' && other.ty !== 'obj')
      mismatch('compare', l, r, at, ' (an object compares with nil or a bool)');
    return cmp(op, truthy(o), truthy(other));
  }
  if (l.ty === 'str' && isNumeric(r.ty)) return textNumber(op, l, r, false);
  if (r.ty === 'str' && isNumeric(l.ty)) return textNumber(op, r, l, true);
  if (l.ty === 'bool' && r.ty === 'str') return cmp(op, conv('text', l), r);
  if (r.ty === 'bool' && l.ty === 'str') return cmp(op, l, conv('text', r));
  return sameKind(op, l, r, at, 'compare');
}

function listEquality(op: '==' | '!=', l: Ir, r: Ir): Ir {
  const empty = (x: Ir) => isConst(x) && Array.isArray(x.value) && x.value.length === 0;
  // [] has no element type for ClickHouse: compare emptiness instead
  if (empty(l) || empty(r)) {
    const other = empty(l) ? r : l;
    const isEmpty = and(not(isNull(other)), not(truthy(other)));
    return op === '==' ? isEmpty : and(not(isNull(other)), truthy(other));
  }
  return cmp(op, l, r);
}

/** Operands of one kind: numbers (int and float mixed by value), text, bools, instants, durations. */
function sameKind(op: CmpOp, l: Ir, r: Ir, at: Span, verb: string): Ir {
  if (isNumeric(l.ty) && isNumeric(r.ty)) return numbers(op, l, r);
  if (l.ty === 'ts' && isNumeric(r.ty)) return numbers(op, l, millisToMicros(r));
  if (r.ty === 'ts' && isNumeric(l.ty)) return numbers(op, millisToMicros(l), r);
  if (l.ty === r.ty && ['str', 'bool', 'ts', 'dur'].includes(l.ty)) {
    if (l.ty === 'bool' && op !== '==' && op !== '!=') mismatch(verb, l, r, at, ' (bools have no order)');
    return cmp(op, l, r);
  }
  mismatch(verb, l, r, at);
}

/** A plain number against a timestamp is epoch milliseconds (kfl.md §4.13). */
function millisToMicros(n: Ir): Ir {
  if (n.ty === 'int') return arith('*', 'int', n, constant('int', 1000));
  return arith('*', 'float', n, constant('float', 1000));
}

/** Integers (and µs) compare exactly; with a float on either side both compare as Float64. */
function numbers(op: CmpOp, l: Ir, r: Ir): Ir {
  if (isIntLike(l.ty) && isIntLike(r.ty)) return cmp(op, l, r);
  return cmp(op, conv('float', l), conv('float', r));
}

/**
 * Text against a number: numeric when the text is a number (integer text exactly), otherwise
 * `==` is false and `!=` true (kfl.md §4.6); ordering with non-numeric text is false (§4.7).
 */
function textNumber(op: CmpOp, text: Ir, n: Ir, textOnRight: boolean): Ir {
  const compare = (a: Ir, b: Ir) => (textOnRight ? cmp(op, b, a) : cmp(op, a, b));
  const notNumber = op === '!=' ? not(isNull(text)) : FALSE;
  if (isConst(text)) {
    const s = text.value as string;
    const i = n.ty === 'int' ? intOfText(s) : null;
    if (i !== null) return compare(constant('int', i), n);
    const f = floatOfText(s);
    return f === null ? notNumber : compare(constant('float', f), conv('float', n));
  }
  const asFloat = numtext('float', text);
  const floatCase = cond(not(isNull(asFloat)), compare(asFloat, conv('float', n)), notNumber, 'bool');
  if (n.ty !== 'int') return floatCase;
  const asInt = numtext('int', text);
  return cond(not(isNull(asInt)), compare(asInt, n), floatCase, 'bool');
}

function mismatch(verb: string, l: Ir, r: Ir, at: Span, why = ''): never {
  fail(`cannot ${verb} ${aType(l)} with ${aType(r)} at ${at.start}${why}`, at);
}

/** `<`, `<=`, `>`, `>=`. */
export function ordering(ctx: CheckContext, op: CmpOp, le: Expr, re: Expr, at: Span): Ir {
  if (isNilLiteral(le) || isNilLiteral(re))
    fail(`nil has no order at ${at.start}: compare it with == or !=`, at);
  return orderValues(ctx, op, ctx.value(le), ctx.value(re), at);
}

function orderValues(ctx: CheckContext, op: CmpOp, l: Ir, r: Ir, at: Span): Ir {
  if (l.ty === 'null' || r.ty === 'null') return FALSE;
  ratioWarning(ctx, l, r);
  ratioWarning(ctx, r, l);
  if (l.ty === 'list' && r.ty === 'list') {
    // every pair satisfies it (kfl.md §4.7); an empty list on either side makes it false
    const pairs = quantify('all', l, ctx.newSlot, (a) =>
      quantify('all', r, ctx.newSlot, (b) => orderValues(ctx, op, a, b, at)),
    );
    return and(truthy(l), truthy(r), pairs);
  }
  if (l.ty === 'list') return quantify('exists', l, ctx.newSlot, (e) => orderValues(ctx, op, e, r, at));
  if (r.ty === 'list') return quantify('exists', r, ctx.newSlot, (e) => orderValues(ctx, FLIP[op], e, l, at));
  if (l.ty === 'str' && isNumeric(r.ty)) return textNumber(op, l, r, false);
  if (r.ty === 'str' && isNumeric(l.ty)) return textNumber(op, r, l, true);
  if (['bool', 'map', 'obj'].includes(l.ty) || ['bool', 'map', 'obj'].includes(r.ty))
    mismatch('order', l, r, at, ' (only numbers, text, timestamps and durations have an order)');
  return sameKind(op, l, r, at, 'order');
}

/** `x in list` (membership) and `k in map` (key presence). */
export function membership(ctx: CheckContext, le: Expr, re: Expr, at: Span): Ir {
  const x = ctx.value(le);
  const c = ctx.value(re);
  if (c.ty === 'str')
    fail(`'in' tests list membership or map keys at ${at.start}, not substrings: write x.contains("…")`, at);
  if (c.ty !== 'list' && c.ty !== 'map' && c.ty !== 'null')
    fail(`'in' needs a list or a map on its right at ${at.start}, not ${aType(c)}`, at);
  if (x.ty === 'list') fail(`the left side of 'in' must be a single value at ${at.start}, not a list`, at);
  if (c.ty === 'null' || x.ty === 'null') return FALSE;
  if (c.ty === 'map') {
    if (x.ty !== 'str') fail(`map keys are strings at ${at.start}, not ${aType(x)}`, at);
    return FALSE; // the catalogue's maps (labels, annotations) are always empty on tcp_flow entries
  }
  return quantify('exists', c, ctx.newSlot, (e) => eqValues(ctx, '==', x, e, at));
}
