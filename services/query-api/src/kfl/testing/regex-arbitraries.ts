import fc from 'fast-check';

// RE2 patterns and subject texts, for the regex engine against ClickHouse's match(): literals that
// fold (k, K, Kelvin sign, s, long s), multi-byte characters, newlines, every class and flag form.

const ALPHABET = [
  'a',
  'b',
  'A',
  'k',
  'K',
  '\u212a',
  's',
  '\u017f',
  '0',
  '9',
  '_',
  ' ',
  '\n',
  '\r',
  '-',
  '.',
  'é',
  'É',
  'ß',
  '😀',
  '\t',
  '{',
  ']',
];
const metaEscaped = (c: string) => (/[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c);

export const subject = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 8 }).map((cs) => cs.join(''));

export const re2Pattern: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', '', '(?i)', '(?s)', '(?-s)', '(?m)', '(?im)', '(?U)'),
    fc.letrec<{ alt: string; atom: string }>((tie) => ({
      atom: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        { weight: 6, arbitrary: fc.constantFrom(...ALPHABET).map(metaEscaped) },
        {
          weight: 3,
          arbitrary: fc.constantFrom(
            '.',
            '\\d',
            '\\w',
            '\\s',
            '\\D',
            '\\W',
            '\\S',
            '\\b',
            '\\B',
            '^',
            '$',
            '\\A',
            '\\z',
            '\\pL',
            '\\p{Lu}',
            '\\PL',
            '\\x{212a}',
            '\\Q.*\\E',
            '\\.',
          ),
        },
        {
          weight: 2,
          arbitrary: fc
            .tuple(
              fc.boolean(),
              fc.array(
                fc.constantFrom(
                  'a-z',
                  'A-Z',
                  '0-9',
                  'k',
                  'ß',
                  '\\d',
                  '\\s',
                  '[:alpha:]',
                  '[:^digit:]',
                  '\\pL',
                  '-',
                  '.',
                  '\\]',
                  'é-ü',
                ),
                {
                  minLength: 1,
                  maxLength: 3,
                },
              ),
            )
            .map(([neg, items]) => `[${neg ? '^' : ''}${items.join('')}]`),
        },
        { weight: 1, arbitrary: tie('alt').map((x) => `(${x})`) },
        { weight: 1, arbitrary: tie('alt').map((x) => `(?:${x})`) },
        { weight: 1, arbitrary: tie('alt').map((x) => `(?i:${x})`) },
        { weight: 1, arbitrary: tie('alt').map((x) => `(?P<g>${x})`) },
      ),
      alt: fc
        .array(
          fc
            .array(
              fc
                .tuple(
                  tie('atom'),
                  fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '??'),
                )
                .map(([a, q]) => a + q),
              { maxLength: 4 },
            )
            .map((xs) => xs.join('')),
          { minLength: 1, maxLength: 3 },
        )
        .map((xs) => xs.join('|')),
    })).alt,
  )
  .map(([flags, body]) => flags + body);
