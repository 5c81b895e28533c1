import { createPacketSummary, decodePacketSummaryBatch } from '@tcpx/schemas';
import type { InProcessTopic, PolledMessage } from '@tcpx/schemas/in-process-topic';
import type { FlowRow, FlowStore } from '@tcpx/store';
import { FlowOutput, type FlowOutputStats } from './flow-output.js';
import {
  type CheckpointStore,
  type FlowCycleOptions,
  FlowPipeline,
  type FlowPipelineStats,
} from './flow-pipeline.js';

export interface InProcessFlowProcessorOptions extends FlowCycleOptions {
  /** The input: what a PacketPublisher over InProcessTransport sends. */
  topic: InProcessTopic;
  store: FlowStore;
  /** Flow-table snapshots (FileCheckpoints in the data folder). */
  checkpoints: CheckpointStore;
  /** Every batch of rows, right after the store acknowledged it. */
  onStored?: (rows: readonly FlowRow[]) => void;
}

/**
 * The flow processor of the embedded mode: the Kafka processor's pipeline (FlowPipeline: the same
 * tables, records, store writes and checkpoint cycle) fed from an in-process topic. It owns every
 * partition of that topic; its checkpoints let the next run continue the open connections.
 */
export class InProcessFlowProcessor {
  private readonly pipeline: FlowPipeline;
  private readonly output: FlowOutput;
  private consuming: Promise<void> | undefined;

  constructor(private readonly options: InProcessFlowProcessorOptions) {
    this.output = new FlowOutput({ store: options.store, onStored: options.onStored, log: options.log });
    const scratch = createPacketSummary();
    this.pipeline = new FlowPipeline({
      ...options,
      output: this.output,
      // Unframed values: no registry, both ends are this process.
      decode: (value, visit) => decodePacketSummaryBatch(value, visit, scratch).count,
    });
  }

  get stats(): FlowPipelineStats {
    return this.pipeline.stats;
  }

  get outputStats(): FlowOutputStats {
    return this.output.stats;
  }

  /** Everything processed so far is stored and checkpointed. */
  get settled(): boolean {
    return this.pipeline.settled;
  }

  /** Restores every partition's tables from its checkpoint, then consumes the topic. */
  async start(): Promise<void> {
    const partitions = Array.from({ length: this.options.topic.partitions }, (_, p) => p);
    this.pipeline.assign(new Set(partitions));
    await this.pipeline.partition(0, 0n); // restores all assigned partitions in one read
    this.pipeline.startClock();
    this.consuming = this.consume();
  }

  /**
   * Drops a node's restored connections without records: call it before a replay of that node
   * starts, since the file is read again from its beginning (its rows of the earlier run are
   * rewritten with the same flow ids and versions, and collapse with them).
   */
  forgetNode(node: string): Promise<void> {
    return this.pipeline.serialized(async () => this.pipeline.forgetNode(node));
  }

  /**
   * Closes the topic (senders must be done: flush them first), processes what it still holds,
   * then stores the final records, an interim record for every open connection, and the last
   * checkpoint. False when that last checkpoint failed.
   */
  async stop(graceMs = 30_000): Promise<boolean> {
    this.options.topic.close();
    await this.consuming;
    return this.pipeline.stop(graceMs, true);
  }

  private async consume(): Promise<void> {
    for (;;) {
      const messages = await this.options.topic.poll();
      if (messages === null) return;
      try {
        await this.pipeline.serialized(() => this.processAll(messages));
      } catch (error) {
        // A checkpoint that failed (the store gave up, a file could not be written) is retried by
        // the next one: the tables still hold everything since the last good one.
        this.options.log?.({ level: 'warn', msg: 'checkpoint failed', error: (error as Error).message });
      }
    }
  }

  private async processAll(messages: readonly PolledMessage[]): Promise<void> {
    const now = Date.now();
    for (const m of messages) {
      const state = await this.pipeline.partition(m.partition, m.offset);
      await this.pipeline.process(state, { ...m, headers: m.headers ?? {} }, now);
    }
    if (this.pipeline.checkpointDue(now)) await this.pipeline.checkpoint(false);
  }
}
