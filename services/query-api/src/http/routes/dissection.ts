import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { errorSchema } from './schemas.js';

const stateSchema = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean', description: 'whether the edges are told to capture' },
    edges: {
      type: 'array',
      description: "each edge's own last report: whether it captures, when it said so (epoch ms)",
      items: {
        type: 'object',
        properties: {
          node: { type: 'string' },
          capturing: { type: 'boolean' },
          at: { type: 'number' },
          interfaces: { type: 'array', items: { type: 'string' } },
        },
        required: ['node', 'capturing', 'at', 'interfaces'],
      },
    },
  },
  required: ['enabled', 'edges'],
} as const;

const state = (capture: ApiContext['capture']) => ({
  enabled: capture.enabled(),
  edges: capture.edges?.() ?? [],
});

/** Seed-compatible capture switch: GET /mcp/dissection, POST /mcp/dissection/enable|disable. */
export const dissectionRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  app.get(
    '/mcp/dissection',
    {
      schema: {
        summary: 'Whether edges capture',
        tags: ['capture'],
        response: { 200: stateSchema },
      },
    },
    async () => state(context.capture),
  );
  for (const enabled of [true, false]) {
    app.post(
      `/mcp/dissection/${enabled ? 'enable' : 'disable'}`,
      {
        schema: {
          summary: enabled ? 'Start capturing on the edges' : 'Stop capturing on the edges',
          description: 'Answers once the edges were told; 503 when they could not be.',
          tags: ['capture'],
          response: { 200: stateSchema, 503: errorSchema },
        },
      },
      async () => {
        await context.capture.set(enabled);
        return state(context.capture);
      },
    );
  }
};
