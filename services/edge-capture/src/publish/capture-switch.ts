import {
  type ControlFollower,
  type EdgeCaptureState,
  encodeControl,
  followControlTopic,
} from '@tcpx/schemas/capture-control';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';

export interface CaptureSwitchOptions {
  kafka: Kafka;
  topic: string;
  node: string;
  interfaces: string[];
  /** Turns the capture on or off; its promise settles once the capture did so. */
  apply(enabled: boolean): Promise<void>;
  /** Reports the edge's state again this often (a heartbeat the API shows as `seen_at`); default 30 s. */
  heartbeatMs?: number;
  /** How long start() waits to learn the current switch before capturing anyway; default 15 s. */
  catchUpTimeoutMs?: number;
  log?: (line: Record<string, unknown>) => void;
}

/**
 * The edge's end of the capture switch: follows the control topic, applies every change to the
 * capture, and reports back `edge:<node>` = { capturing } after each change and as a heartbeat.
 * With no switch ever set, edges capture.
 */
export class CaptureSwitch {
  private follower: ControlFollower | undefined;
  private producer: Producer | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private capturing = false;
  private wanted = true;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly options: CaptureSwitchOptions) {}

  /** Learns the current switch (bounded wait), applies it, and reports; then follows changes. */
  async start(): Promise<void> {
    const { kafka, topic } = this.options;
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner, // one partition: any will do
    });
    await this.producer.connect();
    this.follower = await followControlTopic(kafka, topic, (record) => {
      if (record.kind === 'switch') this.change(record.value.enabled);
    });
    const timeoutMs = this.options.catchUpTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.follower.caughtUp,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    await this.change(this.wanted);
    this.heartbeat = setInterval(() => void this.report(), this.options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  private change(enabled: boolean): Promise<void> {
    this.wanted = enabled;
    this.applying = this.applying.then(async () => {
      const target = this.wanted; // the latest wish, when changes came faster than applying
      if (target !== this.capturing) {
        try {
          await this.options.apply(target);
          this.capturing = target;
          this.options.log?.({ msg: target ? 'capture switched on' : 'capture switched off' });
        } catch (error) {
          this.options.log?.({ msg: 'capture switch failed', error: (error as Error).message });
        }
      }
      await this.report();
    });
    return this.applying;
  }

  private async report(): Promise<void> {
    const state: EdgeCaptureState = {
      node: this.options.node,
      capturing: this.capturing,
      at: Date.now(),
      interfaces: this.options.interfaces,
    };
    try {
      await this.producer?.send({ topic: this.options.topic, messages: [encodeControl(state)] });
    } catch (error) {
      this.options.log?.({ msg: 'capture state report failed', error: (error as Error).message });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.follower?.stop().catch(() => {});
    await this.applying;
    this.capturing = false;
    await this.report();
    await this.producer?.disconnect().catch(() => {});
  }
}
