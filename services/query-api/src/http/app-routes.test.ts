// The shell around the real routes (src/http/routes, src/mcp): their errors come out through the
// one error handler, their schemas into the OpenAPI document, and auth covers them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from './app.js';
import { fakeStore, testContext } from './test-support.js';

const KEY = 'routes-test-key-0123456789';
const down = () =>
  fakeStore(async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
  });
const get = (url: string) => ({ url, headers: { 'x-api-key': KEY } });

test('a bad KFL filter on /api/flows → 400 bad_filter with offset and length', async (t) => {
  const app = await buildApp({ context: testContext(down()), auth: { mode: 'api-key', keys: [KEY] } });
  t.after(() => app.close());
  const res = await app.inject(get(`/api/flows?kfl=${encodeURIComponent('dst.prot == 443')}`));
  assert.equal(res.statusCode, 400);
  const body = res.json();
  assert.equal(body.error, 'bad_filter');
  assert.deepEqual([body.offset, body.length], [0, 8]);
  assert.match(body.message, /dst\.prot/);
});

test('/api/flows: an out-of-range parameter → 400 naming it; the store down → 503', async (t) => {
  const app = await buildApp({ context: testContext(down()), auth: { mode: 'api-key', keys: [KEY] } });
  t.after(() => app.close());
  const limit = await app.inject(get('/api/flows?limit=5000'));
  assert.equal(limit.statusCode, 400);
  assert.equal(limit.json().error, 'bad_request');
  assert.match(limit.json().message, /limit/);
  const unavailable = await app.inject(get('/api/flows'));
  assert.equal(unavailable.statusCode, 503);
  assert.equal(unavailable.headers['retry-after'], '5');
  assert.equal(unavailable.json().error, 'store_unavailable');
});

test('the API routes and MCP need a key; the OpenAPI document lists them', async (t) => {
  const app = await buildApp({ context: testContext(), auth: { mode: 'api-key', keys: [KEY] } });
  t.after(() => app.close());
  for (const [method, url] of [
    ['GET', '/api/flows'],
    ['GET', '/api/flows/live'],
    ['GET', '/mcp/dissection'],
    ['POST', '/mcp'],
  ] as const) {
    assert.equal((await app.inject({ method, url })).statusCode, 401, `${method} ${url}`);
  }
  const doc = (await app.inject({ url: '/openapi.json' })).json();
  assert.equal(doc.openapi, '3.1.0');
  for (const path of ['/api/flows', '/api/flows/{id}', '/api/flows/live', '/mcp', '/healthz'])
    assert.ok(path in doc.paths, path);
});
