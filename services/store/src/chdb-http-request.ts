// Reading one request of ClickHouse's HTTP interface (as @clickhouse/client sends it) into what
// the engine needs: the statement, its data, settings, query parameters, session and format.
// Errors are ClickHouseHttpError, answered like the server's own (chdb-http-server.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** An error as ClickHouse reports it: `Code: <code>. DB::Exception: <message>. (<NAME>)`. */
export class ClickHouseHttpError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }

  get text(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.codeName})`;
  }
}

// ClickHouse's HTTPHandler maps these exception codes to 4xx/5xx statuses; all others are 500.
const BAD_REQUEST = [
  6, 8, 15, 25, 26, 27, 36, 37, 38, 41, 44, 53, 62, 72, 117, 123, 167, 168, 223, 321, 376, 427, 441, 675, 676,
];
const NOT_FOUND = [46, 47, 50, 56, 60, 63, 73, 78, 81, 115, 152, 336, 511];
const STATUS = new Map<number, number>([
  ...BAD_REQUEST.map((c): [number, number] => [c, 400]),
  ...NOT_FOUND.map((c): [number, number] => [c, 404]),
  [194, 401], // REQUIRED_PASSWORD
  [192, 403], // UNKNOWN_USER
  [193, 403], // WRONG_PASSWORD
  [516, 403], // AUTHENTICATION_FAILED
  [229, 413], // QUERY_IS_TOO_LARGE
  [48, 501], // NOT_IMPLEMENTED
  [209, 503], // SOCKET_TIMEOUT
  [76, 503], // CANNOT_OPEN_FILE
  [439, 503], // CANNOT_SCHEDULE_TASK
  [159, 408], // TIMEOUT_EXCEEDED
]);

export function httpStatus(code: number): number {
  return STATUS.get(code) ?? 500;
}

export interface QueryRequest {
  method: 'GET' | 'POST';
  queryId: string;
  /** The `query` parameter (URL or multipart field), when given. */
  query?: string;
  /** The request body, decompressed (the statement itself when there is no `query` parameter). */
  body: Buffer;
  database?: string;
  defaultFormat: string;
  /** URL parameters that are settings, in order. */
  settings: Array<[string, string]>;
  /** `param_<name>` values, as the client formatted them (ClickHouse's escaped text form). */
  params: Array<[string, string]>;
  session?: { id: string; timeoutS: number; check: boolean; close: boolean };
  /** Response compression asked for with enable_http_compression=1 and Accept-Encoding. */
  responseEncoding?: { encoding: 'gzip' | 'deflate' | 'br'; level: number };
}

// URL parameters of the HTTP interface that are not settings.
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'user',
  'password',
  'quota_key',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'stacktrace',
  'role',
  'buffer_size',
  'wait_end_of_query',
  'compress',
  'decompress',
  'client_protocol_version',
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const last = (entries: Array<[string, string]>, name: string) =>
  entries.filter(([k]) => k === name).pop()?.[1];
const truthy = (v: string | undefined) => v !== undefined && /^(1|true)$/i.test(v);

/** Reads the body (up to maxBytes, after decompression per Content-Encoding). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  const codecs: Record<string, (b: Buffer, o: zlib.ZlibOptions) => Promise<Buffer>> = {
    gzip: promisify(zlib.gunzip),
    'x-gzip': promisify(zlib.gunzip),
    deflate: promisify(zlib.inflate),
    br: promisify(zlib.brotliDecompress),
  };
  const codec = codecs[encoding];
  if (!codec)
    throw new ClickHouseHttpError(
      89,
      'UNKNOWN_COMPRESSION_METHOD',
      `Content-Encoding ${encoding} is not supported here (gzip, deflate, br)`,
    );
  try {
    return await codec(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new ClickHouseHttpError(
      271,
      'CANNOT_DECOMPRESS',
      `Cannot decompress the ${encoding} request body: ${(err as Error).message}`,
    );
  }
}

function tooLarge(maxBytes: number): ClickHouseHttpError {
  return new ClickHouseHttpError(229, 'QUERY_IS_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`);
}

/** The fields of a multipart/form-data body (how the client sends long query parameters). */
function formFields(body: Buffer, contentType: string): Array<[string, string]> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new ClickHouseHttpError(36, 'BAD_ARGUMENTS', 'multipart/form-data without a boundary');
  const delimiter = `--${boundary[1] ?? boundary[2].trim()}`;
  const fields: Array<[string, string]> = [];
  for (const part of body.toString('utf8').split(delimiter).slice(1)) {
    if (part.startsWith('--')) break;
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (headerEnd < 0 || name === undefined || /filename=/i.test(headers))
      throw new ClickHouseHttpError(
        48,
        'NOT_IMPLEMENTED',
        'multipart parts other than plain fields (external tables) are not supported here',
      );
    fields.push([name, part.slice(headerEnd + 4).replace(/\r\n$/, '')]);
  }
  return fields;
}

/** Basic auth, X-ClickHouse-User/Key or user/password parameters; the default user otherwise. */
export function credentials(
  headers: IncomingHttpHeaders,
  params: URLSearchParams,
): { user: string; password: string } {
  const auth = headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const text = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return colon < 0
      ? { user: text, password: '' }
      : { user: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (auth)
    throw new ClickHouseHttpError(516, 'AUTHENTICATION_FAILED', 'Only Basic authentication is supported');
  const user = headers['x-clickhouse-user'];
  if (typeof user === 'string') {
    const key = headers['x-clickhouse-key'];
    return { user, password: typeof key === 'string' ? key : '' };
  }
  return { user: params.get('user') ?? 'default', password: params.get('password') ?? '' };
}

function acceptedEncoding(header: string | undefined): 'gzip' | 'deflate' | 'br' | undefined {
  const offered = (header ?? '').toLowerCase();
  return (['gzip', 'deflate', 'br'] as const).find((e) => new RegExp(`\\b${e}\\b`).test(offered));
}

/** Reads the URL parameters (plus multipart fields) of a query request. */
export function parseQueryRequest(
  method: 'GET' | 'POST',
  url: URL,
  headers: IncomingHttpHeaders,
  body: Buffer,
): QueryRequest {
  const entries = [...url.searchParams.entries()];
  const contentType = headers['content-type'] ?? '';
  if (method === 'POST' && /^multipart\/form-data/i.test(contentType)) {
    entries.push(...formFields(body, contentType));
    body = Buffer.alloc(0);
  }
  const get = (name: string) => last(entries, name);
  for (const flag of ['compress', 'decompress'])
    if (truthy(get(flag)))
      throw new ClickHouseHttpError(
        48,
        'NOT_IMPLEMENTED',
        `${flag}=1 (ClickHouse's native block compression) is not supported here; use HTTP compression`,
      );
  const role = get('role');
  if (role)
    throw new ClickHouseHttpError(
      511,
      'UNKNOWN_ROLE',
      `There is no role \`${role}\` (chdb has no access control)`,
    );

  const settings: Array<[string, string]> = [];
  const params: Array<[string, string]> = [];
  for (const [key, value] of entries) {
    if (key.startsWith('param_')) {
      if (!NAME.test(key.slice(6)))
        throw new ClickHouseHttpError(457, 'BAD_QUERY_PARAMETER', `Invalid query parameter name ${key}`);
      params.push([key, value]);
    } else if (!RESERVED.has(key)) {
      if (!NAME.test(key)) throw new ClickHouseHttpError(115, 'UNKNOWN_SETTING', `Unknown setting '${key}'`);
      settings.push([key, value]);
    }
  }
  const setting = (name: string) => last(settings, name);

  const sessionId = get('session_id');
  let session: QueryRequest['session'];
  if (sessionId) {
    const timeoutS = Number(get('session_timeout') ?? 60);
    if (!Number.isFinite(timeoutS) || timeoutS < 0 || timeoutS > 3600)
      throw new ClickHouseHttpError(
        374,
        'INVALID_SESSION_TIMEOUT',
        `Invalid session timeout: '${get('session_timeout')}' (0..3600 seconds)`,
      );
    session = {
      id: sessionId,
      timeoutS,
      check: truthy(get('session_check')),
      close: truthy(get('close_session')),
    };
  }

  const encoding = truthy(setting('enable_http_compression'))
    ? acceptedEncoding(headers['accept-encoding'])
    : undefined;
  return {
    method,
    queryId: get('query_id') || randomUUID(),
    query: get('query'),
    body: method === 'POST' ? body : Buffer.alloc(0),
    database: get('database') || undefined,
    defaultFormat: get('default_format') || 'TabSeparated',
    settings,
    params,
    session,
    responseEncoding: encoding && {
      encoding,
      level: Number(setting('http_zlib_compression_level') ?? 3),
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The statement as ClickHouse builds it: the `query` parameter, a newline, then the body. */
export function statementText(query: string | undefined, body: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ClickHouseHttpError(
      48,
      'NOT_IMPLEMENTED',
      'The request body is not UTF-8 text: this server takes text formats only (no binary input formats)',
    );
  }
  if (query === undefined) return text;
  return text.length > 0 ? `${query}\n${text}` : query;
}
