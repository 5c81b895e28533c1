import { type ArithOp, type Expr, type Span, unparen } from './ast.js';
import { and, arith, concat, cond, conv, index, list, neg, not, or, truthy } from './build.js';
import { FIELD_BY_NAME, OBJECT_PATHS } from './catalogue.js';
import { DIRECTIVES, globalCall, methodCall } from './check-calls.js';
import { aType, type CheckContext, equality, membership, ordering, typeName } from './check-compare.js';
import { fail } from './errors.js';
import { type Base, constant, type Ir, isNumeric, NULL } from './ir.js';
import { isL7Name, KEYWORD_BY_NAME, KEYWORDS } from './keywords.js';
import { oneOf, suggestions } from './suggest.js';
import { type Int, normInt } from './values.js';

/** Output objects and lists: redacting one whole would change the entry's shape, not hide a value. */
const REDACT_CONTAINERS = new Set([
  'src',
  'dst',
  'node',
  'error',
  'protocol',
  'tcp_metrics',
  'extra_metrics',
  'diagnosis',
  'versions',
]);

// Name resolution and type checking: the parse tree becomes typed IR (ir.ts). Keywords are bare
// identifiers not followed by '.', '[' or '('; dotted paths resolve against the catalogue; Kubeshark
// L7 names are null; anything else is an error naming the identifier.

export interface Checked {
  /** The predicate (a non-null bool) without the directives. */
  readonly ir: Ir;
  readonly limit?: number;
  readonly rlimit?: number;
  readonly redact: string[];
  readonly warnings: string[];
}

type Resolved = { readonly path: string; readonly at: Span } | { readonly ir: Ir };

const VISIBLE_NAMES = [
  ...new Set(
    [...FIELD_BY_NAME.values()].flatMap((f) => [f.name, ...f.aliases]).concat(KEYWORDS.map((k) => k.name)),
  ),
];
const isKnownPath = (p: string) => FIELD_BY_NAME.has(p) || OBJECT_PATHS.has(p);

export function check(ast: Expr | undefined, nowUs: Int): Checked {
  const checker = new Checker(nowUs);
  const redact: string[] = [];
  let limit: number | undefined;
  let rlimit: number | undefined;
  const predicate: Ir[] = [];
  for (const c of ast ? conjuncts(ast) : []) {
    const x = unparen(c);
    if (x.kind !== 'call' || x.target || !DIRECTIVES.has(x.name)) {
      predicate.push(checker.condition(c));
      continue;
    }
    if (x.name === 'redact') {
      if (x.args.length === 0) fail(`redact() needs at least one field path at ${x.start}`, x);
      for (const a of x.args) {
        const s = unparen(a);
        if (s.kind !== 'string')
          fail(`redact() takes field paths as strings, e.g. redact("src.ip"), at ${a.start}`, a);
        if (REDACT_CONTAINERS.has(s.value))
          fail(
            `redact() replaces single values: name a field inside '${s.value}', e.g. redact("src.ip"), at ${a.start}`,
            a,
          );
        redact.push(s.value);
      }
      continue;
    }
    const n = unparen(x.args[0] ?? x);
    if (x.args.length !== 1 || n.kind !== 'int' || n.value > BigInt(Number.MAX_SAFE_INTEGER))
      fail(`${x.name}() takes one non-negative integer, e.g. ${x.name}(100), at ${x.start}`, x);
    if (limit !== undefined || rlimit !== undefined)
      fail(`only one limit() or rlimit() per filter at ${x.start}`, x);
    if (x.name === 'limit') limit = Number(n.value);
    else rlimit = Number(n.value);
  }
  return { ir: and(...predicate), limit, rlimit, redact, warnings: [...checker.warnings] };
}

/** Top-level `and` operands, through parentheses (where directives may stand). */
function conjuncts(e: Expr): Expr[] {
  const x = unparen(e);
  return x.kind === 'logical' && x.op === 'and' ? [...conjuncts(x.left), ...conjuncts(x.right)] : [e];
}

class Checker implements CheckContext {
  private slots = 0;
  readonly warnings = new Set<string>();
  readonly newSlot = () => this.slots++;

  constructor(readonly nowUs: Int) {}

  warn(message: string): void {
    this.warnings.add(message);
  }

  /** A value used as a condition (kfl.md §4.3). */
  condition(e: Expr): Ir {
    const x = this.value(e);
    if (x.ty === 'ts' || x.ty === 'dur')
      fail(
        `${aType(x)} is not a condition at ${e.start}: compare it, e.g. timestamp > now() - duration("1h")`,
        e,
      );
    return truthy(x);
  }

  value(e: Expr): Ir {
    switch (e.kind) {
      case 'int':
        return constant('int', normInt(e.value));
      case 'float':
        return constant('float', e.value);
      case 'string':
        return constant('str', e.value); // r"…" outside ==/!= is a raw string
      case 'bool':
        return constant('bool', e.value);
      case 'null':
        return NULL;
      case 'paren':
        return this.value(e.inner);
      case 'ident': {
        const keyword = KEYWORD_BY_NAME.get(e.name);
        return keyword ? keyword.ir : this.finish(this.resolve(e));
      }
      case 'member':
      case 'index':
      case 'wildcard':
      case 'descent':
        return this.finish(this.resolve(e));
      case 'call':
        return e.target
          ? methodCall(this, e, this.finish(this.resolve(e.target)))
          : globalCall(this, e, (n) => isKnownPath(n) || KEYWORD_BY_NAME.has(n));
      case 'list':
        return this.listLiteral(e);
      case 'unary':
        return e.op === '!' ? not(this.condition(e.operand)) : this.negate(e.operand);
      case 'logical': {
        const [l, r] = [this.condition(e.left), this.condition(e.right)];
        return e.op === 'and' ? and(l, r) : or(l, r);
      }
      case 'cond':
        return this.ternary(e);
      case 'binary':
        switch (e.op) {
          case '==':
          case '!=':
            return equality(this, e.op, e.left, e.right, e.opAt);
          case '<':
          case '<=':
          case '>':
          case '>=':
            return ordering(this, e.op, e.left, e.right, e.opAt);
          case 'in':
            return membership(this, e.left, e.right, e.opAt);
          default:
            return this.arithmetic(e.op, e.left, e.right, e.opAt);
        }
    }
  }

  /** Catalogue path, or a computed value (a path chain ends where a value begins). */
  private resolve(e: Expr): Resolved {
    switch (e.kind) {
      case 'ident':
        if (isKnownPath(e.name)) return { path: e.name, at: e };
        if (isL7Name(e.name)) return { ir: NULL };
        return this.unknownField(e.name, e);
      case 'member':
        return this.member(this.resolve(e.object), e.name, e, e.nameAt);
      case 'index': {
        const base = this.resolve(e.object);
        const key = unparen(e.index);
        if ('path' in base && OBJECT_PATHS.has(base.path) && key.kind === 'string')
          return this.member(base, key.value, e, e.index);
        return { ir: this.indexValue(this.finish(base), e.index, e) };
      }
      case 'wildcard': {
        const x = this.finish(this.resolve(e.object));
        if (x.ty === 'list' || x.ty === 'null') return { ir: x };
        if (x.ty === 'map') return { ir: constant('list', [], 'str') };
        return fail(`'.*' needs a list or a map at ${e.start}, not ${aType(x)}`, e);
      }
      case 'descent':
        return fail(
          `recursive descent '..${e.name}' at ${e.start} only works after json()/xml(), which tcp_flow entries do not have`,
          e,
        );
      default:
        return { ir: this.value(e) };
    }
  }

  /** `base.name` (or `base["name"]`); `nameAt` is where the name is written. */
  private member(base: Resolved, name: string, e: Span, nameAt: Span): Resolved {
    if (!('path' in base)) {
      if (base.ir.ty === 'null') return base; // a path into a null object is null (kfl.md §4.4)
      return fail(`'${name}' at ${nameAt.start} needs an object, but this is ${aType(base.ir)}`, nameAt);
    }
    const path = `${base.path}.${name}`;
    if (isKnownPath(path)) return { path, at: { start: base.at.start, end: e.end } };
    if (FIELD_BY_NAME.has(base.path) && !OBJECT_PATHS.has(base.path))
      return fail(
        `field '${base.path}' has no member '${name}' at ${nameAt.start} (a method call needs parentheses, e.g. ${base.path}.startsWith("…"))`,
        nameAt,
      );
    return this.unknownField(path, { start: base.at.start, end: e.end });
  }

  private unknownField(name: string, at: Span): never {
    const hint = suggestions(name, VISIBLE_NAMES);
    fail(
      `unknown field '${name}' at ${at.start}${hint.length > 0 ? ` — did you mean ${oneOf(hint)}?` : ''}`,
      at,
    );
  }

  private finish(r: Resolved): Ir {
    if (!('path' in r)) return r.ir;
    return FIELD_BY_NAME.get(r.path)?.ir ?? constant('obj', true); // an object such as src or tcp_metrics
  }

  private indexValue(container: Ir, indexExpr: Expr, e: Span): Ir {
    const i = this.value(indexExpr);
    switch (container.ty) {
      case 'null':
        return NULL;
      case 'list':
        if (i.ty !== 'int' && i.ty !== 'null')
          fail(`a list index is an integer at ${indexExpr.start}, not ${aType(i)}`, indexExpr);
        return index(container, i);
      case 'map':
        if (i.ty !== 'str' && i.ty !== 'null') fail(`map keys are strings at ${indexExpr.start}`, indexExpr);
        return NULL; // absent key (the catalogue's maps are empty)
      case 'obj':
        return fail(
          `object keys must be string literals at ${indexExpr.start}, e.g. node["name"]`,
          indexExpr,
        );
      default:
        return fail(`cannot index ${aType(container)} at ${e.start}`, e);
    }
  }

  private listLiteral(e: Extract<Expr, { kind: 'list' }>): Ir {
    let items = e.items.map((x) => this.value(x));
    items.forEach((x, k) => {
      if (x.ty === 'list' || x.ty === 'map' || x.ty === 'obj' || x.ty === 'null')
        fail(`a list literal holds plain values at ${e.items[k].start}, not ${aType(x)}`, e.items[k]);
    });
    const kinds = new Set(items.map((x) => x.ty));
    if (kinds.size === 2 && kinds.has('int') && kinds.has('float')) {
      items = items.map((x) => conv('float', x));
      kinds.delete('int');
    }
    if (kinds.size > 1)
      fail(`list elements must share one type at ${e.start} (found ${[...kinds].join(', ')})`, e);
    return list(items, (items[0]?.ty ?? 'null') as Base);
  }

  private negate(operand: Expr): Ir {
    const x = this.value(operand);
    if (x.ty === 'null') return NULL;
    if (x.ty !== 'int' && x.ty !== 'float' && x.ty !== 'dur')
      fail(`cannot negate ${aType(x)} at ${operand.start}`, operand);
    return neg(x);
  }

  private arithmetic(op: ArithOp, le: Expr, re: Expr, at: Span): Ir {
    const l = this.value(le);
    const r = this.value(re);
    if (l.ty === 'null' || r.ty === 'null') return NULL;
    const bad = (why = ''): never =>
      fail(`cannot apply '${op}' to ${aType(l)} and ${aType(r)} at ${at.start}${why}`, at);
    if (isNumeric(l.ty) && isNumeric(r.ty)) {
      if (l.ty === 'int' && r.ty === 'int') return arith(op, 'int', l, r);
      if (op === '%') bad(' (% needs integers)');
      return arith(op, 'float', conv('float', l), conv('float', r));
    }
    if (op === '+' && l.ty === 'str' && r.ty === 'str') return concat(l, r);
    if (op === '+' && ((l.ty === 'ts' && r.ty === 'dur') || (l.ty === 'dur' && r.ty === 'ts')))
      return arith(op, 'ts', l, r);
    if (op === '-' && l.ty === 'ts' && r.ty === 'dur') return arith(op, 'ts', l, r);
    if (op === '-' && l.ty === 'ts' && r.ty === 'ts') return arith(op, 'dur', l, r);
    if ((op === '+' || op === '-') && l.ty === 'dur' && r.ty === 'dur') return arith(op, 'dur', l, r);
    return bad();
  }

  private ternary(e: Extract<Expr, { kind: 'cond' }>): Ir {
    const c = this.condition(e.test);
    let a = this.value(e.then);
    let b = this.value(e.otherwise);
    if (a.ty === 'null') return cond(c, NULL, b, b.ty, b.elem);
    if (b.ty === 'null') return cond(c, a, NULL, a.ty, a.elem);
    if (isNumeric(a.ty) && isNumeric(b.ty) && a.ty !== b.ty) {
      a = conv('float', a);
      b = conv('float', b);
    }
    const elem = a.elem === 'null' ? b.elem : b.elem === 'null' ? a.elem : a.elem;
    if (a.ty !== b.ty || (a.ty === 'list' && a.elem !== b.elem && a.elem !== 'null' && b.elem !== 'null'))
      fail(`the branches of '?:' at ${e.start} have different types (${typeName(a)} and ${typeName(b)})`, e);
    return cond(c, a, b, a.ty, elem);
  }
}
