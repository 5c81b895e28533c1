import { BadRequestError } from '../http/errors.js';
import type { SortOrder } from './sort.js';

/**
 * Keyset position after the last row of a page: the sort key of that row (null flag, value) and
 * its tie-breakers (flow id, node), plus what the cursor is valid for (sort field and order) and
 * how many rows the pages before delivered (for a KFL limit() across pages).
 */
export interface Cursor {
  sort: string;
  order: SortOrder;
  isNull: 0 | 1;
  value: number;
  id: string;
  node: string;
  delivered: number;
}

/** Opaque to clients: base64url of a compact JSON array. */
export function encodeCursor(c: Cursor): string {
  const fields = [c.sort, c.order, c.isNull, c.value, c.id, c.node, c.delivered];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

const bad = (why: string) => new BadRequestError(`invalid cursor: ${why}`);

/** Parses and validates a cursor; anything malformed or foreign is a 400, never a partial page. */
export function decodeCursor(text: string): Cursor {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw bad('not base64url');
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad('not produced by this API');
  }
  if (!Array.isArray(fields) || fields.length !== 7) throw bad('not produced by this API');
  const [sort, order, isNull, value, id, node, delivered] = fields as unknown[];
  if (typeof sort !== 'string') throw bad('sort');
  if (order !== 'asc' && order !== 'desc') throw bad('order');
  if (isNull !== 0 && isNull !== 1) throw bad('null flag');
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('value');
  if (typeof id !== 'string' || !/^\d{1,20}$/.test(id) || BigInt(id) >= 2n ** 64n) throw bad('id');
  if (typeof node !== 'string') throw bad('node');
  if (typeof delivered !== 'number' || !Number.isSafeInteger(delivered) || delivered < 0) throw bad('count');
  return { sort, order, isNull, value, id, node, delivered };
}

/** The cursor must belong to the same ordering, or its position means nothing. */
export function checkCursorFits(c: Cursor, sort: string, order: SortOrder): void {
  if (c.sort !== sort || c.order !== order) {
    throw bad(`it continues a list sorted by ${c.sort} ${c.order}, not ${sort} ${order}`);
  }
}
