import { type Expr, REL_OPS } from './ast.js';

// Warnings about filters that are valid but probably do not mean what their author thinks
// (kfl.md §8 items 2 and 22). Type-dependent warnings come from the checker.

export const MIXED_AND_OR =
  "'and' binds tighter than 'or': 'a and b or c' means '(a and b) or c' (KFL v1 read it as 'a and (b or c)'); add parentheses to say which";
export const BANG_COMPARISON =
  "'!' applies to the next operand only: '!a == b' means '(!a) == b'; write '!(a == b)' or 'a != b'";

function subexpressions(e: Expr): Expr[] {
  switch (e.kind) {
    case 'member':
    case 'wildcard':
    case 'descent':
      return [e.object];
    case 'index':
      return [e.object, e.index];
    case 'call':
      return e.target ? [e.target, ...e.args] : [...e.args];
    case 'list':
      return [...e.items];
    case 'unary':
      return [e.operand];
    case 'binary':
    case 'logical':
      return [e.left, e.right];
    case 'cond':
      return [e.test, e.then, e.otherwise];
    case 'paren':
      return [e.inner];
    default:
      return [];
  }
}

export function lint(ast: Expr | undefined): string[] {
  const warnings = new Set<string>();
  const visit = (e: Expr) => {
    if (
      e.kind === 'logical' &&
      e.op === 'or' &&
      [e.left, e.right].some((x) => x.kind === 'logical' && x.op === 'and')
    )
      warnings.add(MIXED_AND_OR);
    if (e.kind === 'binary' && REL_OPS.includes(e.op) && e.left.kind === 'unary' && e.left.op === '!')
      warnings.add(BANG_COMPARISON);
    subexpressions(e).forEach(visit);
  };
  if (ast) visit(ast);
  return [...warnings];
}
