import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { END_OF_CAPTURE_HEADER, packetKey } from '@tcpx/schemas/kafka';
import { endpoints, type InfraLease, REPO_ROOT, useInfra } from '@tcpx/schemas/testing/infra';
import { readCaptureFile } from '../capture-file.js';
import {
  ETHERTYPE_IPV4,
  ethernetFrame,
  ipv4Packet,
  tcpSegment,
  writePcap,
} from '../testing/capture-writer.js';
import { consumeTopic, deleteTopic, type ReceivedMessage, storedCodecs } from '../testing/kafka-topic.js';
import { EdgePublisher, type EdgePublisherOptions } from './edge-publisher.js';
import { replayCapture } from './replay.js';

// Against the real Kafka broker and schema registry of infra/ (started here, and stopped again,
// only when they are not already running). TCPX_SKIP_KAFKA_TESTS=1 skips them.

const skip = process.env.TCPX_SKIP_KAFKA_TESTS === '1';
const RUN = `tcpx-edge-test-${process.pid}-${Date.now()}`;
const DEMO = join(REPO_ROOT, 'samples/demo.pcap');

describe('EdgePublisher → real Kafka', { skip, timeout: 600_000 }, () => {
  let lease: InfraLease | undefined;
  const topics: string[] = [];
  const { kafkaBrokers: brokers, registryUrl } = endpoints;
  const tmp = mkdtempSync(join(tmpdir(), 'tcpx-edge-'));

  before(async () => {
    lease = await useInfra(['kafka', 'registry']);
  });
  after(async () => {
    for (const edge of open) await edge.close(0); // after a failed test: no connection left open
    for (const topic of topics) await deleteTopic(brokers, registryUrl, topic);
    rmSync(tmp, { recursive: true, force: true });
    await lease?.release();
  });

  const open: EdgePublisher[] = [];
  function publisher(name: string, options: Partial<EdgePublisherOptions> = {}): EdgePublisher {
    const topic = `${RUN}.${name}`;
    if (!topics.includes(topic)) topics.push(topic);
    const edge = new EdgePublisher({
      brokers,
      registryUrl,
      topic,
      mode: 'replay',
      node: 'edge-test',
      ...options,
    });
    open.push(edge);
    return edge;
  }

  /** Expected (frame number → key) of a capture, read by the same reader the replay uses. */
  async function expectedKeys(path: string, node: string): Promise<Map<number, string>> {
    const keys = new Map<number, string>();
    await readCaptureFile(path, (p) => keys.set(p.frameNumber, packetKey(node, p)));
    return keys;
  }

  const packetCount = (messages: readonly ReceivedMessage[]) =>
    messages.reduce((n, m) => n + m.packets.length, 0);

  /** Every expected packet exactly once, each under its connection's key, a connection in one partition, in order. */
  function checkDelivery(messages: ReceivedMessage[], expected: Map<number, string>, node: string): void {
    const seen = new Set<number>();
    const partitionOfKey = new Map<string, number>();
    const lastFrameOfKey = new Map<string, number>();
    const ordered = [...messages].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (const m of ordered.filter((x) => x.headers[END_OF_CAPTURE_HEADER] === undefined)) {
      assert.equal(m.node, node);
      assert.ok(m.key.startsWith(`${node}|tcp|`));
      assert.equal(partitionOfKey.get(m.key) ?? m.partition, m.partition, `${m.key} in two partitions`);
      partitionOfKey.set(m.key, m.partition);
      for (const p of m.packets) {
        assert.ok(!seen.has(p.frameNumber), `frame ${p.frameNumber} delivered twice`);
        seen.add(p.frameNumber);
        assert.equal(m.key, expected.get(p.frameNumber), `frame ${p.frameNumber} under the wrong key`);
        assert.ok(
          p.frameNumber > (lastFrameOfKey.get(m.key) ?? 0),
          `${m.key}: frame ${p.frameNumber} out of order`,
        );
        lastFrameOfKey.set(m.key, p.frameNumber);
      }
    }
    assert.equal(seen.size, expected.size);
    assert.equal(partitionOfKey.size, new Set(expected.values()).size);
  }

  it('replays demo.pcap as fast as possible: every packet once, connections whole and in order', async () => {
    const expected = await expectedKeys(DEMO, 'edge-test');
    // Small batches, so that a connection spans many messages whose order matters.
    const edge = publisher('demo', { maxBatchPackets: 20, partitions: 12 });
    await edge.start();
    const result = await replayCapture(DEMO, edge, { speed: 'fast' });
    await edge.close();
    assert.equal(result.capture?.tcpPackets, expected.size);
    assert.equal(result.publisher.packetsPublished, expected.size);
    assert.equal(result.publisher.packetsDropped, 0);
    assert.equal(result.publisher.bufferedPackets, 0);

    const messages = await consumeTopic({
      brokers,
      registryUrl,
      topic: edge.topic,
      until: (got) => got.length === result.publisher.messagesPublished, // with the 12 end-of-capture markers
    });
    checkDelivery(messages, expected, 'edge-test');
    assert.equal(new Set(expected.values()).size, 42, 'demo.pcap has 42 connections');
    const markers = messages.filter((m) => m.headers[END_OF_CAPTURE_HEADER] !== undefined);
    assert.deepEqual(
      markers.map((m) => m.partition).sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.ok(markers.every((m) => m.node === 'edge-test' && m.packets.length === 0));
    assert.equal(
      messages.reduce((n, m) => n + m.valueBytes, 0),
      result.publisher.bytesPublished,
    );
    const codecs = storedCodecs(edge.topic);
    if (codecs) assert.deepEqual(Object.keys(codecs), ['snappy']);
  });

  /** Two connections, one packet every 100 ms for `seconds`, alternating connections and directions. */
  function pacedCapture(seconds: number): string {
    const records = [];
    for (let i = 0; i < seconds * 10; i++) {
      const c = i % 2;
      const out = (i >> 1) % 2 === 0;
      const [srcPort, dstPort] = out ? [40000 + c, 80] : [80, 40000 + c];
      const segment = tcpSegment({ srcPort, dstPort, seq: i, ack: 1, flags: 16, window: 100 });
      const ip = ipv4Packet(
        { src: out ? '10.1.0.1' : '10.1.0.2', dst: out ? '10.1.0.2' : '10.1.0.1' },
        segment,
      );
      const t = 1_700_000_000 * 1e9 + i * 100e6;
      records.push({
        data: ethernetFrame({ type: ETHERTYPE_IPV4 }, ip),
        tsSec: Math.floor(t / 1e9),
        tsNsec: t % 1e9,
      });
    }
    const path = join(tmp, `paced-${seconds}.pcap`);
    writeFileSync(path, writePcap(records));
    return path;
  }

  for (const [speed, compression] of [
    [1, 'gzip'],
    [4, 'none'],
  ] as const) {
    it(`paces a replay at speed ${speed} against the wall clock (${compression})`, async () => {
      const path = pacedCapture(2);
      const captureMs = 1900; // 20 packets, 100 ms apart
      const expected = await expectedKeys(path, 'edge-test');
      const edge = publisher(`paced-${speed}`, { compression, flushIntervalMs: 20 });
      await edge.start();
      const result = await replayCapture(path, edge, { speed, endOfCapture: false });
      await edge.close();
      assert.ok(
        result.elapsedMs >= captureMs / speed - 20,
        `took ${result.elapsedMs.toFixed(0)} ms for ${captureMs} ms of capture at speed ${speed}`,
      );
      const messages = await consumeTopic({
        brokers,
        registryUrl,
        topic: edge.topic,
        until: (got) => packetCount(got) === expected.size,
      });
      checkDelivery(messages, expected, 'edge-test');
      // 100 ms between packets, a 20 ms flush interval: paced packets leave in several small batches.
      assert.ok(messages.length > 2, `${messages.length} messages`);
      const codecs = storedCodecs(edge.topic);
      if (codecs) assert.deepEqual(Object.keys(codecs), [compression]);
    });
  }

  it('gives up at start with a one-line reason when Kafka or the registry cannot be reached', async () => {
    const noKafka = publisher('unreachable', { brokers: ['127.0.0.1:1'], startTimeoutMs: 1500 });
    await assert.rejects(
      noKafka.start(),
      /^Error: Kafka at 127\.0\.0\.1:1 unreachable \(gave up after \d+ s\): [^\n]+$/,
    );
    await noKafka.close();
    const noRegistry = publisher('unreachable', {
      registryUrl: 'http://127.0.0.1:1/apis/ccompat/v7',
      startTimeoutMs: 1500,
    });
    await assert.rejects(
      noRegistry.start(),
      /^Error: schema registry at http:\/\/127\.0\.0\.1:1\S* unreachable/,
    );
    await noRegistry.close();
  });
});
