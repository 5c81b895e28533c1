import type { Expr, Span } from './ast.js';
import { unparen } from './ast.js';
import { quantify, regex, size, strfn } from './build.js';
import { aType, type CheckContext, regexAt, textOf } from './check-compare.js';
import { fail } from './errors.js';
import { constant, type Ir, isConst, NULL } from './ir.js';
import { closest } from './suggest.js';
import { HELPER_UNIT_US, parseDuration, parseTimestamp, parseUsDateTime } from './time.js';
import { type Int, normInt } from './values.js';

// Global functions and methods of kfl.md §4.11. Time helpers are resolved at compile time.

type CallExpr = Extract<Expr, { kind: 'call' }>;

export interface CallContext extends CheckContext {
  readonly nowUs: Int;
}

export const DIRECTIVES = new Set(['limit', 'rlimit', 'redact']);
const FUNCTIONS = [
  'size',
  'map_get',
  'timestamp',
  'duration',
  'datetime',
  'now',
  ...Object.keys(HELPER_UNIT_US),
];
const METHODS = ['startsWith', 'endsWith', 'contains', 'matches', 'size'];
const I64 = 1n << 63n;

function arity(e: CallExpr, n: number): void {
  if (e.args.length !== n)
    fail(
      `${e.name}() takes ${n === 0 ? 'no arguments' : n === 1 ? '1 argument' : `${n} arguments`}, got ${e.args.length} at ${e.nameAt.start}`,
      { start: e.nameAt.start, end: e.end },
    );
}

/** An argument that must be known at compile time (time texts, helper counts, patterns). */
function constantArg(ctx: CheckContext, e: CallExpr, i: number, ty: 'str' | 'num'): Ir & { k: 'const' } {
  const x = ctx.value(e.args[i]);
  const ok = ty === 'str' ? x.ty === 'str' : x.ty === 'int' || x.ty === 'float';
  if (!isConst(x) || !ok || x.value === null)
    fail(
      `${e.name}() needs a constant ${ty === 'str' ? 'string' : 'number'} at ${e.args[i].start}`,
      e.args[i],
    );
  return x;
}

function timeText(ctx: CheckContext, e: CallExpr, parse: (s: string) => Int, ty: 'ts' | 'dur'): Ir {
  arity(e, 1);
  const text = constantArg(ctx, e, 0, 'str').value as string;
  try {
    return constant(ty, parse(text));
  } catch (err) {
    fail(`${(err as Error).message} at ${e.args[0].start}`, e.args[0]);
  }
}

/** seconds(n) … years(n): now plus n units (negative n = the past). */
function helper(ctx: CallContext, e: CallExpr): Ir {
  arity(e, 1);
  const n = constantArg(ctx, e, 0, 'num').value as Int;
  const unit = HELPER_UNIT_US[e.name];
  const scaled = typeof n === 'number' && !Number.isInteger(n) ? Math.trunc(n * unit) : undefined;
  const tooFar = () => fail(`${e.name}(${n}) is out of range at ${e.start}`, e);
  if (scaled !== undefined && !Number.isFinite(scaled)) tooFar();
  const us = BigInt(ctx.nowUs) + (scaled !== undefined ? BigInt(scaled) : BigInt(n) * BigInt(unit));
  if (us >= I64 || us < -I64) tooFar();
  return constant('ts', normInt(us));
}

export function globalCall(ctx: CallContext, e: CallExpr, isName: (name: string) => boolean): Ir {
  switch (e.name) {
    case 'size':
      arity(e, 1);
      return sizeOf(ctx.value(e.args[0]), e.args[0]);
    case 'map_get': {
      arity(e, 3);
      const m = ctx.value(e.args[0]);
      const k = ctx.value(e.args[1]);
      if (m.ty !== 'map' && m.ty !== 'null')
        fail(`map_get() needs a map as its first argument at ${e.args[0].start}, not ${aType(m)}`, e.args[0]);
      if (k.ty !== 'str' && k.ty !== 'null')
        fail(`map keys are strings at ${e.args[1].start}, not ${aType(k)}`, e.args[1]);
      return ctx.value(e.args[2]); // the catalogue's maps are always empty: the default
    }
    case 'timestamp':
      return timeText(ctx, e, parseTimestamp, 'ts');
    case 'duration':
      return timeText(ctx, e, parseDuration, 'dur');
    case 'datetime':
      return timeText(ctx, e, parseUsDateTime, 'ts');
    case 'now':
      arity(e, 0);
      return constant('ts', ctx.nowUs);
    default:
      break;
  }
  if (HELPER_UNIT_US[e.name] !== undefined) return helper(ctx, e);
  if (DIRECTIVES.has(e.name))
    fail(
      `${e.name}() is a query directive at ${e.start}: it may only be a top-level condition joined with 'and', e.g. 'tcp_flow and ${e.name}(…)'`,
      e,
    );
  if (e.name === 'json' || e.name === 'xml')
    fail(`${e.name}() is not supported at ${e.start}: tcp_flow entries hold no encoded payload`, e.nameAt);
  if (isName(e.name)) fail(`'${e.name}' is not a function at ${e.start}`, e.nameAt);
  const hint = closest(e.name, FUNCTIONS);
  fail(`unknown function '${e.name}' at ${e.start}${hint ? ` — did you mean ${hint}?` : ''}`, e.nameAt);
}

export function sizeOf(x: Ir, at: Span): Ir {
  if (x.ty === 'null') return NULL;
  if (x.ty === 'map') return constant('int', 0);
  if (x.ty !== 'str' && x.ty !== 'list')
    fail(`size() needs a string, list or map at ${at.start}, not ${aType(x)}`, at);
  return size(x);
}

export function methodCall(ctx: CheckContext, e: CallExpr, receiver: Ir): Ir {
  const target = e.target as Expr;
  switch (e.name) {
    case 'startsWith':
    case 'endsWith':
    case 'contains': {
      arity(e, 1);
      const arg = textOf(ctx.value(e.args[0]), e.args[0], `${e.name}()`);
      const fn = e.name;
      if (receiver.ty === 'list')
        return quantify('exists', receiver, ctx.newSlot, (el) => strfn(fn, el, arg));
      return strfn(fn, textOf(receiver, target, `${e.name}()`), arg);
    }
    case 'matches': {
      arity(e, 1);
      const raw = unparen(e.args[0]);
      const pattern = constantArg(ctx, e, 0, 'str').value as string;
      const re = regexAt(pattern, false, raw);
      if (receiver.ty === 'list')
        return quantify('exists', receiver, ctx.newSlot, (el) => regex(textOf(el, target, 'matches()'), re));
      const text = textOf(receiver, target, 'matches()');
      return text.ty === 'null' ? constant('bool', false) : regex(text, re);
    }
    case 'size':
      arity(e, 0);
      return sizeOf(receiver, target);
    case 'json':
    case 'xml':
      fail(
        `${e.name}() is not supported at ${e.nameAt.start}: tcp_flow entries hold no encoded payload`,
        e.nameAt,
      );
      break;
    default:
      break;
  }
  const hint = closest(e.name, METHODS);
  fail(
    `unknown method '${e.name}' at ${e.nameAt.start}${hint ? ` — did you mean ${hint}?` : ` (methods: ${METHODS.join(', ')})`}`,
    e.nameAt,
  );
}
