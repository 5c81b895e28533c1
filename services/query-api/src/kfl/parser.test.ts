import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Expr } from './ast.js';
import { compileKfl, KflError } from './index.js';
import { parse } from './parser.js';
import { throwsKflError } from './testing/fixture-rows.js';

/** The tree as a compact s-expression, parentheses shown as (…). */
function show(e: Expr | undefined): string {
  if (!e) return '∅';
  switch (e.kind) {
    case 'int':
    case 'float':
      return String(e.value);
    case 'string':
      return e.strKind === 'pattern' ? `r${JSON.stringify(e.value)}` : JSON.stringify(e.value);
    case 'bool':
      return String(e.value);
    case 'null':
      return 'nil';
    case 'ident':
      return e.name;
    case 'member':
      return `${show(e.object)}.${e.name}`;
    case 'wildcard':
      return `${show(e.object)}.*`;
    case 'descent':
      return `${show(e.object)}..${e.name}`;
    case 'index':
      return `${show(e.object)}[${show(e.index)}]`;
    case 'call':
      return `${e.target ? `${show(e.target)}.` : ''}${e.name}(${e.args.map(show).join(', ')})`;
    case 'list':
      return `[${e.items.map(show).join(', ')}]`;
    case 'unary':
      return `${e.op}${show(e.operand)}`;
    case 'binary':
    case 'logical':
      return `{${show(e.left)} ${e.op} ${show(e.right)}}`;
    case 'cond':
      return `{${show(e.test)} ? ${show(e.then)} : ${show(e.otherwise)}}`;
    case 'paren':
      return `(${show(e.inner)})`;
  }
}

const tree = (text: string) => show(parse(text));

const throwsAt = (text: string, offset: number, message: RegExp) =>
  throwsKflError(() => parse(text), offset, message);

test('an empty filter, whitespace or only comments parses to nothing', () => {
  assert.equal(tree(''), '∅');
  assert.equal(tree('  \n\t'), '∅');
  assert.equal(tree('// all flows\n'), '∅');
});

test('precedence of kfl.md §3.2: and over or, comparisons over and, * over +, ! and - on one operand', () => {
  assert.equal(tree('a and b or c'), '{{a and b} or c}');
  assert.equal(tree('a or b and c'), '{a or {b and c}}');
  assert.equal(tree('a || b && c'), '{a or {b and c}}');
  assert.equal(tree('tcp_flow and error or dst.port == 443'), '{{tcp_flow and error} or {dst.port == 443}}');
  assert.equal(tree('a == 1 and b != 2'), '{{a == 1} and {b != 2}}');
  assert.equal(tree('1 + 2 * 3 - 4 % 5'), '{{1 + {2 * 3}} - {4 % 5}}');
  assert.equal(tree('a - b - c'), '{{a - b} - c}');
  assert.equal(tree('!dst.namespace == "x"'), '{!dst.namespace == "x"}');
  assert.equal(tree('!!a'), '!!a');
  assert.equal(tree('--1'), '--1');
  assert.equal(tree('-a.b * 2'), '{-a.b * 2}');
  assert.equal(tree('"x" in namespaces and y'), '{{"x" in namespaces} and y}');
});

test('the ternary binds loosest and nests to the right', () => {
  assert.equal(tree('a ? b : c ? d : e'), '{a ? b : {c ? d : e}}');
  assert.equal(tree('a or b ? c : d and e'), '{{a or b} ? c : {d and e}}');
});

test('postfix chains: members, methods, indexes, wildcards, calls', () => {
  assert.equal(tree('request.headers["x-id"]'), 'request.headers["x-id"]');
  assert.equal(tree('src.ip.startsWith("10.")'), 'src.ip.startsWith("10.")');
  assert.equal(tree('a.b[0].c.*'), 'a.b[0].c.*');
  assert.equal(tree('a[*] == 1'), '{a.* == 1}');
  assert.equal(tree('x.json()..name'), 'x.json()..name');
  assert.equal(tree('limit(100)'), 'limit(100)');
  assert.equal(tree('map_get(m, "k", "")'), 'map_get(m, "k", "")');
  assert.equal(tree('[1, 2.5, "x",]'), '[1, 2.5, "x"]');
  assert.equal(tree('[]'), '[]');
  assert.equal(tree('(a)'), '(a)');
  assert.equal(tree('x == r"4.*"'), '{x == r"4.*"}');
  assert.equal(tree('null == nil'), '{nil == nil}');
});

test('node spans cover their text', () => {
  const e = parse('  src.ip == "a"');
  assert.ok(e && e.kind === 'binary');
  assert.deepEqual([e.start, e.end, e.left.start, e.left.end, e.opAt.start], [2, 15, 2, 8, 9]);
});

test('syntax errors point at the offending token with a way out', () => {
  throwsAt('a < b < c', 6, /comparison operators cannot be chained.*'a < b and b < c'/);
  throwsAt('a == b != c', 7, /cannot be chained/);
  throwsAt('dst.port >', 10, /expected a value after '>' at 10, found the end/);
  throwsAt('dst.port > and x', 11, /expected a value after '>' at 11, found 'and'/);
  throwsAt('request.path contains "/api"', 13, /no infix 'contains'.*x\.contains/);
  throwsAt('a AND b', 2, /lower case: use 'and'/);
  throwsAt('not a', 4, /'!' for negation/);
  throwsAt('(a and b', 8, /expected '\)' to close the '\(' at 0/);
  throwsAt('a)', 1, /expected an operator.*found '\)'/);
  throwsAt('a.', 2, /expected a field name after '\.'/);
  throwsAt('a.5', 2, /expected a field name after '\.'/);
  throwsAt('x > .5', 4, /numbers need a leading digit.*0\.5/);
  throwsAt('f(a,', 4, /expected a value/);
  throwsAt('a[]', 2, /expected an index or key after '\['/);
  throwsAt('a ? b', 5, /expected ':'/);
  throwsAt('[1, 2', 5, /to close the list opened at 0/);
  throwsAt('in', 0, /expected a value/);
});

test('redact() names single values: a whole object or list is refused at its argument', () => {
  const text = 'tcp_flow and redact("src.ip", "tcp_metrics")';
  assert.throws(
    () => compileKfl(text),
    (e: unknown) => e instanceof KflError && e.offset === text.indexOf('"tcp_metrics"'),
  );
  assert.deepEqual(compileKfl('tcp_flow and redact("src.ip", "tcp_metrics.rtt_avg_us")').redact, [
    'src.ip',
    'tcp_metrics.rtt_avg_us',
  ]);
});
