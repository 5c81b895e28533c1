import type { FastifyPluginAsync } from 'fastify';
import { flowVersions } from '../../data/flow-versions.js';
import { DEFAULT_PAGE_SIZE, listFlows, MAX_PAGE_SIZE } from '../../data/list-flows.js';
import { SORT_FIELDS } from '../../data/sort.js';
import { DEFAULT_WINDOW_SECONDS } from '../../data/sources.js';
import type { ApiContext } from '../context.js';
import { type FilterQuery, filterFromQuery, optionalTime } from './params.js';
import { errorSchema, filterParams, flowPageSchema, flowViewSchema, timeParam } from './schemas.js';

interface ListQuery extends FilterQuery {
  sort?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
  at?: string;
  window?: number;
}

/** GET /api/flows (a page of connections, or time travel with `at`) and GET /api/flows/:id. */
export const flowRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  app.get<{ Querystring: ListQuery }>(
    '/api/flows',
    {
      schema: {
        summary: 'List connections',
        description:
          'The latest version of each connection matching the KFL filter and overlapping [from, to), ' +
          'sorted (NULLs last, ties by flow id and node) and paged with an opaque keyset cursor. ' +
          'With `at`: the connections open at that instant (each as its last version at or before it) ' +
          'plus those that closed in the `window` seconds before it.',
        tags: ['flows'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterParams,
            sort: { type: 'string', enum: [...SORT_FIELDS], default: 'start_time' },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
            cursor: { type: 'string', maxLength: 2000, description: 'next_cursor of the previous page' },
            at: { ...timeParam, description: `time travel: ${timeParam.description}` },
            window: {
              type: 'number',
              minimum: 0,
              maximum: 86_400 * 30,
              default: DEFAULT_WINDOW_SECONDS,
              description: 'with at: seconds before it whose closed connections are included',
            },
          },
        },
        response: { 200: flowPageSchema, 400: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      return listFlows(
        context.store,
        {
          ...filterFromQuery(q),
          sort: q.sort,
          order: q.order,
          limit: q.limit,
          cursor: q.cursor,
          at: optionalTime(q.at, 'at'),
          window: q.window,
        },
        context.now(),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/flows/:id',
    {
      schema: {
        summary: 'Every version of one connection',
        description: 'Interim versions while it was open, then the final one; oldest first. Unknown id: 404.',
        tags: ['flows'],
        params: {
          type: 'object',
          properties: {
            id: {
              type: 'string',
              pattern: '^([0-9]{1,20}|[0-9a-fA-F]{16})$',
              description: 'flow id: decimal UInt64, or the 16 hex digits of the Kafka record',
            },
          },
          required: ['id'],
        },
        response: {
          200: { type: 'object', properties: { versions: { type: 'array', items: flowViewSchema } } },
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const versions = await flowVersions(context.store, request.params.id);
      if (versions.length === 0) {
        return reply.code(404).send({ error: 'not_found', message: `no connection ${request.params.id}` });
      }
      return { versions };
    },
  );
};
