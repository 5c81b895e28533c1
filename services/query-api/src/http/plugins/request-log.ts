import { kflOf, routeOf } from './request-info.js';
import { unencapsulated } from './unencapsulated.js';

/**
 * One structured log line per request, after the response (fastify's own two lines per request
 * are off: disableRequestLogging). The request id (`reqId`, from X-Request-Id or a new UUID) is
 * on every line of the request's logger and goes back in the X-Request-Id response header.
 */
export const requestLogPlugin = unencapsulated('tcpx-request-log', async (app) => {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const kfl = kflOf(request);
    request.log.info(
      {
        method: request.method,
        route: routeOf(request),
        url: request.url,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
        client: request.apiClient ?? request.ip,
        ...(kfl !== undefined ? { kfl } : {}),
      },
      'request',
    );
  });
});
