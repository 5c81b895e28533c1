// ClickHouse's HTTP interface in front of chdb (the ClickHouse 26 engine in this process): the
// subset @clickhouse/client uses, so several processes can share one modern ClickHouse where no
// server binary exists. The engine does all SQL work; this file only does HTTP. Request parsing:
// chdb-http-request.ts; the little SQL lexing it needs: chdb-http-sql.ts.
//
// Every request runs on its own chdb connection to the one data directory (as a ClickHouse
// query gets its own context), so its settings, parameters and `USE` end with it; a session_id
// keeps one connection across requests. All engine work goes through one queue, in arrival order.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Session } from 'chdb';
import {
  ClickHouseHttpError,
  credentials,
  httpStatus,
  parseQueryRequest,
  type QueryRequest,
  readBody,
  statementText,
} from './chdb-http-request.js';
import { contentType, inspectSql, simpleInsert, sqlIdentifier, sqlString } from './chdb-http-sql.js';
import { loadChdb } from './chdb-store.js';

export interface ChdbHttpServerOptions {
  /** Data directory (created when missing). chdb binds one directory per process. */
  path: string;
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Largest request body, after decompression (default 1 GiB). */
  maxBodyBytes?: number;
}

export interface ChdbHttpServer {
  url: string;
  port: number;
  /** The engine's version(), e.g. 26.7.2.1. */
  version: string;
  /** Stops accepting, finishes the requests in flight, closes the engine. Idempotent. */
  close(): Promise<void>;
}

// Where chdb's defaults differ from what a client of the server expects: UInt64 as JSON strings
// (flow ids exceed 2^53), an INSERT answers once its data is in a part (this build defaults
// async_insert to 1), and no implicit SELECT (chdb runs `1+1` or `SELEC 1` as a SELECT). A
// request may still set any of them.
const CONNECTION_ARGS = [
  '--output_format_json_quote_64bit_integers=1',
  '--async_insert=0',
  '--implicit_select=0',
];

interface Outcome {
  body: Uint8Array;
  format: string;
  summary: Record<string, number>;
}

interface HttpSession {
  conn: Session;
  timer?: NodeJS.Timeout;
}

/** Runs tasks one at a time, in order. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const compressors = {
  gzip: promisify(zlib.gzip),
  deflate: promisify(zlib.deflate),
  br: promisify(zlib.brotliCompress),
};

export async function startChdbHttpServer(options: ChdbHttpServerOptions): Promise<ChdbHttpServer> {
  const chdb = loadChdb();
  const open = () => new chdb.Session(options.path, { connectionArgs: CONNECTION_ARGS });
  const main = open(); // keeps the engine up between requests
  let engine: { version: string; timezone: string; hostname: string; formats: Map<string, string> };
  try {
    engine = await describeEngine(main);
  } catch (err) {
    main.close();
    throw err;
  }
  const { version, timezone, hostname, formats } = engine;
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 30;
  const serial = new Serial();
  const sessions = new Map<string, HttpSession>();
  const inflight = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;

  const baseHeaders = (queryId: string, format: string) => ({
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Format': format,
    'X-ClickHouse-Timezone': timezone,
    'X-ClickHouse-Server-Display-Name': hostname,
  });

  const sendError = (res: ServerResponse, err: unknown, queryId: string, format: string) => {
    const { code, text } = describeError(err);
    res.writeHead(httpStatus(code), {
      ...baseHeaders(queryId, format),
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(code),
    });
    res.end(`${text} (version ${version})\n`);
  };

  /** The request's connection: its session's, or a new one closed after the request. */
  const connect = (q: QueryRequest): { conn: Session; done(): void } => {
    if (!q.session) {
      const conn = open();
      return { conn, done: () => conn.close() };
    }
    const { id, timeoutS, check, close } = q.session;
    let s = sessions.get(id);
    if (!s) {
      if (check) throw new ClickHouseHttpError(372, 'SESSION_NOT_FOUND', `Session ${id} not found`);
      s = { conn: open() };
      sessions.set(id, s);
    }
    clearTimeout(s.timer);
    const session = s;
    const expire = () => {
      if (sessions.get(id) !== session) return;
      sessions.delete(id);
      session.conn.close();
    };
    return {
      conn: session.conn,
      done: () => {
        if (close || timeoutS === 0) expire();
        else session.timer = setTimeout(() => void serial.run(async () => expire()), timeoutS * 1000).unref();
      },
    };
  };

  const execute = async (q: QueryRequest): Promise<Outcome> => {
    const insert = q.query !== undefined && q.body.length > 0 ? simpleInsert(q.query) : undefined;
    const text = insert && q.query !== undefined ? q.query : statementText(q.query, q.body);
    const shape = inspectSql(text, formats);
    if (!shape.verb) throw new ClickHouseHttpError(62, 'SYNTAX_ERROR', 'Empty query');
    if (shape.secondStatementAt !== undefined)
      throw new ClickHouseHttpError(
        62,
        'SYNTAX_ERROR',
        `Syntax error (Multi-statements are not allowed): failed at position ${shape.secondStatementAt + 1}`,
      );
    const format = shape.outputFormat ?? q.defaultFormat;
    const sets = [...q.settings, ...q.params];
    // ClickHouse runs GET requests read-only (readonly=2: settings may change, data may not).
    if (q.method === 'GET') sets.push(['readonly', '2']);

    return serial.run(async (): Promise<Outcome> => {
      const { conn, done } = connect(q);
      try {
        if (q.database) await conn.queryAsync(`USE ${sqlIdentifier(q.database)}`);
        if (sets.length > 0)
          await conn.queryAsync(`SET ${sets.map(([k, v]) => `${k} = ${sqlString(v)}`).join(', ')}`);
        if (insert) {
          const r = await conn.insert({ ...insert, values: q.body });
          return {
            body: new Uint8Array(0),
            format,
            summary: {
              read_rows: r.rowsSent ?? 0,
              read_bytes: r.bytesSent,
              written_rows: r.rowsWritten,
              written_bytes: r.bytesWritten,
              elapsed_ns: Math.round(r.elapsed * 1e9),
            },
          };
        }
        const r = await conn.queryAsync(text, { format: q.defaultFormat });
        const body = r.bytes();
        return {
          body,
          format,
          summary: {
            read_rows: r.rowsRead,
            read_bytes: r.bytesRead,
            result_bytes: body.length,
            elapsed_ns: Math.round(r.elapsed * 1e9),
          },
        };
      } finally {
        done();
      }
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Bad request target\n');
      return;
    }
    const method = req.method ?? 'GET';
    const isPing = url.pathname === '/ping' || (url.pathname === '/' && !url.searchParams.has('query'));
    if ((method === 'GET' || method === 'HEAD') && isPing) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    let queryId = url.searchParams.get('query_id') ?? '';
    let format = url.searchParams.get('default_format') || 'TabSeparated';
    try {
      if (method !== 'GET' && method !== 'POST')
        throw new ClickHouseHttpError(48, 'NOT_IMPLEMENTED', `HTTP method ${method} is not supported`);
      const body = method === 'POST' ? await readBody(req, maxBodyBytes) : Buffer.alloc(0);
      const q = parseQueryRequest(method, url, req.headers, body);
      queryId = q.queryId;
      const { user, password } = credentials(req.headers, url.searchParams);
      if (user !== 'default' || password !== '')
        throw new ClickHouseHttpError(
          516,
          'AUTHENTICATION_FAILED',
          `${user}: Authentication failed: password is incorrect, or there is no user with such name ` +
            '(this server has only the user default, without a password)',
        );
      if (method === 'GET' && q.session)
        throw new ClickHouseHttpError(
          36,
          'BAD_ARGUMENTS',
          'GET requests are read-only here: use POST with session_id',
        );
      const outcome = await execute(q);
      format = outcome.format;
      let payload: Uint8Array = outcome.body;
      const headers: Record<string, string> = {
        ...baseHeaders(queryId, format),
        'Content-Type': contentType(format),
        'X-ClickHouse-Summary': summaryHeader(outcome.summary),
      };
      if (q.responseEncoding && payload.length > 0) {
        const { encoding, level } = q.responseEncoding;
        payload =
          encoding === 'br'
            ? await compressors.br(payload)
            : await compressors[encoding](payload, { level: Math.min(Math.max(level, 1), 9) });
        headers['Content-Encoding'] = encoding;
      }
      res.writeHead(200, { ...headers, 'Content-Length': String(payload.length) }).end(payload);
    } catch (err) {
      sendError(res, err, queryId, format);
    }
  };

  const server = createServer((req, res) => {
    if (closing) {
      req.socket.destroy(); // as a stopped server: the client sees the connection go
      return;
    }
    const p = handle(req, res)
      .catch(() => void res.destroy()) // (handle answers its own errors; this is a last resort)
      .finally(() => inflight.delete(p));
    inflight.add(p);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    main.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    version,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        while (inflight.size > 0) await Promise.allSettled([...inflight]);
        await serial.run(async () => {
          for (const s of sessions.values()) {
            clearTimeout(s.timer);
            s.conn.close();
          }
          sessions.clear();
          main.close();
        });
        await chdb.drainPending();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

async function describeEngine(conn: Session) {
  const rows = async (sql: string) =>
    (await conn.queryAsync(sql, { format: 'TabSeparated' }))
      .text()
      .split('\n')
      .filter((line) => line.length > 0);
  const [version, timezone, hostname] = (await rows('SELECT version(), timezone(), hostName()'))[0].split(
    '\t',
  );
  // Output format names, by lower-cased name (the engine matches them case-insensitively).
  const names = await rows('SELECT name FROM system.formats WHERE is_output');
  return {
    version,
    timezone,
    hostname,
    formats: new Map(names.map((n): [string, string] => [n.toLowerCase(), n])),
  };
}

/** The response body's first line: chdb's own `Code: <n>. DB::Exception: …` text when it has one. */
function describeError(err: unknown): { code: number; text: string } {
  if (err instanceof ClickHouseHttpError) return { code: err.code, text: err.text };
  const message = err instanceof Error ? err.message : String(err);
  const prefixed = /^Code: (\d+)\. /.exec(message);
  if (prefixed) return { code: Number(prefixed[1]), text: message.trimEnd() };
  const code = (err as { clickhouseCode?: number }).clickhouseCode;
  return code
    ? { code, text: `Code: ${code}. DB::Exception: ${message}` }
    : { code: 1002, text: `Code: 1002. DB::Exception: ${message}. (UNKNOWN_EXCEPTION)` };
}

/** X-ClickHouse-Summary: ClickHouse's keys, numbers as strings; 0 where chdb does not report one. */
function summaryHeader(known: Record<string, number>): string {
  const keys = [
    'read_rows',
    'read_bytes',
    'written_rows',
    'written_bytes',
    'total_rows_to_read',
    'result_rows',
    'result_bytes',
    'elapsed_ns',
  ];
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, String(known[k] ?? 0)])));
}
