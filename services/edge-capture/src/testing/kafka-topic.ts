import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyPacketSummary,
  createPacketSummary,
  createSchemaSerdes,
  type PacketSummary,
} from '@tcpx/schemas';
import { createKafka } from '@tcpx/schemas/kafka';
import { REPO_ROOT } from '@tcpx/schemas/testing/infra';

// Test helpers that read back what an edge published, through a real consumer and the registry.

export interface ReceivedMessage {
  partition: number;
  offset: number;
  key: string;
  headers: Record<string, string>;
  /** Frame length on the wire (Confluent header included). */
  valueBytes: number;
  node: string;
  interfaceNames: string[];
  packets: PacketSummary[];
}

export interface ConsumeOptions {
  brokers: string[];
  registryUrl: string;
  topic: string;
  /** Stop once this returns true for what was received so far. */
  until: (received: readonly ReceivedMessage[]) => boolean;
  timeoutMs?: number;
}

/** Consumes `topic` from the beginning with a new consumer group; messages in arrival order. */
export async function consumeTopic(options: ConsumeOptions): Promise<ReceivedMessage[]> {
  const serdes = await createSchemaSerdes({ registryUrl: options.registryUrl, topic: options.topic });
  const kafka = createKafka({ brokers: options.brokers, clientId: 'tcpx-edge-test-consumer' });
  const consumer = kafka.consumer({ groupId: `${options.topic}.check-${Date.now()}` });
  const received: ReceivedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const packets: PacketSummary[] = [];
        const decoded = await serdes.deserializeBatch(message.value!, (p) =>
          packets.push(copyPacketSummary(p, createPacketSummary())),
        );
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        received.push({
          partition,
          offset: Number(message.offset),
          key: message.key!.toString(),
          headers,
          valueBytes: message.value!.length,
          node: decoded.node,
          interfaceNames: decoded.interfaceNames,
          packets,
        });
        if (options.until(received)) done();
      },
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([finished, timedOut]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return received;
}

/** Messages stored in `topic`: the sum of its partitions' end offsets (nothing is deleted in tests). */
export async function topicMessageCount(brokers: string[], topic: string): Promise<number> {
  const admin = createKafka({ brokers, clientId: 'tcpx-edge-test-admin' }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topic and its value subject (soft, then permanently); best effort. */
export async function deleteTopic(brokers: string[], registryUrl: string, topic: string): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'tcpx-edge-test-admin', retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
  } catch {
    // Best effort: a leftover test topic is harmless.
  } finally {
    await admin.disconnect();
  }
  for (const suffix of ['', '?permanent=true'])
    await fetch(`${registryUrl}/subjects/${topic}-value${suffix}`, { method: 'DELETE' }).catch(() => {});
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * Compression codecs of the record batches stored for `topic`, counted, read from the local broker's
 * log segments (record batch v2: attributes at byte 21, codec in bits 0–2). Null when the broker's
 * data directory is not on this machine.
 */
export function storedCodecs(topic: string): Record<string, number> | null {
  const dataDir = join(process.env.TCPX_INFRA_DIR ?? join(REPO_ROOT, '.cache/infra'), 'kafka/data');
  let dirs: string[];
  try {
    dirs = readdirSync(dataDir).filter(
      (d) => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1)),
    );
  } catch {
    return null;
  }
  const counts: Record<string, number> = {};
  for (const dir of dirs) {
    for (const file of readdirSync(join(dataDir, dir)).filter((f) => f.endsWith('.log'))) {
      const b = readFileSync(join(dataDir, dir, file));
      for (let pos = 0; pos + 23 <= b.length; pos += 12 + b.readInt32BE(pos + 8)) {
        const codec = CODECS[b.readInt16BE(pos + 21) & 7];
        counts[codec] = (counts[codec] ?? 0) + 1;
      }
    }
  }
  return counts;
}
