import type { SqlPart } from './filter.js';
import { dateTimeParam } from './time.js';

/**
 * Where a query reads one row per connection from: a table expression usable as `FROM <sql>`
 * whose rows have every tcp_flows column.
 */

/**
 * The current state: each connection's highest version. FINAL rather than argMax or LIMIT 1 BY:
 * measured on chdb 3.4 (ClickHouse 26.7) with 103k connections in 216k rows, a filtered, sorted
 * page of 100 took 32–55 ms with FINAL, 280–360 ms with `ORDER BY … LIMIT 1 BY flow_id, node` and
 * 310–390 ms with `(flow_id, node, version) IN (SELECT …, max(version) … GROUP BY …)` (FINAL reads
 * only what merging needs, by sorting key; the others sort or hash the whole table). WHERE after
 * FINAL filters the latest version, never an older one.
 */
export const CURRENT_FLOWS: SqlPart = { sql: 'tcp_flows FINAL', params: {} };

/** Default of the "closed in the window before T" part of time travel. */
export const DEFAULT_WINDOW_SECONDS = 300;

/**
 * The connections of instant T (epoch ms), from tcp_flow_versions (every version kept; tcp_flows
 * keeps only the newest once merged), each as its latest stored version whose end_time (the
 * last packet it covers) is at or before T:
 * - open at T: started at or before T and no final record ends at or before T. A connection whose
 *   first record came after T (it started just before T) shows that first record: the nearest
 *   known state.
 * - closed in the window: its final record ends in [T - window, T].
 * A version's end_time is its last packet's time, so "latest version with end_time <= T" is the
 * state as a reader at T could have known it.
 * `startTimes`, a condition on start_time alone, restricts it to the connections it admits.
 */
export function flowsAt(
  atMs: number,
  windowSeconds = DEFAULT_WINDOW_SECONDS,
  startTimes: SqlPart = { sql: '1', params: {} },
): SqlPart {
  const at = "{q_at:DateTime64(6, 'UTC')}";
  const since = "{q_since:DateTime64(6, 'UTC')}";
  // startTimes (a condition on start_time only, constant across a connection's versions) keeps
  // or drops whole connections, so it narrows the scan without changing which version counts.
  const sql = `(
    SELECT * FROM tcp_flow_versions
    WHERE start_time <= ${at} AND (${startTimes.sql}) AND (flow_id, node, version) IN (
      SELECT flow_id, node,
             if(countIf(end_time <= ${at}) > 0, maxIf(version, end_time <= ${at}), min(version))
      FROM tcp_flow_versions
      WHERE start_time <= ${at} AND (${startTimes.sql})
      GROUP BY flow_id, node
      HAVING countIf(final = 1 AND end_time <= ${at}) = 0 OR maxIf(end_time, final = 1) >= ${since}
    )
    LIMIT 1 BY flow_id, node
  )`;
  return {
    sql,
    params: {
      ...startTimes.params,
      q_at: dateTimeParam(atMs),
      q_since: dateTimeParam(atMs - windowSeconds * 1000),
    },
  };
}

/** SQL condition, over a flowsAt() row, that the connection was still open at T. */
export const OPEN_AT_SQL = "NOT (final = 1 AND end_time <= {q_at:DateTime64(6, 'UTC')})";
