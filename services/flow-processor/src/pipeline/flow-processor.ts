import type { Socket } from 'node:net';
import { createSchemaSerdes, type SchemaSerdes } from '@tcpx/schemas';
import { closeLeftoverSockets, createKafka, DEFAULT_TOPICS } from '@tcpx/schemas/kafka';
import type { FlowStore } from '@tcpx/store';
import kafkajs, { type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import { CheckpointLog } from './checkpoint-log.js';
import { FlowOutput } from './flow-output.js';
import {
  type FlowCycleOptions,
  FlowPipeline,
  type FlowPipelineStats,
  type PartitionOffset,
} from './flow-pipeline.js';

export interface FlowProcessorOptions extends FlowCycleOptions {
  brokers: string[];
  registryUrl: string;
  store: FlowStore;
  /** Consumer group; processors of one group share the partitions. Default tcpx-flow-processor. */
  group?: string;
  topic?: string;
  /** Partitions of the input topic when the processor has to create it (default 12, as edges do). */
  partitions?: number;
  checkpointTopic?: string;
  /** Publish TcpFlow records here too (off by default). */
  flowsTopic?: string;
  clientId?: string;
}

export interface FlowProcessorStats extends FlowPipelineStats {
  /** The consumer failed (broker gone, …) and kafkajs restarted it. */
  consumerRestarts: number;
  lastConsumerError: string | undefined;
  assignedPartitions: number[];
  /** Fetch requests the broker answered (each carries many batches: ~16-40 k summaries in the bench). */
  fetches: number;
}

/**
 * The flow processor: a Kafka consumer group member that keeps a flow table per assigned partition,
 * writes interim and final records to the store, and commits input offsets only after the store
 * has the rows and the tables are checkpointed — so a crash or a moved partition continues from
 * the checkpoint and loses nothing, and re-processed records collapse by (flow_id, version).
 * The processing itself is FlowPipeline's, shared with the embedded mode.
 */
export class FlowProcessor {
  private readonly consumerStats = {
    consumerRestarts: 0,
    lastConsumerError: undefined as string | undefined,
    assignedPartitions: [] as number[],
    fetches: 0,
  };
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly group: string;
  private readonly pipeline: FlowPipeline;
  private readonly checkpoints: CheckpointLog;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private serdes!: SchemaSerdes;
  private output!: FlowOutput;
  /** The latest batch's group controls: FlowOutput keeps the group alive through long writes. */
  private latestBatch: Pick<EachBatchPayload, 'heartbeat' | 'isRunning'> | undefined;
  /** Set by stop(): from then on nothing may talk to the group (see beat()). */
  private stopping = false;
  /** Every socket of this processor's Kafka clients, for stop() to close what they leave open. */
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: FlowProcessorOptions) {
    this.kafka = createKafka({
      brokers: options.brokers,
      clientId: options.clientId ?? 'tcpx-flow-processor',
      sockets: this.sockets,
    });
    this.topic = options.topic ?? DEFAULT_TOPICS.packets;
    this.group = options.group ?? 'tcpx-flow-processor';
    this.checkpoints = new CheckpointLog({
      kafka: this.kafka,
      topic: options.checkpointTopic ?? DEFAULT_TOPICS.flowState,
      group: this.group,
      inputTopic: this.topic,
    });
    // The output and the serdes exist once start() reached the registry and Kafka.
    this.pipeline = new FlowPipeline({
      ...options,
      output: { write: (flows) => this.output.write(flows), stop: () => this.output.stop() },
      checkpoints: this.checkpoints,
      decode: async (value, visit) => (await this.serdes.deserializeBatch(value, visit)).count,
      commit: (offsets, final) => this.commit(offsets, final),
      isTransient: isRegistryUnreachable,
    });
  }

  get stats(): FlowProcessorStats {
    return { ...this.pipeline.stats, ...this.consumerStats };
  }

  get outputStats() {
    return this.output.stats;
  }

  /** Everything processed so far is stored, checkpointed and committed. */
  get settled(): boolean {
    return this.pipeline.settled;
  }

  async start(): Promise<void> {
    const o = this.options;
    this.serdes = await createSchemaSerdes({
      registryUrl: o.registryUrl,
      topic: this.topic,
      flowTopic: o.flowsTopic,
    });
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await this.checkpoints.ensureTopic(admin);
      const topics = [{ topic: this.topic, numPartitions: o.partitions ?? 12 }];
      if (o.flowsTopic) topics.push({ topic: o.flowsTopic, numPartitions: o.partitions ?? 12 });
      await admin.createTopics({ waitForLeaders: true, topics });
    } finally {
      await admin.disconnect();
    }
    if (o.flowsTopic) {
      this.producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: kafkajs.Partitioners.DefaultPartitioner, // explicit: silences kafkajs' v2 notice
      });
      await this.producer.connect();
    }
    this.output = new FlowOutput({
      store: o.store,
      flowsTopic:
        this.producer && o.flowsTopic
          ? { producer: this.producer, topic: o.flowsTopic, serdes: this.serdes }
          : undefined,
      keepAlive: () => this.beat(this.latestBatch),
      log: o.log,
    });
    const consumer = this.kafka.consumer({
      groupId: this.group,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      // kafkajs restarts a crashed consumer on a timer; one that fires during or after stop()
      // would rejoin the group with nobody left to disconnect it.
      retry: { retries: 5, restartOnFailure: async () => !this.stopping },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set(e.payload.memberAssignment[this.topic] ?? []);
      this.pipeline.serialized(async () => this.reassign(assigned));
    });
    consumer.on(consumer.events.FETCH, () => {
      this.consumerStats.fetches++;
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.consumerStats.consumerRestarts++;
      this.consumerStats.lastConsumerError = String(e.payload.error?.message ?? e.payload.error);
      this.options.log?.({
        level: 'warn',
        msg: 'consumer failed',
        error: this.consumerStats.lastConsumerError,
        restart: e.payload.restart,
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.pipeline.serialized(() => this.processBatch(payload)),
    });
    this.pipeline.startClock();
  }

  /** Checkpoints what was processed, then leaves the group (open connections continue elsewhere). */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    this.pipeline.stopClock();
    await this.consumer?.stop();
    await this.pipeline.stop(graceMs);
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.checkpoints.close();
    const leftover = closeLeftoverSockets(this.sockets);
    if (leftover > 0)
      this.options.log?.({ level: 'warn', msg: 'closed Kafka sockets left open after disconnect', leftover });
  }

  /**
   * A group heartbeat, only through a running consumer and not while stopping. A heartbeat
   * reconnects to the coordinator when that connection is gone; through a consumer that crashed
   * (a batch queued behind a long write outlives it) or one disconnecting, that reconnect is for
   * nobody. Even through a running consumer it can land on a broker object kafkajs' pool dropped
   * after a broker restart: stop() closes that socket (closeLeftoverSockets).
   */
  private beat(batch: Pick<EachBatchPayload, 'heartbeat' | 'isRunning'> | undefined): Promise<void> {
    return this.stopping || !batch?.isRunning() ? Promise.resolve() : batch.heartbeat();
  }

  private reassign(assigned: Set<number>): void {
    this.pipeline.assign(assigned);
    this.consumerStats.assignedPartitions = [...assigned].sort((a, b) => a - b);
    this.options.log?.({
      level: 'info',
      msg: 'partitions assigned',
      partitions: this.consumerStats.assignedPartitions,
    });
  }

  private async processBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    this.latestBatch = { heartbeat, isRunning };
    const partition = batch.partition;
    const state = await this.pipeline.partition(partition, BigInt(batch.firstOffset() ?? '0'));
    const now = Date.now();
    // A batch turns stale only through consumer.seek(), which nothing here calls: asked once per
    // batch, not per message (kafkajs answers with a JSON.stringify each time: with the per-message
    // resolveOffset, 1.5 % of the processor's time in the pipeline bench). Offsets are resolved for
    // the last message processed: after an error kafkajs fetches from there again, and the
    // pipeline skips what it already has (its nextOffset).
    if (isStale()) return;
    let processed: string | undefined;
    try {
      for (const message of batch.messages) {
        if (!isRunning()) break;
        await this.pipeline.process(
          state,
          {
            partition,
            offset: BigInt(message.offset),
            key: message.key?.toString() ?? '',
            value: message.value,
            headers: message.headers ?? {},
          },
          now,
        );
        processed = message.offset;
      }
    } finally {
      if (processed !== undefined) resolveOffset(processed);
    }
    if (this.pipeline.checkpointDue(now)) await this.pipeline.checkpoint(false);
    await this.beat({ heartbeat, isRunning });
  }

  /** Offsets to the group, after the store has the rows and the changelog the tables. */
  private async commit(offsets: PartitionOffset[], final: boolean): Promise<void> {
    try {
      await this.consumer?.commitOffsets(
        offsets.map(({ partition, offset }) => ({ topic: this.topic, partition, offset: String(offset) })),
      );
    } catch (error) {
      // Lost the partition in a rebalance: the new owner restores the checkpoint just written.
      this.options.log?.({
        level: 'warn',
        msg: 'offset commit failed',
        error: (error as Error).message,
        final,
      });
    }
  }
}

function isRegistryUnreachable(error: unknown): boolean {
  // Network failures and HTTP 5xx from the registry client (axios: "Request failed with status code 503").
  const text = String((error as Error)?.message ?? error);
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|fetch failed|status code 5\d\d/.test(
    text,
  );
}
