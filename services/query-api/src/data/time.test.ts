import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateTime64 } from '@tcpx/store';
import fc from 'fast-check';
import { dateTimeParam, isoMicros, rowTimeMicros } from './time.js';

test('isoMicros keeps all six fractional digits', () => {
  assert.equal(isoMicros(1795240800123456), '2026-11-21T06:00:00.123456Z');
  assert.equal(isoMicros(1795240800000001), '2026-11-21T06:00:00.000001Z');
  assert.equal(isoMicros(0), '1970-01-01T00:00:00.000000Z');
});

test('isoMicros agrees with Date to the millisecond, and row times read back exactly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4102444800 * 1e6 }), (us) => {
      const iso = isoMicros(us);
      assert.equal(Date.parse(iso), Math.floor(us / 1000));
      assert.equal(rowTimeMicros(dateTime64(us)), us);
    }),
  );
});

test('dateTimeParam rounds to the microsecond', () => {
  assert.equal(dateTimeParam(1795240800123.25), '1795240800.123250');
  assert.equal(dateTimeParam(1000.0006), '1.000001');
  assert.equal(dateTimeParam(1795240800000), '1795240800.000000');
});
