import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { findStaticFile } from './static-files.js';

/**
 * Where the UI's files are: hand-written pages and styles (public/), then the compiled browser
 * code (dist/public/), both relative to this module (dist/server/), so no copy step is needed.
 */
export const UI_ROOTS: readonly string[] = [
  fileURLToPath(new URL('../../public/', import.meta.url)),
  fileURLToPath(new URL('../public/', import.meta.url)),
];

/** Other options (the query API passes every route plugin its `context`) are ignored. */
export interface UiPluginOptions extends Record<string, unknown> {
  /** Directories searched in order (default UI_ROOTS). */
  roots?: readonly string[];
}

/**
 * Everything comes from this origin: the page never loads anything from elsewhere (the API may run
 * offline), and inline script or style is refused.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Left out of the OpenAPI description: `hide` is @fastify/swagger's flag (its typings are not loaded here). */
const HIDDEN = { hide: true } as FastifySchema;

/**
 * The web UI: GET / (index.html) and GET /ui/<file>. Files are not fingerprinted, so every response
 * is `no-cache` with a content ETag: browsers revalidate and get a 304 while the file is unchanged.
 * Hidden from the OpenAPI description; an unknown or refused path is the API's JSON 404.
 */
export const uiPlugin: FastifyPluginAsync<UiPluginOptions> = async (app, options) => {
  const roots = options.roots ?? UI_ROOTS;

  const send = async (request: FastifyRequest, reply: FastifyReply, relative: string) => {
    const file = await findStaticFile(roots, relative);
    if (!file) return reply.callNotFound();
    reply
      .header('content-type', file.contentType)
      .header('cache-control', 'no-cache')
      .header('etag', file.etag)
      .header('x-content-type-options', 'nosniff');
    if (file.contentType.startsWith('text/html')) {
      reply
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('referrer-policy', 'no-referrer');
    }
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  };

  app.get('/', { schema: HIDDEN }, (request, reply) => send(request, reply, 'index.html'));
  app.get<{ Params: { '*': string } }>('/ui/*', { schema: HIDDEN }, (request, reply) =>
    send(request, reply, request.params['*']),
  );
};
