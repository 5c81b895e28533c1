import * as z from 'zod';
import type { FlowFilter } from '../data/types.js';
import { filterFromQuery, parseTime } from '../http/routes/params.js';
import { kflParam, timeParam } from '../http/routes/schemas.js';

// Tool arguments shared by several tools, validated and converted as the REST routes do.

/** A time as an assistant writes one: ISO 8601 text with zone, or epoch milliseconds. */
export const timeArg = z
  .union([z.string().regex(new RegExp(timeParam.pattern)), z.number().nonnegative()])
  .describe('ISO 8601 time with zone (e.g. "2026-01-31T14:05:00Z") or epoch milliseconds');

export const kflArg = z
  .string()
  .max(kflParam.maxLength)
  .describe(
    'KFL filter (Kubeshark Filter Language) over connections, e.g. `tcp_metrics.retransmission_rate > 0.05`, ' +
      '`dst.port == 443 and tcp_metrics.initial_rtt_us > 10000`, `tcp` (TCP-level errors: refused, ' +
      'unanswered, reset, half-closed). Empty = all connections. Fields and keywords: metrics_glossary; ' +
      'check a filter with kfl_check.',
  );

/** The common filter arguments of the list and aggregate tools. */
export const filterArgs = {
  kfl: kflArg.optional(),
  from: timeArg
    .optional()
    .describe('only connections still active at or after this time (default: no limit)'),
  to: timeArg.optional().describe('only connections that started before this time (default: no limit)'),
};

type TimeValue = string | number | undefined;
const asText = (value: TimeValue) => (value === undefined ? undefined : String(value));

/** A time argument as epoch ms, read as the REST routes read the same text. */
export const timeMs = (value: string | number, name: string) => parseTime(String(value), name);

/** The query layer's FlowFilter from the filter arguments. */
export function toFlowFilter(args: { kfl?: string; from?: TimeValue; to?: TimeValue }): FlowFilter {
  return filterFromQuery({ kfl: args.kfl, from: asText(args.from), to: asText(args.to) });
}
