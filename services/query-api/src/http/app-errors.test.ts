// Errors in one place: what routes throw becomes 400/503/500 JSON, never a hang or a stack trace.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { ClickHouseHttpStore, type FlowStore } from '@tcpx/store';
import { KflError } from '../kfl/index.js';
import { buildApp, type RoutePlugin } from './app.js';
import { BadRequestError, CaptureUnavailableError } from './errors.js';
import { testContext } from './test-support.js';

/** Routes that exercise each kind of error; /count runs a store query through the guarded context. */
const probeRoutes: RoutePlugin = async (app, { context }) => {
  app.get('/bad', async () => {
    throw new BadRequestError('unknown sort field "x"');
  });
  app.get('/kfl', async () => {
    throw new KflError('unknown field "dst.prot"', 4, 8);
  });
  app.post('/capture', async () => {
    throw new CaptureUnavailableError('no edges are connected');
  });
  app.get('/boom', async () => {
    throw new Error('secret detail at /srv/app.js:12');
  });
  app.get(
    '/validated',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, metric: { type: 'string' } },
          required: ['metric'],
        },
      },
    },
    async () => ({ ok: true }),
  );
  app.post('/echo', async (request) => request.body);
  app.get('/count', async () => context.store.query('SELECT count() AS n FROM tcp_flows'));
};

const appWith = (store?: FlowStore, queryTimeoutMs?: number) =>
  buildApp({ context: testContext(store), auth: { mode: 'none' }, routes: [probeRoutes], queryTimeoutMs });

test('BadRequestError → 400 bad_request with its message', async (t) => {
  const app = await appWith();
  t.after(() => app.close());
  const res = await app.inject({ url: '/bad' });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { error: 'bad_request', message: 'unknown sort field "x"' });
});

test('KflError → 400 bad_filter with the offending offset and length', async (t) => {
  const app = await appWith();
  t.after(() => app.close());
  const res = await app.inject({ url: '/kfl' });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), {
    error: 'bad_filter',
    message: 'unknown field "dst.prot"',
    offset: 4,
    length: 8,
  });
});

test('CaptureUnavailableError → 503 capture_unavailable', async (t) => {
  const app = await appWith();
  t.after(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/capture' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { error: 'capture_unavailable', message: 'no edges are connected' });
});

test('schema validation → 400 bad_request naming the parameter', async (t) => {
  const app = await appWith();
  t.after(() => app.close());
  const missing = await app.inject({ url: '/validated' });
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().error, 'bad_request');
  assert.match(missing.json().message, /querystring must have required property 'metric'/);
  const tooBig = await app.inject({ url: '/validated?metric=rtt&limit=5000' });
  assert.equal(tooBig.statusCode, 400);
  assert.match(tooBig.json().message, /querystring\/limit must be <= 1000/);
  const notInt = await app.inject({ url: '/validated?metric=rtt&limit=ten' });
  assert.match(notInt.json().message, /querystring\/limit must be integer/);
  assert.equal((await app.inject({ url: '/validated?metric=rtt&limit=10' })).statusCode, 200);
});

test("fastify's own client errors keep their status: bad JSON 400, unknown content type 415", async (t) => {
  const app = await appWith();
  t.after(() => app.close());
  const json = await app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload: '{"kfl": ',
  });
  assert.equal(json.statusCode, 400);
  assert.equal(json.json().error, 'bad_request');
  const media = await app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/x-thing' },
    payload: 'x',
  });
  assert.equal(media.statusCode, 415);
  assert.equal(media.json().error, 'unsupported_media_type');
});

test('any other error → 500 internal_error, no message or stack in the body', async (t) => {
  const app = await appWith();
  t.after(() => app.close());
  const res = await app.inject({ url: '/boom' });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { error: 'internal_error', message: 'internal error' });
  assert.doesNotMatch(res.body, /secret|\/srv|at /);
});

test('a query error that is not an outage → 500, not 503', async (t) => {
  const unknownTable = Object.assign(new Error('Unknown table tcp_flows'), {
    code: '60',
    type: 'UNKNOWN_TABLE',
  });
  const app = await appWith({ ...testContext().store, query: () => Promise.reject(unknownTable) });
  t.after(() => app.close());
  const res = await app.inject({ url: '/count' });
  assert.equal(res.statusCode, 500);
  assert.equal(res.headers['retry-after'], undefined);
});

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('store down (a real ClickHouseHttpStore, connection refused) → 503 store_unavailable with Retry-After', async (t) => {
  const store = new ClickHouseHttpStore({ url: `http://127.0.0.1:${await closedPort()}`, readOnly: true });
  const app = await appWith(store);
  t.after(async () => {
    await app.close();
    await store.close();
  });
  const res = await app.inject({ url: '/count' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(res.json().error, 'store_unavailable');
  assert.match(res.json().message, /ECONNREFUSED/);
  const ready = await app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.json().status, 'unavailable');
});

test('a store that accepts connections and never answers → 503 after the query timeout, not a hang', async (t) => {
  const sockets = new Set<Socket>();
  const silent: Server = createServer((socket) => {
    sockets.add(socket); // reads the request, never writes a byte
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const { port } = silent.address() as { port: number };
  const store = new ClickHouseHttpStore({ url: `http://127.0.0.1:${port}`, readOnly: true });
  const app = await appWith(store, 300);
  t.after(async () => {
    await app.close();
    for (const socket of sockets) socket.destroy();
    await store.close();
    await new Promise((r) => silent.close(r));
  });
  const res = await app.inject({ url: '/count' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error, 'store_unavailable');
  assert.match(res.json().message, /did not answer within 300 ms/);
  assert.ok(sockets.size > 0, 'the query reached the silent server');
  const ready = await app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.match(ready.json().message, /did not answer within 300 ms/);
});
