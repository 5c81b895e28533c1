import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPacketSummary } from '@tcpx/schemas';
import { endpoints, type InfraLease, infraScript, isHealthy, useInfra } from '@tcpx/schemas/testing/infra';
import { consumeTopic, deleteTopic, topicMessageCount } from '../testing/kafka-topic.js';
import { syntheticPacket as synthesize } from '../testing/synthetic-packets.js';
import { EdgePublisher } from './edge-publisher.js';

// Stops the real broker under a live-mode publisher and starts it again. TCPX_SKIP_KAFKA_TESTS=1
// skips it. The services are left running afterwards (stopped by release() only if started here).
// Other tests that use Kafka must not run at the same time: run with --test-concurrency=1, as the
// root `npm test` does.

const skip = process.env.TCPX_SKIP_KAFKA_TESTS === '1';
const TOPIC = `tcpx-edge-test-${process.pid}-${Date.now()}.outage`;
const BOUND = 2000;

/** Kafka and the registry healthy again (the registry keeps its state in Kafka and may not survive its absence). */
async function restoreInfra(): Promise<void> {
  if (!(await isHealthy('kafka'))) await infraScript('kafka', 'up');
  if (!(await isHealthy('registry'))) {
    await infraScript('registry', 'down');
    await infraScript('registry', 'up');
  }
}

describe('EdgePublisher while Kafka is down', { skip, timeout: 600_000 }, () => {
  let lease: InfraLease | undefined;
  const { kafkaBrokers: brokers, registryUrl } = endpoints;

  before(async () => {
    lease = await useInfra(['kafka', 'registry']);
  });
  after(async () => {
    await restoreInfra();
    await deleteTopic(brokers, registryUrl, TOPIC);
    await lease?.release();
  });

  it('live mode counts every drop past the bound, reports it, and delivers all it accepted once Kafka is back', async () => {
    const reports: string[] = [];
    const edge = new EdgePublisher({
      brokers,
      registryUrl,
      topic: TOPIC,
      node: 'edge-outage',
      mode: 'live',
      maxBufferedPackets: BOUND,
      flushIntervalMs: 20,
      reportIntervalMs: 200,
      report: (line) => reports.push(line),
    });
    // start() registers the schema: the framing header is cached before Kafka (and with it the
    // registry's storage) goes away.
    await edge.start();
    const p = createPacketSummary();
    const accepted = new Set<number>();
    let offered = 0;
    const offer = (n: number) => {
      for (let i = 0; i < n; i++) if (edge.publish(synthesize(p, ++offered))) accepted.add(offered);
    };
    offer(1000);
    assert.ok(await edge.flush(30_000));
    assert.equal(edge.stats().packetsPublished, 1000);

    try {
      await infraScript('kafka', 'down');
      for (let round = 0; round < 20; round++) {
        offer(250);
        await sleep(100);
      }
      for (let waited = 0; edge.stats().sendFailures === 0 && waited < 60_000; waited += 200)
        await sleep(200);
      await sleep(400); // one more report interval
      const s = edge.stats();
      assert.equal(s.packetsAccepted + s.packetsDropped, offered);
      assert.equal(s.packetsAccepted, accepted.size);
      assert.equal(
        s.packetsAccepted,
        1000 + BOUND,
        'nothing can be acknowledged: the bound is reached exactly',
      );
      assert.equal(s.packetsDropped, offered - 1000 - BOUND);
      assert.deepEqual(s.droppedByReason, { buffer_full: s.packetsDropped });
      assert.equal(s.bufferedPackets, BOUND);
      assert.ok(s.sendFailures > 0 && s.lastError, 'failed sends are counted, with the reason');
      const parsed = reports.map((l) => JSON.parse(l));
      assert.ok(parsed.some((r) => r.level === 'error' && /dropping/.test(r.msg) && r.packetsDropped > 0));
      assert.equal(parsed.at(-1).packetsDropped, s.packetsDropped, 'the last report has the final count');
    } catch (error) {
      await edge.close(0);
      throw error;
    } finally {
      await restoreInfra();
    }

    const flushed = await edge.flush(180_000);
    assert.ok(flushed, `everything accepted is sent once Kafka is back: ${JSON.stringify(edge.stats())}`);
    const stats = await edge.close();
    assert.equal(stats.packetsPublished, accepted.size);
    assert.equal(stats.bufferedPackets, 0);
    assert.ok(stats.sendRetries > 0);

    const messages = await consumeTopic({
      brokers,
      registryUrl,
      topic: TOPIC,
      until: (got) => got.reduce((n, m) => n + m.packets.length, 0) >= accepted.size,
      timeoutMs: 120_000,
    });
    assert.equal(
      await topicMessageCount(brokers, TOPIC),
      stats.messagesPublished,
      'no message written twice',
    );
    const frames = messages.flatMap((m) => m.packets.map((x) => x.frameNumber));
    assert.equal(frames.length, accepted.size, 'each accepted packet exactly once');
    assert.deepEqual(new Set(frames), accepted);
  });
});
