import { createKafka } from '@tcpx/schemas/kafka';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { keyPartitioner } from './partitioner.js';

/** Short: EdgePublisher.start() bounds its wait, and failed sends are retried by its own loop. */
const KAFKA_RETRY = { initialRetryTime: 200, maxRetryTime: 2000, retries: 3 };

/** The edge's kafkajs client and its idempotent producer. */
export function createEdgeProducer(options: {
  brokers: string[];
  clientId?: string;
  kafkaLogLevel?: kafkajs.logLevel;
}): { kafka: Kafka; producer: Producer } {
  const kafka = createKafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'tcpx-edge',
    // Quiet by default: failures surface through the publisher (start() errors, reports with
    // lastError) rather than a line per connection attempt. kafkajs also warns that bounded retries
    // weaken idempotence: not here, failed sends are resent as the same messages with the same
    // sequence numbers (kafkajs rolls them back on failure).
    logLevel: options.kafkaLogLevel ?? kafkajs.logLevel.NOTHING,
    retry: KAFKA_RETRY,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1, // kafkajs requires it for idempotence; it also keeps batches in order
    allowAutoTopicCreation: false,
    createPartitioner: keyPartitioner, // = kafkajs' DefaultPartitioner, faster
  });
  return { kafka, producer };
}

/** Creates the topic when missing (an existing one is kept as it is); returns its partition count. */
export async function ensureTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true }); // false if it exists
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0].partitions.length;
  } finally {
    await admin.disconnect();
  }
}
