import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';
import { KflError } from '../../kfl/index.js';
import { CaptureUnavailableError, isStoreUnavailable, UnauthorizedError } from '../errors.js';
import { unencapsulated } from './unencapsulated.js';

/** What an error becomes on the wire. */
export interface ErrorResponse {
  statusCode: number;
  body: { error: string; message: string; offset?: number; length?: number };
  headers: Record<string, string>;
}

/** Seconds a client should wait before retrying when the store is unavailable. */
export const STORE_RETRY_AFTER_S = 5;

// 413 → 'payload_too_large', 429 → 'too_many_requests', …
const statusName = (status: number) => (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/\W+/g, '_');

/**
 * The one mapping from errors to responses (routes just throw; MCP may reuse it):
 * KflError → 400 bad_filter with the offending span; schema validation and BadRequestError →
 * 400 bad_request; store unavailable → 503 store_unavailable with Retry-After; edges that cannot
 * be told to capture → 503 capture_unavailable; other errors that carry a 4xx status (auth, rate
 * limit, fastify's own: bad JSON, wrong content type, too large) keep it; everything else → 500
 * without details.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  const err = error as Partial<FastifyError>;
  const message = err.message ?? String(error);
  if (error instanceof KflError)
    return {
      statusCode: 400,
      body: { error: 'bad_filter', message, offset: error.offset, length: error.length },
      headers: {},
    };
  if (err.validation) return { statusCode: 400, body: { error: 'bad_request', message }, headers: {} };
  if (isStoreUnavailable(error))
    return {
      statusCode: 503,
      body: { error: 'store_unavailable', message: `the flow store is unavailable: ${message}` },
      headers: { 'retry-after': String(STORE_RETRY_AFTER_S) },
    };
  if (error instanceof CaptureUnavailableError)
    return { statusCode: 503, body: { error: 'capture_unavailable', message }, headers: {} };
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return {
      statusCode: status,
      body: { error: statusName(status), message },
      headers: error instanceof UnauthorizedError ? { 'www-authenticate': 'Bearer realm="tcpx"' } : {},
    };
  return { statusCode: 500, body: { error: 'internal_error', message: 'internal error' }, headers: {} };
}

/** Installs toErrorResponse as the app's error handler, and a JSON 404. */
export const errorsPlugin = unencapsulated('tcpx-errors', async (app) => {
  app.setErrorHandler(async (error, request, reply) => {
    const { statusCode, body, headers } = toErrorResponse(error);
    if (statusCode >= 500) request.log[statusCode === 503 ? 'warn' : 'error']({ err: error }, body.error);
    return reply.code(statusCode).headers(headers).send(body);
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }),
  );
});
