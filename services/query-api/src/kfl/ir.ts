import type { FlowRow } from '@tcpx/store';
import type { ArithOp } from './ast.js';
import type { Regex } from './regex-vm.js';
import type { Value } from './values.js';

// The checked, fully typed form of a filter. check.ts builds it from the parse tree (resolving
// names, coercions and null rules); compile-sql.ts prints it as ClickHouse SQL and evaluate.ts
// turns it into closures, so both paths run the same decisions.

/**
 * Value kinds. Timestamps (`ts`) and durations (`dur`) are integers of microseconds; `obj` is an
 * object such as `error`, whose only observable property is whether it is present.
 */
export type Base = 'bool' | 'int' | 'float' | 'str' | 'ts' | 'dur' | 'list' | 'map' | 'obj' | 'null';
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface Typed {
  readonly ty: Base;
  /** Element kind of a list. */
  readonly elem?: Base;
  /** Whether the value can be null at run time. */
  readonly nullable: boolean;
}

export type Ir = Typed &
  (
    | { readonly k: 'const'; readonly value: Value }
    /** A catalogue field backed by tcp_flows columns. */
    | {
        readonly k: 'col';
        readonly name: string;
        readonly sql: string;
        readonly columns: readonly string[];
        readonly get: (row: FlowRow) => Value;
      }
    /** The element variable of an exists/all lambda. */
    | { readonly k: 'var'; readonly slot: number }
    | { readonly k: 'not'; readonly x: Ir }
    | { readonly k: 'and' | 'or'; readonly xs: readonly Ir[] }
    /** KFL truthiness (kfl.md §4.3) of any value: never null. */
    | { readonly k: 'truthy'; readonly x: Ir }
    | { readonly k: 'cond'; readonly c: Ir; readonly a: Ir; readonly b: Ir }
    /** Operands of one class: both integer-like (int/ts/dur), both float, both str, both bool or both list. */
    | { readonly k: 'cmp'; readonly op: CmpOp; readonly l: Ir; readonly r: Ir }
    | { readonly k: 'isnull'; readonly x: Ir }
    | { readonly k: 'arith'; readonly op: ArithOp; readonly l: Ir; readonly r: Ir }
    | { readonly k: 'neg'; readonly x: Ir }
    | { readonly k: 'concat'; readonly l: Ir; readonly r: Ir }
    /** int (or µs) → float, int/bool → text. */
    | { readonly k: 'conv'; readonly to: 'float' | 'text'; readonly x: Ir }
    /** Numeric text → its number, null when the text is not a number of that kind. */
    | { readonly k: 'numtext'; readonly as: 'int' | 'float'; readonly x: Ir }
    | { readonly k: 'regex'; readonly x: Ir; readonly re: Regex }
    | {
        readonly k: 'strfn';
        readonly fn: 'startsWith' | 'endsWith' | 'contains';
        readonly x: Ir;
        readonly arg: Ir;
      }
    | { readonly k: 'size'; readonly x: Ir }
    | { readonly k: 'index'; readonly list: Ir; readonly i: Ir }
    | { readonly k: 'list'; readonly items: readonly Ir[] }
    /** Some / every element of `list` makes `body` (reading the element as var `slot`) true. */
    | { readonly k: 'exists' | 'all'; readonly list: Ir; readonly slot: number; readonly body: Ir }
  );

export type IrOf<K extends Ir['k']> = Extract<Ir, { k: K }>;

export const TRUE: Ir = { k: 'const', ty: 'bool', nullable: false, value: true };
export const FALSE: Ir = { k: 'const', ty: 'bool', nullable: false, value: false };
export const NULL: Ir = { k: 'const', ty: 'null', nullable: true, value: null };

export function constant(ty: Base, value: Value, elem?: Base): Ir {
  return { k: 'const', ty, elem, nullable: value === null, value };
}

export const isConst = (x: Ir): x is IrOf<'const'> => x.k === 'const';
export const isIntLike = (ty: Base) => ty === 'int' || ty === 'ts' || ty === 'dur';
export const isNumeric = (ty: Base) => ty === 'int' || ty === 'float';
