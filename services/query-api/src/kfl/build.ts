import type { FlowRow } from '@tcpx/store';
import type { ArithOp } from './ast.js';
import { evaluator } from './evaluate.js';
import { type Base, type CmpOp, constant, FALSE, type Ir, isConst, TRUE } from './ir.js';
import type { Regex } from './regex-vm.js';
import type { Value } from './values.js';

// IR constructors. A node whose operands are all constants is evaluated at compile time with the
// in-process evaluator itself, so folding cannot change what a filter means.

const NO_ROW = {} as FlowRow;

export function children(ir: Ir): readonly Ir[] {
  switch (ir.k) {
    case 'const':
    case 'col':
    case 'var':
      return [];
    case 'not':
    case 'truthy':
    case 'isnull':
    case 'neg':
    case 'conv':
    case 'numtext':
    case 'regex':
    case 'size':
      return [ir.x];
    case 'and':
    case 'or':
      return ir.xs;
    case 'cond':
      return [ir.c, ir.a, ir.b];
    case 'cmp':
    case 'arith':
    case 'concat':
      return [ir.l, ir.r];
    case 'strfn':
      return [ir.x, ir.arg];
    case 'index':
      return [ir.list, ir.i];
    case 'list':
      return ir.items;
    case 'exists':
    case 'all':
      return [ir.list, ir.body];
  }
}

function fold(ir: Ir): Ir {
  if (ir.k === 'const' || !children(ir).every(isConst)) return ir;
  return constant(ir.ty, evaluator(ir, [])(NO_ROW), ir.elem);
}

export const not = (x: Ir): Ir => fold({ k: 'not', ty: 'bool', nullable: false, x });

function junction(k: 'and' | 'or', parts: readonly Ir[]): Ir {
  const unit = k === 'and' ? TRUE : FALSE;
  const absorbing = k === 'and' ? FALSE : TRUE;
  const stop = k === 'or';
  const xs: Ir[] = [];
  for (const p of parts) {
    for (const x of p.k === k ? p.xs : [p]) {
      if (isConst(x)) {
        if (x.value === stop) return absorbing;
        continue; // a unit operand (constants here are booleans)
      }
      xs.push(x);
    }
  }
  if (xs.length === 0) return unit;
  return xs.length === 1 ? xs[0] : { k, ty: 'bool', nullable: false, xs };
}

export const and = (...xs: Ir[]): Ir => junction('and', xs);
export const or = (...xs: Ir[]): Ir => junction('or', xs);

/** KFL truthiness (§4.3); callers reject timestamps and durations first. */
export function truthy(x: Ir): Ir {
  if (x.ty === 'bool' && !x.nullable) return x;
  if (x.ty === 'null') return FALSE;
  return fold({ k: 'truthy', ty: 'bool', nullable: false, x });
}

export const cmp = (op: CmpOp, l: Ir, r: Ir): Ir =>
  l.ty === 'null' || r.ty === 'null' ? FALSE : fold({ k: 'cmp', ty: 'bool', nullable: false, op, l, r });

/** An object (`error`) is null exactly when it is absent: its value is its presence. */
export const isNull = (x: Ir): Ir =>
  x.ty === 'obj'
    ? not(truthy(x))
    : x.nullable
      ? fold({ k: 'isnull', ty: 'bool', nullable: false, x })
      : FALSE;

export const cond = (c: Ir, a: Ir, b: Ir, ty: Base, elem?: Base): Ir =>
  isConst(c) ? (c.value ? a : b) : { k: 'cond', ty, elem, nullable: a.nullable || b.nullable, c, a, b };

/** `nullable` covers division or modulo by zero on top of null operands. */
export const arith = (op: ArithOp, ty: Base, l: Ir, r: Ir): Ir =>
  fold({ k: 'arith', ty, nullable: l.nullable || r.nullable || op === '/' || op === '%', op, l, r });

export const neg = (x: Ir): Ir => fold({ k: 'neg', ty: x.ty, nullable: x.nullable, x });

export const concat = (l: Ir, r: Ir): Ir =>
  fold({ k: 'concat', ty: 'str', nullable: l.nullable || r.nullable, l, r });

export function conv(to: 'float' | 'text', x: Ir): Ir {
  if (to === 'float' && x.ty === 'float') return x;
  if (to === 'text' && x.ty === 'str') return x;
  return fold({ k: 'conv', ty: to === 'float' ? 'float' : 'str', nullable: x.nullable, to, x });
}

export const numtext = (as: 'int' | 'float', x: Ir): Ir =>
  fold({ k: 'numtext', ty: as, nullable: true, as, x });

export const regex = (x: Ir, re: Regex): Ir => fold({ k: 'regex', ty: 'bool', nullable: false, x, re });

export const strfn = (fn: 'startsWith' | 'endsWith' | 'contains', x: Ir, arg: Ir): Ir =>
  x.ty === 'null' || arg.ty === 'null'
    ? FALSE
    : fold({ k: 'strfn', ty: 'bool', nullable: false, fn, x, arg });

export const size = (x: Ir): Ir =>
  x.k === 'list' ? constant('int', x.items.length) : fold({ k: 'size', ty: 'int', nullable: x.nullable, x });

export const index = (list: Ir, i: Ir): Ir =>
  fold({ k: 'index', ty: list.elem ?? 'null', nullable: true, list, i });

export function list(items: Ir[], elem: Base): Ir {
  if (items.every(isConst))
    return constant(
      'list',
      items.map((x) => (x as { value: Value }).value),
      elem,
    );
  return { k: 'list', ty: 'list', elem, nullable: false, items };
}

/** Elements of a list as IR when they are known at compile time (a literal or a constant). */
function knownItems(l: Ir): Ir[] | undefined {
  if (l.k === 'list') return [...l.items];
  if (l.k === 'const' && Array.isArray(l.value))
    return (l.value as Value[]).map((v) => constant(l.elem ?? 'null', v));
  return undefined;
}

/**
 * Some element of `l` satisfies `body` (every element, for 'all'; true for an empty list).
 * Known elements expand to or/and; otherwise the element is a lambda variable in `slot`.
 */
export function quantify(k: 'exists' | 'all', l: Ir, newSlot: () => number, body: (e: Ir) => Ir): Ir {
  const items = knownItems(l);
  if (items) return k === 'exists' ? or(...items.map(body)) : and(...items.map(body));
  if (l.ty !== 'list') return FALSE;
  const slot = newSlot();
  const b = body({ k: 'var', ty: l.elem ?? 'null', nullable: false, slot });
  if (isConst(b)) {
    if (k === 'exists') return b.value ? truthy(l) : FALSE;
    return b.value ? not(isNull(l)) : and(not(isNull(l)), not(truthy(l)));
  }
  return { k, ty: 'bool', nullable: false, list: l, slot, body: b };
}
