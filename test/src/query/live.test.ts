// The live tail: GET /api/flows/live (Server-Sent Events) fed by the embedded mode's MemoryFeed,
// and the StoreFeed that polls tcp_flows, on rows of real captures.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { flowRowFromStored } from '@tcpx/query-api/data/flow-view';
import { StoreFeed } from '@tcpx/query-api/data/store-feed';
import type { FlowView } from '@tcpx/query-api/data/types';
import { KFL_FIELDS } from '@tcpx/query-api/kfl/index';
import { SEED_METRIC_NAMES } from '@tcpx/schemas';
import { ChdbStore, type FlowRow, RECORD_COLUMNS } from '@tcpx/store';
import { tsharkFlows } from '../oracle/tshark.js';
import { DEFAULT_CACHE_DIR, generateCaptures } from '../scenarios/index.js';
import { type TestApi, testApi } from './api.js';
import { k8s } from './dataset.js';
import { analyzeCapture, type IngestResult } from './ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpx-live-'));
let store: ChdbStore;
let api: TestApi;
let base: string;
let refused: IngestResult;
let manyShort: IngestResult;
let manyShortFile: string;

before(async () => {
  store = new ChdbStore({ path: dir, retentionDays: 30, rollupRetentionDays: 30 });
  await store.migrate();
  const files = await generateCaptures(DEFAULT_CACHE_DIR, { only: ['refused', 'many-short'] });
  const file = (name: string) => files.find((f) => f.name === name)!.file;
  manyShortFile = file('many-short');
  refused = await analyzeCapture(file('refused'), { node: 'live-a', interimEveryUs: 20_000, k8s });
  manyShort = await analyzeCapture(manyShortFile, { node: 'live-b', interimEveryUs: 20_000, k8s });
  api = await testApi(store);
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await api?.app.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface SseEvent {
  event: string;
  id: string;
  data: FlowView;
}

/** Opens an SSE stream; events arrive in `events`, `wait(n)` resolves once n have arrived. */
function openStream(path: string) {
  const events: SseEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let status = 0;
  let contentType = '';
  let buffer = '';
  let close = () => {};
  const opened = new Promise<void>((resolve, reject) => {
    const req = request(`${base}${path}`, (res) => {
      status = res.statusCode ?? 0;
      contentType = String(res.headers['content-type']);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.includes('\n\n')) resolve();
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as const),
          );
          if (fields.has('event')) {
            events.push({
              event: fields.get('event')!,
              id: fields.get('id')!,
              data: JSON.parse(fields.get('data')!),
            });
          }
          end = buffer.indexOf('\n\n');
        }
        for (const w of [...waiters]) if (events.length >= w.n) w.resolve();
      });
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
    close = () => req.destroy();
  });
  return {
    events,
    opened,
    status: () => status,
    contentType: () => contentType,
    wait: (n: number) =>
      events.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: () => close(),
  };
}

const eventId = (r: FlowRow) => `${r.flow_id}:${r.version}`;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

test('SSE: every matching row pushed to the feed arrives once as a FlowView, the others never', async () => {
  const stream = openStream(`/api/flows/live?kfl=${encodeURIComponent('dst.port == 9')}`);
  await stream.opened;
  assert.equal(stream.status(), 200);
  assert.match(stream.contentType(), /^text\/event-stream/);
  await until(() => api.feed.subscribers === 1);

  const matching = refused.rows; // every refused connection goes to port 9
  assert.ok(matching.every((r) => r.dst_port === 9) && matching.length >= 4);
  assert.ok(manyShort.rows.every((r) => r.dst_port !== 9));
  // interleaved batches, as a processor would store them
  api.feed.push(manyShort.rows.slice(0, 50));
  api.feed.push(matching.slice(0, 2));
  api.feed.push(manyShort.rows.slice(50));
  api.feed.push(matching.slice(2));
  await stream.wait(matching.length);
  // a final matching marker: anything non-matching would have been written before it
  const marker: FlowRow = { ...matching[0], version: matching[0].version + 1000 };
  api.feed.push(manyShort.rows);
  api.feed.push([marker]);
  await stream.wait(matching.length + 1);

  assert.deepEqual(
    stream.events.map((e) => e.id),
    [...matching, marker].map(eventId),
  );
  for (const [i, e] of stream.events.entries()) {
    const row = [...matching, marker][i];
    assert.equal(e.event, 'flow');
    assert.equal(e.data.id, row.flow_id);
    assert.equal(e.data.dst.port, 9);
    assert.equal(e.data.state, row.state);
    assert.equal(e.data.final, row.final === 1);
    assert.equal(e.data.tcp_metrics.rst_count, row.rst_count);
  }
  stream.close();
  await until(() => api.feed.subscribers === 0); // unsubscribed on close
});

test('SSE: a bad filter is a 400 before any stream starts', async () => {
  const res = await api.app.inject({ method: 'GET', url: '/api/flows/live', query: { kfl: 'dst.port == ' } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'bad_filter');
  assert.equal(api.feed.subscribers, 0);
});

test('SSE: rlimit(n) first replays the newest n stored matches, oldest first, then follows live', async () => {
  await store.insertFlows(manyShort.rows);
  const oracle = [...(await tsharkFlows(manyShortFile)).values()].sort((a, b) => b.start_us - a.start_us);
  const newest = oracle
    .slice(0, 3)
    .reverse()
    .map((f) => f.stream);
  const stream = openStream(`/api/flows/live?kfl=${encodeURIComponent('dst.port == 5001 and rlimit(3)')}`);
  await stream.wait(3);
  assert.deepEqual(
    stream.events.map((e) => e.data.stream),
    newest,
  );
  await until(() => api.feed.subscribers === 1);
  const next = manyShort.rows[0];
  api.feed.push([refused.rows[0], next]);
  await stream.wait(4);
  assert.equal(stream.events[3].id, eventId(next));
  stream.close();
  await until(() => api.feed.subscribers === 0);
});

test('StoreFeed delivers rows stored after subscribing, once each, in their INSERT shape', async () => {
  // many-short's rows are already stored (previous test); they must not be delivered
  const feed = new StoreFeed(store, { intervalMs: 10 });
  const received: FlowRow[] = [];
  const unsubscribe = feed.subscribe((rows) => received.push(...rows));
  await feed.started();
  await store.insertFlows(refused.rows.slice(0, 3));
  await until(() => received.length >= 3);
  await store.insertFlows(refused.rows.slice(3));
  await until(() => received.length >= refused.rows.length);
  const byKey = (rows: readonly FlowRow[]) => [...rows].sort((a, b) => eventId(a).localeCompare(eventId(b)));
  // the round trip through the store gives back exactly the rows inserted
  assert.deepEqual(byKey(received), byKey(refused.rows));
  unsubscribe();

  // a new subscription starts from what is stored then
  const again: FlowRow[] = [];
  const unsubscribeAgain = feed.subscribe((rows) => again.push(...rows));
  await feed.started();
  const later = manyShort.rows
    .slice(0, 5)
    .map((r) => ({ ...r, node: 'live-c', flow_id: String(BigInt(r.flow_id) + 1n) }));
  await store.insertFlows(later);
  await until(() => again.length >= later.length);
  assert.deepEqual(byKey(again), byKey(later));
  unsubscribeAgain();
});

test('flowRowFromStored inverts the store round trip for every stored row of a capture', async () => {
  const rows = await store.query<Record<string, string | number | null>>(
    `SELECT ${RECORD_COLUMNS} FROM tcp_flows WHERE node = 'live-b'`,
  );
  assert.ok(rows.length >= 200);
  const inserted = new Map(manyShort.rows.map((r) => [eventId(r), r]));
  for (const row of rows) {
    const back = flowRowFromStored(row);
    assert.deepEqual(back, inserted.get(eventId(back)));
  }
});

test('the capture switch, the KFL field catalogue and the metric glossary', async () => {
  const app = api.app;
  // This test's switch has no edges behind it (the capture-switch test has real ones).
  assert.deepEqual((await app.inject({ method: 'POST', url: '/mcp/dissection/disable' })).json(), {
    enabled: false,
    edges: [],
  });
  assert.deepEqual((await app.inject('/mcp/dissection')).json(), { enabled: false, edges: [] });
  assert.equal(api.context.capture.enabled(), false);
  assert.deepEqual((await app.inject({ method: 'POST', url: '/mcp/dissection/enable' })).json(), {
    enabled: true,
    edges: [],
  });
  assert.equal(api.context.capture.enabled(), true);

  const fields = (await app.inject('/api/fields')).json() as {
    fields: { name: string; aliases: string[] }[];
  };
  assert.deepEqual(fields.fields, JSON.parse(JSON.stringify(KFL_FIELDS)));
  for (const name of SEED_METRIC_NAMES)
    assert.ok(
      fields.fields.some((f) => f.name === `tcp_metrics.${name}`),
      name,
    );

  const glossary = (await app.inject('/api/glossary')).json() as {
    tcp_metrics: { name: string; description: string }[];
  };
  assert.deepEqual(
    glossary.tcp_metrics.map((g) => g.name),
    [...SEED_METRIC_NAMES],
  );
  assert.ok(glossary.tcp_metrics.every((g) => g.description.length > 10));
});
