import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../errors.js';
import { filterFromQuery, parseTime } from './params.js';
import { timeParam } from './schemas.js';

test('times are epoch ms or ISO 8601 with a zone, sub-millisecond digits kept', () => {
  assert.equal(parseTime('1795240800123', 'at'), 1795240800123);
  assert.equal(parseTime('1795240800123.5', 'at'), 1795240800123.5);
  assert.equal(parseTime('2026-11-21T06:00:00Z', 'at'), 1795240800000);
  assert.equal(parseTime('2026-11-21T06:00:00.123456Z', 'at'), 1795240800123.456);
  assert.equal(parseTime('2026-11-21T08:00:00+02:00', 'at'), 1795240800000);
  assert.equal(parseTime('2026-11-21T06:00Z', 'at'), 1795240800000);
});

test('the query-string pattern admits exactly the forms parseTime reads', () => {
  const pattern = new RegExp(timeParam.pattern);
  for (const ok of [
    '0',
    '1795240800123',
    '2026-11-21T06:00:00Z',
    '2026-11-21T06:00:00.5-0130',
    '2026-11-21T06:00Z',
  ])
    assert.ok(pattern.test(ok), ok);
  for (const bad of [
    '',
    'yesterday',
    '2026-11-21',
    '2026-11-21T06:00:00',
    '-5',
    '1e12',
    '2026-11-21 06:00:00Z',
  ])
    assert.ok(!pattern.test(bad), bad);
  assert.throws(() => parseTime('2026-13-45T06:00:00Z', 'at'), BadRequestError);
});

test('a range that ends before it starts is refused', () => {
  assert.throws(() => filterFromQuery({ from: '2000', to: '1000' }), BadRequestError);
  assert.deepEqual(filterFromQuery({ kfl: 'tcp', from: '1000' }), { kfl: 'tcp', from: 1000, to: undefined });
});
