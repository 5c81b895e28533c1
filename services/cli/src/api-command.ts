import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type AuthOptions, guardedStore, type RunningApi, startApi } from '@tcpx/query-api';
import { StoreFeed } from '@tcpx/query-api/data/store-feed';
import { type FlowStore, locationForLog, openStore } from '@tcpx/store';
import { apiCaptureControl } from './api-capture-control.js';
import { CliError, usageError } from './cli-error.js';
import { parsePositiveNumber } from './options.js';

export interface ApiValues {
  store?: string;
  listen?: string;
  'api-key'?: string[];
  'api-keys-file'?: string;
  'no-auth'?: boolean;
  'rate-limit'?: string;
  'query-timeout'?: string;
  brokers?: string;
  'control-topic'?: string;
}

const DEFAULT_LISTEN = '127.0.0.1:8899';

/** `host:port` or `[v6]:port`. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !(port <= 65535) || (match?.[1] !== undefined && isIP(host) !== 6))
    throw usageError(`--listen must be host:port or [ipv6]:port, got "${value}"`);
  return { host, port };
}

/** Only these reach the process from the same machine alone; anything else may be public. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Keys from --api-key (repeatable), --api-keys-file (one per line, # comments) and TCPX_API_KEYS (comma separated). */
function apiKeys(values: ApiValues): string[] {
  const keys = [...(values['api-key'] ?? [])];
  const file = values['api-keys-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw usageError(`--api-keys-file: cannot read ${file}: ${(error as Error).message}`);
    }
    keys.push(...text.split('\n').map((line) => line.replace(/#.*/, '').trim()));
  }
  keys.push(...(process.env.TCPX_API_KEYS ?? '').split(',').map((k) => k.trim()));
  return [...new Set(keys.filter((k) => k.length > 0))];
}

function authOptions(values: ApiValues, host: string): AuthOptions {
  const keys = apiKeys(values);
  if (values['no-auth']) {
    if (keys.length > 0)
      throw usageError(
        '--no-auth contradicts the API keys given (--api-key, --api-keys-file, TCPX_API_KEYS)',
      );
    return { mode: 'none' };
  }
  if (keys.length > 0) return { mode: 'api-key', keys };
  if (!isLoopback(host))
    throw usageError(
      `refusing to serve flow data on ${host} without authentication: give --api-key K, --api-keys-file F ` +
        'or TCPX_API_KEYS, or --no-auth to serve it to anyone who can reach the address',
    );
  throw usageError('api needs an API key: --api-key K, --api-keys-file F or TCPX_API_KEYS (or --no-auth)');
}

/**
 * Warns when there is nothing to serve yet. The API starts anyway: a processor may create the
 * table, the store may come up.
 */
async function checkFlowsTable(store: FlowStore, log: RunningApi['app']['log']): Promise<void> {
  try {
    const [row] = await store.query<{ result: number | string }>('EXISTS TABLE tcp_flows');
    if (Number(row?.result) !== 1)
      log.warn('the store has no tcp_flows table yet (tcpx processor creates it): queries fail until then');
  } catch (err) {
    log.warn({ err }, 'the store does not answer yet: /readyz says 503 until it does');
  }
}

/**
 * `tcpx api`: the query API (REST, SSE, MCP, OpenAPI at /docs) over a store, read-only, until
 * SIGINT or SIGTERM. JSON log lines (pino) on stderr: `serving` with the URL, one per request, `stopped`.
 */
export async function apiCommand(values: ApiValues): Promise<number> {
  const storeLocation = values.store ?? process.env.TCPX_STORE;
  if (!storeLocation)
    throw usageError('api needs --store chdb:<dir> | http://host:port[/db] (or TCPX_STORE)');
  const { host, port } = parseListen(values.listen ?? DEFAULT_LISTEN);
  const auth = authOptions(values, host);
  const rateLimit = parsePositiveNumber('rate-limit', values['rate-limit']);
  const timeoutS = parsePositiveNumber('query-timeout', values['query-timeout']) ?? 10;
  if (timeoutS <= 0) throw usageError('--query-timeout must be more than 0 seconds');
  const queryTimeoutMs = timeoutS * 1000;

  let store: FlowStore;
  try {
    // readOnly: ClickHouse itself refuses anything but reading. The HTTP request timeout matches
    // the query timeout, so a socket the API stopped waiting for is freed as well.
    store = openStore(storeLocation, { readOnly: true, requestTimeoutMs: queryTimeoutMs });
  } catch (error) {
    throw new CliError(`store ${storeLocation}: ${(error as Error).message}`, 2);
  }
  let capture: Awaited<ReturnType<typeof apiCaptureControl>>;
  const brokers = values.brokers ?? process.env.TCPX_KAFKA_BROKERS;
  try {
    capture = await apiCaptureControl(brokers, values['control-topic']);
  } catch (error) {
    await store.close().catch(() => {});
    throw new CliError(`capture control over Kafka at ${brokers}: ${(error as Error).message}`, 2);
  }
  let running: RunningApi | undefined;
  const bounded = guardedStore(store, { timeoutMs: queryTimeoutMs });
  const feed = new StoreFeed(bounded, {
    onError: (err) => running?.app.log.warn({ err }, 'live feed: polling the store failed'),
  });
  try {
    running = await startApi({
      context: { store, feed, capture, now: Date.now },
      auth,
      rateLimit:
        rateLimit === 0 ? false : rateLimit === undefined ? undefined : { max: Math.floor(rateLimit) },
      queryTimeoutMs,
      logger: { level: 'info', name: 'tcpx-api', stream: process.stderr },
      host,
      port,
    });
  } catch (error) {
    await capture.stop();
    await store.close().catch(() => {});
    throw new CliError(`cannot listen on ${host}:${port}: ${(error as Error).message}`, 2);
  }
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const { app } = running;
  if (auth.mode === 'none' && !isLoopback(host))
    app.log.warn(`no authentication (--no-auth) on ${host}: anyone who reaches it reads the flows`);
  await checkFlowsTable(bounded, app.log);
  app.log.info({ url: running.url, auth: auth.mode, store: locationForLog(storeLocation) }, 'serving');
  await stopped;
  await running.close();
  await capture.stop();
  await store.close();
  app.log.info('stopped');
  return 0;
}
