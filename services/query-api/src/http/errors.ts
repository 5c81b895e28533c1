// Errors route and query code throws; src/http/plugins/errors.ts turns them into responses.

/** The request is wrong in a way the client can fix: 400 `{ error: 'bad_request', message }`. */
export class BadRequestError extends Error {
  readonly statusCode = 400;
  override name = 'BadRequestError';
}

/** A store call did not answer within the query timeout: 503 `store_unavailable`. */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
}

// Socket-level failures: the server is not there, or went away mid-request.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
// ClickHouse exception codes that mean "overloaded or going away", not "your query is wrong":
// TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, SOCKET_TIMEOUT, NETWORK_ERROR,
// MEMORY_LIMIT_EXCEEDED, ALL_CONNECTION_TRIES_FAILED, CANNOT_SCHEDULE_TASK, SYSTEM_ERROR.
const CLICKHOUSE_UNAVAILABLE_CODES = new Set(['159', '202', '209', '210', '241', '279', '439', '425']);
// @clickhouse/client's own request timeout, and Node's message for a peer that closed the socket.
const UNAVAILABLE_MESSAGES = /^(Timeout error|socket hang up|other side closed)\b/i;

/**
 * Whether an error means the store cannot answer now (→ 503 with Retry-After), as opposed to a
 * query the store rejected (→ 400/500). Looks through `cause` chains, since clients wrap.
 */
export function isStoreUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoreTimeoutError || e.name === 'StoreUnavailableError') return true;
    const { code, type, clickhouseCode } = e as { code?: unknown; type?: unknown; clickhouseCode?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    // The server's exception code: @clickhouse/client's ClickHouseError has it as `code` (next to
    // `type`), chdb's errors as `clickhouseCode`.
    const serverCode = type !== undefined ? code : clickhouseCode;
    if (serverCode !== undefined && CLICKHOUSE_UNAVAILABLE_CODES.has(String(serverCode))) return true;
    if (UNAVAILABLE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** No valid API key: 401 `{ error: 'unauthorized', message }` with WWW-Authenticate. */
export class UnauthorizedError extends Error {
  readonly statusCode = 401;
  override name = 'UnauthorizedError';
}

/** The edges could not be told to start or stop capturing: 503 `capture_unavailable`. */
export class CaptureUnavailableError extends Error {
  readonly statusCode = 503;
  override name = 'CaptureUnavailableError';
}
