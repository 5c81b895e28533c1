// The in-process counterpart of the Kafka topic tcpx.packets, for the embedded mode (`tcpx up`):
// edges and flow processors in one process exchange the same PacketSummaryBatch messages, keyed and
// partitioned the same way, through this bounded queue instead of a broker. Its bound is what a
// slow broker is to the Kafka path: sends wait for room, the edge's buffer fills, and the edge's own
// policy applies (live capture drops and counts, a replay waits).

/** A message as an edge sends it (the key and partition as for Kafka, the value an unframed batch). */
export interface TopicMessage {
  key: string;
  value: Uint8Array;
  partition: number;
  /** END_OF_CAPTURE_HEADER marks the end of a replayed file, as in Kafka. */
  headers?: Readonly<Record<string, unknown>>;
  /** Packets in the batch: what the bound counts. */
  packets: number;
}

/** A message as the consumer gets it: with its offset in its partition. */
export interface PolledMessage extends TopicMessage {
  offset: bigint;
}

export interface InProcessTopicStats {
  messages: number;
  packets: number;
  /** Sends that had to wait for room (the consumer was behind). */
  sendsWaited: number;
}

export interface InProcessTopicOptions {
  /** Default 1: one process has one thread of analysis, more partitions would only split its tables. */
  partitions?: number;
  /** Sends wait while the topic holds this many packets (default 50 000, ~3.5 MB of summaries). */
  maxPackets?: number;
}

/** A bounded, in-memory log with one consumer: messages in send order, offsets per partition. */
export class InProcessTopic {
  readonly partitions: number;
  readonly maxPackets: number;
  readonly stats: InProcessTopicStats = { messages: 0, packets: 0, sendsWaited: 0 };
  private held: PolledMessage[] = [];
  private heldPackets = 0;
  private readonly nextOffsets: bigint[];
  private waitingSenders: Array<() => void> = [];
  private waitingConsumer: (() => void) | null = null;
  private closed = false;

  constructor(options: InProcessTopicOptions = {}) {
    this.partitions = options.partitions ?? 1;
    this.maxPackets = options.maxPackets ?? 50_000;
    if (!(Number.isInteger(this.partitions) && this.partitions >= 1))
      throw new Error('an in-process topic needs at least one partition');
    this.nextOffsets = new Array<bigint>(this.partitions).fill(0n);
  }

  /** Packets sent and not yet polled. */
  get heldPacketCount(): number {
    return this.heldPackets;
  }

  /**
   * Appends the messages once the topic holds fewer than maxPackets (it may then exceed the bound
   * by this one send); resolves when they are in. Rejects once the topic is closed.
   */
  async send(messages: readonly TopicMessage[]): Promise<void> {
    if (this.heldPackets >= this.maxPackets && !this.closed) this.stats.sendsWaited++;
    while (this.heldPackets >= this.maxPackets && !this.closed)
      await new Promise<void>((resolve) => this.waitingSenders.push(resolve));
    if (this.closed) throw new Error('the in-process topic is closed');
    for (const m of messages) {
      if (!(Number.isInteger(m.partition) && m.partition >= 0 && m.partition < this.partitions))
        throw new Error(`partition ${m.partition} does not exist (topic of ${this.partitions})`);
    }
    for (const m of messages) {
      const offset = this.nextOffsets[m.partition];
      this.nextOffsets[m.partition] = offset + 1n;
      this.held.push({ ...m, offset });
      this.heldPackets += m.packets;
      this.stats.messages++;
      this.stats.packets += m.packets;
    }
    this.wakeConsumer();
  }

  /**
   * Takes every message held (send order, so each partition's in offset order), waiting until there
   * is one; null once the topic is closed and empty. Taking them makes room for senders.
   */
  async poll(): Promise<PolledMessage[] | null> {
    while (this.held.length === 0) {
      if (this.closed) return null;
      if (this.waitingConsumer !== null) throw new Error('the in-process topic has one consumer');
      await new Promise<void>((resolve) => {
        this.waitingConsumer = resolve;
      });
    }
    const taken = this.held;
    this.held = [];
    this.heldPackets = 0;
    for (const resolve of this.waitingSenders.splice(0)) resolve();
    return taken;
  }

  /** No more sends (waiting ones reject); poll() still returns what is held, then null. */
  close(): void {
    this.closed = true;
    for (const resolve of this.waitingSenders.splice(0)) resolve();
    this.wakeConsumer();
  }

  private wakeConsumer(): void {
    const resolve = this.waitingConsumer;
    this.waitingConsumer = null;
    resolve?.();
  }
}
