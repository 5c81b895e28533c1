// The little SQL knowledge the chdb HTTP front needs (chdb-http-server.ts): where a statement
// ends, its output FORMAT, and whether it is a plain `INSERT INTO t (cols) FORMAT f` whose data
// can go to the engine as raw bytes. The engine parses everything for real; this only skips
// strings, quoted identifiers and comments correctly, so a `;` or `FORMAT` inside them is inert.
import type { RawInsertFormat } from 'chdb';

export interface SqlShape {
  /** The first keyword, upper-cased ('' when there is none). */
  verb: string;
  /** Offset of a second statement after a top-level `;` (ClickHouse's HTTP interface refuses those). */
  secondStatementAt?: number;
  /** `… FORMAT <name>` at the top level of a statement other than INSERT: its output format. */
  outputFormat?: string;
}

export interface SimpleInsert {
  table: string;
  columns?: string[];
  format: RawInsertFormat;
}

const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;
// chdb's raw insert (Session.insert with a Buffer) takes these formats only.
const RAW_INSERT_FORMATS = new Set<string>([
  'JSONEachRow',
  'JSONCompactEachRow',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
  'TSVWithNames',
  'TabSeparatedWithNames',
]);
const SIMPLE_INSERT =
  /^INSERT\s+INTO\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*(?:\(([\w\s,]*)\))?\s*FORMAT\s+(\w+)\s*$/i;

interface Token {
  /** A word (keyword or bare identifier), or a single punctuation character. */
  text: string;
  start: number;
  depth: number;
}

/** Index just past the quoted run starting at `i` (quote char `q`; `\` escapes, doubling escapes). */
function skipQuoted(sql: string, i: number, q: string): number {
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === '\\') j++;
    else if (sql[j] === q) {
      if (sql[j + 1] === q) j++;
      else return j + 1;
    }
  }
  return sql.length;
}

/** Index just past a comment or heredoc starting at `i`, or `i` when there is none. */
function skipComment(sql: string, i: number): number {
  const two = sql.slice(i, i + 2);
  if (two === '--' || two === '#!' || two === '# ') {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl + 1;
  }
  if (two === '/*') {
    let depth = 0; // ClickHouse nests block comments
    let j = i;
    while (j < sql.length - 1) {
      const pair = sql.slice(j, j + 2);
      if (pair === '/*') depth++;
      else if (pair === '*/' && --depth === 0) return j + 2;
      j += pair === '/*' || pair === '*/' ? 2 : 1;
    }
    return sql.length;
  }
  const heredoc = /\$([A-Za-z0-9_]*)\$/y;
  heredoc.lastIndex = i;
  const m = heredoc.exec(sql);
  if (m) {
    const close = sql.indexOf(m[0], i + m[0].length);
    return close < 0 ? sql.length : close + m[0].length;
  }
  return i;
}

/** Words, quoted runs (as their quote character) and punctuation, with their bracket depth. */
function* tokens(sql: string): Generator<Token> {
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const past = skipComment(sql, i);
    if (past > i) {
      i = past;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c);
      yield { text: c, start: i, depth };
      i = end;
      continue;
    }
    WORD.lastIndex = i;
    const w = WORD.exec(sql);
    if (w) {
      yield { text: w[0], start: i, depth };
      i += w[0].length;
      continue;
    }
    if (c === '(' || c === '[') depth++;
    if ((c === ')' || c === ']') && depth > 0) depth--;
    yield { text: c, start: i, depth };
    i++;
  }
}

/**
 * The statement's shape. `outputFormats` (names as the engine spells them) decides whether a
 * top-level `FORMAT x` is the FORMAT clause; matching is case-insensitive, like the engine's.
 */
export function inspectSql(sql: string, outputFormats: ReadonlyMap<string, string>): SqlShape {
  const shape: SqlShape = { verb: '' };
  let prev: Token | undefined;
  let ended = false;
  for (const t of tokens(sql)) {
    if (ended) {
      shape.secondStatementAt = t.start;
      break;
    }
    if (!shape.verb) shape.verb = /^[A-Za-z_]/.test(t.text) ? t.text.toUpperCase() : t.text;
    if (t.depth === 0 && t.text === ';') ended = true;
    else if (t.depth === 0 && prev?.text.toUpperCase() === 'FORMAT' && prev.depth === 0) {
      // INSERT … FORMAT x: what follows is data, never SQL.
      if (shape.verb === 'INSERT') break;
      const name = outputFormats.get(t.text.toLowerCase());
      if (name) shape.outputFormat = name;
    } else if (shape.verb === 'INSERT' && t.depth === 0 && t.text.toUpperCase() === 'VALUES') break;
    prev = t;
  }
  return shape;
}

/** `INSERT INTO <table> [(<columns>)] FORMAT <format>` and nothing else, in a format chdb's raw insert takes. */
export function simpleInsert(sql: string): SimpleInsert | undefined {
  const m = SIMPLE_INSERT.exec(sql);
  if (!m || !RAW_INSERT_FORMATS.has(m[3])) return undefined;
  const format = m[3] as RawInsertFormat;
  const columns = m[2]
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  if (columns?.some((c) => !/^[A-Za-z_]\w*$/.test(c))) return undefined;
  return { table: m[1], columns: columns?.length ? columns : undefined, format };
}

/** A ClickHouse string literal holding `value` exactly. */
export function sqlString(value: string): string {
  // A NUL is written as \0 so that the statement text never holds a raw NUL byte.
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0')}'`;
}

/** A back-quoted ClickHouse identifier. */
export function sqlIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** The Content-Type ClickHouse sends for an output format (by family). */
export function contentType(format: string): string {
  if (/^(TSV|TabSeparated)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8';
  if (/^(JSON|NDJSON)/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^XML$/i.test(format)) return 'application/xml; charset=UTF-8';
  if (/^(RowBinary|Native|Parquet|Arrow|ORC|Avro|Protobuf|MsgPack|CapnProto|BSON|Npy)/i.test(format))
    return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}
