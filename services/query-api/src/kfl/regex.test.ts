// RE2 as ClickHouse's match() runs it (dot matches \n, UTF-8 code points, ASCII \b, Unicode case
// folding), and the syntax RE2 refuses. kfl-chdb.test.ts compares the engine with match() itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegexSyntaxError } from './regex-parse.js';
import { compileRegex } from './regex-vm.js';

const search = (pattern: string, text: string) => compileRegex(pattern, false).test(text);
const full = (pattern: string, text: string) => compileRegex(pattern, true).test(text);

test('search is unanchored; a full match anchors both ends (and tells ClickHouse so)', () => {
  assert.equal(search('4', '204'), true);
  assert.equal(full('4.*', '204'), false);
  assert.equal(full('4.*', '404'), true);
  assert.equal(full('a|ab', 'ab'), true, 'any alternative that spans the text');
  assert.equal(full('', ''), true);
  assert.equal(compileRegex('4.*', true).source, '\\A(?:4.*)\\z');
  assert.equal(compileRegex('(?m)^a$', true).test('a\nb'), false, '\\A…\\z, not line anchors');
});

test('dot matches a newline unless (?-s); a code point, not a UTF-16 unit', () => {
  assert.equal(search('a.b', 'a\nb'), true);
  assert.equal(search('(?-s)a.b', 'a\nb'), false);
  assert.equal(search('(?-s)a.b', 'a\rb'), true, 'only \\n ends a line for RE2');
  assert.equal(full('.', '😀'), true);
  assert.equal(full('..', '😀'), false);
});

test('anchors: text ends by default, line ends with (?m); $ does not match before a final newline', () => {
  assert.equal(search('^b', 'a\nb'), false);
  assert.equal(search('(?m)^b$', 'a\nb\nc'), true);
  assert.equal(search('a$', 'a\n'), false);
  assert.equal(search('\\Aa', 'ba'), false);
  assert.equal(search('a\\z', 'ab'), false);
});

test('classes: RE2 Perl classes are ASCII, POSIX and \\p classes, ranges, negation', () => {
  assert.equal(search('\\s', '\u00a0'), false, 'no Unicode spaces in \\s');
  assert.equal(search('\\s', '\v'), false);
  assert.equal(search('\\w', 'é'), false);
  assert.equal(full('\\d+', '0123456789'), true);
  assert.equal(full('[[:alpha:]]+', 'abcXYZ'), true);
  assert.equal(full('[[:^digit:]]', '5'), false);
  assert.equal(full('\\pL\\p{Lu}\\PL', 'éA1'), true);
  assert.equal(full('\\p{Greek}+', 'αβγ'), true);
  assert.equal(full('[^]a]', 'b'), true, '] first is literal');
  assert.equal(full('[a-c-e]+', 'a-e'), true);
  assert.equal(full('\\x{1F600}\\x41', '😀A'), true);
});

test('(?i) folds case the Unicode way; \\b stays ASCII', () => {
  assert.equal(search('(?i)k', '\u212a'), true, 'Kelvin sign');
  assert.equal(search('(?i)σ', 'Σς'), true);
  assert.equal(search('(?i)i', 'İ'), false);
  assert.equal(search('(?i:a)b', 'Ab'), true);
  assert.equal(search('(?i:a)b', 'AB'), false);
  assert.equal(search('a(?i)b|c', 'C'), true, 'flags last to the end of the group');
  assert.equal(search('\\bé', ' é'), false, 'é is not an ASCII word character');
  assert.equal(search('\\bx\\b', 'a x b'), true);
});

test('literal text: escapes and \\Q…\\E', () => {
  assert.equal(full('\\Q.*\\E', '.*'), true);
  assert.equal(full('\\Q.*', '.*'), true);
  assert.equal(compileRegex('\\Q.*', false).source, '\\Q.*\\E', 'closed for ClickHouse');
  assert.equal(full('\\.\\-\\_\\ \\~', '.-_ ~'), true);
  assert.equal(full('x{,2}', 'x{,2}'), true, 'not a repetition: literal text');
  assert.equal(full('\\a\\f\\t\\n\\r\\v', '\x07\f\t\n\r\v'), true);
});

test('repetitions, including empty loops and repeated assertions', () => {
  assert.equal(full('a{2,3}', 'aaa'), true);
  assert.equal(full('a{2,3}', 'aaaa'), false);
  assert.equal(full('(a*)*b', 'aaab'), true);
  assert.equal(full('(?:^)*a', 'a'), true);
  assert.equal(full('(a|b)*?c', 'ababc'), true);
  assert.equal(full('😀?x', 'x'), true);
  assert.equal(
    compileRegex('😀?x', false).source,
    '(?:😀)?x',
    'ClickHouse reads a grouped multi-byte repeat right',
  );
});

test('time is linear in the text: patterns that make backtracking engines explode do not', () => {
  const text = `${'a'.repeat(5000)}!`;
  assert.equal(full('(a|a)*b', text), false);
  assert.equal(full('(a+)+$', text), false);
  assert.equal(search('(x+x+)+y', 'x'.repeat(5000)), false);
});

test('syntax RE2 refuses, or would read differently, is refused with the position', () => {
  const refused: [string, RegExp][] = [
    ['(?=a)', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['(a)\\1', /backreferences/],
    ['(?P=n)', /backreferences/],
    ['\\C', /invalid escape/],
    ['\\Z', /invalid escape/],
    ['\\é', /invalid escape/],
    ['a**', /cannot be repeated/],
    ['a*??', /cannot be repeated/],
    ['*a', /missing argument/],
    ['{2}', /missing argument/],
    ['x{1001}', /invalid repetition size/],
    ['x{2,1}', /invalid repetition size/],
    ['((a{10}){10}){11}', /exceed 1000/],
    ['[z-a]', /class range/],
    ['[\\d-z', /missing \]/],
    ['(?x)a', /invalid group/],
    ['(?)', /invalid group/],
    ['(a', /missing '\)'/],
    ['a)', /unmatched '\)'/],
    ['a\\', /trailing backslash/],
    ['\\x6', /invalid escape/],
    ['\\p{Nope}', /unknown Unicode class/],
    ['[[:foo:]]', /invalid POSIX class/],
    ['\\Qab\\E+', /repeats only its last character/],
    ['a\0b', /NUL/],
  ];
  for (const [pattern, message] of refused)
    assert.throws(
      () => compileRegex(pattern, false),
      (e: unknown) => e instanceof RegexSyntaxError && message.test(e.message) && e.index >= 0,
      pattern,
    );
});
