import type { Kafka } from 'kafkajs';

// Whether edges capture ("dissection" in the seed's API): one compacted control topic. The query
// API writes the switch; every edge follows it, starts or stops its capture, and writes back its
// own state, so the API can say which edges actually obey. Compaction keeps the latest value per
// key, so an edge that starts later still finds the current switch.

/** Key of the switch record. */
export const CAPTURE_SWITCH_KEY = 'capture';
/** Key prefix of an edge's state record: `edge:<node>`. */
export const EDGE_STATE_KEY_PREFIX = 'edge:';

export interface CaptureSwitch {
  enabled: boolean;
  /** Epoch ms when it was set. */
  at: number;
  /** Who set it, for people reading the topic. */
  by: string;
}

export interface EdgeCaptureState {
  node: string;
  capturing: boolean;
  /** Epoch ms of this report (edges repeat it as a heartbeat). */
  at: number;
  /** Interfaces the edge captures on, '' for a file replay. */
  interfaces: string[];
}

export type ControlRecord =
  | { kind: 'switch'; value: CaptureSwitch }
  | { kind: 'edge'; value: EdgeCaptureState }
  | { kind: 'unknown' };

export function encodeControl(record: CaptureSwitch | EdgeCaptureState): { key: string; value: string } {
  return 'node' in record
    ? { key: `${EDGE_STATE_KEY_PREFIX}${record.node}`, value: JSON.stringify(record) }
    : { key: CAPTURE_SWITCH_KEY, value: JSON.stringify(record) };
}

/** A record of the control topic; anything malformed is 'unknown' (and ignored), never a crash. */
export function decodeControl(key: string | undefined, value: string | undefined): ControlRecord {
  try {
    if (value === undefined) return { kind: 'unknown' };
    const parsed = JSON.parse(value) as Record<string, unknown>;
    if (key === CAPTURE_SWITCH_KEY && typeof parsed.enabled === 'boolean')
      return {
        kind: 'switch',
        value: { enabled: parsed.enabled, at: Number(parsed.at) || 0, by: String(parsed.by ?? '') },
      };
    if (key?.startsWith(EDGE_STATE_KEY_PREFIX) && typeof parsed.capturing === 'boolean')
      return {
        kind: 'edge',
        value: {
          node: key.slice(EDGE_STATE_KEY_PREFIX.length),
          capturing: parsed.capturing,
          at: Number(parsed.at) || 0,
          interfaces: Array.isArray(parsed.interfaces) ? parsed.interfaces.map(String) : [],
        },
      };
  } catch {
    // not JSON: fall through
  }
  return { kind: 'unknown' };
}

/** Creates the compacted, single-partition control topic when missing. */
export async function ensureControlTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
  } finally {
    await admin.disconnect();
  }
}

export interface ControlFollower {
  /** Resolves once everything already in the topic was read (the current switch is known). */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads the control topic from the beginning, then follows it. A consumer group of its own (no
 * offsets worth keeping: the whole compacted topic is small and read again at every start).
 */
export async function followControlTopic(
  kafka: Kafka,
  topic: string,
  onRecord: (record: ControlRecord) => void,
): Promise<ControlFollower> {
  await ensureControlTopic(kafka, topic);
  const admin = kafka.admin();
  await admin.connect();
  const end = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const lastOffset = BigInt(end[0]?.high ?? '0') - 1n;
  let markCaughtUp = () => {};
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  if (lastOffset < 0n) markCaughtUp();
  const consumer = kafka.consumer({
    groupId: `tcpx-control-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
    // a short session: this group has one member and nothing to hand over
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      onRecord(decodeControl(message.key?.toString(), message.value?.toString()));
      if (BigInt(message.offset) >= lastOffset) markCaughtUp();
    },
  });
  return {
    caughtUp,
    stop: () => consumer.disconnect(),
  };
}
