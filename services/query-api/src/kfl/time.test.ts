import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parseTimestamp, parseUsDateTime } from './time.js';

const us = (iso: string) => Date.parse(iso) * 1000;

test('timestamp(): RFC 3339 with fractions and offsets, UTC microseconds', () => {
  assert.equal(parseTimestamp('2026-03-14T22:00:00Z'), us('2026-03-14T22:00:00Z'));
  assert.equal(parseTimestamp('2026-03-14T23:30:00+01:30'), us('2026-03-14T22:00:00Z'));
  assert.equal(parseTimestamp('2026-03-14t22:00:00.123456789z'), us('2026-03-14T22:00:00Z') + 123456);
  assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), us('2024-02-29T00:00:00Z'), 'leap day');
  assert.equal(parseTimestamp('0001-01-01T00:00:00Z'), -62135596800000000n, 'beyond 2^53 µs: a bigint');
  for (const bad of [
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-03-14T24:00:00Z',
    '2026-03-14',
    '2026-03-14T22:00:00',
  ])
    assert.throws(() => parseTimestamp(bad), /RFC 3339/, bad);
});

test('duration(): Go syntax, fractions, signs, every unit', () => {
  assert.equal(parseDuration('1h30m'), 5400e6);
  assert.equal(parseDuration('-1.5h'), -5400e6);
  assert.equal(parseDuration('250ms'), 250e3);
  assert.equal(parseDuration('1.5us'), 1);
  assert.equal(parseDuration('1500ns'), 1, 'truncated to microseconds');
  assert.equal(parseDuration('2µs1μs'), 3);
  assert.equal(parseDuration('.5s'), 500e3);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '5', '1d', '1h 30m', 'h', '.s', '-'])
    assert.throws(() => parseDuration(bad), /Go duration text/, JSON.stringify(bad));
  assert.throws(() => parseDuration('3000000h'), /out of range/);
});

test('datetime(): the v1 US layout with or without fractions, 12-hour clock, UTC', () => {
  assert.equal(parseUsDateTime('10/19/2021, 6:29:02.593 PM'), us('2021-10-19T18:29:02.593Z'));
  assert.equal(parseUsDateTime('1/2/2006, 3:04:05 PM'), us('2006-01-02T15:04:05Z'));
  assert.equal(parseUsDateTime('01/02/2006, 12:04:05 AM'), us('2006-01-02T00:04:05Z'));
  assert.equal(parseUsDateTime('1/2/2006, 12:04:05 pm'), us('2006-01-02T12:04:05Z'));
  for (const bad of [
    '2021-10-19',
    '13/01/2021, 1:00:00 PM',
    '1/2/2006, 13:04:05 PM',
    '1/2/2006 3:04:05 PM',
    '2/30/2021, 1:00:00 AM',
  ])
    assert.throws(() => parseUsDateTime(bad), /datetime\(\) needs text/, bad);
});
