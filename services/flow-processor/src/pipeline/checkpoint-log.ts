import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import kafkajs, { type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { gzipAll } from './gzip-states.js';

// Flow-table checkpoints in a compacted Kafka topic, as Kafka Streams keeps its changelogs: each
// input partition's snapshot is written as chunks (keys carry the snapshot id, so a half-written
// snapshot never mixes with the previous one), then a manifest naming the snapshot and the input
// offset it covers; then the previous snapshot's chunks are deleted with tombstones. One
// partition, so the log's order is the write order.

// The broker's default limit (1 MB) applies to a whole record batch, and one send to the single
// partition is one batch: chunks of 256 KB, sends of at most 900 KB.
const CHUNK_BYTES = 256 * 1024;
const SEND_BYTES = 900 * 1024;

export interface Checkpoint {
  /** Next input offset to process: the snapshot contains every message before it. */
  offset: string;
  state: Uint8Array;
}

interface Manifest {
  snapshot: string;
  offset: string;
  chunks: number;
  bytes: number;
  writtenAt: string;
}

export interface CheckpointLogOptions {
  kafka: Kafka;
  topic: string;
  /** Consumer group of the processors: checkpoints are per group and input topic. */
  group: string;
  inputTopic: string;
}

export class CheckpointLog {
  private producer: Producer | undefined;
  /** Our last snapshot id per partition, whose chunks the next write retires. */
  private readonly previous = new Map<number, { snapshot: string; chunks: number }>();

  constructor(private readonly options: CheckpointLogOptions) {}

  private prefix(partition: number): string {
    return `${this.options.group}|${this.options.inputTopic}|${partition}`;
  }

  async ensureTopic(admin: Admin): Promise<void> {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: this.options.topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'min.compaction.lag.ms', value: '60000' },
          ],
        },
      ],
    });
  }

  /** Writes the checkpoints and resolves once the broker has them all (acks from all replicas). */
  async write(checkpoints: ReadonlyMap<number, Checkpoint>): Promise<void> {
    if (checkpoints.size === 0) return;
    this.producer ??= await this.connectProducer();
    const messages: { key: string; value: Buffer | null }[] = [];
    const retire: { key: string; value: null }[] = [];
    const written = new Map<number, { snapshot: string; chunks: number }>();
    const packedStates = await gzipAll(checkpoints);
    for (const [partition, { offset }] of checkpoints) {
      const snapshot = randomUUID();
      const packed = packedStates.get(partition)!;
      const chunks = Math.max(1, Math.ceil(packed.length / CHUNK_BYTES));
      for (let i = 0; i < chunks; i++) {
        messages.push({
          key: `${this.prefix(partition)}|${snapshot}|${i}`,
          value: packed.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
        });
      }
      const manifest: Manifest = {
        snapshot,
        offset,
        chunks,
        bytes: packed.length,
        writtenAt: new Date().toISOString(),
      };
      messages.push({ key: this.prefix(partition), value: Buffer.from(JSON.stringify(manifest)) });
      const old = this.previous.get(partition);
      if (old) {
        for (let i = 0; i < old.chunks; i++)
          retire.push({ key: `${this.prefix(partition)}|${old.snapshot}|${i}`, value: null });
      }
      written.set(partition, { snapshot, chunks });
    }
    await this.send(messages);
    for (const [partition, w] of written) this.previous.set(partition, w);
    await this.send(retire);
  }

  /**
   * The latest checkpoint of each requested partition, read from the whole (compacted) log with a
   * throw-away consumer group. Partitions never checkpointed are absent.
   */
  async read(partitions: readonly number[]): Promise<Map<number, Checkpoint>> {
    const { kafka, topic } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
      ends = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, high: o.high }));
    } finally {
      await admin.disconnect();
    }
    const wanted = new Map(partitions.map((p) => [this.prefix(p), p]));
    const manifests = new Map<number, Manifest>();
    const chunks = new Map<string, Buffer>();
    if (ends.some((e) => BigInt(e.high) > 0n)) {
      await readToEnd(kafka, topic, ends, (key, value) => {
        const partition = wanted.get(key);
        if (partition !== undefined) {
          if (value) manifests.set(partition, JSON.parse(value.toString()) as Manifest);
          else manifests.delete(partition);
          return;
        }
        const cut = key.lastIndexOf('|', key.lastIndexOf('|') - 1);
        if (cut < 0 || !wanted.has(key.slice(0, cut))) return;
        if (value) chunks.set(key, value);
        else chunks.delete(key);
      });
    }
    const out = new Map<number, Checkpoint>();
    for (const [partition, m] of manifests) {
      const parts: Buffer[] = [];
      for (let i = 0; i < m.chunks; i++) {
        const chunk = chunks.get(`${this.prefix(partition)}|${m.snapshot}|${i}`);
        if (!chunk) throw new Error(`checkpoint of partition ${partition} lacks chunk ${i} of ${m.chunks}`);
        parts.push(chunk);
      }
      const packed = Buffer.concat(parts);
      if (packed.length !== m.bytes) throw new Error(`checkpoint of partition ${partition} is truncated`);
      out.set(partition, { offset: m.offset, state: gunzipSync(packed) });
      this.previous.set(partition, { snapshot: m.snapshot, chunks: m.chunks });
    }
    return out;
  }

  /** Sends in order, in groups that stay under the broker's batch limit. */
  private async send(messages: { key: string; value: Buffer | null }[]): Promise<void> {
    let group: typeof messages = [];
    let bytes = 0;
    for (const m of [...messages, null]) {
      const size = m ? m.key.length + (m.value?.length ?? 0) + 64 : 0;
      if (group.length > 0 && (m === null || bytes + size > SEND_BYTES)) {
        await this.producer!.send({ topic: this.options.topic, acks: -1, messages: group });
        group = [];
        bytes = 0;
      }
      if (m) {
        group.push(m);
        bytes += size;
      }
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async connectProducer(): Promise<Producer> {
    const producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner, // explicit: silences kafkajs' v2 notice
    });
    await producer.connect();
    return producer;
  }
}

/** Reads every message of `topic` up to the given end offsets, in order per partition. */
async function readToEnd(
  kafka: Kafka,
  topic: string,
  ends: { partition: number; high: string }[],
  visit: (key: string, value: Buffer | null) => void,
): Promise<void> {
  const consumer: Consumer = kafka.consumer({ groupId: `tcpx-checkpoint-reader-${randomUUID()}` });
  const remaining = new Set(ends.filter((e) => BigInt(e.high) > 0n).map((e) => e.partition));
  const high = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const end = high.get(batch.partition) ?? 0n;
              if (BigInt(m.offset) >= end) break;
              visit(m.key?.toString() ?? '', m.value);
              if (BigInt(m.offset) + 1n >= end) remaining.delete(batch.partition);
            }
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
