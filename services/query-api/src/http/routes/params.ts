import type { FlowFilter } from '../../data/types.js';
import { BadRequestError } from '../errors.js';

/**
 * A query-string time (already shape-checked by timeParam) → epoch ms, keeping sub-millisecond
 * digits (Date.parse drops them): "1795240800123", "2026-11-21T06:00:00.123456Z", "…+02:00".
 */
export function parseTime(text: string, name: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const fraction = /\.(\d+)/.exec(text);
  const ms = Date.parse(text.replace(/\.\d+/, ''));
  if (Number.isNaN(ms)) throw new BadRequestError(`${name}: not a time: ${text}`);
  return fraction ? ms + Number(`0.${fraction[1]}`) * 1000 : ms;
}

export const optionalTime = (text: string | undefined, name: string): number | undefined =>
  text === undefined ? undefined : parseTime(text, name);

export interface FilterQuery {
  kfl?: string;
  from?: string;
  to?: string;
}

export function filterFromQuery(q: FilterQuery): FlowFilter {
  const from = optionalTime(q.from, 'from');
  const to = optionalTime(q.to, 'to');
  if (from !== undefined && to !== undefined && from > to) throw new BadRequestError('from is after to');
  return { kfl: q.kfl, from, to };
}
