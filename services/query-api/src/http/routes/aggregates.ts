import type { FastifyPluginAsync } from 'fastify';
import { diagnose } from '../../data/diagnose.js';
import { RTT_GROUP_COLUMNS, RTT_METRICS, rttPercentiles } from '../../data/percentiles.js';
import { snapshot } from '../../data/snapshot.js';
import { DEFAULT_WINDOW_SECONDS } from '../../data/sources.js';
import type { RttGroupBy, RttMetric } from '../../data/types.js';
import type { ApiContext } from '../context.js';
import { type FilterQuery, filterFromQuery, optionalTime } from './params.js';
import {
  diagnoseResultSchema,
  errorSchema,
  filterParams,
  percentileResultSchema,
  snapshotSchema,
  timeParam,
} from './schemas.js';

interface PercentileQueryString extends FilterQuery {
  metric: RttMetric;
  group_by: RttGroupBy;
  step?: number;
}

/** GET /api/rtt/percentiles, /api/snapshot, /api/diagnose: aggregates over connections. */
export const aggregateRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  app.get<{ Querystring: PercentileQueryString }>(
    '/api/rtt/percentiles',
    {
      schema: {
        summary: 'RTT percentiles per group',
        description:
          'P50/P90/P99 of one RTT metric over closed connections (final records) whose start minute is in ' +
          '[from, to), per group and per `step` bucket. Served from the per-minute rollup when the filter ' +
          'only uses node / namespaces / dst.service and step is whole minutes, else exactly from the ' +
          'records (`source` says which).',
        tags: ['aggregates'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterParams,
            metric: { type: 'string', enum: [...RTT_METRICS], default: 'rtt_avg_us' },
            group_by: { type: 'string', enum: Object.keys(RTT_GROUP_COLUMNS), default: 'dst.service' },
            step: { type: 'integer', minimum: 1, maximum: 86_400 * 31, description: 'bucket width, seconds' },
          },
        },
        response: { 200: percentileResultSchema, 400: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      return rttPercentiles(
        context.store,
        { ...filterFromQuery(q), metric: q.metric, group_by: q.group_by, step: q.step },
        context.now(),
      );
    },
  );

  app.get<{ Querystring: { at?: string; window?: number } }>(
    '/api/snapshot',
    {
      schema: {
        summary: 'The cluster at one instant',
        description:
          'Open connections at `at` (default now) and those closed in the window before it: counts by ' +
          'state, diagnosis and error class, and RTT percentiles of the open ones.',
        tags: ['aggregates'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            at: { ...timeParam, description: `default now; ${timeParam.description}` },
            window: { type: 'number', minimum: 0, maximum: 86_400 * 30, default: DEFAULT_WINDOW_SECONDS },
          },
        },
        response: { 200: snapshotSchema, 400: errorSchema },
      },
    },
    async (request) => {
      const now = context.now();
      return snapshot(context.store, optionalTime(request.query.at, 'at') ?? now, now, request.query.window);
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    '/api/diagnose',
    {
      schema: {
        summary: 'Diagnosis by code and service',
        description:
          "The seed's decision trees (slow / failing) over the matching connections' latest versions: " +
          'per diagnosis code and server, the count, severity, evidence numbers and example ids.',
        tags: ['aggregates'],
        querystring: { type: 'object', additionalProperties: false, properties: filterParams },
        response: { 200: diagnoseResultSchema, 400: errorSchema },
      },
    },
    async (request) => diagnose(context.store, filterFromQuery(request.query), context.now()),
  );
};
