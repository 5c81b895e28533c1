import { createSchemaSerdes, loadRegistryClient } from '@tcpx/schemas';
import { type Compression, compressionType, DEFAULT_TOPICS } from '@tcpx/schemas/kafka';
import type { Kafka, logLevel, Message, Producer } from 'kafkajs';
import { createEdgeProducer, ensureTopic } from './edge-kafka.js';
import type { PacketTransport, TransportReady } from './packet-publisher.js';
import { retryUntil } from './retry.js';

export interface KafkaTransportOptions {
  brokers: string[];
  registryUrl: string;
  topic?: string;
  compression?: Compression;
  /** Partitions of the topic when it has to be created (default 12). */
  partitions?: number;
  /** How long start() keeps trying to reach the registry and Kafka (default 30 s). */
  startTimeoutMs?: number;
  clientId?: string;
  /** kafkajs' own log lines (JSON on stderr); default none. */
  kafkaLogLevel?: logLevel;
}

/**
 * Kafka as the edge's transport: values Confluent-framed with the registered schema, sent by an
 * idempotent producer (acks from all replicas), the partition chosen from the key as Kafka does.
 */
export class KafkaTransport implements PacketTransport {
  readonly topic: string;
  readonly kafka: Kafka;
  private readonly producer: Producer;

  constructor(private readonly options: KafkaTransportOptions) {
    this.topic = options.topic ?? DEFAULT_TOPICS.packets;
    ({ kafka: this.kafka, producer: this.producer } = createEdgeProducer(options));
  }

  /** Registers the schema, creates the topic when missing and connects; throws one line after startTimeoutMs. */
  async start(): Promise<TransportReady> {
    const started = Date.now();
    const deadline = { started, deadline: started + (this.options.startTimeoutMs ?? 30_000) };
    const registryUrl = this.options.registryUrl;
    const kafkaName = `Kafka at ${this.options.brokers.join(',')}`;
    // The registry and the broker are independent: reached at the same time, start-up is the slower of the two.
    const [framed, connected] = await Promise.allSettled([
      createSchemaSerdes({ registryUrl, topic: this.topic }).then((serdes) =>
        retryUntil(`schema registry at ${registryUrl}`, deadline, () => serdes.batchFramer()),
      ),
      // The producer's connection (and its producer id) does not need the topic: both at once,
      // both finished (a connect still retrying would outlive the disconnect below).
      Promise.allSettled([
        retryUntil(kafkaName, deadline, () =>
          ensureTopic(this.kafka, this.topic, this.options.partitions ?? 12),
        ),
        retryUntil(kafkaName, deadline, () => this.producer.connect()),
      ]).then(([topic, producer]) => {
        if (topic.status === 'rejected') throw topic.reason;
        if (producer.status === 'rejected') throw producer.reason;
        return topic.value;
      }),
    ]);
    if (framed.status === 'rejected' || connected.status === 'rejected') {
      await this.producer.disconnect().catch(() => {}); // nothing left connected behind the error
      throw framed.status === 'rejected' ? framed.reason : (connected as PromiseRejectedResult).reason;
    }
    return { partitions: connected.value, frame: framed.value };
  }

  /** The registry client's module: ~0.1 s of CPU, the rest of a start is mostly waiting. */
  loaded(): Promise<unknown> {
    return loadRegistryClient();
  }

  send(messages: Message[]): Promise<unknown> {
    const compression = compressionType(this.options.compression ?? 'snappy');
    return this.producer.send({ topic: this.topic, messages, acks: -1, compression });
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
