import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { unencapsulated } from './unencapsulated.js';

export interface RateLimitOptions {
  /** Requests per minute per client: its API key when it sent a valid one, else its IP (IPv6: its /64). */
  max: number;
}

/**
 * @fastify/rate-limit over every route (probes and /metrics opt out with `config.rateLimit:
 * false`); over the limit → 429 with Retry-After, through the error handler. Its per-route hook
 * runs after auth's onRequest identification, so the key is known here.
 */
export const rateLimitPlugin = unencapsulated<{ rateLimit: RateLimitOptions }>(
  'tcpx-rate-limit',
  async (app, { rateLimit: { max } }) => {
    await app.register(rateLimit, {
      max,
      timeWindow: 60_000,
      keyGenerator: (request) => request.apiClient ?? `ip:${normalizeIP(request.ip, 64)}`,
    });
  },
);
