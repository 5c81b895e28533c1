import type { FlowRow } from '@tcpx/store';
import { children } from './build.js';
import { check } from './check.js';
import { toSql } from './compile-sql.js';
import { evaluator } from './evaluate.js';
import type { Ir } from './ir.js';
import { lint } from './lint.js';
import { parse } from './parser.js';

export interface CompileOptions {
  /** Epoch ms that now() and the v1 time helpers use, fixed per query; default Date.now(). */
  now?: number;
  /** Prefix of the query parameter names (`{kfl_0:Int64}`), so two filters can share one query. */
  paramPrefix?: string;
}

export interface CompiledFilter {
  readonly text: string;
  /**
   * SQL boolean expression over tcp_flows' own column names (no table alias), '1' for an empty
   * filter. Never contains a literal value from the filter text: every value is a parameter.
   */
  readonly where: string;
  /** ClickHouse query parameters referenced in `where` as {kfl_0:Type}; pass to store.query(sql, params). */
  readonly params: Record<string, unknown>;
  /** limit(n) directive. */
  readonly limit?: number;
  /** rlimit(n): the newest n by timestamp. */
  readonly rlimit?: number;
  /** redact("a.b", …) output field paths. */
  readonly redact: readonly string[];
  readonly warnings: readonly string[];
  /**
   * tcp_flows columns the filter reads (so the percentile endpoint can tell whether the rollup
   * tcp_rtt_1m, which has node, src_namespace, dst_namespace and dst_service, can answer).
   */
  readonly columns: ReadonlySet<string>;
  /**
   * The same filter evaluated in-process (the live stream) on one row in the INSERT shape FlowRow
   * of @tcpx/store. Selects exactly the rows `where` selects.
   */
  matches(row: FlowRow): boolean;
}

function columnsOf(ir: Ir, into: Set<string>): Set<string> {
  if (ir.k === 'col') for (const c of ir.columns) into.add(c);
  for (const c of children(ir)) columnsOf(c, into);
  return into;
}

/** Compiles a KFL filter (../shared/docs/kfl.md); throws KflError for a filter it cannot accept. */
export function compileKfl(text: string, options: CompileOptions = {}): CompiledFilter {
  const prefix = options.paramPrefix ?? 'kfl';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix))
    throw new TypeError(`invalid paramPrefix ${JSON.stringify(prefix)}`);
  const nowUs = Math.round(options.now ?? Date.now()) * 1000;
  const ast = parse(text);
  const checked = check(ast, nowUs);
  const { where, params } = toSql(checked.ir, prefix);
  const evaluate = evaluator(checked.ir, []);
  return Object.freeze({
    text,
    where,
    params,
    ...(checked.limit !== undefined ? { limit: checked.limit } : {}),
    ...(checked.rlimit !== undefined ? { rlimit: checked.rlimit } : {}),
    redact: Object.freeze(checked.redact),
    warnings: Object.freeze([...lint(ast), ...checked.warnings]),
    columns: columnsOf(checked.ir, new Set()),
    matches: (row: FlowRow) => evaluate(row) === true,
  });
}
