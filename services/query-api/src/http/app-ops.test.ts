// Probes, metrics, the OpenAPI description and its UI, the request log, rate limits.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildApp, type RoutePlugin } from './app.js';
import { fakeStore, testContext } from './test-support.js';

const KEY = 'ops-test-key-0123456789';

/** A documented route using the store and the feed, like the real ones. */
const flowRoutes: RoutePlugin = async (app, { context }) => {
  app.get(
    '/flows',
    {
      schema: {
        summary: 'List flows',
        querystring: { type: 'object', properties: { kfl: { type: 'string' } } },
        response: { 200: { type: 'object', properties: { n: { type: 'number' } } } },
      },
    },
    async () => ({ n: (await context.store.query<{ n: number }>('SELECT 1 AS n'))[0].n }),
  );
  app.get('/subscribe', async () => {
    const unsubscribe = context.feed.subscribe(() => {});
    return { subscribed: typeof unsubscribe === 'function' };
  });
};

const metricValue = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('/healthz answers without touching the store; /readyz goes 503 → 200 as the store comes back', async (t) => {
  let up = false;
  let queries = 0;
  const store = fakeStore(async (sql) => {
    queries++;
    assert.equal(sql, 'SELECT 1 AS ok');
    if (!up) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    return [{ ok: 1 }];
  });
  const app = await buildApp({ context: testContext(store), auth: { mode: 'none' }, routes: [] });
  t.after(() => app.close());
  const health = await app.inject({ url: '/healthz' });
  assert.deepEqual([health.statusCode, health.json(), queries], [200, { status: 'ok' }, 0]);
  const down = await app.inject({ url: '/readyz' });
  assert.equal(down.statusCode, 503);
  assert.equal(down.headers['retry-after'], '5');
  assert.match(down.json().message, /ECONNREFUSED/);
  up = true;
  const ready = await app.inject({ url: '/readyz' });
  assert.deepEqual([ready.statusCode, ready.json()], [200, { status: 'ready' }]);
});

test('/readyz gives up after 2 s on a store that never answers', async (t) => {
  const store = fakeStore(() => new Promise(() => {}));
  const app = await buildApp({ context: testContext(store), auth: { mode: 'none' }, routes: [] });
  t.after(() => app.close());
  const res = await app.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.match(res.json().message, /within 2000 ms/);
});

test('/metrics: request counts by route and status, store queries, SSE subscribers, process metrics; per app', async (t) => {
  let fail = false;
  const store = fakeStore(async () => {
    if (fail) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return [{ n: 1 }];
  });
  const app = await buildApp({ context: testContext(store), auth: { mode: 'none' }, routes: [flowRoutes] });
  const other = await buildApp({ context: testContext(), auth: { mode: 'none' }, routes: [flowRoutes] });
  t.after(() => Promise.all([app.close(), other.close()]));

  await app.inject({ url: '/flows' });
  await app.inject({ url: '/flows?kfl=x' });
  fail = true;
  assert.equal((await app.inject({ url: '/flows' })).statusCode, 503);
  await app.inject({ url: '/subscribe' });
  await other.inject({ url: '/flows' });

  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  const text = res.body;
  assert.equal(
    metricValue(text, 'tcpx_api_http_requests_total{method="GET",route="/flows",status="200"}'),
    2,
  );
  assert.equal(
    metricValue(text, 'tcpx_api_http_requests_total{method="GET",route="/flows",status="503"}'),
    1,
  );
  assert.equal(
    metricValue(
      text,
      'tcpx_api_http_request_duration_seconds_count{method="GET",route="/flows",status="200"}',
    ),
    2,
  );
  assert.equal(metricValue(text, 'tcpx_api_store_query_duration_seconds_count{outcome="ok"}'), 2);
  assert.equal(metricValue(text, 'tcpx_api_store_query_failures_total{outcome="unavailable"}'), 1);
  assert.equal(metricValue(text, 'tcpx_api_store_query_failures_total{outcome="error"}'), 0);
  assert.equal(metricValue(text, 'tcpx_api_sse_subscribers'), 1);
  assert.ok((metricValue(text, 'process_cpu_user_seconds_total') ?? -1) >= 0);
  assert.ok((metricValue(text, 'nodejs_heap_size_used_bytes') ?? 0) > 0);

  // The decorator routes can use, and the other app's registry is its own.
  app.metrics.sseSubscribers.dec();
  assert.equal(metricValue(await app.metrics.registry.metrics(), 'tcpx_api_sse_subscribers'), 0);
  const otherText = (await other.inject({ url: '/metrics' })).body;
  assert.equal(
    metricValue(otherText, 'tcpx_api_http_requests_total{method="GET",route="/flows",status="200"}'),
    1,
  );
});

test('/openapi.json is OpenAPI 3.1 with the routes and both auth schemes; open routes need none', async (t) => {
  const app = await buildApp({
    context: testContext(),
    auth: { mode: 'api-key', keys: [KEY] },
    routes: [flowRoutes],
  });
  t.after(() => app.close());
  const res = await app.inject({ url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.title, 'tcpx query API');
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    '/flows',
    '/healthz',
    '/metrics',
    '/readyz',
    '/subscribe',
  ]);
  assert.equal(doc.paths['/flows'].get.summary, 'List flows');
  assert.deepEqual(doc.paths['/flows'].get.parameters[0].name, 'kfl');
  assert.deepEqual(doc.components.securitySchemes, {
    apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    bearer: { type: 'http', scheme: 'bearer', description: 'The same API key, as a bearer token' },
  });
  assert.deepEqual(doc.security, [{ apiKey: [] }, { bearer: [] }]);
  assert.deepEqual(doc.paths['/healthz'].get.security, []);
  assert.equal(doc.paths['/flows'].get.security, undefined); // the global requirement applies
});

test('/docs serves Swagger UI whose assets all load from the package (offline)', async (t) => {
  const app = await buildApp({ context: testContext(), auth: { mode: 'api-key', keys: [KEY] }, routes: [] });
  t.after(() => app.close());
  let res = await app.inject({ url: '/docs' });
  if (res.statusCode >= 300 && res.statusCode < 400)
    res = await app.inject({ url: res.headers.location as string });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/html/);
  assert.match(res.body, /swagger-ui/i);
  const assets = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.length >= 4, `assets: ${assets}`);
  for (const asset of assets) {
    assert.doesNotMatch(asset, /^https?:/, 'no CDN');
    const url = new URL(asset, 'http://x/docs/').pathname;
    const file = await app.inject({ url });
    assert.equal(file.statusCode, 200, url);
    assert.ok(file.rawPayload.length > 0, url);
  }
  const spec = await app.inject({ url: '/docs/json' });
  assert.equal(spec.json().openapi, '3.1.0');
});

test('one JSON log line per request: request id, route, status, duration, KFL text', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = await buildApp({
    context: testContext(),
    auth: { mode: 'none' },
    routes: [flowRoutes],
    logger: { level: 'info', stream },
  });
  t.after(() => app.close());
  const kfl = 'dst.port == 443 and retransmission_rate > 0.01';
  const res = await app.inject({
    url: `/flows?kfl=${encodeURIComponent(kfl)}`,
    headers: { 'x-request-id': 'req-abc' },
  });
  assert.equal(res.headers['x-request-id'], 'req-abc');
  const generated = await app.inject({ url: '/healthz' });
  assert.match(generated.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);

  const requestLines = lines.filter((l) => l.msg === 'request');
  assert.equal(requestLines.length, 2, JSON.stringify(lines));
  const [line] = requestLines;
  assert.equal(line.reqId, 'req-abc');
  assert.equal(line.route, '/flows');
  assert.equal(line.status, 200);
  assert.equal(line.kfl, kfl);
  assert.equal(typeof line.duration_ms, 'number');
  assert.equal(requestLines[1].reqId, generated.headers['x-request-id']);
  assert.equal(requestLines[1].kfl, undefined);
});

test('rate limit: 429 with Retry-After past max per minute, per key; probes are not limited', async (t) => {
  const keys = [KEY, 'second-key-0123456789'];
  const app = await buildApp({
    context: testContext(),
    auth: { mode: 'api-key', keys },
    routes: [flowRoutes],
    rateLimit: { max: 3 },
  });
  t.after(() => app.close());
  const as = (key: string) => app.inject({ url: '/flows', headers: { 'x-api-key': key } });
  for (let i = 0; i < 3; i++) assert.equal((await as(keys[0])).statusCode, 200);
  const limited = await as(keys[0]);
  assert.equal(limited.statusCode, 429);
  assert.ok(Number(limited.headers['retry-after']) > 0);
  assert.equal(limited.json().error, 'too_many_requests');
  assert.match(limited.json().message, /Rate limit exceeded/);
  assert.equal((await as(keys[1])).statusCode, 200, 'another key has its own budget');
  for (let i = 0; i < 5; i++) assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
});

test('rate limit without auth, and for wrong keys: per client IP', async (t) => {
  const app = await buildApp({
    context: testContext(),
    auth: { mode: 'api-key', keys: [KEY] },
    routes: [flowRoutes],
    rateLimit: { max: 2 },
  });
  t.after(() => app.close());
  const from = (remoteAddress: string) =>
    app.inject({ url: '/flows', remoteAddress, headers: { 'x-api-key': 'guess' } });
  assert.equal((await from('10.0.0.1')).statusCode, 401);
  assert.equal((await from('10.0.0.1')).statusCode, 401);
  assert.equal((await from('10.0.0.1')).statusCode, 429, 'guessing keys is rate limited too');
  assert.equal((await from('10.0.0.2')).statusCode, 401);
});
