import type { FlowRow } from '@tcpx/store';
import type { Ir, IrOf } from './ir.js';
import {
  addInt,
  codePointLength,
  compareText,
  divInt,
  floatOfText,
  type Int,
  intOfText,
  type KflMap,
  modInt,
  mulInt,
  negInt,
  subInt,
  type Value,
} from './values.js';

// The in-process path: the checked filter compiled once into closures over a FlowRow. Each node
// mirrors the SQL compile-sql.ts prints for it (same null rules, same integer wrap-around).

export type Evaluator = (row: FlowRow) => Value;

/** Element variables of exists/all lambdas; evaluation is synchronous, so one array per filter. */
export type Slots = Value[];

export function evaluator(ir: Ir, slots: Slots): Evaluator {
  switch (ir.k) {
    case 'const': {
      const v = ir.value;
      return () => v;
    }
    case 'col':
      return ir.get;
    case 'var': {
      const { slot } = ir;
      return () => slots[slot];
    }
    case 'not': {
      const x = evaluator(ir.x, slots);
      return (r) => !x(r);
    }
    case 'and':
    case 'or': {
      const xs = ir.xs.map((x) => evaluator(x, slots));
      const stopOn = ir.k === 'or';
      return (r) => {
        for (const x of xs) if (x(r) === stopOn) return stopOn;
        return !stopOn;
      };
    }
    case 'truthy':
      return truthiness(ir.x, evaluator(ir.x, slots));
    case 'cond': {
      const [c, a, b] = [ir.c, ir.a, ir.b].map((x) => evaluator(x, slots));
      return (r) => (c(r) ? a(r) : b(r));
    }
    case 'cmp':
      return comparison(ir, evaluator(ir.l, slots), evaluator(ir.r, slots));
    case 'isnull': {
      const x = evaluator(ir.x, slots);
      return (r) => x(r) === null;
    }
    case 'arith':
      return arithmetic(ir, evaluator(ir.l, slots), evaluator(ir.r, slots));
    case 'neg': {
      const x = evaluator(ir.x, slots);
      if (ir.ty === 'float') return (r) => nullOr(x(r), (v) => -(v as number));
      return (r) => nullOr(x(r), (v) => negInt(v as Int));
    }
    case 'concat': {
      const [l, rt] = [evaluator(ir.l, slots), evaluator(ir.r, slots)];
      return (r) => {
        const a = l(r);
        const b = rt(r);
        return a === null || b === null ? null : (a as string) + (b as string);
      };
    }
    case 'conv':
      return conversion(ir, evaluator(ir.x, slots));
    case 'numtext': {
      const x = evaluator(ir.x, slots);
      const parse = ir.as === 'int' ? intOfText : floatOfText;
      return (r) => nullOr(x(r), (v) => parse(v as string));
    }
    case 'regex': {
      const x = evaluator(ir.x, slots);
      const { re } = ir;
      return (r) => {
        const v = x(r);
        return v !== null && re.test(v as string);
      };
    }
    case 'strfn':
      return stringTest(ir, evaluator(ir.x, slots), evaluator(ir.arg, slots));
    case 'size': {
      const x = evaluator(ir.x, slots);
      if (ir.x.ty === 'str') return (r) => nullOr(x(r), (v) => codePointLength(v as string));
      if (ir.x.ty === 'map') return (r) => nullOr(x(r), (v) => Object.keys(v as KflMap).length);
      return (r) => nullOr(x(r), (v) => (v as Value[]).length);
    }
    case 'index': {
      const [list, i] = [evaluator(ir.list, slots), evaluator(ir.i, slots)];
      return (r) => {
        const l = list(r) as Value[] | null;
        const k = i(r) as Int | null;
        return l === null || k === null || k < 0 || k >= l.length ? null : l[Number(k)];
      };
    }
    case 'list': {
      const items = ir.items.map((x) => evaluator(x, slots));
      return (r) => items.map((x) => x(r));
    }
    case 'exists':
    case 'all': {
      const [list, body] = [evaluator(ir.list, slots), evaluator(ir.body, slots)];
      const { slot } = ir;
      const want = ir.k === 'exists';
      return (r) => {
        const l = list(r) as Value[] | null;
        if (l === null) return false;
        for (const e of l) {
          slots[slot] = e;
          if (body(r) === want) return want;
        }
        return !want;
      };
    }
  }
}

function nullOr(v: Value, f: (v: Value) => Value): Value {
  return v === null ? null : f(v);
}

function truthiness(x: Ir, f: Evaluator): Evaluator {
  switch (x.ty) {
    case 'bool':
    case 'obj':
      return (r) => f(r) === true;
    case 'int':
    case 'float':
      return (r) => {
        const v = f(r);
        return v !== null && v !== 0;
      };
    case 'str':
      return (r) => {
        const v = f(r);
        return v !== null && v !== '';
      };
    case 'list':
      return (r) => {
        const v = f(r) as Value[] | null;
        return v !== null && v.length > 0;
      };
    case 'map':
      return (r) => {
        const v = f(r) as KflMap | null;
        return v !== null && Object.keys(v).length > 0;
      };
    default:
      return () => false;
  }
}

function listEqual(a: readonly Value[], b: readonly Value[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A comparison with a null operand is false, `!=` included (kfl.md §4.4). */
function comparison(ir: IrOf<'cmp'>, l: Evaluator, rt: Evaluator): Evaluator {
  const { op } = ir;
  const text = ir.l.ty === 'str';
  if (ir.l.ty === 'list') {
    const ne = op === '!=';
    return (r) => {
      const a = l(r) as Value[] | null;
      const b = rt(r) as Value[] | null;
      return a !== null && b !== null && listEqual(a, b) !== ne;
    };
  }
  return (r) => {
    const a = l(r);
    const b = rt(r);
    if (a === null || b === null) return false;
    if (op === '==') return a === b;
    if (op === '!=') return a !== b;
    const c = text ? compareText(a as string, b as string) : 0;
    switch (op) {
      case '<':
        return text ? c < 0 : (a as Int) < (b as Int);
      case '<=':
        return text ? c <= 0 : (a as Int) <= (b as Int);
      case '>':
        return text ? c > 0 : (a as Int) > (b as Int);
      default:
        return text ? c >= 0 : (a as Int) >= (b as Int);
    }
  };
}

const INT_OPS = { '+': addInt, '-': subInt, '*': mulInt, '/': divInt, '%': modInt };

function arithmetic(ir: IrOf<'arith'>, l: Evaluator, rt: Evaluator): Evaluator {
  if (ir.ty !== 'float') {
    const f = INT_OPS[ir.op];
    return (r) => {
      const a = l(r);
      const b = rt(r);
      return a === null || b === null ? null : f(a as Int, b as Int);
    };
  }
  const { op } = ir;
  return (r) => {
    const a = l(r) as number | null;
    const b = rt(r) as number | null;
    if (a === null || b === null) return null;
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      default:
        return b === 0 ? null : a / b; // division by zero: the enclosing comparison is false
    }
  };
}

function conversion(ir: IrOf<'conv'>, x: Evaluator): Evaluator {
  if (ir.to === 'float') return (r) => nullOr(x(r), (v) => Number(v));
  if (ir.x.ty === 'bool') return (r) => nullOr(x(r), (v) => (v ? 'true' : 'false'));
  return (r) => nullOr(x(r), (v) => String(v));
}

function stringTest(ir: IrOf<'strfn'>, x: Evaluator, arg: Evaluator): Evaluator {
  const { fn } = ir;
  return (r) => {
    const s = x(r) as string | null;
    const a = arg(r) as string | null;
    if (s === null || a === null) return false;
    return fn === 'startsWith' ? s.startsWith(a) : fn === 'endsWith' ? s.endsWith(a) : s.includes(a);
  };
}
