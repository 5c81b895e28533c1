// A minimal fastify instance with the query routes (and the app's error mapping), for app.inject().

import { after, before } from 'node:test';
import { MemoryFeed } from '@tcpx/query-api/data/memory-feed';
import type { FlowPage, FlowView } from '@tcpx/query-api/data/types';
import type { ApiContext } from '@tcpx/query-api/http/context';
import { errorsPlugin } from '@tcpx/query-api/http/plugins/errors';
import { apiRoutes } from '@tcpx/query-api/http/routes/index';
import type { FlowStore } from '@tcpx/store';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Dataset, loadDataset } from './dataset.js';

/**
 * The data set and a test API over it for one test file (before/after hooks registered here);
 * read `data` and `api` inside tests.
 */
export function useDataset(): { data: Dataset; api: TestApi } {
  const t = {} as { data: Dataset; api: TestApi };
  before(async () => {
    t.data = await loadDataset();
    t.api = await testApi(t.data.store);
  });
  after(async () => {
    await t.api?.app.close();
    await t.data?.close();
  });
  return t;
}

export interface TestApi {
  app: FastifyInstance;
  context: ApiContext;
  feed: MemoryFeed;
}

export async function testApi(store: FlowStore, now = Date.UTC(2026, 10, 21, 12)): Promise<TestApi> {
  const feed = new MemoryFeed();
  let capturing = true;
  const context: ApiContext = {
    store,
    feed,
    capture: {
      enabled: () => capturing,
      set: async (on) => {
        capturing = on;
      },
    },
    now: () => now,
  };
  const app = Fastify();
  await app.register(errorsPlugin);
  await app.register(apiRoutes, { context });
  await app.ready();
  return { app, context, feed };
}

/** GET url with a query object; returns status and parsed JSON. */
export async function get<T>(
  app: FastifyInstance,
  url: string,
  query: Record<string, string | number | undefined> = {},
): Promise<{ status: number; body: T }> {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q[k] = String(v);
  const res = await app.inject({ method: 'GET', url, query: q });
  return { status: res.statusCode, body: res.json() as T };
}

/** Follows next_cursor to the end; fails on any non-200 page. */
export async function allPages(
  app: FastifyInstance,
  query: Record<string, string | number | undefined>,
): Promise<{ flows: FlowView[]; pages: number }> {
  const flows: FlowView[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const { status, body } = await get<FlowPage>(app, '/api/flows', { ...query, cursor });
    if (status !== 200) throw new Error(`page ${pages}: HTTP ${status} ${JSON.stringify(body)}`);
    flows.push(...body.flows);
    cursor = body.next_cursor ?? undefined;
    pages++;
    if (pages > 10_000) throw new Error('pagination does not end');
  } while (cursor);
  return { flows, pages };
}
