import { METRIC_NAMES } from '@tcpx/schemas';
import { BadRequestError } from '../http/errors.js';

/** Column names a list may be sorted by; nothing else reaches the SQL text. */
export const SORT_FIELDS: readonly string[] = [...METRIC_NAMES, 'start_time', 'end_time'];

export type SortOrder = 'asc' | 'desc';

/**
 * The sort key as two SQL expressions over tcp_flows columns: a null flag (NULLs sort last in
 * both orders) and the value as Float64, so one cursor value type serves every column. Float64
 * is exact for every µs time and count below 2^53; values that collide beyond that are ties,
 * broken by flow id, so the order stays total and pagination complete.
 */
export function sortKeySql(field: string): { isNull: string; value: string } {
  if (!SORT_FIELDS.includes(field)) {
    throw new BadRequestError(`unknown sort field "${field}"; one of: ${SORT_FIELDS.join(', ')}`);
  }
  if (field === 'start_time' || field === 'end_time') {
    return { isNull: '0', value: `toFloat64(toUnixTimestamp64Micro(${field}))` };
  }
  return { isNull: `isNull(${field})`, value: `toFloat64(ifNull(${field}, 0))` };
}
