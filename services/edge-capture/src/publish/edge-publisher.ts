import { hostname } from 'node:os';
import { createSchemaSerdes, type PacketSummary, PacketSummaryBatchEncoder } from '@tcpx/schemas';
import {
  type Compression,
  compressionType,
  DEFAULT_TOPICS,
  END_OF_CAPTURE_HEADER,
} from '@tcpx/schemas/kafka';
import type { Kafka, logLevel, Message, Producer } from 'kafkajs';
import { createEdgeProducer, ensureTopic } from './edge-kafka.js';
import { FlowBatcher } from './flow-batcher.js';
import { errorLine, PublisherCounters, type PublisherStats } from './publisher-stats.js';
import { retryUntil, settlesWithin } from './retry.js';
import { type QueuedMessage, SendQueue } from './send-queue.js';

export type { PublisherStats } from './publisher-stats.js';

export interface EdgePublisherOptions {
  brokers: string[];
  registryUrl: string;
  topic?: string;
  /** On every batch and in every key. Default: os.hostname(). */
  node?: string;
  interfaceNames?: readonly string[];
  compression?: Compression;
  flushIntervalMs?: number;
  maxBatchPackets?: number;
  maxBufferedPackets?: number;
  /** Partitions of the topic when it has to be created (default 12). */
  partitions?: number;
  /** 'live' drops (and counts) packets past the bound; 'replay' never drops: callers await writable(). */
  mode?: 'live' | 'replay';
  /** How long start() keeps trying to reach the registry and Kafka (default 30 s). */
  startTimeoutMs?: number;
  /** Receives the one-line JSON reports (default: stderr) sent while drops or send failures occur. */
  report?: (line: string) => void;
  reportIntervalMs?: number;
  clientId?: string;
  /** kafkajs' own log lines (JSON on stderr); default none. */
  kafkaLogLevel?: logLevel;
}

const MAX_BACKOFF_MS = 5000;

/**
 * Publishes PacketSummary batches to Kafka, keyed by connection, through an idempotent producer.
 * Everything accepted is kept until Kafka acknowledges it, retrying without end; the bound on
 * buffered packets turns into counted drops (live) or backpressure (replay).
 */
export class EdgePublisher {
  readonly topic: string;
  readonly node: string;
  private readonly options: EdgePublisherOptions;
  private readonly batcher: FlowBatcher;
  private readonly counters = new PublisherCounters();
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private frame: ((payload: Uint8Array) => Buffer) | null = null;
  private partitionCount = 0;
  private readonly queue = new SendQueue();
  private pumping: Promise<void> | null = null;
  private drainEverything = false;
  private writers: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private wakeBackoff: (() => void) | null = null;
  private stopped = false;

  constructor(options: EdgePublisherOptions) {
    this.options = options;
    this.topic = options.topic ?? DEFAULT_TOPICS.packets;
    this.node = options.node ?? hostname();
    this.batcher = new FlowBatcher({ ...options, node: this.node });
    ({ kafka: this.kafka, producer: this.producer } = createEdgeProducer(options));
  }

  /** Registers the schema, creates the topic when missing and connects; throws one line after startTimeoutMs. */
  async start(): Promise<void> {
    const started = Date.now();
    const deadline = { started, deadline: started + (this.options.startTimeoutMs ?? 30_000) };
    const registryUrl = this.options.registryUrl;
    const serdes = await createSchemaSerdes({ registryUrl, topic: this.topic });
    this.frame = await retryUntil(`schema registry at ${registryUrl}`, deadline, () => serdes.batchFramer());
    const kafkaName = `Kafka at ${this.options.brokers.join(',')}`;
    const partitions = this.options.partitions ?? 12;
    this.partitionCount = await retryUntil(kafkaName, deadline, () =>
      ensureTopic(this.kafka, this.topic, partitions),
    );
    await retryUntil(kafkaName, deadline, () => this.producer.connect());
    const tickMs = Math.max(1, Math.min(50, this.batcher.flushIntervalMs / 4));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
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
    this.pump(true);
    return new Promise((resolve) => this.writers.push(resolve));
  }

  /** Sends everything accepted so far; true once Kafka acknowledged it all, false at the timeout. */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.frame === null) throw new Error('EdgePublisher: flush() before start()');
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
    if (this.frame !== null && !this.stopped) {
      const sent = await this.flush(timeoutMs);
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
    await this.producer.disconnect().catch(() => {});
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
        await this.send(messages);
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
    this.queue.push({ key, value: this.frame!(payload), packets });
  };

  private send(messages: Message[]): Promise<unknown> {
    const compression = compressionType(this.options.compression ?? 'snappy');
    return this.producer.send({ topic: this.topic, messages, acks: -1, compression });
  }

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
