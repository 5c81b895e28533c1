import { accessSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuthOptions, type RunningApi, startApi } from '@tcpx/query-api';
import { API_ROUTE_PLUGINS, type RoutePlugin } from '@tcpx/query-api/http/app';
import { uiPlugin } from '@tcpx/web-ui';
import { isLoopback, parseListen } from './api-command.js';
import { CliError, usageError } from './cli-error.js';
import { lockDataDir } from './data-dir-lock.js';
import { parseSpeed } from './edge-command.js';
import { type EmbeddedInput, embeddedInput, type InputSpec } from './embedded-input.js';
import { EmbeddedStack } from './embedded-stack.js';

export interface UpValues {
  read?: string;
  interface?: string;
  bpf?: string;
  speed?: string;
  data?: string;
  listen?: string;
  node?: string;
  'api-key'?: string[];
  'no-input'?: boolean;
}

/** The repository (services/cli/dist/ → ../../..): the bundled capture and the default data folder. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEMO_CAPTURE = join(REPO_ROOT, 'samples/demo.pcap');
const DEFAULT_LISTEN = '127.0.0.1:8899';

const log = (event: Record<string, unknown>) =>
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), component: 'tcpx-up', ...event })}\n`,
  );

/**
 * `tcpx up`: the whole stack in one process — a replay (default: the bundled samples/demo.pcap) or
 * a live capture → the analysis engine through an in-process topic → the embedded ClickHouse in a
 * data folder that survives restarts → the query API (REST, MCP) on localhost. Serves until SIGINT
 * or SIGTERM, then stores everything accepted and prints its statistics as one JSON line on stderr.
 */
export async function upCommand(values: UpValues): Promise<number> {
  const started = performance.now();
  const stopRequested = stopSignal(); // from the start: Ctrl-C while starting stops once started
  const input = inputSpec(values);
  const { host, port } = parseListen(values.listen ?? DEFAULT_LISTEN);
  const auth = upAuth(values, host);
  const dataDir = resolve(values.data ?? process.env.TCPX_DATA ?? join(REPO_ROOT, '.cache/tcpx-data'));
  const node = values.node ?? (input.kind === 'replay' ? basename(input.file) : hostname());
  const lock = lockDataDir(dataDir);
  let stack: EmbeddedStack;
  try {
    stack = await EmbeddedStack.open({
      dataDir,
      node,
      mode: input.kind === 'replay' ? 'replay' : 'live',
      interfaceNames: input.kind === 'live' ? [input.iface] : undefined,
      log,
    });
  } catch (error) {
    lock.release();
    throw error;
  }
  const source = embeddedInput(input, stack.publisher);
  const giveUp = async (message: string, api?: RunningApi) => {
    await api?.close();
    await stack.close();
    lock.release();
    return new CliError(message, 2);
  };
  let api: RunningApi;
  try {
    api = await startApi({
      context: { store: stack.apiStore, feed: stack.feed, capture: source, now: Date.now },
      auth,
      logger: { level: 'warn', name: 'tcpx-api', stream: process.stderr },
      routes: withWebUi(API_ROUTE_PLUGINS),
      host,
      port,
    });
  } catch (error) {
    throw await giveUp(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  try {
    await source.start();
  } catch (error) {
    throw await giveUp((error as Error).message, api);
  }
  process.stdout.write(`tcpx up: ${api.url}/  (${describe(input)}, node ${node}, data in ${dataDir})\n`);
  await Promise.race([stopRequested, replayFailure(source)]);
  const capture = await source.stop();
  await api.close();
  const stats = await stack.close();
  lock.release();
  const failed = source.failure() !== undefined || !stats.stored;
  process.stderr.write(
    `${JSON.stringify({ msg: 'tcpx up stopped', uptimeMs: Math.round(performance.now() - started), capture, ...stats })}\n`,
  );
  // libpcap's poll handle may keep the event loop alive (see capture-command.ts): exit explicitly.
  process.exit(failed ? 2 : 0);
}

/**
 * Resolves when a replay fails (not a capture file: the process then ends); a replay that finishes
 * is logged and the API keeps serving. Never resolves for other inputs.
 */
function replayFailure(source: EmbeddedInput): Promise<void> {
  return new Promise((resolve) =>
    source.finished?.then((result) => {
      if (!(result instanceof Error)) {
        const { capture, elapsedMs } = result;
        return log({ msg: 'replay finished; serving until Ctrl-C', capture, elapsedMs });
      }
      process.stderr.write(`tcpx: ${result.message}\n`);
      resolve();
    }),
  );
}

function inputSpec(values: UpValues): InputSpec {
  const given = [values.read, values.interface, values['no-input'] || undefined].filter(
    (v) => v !== undefined,
  );
  if (given.length > 1) throw usageError('up takes one of -r <file>, -i <interface>, --no-input');
  if (values.interface === undefined && values.bpf !== undefined)
    throw usageError('--bpf applies to -i only');
  if (values.speed !== undefined && (values.interface !== undefined || values['no-input']))
    throw usageError('--speed applies to a replay only');
  if (values['no-input']) return { kind: 'none' };
  if (values.interface !== undefined) {
    // Our own API's connections would otherwise be captured, analysed and shown back.
    const port = parseListen(values.listen ?? DEFAULT_LISTEN).port;
    return { kind: 'live', iface: values.interface, bpf: values.bpf ?? `tcp and not port ${port}` };
  }
  const file = values.read ?? DEMO_CAPTURE;
  try {
    if (file !== '-') accessSync(file, constants.R_OK);
  } catch (error) {
    throw new CliError(`${file}: cannot read: ${(error as Error).message}`, 2);
  }
  return { kind: 'replay', file, speed: parseSpeed(values.speed) };
}

/** Open on loopback for the local demo; any other address needs API keys. */
function upAuth(values: UpValues, host: string): AuthOptions {
  const keys = (values['api-key'] ?? []).filter((k) => k.trim() !== '');
  if (keys.length > 0) return { mode: 'api-key', keys };
  if (!isLoopback(host))
    throw usageError(`refusing to serve flow data on ${host} without authentication: give --api-key <key>`);
  return { mode: 'none' };
}

/** The API's routes and the web UI on the same origin (unless the API's defaults already serve it). */
function withWebUi(routes: readonly RoutePlugin[]): readonly RoutePlugin[] {
  const ui = uiPlugin as RoutePlugin; // it ignores the context the API passes every route plugin
  return routes.includes(ui) ? routes : [...routes, ui];
}

function describe(input: InputSpec): string {
  if (input.kind === 'replay') return `replaying ${input.file} (speed ${input.speed})`;
  if (input.kind === 'live') return `capturing on ${input.iface} (${input.bpf})`;
  return 'no input';
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
