import type { FlowStore } from '@tcpx/store';
import { BadRequestError } from '../http/errors.js';
import { compileFilter, type SqlPart } from './filter.js';
import { dateTimeParam } from './time.js';
import type { PercentileQuery, PercentileResult, PercentileRow, RttGroupBy, RttMetric } from './types.js';

export const RTT_METRICS: readonly RttMetric[] = ['initial_rtt_us', 'rtt_avg_us', 'rtt_max_us'];

/** API grouping → the column both tcp_flows and tcp_rtt_1m have. */
export const RTT_GROUP_COLUMNS: Readonly<Record<RttGroupBy, string>> = {
  'dst.service': 'dst_service',
  'dst.namespace': 'dst_namespace',
  'src.namespace': 'src_namespace',
  node: 'node',
};

/** The rollup's dimensions: a KFL filter over these alone means the same on tcp_rtt_1m rows. */
const ROLLUP_DIMENSIONS: ReadonlySet<string> = new Set(Object.values(RTT_GROUP_COLUMNS));

/** tcp_rtt_1m's (schemas/clickhouse/0002) and tcp_rtt_1h's (0005) per-metric states. */
const ROLLUP_STATES: Readonly<Record<RttMetric, { count: string; quantiles: string }>> = {
  initial_rtt_us: { count: 'initial_rtt_n', quantiles: 'initial_rtt_q' },
  rtt_avg_us: { count: 'rtt_avg_n', quantiles: 'rtt_avg_q' },
  rtt_max_us: { count: 'rtt_max_n', quantiles: 'rtt_max_q' },
};

/**
 * The flows a percentile covers: final records (each connection once, as the rollup counts them)
 * whose start minute lies in [from, to). Minute resolution on both sources, so they agree.
 */
function startMinuteRange(column: string, q: PercentileQuery): SqlPart {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.from !== undefined) {
    conditions.push(`${column} >= {q_from:DateTime64(6, 'UTC')}`);
    params.q_from = dateTimeParam(q.from);
  }
  if (q.to !== undefined) {
    conditions.push(`${column} < {q_to:DateTime64(6, 'UTC')}`);
    params.q_to = dateTimeParam(q.to);
  }
  return { sql: conditions.length ? conditions.join(' AND ') : '1', params };
}

interface BucketRow {
  grp: string;
  bucket: number | string;
  flows: number | string;
  samples: number | string;
  q: (number | null)[];
}

function check(q: PercentileQuery): void {
  if (!RTT_METRICS.includes(q.metric))
    throw new BadRequestError(`metric must be one of ${RTT_METRICS.join(', ')}`);
  if (!Object.hasOwn(RTT_GROUP_COLUMNS, q.group_by)) {
    throw new BadRequestError(`group_by must be one of ${Object.keys(RTT_GROUP_COLUMNS).join(', ')}`);
  }
  if (q.step !== undefined && (!Number.isInteger(q.step) || q.step < 1)) {
    throw new BadRequestError('step must be a positive whole number of seconds');
  }
}

/**
 * Hourly rollups, narrowest first (schemas/clickhouse/0005, 0006): a question reads the first whose
 * dimensions hold every column its filter and grouping touch. Reading DDSketch states dominates,
 * so fewer rows per hour is what makes 24 h by service fast.
 */
const HOURLY_ROLLUPS: readonly { table: string; dimensions: ReadonlySet<string> }[] = [
  { table: 'tcp_rtt_1h_dst', dimensions: new Set(['dst_namespace', 'dst_service']) },
  { table: 'tcp_rtt_1h_src', dimensions: new Set(['src_namespace', 'node']) },
  { table: 'tcp_rtt_1h', dimensions: ROLLUP_DIMENSIONS },
];

function hourlyTable(columns: Iterable<string>): string {
  const needed = [...columns];
  return HOURLY_ROLLUPS.find((r) => needed.every((c) => r.dimensions.has(c)))!.table;
}

const HOUR_MS = 3_600_000;

/**
 * Whether the hourly rollup answers `q`: whole-hour steps over an hour-aligned range. Its buckets
 * then hold exactly the flows of the minute rollup's, only the percentiles are approximate.
 */
function hourly(q: PercentileQuery): boolean {
  return (
    q.step !== undefined &&
    q.step % 3600 === 0 &&
    (q.from === undefined || q.from % HOUR_MS === 0) &&
    (q.to === undefined || q.to % HOUR_MS === 0)
  );
}

/**
 * P50/P90/P99 of one RTT metric per group (and per `step` bucket). The rollups answer when the KFL
 * filter touches only their dimensions (node, namespaces, dst_service):
 * - 'rollup_1h' (tcp_rtt_1h or a narrower hourly table) for whole-hour steps over an hour-aligned range: quantilesDD
 *   (DDSketch, relative accuracy 0.01), each percentile within 1 % of a sample value at its rank
 *   (no interpolation between neighbours); flows and samples are exact;
 * - 'rollup' (tcp_rtt_1m) for other whole-minute steps: ClickHouse's `quantiles` (reservoir of
 *   8192 values with linear interpolation), exactly the raw answer while a group holds at most
 *   8192 flows, a uniform sample beyond.
 * Otherwise 'raw': `quantiles` over the final rows of tcp_flows.
 */
export async function rttPercentiles(
  store: FlowStore,
  q: PercentileQuery,
  now: number,
): Promise<PercentileResult> {
  check(q);
  const compiled = compileFilter(q.kfl, now);
  const group = RTT_GROUP_COLUMNS[q.group_by];
  const rollup =
    [...compiled.columns].every((c) => ROLLUP_DIMENSIONS.has(c)) &&
    (q.step === undefined || q.step % 60 === 0);
  const byHour = rollup && hourly(q);
  const table = !rollup ? 'tcp_flows' : byHour ? hourlyTable([group, ...compiled.columns]) : 'tcp_rtt_1m';
  const timeColumn = byHour ? 'hour' : 'minute';
  const minute = rollup ? timeColumn : 'toStartOfMinute(start_time)';
  const range = startMinuteRange(minute, q);
  const bucket =
    q.step === undefined
      ? `toUnixTimestamp(min(${minute}))`
      : `toUnixTimestamp(toStartOfInterval(${rollup ? timeColumn : 'start_time'}, toIntervalSecond({q_step:UInt32})))`;
  const grouping = q.step === undefined ? 'grp' : 'grp, bucket';
  const state = ROLLUP_STATES[q.metric];
  const merge = byHour ? 'quantilesDDMerge(0.01, 0.5, 0.9, 0.99)' : 'quantilesMerge(0.5, 0.9, 0.99)';
  const sql = rollup
    ? `SELECT ${group} AS grp, ${bucket} AS bucket, countMerge(flows) AS flows,
         countMerge(${state.count}) AS samples, ${merge}(${state.quantiles}) AS q
       FROM ${table} WHERE (${compiled.where}) AND ${range.sql}
       GROUP BY ${grouping} ORDER BY ${grouping}`
    : `SELECT ${group} AS grp, ${bucket} AS bucket, count() AS flows,
         count(${q.metric}) AS samples, quantiles(0.5, 0.9, 0.99)(toFloat64(${q.metric})) AS q
       FROM tcp_flows FINAL WHERE final = 1 AND (${compiled.where}) AND ${range.sql}
       GROUP BY ${grouping} ORDER BY ${grouping}`;
  const rows = await store.query<BucketRow>(sql, {
    ...compiled.params,
    ...range.params,
    ...(q.step === undefined ? {} : { q_step: q.step }),
  });
  return {
    metric: q.metric,
    group_by: q.group_by,
    source: byHour ? 'rollup_1h' : rollup ? 'rollup' : 'raw',
    rows: rows.map((r) => percentileRow(r, q)),
  };
}

function percentileRow(r: BucketRow, q: PercentileQuery): PercentileRow {
  const samples = Number(r.samples);
  const value = (i: number) => (samples === 0 || r.q[i] === null ? null : Number(r.q[i]));
  // One bucket for the whole range starts at `from` when there is one.
  const startMs = q.step === undefined && q.from !== undefined ? q.from : Number(r.bucket) * 1000;
  return {
    group: r.grp,
    time: new Date(startMs).toISOString(),
    flows: Number(r.flows),
    samples,
    p50: value(0),
    p90: value(1),
    p99: value(2),
  };
}
