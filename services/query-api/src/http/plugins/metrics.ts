import type { ApiMetrics } from '../metrics.js';
import { routeOf } from './request-info.js';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's Prometheus metrics; routes may record into them (e.g. app.metrics.sseSubscribers). */
    metrics: ApiMetrics;
  }
}

/** Counts and times every response by route pattern and status; exposes `app.metrics`. */
export const metricsPlugin = unencapsulated<{ metrics: ApiMetrics }>(
  'tcpx-metrics',
  async (app, { metrics }) => {
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      const labels = { method: request.method, route: routeOf(request), status: String(reply.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });
  },
);
