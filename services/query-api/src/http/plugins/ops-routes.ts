import type { FlowStore } from '@tcpx/store';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiMetrics } from '../metrics.js';
import { STORE_RETRY_AFTER_S } from './errors.js';

const status = (value: string) => ({
  type: 'object',
  properties: { status: { const: value }, message: { type: 'string' } },
  required: ['status'],
});

/** Open and not rate limited: probes and scrapers call often and must not be turned away. */
const operational = (summary: string, response: Record<number, unknown>) => ({
  schema: { tags: ['operations'], summary, security: [], response },
  config: { rateLimit: false as const },
});

/**
 * Probes and metrics. /healthz: the process answers (no store call). /readyz: the store answers
 * `SELECT 1` within its guard's timeout (2 s) → 200, else 503 — whatever the cause, since a
 * not-ready instance should get no traffic. /metrics: Prometheus text.
 */
export const opsRoutes: FastifyPluginAsync<{ readinessStore: FlowStore; metrics: ApiMetrics }> = async (
  app,
  { readinessStore, metrics },
) => {
  app.get('/healthz', operational('The process is alive', { 200: status('ok') }), async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    operational('The flow store answers', { 200: status('ready'), 503: status('unavailable') }),
    async (request, reply) => {
      try {
        await readinessStore.query('SELECT 1 AS ok');
        return { status: 'ready' };
      } catch (err) {
        request.log.warn({ err }, 'not ready: the store does not answer');
        reply.code(503).header('retry-after', String(STORE_RETRY_AFTER_S));
        return { status: 'unavailable', message: (err as Error).message };
      }
    },
  );

  app.get(
    '/metrics',
    operational('Prometheus metrics', { 200: { type: 'string', description: 'Prometheus text format' } }),
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
