import type { ServerResponse } from 'node:http';
import type { FlowRow } from '@tcpx/store';
import type { FastifyPluginAsync } from 'fastify';
import { compileFilter } from '../../data/filter.js';
import { flowViewFromRow } from '../../data/flow-view.js';
import { MAX_PAGE_SIZE, selectFlows } from '../../data/list-flows.js';
import { redactFlowViews } from '../../data/redact-views.js';
import type { FlowView } from '../../data/types.js';
import type { ApiContext } from '../context.js';
import { errorSchema, kflParam } from './schemas.js';

/** A comment line every this often keeps proxies and clients from timing out an idle stream. */
export const HEARTBEAT_MS = 15_000;

const sseEvent = (event: string, id: string, data: unknown) =>
  `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * GET /api/flows/live: Server-Sent Events, one `event: flow` per newly stored record (interim or
 * final) matching the KFL filter, `id:` = `<flow id>:<version>`. The filter is compiled once and
 * evaluated in-process on each row (the same semantics as the SQL path). KFL limit(n) ends the
 * stream after n events; rlimit(n) first sends the newest n stored matches (oldest first).
 */
export const liveRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  app.get<{ Querystring: { kfl?: string } }>(
    '/api/flows/live',
    {
      schema: {
        summary: 'Follow new connection records (Server-Sent Events)',
        description:
          'text/event-stream: `event: flow` with a FlowView as data for each stored record matching ' +
          'the filter; a `: heartbeat` comment every 15 s.',
        tags: ['flows'],
        querystring: { type: 'object', additionalProperties: false, properties: { kfl: kflParam } },
        response: {
          200: { description: 'text/event-stream of FlowView events', type: 'string' },
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      // Compiled before the stream starts, so a bad filter is still a plain 400.
      const compiled = compileFilter(request.query.kfl, context.now());
      reply.hijack();
      const res: ServerResponse = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx: do not buffer the stream
      });
      res.write(': connected\n\n');
      let remaining = compiled.limit ?? Number.POSITIVE_INFINITY;
      let unsubscribe = () => {};
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
      };
      res.on('close', close);
      const send = (views: FlowView[]) => {
        const shown = redactFlowViews(views.slice(0, remaining), compiled.redact);
        shown.forEach((view, i) => {
          res.write(sseEvent('flow', `${views[i].id}:${views[i].version}`, view));
        });
        remaining -= shown.length;
        if (remaining <= 0) {
          close();
          res.end();
        }
      };
      const backlog: FlowRow[] = [];
      let live = false;
      // Subscribe first, so nothing stored while the rlimit backlog is read is lost.
      unsubscribe = context.feed.subscribe((rows) => {
        const matching = rows.filter((row) => compiled.matches(row));
        if (res.writableEnded || matching.length === 0) return;
        if (live) send(matching.map(flowViewFromRow));
        else backlog.push(...matching);
      });
      if (compiled.rlimit !== undefined && remaining > 0) {
        // KFL rlimit(n): first the newest n stored matches, oldest first, then live records.
        const newest = {
          sort: 'start_time',
          order: 'desc' as const,
          limit: Math.min(compiled.rlimit, MAX_PAGE_SIZE),
        };
        // A failed backfill must not end a stream that can still follow live records.
        const page = await selectFlows(context.store, compiled, newest, MAX_PAGE_SIZE).catch(() => ({
          flows: [],
        }));
        if (!res.writableEnded) send(page.flows.reverse());
      }
      live = true;
      if (!res.writableEnded && backlog.length > 0) send(backlog.map(flowViewFromRow));
      if (remaining <= 0 && !res.writableEnded) res.end();
    },
  );
};
