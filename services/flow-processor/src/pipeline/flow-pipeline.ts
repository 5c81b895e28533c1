import type { PacketSummary } from '@tcpx/schemas';
import { END_OF_CAPTURE_HEADER, nodeOfKey } from '@tcpx/schemas/kafka';
import type { AnalyzerOptions } from '../engine/analyzer.js';
import type { Checkpoint } from './checkpoint-log.js';
import type { EmittedFlow } from './partition-flows.js';
import { PartitionFlows } from './partition-flows.js';

// What a flow processor does with its input, whatever carries it (Kafka, or the embedded mode's
// in-process topic): messages into per-partition flow tables, wall-clock duties, and the
// checkpoint cycle — records to the store, then table snapshots, then the input position.

/** One input message: a PacketSummaryBatch of one connection, as the transport delivered it. */
export interface InputMessage {
  partition: number;
  offset: bigint;
  key: string;
  value: Uint8Array | null;
  headers: Readonly<Record<string, unknown>>;
}

/** Where flow-table snapshots are kept (Kafka: a compacted topic; embedded: files). */
export interface CheckpointStore {
  /** The latest checkpoint of each partition asked for; never-checkpointed partitions are absent. */
  read(partitions: readonly number[]): Promise<Map<number, Checkpoint>>;
  /** Resolves once every checkpoint is durably kept. */
  write(checkpoints: ReadonlyMap<number, Checkpoint>): Promise<void>;
}

/** Where records go: stored, retried until the store has them (FlowOutput). */
export interface RecordOutput {
  write(flows: readonly EmittedFlow[]): Promise<void>;
  /** Makes a write() that is retrying give up (shutdown). */
  stop(): void;
}

/** Decodes a message value, calling `visit` per packet; returns the packet count. */
export type BatchDecoder = (value: Uint8Array, visit: (p: PacketSummary) => void) => Promise<number> | number;

export interface PartitionOffset {
  partition: number;
  /** Next offset to process: everything below is stored and checkpointed. */
  offset: bigint;
}

/** Tuning shared by every transport. */
export interface FlowCycleOptions {
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
  log?: (event: Record<string, unknown>) => void;
}

export interface FlowPipelineOptions extends FlowCycleOptions {
  output: RecordOutput;
  checkpoints: CheckpointStore;
  decode: BatchDecoder;
  /** Step 3 of the cycle: the transport may forget the input below these offsets. */
  commit?: (offsets: PartitionOffset[], final: boolean) => Promise<void>;
  /** A decode failure that is the transport's (registry down), not the message's: rethrown, not skipped. */
  isTransient?: (error: unknown) => boolean;
}

export interface FlowPipelineStats {
  messages: number;
  packets: number;
  redeliveredMessagesSkipped: number;
  malformedMessages: number;
  endOfCaptureMarkers: number;
  checkpoints: number;
  checkpointBytes: number;
  restoredPartitions: number;
  openConnections: number;
}

/** One input partition's tables and position. */
export interface PartitionState {
  flows: PartitionFlows;
  /** Next input offset to process; messages below it are already in `flows` (re-deliveries). */
  nextOffset: bigint;
  /** Offset of the last checkpoint. */
  checkpointedOffset: bigint;
  lastPacketWallMs: number;
  lastInterimWallMs: number;
}

const CLOCK_MS = 1000;
/** After an end-of-capture marker, the wait for the other partitions' markers of the same fetch. */
const END_OF_CAPTURE_SETTLE_MS = 20;

export class FlowPipeline {
  readonly stats: FlowPipelineStats = {
    messages: 0,
    packets: 0,
    redeliveredMessagesSkipped: 0,
    malformedMessages: 0,
    endOfCaptureMarkers: 0,
    checkpoints: 0,
    checkpointBytes: 0,
    restoredPartitions: 0,
    openConnections: 0,
  };
  private readonly partitions = new Map<number, PartitionState>();
  private assigned = new Set<number>();
  private work: Promise<unknown> = Promise.resolve();
  /**
   * The checkpoint being written (at most one) while input goes on: its records, snapshots and
   * offsets were all taken at one moment, and they are written in that order.
   */
  private writing: Promise<void> | null = null;
  private checkpointsUnwritten = 0;
  /** When an end-of-capture marker makes a checkpoint due (wall ms; Infinity: none pending). */
  private storeSoonAt = Number.POSITIVE_INFINITY;
  private clock: NodeJS.Timeout | undefined;
  private lastCheckpointWallMs = Date.now();

  constructor(private readonly options: FlowPipelineOptions) {}

  /** Everything processed so far is stored and checkpointed. */
  get settled(): boolean {
    if (this.checkpointsUnwritten > 0) return false;
    for (const s of this.partitions.values())
      if (s.flows.pendingRecords > 0 || s.nextOffset !== s.checkpointedOffset) return false;
    return true;
  }

  /** Runs tasks one at a time, in call order: input, clock and checkpoints never interleave. */
  serialized<T>(task: () => Promise<T>): Promise<T> {
    const next = this.work.then(task);
    this.work = next.catch(() => undefined);
    return next;
  }

  /** The partitions that are ours from now on; the tables of the others are dropped. */
  assign(partitions: ReadonlySet<number>): void {
    for (const p of this.partitions.keys()) if (!partitions.has(p)) this.partitions.delete(p);
    this.assigned = new Set(partitions);
  }

  /** Starts the wall-clock duties (tick), once a second. */
  startClock(): void {
    this.clock = setInterval(() => this.serialized(() => this.tick()).catch(this.logFailure), CLOCK_MS);
  }

  stopClock(): void {
    clearInterval(this.clock);
  }

  /** The state of an assigned partition, restored from its checkpoint on first sight. */
  async partition(partition: number, firstOffset: bigint): Promise<PartitionState> {
    let state = this.partitions.get(partition);
    if (state) return state;
    const unknown = [...new Set([...this.assigned, partition])].filter((p) => !this.partitions.has(p));
    // A partition given back to us may have its checkpoint still being written: read it once written.
    // (Its failure is the next checkpoint()'s to report.)
    await this.writing?.catch(() => {});
    const restored = await this.options.checkpoints.read(unknown);
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

  /** Processes one message into its partition's tables, unless they already have it (a re-delivery). */
  async process(state: PartitionState, message: InputMessage, nowMs: number): Promise<void> {
    if (message.offset < state.nextOffset) {
      this.stats.redeliveredMessagesSkipped++;
      return;
    }
    await this.ingest(state, message);
    state.nextOffset = message.offset + 1n;
    state.lastPacketWallMs = nowMs;
  }

  /** Forgets `node`'s connections in every partition, emitting nothing (its input starts over). */
  forgetNode(node: string): void {
    for (const s of this.partitions.values()) s.flows.forgetNode(node);
  }

  checkpointDue(now: number): boolean {
    // A capture ended: its final records are stored now, not at the next interval (see ingest()).
    if (now >= this.storeSoonAt && this.checkpointsUnwritten === 0) return true;
    let pending = 0;
    for (const s of this.partitions.values()) pending += s.flows.pendingRecords;
    if (pending >= (this.options.maxPendingRecords ?? 20_000)) return true;
    return now - this.lastCheckpointWallMs >= (this.options.commitIntervalMs ?? 5000);
  }

  /** Wall-clock duties: interim records, quiet partitions' time, periodic checkpoints. */
  async tick(now = Date.now()): Promise<void> {
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

  /**
   * Records to the store, then snapshots to the checkpoint store, then the input position to the
   * transport. `interim`: first an interim record for every changed open connection (shutdown of
   * the embedded mode, whose tables only its own next run continues).
   *
   * Records, snapshots and offsets are taken now; unless `final`, they are written while input
   * goes on (a store insert took ~0.3 s of every second the processor ran, with input stopped).
   * The next checkpoint waits for this one and rethrows its failure.
   */
  async checkpoint(final: boolean, interim = false): Promise<void> {
    const previous = this.writing;
    this.writing = null;
    await previous;
    this.lastCheckpointWallMs = Date.now();
    this.storeSoonAt = Number.POSITIVE_INFINITY;
    const records = [];
    const changed = new Map<number, PartitionState>();
    for (const [p, s] of this.partitions) {
      if (interim) s.flows.emitInterim();
      if (s.flows.pendingRecords > 0 || s.nextOffset !== s.checkpointedOffset) changed.set(p, s);
      records.push(...s.flows.take());
    }
    if (changed.size === 0) return;
    const snapshots = new Map<number, Checkpoint>();
    const offsets: PartitionOffset[] = [];
    for (const [partition, s] of changed) {
      snapshots.set(partition, { offset: String(s.nextOffset), state: s.flows.snapshot() });
      offsets.push({ partition, offset: s.nextOffset });
    }
    const written = this.write(records, snapshots, offsets, changed, final);
    if (final) return written;
    written.catch(() => {}); // handled: the next checkpoint() awaits it
    this.writing = written;
  }

  private async write(
    records: EmittedFlow[],
    snapshots: Map<number, Checkpoint>,
    offsets: PartitionOffset[],
    changed: Map<number, PartitionState>,
    final: boolean,
  ): Promise<void> {
    this.checkpointsUnwritten++;
    try {
      await this.options.output.write(records);
      await this.options.checkpoints.write(snapshots);
      for (const c of snapshots.values()) this.stats.checkpointBytes += c.state.length;
      await this.options.commit?.(offsets, final);
    } finally {
      this.checkpointsUnwritten--;
    }
    // Markers that came in while this one was written: their checkpoint follows it.
    if (this.storeSoonAt !== Number.POSITIVE_INFINITY && !final)
      this.checkpointAt(this.storeSoonAt - Date.now());
    for (const { partition, offset } of offsets) changed.get(partition)!.checkpointedOffset = offset;
    this.stats.checkpoints++;
    this.stats.openConnections = [...this.partitions.values()].reduce(
      (n, s) => n + s.flows.openConnections,
      0,
    );
  }

  /**
   * Stops the clock and writes the last checkpoint (with `interim`, see checkpoint()). A store that
   * stays down would retry for ever: after `graceMs` the output gives up. False when the last
   * checkpoint failed: nothing is lost where the input can be re-read (Kafka: its offsets stay
   * uncommitted and the next owner re-processes them).
   */
  async stop(graceMs: number, interim = false): Promise<boolean> {
    this.stopClock();
    const giveUp = setTimeout(() => this.options.output.stop(), graceMs);
    try {
      await this.serialized(() => this.checkpoint(true, interim));
      return true;
    } catch (error) {
      this.options.log?.({
        level: 'warn',
        msg: 'stopped without a last checkpoint',
        error: (error as Error).message,
      });
      return false;
    } finally {
      clearTimeout(giveUp);
    }
  }

  private async ingest(state: PartitionState, message: InputMessage): Promise<void> {
    this.stats.messages++;
    const { key, value, headers } = message;
    if (!value) {
      this.stats.malformedMessages++;
      return;
    }
    try {
      const node = nodeOfKey(key); // once per message, not per packet
      this.stats.packets += await this.options.decode(value, (p) => state.flows.ingest(node, p));
      if (headers[END_OF_CAPTURE_HEADER] !== undefined) {
        // The node's capture file ended: its connections are complete, as at the end of `tcpx analyze`.
        this.stats.endOfCaptureMarkers++;
        state.flows.flushNode(node);
        // The node's markers reach every partition at once: one checkpoint, shortly, takes them all.
        if (this.storeSoonAt === Number.POSITIVE_INFINITY) {
          this.storeSoonAt = Date.now() + END_OF_CAPTURE_SETTLE_MS;
          this.checkpointAt(END_OF_CAPTURE_SETTLE_MS);
        }
      }
    } catch (error) {
      // A frame that does not decode is counted and skipped; it can never become decodable. A
      // transport failure (registry unreachable) is not the message's fault: rethrown, retried.
      if (this.options.isTransient?.(error)) throw error;
      this.stats.malformedMessages++;
      this.options.log?.({
        level: 'warn',
        msg: 'undecodable message skipped',
        key,
        error: (error as Error).message,
      });
    }
  }

  /**
   * A checkpoint in `ms` if one is then due, without waiting for input or the clock. A failure
   * (this one's or the previous write's) is logged; the next checkpoint writes again.
   */
  private checkpointAt(ms: number): void {
    const timer = setTimeout(
      () => {
        this.serialized(async () => {
          if (this.checkpointDue(Date.now())) await this.checkpoint(false);
        }).catch(this.logFailure);
      },
      Math.max(0, ms),
    );
    timer.unref();
  }

  /** For the clock's and the timers' checkpoints, which no caller awaits. */
  private readonly logFailure = (error: Error): void => {
    this.options.log?.({ level: 'warn', msg: 'checkpoint failed', error: error.message });
  };

  private analyzerOptions(): AnalyzerOptions {
    return { closedLingerNs: 60e9, idleTimeoutNs: 300e9, ...this.options.analyzer };
  }
}
