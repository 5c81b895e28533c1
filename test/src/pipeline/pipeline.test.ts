import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FlowProcessor, type FlowProcessorOptions } from '@tcpx/flow-processor';
import { createSchemaSerdes, type TcpFlowMessage } from '@tcpx/schemas';
import { createKafka } from '@tcpx/schemas/kafka';
import { CONTAINER_MODE } from '@tcpx/schemas/testing/containers';
import { deleteTopics, endpoints, type InfraLease, infraScript, useInfra } from '@tcpx/schemas/testing/infra';
import type { FlowStore } from '@tcpx/store';
import { generateCraftedCaptures } from '../crafted/index.js';
import { analyzeWithTcpx } from '../differential/run-tcpx.js';
import { DEFAULT_CACHE_DIR, generateCaptures, REPO_ROOT } from '../scenarios/index.js';
import {
  assertStoredEqualsAnalyze,
  exited,
  finalCount,
  privateStore,
  RUN,
  replay,
  spawnProcessor,
  storedRecords,
  waitFor,
  waitUntilCapturesStored,
} from './harness.js';

// The distributed path on real services: edges replay captures into Kafka 4.3.1 (schemas in the
// Apicurio registry), flow processors in a consumer group analyse them, rows land in ClickHouse
// (26.x via chdb, over ClickHouse's HTTP interface). What ClickHouse ends up holding must equal
// `tcpx analyze` on the same files — through rebalances, kill -9, and broker and database outages.

const DEMO = join(REPO_ROOT, 'samples', 'demo.pcap');
let lease: InfraLease;

// Where each socket was opened, so a socket left open names the client that opened it.
const openedAt = new WeakMap<Socket, string>();
const connect = Socket.prototype.connect;
Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const frames = (new Error().stack ?? '').split('\n').slice(2);
  Error.stackTraceLimit = limit;
  openedAt.set(this, frames.filter((f) => !f.includes('node:')).join(' <'));
  return (connect as (...a: unknown[]) => Socket).apply(this, args);
} as typeof connect;

before(async () => {
  lease = await useInfra(['kafka', 'registry', 'chdb-http']);
});
after(async () => {
  await deleteTopics((t) => t.includes(`-${RUN}.`));
  await lease?.release();
  // Every client is stopped by now, so nothing may still hold a socket: one kafkajs leaves behind
  // (a group heartbeat after the broker restart did, see closeLeftoverSockets) keeps the process
  // alive. _getActiveHandles is undocumented; it is the only way to name what is still open.
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const peers = handles
    .filter((h): h is Socket => h instanceof Socket && h.remotePort !== undefined)
    .map((s) => `${s.localPort} → ${s.remoteAddress}:${s.remotePort} (opened at ${openedAt.get(s) ?? '?'})`);
  assert.deepEqual(peers, [], 'TCP sockets still open after every client stopped');
});

function processorOptions(
  name: string,
  store: FlowStore,
  extra: Partial<FlowProcessorOptions> = {},
): FlowProcessorOptions {
  return {
    brokers: endpoints.kafkaBrokers,
    registryUrl: endpoints.registryUrl,
    store,
    group: `tcpx-test-${name}-${RUN}`,
    topic: `tcpx-test-${name}-${RUN}.packets`,
    checkpointTopic: `tcpx-test-${name}-${RUN}.state`,
    // as `tcpx analyze`: no idle timeout, 60 s linger after close
    analyzer: { closedLingerNs: 60e9, idleTimeoutNs: 0 },
    partitions: 4,
    interimIntervalMs: 1000,
    commitIntervalMs: 300,
    idleAdvanceMs: 0,
    log: () => {},
    ...extra,
  };
}

/** `tcpx processor`'s arguments for these options (idle timeout 300 s: analyze with the same). */
function cliArgs(options: FlowProcessorOptions, storeLocation: string): string[] {
  return [
    `--brokers=${endpoints.kafkaBrokers.join(',')}`,
    `--registry=${endpoints.registryUrl}`,
    `--store=${storeLocation}`,
    `--group=${options.group}`,
    `--topic=${options.topic}`,
    '--interim-interval=1',
    '--commit-interval=0.3',
    '--idle-timeout=300',
    '--partitions=4',
  ];
}

describe('pipeline: edge → Kafka → flow processors → ClickHouse', () => {
  test('every differential capture, replayed through the pipeline, gives the rows tcpx analyze gives', async (t) => {
    const scenarios = await generateCaptures(DEFAULT_CACHE_DIR);
    const crafted = generateCraftedCaptures(join(DEFAULT_CACHE_DIR, 'crafted'));
    const files = [DEMO, ...scenarios.map((s) => s.file), ...crafted.map((c) => c.file)];
    const db = await privateStore('replay');
    const options = processorOptions('replay', db.store);
    const processor = new FlowProcessor(options);
    try {
      await processor.start();
      // Bad input on the topic: not a Confluent frame, and a frame naming a schema id the registry
      // does not have. Both are counted and skipped; everything else is still analysed.
      const producer = createKafka({
        brokers: endpoints.kafkaBrokers,
        clientId: 'tcpx-test-bad-input',
      }).producer();
      await producer.connect();
      const unknownSchema = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 0, 1, 2, 3]);
      await producer.send({
        topic: options.topic!,
        messages: [
          { key: 'node-bad|tcp|10.0.0.1|1|10.0.0.2|2', value: Buffer.from('not a frame') },
          { key: 'node-bad|tcp|10.0.0.1|1|10.0.0.2|2', value: unknownSchema },
        ],
      });
      await producer.disconnect();
      const expected = new Map<string, Awaited<ReturnType<typeof analyzeWithTcpx>>>();
      for (const file of files) {
        const node = `node-${basename(file, '.pcap')}`;
        const [result, records] = await Promise.all([
          replay(file, node, options.topic!),
          analyzeWithTcpx(file),
        ]);
        assert.equal(result.publisher.packetsDropped, 0);
        expected.set(node, records);
      }
      await waitUntilCapturesStored(processor, files.length * 4);
      for (const [node, records] of expected)
        await t.test(node, () => assertStoredEqualsAnalyze(db.store, node, records));
      assert.equal(processor.stats.malformedMessages, 2);
    } finally {
      await processor.stop();
      await db.drop();
    }
  });

  test('TcpFlow records also go to a flows topic, Confluent-framed, for other consumers', async () => {
    const db = await privateStore('flows');
    const flowsTopic = `tcpx-test-flows-${RUN}.flows`;
    const options = processorOptions('flows', db.store, { flowsTopic });
    const processor = new FlowProcessor(options);
    const messages: TcpFlowMessage[] = [];
    const consumer = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'tcpx-test-flows' }).consumer({
      groupId: `${flowsTopic}.reader`,
    });
    try {
      await processor.start();
      const expected = await analyzeWithTcpx(DEMO);
      await replay(DEMO, 'node-f', options.topic!);
      await waitUntilCapturesStored(processor, 4);
      const serdes = await createSchemaSerdes({
        registryUrl: endpoints.registryUrl,
        topic: options.topic!,
        flowTopic: flowsTopic,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: flowsTopic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(await serdes.deserializeFlow(message.value!));
        },
      });
      await waitFor(
        'every published record',
        async () => messages.length >= processor.outputStats.flowsPublished,
        60_000,
      );
      const finals = messages.filter((m) => m.final);
      assert.equal(finals.length, expected.length);
      const stored = await storedRecords(db.store, 'node-f');
      const storedById = new Map(stored.map((s) => [s.flowId, s]));
      for (const m of finals) {
        const row = storedById.get(BigInt(`0x${m.flow_id}`).toString());
        assert.ok(row, `flow ${m.flow_id} is stored`);
        assert.equal(m.version, row.version);
        assert.deepEqual(m.record, row.record);
      }
    } finally {
      await consumer.disconnect().catch(() => {});
      await processor.stop();
      await db.drop();
    }
  });

  test('two processors in one group, a rebalance mid-stream: same rows, none duplicated', async () => {
    const db = await privateStore('rebalance');
    const options = processorOptions('rebalance', db.store, { partitions: 8 });
    const first = new FlowProcessor(options);
    const second = new FlowProcessor(options);
    try {
      await first.start();
      const expected = await analyzeWithTcpx(DEMO);
      // Real-time replay (11 s): the second processor joins while connections are open.
      const replaying = replay(DEMO, 'node-a', options.topic!, { speed: 1, partitions: 8 });
      await waitFor(
        'the first processor checkpointing open connections',
        async () => first.stats.checkpoints > 2 && first.stats.openConnections > 0,
      );
      await second.start();
      await waitFor(
        'the rebalance',
        async () => second.stats.assignedPartitions.length > 0 && first.stats.assignedPartitions.length < 8,
      );
      await replaying;
      await waitFor('all rows', async () => (await finalCount(db.store, 'node-a')) >= expected.length);
      await assertStoredEqualsAnalyze(db.store, 'node-a', expected);
      assert.ok(second.stats.restoredPartitions > 0, 'the second processor continued from checkpoints');
      assert.equal(first.stats.assignedPartitions.length + second.stats.assignedPartitions.length, 8);
    } finally {
      await second.stop().catch(() => {});
      await first.stop().catch(() => {});
      await db.drop();
    }
  });

  test('kill -9 a processor mid-stream, start another: same rows', async () => {
    const db = await privateStore('kill');
    const options = processorOptions('kill', db.store);
    const args = cliArgs(options, db.location);
    const expected = await analyzeWithTcpx(DEMO, ['--idle-timeout', '300']);
    const victim = spawnProcessor(args);
    let successor: ReturnType<typeof spawnProcessor> | undefined;
    try {
      const replaying = replay(DEMO, 'node-k', options.topic!, { speed: 1 });
      await waitFor(
        'rows from the first processor',
        async () =>
          (
            await db.store.query<{ n: string }>("SELECT count() AS n FROM tcp_flows WHERE node = 'node-k'")
          ).some((r) => Number(r.n) > 5),
        60_000,
      );
      victim.kill('SIGKILL');
      await exited(victim);
      successor = spawnProcessor(args);
      await replaying;
      await waitFor('all rows', async () => (await finalCount(db.store, 'node-k')) >= expected.length);
      await assertStoredEqualsAnalyze(db.store, 'node-k', expected);
      assert.match(successor.output(), /partitions assigned/);
    } finally {
      successor?.kill('SIGTERM');
      if (successor) await exited(successor);
      victim.kill('SIGKILL');
      await db.drop();
    }
  });

  test('`tcpx processor --threads 2`: the threads share the partitions, and the rows equal tcpx analyze', async () => {
    const db = await privateStore('threads');
    const options = processorOptions('threads', db.store);
    const captures = [DEMO, ...(await generateCaptures(DEFAULT_CACHE_DIR)).slice(0, 2).map((s) => s.file)];
    const processor = spawnProcessor([...cliArgs(options, db.location), '--threads=2']);
    const logLines = () =>
      processor
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    try {
      await waitFor('the started line', async () => logLines().some((l) => l.msg === 'started'), 120_000);
      // The latest assignment of each thread: together every partition, none twice.
      const owned = new Map<unknown, number[]>();
      for (const l of logLines())
        if (l.msg === 'partitions assigned') owned.set(l.thread, l.partitions as number[]);
      assert.deepEqual([...owned.keys()].sort(), [0, 1]);
      assert.deepEqual([...owned.values()].flat().sort(), [0, 1, 2, 3]);
      let packets = 0;
      for (const [i, file] of captures.entries()) {
        const node = `node-t${i}`;
        const [expected] = await Promise.all([
          analyzeWithTcpx(file, ['--idle-timeout', '300']),
          replay(file, node, options.topic!, { partitions: 4 }),
        ]);
        await waitFor(`${node}'s rows`, async () => (await finalCount(db.store, node)) >= expected.length);
        await assertStoredEqualsAnalyze(db.store, node, expected);
        for (const r of expected) packets += r.tcp_metrics.client_packets + r.tcp_metrics.server_packets;
      }
      processor.kill('SIGTERM');
      assert.equal(await exited(processor), 0, processor.output().slice(-2000));
      const stopped = logLines().find((l) => l.msg === 'stopped');
      assert.ok(stopped, 'a stopped line with the counters of both threads');
      assert.equal(stopped.packets, packets, 'every summary counted once, by one thread');
    } finally {
      processor.kill('SIGKILL');
      await exited(processor);
      await db.drop();
    }
  });

  test('Kafka restarted during a replay and ClickHouse down for a while: nothing accepted is lost', async () => {
    const db = await privateStore('outage');
    const options = processorOptions('outage', db.store);
    const processor = new FlowProcessor(options);
    try {
      await processor.start();
      const expected = await analyzeWithTcpx(DEMO);
      const replaying = replay(DEMO, 'node-o', options.topic!, { speed: 1 });
      await waitFor('first packets processed', async () => processor.stats.packets > 200);
      await infraScript('kafka', 'down');
      await new Promise((r) => setTimeout(r, 3000));
      await infraScript('kafka', 'up');
      await waitFor('processing again', async () => processor.stats.packets > 2000, 120_000);
      const result = await replaying;
      assert.equal(result.publisher.packetsDropped, 0);
      assert.equal(result.publisher.packetsPublished, result.publisher.packetsAccepted);
      await waitFor('all rows', async () => (await finalCount(db.store, 'node-o')) >= expected.length);
      await assertStoredEqualsAnalyze(db.store, 'node-o', expected);

      // The database goes away while a second edge's capture is being analysed: the rows wait (the
      // offsets stay uncommitted) and arrive once it is back.
      const scenarios = await generateCaptures(DEFAULT_CACHE_DIR);
      const second = scenarios.find((c) => c.name === 'random-loss')!.file;
      const expectedSecond = await analyzeWithTcpx(second);
      await infraScript('chdb-http', 'down');
      await replay(second, 'node-o2', options.topic!);
      await waitFor('failed inserts', async () => db.store.stats.failedAttempts > 2, 60_000);
      assert.ok(!processor.settled, 'nothing is committed while the rows are not stored');
      await infraScript('chdb-http', 'up');
      await waitFor('all rows', async () => (await finalCount(db.store, 'node-o2')) >= expectedSecond.length);
      await assertStoredEqualsAnalyze(db.store, 'node-o2', expectedSecond);
      // The counters say what happened: the edge's failed sends, the store's failed INSERT attempts
      // (retried inside the store, so the processor saw none fail). The consumer may ride out a short
      // broker restart inside kafkajs (no crash, so consumerRestarts can stay 0).
      assert.ok(result.publisher.sendFailures > 0, 'the edge noticed the broker outage');
      assert.ok(db.store.stats.failedAttempts > 0, 'the store noticed the database outage');
      // A stopped local server refuses connections; a paused container (testcontainers mode) stalls.
      assert.match(
        db.store.stats.lastError ?? '',
        CONTAINER_MODE ? /timeout|ECONNRESET|hang up/i : /ECONNREFUSED/,
      );
    } finally {
      await processor.stop().catch(() => {});
      await db.drop();
      await infraScript('kafka', 'up');
      await infraScript('chdb-http', 'up');
    }
  });
});
