import { randomUUID } from 'node:crypto';
import { uiPlugin } from '@tcpx/web-ui';
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { mcpPlugin } from '../mcp/http.js';
import type { ApiContext } from './context.js';
import { countedFeed } from './counted-feed.js';
import { guardedStore } from './guarded-store.js';
import { ApiMetrics } from './metrics.js';
import { type AuthOptions, authPlugin } from './plugins/auth.js';
import { errorsPlugin } from './plugins/errors.js';
import { metricsPlugin } from './plugins/metrics.js';
import { openApiPlugin } from './plugins/openapi.js';
import { opsRoutes } from './plugins/ops-routes.js';
import { type RateLimitOptions, rateLimitPlugin } from './plugins/rate-limit.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { apiRoutes } from './routes/index.js';

/** A plugin of routes, registered with the API's (guarded) context. */
export type RoutePlugin = FastifyPluginAsync<{ context: ApiContext }>;

/** What buildApp serves by default: the REST/SSE routes and MCP. */
// uiPlugin serves the web UI's static files on the same origin; it ignores the context.
export const API_ROUTE_PLUGINS: readonly RoutePlugin[] = [apiRoutes, mcpPlugin, uiPlugin as RoutePlugin];

export interface ApiOptions {
  /**
   * A plain object (it is spread into the routes' context). Open its store read-only
   * (openStore(…, { readOnly: true })); buildApp guards it with the query timeout.
   */
  context: ApiContext;
  /** No default on purpose: a caller decides; the CLI requires keys unless --no-auth. */
  auth: AuthOptions;
  /** Default { max: 600 } per minute per client; false turns rate limiting off. */
  rateLimit?: RateLimitOptions | false;
  /** A store query that has not answered by then fails the request with 503 (default 10000). */
  queryTimeoutMs?: number;
  /** fastify's logger option: pino options (JSON lines), true for defaults; default off. */
  logger?: FastifyServerOptions['logger'];
  /** The route plugins (default API_ROUTE_PLUGINS); an embedder may add its own, tests their own. */
  routes?: readonly RoutePlugin[];
}

const DEFAULT_RATE_LIMIT = 600;
const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
const READINESS_TIMEOUT_MS = 2_000;

/**
 * The query API: hooks and handlers that apply to every route (errors, request log, metrics, auth,
 * rate limit, OpenAPI), then the routes, each given a context whose store is bounded by the query
 * timeout and measured, and whose feed counts its subscribers.
 */
export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // requestLogPlugin writes one line per request instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: true, // close() also ends SSE streams and idle keep-alive sockets
  });
  const metrics = new ApiMetrics();
  const timeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const guard = (ms: number) =>
    guardedStore(options.context.store, { timeoutMs: ms, onQuery: metrics.observeStoreQuery });
  const context: ApiContext = {
    ...options.context,
    store: guard(timeoutMs),
    feed: countedFeed(options.context.feed, metrics.sseSubscribers),
  };

  await app.register(errorsPlugin);
  await app.register(requestLogPlugin);
  await app.register(metricsPlugin, { metrics });
  await app.register(authPlugin, { auth: options.auth });
  // Hooks into routes as they are added: before any route.
  if (options.rateLimit !== false)
    await app.register(rateLimitPlugin, { rateLimit: options.rateLimit ?? { max: DEFAULT_RATE_LIMIT } });
  await app.register(openApiPlugin, { auth: options.auth.mode !== 'none' });

  await app.register(opsRoutes, {
    readinessStore: guard(Math.min(timeoutMs, READINESS_TIMEOUT_MS)),
    metrics,
  });
  for (const routes of options.routes ?? API_ROUTE_PLUGINS) await app.register(routes, { context });
  return app;
}
