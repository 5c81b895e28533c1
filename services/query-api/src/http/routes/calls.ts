import type { FastifyPluginAsync } from 'fastify';
import {
  DEFAULT_CALLS_LIMIT,
  MAX_CALLS_LIMIT,
  SEED_FORMATS,
  type SeedFormat,
  seedEntries,
} from '../../data/seed-entries.js';
import type { ApiContext } from '../context.js';
import { errorSchema, kflParam } from './schemas.js';

/**
 * GET /mcp/calls: the seed's entry list. Envelope `{ calls, total }`: `calls` newest connection
 * first in the asked format (see src/data/seed-entries.ts for the three shapes), `total` the number
 * of matching connections before `limit`, so a client knows whether it saw everything.
 */
export const callsRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  app.get<{ Querystring: { kfl?: string; format?: SeedFormat; limit?: number } }>(
    '/mcp/calls',
    {
      schema: {
        summary: 'Connection entries (seed-compatible)',
        description:
          'One entry per connection (latest version) matching the KFL filter, newest first. format=raw: ' +
          'the full entry with the 24 tcp_metrics; compact: a flat summary (src.ns, dst.svc, key metrics); ' +
          'full: raw plus extra metrics and a summary of every stored version.',
        tags: ['calls'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kfl: kflParam,
            format: { type: 'string', enum: [...SEED_FORMATS], default: 'raw' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_CALLS_LIMIT, default: DEFAULT_CALLS_LIMIT },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              calls: { type: 'array', items: { type: 'object', additionalProperties: true } },
              total: { type: 'integer', description: 'matching connections before limit' },
            },
            required: ['calls', 'total'],
          },
          400: errorSchema,
        },
      },
    },
    async (request) => seedEntries(context.store, request.query, context.now()),
  );
};
