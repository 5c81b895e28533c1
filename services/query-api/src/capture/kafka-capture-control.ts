import {
  type CaptureSwitch,
  type ControlFollower,
  type EdgeCaptureState,
  encodeControl,
  followControlTopic,
} from '@tcpx/schemas/capture-control';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import type { CaptureControl } from '../http/context.js';

/**
 * The API's end of the capture switch: writes the switch to the control topic (acknowledged by
 * all in-sync replicas before set() resolves) and follows the topic for the current switch and
 * every edge's reported state, so several API replicas agree and callers see which edges obey.
 */
export class KafkaCaptureControl implements CaptureControl {
  private current: CaptureSwitch | undefined;
  private readonly edgeStates = new Map<string, EdgeCaptureState>();
  private follower: ControlFollower | undefined;
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner, // one partition: any will do
    });
    await this.producer.connect();
    this.follower = await followControlTopic(this.kafka, this.topic, (record) => {
      if (record.kind === 'switch') this.current = record.value;
      if (record.kind === 'edge') this.edgeStates.set(record.value.node, record.value);
    });
    await this.follower.caughtUp;
  }

  /** Edges capture unless the switch was turned off. */
  enabled(): boolean {
    return this.current?.enabled ?? true;
  }

  async set(enabled: boolean): Promise<void> {
    if (!this.producer) throw new Error('capture control not started');
    const value: CaptureSwitch = { enabled, at: Date.now(), by: 'tcpx query-api' };
    await this.producer.send({ topic: this.topic, acks: -1, messages: [encodeControl(value)] });
    this.current = value; // the follower will read the same record back
  }

  /** Every edge that ever reported, with its last state (`at` shows how fresh it is). */
  edges(): EdgeCaptureState[] {
    return [...this.edgeStates.values()].sort((a, b) => a.node.localeCompare(b.node));
  }

  async stop(): Promise<void> {
    await this.follower?.stop().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
  }
}
