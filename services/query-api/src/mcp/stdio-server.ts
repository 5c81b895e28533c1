import { once } from 'node:events';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { locationForLog, openStore } from '@tcpx/store';
import { guardedStore } from '../http/guarded-store.js';
import { createMcpServer } from './tools.js';

export interface McpStdioOptions {
  /** `chdb:<dir>` or `http(s)://[user:password@]host:port[/db]` (see openStore). */
  store: string;
  /** A store query that has not answered by then fails the tool call (default 30 s). */
  queryTimeoutMs?: number;
  /** One JSON log line per event; default: to stderr (stdout carries the protocol). */
  log?: (event: Record<string, unknown>) => void;
}

/** Why the server could not start (the store cannot be opened or read): the CLI exits 2. */
export class McpStartError extends Error {
  override name = 'McpStartError';
}

const stderrLog = (event: Record<string, unknown>) =>
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), component: 'tcpx-mcp', ...event })}\n`,
  );

/**
 * The MCP tools over stdin/stdout for a local assistant (Claude Desktop, an IDE): reads the store
 * read-only (ClickHouse refuses anything else) until stdin ends or SIGINT/SIGTERM. Resolves then.
 */
export async function serveMcpStdio(options: McpStdioOptions): Promise<void> {
  const log = options.log ?? stderrLog;
  const timeoutMs = options.queryTimeoutMs ?? 30_000;
  let store: ReturnType<typeof openStore>;
  try {
    store = openStore(options.store, { readOnly: true, requestTimeoutMs: timeoutMs });
  } catch (error) {
    throw new McpStartError(`store ${locationForLog(options.store)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    // Fail at start, with the reason, rather than on every tool call.
    await store.query('SELECT 1 FROM tcp_flows LIMIT 0');
  } catch (error) {
    await store.close().catch(() => {});
    throw new McpStartError(`store ${locationForLog(options.store)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const server = createMcpServer({ store: guardedStore(store, { timeoutMs }), now: Date.now });
  await server.connect(new StdioServerTransport());
  log({ level: 'info', msg: 'serving MCP on stdio', store: locationForLog(options.store) });

  const stopped = new AbortController();
  const stop = () => stopped.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  if (!stopped.signal.aborted) await once(stopped.signal, 'abort');
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await server.close();
  await store.close();
  log({ level: 'info', msg: 'stopped' });
}
