import { FlowProcessor, ProcessorThreads } from '@tcpx/flow-processor';
import { openStore } from '@tcpx/store';
import { CliError, usageError } from './cli-error.js';
import { analyzerOptions, type CommonValues, parsePositiveNumber } from './options.js';

export interface ProcessorValues extends CommonValues {
  brokers?: string;
  registry?: string;
  store?: string;
  group?: string;
  topic?: string;
  'flows-topic'?: string;
  'interim-interval'?: string;
  'commit-interval'?: string;
  'idle-advance'?: string;
  'retention-days'?: string;
  partitions?: string;
  threads?: string;
}

const log = (event: Record<string, unknown>) =>
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), component: 'flow-processor', ...event })}\n`,
  );

/**
 * `tcpx processor`: a flow-processor group member, Kafka → flow tables → the store, until SIGINT or
 * SIGTERM; then it checkpoints and leaves the group (its open connections continue elsewhere).
 */
export async function processorCommand(values: ProcessorValues): Promise<number> {
  const brokers = (values.brokers ?? process.env.TCPX_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const registryUrl = values.registry ?? process.env.TCPX_SCHEMA_REGISTRY_URL;
  const storeLocation = values.store ?? process.env.TCPX_STORE;
  if (brokers.length === 0)
    throw usageError('processor needs --brokers host:port[,…] (or TCPX_KAFKA_BROKERS)');
  if (!registryUrl) throw usageError('processor needs --registry <url> (or TCPX_SCHEMA_REGISTRY_URL)');
  if (!storeLocation)
    throw usageError('processor needs --store chdb:<dir> | http://host:port (or TCPX_STORE)');
  const seconds = (name: keyof ProcessorValues) => {
    const s = parsePositiveNumber(name, values[name]);
    return s === undefined ? undefined : s * 1000;
  };
  const retentionDays = parsePositiveNumber('retention-days', values['retention-days']);
  const threads = parsePositiveNumber('threads', values.threads) ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1))
    throw usageError(`--threads must be a whole number of at least 1, got "${values.threads}"`);
  if (threads > 1 && storeLocation.startsWith('chdb:'))
    throw usageError(
      '--threads above 1 needs a ClickHouse server store (http://host:port): chdb: is one thread’s',
    );
  // The checkpoint cycle already batches rows (one insert per commit interval or 20 000 records):
  // the store's own wait for more rows (1 s by default) would only delay each of them.
  const storeConfig = { maxBatchMs: 0, ...(retentionDays ? { retentionDays } : {}) };
  const store = openStore(storeLocation, storeConfig);
  try {
    await store.migrate(); // once, before any thread writes
  } catch (error) {
    throw new CliError(`store ${storeLocation}: ${(error as Error).message}`, 2);
  }
  const options = {
    brokers,
    registryUrl,
    group: values.group,
    topic: values.topic,
    flowsTopic: values['flows-topic'],
    partitions: parsePositiveNumber('partitions', values.partitions),
    analyzer: analyzerOptions(values, 300),
    interimIntervalMs: seconds('interim-interval'),
    commitIntervalMs: seconds('commit-interval'),
    idleAdvanceMs: seconds('idle-advance'),
  };
  const processor =
    threads > 1
      ? new ProcessorThreads({ ...options, threads, storeLocation, storeConfig, log })
      : new FlowProcessor({ ...options, store, log });
  try {
    await processor.start();
  } catch (error) {
    await store.close().catch(() => {});
    throw new CliError(`cannot start: ${(error as Error).message}`, 2);
  }
  log({ level: 'info', msg: 'started', brokers, group: values.group ?? 'tcpx-flow-processor', threads });
  // Only the threads' counters: with threads, `store` here only ran the migrations.
  const storeStats = () => (threads > 1 ? {} : { store: store.stats });
  const report = setInterval(
    () => log({ level: 'info', msg: 'stats', ...processor.stats, ...processor.outputStats, ...storeStats() }),
    30_000,
  );
  const failed = processor instanceof ProcessorThreads ? processor.failed : new Promise<never>(() => {});
  const outcome = await Promise.race([
    new Promise<'signal'>((resolve) => {
      process.once('SIGINT', () => resolve('signal'));
      process.once('SIGTERM', () => resolve('signal'));
    }),
    failed.catch((error: Error) => error),
  ]);
  clearInterval(report);
  if (outcome instanceof Error) log({ level: 'error', msg: outcome.message });
  await processor.stop();
  await store.close();
  log({ level: 'info', msg: 'stopped', ...processor.stats, ...processor.outputStats, ...storeStats() });
  return outcome instanceof Error ? 1 : 0;
}
