// The store as routes get it: bounded by a timeout, measured, never writing; and the classifier
// that decides 503 vs 500.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreUnavailableError } from '@tcpx/store';
import { countedFeed } from './counted-feed.js';
import { isStoreUnavailable, StoreTimeoutError } from './errors.js';
import { guardedStore, type StoreOutcome } from './guarded-store.js';
import { fakeStore, ManualFeed } from './test-support.js';

const never = () => new Promise<unknown[]>(() => {});

test('a query that never answers rejects with StoreTimeoutError and is reported unavailable', async () => {
  const outcomes: StoreOutcome[] = [];
  const store = guardedStore(fakeStore(never), { timeoutMs: 50, onQuery: (o) => outcomes.push(o) });
  await assert.rejects(store.query('SELECT 1'), (err) => {
    assert.ok(err instanceof StoreTimeoutError);
    assert.match(err.message, /did not answer within 50 ms/);
    return true;
  });
  assert.deepEqual(outcomes, ['unavailable']);
});

test('answers pass through; failures keep their error and are classified once', async () => {
  const outcomes: StoreOutcome[] = [];
  let next: () => Promise<unknown[]> = async () => [{ n: '1' }];
  const store = guardedStore(
    fakeStore(() => next()),
    { timeoutMs: 1000, onQuery: (o) => outcomes.push(o) },
  );
  assert.deepEqual(await store.query('SELECT 1 AS n'), [{ n: '1' }]);
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  next = () => Promise.reject(refused);
  await assert.rejects(store.query('SELECT 1'), (err) => err === refused);
  const syntax = Object.assign(new Error('Syntax error'), { code: '62', type: 'SYNTAX_ERROR' });
  next = () => Promise.reject(syntax);
  await assert.rejects(store.query('SELEC 1'), (err) => err === syntax);
  assert.deepEqual(outcomes, ['ok', 'unavailable', 'error']);
});

test('a late rejection after the timeout is swallowed (no unhandled rejection) and reported once', async () => {
  const outcomes: StoreOutcome[] = [];
  let fail: (err: Error) => void = () => {};
  const pending = new Promise<unknown[]>((_, reject) => {
    fail = reject;
  });
  const store = guardedStore(
    fakeStore(() => pending),
    { timeoutMs: 20, onQuery: (o) => outcomes.push(o) },
  );
  await assert.rejects(store.query('SELECT 1'), StoreTimeoutError);
  fail(new Error('socket hang up'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(outcomes, ['unavailable']);
});

test('the guarded store never writes and does not close the store it guards', async () => {
  let closed = false;
  const inner = {
    ...fakeStore(),
    close: async () => {
      closed = true;
    },
  };
  const store = guardedStore(inner, { timeoutMs: 1000 });
  await assert.rejects(store.insertFlows([]), /does not write/);
  await assert.rejects(store.migrate(), /does not write/);
  await store.close();
  assert.equal(closed, false);
});

test('isStoreUnavailable: network failures, timeouts, server overload → true; query errors → false', () => {
  const withCode = (message: string, fields: object) => Object.assign(new Error(message), fields);
  const unavailable = [
    new StoreTimeoutError('slow'),
    new StoreUnavailableError('down'),
    withCode('connect ECONNREFUSED 127.0.0.1:9', { code: 'ECONNREFUSED' }),
    withCode('read ECONNRESET', { code: 'ECONNRESET' }),
    new Error('socket hang up'),
    new Error('Timeout error.'),
    withCode('Too many simultaneous queries', { code: '202', type: 'TOO_MANY_SIMULTANEOUS_QUERIES' }),
    withCode('chdb: timeout exceeded', { code: 'CHDB_QUERY_ERROR', clickhouseCode: 159 }),
    new Error('request failed', { cause: withCode('connect ECONNREFUSED', { code: 'ECONNREFUSED' }) }),
  ];
  for (const err of unavailable) assert.equal(isStoreUnavailable(err), true, err.message);
  const rejected = [
    new Error('boom'),
    withCode('Unknown table', { code: '60', type: 'UNKNOWN_TABLE' }),
    withCode('Cannot execute query in readonly mode', { code: '164', type: 'READONLY' }),
    withCode('chdb: syntax', { code: 'CHDB_SYNTAX_ERROR', clickhouseCode: 62 }),
    'ECONNREFUSED',
    undefined,
  ];
  for (const err of rejected) assert.equal(isStoreUnavailable(err), false, String(err));
});

test('countedFeed counts subscriptions; unsubscribing twice counts once', () => {
  let gauge = 0;
  const inner = new ManualFeed();
  const feed = countedFeed(inner, { inc: () => gauge++, dec: () => gauge-- });
  const seen: number[] = [];
  const a = feed.subscribe((rows) => seen.push(rows.length));
  const b = feed.subscribe(() => {});
  assert.equal(gauge, 2);
  for (const listener of inner.listeners) listener([]);
  assert.deepEqual(seen, [0]);
  a();
  a();
  assert.equal(gauge, 1);
  assert.equal(inner.listeners.size, 1);
  b();
  assert.equal(gauge, 0);
});
