import type { FlowRow } from '@tcpx/store';
import fc from 'fast-check';
import { KFL_FIELDS, KFL_KEYWORDS } from '../index.js';

// fast-check generators of KFL filter text, built from the grammar (kfl.md §3.1) over the real
// catalogue, with values taken from the rows under test (so filters do select something) mixed
// with hostile ones (quotes, backslashes, braces, newlines, non-ASCII, 64-bit extremes).

/** A KFL "…" literal of any text, with CEL escapes. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export interface Vocabulary {
  strings: string[];
  ints: number[];
}

/** Texts and numbers that occur in the rows: values a generated filter can hit. */
export function vocabulary(rows: readonly FlowRow[]): Vocabulary {
  const strings = new Set<string>();
  const ints = new Set<number>([0, 1, 2, 8, 31, 33, 47, 80, 443]);
  for (const r of rows) {
    for (const s of [
      r.node,
      r.src_namespace,
      r.dst_namespace,
      r.src_service,
      r.dst_service,
      r.state,
      ...r.diagnosis,
    ])
      strings.add(s);
    for (const ip of [r.src_ip, r.dst_ip]) {
      const text = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
      strings.add(text);
      strings.add(text.slice(0, Math.max(1, text.length - 3)));
    }
    strings.add(r.flow_id);
    for (const n of [
      r.src_port,
      r.dst_port,
      r.stream,
      r.rst_count,
      r.fin_count,
      r.retransmissions,
      r.rtt_samples,
    ])
      ints.add(n as number);
  }
  return { strings: [...strings], ints: [...ints] };
}

const fieldsOf = (type: string) => KFL_FIELDS.filter((f) => f.type === type).map((f) => f.name);
const INT_FIELDS = [...fieldsOf('int'), 'node["name"].size()', 'tcp_metrics["rst_count"]'];
const FLOAT_FIELDS = fieldsOf('float');
const STR_FIELDS = [...fieldsOf('str'), 'node["name"]', 'error.type', 'error.msg', 'src.ns', 'dst.svc'];
const LIST_FIELDS = fieldsOf('list<str>');
const TS_FIELDS = fieldsOf('ts');
const L7_NAMES = ['response.status', 'status_code', 'request.headers["x-id"]', 'dns_questions', 'method'];

const hostileString = fc
  .string({ unit: 'binary', maxLength: 12 })
  .filter((s) => !/\p{Surrogate}/u.test(s))
  .map((s) => `${s}'";\\{}\n`.slice(0, s.length + 1 + (s.length % 6)));

export function arbitraries(v: Vocabulary) {
  const str = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...v.strings) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom('', '42', '1.5e3', '-0', '007', 'true', '.*') },
  );
  const intLit = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...v.ints).map(String) },
    {
      weight: 2,
      arbitrary: fc.integer({ min: -5, max: 1_000_000 }).map((n) => (n < 0 ? `(-${-n})` : String(n))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '9007199254740993',
        '9223372036854775807',
        '9223372036854775808',
        '18446744073709551615',
        '(-9223372036854775808)',
        '0x7fffffff',
        '10u',
      ),
    },
  );
  const floatLit = fc.oneof(
    fc.constantFrom('0.05', '0.01', '0.5', '1.5', '1e6', '2.0', '0.0'),
    fc
      .double({ noNaN: true, noDefaultInfinity: true, min: 0 })
      .map((d) => (Number.isInteger(d) && d < 1e21 ? `${d}.0` : String(d))),
  );
  const num = fc.oneof(intLit, floatLit);
  const rel = fc.constantFrom('==', '!=', '<', '<=', '>', '>=');
  const eq = fc.constantFrom('==', '!=');
  const pick = (xs: string[]) => fc.constantFrom(...xs);
  const pattern = fc.oneof(
    str.filter((s) => !s.includes('\0')).map((s) => `${s.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`)}.*`),
    fc.constantFrom(
      '10\\.',
      '^10\\.201\\.',
      '.*-ns',
      '(?i)API',
      '[a-z]+',
      '\\d{1,3}',
      'c(losed|lose_wait)',
      '^$',
      '.',
      '(?s).*\\n',
    ),
  );
  const rawPattern = pattern.filter((p) => !p.includes('"') && !p.includes('\n'));
  const duration = fc.constantFrom('"15m"', '"1h30m"', '"-2h"', '"250ms"', '"0"', '"876000h"');
  const intExpr = fc.oneof(
    { weight: 4, arbitrary: pick(INT_FIELDS) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(INT_FIELDS), fc.constantFrom('+', '-', '*', '/', '%'), intLit)
        .map((t) => t.join(' ')),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(INT_FIELDS), fc.constantFrom('+', '-', '*'), pick(INT_FIELDS))
        .map((t) => t.join(' ')),
    },
    { weight: 1, arbitrary: pick(INT_FIELDS).map((f) => `-${f}`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(INT_FIELDS), intLit, pick(INT_FIELDS))
        .map(([a, n, b]) => `(${a} > ${n} ? ${a} : ${b})`),
    },
  );
  const numExpr = fc.oneof(
    intExpr,
    pick(FLOAT_FIELDS),
    pick(FLOAT_FIELDS).map((f) => `${f} * 100`),
    pick(FLOAT_FIELDS).map((f) => `${f} / 2`),
  );
  const strExpr = fc.oneof(
    { weight: 5, arbitrary: pick(STR_FIELDS) },
    { weight: 1, arbitrary: fc.tuple(pick(STR_FIELDS), str).map(([f, s]) => `${f} + ${quote(s)}`) },
  );
  const time = fc.oneof(
    duration.map((d) => `now() - duration(${d})`),
    fc.constantFrom(
      'timestamp("2026-11-21T06:00:00Z")',
      'timestamp("2025-01-01T00:00:00.5+02:00")',
      'datetime("10/19/2021, 6:29:02.593 PM")',
      'minutes(-15)',
      'days(3650)',
      'now()',
    ),
    intLit,
  );
  const atom: fc.Arbitrary<string> = fc.oneof(
    fc.tuple(numExpr, rel, num).map((t) => t.join(' ')),
    fc.tuple(intExpr, rel, intExpr).map((t) => t.join(' ')),
    fc.tuple(strExpr, rel, str).map(([f, o, s]) => `${f} ${o} ${quote(s)}`),
    fc.tuple(pick(STR_FIELDS), eq, pick(STR_FIELDS)).map((t) => t.join(' ')),
    fc.tuple(pick(STR_FIELDS), rel, num).map((t) => t.join(' ')),
    fc.tuple(pick(INT_FIELDS), eq, str).map(([f, o, s]) => `${f} ${o} ${quote(s)}`),
    fc
      .tuple(
        pick([...STR_FIELDS, ...LIST_FIELDS]),
        fc.constantFrom('startsWith', 'endsWith', 'contains'),
        str,
      )
      .map(([f, m, s]) => `${f}.${m}(${quote(s)})`),
    fc
      .tuple(pick([...STR_FIELDS, ...INT_FIELDS.slice(0, 8)]), pattern)
      .map(([f, p]) => `${f}.matches(${quote(p)})`),
    fc
      .tuple(pick([...STR_FIELDS, ...LIST_FIELDS, 'dst.port']), eq, rawPattern)
      .map(([f, o, p]) => `${f} ${o} r"${p}"`),
    fc.tuple(str, pick(LIST_FIELDS)).map(([s, l]) => `${quote(s)} in ${l}`),
    fc.tuple(pick(LIST_FIELDS), eq, str).map(([l, o, s]) => `${l}.* ${o} ${quote(s)}`),
    fc.tuple(pick(LIST_FIELDS), rel, str).map(([l, o, s]) => `${l} ${o} ${quote(s)}`),
    fc
      .tuple(pick(INT_FIELDS), fc.array(intLit, { maxLength: 4 }))
      .map(([f, xs]) => `${f} in [${xs.join(', ')}]`),
    fc
      .tuple(pick(STR_FIELDS), fc.array(str, { maxLength: 3 }))
      .map(([f, xs]) => `${f} in [${xs.map(quote).join(', ')}]`),
    fc.tuple(pick([...LIST_FIELDS, ...STR_FIELDS]), rel, intLit).map(([f, o, n]) => `size(${f}) ${o} ${n}`),
    fc
      .tuple(
        pick(LIST_FIELDS),
        intLit.filter((n) => /^\d{1,2}$/.test(n)),
        eq,
        str,
      )
      .map(([l, i, o, s]) => `${l}[${i}] ${o} ${quote(s)}`),
    fc.tuple(pick(TS_FIELDS), rel, time).map((t) => t.join(' ')),
    pick(KFL_KEYWORDS.map((k) => k.name)),
    pick([...INT_FIELDS, ...FLOAT_FIELDS, ...STR_FIELDS, ...LIST_FIELDS, 'error', 'evicted']),
    fc.constantFrom(
      'error == nil',
      'error != nil',
      'error.type == nil',
      'error.msg != nil',
      'error == true',
      'tcp_metrics == nil',
    ),
    fc.tuple(pick(L7_NAMES), rel, num).map((t) => t.join(' ')),
    fc.tuple(pick(L7_NAMES), eq, fc.constantFrom('nil', '"x"')).map((t) => t.join(' ')),
    str.map((s) => `map_get(local_labels, "app", ${quote(s)}) == ${quote(s)}`),
    fc
      .tuple(pick(FLOAT_FIELDS), pick(INT_FIELDS), rel, num)
      .map(([a, b, o, n]) => `(${a} > 0.01 ? ${a} : ${b}) ${o} ${n}`),
  );
  const filter: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 3, arbitrary: atom },
      { weight: 1, arbitrary: tie('e').map((x) => `!(${x})`) },
      {
        weight: 1,
        arbitrary: pick([...KFL_KEYWORDS.map((k) => k.name), ...INT_FIELDS, 'error']).map((x) => `!${x}`),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(tie('e'), fc.constantFrom(' and ', ' or ', ' && ', ' || '), tie('e'))
          .map(([a, o, b]) => `(${a}${o}${b})`),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `(${c} ? !!(${a}) : !(${b}))`),
      },
    ),
  })).e;
  return { filter, str, intLit, floatLit, hostileString };
}
