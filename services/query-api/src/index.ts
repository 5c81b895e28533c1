export * from './data/types.js';
export { API_ROUTE_PLUGINS, type ApiOptions, buildApp, type RoutePlugin } from './http/app.js';
export type { ApiContext, CaptureControl, FlowFeed } from './http/context.js';
export {
  BadRequestError,
  CaptureUnavailableError,
  isStoreUnavailable,
  StoreTimeoutError,
  UnauthorizedError,
} from './http/errors.js';
export { guardedStore, type StoreGuardOptions, type StoreOutcome } from './http/guarded-store.js';
export { ApiMetrics } from './http/metrics.js';
export { type AuthOptions, isPublicRoute } from './http/plugins/auth.js';
export { type ErrorResponse, toErrorResponse } from './http/plugins/errors.js';
export type { RateLimitOptions } from './http/plugins/rate-limit.js';
export { type RunningApi, startApi } from './start-api.js';
