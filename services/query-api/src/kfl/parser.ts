import { type ArithOp, type Expr, REL_OPS, type RelOp } from './ast.js';
import { fail } from './errors.js';
import { type Token, tokenize } from './lexer.js';

// Recursive descent over the unified grammar of ../shared/docs/kfl.md §3.1, precedence §3.2:
// ?: < or < and < comparisons (non-associative) < + - < * / % < unary ! - < postfix.

const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'nil', 'null']);

/** Words people type from SQL, Wireshark or Kubeshark's MCP docs, with what KFL wants instead. */
const INFIX_HINTS: Record<string, string> = {
  contains: 'KFL has no infix \'contains\': write x.contains("…")',
  matches: 'KFL has no infix \'matches\': write x.matches("…") or x == r"…"',
  startsWith: 'write x.startsWith("…")',
  endsWith: 'write x.endsWith("…")',
  like: 'KFL has no \'like\': write x.matches("…") or x == r"…"',
  AND: "operators are lower case: use 'and' or '&&'",
  OR: "operators are lower case: use 'or' or '||'",
  IN: "operators are lower case: use 'in'",
  eq: "use '=='",
  ne: "use '!='",
};

/** Words that read as a prefix operator elsewhere; seen when the next token does not fit. */
const PREFIX_HINTS: Record<string, string> = {
  not: "use '!' for negation",
  NOT: "use '!' for negation",
};

/** Parses a filter; undefined when it is empty (only whitespace and comments). */
export function parse(text: string): Expr | undefined {
  return new Parser(tokenize(text)).filter();
}

class Parser {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  filter(): Expr | undefined {
    if (this.peek().kind === 'eof') return undefined;
    const e = this.expr();
    const t = this.peek();
    if (t.kind !== 'eof')
      this.unexpected(t, 'expected an operator (and, or, ==, …) or the end of the filter');
    return e;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isOp(text: string, t = this.peek()): boolean {
    return t.kind === 'op' && t.text === text;
  }

  private isWord(text: string, t = this.peek()): boolean {
    return t.kind === 'ident' && t.text === text;
  }

  private expectOp(text: string, context: string): Token {
    const t = this.peek();
    if (!this.isOp(text)) this.unexpected(t, `expected '${text}' ${context}`);
    return this.next();
  }

  private unexpected(t: Token, expected: string): never {
    if (t.kind === 'eof') fail(`${expected} at ${t.start}, found the end of the filter`, t);
    const prev = this.tokens[this.pos - 1];
    const hint =
      (t.kind === 'ident' ? INFIX_HINTS[t.text] : undefined) ??
      (prev?.kind === 'ident' ? PREFIX_HINTS[prev.text] : undefined);
    fail(`${expected} at ${t.start}, found '${t.text}'${hint ? ` — ${hint}` : ''}`, t);
  }

  private expr(): Expr {
    const test = this.or();
    if (!this.isOp('?')) return test;
    this.next();
    const then = this.or();
    this.expectOp(':', "in 'condition ? a : b'");
    const otherwise = this.expr();
    return { kind: 'cond', test, then, otherwise, start: test.start, end: otherwise.end };
  }

  private or(): Expr {
    return this.junction('or', '||', () => this.and());
  }

  private and(): Expr {
    return this.junction('and', '&&', () => this.rel());
  }

  /** Left-associative `and`/`&&` or `or`/`||` chains. */
  private junction(word: 'and' | 'or', symbol: string, operand: () => Expr): Expr {
    let left = operand();
    while (this.isWord(word) || this.isOp(symbol)) {
      this.next();
      const right = operand();
      left = { kind: 'logical', op: word, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private relOp(): Token | undefined {
    const t = this.peek();
    return (t.kind === 'op' || t.kind === 'ident') && REL_OPS.includes(t.text) ? t : undefined;
  }

  private rel(): Expr {
    const left = this.add();
    const opTok = this.relOp();
    if (!opTok) return left;
    this.next();
    const right = this.add(opTok);
    const again = this.relOp();
    if (again)
      fail(
        `comparison operators cannot be chained at ${again.start}: write 'a ${opTok.text} b and b ${again.text} c'`,
        again,
      );
    return {
      kind: 'binary',
      op: opTok.text as RelOp,
      opAt: opTok,
      left,
      right,
      start: left.start,
      end: right.end,
    };
  }

  private add(after?: Token): Expr {
    return this.arithmetic(['+', '-'], (t) => this.mul(t), after);
  }

  private mul(after?: Token): Expr {
    return this.arithmetic(['*', '/', '%'], (t) => this.unary(t), after);
  }

  /** Left-associative chains of arithmetic operators; `after` is the token before the operand. */
  private arithmetic(ops: string[], operand: (after?: Token) => Expr, after?: Token): Expr {
    let left = operand(after);
    while (ops.some((o) => this.isOp(o))) {
      const opTok = this.next();
      const right = operand(opTok);
      left = {
        kind: 'binary',
        op: opTok.text as ArithOp,
        opAt: opTok,
        left,
        right,
        start: left.start,
        end: right.end,
      };
    }
    return left;
  }

  private unary(after?: Token): Expr {
    if (this.isOp('!') || this.isOp('-')) {
      const opTok = this.next();
      const operand = this.unary(opTok);
      return { kind: 'unary', op: opTok.text as '!' | '-', operand, start: opTok.start, end: operand.end };
    }
    return this.postfix(after);
  }

  private postfix(after?: Token): Expr {
    let e = this.primary(after);
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const name = this.peek();
        if (name.kind !== 'ident' || RESERVED.has(name.text))
          this.unexpected(name, "expected a field name after '.'");
        this.next();
        if (this.isOp('(')) {
          const { args, end } = this.args();
          e = { kind: 'call', target: e, name: name.text, nameAt: name, args, start: e.start, end };
        } else {
          e = { kind: 'member', object: e, name: name.text, nameAt: name, start: e.start, end: name.end };
        }
      } else if (this.isOp('.*')) {
        const t = this.next();
        e = { kind: 'wildcard', object: e, start: e.start, end: t.end };
      } else if (this.isOp('..')) {
        this.next();
        const name = this.peek();
        if (name.kind !== 'ident') this.unexpected(name, "expected a field name after '..'");
        this.next();
        e = { kind: 'descent', object: e, name: name.text, start: e.start, end: name.end };
      } else if (this.isOp('[')) {
        const open = this.next();
        if (this.isOp('*') && this.isOp(']', this.peek(1))) {
          this.next();
          const close = this.next();
          e = { kind: 'wildcard', object: e, start: e.start, end: close.end };
          continue;
        }
        if (this.isOp(']')) this.unexpected(this.peek(), "expected an index or key after '['");
        const index = this.expr();
        const close = this.expectOp(']', `to close the '[' at ${open.start}`);
        e = { kind: 'index', object: e, index, start: e.start, end: close.end };
      } else {
        return e;
      }
    }
  }

  private args(): { args: Expr[]; end: number } {
    const open = this.expectOp('(', '');
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.expr());
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    const close = this.expectOp(')', `to close the '(' at ${open.start}`);
    return { args, end: close.end };
  }

  private primary(after?: Token): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int':
        this.next();
        return { kind: 'int', value: t.value, start: t.start, end: t.end };
      case 'float':
        this.next();
        return { kind: 'float', value: t.value, start: t.start, end: t.end };
      case 'string':
        this.next();
        return { kind: 'string', value: t.value, strKind: t.strKind, start: t.start, end: t.end };
      case 'ident':
        return this.identifier(t, after);
      case 'op':
        if (t.text === '(') {
          this.next();
          const inner = this.expr();
          const close = this.expectOp(')', `to close the '(' at ${t.start}`);
          return { kind: 'paren', inner, start: t.start, end: close.end };
        }
        if (t.text === '[') return this.listLiteral();
        if (t.text === '.' && this.peek(1).kind === 'int')
          fail(`numbers need a leading digit at ${t.start}: write 0.${this.peek(1).text}`, t);
        break;
      default:
        break;
    }
    this.unexpected(t, after ? `expected a value after '${after.text}'` : 'expected a value');
  }

  private identifier(t: Token & { kind: 'ident' }, after?: Token): Expr {
    switch (t.text) {
      case 'true':
      case 'false':
        this.next();
        return { kind: 'bool', value: t.text === 'true', start: t.start, end: t.end };
      case 'nil':
      case 'null':
        this.next();
        return { kind: 'null', start: t.start, end: t.end };
      case 'and':
      case 'or':
      case 'in':
        this.unexpected(t, after ? `expected a value after '${after.text}'` : 'expected a value');
    }
    this.next();
    if (this.isOp('(')) {
      const { args, end } = this.args();
      return { kind: 'call', target: undefined, name: t.text, nameAt: t, args, start: t.start, end };
    }
    return { kind: 'ident', name: t.text, start: t.start, end: t.end };
  }

  private listLiteral(): Expr {
    const open = this.next();
    const items: Expr[] = [];
    while (!this.isOp(']')) {
      items.push(this.expr());
      if (!this.isOp(',')) break;
      this.next();
    }
    const close = this.expectOp(']', `to close the list opened at ${open.start}`);
    return { kind: 'list', items, start: open.start, end: close.end };
  }
}
