import type { FastifyPluginAsync } from 'fastify';
import { EXTRA_METRIC_GLOSSARY, SEED_METRIC_GLOSSARY } from '../../data/glossary.js';
import { KFL_FIELDS, KFL_KEYWORDS } from '../../kfl/index.js';
import type { ApiContext } from '../context.js';

const glossaryEntry = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    unit: { type: 'string' },
    nullable: { type: 'boolean' },
    description: { type: 'string' },
    tshark: { type: 'string' },
  },
  required: ['name', 'unit', 'nullable', 'description', 'tshark'],
} as const;

/** GET /api/fields (KFL field catalogue, for completion) and GET /api/glossary (the metrics). */
export const catalogueRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app) => {
  app.get(
    '/api/fields',
    {
      schema: {
        summary: 'KFL fields',
        description: 'Every field a KFL filter can use on connection records, with type and aliases.',
        tags: ['reference'],
        response: {
          200: {
            type: 'object',
            properties: {
              fields: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    type: { type: 'string' },
                    description: { type: 'string' },
                    aliases: { type: 'array', items: { type: 'string' } },
                  },
                  required: ['name', 'type', 'description', 'aliases'],
                },
              },
              keywords: {
                type: 'array',
                description: 'bare words a filter may use, e.g. tcp_flow, error, tcp',
                items: {
                  type: 'object',
                  properties: { name: { type: 'string' }, description: { type: 'string' } },
                  required: ['name', 'description'],
                },
              },
            },
            required: ['fields', 'keywords'],
          },
        },
      },
    },
    async () => ({ fields: KFL_FIELDS, keywords: KFL_KEYWORDS }),
  );
  app.get(
    '/api/glossary',
    {
      schema: {
        summary: 'Metric glossary',
        description:
          'The 24 seed metrics (tcp_metrics) and the extra ones, with units and tshark equivalents.',
        tags: ['reference'],
        response: {
          200: {
            type: 'object',
            properties: {
              tcp_metrics: { type: 'array', items: glossaryEntry },
              extra_metrics: { type: 'array', items: glossaryEntry },
            },
            required: ['tcp_metrics', 'extra_metrics'],
          },
        },
      },
    },
    async () => ({ tcp_metrics: SEED_METRIC_GLOSSARY, extra_metrics: EXTRA_METRIC_GLOSSARY }),
  );
};
