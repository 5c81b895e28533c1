import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';
import { unencapsulated } from './unencapsulated.js';

/** `api-key`: every request but the public ones needs `X-API-Key: <key>` or `Authorization: Bearer <key>`. */
export type AuthOptions = { mode: 'none' } | { mode: 'api-key'; keys: readonly string[] };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request: `key:<first 12 hex of the key's SHA-256>` for a valid key, else undefined. */
    apiClient: string | undefined;
  }
}

/**
 * Open without a key: probes (/healthz, /readyz), Prometheus (/metrics: operational aggregates
 * only — no flow data, no client identities in labels — and scrapers then need no secret) and
 * the API description (/openapi.json, /docs with its assets) and the web UI's static files
 * (/, /ui/*: no flow data; the UI asks for a key when the API answers 401). Matched on the route
 * pattern, so an unknown path is not public.
 */
export function isPublicRoute(route: string | undefined): boolean {
  if (route === undefined) return false;
  return (
    ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/', '/ui/*'].includes(route) ||
    route.startsWith('/docs/')
  );
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The key a request presents, from either header form. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/**
 * Keys are compared as SHA-256 digests with timingSafeEqual, against every configured key
 * without stopping at a match, so neither a key's length nor its position shows in the timing.
 */
export function keyMatcher(keys: readonly string[]): (presented: string) => boolean {
  const known = keys.map(sha256);
  return (presented) => {
    const digest = sha256(presented);
    let match = false;
    for (const key of known) match = timingSafeEqual(key, digest) || match;
    return match;
  };
}

/**
 * Identifies the client in onRequest (so the rate limiter, a route-level onRequest hook that
 * runs after this one, can key on it), and refuses requests without a valid key in preParsing
 * (after the rate limiter, so wrong keys are rate limited per IP too) — before any body is read.
 */
export const authPlugin = unencapsulated<{ auth: AuthOptions }>('tcpx-auth', async (app, { auth }) => {
  app.decorateRequest('apiClient', undefined);
  if (auth.mode === 'none') return;
  if (auth.keys.length === 0 || auth.keys.some((k) => k.trim() === ''))
    throw new Error("auth mode 'api-key' needs at least one non-empty key");
  const matches = keyMatcher(auth.keys);
  app.addHook('onRequest', async (request) => {
    const key = presentedKey(request);
    if (key !== undefined && matches(key))
      request.apiClient = `key:${sha256(key).toString('hex').slice(0, 12)}`;
  });
  app.addHook('preParsing', async (request) => {
    if (request.apiClient === undefined && !isPublicRoute(request.routeOptions.url))
      throw new UnauthorizedError(
        presentedKey(request) === undefined
          ? 'an API key is required: X-API-Key: <key> or Authorization: Bearer <key>'
          : 'the API key is not valid',
      );
  });
});
