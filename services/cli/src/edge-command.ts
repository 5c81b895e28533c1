import {
  CaptureFormatError,
  type CaptureStats,
  CaptureSwitch,
  EdgePublisher,
  type EdgePublisherOptions,
  type PublisherStats,
  replayCapture,
  SwitchableCapture,
} from '@tcpx/edge-capture';
import { DEFAULT_TOPICS } from '@tcpx/schemas/kafka';
import { CliError, usageError } from './cli-error.js';
import { parsePositiveNumber } from './options.js';

export interface EdgeValues {
  read?: string;
  speed?: string;
  interface?: string;
  bpf?: string;
  brokers?: string;
  registry?: string;
  node?: string;
  topic?: string;
  compression?: string;
  'flush-ms'?: string;
  'max-buffer'?: string;
  partitions?: string;
  'connect-timeout'?: string;
  'control-topic'?: string;
}

const COMPRESSIONS = ['snappy', 'gzip', 'none'] as const;

/**
 * `tcpx edge`: publishes PacketSummary batches to Kafka, from a capture file (-r) or an interface
 * (-i), until the file ends or SIGINT/SIGTERM; then flushes and prints its statistics as one JSON
 * line on stderr.
 */
export async function edgeCommand(values: EdgeValues): Promise<number> {
  const file = values.read;
  if ((file === undefined) === (values.interface === undefined))
    throw usageError('edge needs either -r <capture file> or -i <interface>');
  if (file !== undefined && values.bpf !== undefined) throw usageError('--bpf applies to -i only');
  if (file === undefined && values.speed !== undefined) throw usageError('--speed applies to -r only');
  if (file !== undefined && values['control-topic'] !== undefined)
    throw usageError('--control-topic applies to -i only (a replay is not switched)');
  const speed = parseSpeed(values.speed);
  const publisher = new EdgePublisher(publisherOptions(values, file === undefined ? 'live' : 'replay'));
  if (file !== undefined) return replay(file, speed, publisher);
  try {
    await publisher.start();
  } catch (error) {
    throw startError(error);
  }
  return live(values.interface!, values.bpf, publisher, values['control-topic'] ?? DEFAULT_TOPICS.control);
}

function publisherOptions(values: EdgeValues, mode: 'live' | 'replay'): EdgePublisherOptions {
  const brokers = values.brokers ?? process.env.TCPX_KAFKA_BROKERS;
  const registryUrl = values.registry ?? process.env.TCPX_SCHEMA_REGISTRY_URL;
  if (!brokers) throw usageError('edge needs --brokers <host:port,...> (or TCPX_KAFKA_BROKERS)');
  if (!registryUrl) throw usageError('edge needs --registry <url> (or TCPX_SCHEMA_REGISTRY_URL)');
  const compression = (values.compression ?? 'snappy') as (typeof COMPRESSIONS)[number];
  if (!COMPRESSIONS.includes(compression))
    throw usageError(`--compression: unknown "${values.compression}"; one of: ${COMPRESSIONS.join(', ')}`);
  const integer = (name: string, value: string | undefined) => {
    const n = parsePositiveNumber(name, value);
    if (n !== undefined && (!Number.isInteger(n) || n < 1))
      throw usageError(`--${name} must be a positive integer, got "${value}"`);
    return n;
  };
  const connectSeconds = parsePositiveNumber('connect-timeout', values['connect-timeout']);
  return {
    brokers: brokers.split(',').map((b) => b.trim()),
    registryUrl,
    mode,
    compression,
    ...(values.node !== undefined && { node: values.node }),
    ...(values.topic !== undefined && { topic: values.topic }),
    ...(mode === 'live' && { interfaceNames: [values.interface!] }),
    flushIntervalMs: parsePositiveNumber('flush-ms', values['flush-ms']),
    maxBufferedPackets: integer('max-buffer', values['max-buffer']),
    partitions: integer('partitions', values.partitions),
    startTimeoutMs: connectSeconds === undefined ? undefined : connectSeconds * 1000,
  };
}

export function parseSpeed(value: string | undefined): 'fast' | number {
  if (value === undefined || value === 'fast') return 'fast';
  const n = Number(value);
  if (!(n > 0 && Number.isFinite(n)))
    throw usageError(`--speed must be "fast" or a positive factor, got "${value}"`);
  return n;
}

/** Resolves at SIGINT/SIGTERM; `stop` lets the caller finish first without leaving handlers behind. */
function onStopSignal(): { stopped: Promise<void>; dispose(): void } {
  let dispose = () => {};
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      dispose();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    dispose = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  });
  return { stopped, dispose };
}

const startError = (error: unknown) =>
  new CliError(error instanceof Error ? error.message : String(error), 2);

async function replay(file: string, speed: 'fast' | number, publisher: EdgePublisher): Promise<number> {
  const abort = new AbortController();
  const signal = onStopSignal();
  void signal.stopped.then(() => abort.abort());
  // Reading starts while Kafka and the registry are reached (their start-up overlaps the file's):
  // packets wait in the publisher's bounded buffer, and a failed start stops the replay.
  let failedStart: unknown = null;
  publisher.start().catch((error) => {
    failedStart = error;
    abort.abort();
  });
  let capture: CaptureStats | null;
  let elapsedMs: number;
  try {
    ({ capture, elapsedMs } = await replayCapture(file, publisher, { speed, signal: abort.signal }));
  } catch (error) {
    // A failed start has disconnected its transport: its one line says it all (nothing was sent).
    if (failedStart !== null) throw startError(failedStart);
    await publisher.close();
    if (error instanceof CaptureFormatError) throw new CliError(`${file}: ${error.message}`, 2);
    if (error instanceof Error && 'code' in error && typeof error.code === 'string')
      throw new CliError(`${file}: cannot read: ${error.message}`, 2);
    throw error;
  } finally {
    signal.dispose();
  }
  const stats = await publisher.close();
  report({ capture, aborted: capture === null, elapsedMs: Math.round(elapsedMs), publisher: stats });
  return undelivered(stats) ? 2 : 0;
}

async function live(
  iface: string,
  bpf: string | undefined,
  publisher: EdgePublisher,
  controlTopic: string,
): Promise<number> {
  let failure: Error | undefined;
  const signal = onStopSignal();
  const capture = new SwitchableCapture({
    iface,
    bpf: bpf ?? 'tcp',
    onPacket: (p) => publisher.publish(p),
    onError: (error) => {
      failure = error;
    },
  });
  // The API's capture switch (POST /mcp/dissection/enable|disable) reaches edges through the
  // control topic; `--control-topic none` captures unconditionally.
  const captureSwitch =
    controlTopic === 'none'
      ? undefined
      : new CaptureSwitch({
          kafka: publisher.kafka,
          topic: controlTopic,
          node: publisher.node,
          interfaces: [iface],
          apply: (enabled) => capture.setEnabled(enabled),
          log: (line) => process.stderr.write(`${JSON.stringify({ ...line, node: publisher.node })}\n`),
        });
  try {
    // Opened first, so a bad interface fails at once rather than at the first switch.
    await capture.setEnabled(true);
    await captureSwitch?.start();
  } catch (error) {
    signal.dispose();
    await capture.stop();
    await captureSwitch?.stop().catch(() => {});
    await publisher.close();
    throw new CliError(error instanceof Error ? error.message : String(error), 2);
  }
  await signal.stopped;
  await captureSwitch?.stop();
  const stats = await capture.stop();
  const published = await publisher.close();
  report({ capture: stats, publisher: published });
  if (failure) process.stderr.write(`tcpx: capture on ${iface} failed: ${failure.message}\n`);
  const lost = undelivered(published);
  // libpcap's poll handle may keep the event loop alive (see capture-command.ts): exit explicitly.
  process.exit(failure || lost ? 2 : 0);
}

function report(summary: Record<string, unknown>): void {
  // CPU time too: with stages sharing a machine, what each costs is what decides its throughput.
  const cpu = process.cpuUsage();
  const cpuMs = { user: Math.round(cpu.user / 1000), system: Math.round(cpu.system / 1000) };
  process.stderr.write(`${JSON.stringify({ msg: 'tcpx edge finished', ...summary, cpuMs })}\n`);
}

/** Prints and returns whether accepted packets were still unsent when Kafka did not come back in time. */
function undelivered(stats: PublisherStats): boolean {
  const lost = stats.droppedByReason.unsent_at_close ?? 0;
  if (lost > 0)
    process.stderr.write(
      `tcpx: ${lost} packet(s) could not be delivered to Kafka before exit: ${stats.lastError}\n`,
    );
  return lost > 0;
}
