// API keys: both header forms, 401 without or with a wrong key, the open routes, auth off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { keyMatcher } from './plugins/auth.js';
import { testContext } from './test-support.js';

const KEYS = ['k-alpha-0123456789', 'k-beta-9876543210'];

async function appWith(auth: Parameters<typeof buildApp>[0]['auth']): Promise<FastifyInstance> {
  const app = await buildApp({ context: testContext(), auth });
  app.get('/flows', async () => ({ flows: [] }));
  return app;
}

test('with keys: no key → 401 with WWW-Authenticate; X-API-Key or Bearer → 200', async (t) => {
  const app = await appWith({ mode: 'api-key', keys: KEYS });
  t.after(() => app.close());

  const none = await app.inject({ url: '/flows' });
  assert.equal(none.statusCode, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="tcpx"');
  assert.equal(none.json().error, 'unauthorized');
  assert.match(none.json().message, /X-API-Key: <key> or Authorization: Bearer <key>/);

  const apiKey = await app.inject({ url: '/flows', headers: { 'x-api-key': KEYS[1] } });
  assert.equal(apiKey.statusCode, 200);
  assert.deepEqual(apiKey.json(), { flows: [] });
  const bearer = await app.inject({ url: '/flows', headers: { authorization: `Bearer ${KEYS[0]}` } });
  assert.equal(bearer.statusCode, 200);
  const lowercase = await app.inject({ url: '/flows', headers: { authorization: `bearer ${KEYS[0]}` } });
  assert.equal(lowercase.statusCode, 200);
});

test('with keys: a wrong key, a prefix of a key, or a key as Basic auth → 401', async (t) => {
  const app = await appWith({ mode: 'api-key', keys: KEYS });
  t.after(() => app.close());
  for (const headers of [
    { 'x-api-key': 'k-alpha-012345678' },
    { 'x-api-key': `${KEYS[0]}x` },
    { authorization: `Bearer ${KEYS[0].toUpperCase()}` },
    { authorization: `Basic ${Buffer.from(`u:${KEYS[0]}`).toString('base64')}` },
    { authorization: KEYS[0] },
  ]) {
    const res = await app.inject({ url: '/flows', headers });
    assert.equal(res.statusCode, 401, JSON.stringify(headers));
  }
  const wrong = await app.inject({ url: '/flows', headers: { 'x-api-key': 'nope' } });
  assert.equal(wrong.json().message, 'the API key is not valid');
});

test('with keys: probes, metrics and the API description stay open; unknown paths do not', async (t) => {
  const app = await appWith({ mode: 'api-key', keys: KEYS });
  t.after(() => app.close());
  for (const url of ['/healthz', '/metrics', '/openapi.json', '/docs', '/docs/static/index.css']) {
    const res = await app.inject({ url });
    assert.ok(res.statusCode < 400, `${url}: ${res.statusCode}`);
  }
  assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
  assert.equal((await app.inject({ url: '/healthz/../flows' })).statusCode, 401);
  assert.equal((await app.inject({ url: '/no-such-route' })).statusCode, 401);
  const unknown = await app.inject({ url: '/no-such-route', headers: { 'x-api-key': KEYS[0] } });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error, 'not_found');
});

test('auth none: every route answers without a key', async (t) => {
  const app = await appWith({ mode: 'none' });
  t.after(() => app.close());
  assert.equal((await app.inject({ url: '/flows' })).statusCode, 200);
  assert.equal((await app.inject({ url: '/flows', headers: { 'x-api-key': 'anything' } })).statusCode, 200);
});

test('api-key mode without keys, or with an empty key, refuses to build', async () => {
  await assert.rejects(
    buildApp({ context: testContext(), auth: { mode: 'api-key', keys: [] } }),
    /at least one/,
  );
  await assert.rejects(
    buildApp({ context: testContext(), auth: { mode: 'api-key', keys: ['ok', ' '] } }),
    /non-empty key/,
  );
});

test('keyMatcher compares whole keys, against every configured key', () => {
  const matches = keyMatcher(['a', 'bb', 'ccc']);
  assert.equal(matches('bb'), true);
  assert.equal(matches('ccc'), true);
  assert.equal(matches('b'), false);
  assert.equal(matches('cc'), false);
  assert.equal(matches(''), false);
});
