import { createSchemaSerdes, type SchemaSerdes } from '@tcpx/schemas';
import { createKafka, DEFAULT_TOPICS, END_OF_CAPTURE_HEADER, nodeOfKey } from '@tcpx/schemas/kafka';
import type { FlowStore } from '@tcpx/store';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { AnalyzerOptions } from '../engine/analyzer.js';
import { type Checkpoint, CheckpointLog } from './checkpoint-log.js';
import { FlowOutput } from './flow-output.js';
import { PartitionFlows } from './partition-flows.js';

export interface FlowProcessorOptions {
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
  /** Default: closed connections linger 60 s, idle ones are emitted after 300 s (capture time). */
  analyzer?: AnalyzerOptions;
  /** Interim records for changed open connections, this often (wall clock). Default 30 s. */
  interimIntervalMs?: number;
  /** Store, checkpoint and commit at least this often while there is progress. Default 5 s. */
  commitIntervalMs?: number;
  /** ...and as soon as this many records wait. Default 20000. */
  maxPendingRecords?: number;
  /**
   * A partition without packets for this long (wall clock) moves its capture time on with the wall
   * clock, so closed and idle connections still get their final records. 0 = never. Default 10 s.
   */
  idleAdvanceMs?: number;
  clientId?: string;
  log?: (event: Record<string, unknown>) => void;
}

interface PartitionState {
  flows: PartitionFlows;
  /** Next input offset to process; messages below it are already in `flows` (re-deliveries). */
  nextOffset: bigint;
  /** Offset of the last checkpoint. */
  checkpointedOffset: bigint;
  lastPacketWallMs: number;
  lastInterimWallMs: number;
}

export interface FlowProcessorStats {
  messages: number;
  packets: number;
  redeliveredMessagesSkipped: number;
  malformedMessages: number;
  endOfCaptureMarkers: number;
  /** The consumer failed (broker gone, …) and kafkajs restarted it. */
  consumerRestarts: number;
  lastConsumerError: string | undefined;
  checkpoints: number;
  checkpointBytes: number;
  restoredPartitions: number;
  assignedPartitions: number[];
  openConnections: number;
}

/**
 * The flow processor: a Kafka consumer group member that keeps a flow table per assigned partition,
 * writes interim and final records to the store, and commits input offsets only after the store
 * has the rows and the tables are checkpointed — so a crash or a moved partition continues from
 * the checkpoint and loses nothing, and re-processed records collapse by (flow_id, version).
 */
export class FlowProcessor {
  readonly stats: FlowProcessorStats = {
    messages: 0,
    packets: 0,
    redeliveredMessagesSkipped: 0,
    malformedMessages: 0,
    endOfCaptureMarkers: 0,
    consumerRestarts: 0,
    lastConsumerError: undefined,
    checkpoints: 0,
    checkpointBytes: 0,
    restoredPartitions: 0,
    assignedPartitions: [],
    openConnections: 0,
  };
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly group: string;
  private readonly partitions = new Map<number, PartitionState>();
  private assigned = new Set<number>();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private serdes!: SchemaSerdes;
  private output!: FlowOutput;
  private checkpoints!: CheckpointLog;
  private work: Promise<unknown> = Promise.resolve();
  private heartbeat: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastCheckpointWallMs = Date.now();

  constructor(private readonly options: FlowProcessorOptions) {
    this.kafka = createKafka({
      brokers: options.brokers,
      clientId: options.clientId ?? 'tcpx-flow-processor',
    });
    this.topic = options.topic ?? DEFAULT_TOPICS.packets;
    this.group = options.group ?? 'tcpx-flow-processor';
  }

  get outputStats() {
    return this.output.stats;
  }

  /** Everything processed so far is stored, checkpointed and committed. */
  get settled(): boolean {
    for (const s of this.partitions.values())
      if (s.flows.pendingRecords > 0 || s.nextOffset !== s.checkpointedOffset) return false;
    return true;
  }

  async start(): Promise<void> {
    const o = this.options;
    this.serdes = await createSchemaSerdes({
      registryUrl: o.registryUrl,
      topic: this.topic,
      flowTopic: o.flowsTopic,
    });
    this.checkpoints = new CheckpointLog({
      kafka: this.kafka,
      topic: o.checkpointTopic ?? DEFAULT_TOPICS.flowState,
      group: this.group,
      inputTopic: this.topic,
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
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    this.output = new FlowOutput({
      store: o.store,
      flowsTopic:
        this.producer && o.flowsTopic
          ? { producer: this.producer, topic: o.flowsTopic, serdes: this.serdes }
          : undefined,
      keepAlive: () => this.heartbeat?.() ?? Promise.resolve(),
      log: o.log,
    });
    const consumer = this.kafka.consumer({
      groupId: this.group,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set(e.payload.memberAssignment[this.topic] ?? []);
      this.serialized(async () => this.reassign(assigned));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.stats.consumerRestarts++;
      this.stats.lastConsumerError = String(e.payload.error?.message ?? e.payload.error);
      this.options.log?.({
        level: 'warn',
        msg: 'consumer failed',
        error: this.stats.lastConsumerError,
        restart: e.payload.restart,
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.serialized(() => this.processBatch(payload)),
    });
    this.timer = setInterval(() => this.serialized(() => this.tick()).catch(() => {}), 1000);
  }

  /** Checkpoints what was processed, then leaves the group (open connections continue elsewhere). */
  async stop(graceMs = 30_000): Promise<void> {
    clearInterval(this.timer);
    await this.consumer?.stop();
    // With the store down, the last checkpoint would retry for ever: after the grace period give
    // up on it. Nothing is lost: its offsets stay uncommitted and the next owner re-processes them.
    const giveUp = setTimeout(() => this.output.stop(), graceMs);
    try {
      await this.serialized(() => this.checkpoint(true));
    } catch (error) {
      this.options.log?.({
        level: 'warn',
        msg: 'stopped without a last checkpoint',
        error: (error as Error).message,
      });
    } finally {
      clearTimeout(giveUp);
    }
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.checkpoints.close();
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const next = this.work.then(task);
    this.work = next.catch(() => undefined);
    return next;
  }

  private reassign(assigned: Set<number>): void {
    for (const p of this.partitions.keys()) if (!assigned.has(p)) this.partitions.delete(p);
    this.assigned = assigned;
    this.stats.assignedPartitions = [...assigned].sort((a, b) => a - b);
    this.options.log?.({
      level: 'info',
      msg: 'partitions assigned',
      partitions: this.stats.assignedPartitions,
    });
  }

  private async processBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    this.heartbeat = heartbeat;
    const state = await this.partition(batch.partition, BigInt(batch.firstOffset() ?? '0'));
    const now = Date.now();
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const offset = BigInt(message.offset);
      if (offset < state.nextOffset) {
        this.stats.redeliveredMessagesSkipped++;
        resolveOffset(message.offset);
        continue;
      }
      await this.ingest(state, message.key?.toString() ?? '', message.value, message.headers ?? {});
      state.nextOffset = offset + 1n;
      state.lastPacketWallMs = now;
      resolveOffset(message.offset);
    }
    if (this.checkpointDue(now)) await this.checkpoint(false);
    await heartbeat();
  }

  private async ingest(
    state: PartitionState,
    key: string,
    value: Buffer | null,
    headers: Record<string, unknown>,
  ): Promise<void> {
    this.stats.messages++;
    if (!value) {
      this.stats.malformedMessages++;
      return;
    }
    try {
      const node = nodeOfKey(key); // once per message, not per packet
      const decoded = await this.serdes.deserializeBatch(value, (p) => state.flows.ingest(node, p));
      this.stats.packets += decoded.count;
      if (headers[END_OF_CAPTURE_HEADER] !== undefined) {
        // The node's capture file ended: its connections are complete, as at the end of `tcpx analyze`.
        this.stats.endOfCaptureMarkers++;
        state.flows.flushNode(node);
      }
    } catch (error) {
      // A frame that does not decode is counted and skipped; it can never become decodable. A
      // registry that cannot be reached is not the message's fault: let kafkajs retry the batch.
      if (isRegistryUnreachable(error)) throw error;
      this.stats.malformedMessages++;
      this.options.log?.({
        level: 'warn',
        msg: 'undecodable message skipped',
        key,
        error: (error as Error).message,
      });
    }
  }

  /** The state of an assigned partition, restored from its checkpoint on first sight. */
  private async partition(partition: number, firstOffset: bigint): Promise<PartitionState> {
    let state = this.partitions.get(partition);
    if (state) return state;
    const unknown = [...new Set([...this.assigned, partition])].filter((p) => !this.partitions.has(p));
    const restored: Map<number, Checkpoint> = await this.checkpoints.read(unknown);
    const now = Date.now();
    for (const p of unknown) {
      const flows = new PartitionFlows(this.analyzerOptions());
      const checkpoint = restored.get(p);
      let nextOffset = 0n;
      if (checkpoint) {
        flows.restore(checkpoint.state);
        nextOffset = BigInt(checkpoint.offset);
        this.stats.restoredPartitions++;
      }
      this.partitions.set(p, {
        flows,
        nextOffset,
        checkpointedOffset: nextOffset,
        lastPacketWallMs: now,
        lastInterimWallMs: now,
      });
    }
    state = this.partitions.get(partition)!;
    if (firstOffset > state.nextOffset)
      this.options.log?.({
        level: 'warn',
        msg: 'input starts after the checkpoint: connections of the gap are incomplete',
        partition,
        checkpoint: String(state.nextOffset),
        firstOffset: String(firstOffset),
      });
    return state;
  }

  private analyzerOptions(): AnalyzerOptions {
    return { closedLingerNs: 60e9, idleTimeoutNs: 300e9, ...this.options.analyzer };
  }

  private checkpointDue(now: number): boolean {
    let pending = 0;
    for (const s of this.partitions.values()) pending += s.flows.pendingRecords;
    if (pending >= (this.options.maxPendingRecords ?? 20_000)) return true;
    return now - this.lastCheckpointWallMs >= (this.options.commitIntervalMs ?? 5000);
  }

  /** Wall-clock duties: interim records, quiet partitions' time, periodic checkpoints. */
  private async tick(): Promise<void> {
    const now = Date.now();
    const interimMs = this.options.interimIntervalMs ?? 30_000;
    const idleAdvanceMs = this.options.idleAdvanceMs ?? 10_000;
    for (const s of this.partitions.values()) {
      if (now - s.lastInterimWallMs >= interimMs) {
        s.flows.emitInterim();
        s.lastInterimWallMs = now;
      }
      const quietMs = now - s.lastPacketWallMs;
      if (idleAdvanceMs > 0 && quietMs >= idleAdvanceMs) s.flows.advance(quietMs * 1e6);
    }
    if (this.checkpointDue(now)) await this.checkpoint(false);
  }

  /** Records to the store, then snapshots to the changelog, then offsets to the group. */
  private async checkpoint(final: boolean): Promise<void> {
    this.lastCheckpointWallMs = Date.now();
    const records = [];
    const changed = new Map<number, PartitionState>();
    for (const [p, s] of this.partitions) {
      if (s.flows.pendingRecords > 0 || s.nextOffset !== s.checkpointedOffset) changed.set(p, s);
      records.push(...s.flows.take());
    }
    if (changed.size === 0) return;
    await this.output.write(records);
    const snapshots = new Map<number, Checkpoint>();
    for (const [p, s] of changed)
      snapshots.set(p, { offset: String(s.nextOffset), state: s.flows.snapshot() });
    await this.checkpoints.write(snapshots);
    for (const c of snapshots.values()) this.stats.checkpointBytes += c.state.length;
    const offsets = [...changed].map(([partition, s]) => ({
      topic: this.topic,
      partition,
      offset: String(s.nextOffset),
    }));
    try {
      await this.consumer?.commitOffsets(offsets);
    } catch (error) {
      // Lost the partition in a rebalance: the new owner restores the checkpoint just written.
      this.options.log?.({
        level: 'warn',
        msg: 'offset commit failed',
        error: (error as Error).message,
        final,
      });
    }
    for (const s of changed.values()) s.checkpointedOffset = s.nextOffset;
    this.stats.checkpoints++;
    this.stats.openConnections = [...this.partitions.values()].reduce(
      (n, s) => n + s.flows.openConnections,
      0,
    );
  }
}

function isRegistryUnreachable(error: unknown): boolean {
  // Network failures and HTTP 5xx from the registry client (axios: "Request failed with status code 503").
  const text = String((error as Error)?.message ?? error);
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|fetch failed|status code 5\d\d/.test(
    text,
  );
}
