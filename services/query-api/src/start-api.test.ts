// A real listening server: fetch over TCP, and close() ending open SSE streams instead of waiting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoutePlugin } from './http/app.js';
import { testContext } from './http/test-support.js';
import { startApi } from './start-api.js';

const KEY = 'listen-test-key-0123456789';

/** A minimal SSE route: subscribes to the feed and streams until the client or the server goes. */
const sse: RoutePlugin = async (app, { context }) => {
  app.get('/stream', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    reply.raw.write(': open\n\n');
    const unsubscribe = context.feed.subscribe((rows) => reply.raw.write(`data: ${rows.length}\n\n`));
    request.raw.on('close', unsubscribe);
  });
};

test('startApi listens on a free port, serves over TCP with auth, and close() ends SSE streams', async () => {
  const running = await startApi({
    context: testContext(),
    auth: { mode: 'api-key', keys: [KEY] },
    routes: [sse],
    host: '127.0.0.1',
    port: 0,
  });
  assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(running.url, 'http://127.0.0.1:0');

  const health = await fetch(`${running.url}/healthz`);
  assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
  assert.equal((await fetch(`${running.url}/stream`)).status, 401);

  const stream = await fetch(`${running.url}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), ': open\n\n');
  const gauge = async () =>
    (await running.app.metrics.registry.getSingleMetric('tcpx_api_sse_subscribers')!.get()).values[0].value;
  assert.equal(await gauge(), 1);

  await running.close(); // resolves although the stream never ends by itself
  await assert.rejects(
    (async () => {
      for (;;) if ((await reader.read()).done) throw new Error('stream ended');
    })(),
    /terminated|stream ended/,
  );
  assert.equal(await gauge(), 0, 'the closed stream unsubscribed');
  await assert.rejects(fetch(`${running.url}/healthz`), /fetch failed/);
});

test('startApi rejects when the port is taken, and leaves nothing listening', async () => {
  const first = await startApi({
    context: testContext(),
    auth: { mode: 'none' },
    routes: [],
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(
      startApi({ context: testContext(), auth: { mode: 'none' }, routes: [], host: '127.0.0.1', port }),
      /EADDRINUSE/,
    );
  } finally {
    await first.close();
  }
});
