import type { StringKind } from './lexer.js';

// The parse tree of the unified KFL grammar (../shared/docs/kfl.md §3.1). Every node keeps its
// [start, end) span in the filter text so later stages can point at it.

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type RelOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';
export type ArithOp = '+' | '-' | '*' | '/' | '%';

export type Expr =
  | (Span & { readonly kind: 'int'; readonly value: bigint })
  | (Span & { readonly kind: 'float'; readonly value: number })
  | (Span & { readonly kind: 'string'; readonly value: string; readonly strKind: StringKind })
  | (Span & { readonly kind: 'bool'; readonly value: boolean })
  | (Span & { readonly kind: 'null' })
  | (Span & { readonly kind: 'ident'; readonly name: string })
  | (Span & { readonly kind: 'member'; readonly object: Expr; readonly name: string; readonly nameAt: Span })
  /** `.*` or `[*]`: every element of a list (every value of a map). */
  | (Span & { readonly kind: 'wildcard'; readonly object: Expr })
  /** `..name`: recursive descent (v1, only meaningful after json()/xml()). */
  | (Span & { readonly kind: 'descent'; readonly object: Expr; readonly name: string })
  | (Span & { readonly kind: 'index'; readonly object: Expr; readonly index: Expr })
  /** `name(args)` (target undefined) or `target.name(args)`. */
  | (Span & {
      readonly kind: 'call';
      readonly target: Expr | undefined;
      readonly name: string;
      readonly nameAt: Span;
      readonly args: readonly Expr[];
    })
  | (Span & { readonly kind: 'list'; readonly items: readonly Expr[] })
  | (Span & { readonly kind: 'unary'; readonly op: '!' | '-'; readonly operand: Expr })
  | (Span & {
      readonly kind: 'binary';
      readonly op: RelOp | ArithOp;
      readonly opAt: Span;
      readonly left: Expr;
      readonly right: Expr;
    })
  | (Span & {
      readonly kind: 'logical';
      readonly op: 'and' | 'or';
      readonly left: Expr;
      readonly right: Expr;
    })
  | (Span & { readonly kind: 'cond'; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr })
  /** Parentheses are kept: they matter for warnings and directive placement, not for meaning. */
  | (Span & { readonly kind: 'paren'; readonly inner: Expr });

export const REL_OPS: readonly string[] = ['==', '!=', '<', '<=', '>', '>=', 'in'];

/** Strips any number of enclosing parentheses. */
export function unparen(e: Expr): Expr {
  let x = e;
  while (x.kind === 'paren') x = x.inner;
  return x;
}
