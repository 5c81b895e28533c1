import type { Kafka } from 'kafkajs';
import { KafkaTransport, type KafkaTransportOptions } from './kafka-transport.js';
import { PacketPublisher, type PacketPublisherOptions } from './packet-publisher.js';

export type { PublisherStats } from './publisher-stats.js';

export interface EdgePublisherOptions extends KafkaTransportOptions, PacketPublisherOptions {}

/**
 * Publishes PacketSummary batches to Kafka, keyed by connection, through an idempotent producer
 * (PacketPublisher over KafkaTransport). Everything accepted is kept until Kafka acknowledges it,
 * retrying without end; the bound on buffered packets turns into counted drops (live) or
 * backpressure (replay).
 */
export class EdgePublisher extends PacketPublisher {
  readonly topic: string;
  /** The client, shared with the capture switch. */
  readonly kafka: Kafka;

  constructor(options: EdgePublisherOptions) {
    const transport = new KafkaTransport(options);
    super(transport, options);
    this.topic = transport.topic;
    this.kafka = transport.kafka;
  }
}
