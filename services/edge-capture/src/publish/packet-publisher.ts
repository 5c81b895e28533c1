import { hostname } from 'node:os';
import { type PacketSummary, PacketSummaryBatchEncoder } from '@tcpx/schemas';
import { END_OF_CAPTURE_HEADER } from '@tcpx/schemas/kafka';
import { FlowBatcher } from './flow-batcher.js';
import { partitionOfKey } from './partitioner.js';
import { errorLine, PublisherCounters, type PublisherStats } from './publisher-stats.js';
import { settlesWithin } from './retry.js';
import { type QueuedMessage, SendQueue } from './send-queue.js';

/** What start() learns from the transport: how many partitions, and how a value is framed. */
export interface TransportReady {
  partitions: number;
  /** A new Buffer holding the (framed) payload; the payload is only valid during the call. */
  frame(payload: Uint8Array): Buffer;
}

/**
 * Where batches go: Kafka (KafkaTransport) or the embedded mode's in-process topic. Everything
 * else — batching per connection, the bound and its policy, retries, ordering — is the publisher's.
 */
export interface PacketTransport {
  /** Connects; throws one line when the other side cannot be reached in time. */
  start(): Promise<TransportReady>;
  /**
   * Resolves once start() has loaded the code it needs: the CPU-heavy part of a start. A replay
   * lets it finish before reading, which shares the thread and would only delay it.
   */
  loaded?(): Promise<unknown>;
  /** Resolves once the other side has every message (rejects: the publisher resends them all). */
  send(messages: QueuedMessage[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface PacketPublisherOptions {
  /** On every batch and in every key. Default: os.hostname(). */
  node?: string;
  interfaceNames?: readonly string[];
  flushIntervalMs?: number;
  maxBatchPackets?: number;
  maxBufferedPackets?: number;
  /** 'live' drops (and counts) packets past the bound; 'replay' never drops: callers await writable(). */
  mode?: 'live' | 'replay';
  /** Receives the one-line JSON reports (default: stderr) sent while drops or send failures occur. */
  report?: (line: string) => void;
  reportIntervalMs?: number;
}

const MAX_BACKOFF_MS = 5000;

/**
 * Publishes PacketSummary batches, keyed by connection, through a transport. Everything accepted
 * is kept until the transport acknowledges it, retrying without end; the bound on buffered packets
 * turns into counted drops (live) or backpressure (replay).
 */
export class PacketPublisher {
  readonly node: string;
  private readonly options: PacketPublisherOptions;
  private readonly batcher: FlowBatcher;
  private readonly counters = new PublisherCounters();
  private frame: ((payload: Uint8Array) => Buffer) | null = null;
  /** start() while it runs and after: packets may be accepted before it resolves (see start()). */
  private starting: Promise<void> | null = null;
  private partitionCount = 0;
  private readonly queue = new SendQueue();
  private pumping: Promise<void> | null = null;
  private drainEverything = false;
  private writers: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private wakeBackoff: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly transport: PacketTransport,
    options: PacketPublisherOptions = {},
  ) {
    this.options = options;
    this.node = options.node ?? hostname();
    this.batcher = new FlowBatcher({ ...options, node: this.node });
  }

  /**
   * Starts the transport (see PacketTransport.start), then the flush clock. Packets published
   * meanwhile are batched and wait (a replay reads while Kafka and the registry are reached);
   * flush() and writable() wait for the start, and reject with its error.
   */
  start(): Promise<void> {
    this.starting ??= this.transport.start().then((ready) => {
      this.frame = ready.frame;
      this.partitionCount = ready.partitions;
      const tickMs = Math.max(1, Math.min(50, this.batcher.flushIntervalMs / 4));
      this.timer = setInterval(() => this.tick(), tickMs);
      this.timer.unref();
    });
    this.starting.catch(() => {}); // the caller, flush() or writable() gets the error
    return this.starting;
  }

  /** While start() runs: reading should then yield often, so the start's round trips are not held up. */
  get isStarting(): boolean {
    return this.starting !== null && this.frame === null && !this.stopped;
  }

  /** Resolves once the transport's start has loaded its code (see PacketTransport.loaded); never rejects. */
  async loaded(): Promise<void> {
    await this.transport.loaded?.().catch(() => {}); // start() reports the failure
  }

  /** Takes one packet (encoded now: `p` may be reused). False when it was dropped (live mode, buffer full). */
  publish(p: PacketSummary): boolean {
    const replay = this.options.mode === 'replay';
    if (!this.batcher.accept(p, Date.now(), replay)) {
      this.counters.drop('buffer_full', 1);
      return false;
    }
    this.counters.packetsAccepted++;
    if (this.batcher.hasFullBatches && this.pumping === null) this.pump(false);
    return true;
  }

  /** True while the buffer is at its bound (replay callers should await writable()). */
  get backpressured(): boolean {
    return this.batcher.bufferedPackets >= this.batcher.maxBufferedPackets;
  }

  /** Resolves once there is room again (at half the bound, so reading resumes in large steps). */
  writable(): Promise<void> {
    if (!this.backpressured || this.stopped) return Promise.resolve();
    if (this.frame === null && this.starting !== null) return this.starting.then(() => this.writable());
    this.pump(true);
    return new Promise((resolve) => this.writers.push(resolve));
  }

  /** Sends everything accepted so far; true once the transport acknowledged it all, false at the timeout. */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.frame === null) {
      if (this.starting === null) throw new Error('publisher: flush() before start()');
      await this.starting;
    }
    const deadline = Date.now() + timeoutMs;
    while (this.batcher.bufferedPackets > 0 || this.queue.length > 0) {
      if (this.stopped) return false;
      this.pump(true);
      const left = deadline - Date.now();
      if (left <= 0) return false;
      if (!(await settlesWithin(this.pumping!, left))) return false;
    }
    return true;
  }

  /** Flushes, then sends an empty batch flagged END_OF_CAPTURE_HEADER to every partition. */
  async markEndOfCapture(): Promise<void> {
    await this.flush();
    const encoder = new PacketSummaryBatchEncoder(256).begin(this.node, this.options.interfaceNames);
    const value = this.frame!(encoder.peek());
    const key = `${this.node}|end-of-capture`;
    const headers = { [END_OF_CAPTURE_HEADER]: '1' };
    for (let partition = 0; partition < this.partitionCount; partition++)
      this.queue.push({ key, value, partition, headers, packets: 0 });
    await this.flush();
  }

  /** Flush (up to timeoutMs), then disconnect. What could not be sent by then is counted as dropped. */
  async close(timeoutMs = 30_000): Promise<PublisherStats> {
    await this.starting?.catch(() => {}); // a transport still starting is connected, then closed
    if (!this.stopped) {
      // Never started (or its start failed): what was accepted meanwhile is lost, and counted.
      const sent = this.frame !== null ? await this.flush(timeoutMs) : this.batcher.bufferedPackets === 0;
      if (!sent) {
        this.counters.lostAtClose = this.batcher.bufferedPackets;
        this.counters.drop('unsent_at_close', this.counters.lostAtClose);
      }
    }
    this.stopped = true;
    clearInterval(this.timer);
    this.wakeBackoff?.();
    for (const resolve of this.writers.splice(0)) resolve();
    await this.pumping;
    await this.transport.close().catch(() => {});
    this.reportIfChanged(true);
    return this.stats();
  }

  stats(): PublisherStats {
    return this.counters.snapshot(this.batcher.bufferedPackets);
  }

  private pump(everything: boolean): void {
    if (everything) this.drainEverything = true;
    if (this.pumping !== null || this.frame === null || this.stopped) return;
    this.pumping = this.runPump().finally(() => {
      this.pumping = null;
      // flush() or writable() asked while this pump was finishing: drain now, not at the next tick
      // (a replay over the in-process topic has no other event to wait for).
      if (this.drainEverything && !this.stopped) this.pump(false);
    });
  }

  /** Drains ready batches and sends them, one send at a time (order per key), retrying the head on failure. */
  private async runPump(): Promise<void> {
    let backoffMs = 100;
    while (!this.stopped) {
      // Batches that are due wait while earlier ones are still queued: under load they keep growing,
      // so the per-message cost shrinks instead of adding to the backlog (as group commit does).
      const now = this.queue.length === 0 || this.drainEverything ? Date.now() : Number.NEGATIVE_INFINITY;
      this.batcher.drain(now, this.enqueue, this.drainEverything);
      this.drainEverything = false;
      if (this.queue.length === 0) return;
      const messages = this.queue.nextChunk();
      try {
        await this.transport.send(messages);
      } catch (error) {
        this.counters.sendFailed(errorLine(error));
        this.reportIfChanged(false);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          this.wakeBackoff = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeBackoff = null;
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        if (!this.stopped) this.counters.sendRetries++;
        continue;
      }
      backoffMs = 100;
      this.queue.remove(messages.length);
      this.sent(messages);
    }
  }

  private readonly enqueue = (key: string, payload: Uint8Array, packets: number): void => {
    const partition = partitionOfKey(key, this.partitionCount);
    this.queue.push({ key, value: this.frame!(payload), partition, packets });
  };

  private sent(messages: QueuedMessage[]): void {
    let packets = 0;
    for (const m of messages) {
      packets += m.packets;
      this.counters.bytesPublished += m.value.length;
    }
    this.counters.packetsPublished += packets;
    this.counters.messagesPublished += messages.length;
    this.batcher.release(packets);
    if (this.writers.length > 0 && this.batcher.bufferedPackets <= this.batcher.maxBufferedPackets / 2)
      for (const resolve of this.writers.splice(0)) resolve();
  }

  private tick(): void {
    if (this.pumping === null && (this.batcher.hasFullBatches || this.batcher.nextDueAt() <= Date.now()))
      this.pump(false);
    this.reportIfChanged(false);
  }

  private reportIfChanged(final: boolean): void {
    const line = this.counters.reportLine(
      this.batcher.bufferedPackets,
      this.options.reportIntervalMs ?? 5000,
      final,
    );
    if (line !== null) (this.options.report ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }
}
