import type { InProcessTopic } from '@tcpx/schemas/in-process-topic';
import type { PacketTransport, TransportReady } from './packet-publisher.js';
import type { QueuedMessage } from './send-queue.js';

/**
 * The embedded mode's transport: batches go to an InProcessTopic, unframed (there is no registry:
 * both ends are this process and this build), in the partition the publisher chose by key, as
 * Kafka would. A send waits while the topic is full, so the publisher's bound and its policy apply
 * exactly as with a slow broker.
 */
export class InProcessTransport implements PacketTransport {
  constructor(private readonly topic: InProcessTopic) {}

  async start(): Promise<TransportReady> {
    return { partitions: this.topic.partitions, frame: (payload) => Buffer.from(payload) };
  }

  send(messages: QueuedMessage[]): Promise<void> {
    return this.topic.send(
      messages.map((m) => ({
        key: m.key,
        value: m.value,
        partition: m.partition,
        headers: m.headers,
        packets: m.packets,
      })),
    );
  }

  async close(): Promise<void> {}
}
