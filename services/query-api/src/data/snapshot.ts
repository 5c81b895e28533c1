import type { FlowStore } from '@tcpx/store';
import { BadRequestError } from '../http/errors.js';
import { compileKfl } from '../kfl/index.js';
import { DEFAULT_WINDOW_SECONDS, flowsAt, OPEN_AT_SQL } from './sources.js';
import { isoMicros } from './time.js';
import type { RttSummary, SnapshotResult } from './types.js';

/**
 * The error classes are KFL expressions compiled like any filter, so "errors" here and
 * `?kfl=tcp` in a list always mean the same connections.
 */
const ERROR_CLASSES = {
  tcp: 'tcp',
  error: 'error',
  connection: 'error.type == "connection"',
  timeout: 'error.type == "timeout"',
} as const;

type Numeric = number | string | null;

interface SnapshotRow {
  open: Numeric;
  closed: Numeric;
  states: [string[], Numeric[]];
  codes: [string[], Numeric[]];
  initial_n: Numeric;
  initial_q: (number | null)[];
  avg_n: Numeric;
  avg_q: (number | null)[];
  [errorClass: string]: unknown;
}

const toCounts = ([keys, values]: [string[], Numeric[]]): Record<string, number> =>
  Object.fromEntries(keys.map((k, i) => [k, Number(values[i])]));

const summary = (n: Numeric, q: (number | null)[]): RttSummary => {
  const samples = Number(n);
  const at = (i: number) => (samples === 0 || q[i] === null ? null : Number(q[i]));
  return { samples, p50: at(0), p90: at(1), p99: at(2) };
};

/** The cluster at instant `at` (epoch ms): see flowsAt() for which version of a connection counts. */
export async function snapshot(
  store: FlowStore,
  at: number,
  now: number,
  windowSeconds = DEFAULT_WINDOW_SECONDS,
): Promise<SnapshotResult> {
  if (!Number.isFinite(at)) throw new BadRequestError('at must be a time');
  if (!(windowSeconds >= 0)) throw new BadRequestError('window must be a non-negative number of seconds');
  const source = flowsAt(at, windowSeconds);
  const classes = Object.entries(ERROR_CLASSES).map(([name, kfl]) => ({
    name,
    compiled: compileKfl(kfl, { now, paramPrefix: `err_${name}_` }),
  }));
  const classSql = classes.map((c) => `countIf(${c.compiled.where}) AS err_${c.name}`).join(',\n      ');
  const rtt = (column: string) =>
    `quantilesIf(0.5, 0.9, 0.99)(toFloat64(${column}), is_open AND ${column} IS NOT NULL)`;
  const sql = `
    SELECT
      countIf(is_open) AS open,
      countIf(NOT is_open) AS closed,
      sumMap([state], [toUInt64(1)]) AS states,
      sumMap(diagnosis, arrayMap(c -> toUInt64(1), diagnosis)) AS codes,
      ${classSql},
      countIf(is_open AND initial_rtt_us IS NOT NULL) AS initial_n,
      ${rtt('initial_rtt_us')} AS initial_q,
      countIf(is_open AND rtt_avg_us IS NOT NULL) AS avg_n,
      ${rtt('rtt_avg_us')} AS avg_q
    FROM (SELECT *, ${OPEN_AT_SQL} AS is_open FROM ${source.sql})`;
  const params = Object.assign({}, source.params, ...classes.map((c) => c.compiled.params));
  const [row] = await store.query<SnapshotRow>(sql, params);
  const error = (name: keyof typeof ERROR_CLASSES) => Number(row[`err_${name}`]);
  return {
    at: isoMicros(Math.round(at * 1000)),
    window_seconds: windowSeconds,
    open: Number(row.open),
    closed_in_window: Number(row.closed),
    by_state: toCounts(row.states),
    by_diagnosis: toCounts(row.codes),
    errors: {
      tcp: error('tcp'),
      error: error('error'),
      connection: error('connection'),
      timeout: error('timeout'),
    },
    rtt: { initial_rtt_us: summary(row.initial_n, row.initial_q), rtt_avg_us: summary(row.avg_n, row.avg_q) },
  };
}
