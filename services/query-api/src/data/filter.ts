import { type CompiledFilter, compileKfl } from '../kfl/index.js';
import { dateTimeParam } from './time.js';
import type { FlowFilter } from './types.js';

/** A piece of SQL and the query parameters it names. */
export interface SqlPart {
  sql: string;
  params: Record<string, unknown>;
}

/** KFL parameters get their own prefix so they never collide with the query layer's `q_*`. */
export function compileFilter(kfl: string | undefined, now: number): CompiledFilter {
  return compileKfl(kfl ?? '', { now, paramPrefix: 'kfl_' });
}

/** Connections overlapping [from, to): started before `to`, last packet at or after `from`. */
export function overlapSql(filter: FlowFilter): SqlPart {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.to !== undefined) {
    conditions.push("start_time < {q_to:DateTime64(6, 'UTC')}");
    params.q_to = dateTimeParam(filter.to);
  }
  if (filter.from !== undefined) {
    conditions.push("end_time >= {q_from:DateTime64(6, 'UTC')}");
    params.q_from = dateTimeParam(filter.from);
  }
  return { sql: conditions.length ? conditions.join(' AND ') : '1', params };
}

/** The KFL condition and the time range together. */
export function whereSql(compiled: CompiledFilter, filter: FlowFilter): SqlPart {
  const range = overlapSql(filter);
  return { sql: `(${compiled.where}) AND ${range.sql}`, params: { ...compiled.params, ...range.params } };
}
