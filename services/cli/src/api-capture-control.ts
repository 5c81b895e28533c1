import { type CaptureControl, CaptureUnavailableError } from '@tcpx/query-api';
import { KafkaCaptureControl } from '@tcpx/query-api/capture/kafka-capture-control';
import { createKafka, DEFAULT_TOPICS } from '@tcpx/schemas/kafka';

/**
 * `tcpx api`'s capture switch. With Kafka (--brokers or TCPX_KAFKA_BROKERS) it is the control
 * topic the live edges follow (docs/pipeline.md, "Capture switch"); without, no edge can be
 * reached: capture reads as off and enable/disable answer 503 capture_unavailable, saying why.
 */
export async function apiCaptureControl(
  brokers: string | undefined,
  topic: string = DEFAULT_TOPICS.control,
): Promise<CaptureControl & { stop(): Promise<void> }> {
  if (!brokers) return { ...noEdgesCaptureControl(), stop: async () => {} };
  const control = new KafkaCaptureControl(
    createKafka({ brokers: brokers.split(',').map((b) => b.trim()), clientId: 'tcpx-api-control' }),
    topic,
  );
  await control.start();
  return control;
}

export function noEdgesCaptureControl(): CaptureControl {
  return {
    enabled: () => false,
    edges: () => [],
    set: () =>
      Promise.reject(
        new CaptureUnavailableError(
          'no edges are connected to this API: start it with --brokers (the Kafka the edges use) to switch their capture',
        ),
      ),
  };
}
