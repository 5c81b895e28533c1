import type { FastifyPluginAsync } from 'fastify';
import { compileFilter } from '../../data/filter.js';
import type { ApiContext } from '../context.js';
import { errorSchema, kflParam } from './schemas.js';

/**
 * GET /api/kfl/check: whether a filter compiles, without running it — the UI's KFL box asks as one
 * types. A filter the compiler refuses is the same 400 bad_filter (offset, length) as everywhere.
 */
export const kflCheckRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  app.get<{ Querystring: { kfl?: string } }>(
    '/api/kfl/check',
    {
      schema: {
        summary: 'Check a KFL filter',
        description:
          'Compiles the filter and answers 200 with its warnings (e.g. `and`/`or` mixed without ' +
          'parentheses), or 400 bad_filter with the character offset and length of the problem.',
        tags: ['reference'],
        querystring: { type: 'object', additionalProperties: false, properties: { kfl: kflParam } },
        response: {
          200: {
            type: 'object',
            properties: { ok: { type: 'boolean' }, warnings: { type: 'array', items: { type: 'string' } } },
            required: ['ok', 'warnings'],
          },
          400: errorSchema,
        },
      },
    },
    async (request) => ({
      ok: true,
      warnings: [...compileFilter(request.query.kfl, context.now()).warnings],
    }),
  );
};
