import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from './lexer.js';
import { throwsKflError } from './testing/fixture-rows.js';

const kinds = (text: string) => tokenize(text).map((t) => `${t.kind}:${t.text}`);
const value = (text: string) => {
  const t = tokenize(text)[0];
  return 'value' in t ? t.value : undefined;
};

const throwsAt = (text: string, offset: number, message: RegExp) =>
  throwsKflError(() => tokenize(text), offset, message);

test('operators take the longest match; comments and whitespace vanish', () => {
  assert.deepEqual(kinds('a.b>=1&&c||!d // ignored\n.*..'), [
    'ident:a',
    'op:.',
    'ident:b',
    'op:>=',
    'int:1',
    'op:&&',
    'ident:c',
    'op:||',
    'op:!',
    'ident:d',
    'op:.*',
    'op:..',
    'eof:',
  ]);
  assert.deepEqual(
    tokenize('x\t\r\n== y').map((t) => [t.start, t.end]),
    [
      [0, 1],
      [4, 6],
      [7, 8],
      [8, 8],
    ],
  );
});

test('integers: decimal, hex, u suffix ignored, 64-bit unsigned range', () => {
  assert.equal(value('42'), 42n);
  assert.equal(value('0x2A'), 42n);
  assert.equal(value('10u'), 10n);
  assert.equal(value('18446744073709551615'), 18446744073709551615n);
  throwsAt('a > 18446744073709551616', 4, /out of range/);
  throwsAt('0x', 0, /hex number needs digits/);
  throwsAt('12abc', 0, /invalid number '12abc'/);
});

test('floats need a digit on each side of the point', () => {
  assert.equal(value('0.05'), 0.05);
  assert.equal(value('1e6'), 1e6);
  assert.equal(value('1.5E-3'), 0.0015);
  assert.deepEqual(kinds('1.x'), ['int:1', 'op:.', 'ident:x', 'eof:']);
  throwsAt('1e999', 0, /out of range/);
});

test('strings: CEL escapes in "…" and \'…\', raw `…`, r"…" patterns kept verbatim', () => {
  assert.equal(value('"\\x41\\u00e9\\U0001F600\\101\\n\\t\\\\\\"\\\'"'), 'Aé😀A\n\t\\"\'');
  assert.equal(value("'it\\'s'"), "it's");
  assert.equal(value('`a\\b\nc`'), 'a\\b\nc');
  const pattern = tokenize('r"10\\.0\\.\\d+"')[0];
  assert.equal(pattern.kind === 'string' && pattern.strKind, 'pattern');
  assert.equal(value('r"10\\.0\\.\\d+"'), '10\\.0\\.\\d+');
  assert.equal(value("R'a\\b'"), 'a\\b');
});

test('refused tokens say what to write instead, at their offset', () => {
  throwsAt('dst.port = 80', 9, /'=' is not an operator.*'=='/);
  throwsAt('a & b', 2, /'&&' or 'and'/);
  throwsAt('a | b', 2, /'\|\|' or 'or'/);
  throwsAt('tcp_flow # note', 9, /'#' does not start a comment.*'\/\/'/);
  throwsAt('x == """a"""', 5, /triple-quoted/);
  throwsAt("x == '''a'''", 5, /triple-quoted/);
  throwsAt('x == b"abc"', 5, /bytes literals/);
  throwsAt('x == "abc', 5, /unterminated string starting at 5/);
  throwsAt('x == "a\nb"', 5, /unterminated string/);
  throwsAt('x == "a\\qb"', 7, /unknown escape '\\q'/);
  throwsAt('x == "\\uD800"', 6, /not a Unicode scalar value/);
  throwsAt('x == "\\x4"', 6, /2 hex digits/);
  throwsAt('namé == 1', 3, /unexpected character 'é'.*ASCII/);
  throwsAt('x == r"abc', 5, /unterminated pattern string/);
});
