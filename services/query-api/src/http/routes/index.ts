import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { aggregateRoutes } from './aggregates.js';
import { callsRoutes } from './calls.js';
import { catalogueRoutes } from './catalogue.js';
import { dissectionRoutes } from './dissection.js';
import { flowRoutes } from './flows.js';
import { kflCheckRoutes } from './kfl-check.js';
import { liveRoutes } from './live.js';

/** Every query-API route: /api/* and the seed-compatible /mcp/calls and /mcp/dissection*. */
export const apiRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  for (const routes of [
    flowRoutes,
    liveRoutes,
    aggregateRoutes,
    callsRoutes,
    dissectionRoutes,
    catalogueRoutes,
    kflCheckRoutes,
  ]) {
    await app.register(routes, { context });
  }
};
