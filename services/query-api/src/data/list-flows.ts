import { dateTime64, type FlowStore } from '@tcpx/store';
import { BadRequestError } from '../http/errors.js';
import type { CompiledFilter } from '../kfl/index.js';
import { type Cursor, checkCursorFits, decodeCursor, encodeCursor } from './cursor.js';
import { compileFilter, type SqlPart, whereSql } from './filter.js';
import { FLOW_VIEW_COLUMNS, rowsToFlowViews, type StoredRow } from './flow-view.js';
import { redactFlowViews } from './redact-views.js';
import { type SortOrder, sortKeySql } from './sort.js';
import { CURRENT_FLOWS, flowsAt } from './sources.js';
import type { FlowListQuery, FlowPage } from './types.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** One row per connection (current, or as of `at`) and the filter on it. */
function selection(
  compiled: CompiledFilter,
  q: FlowListQuery,
  startTimes?: SqlPart,
): { source: SqlPart; where: SqlPart } {
  const where = whereSql(compiled, q);
  if (startTimes === undefined) {
    return { source: q.at === undefined ? CURRENT_FLOWS : flowsAt(q.at, q.window), where };
  }
  // start_time is a sorting key column, constant across a connection's versions, so PREWHERE on
  // it before FINAL drops whole connections and never an older version alone: FINAL then merges
  // only the window's rows (measured 230 → 130 ms for a 15-minute window of 10 M rows).
  const current: SqlPart = { sql: `(SELECT * FROM tcp_flows FINAL PREWHERE ${startTimes.sql})`, params: {} };
  return {
    source: q.at === undefined ? current : flowsAt(q.at, q.window, startTimes),
    where: { sql: `${where.sql} AND ${startTimes.sql}`, params: { ...where.params, ...startTimes.params } },
  };
}

/**
 * Start-time windows of a newest-first list, as ages before its newest possible start time (µs):
 * the sorting key (node, start_time, flow_id) prunes granules by start_time within each node, so
 * a recent window reads a small part of the table, and a page is usually full after the first one.
 * After the last, one query reads the rest. Time travel starts with 2 minutes: what was open at T
 * mostly started shortly before T (with ~100 connections a second a page of 100 is full there,
 * where a 15-minute first window read 7× the rows); a filtered list is sparser.
 */
const WINDOWS_US = [15 * 60e6, 3600e6, 4 * 3600e6, 16 * 3600e6, 64 * 3600e6, 256 * 3600e6, 1024 * 3600e6];

const TIME_TRAVEL_FIRST_WINDOW_US = 2 * 60e6;

/** Disjoint start_time conditions, newest first, that together cover every start time. */
function startTimeWindows(newestUs: number, timeTravel: boolean): SqlPart[] {
  const ages = timeTravel ? [TIME_TRAVEL_FIRST_WINDOW_US, ...WINDOWS_US] : WINDOWS_US;
  const lows = ages.map((age) => dateTime64(Math.max(0, newestUs - age)));
  return [...lows, undefined].map((low, i) => {
    const conditions: string[] = [];
    const params: Record<string, unknown> = {};
    if (low !== undefined) {
      conditions.push(`start_time >= {q_w${i}lo:DateTime64(6, 'UTC')}`);
      params[`q_w${i}lo`] = low;
    }
    if (i > 0) {
      conditions.push(`start_time < {q_w${i}hi:DateTime64(6, 'UTC')}`);
      params[`q_w${i}hi`] = lows[i - 1];
    }
    return { sql: `(${conditions.join(' AND ')})`, params };
  });
}

/** An upper bound (µs) of the start times a newest-first list can return. */
async function newestStartUs(
  store: FlowStore,
  q: FlowListQuery,
  cursor: Cursor | undefined,
): Promise<number> {
  const bounds: number[] = [];
  if (q.at !== undefined) bounds.push(Math.ceil(q.at * 1000));
  if (q.to !== undefined) bounds.push(Math.ceil(q.to * 1000));
  if (cursor) bounds.push(Math.ceil(cursor.value));
  if (bounds.length === 0) {
    // Answered from the parts' min/max of the partition key column, without reading rows.
    const [row] = await store.query<{ us: number | string }>(
      'SELECT toUnixTimestamp64Micro(max(start_time)) AS us FROM tcp_flows',
    );
    bounds.push(Number(row.us));
  }
  return Math.min(...bounds);
}

/** How many connections a selectFlows() list holds over all its pages. */
export async function countFlows(
  store: FlowStore,
  compiled: CompiledFilter,
  q: FlowListQuery,
): Promise<number> {
  const { source, where } = selection(compiled, q);
  const [row] = await store.query<{ n: number | string }>(
    `SELECT count() AS n FROM ${source.sql} WHERE ${where.sql}`,
    { ...source.params, ...where.params },
  );
  const caps = [compiled.limit, compiled.rlimit].filter((n): n is number => n !== undefined);
  return Math.min(Number(row.n), ...caps);
}

/** The newest `n` matches by start_time (KFL rlimit), as a condition on the same source. */
function newestOnly(source: SqlPart, where: SqlPart, n: number): SqlPart {
  return {
    sql: ` AND (flow_id, node) IN (
      SELECT flow_id, node FROM ${source.sql} WHERE ${where.sql}
      ORDER BY start_time DESC, flow_id DESC, node DESC LIMIT {q_rlimit:UInt64})`,
    params: { q_rlimit: n },
  };
}

/** Rows strictly after the cursor in (null flag asc, value, flow id, node) order. */
function afterCursor(c: Cursor, order: SortOrder): SqlPart {
  const cmp = order === 'asc' ? '>' : '<';
  return {
    sql: ` AND (_null > {q_cn:UInt8} OR (_null = {q_cn:UInt8}
      AND (_sort, flow_id, node) ${cmp} ({q_cv:Float64}, {q_cid:UInt64}, {q_cnode:String})))`,
    params: { q_cn: c.isNull, q_cv: c.value, q_cid: c.id, q_cnode: c.node },
  };
}

/**
 * One page of connections: the latest version of each (or, with `at`, its version as of that
 * instant), the KFL filter applied to that version, sorted by `sort` (NULLs last) with flow id and
 * node as tie-breakers, so keyset pagination returns every connection exactly once while the data
 * does not change. Default order: start_time, newest first. KFL redact(...) is applied.
 */
export async function listFlows(store: FlowStore, q: FlowListQuery, now: number): Promise<FlowPage> {
  const compiled = compileFilter(q.kfl, now);
  const page = await selectFlows(store, compiled, q, MAX_PAGE_SIZE);
  return { flows: redactFlowViews(page.flows, compiled.redact), next_cursor: page.next_cursor };
}

/** listFlows with an already compiled filter and another page size bound; not redacted. */
export async function selectFlows(
  store: FlowStore,
  compiled: CompiledFilter,
  q: FlowListQuery,
  maxPageSize: number,
): Promise<FlowPage> {
  const page = await selectRows(store, compiled, q, maxPageSize);
  return { flows: rowsToFlowViews(page.rows), next_cursor: page.next_cursor };
}

/** selectFlows' rows as stored (RECORD_COLUMNS), for callers that shape them otherwise. */
export async function selectRows(
  store: FlowStore,
  compiled: CompiledFilter,
  q: FlowListQuery,
  maxPageSize: number,
): Promise<{ rows: StoredRow[]; next_cursor: string | null }> {
  const sort = q.sort ?? 'start_time';
  const order: SortOrder = q.order ?? 'desc';
  const key = sortKeySql(sort);
  const pageLimit = q.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageLimit) || pageLimit < 1 || pageLimit > maxPageSize) {
    throw new BadRequestError(`limit must be an integer from 1 to ${maxPageSize}`);
  }
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (cursor) checkCursorFits(cursor, sort, order);
  const delivered = cursor?.delivered ?? 0;
  // KFL limit(n) caps the whole list, across pages.
  const pageSize = Math.min(pageLimit, (compiled.limit ?? Number.POSITIVE_INFINITY) - delivered);
  if (pageSize <= 0) return { rows: [], next_cursor: null };

  const after = cursor ? afterCursor(cursor, order) : { sql: '', params: {} };
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const pageQuery = (startTimes: SqlPart | undefined, n: number): Promise<StoredRow[]> => {
    const { source, where } = selection(compiled, q, startTimes);
    const rlimit =
      compiled.rlimit === undefined ? { sql: '', params: {} } : newestOnly(source, where, compiled.rlimit);
    // The inner query filters and orders on raw columns; the outer one only reshapes (RECORD_COLUMNS
    // aliases flow_id as text, which must not leak into WHERE or ORDER BY).
    const sql = `
      SELECT ${FLOW_VIEW_COLUMNS}, _null, _sort FROM (
        SELECT *, ${key.isNull} AS _null, ${key.value} AS _sort, flow_id AS _id
        FROM ${source.sql}
        WHERE ${where.sql}${rlimit.sql}${after.sql}
        ORDER BY _null ASC, _sort ${dir}, flow_id ${dir}, node ${dir}
        LIMIT {q_limit:UInt32}
      )
      ORDER BY _null ASC, _sort ${dir}, _id ${dir}, node ${dir}`;
    return store.query<StoredRow>(sql, {
      ...source.params,
      ...where.params,
      ...rlimit.params,
      ...after.params,
      q_limit: n,
    });
  };

  let rows: StoredRow[];
  if (sort === 'start_time' && order === 'desc' && compiled.rlimit === undefined) {
    // Newest first: start_time windows, newest first, until the page (and one row more, to know
    // whether another page follows) is full. The windows are disjoint in start_time, the sort key,
    // so their pages concatenated are the single query's page.
    rows = [];
    for (const window of startTimeWindows(await newestStartUs(store, q, cursor), q.at !== undefined)) {
      rows.push(...(await pageQuery(window, pageSize + 1 - rows.length)));
      if (rows.length > pageSize) break;
    }
  } else {
    rows = await pageQuery(undefined, pageSize + 1);
  }
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  const more =
    rows.length > pageSize && delivered + page.length < (compiled.limit ?? Number.POSITIVE_INFINITY);
  const next_cursor =
    more && last
      ? encodeCursor({
          sort,
          order,
          isNull: Number(last._null) === 1 ? 1 : 0,
          value: Number(last._sort),
          id: String(last.flow_id),
          node: String(last.node),
          delivered: delivered + page.length,
        })
      : null;
  return { rows: page, next_cursor };
}
