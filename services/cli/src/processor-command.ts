import { FlowProcessor } from '@tcpx/flow-processor';
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
  const store = openStore(storeLocation, retentionDays ? { retentionDays } : {});
  try {
    await store.migrate();
  } catch (error) {
    throw new CliError(`store ${storeLocation}: ${(error as Error).message}`, 2);
  }
  const processor = new FlowProcessor({
    brokers,
    registryUrl,
    store,
    group: values.group,
    topic: values.topic,
    flowsTopic: values['flows-topic'],
    partitions: parsePositiveNumber('partitions', values.partitions),
    analyzer: analyzerOptions(values, 300),
    interimIntervalMs: seconds('interim-interval'),
    commitIntervalMs: seconds('commit-interval'),
    idleAdvanceMs: seconds('idle-advance'),
    log,
  });
  try {
    await processor.start();
  } catch (error) {
    await store.close().catch(() => {});
    throw new CliError(`cannot start: ${(error as Error).message}`, 2);
  }
  log({ level: 'info', msg: 'started', brokers, group: values.group ?? 'tcpx-flow-processor' });
  const report = setInterval(
    () =>
      log({ level: 'info', msg: 'stats', ...processor.stats, ...processor.outputStats, store: store.stats }),
    30_000,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(report);
  await processor.stop();
  await store.close();
  log({ level: 'info', msg: 'stopped', ...processor.stats, ...processor.outputStats, store: store.stats });
  return 0;
}
