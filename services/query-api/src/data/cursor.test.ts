import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BadRequestError } from '../http/errors.js';
import { type Cursor, checkCursorFits, decodeCursor, encodeCursor } from './cursor.js';

const cursorArb: fc.Arbitrary<Cursor> = fc.record({
  sort: fc.string(),
  order: fc.constantFrom('asc' as const, 'desc' as const),
  isNull: fc.constantFrom(0 as const, 1 as const),
  value: fc.double({ noNaN: true, noDefaultInfinity: true }),
  id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  node: fc.string(),
  delivered: fc.nat(),
});

test('a cursor survives encoding exactly (floats bit for bit) and is URL-safe', () => {
  fc.assert(
    fc.property(cursorArb, (c) => {
      const text = encodeCursor(c);
      assert.match(text, /^[A-Za-z0-9_-]+$/);
      const back = decodeCursor(text);
      // -0 becomes 0 through JSON; both sort equal in ClickHouse, so that is harmless
      assert.deepEqual(back, { ...c, value: c.value === 0 ? 0 : c.value });
    }),
  );
});

const encodeRaw = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');
const valid = ['start_time', 'desc', 0, 1.5, '123', 'node-1', 10];
const replaced = (i: number, v: unknown) => valid.map((x, j) => (j === i ? v : x));

test('malformed or tampered cursors are a 400, never a partial page', () => {
  const bad = [
    'not base64!',
    '',
    Buffer.from('{"a":1').toString('base64url'),
    encodeRaw({ sort: 'start_time' }),
    encodeRaw(valid.slice(0, 6)),
    encodeRaw(replaced(1, 'sideways')),
    encodeRaw(replaced(2, 2)),
    encodeRaw(replaced(3, '1.5')),
    encodeRaw(replaced(4, '-1')),
    encodeRaw(replaced(4, '18446744073709551616')), // 2^64
    encodeRaw(replaced(4, '12a')),
    encodeRaw(replaced(5, 7)),
    encodeRaw(replaced(6, -1)),
    encodeRaw(replaced(6, 1.5)),
  ];
  for (const text of bad) {
    assert.throws(() => decodeCursor(text), BadRequestError, text);
  }
  assert.equal(decodeCursor(encodeRaw(valid)).id, '123');
  assert.equal(decodeCursor(encodeRaw(replaced(4, '18446744073709551615'))).id, '18446744073709551615');
});

test('a cursor only continues the ordering it came from', () => {
  const c = decodeCursor(encodeRaw(valid));
  assert.doesNotThrow(() => checkCursorFits(c, 'start_time', 'desc'));
  assert.throws(() => checkCursorFits(c, 'start_time', 'asc'), BadRequestError);
  assert.throws(() => checkCursorFits(c, 'rtt_avg_us', 'desc'), BadRequestError);
});
