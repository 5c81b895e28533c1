import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createPacketSummary, decodePacketSummaryBatch } from '@tcpx/schemas';
import { InProcessTopic, type PolledMessage } from '@tcpx/schemas/in-process-topic';
import { END_OF_CAPTURE_HEADER } from '@tcpx/schemas/kafka';
import { REPO_ROOT } from '@tcpx/schemas/testing/infra';
import { syntheticPacket } from '../testing/synthetic-packets.js';
import { InProcessTransport } from './in-process-transport.js';
import { PacketPublisher, type PacketTransport } from './packet-publisher.js';
import { PauseGate } from './pause-gate.js';
import { replayCapture } from './replay.js';

// The edge's bound and its policies over the in-process transport, with no I/O: the topic full
// (no consumer) is a broker that does not acknowledge; live capture drops and counts, a replay waits.

const FLOWS = 10;
const BOUND = 1000;

/** Lets pending promise callbacks and a macrotask run. */
const settle = async (turns = 5) => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
};

function publisherOver(topic: InProcessTopic, mode: 'live' | 'replay'): PacketPublisher {
  return new PacketPublisher(new InProcessTransport(topic), {
    node: 'edge-test',
    mode,
    maxBufferedPackets: BOUND,
    maxBatchPackets: 100,
    flushIntervalMs: 60_000, // batches leave when full or flushed, never by the clock here
    report: () => {},
  });
}

/** Every packet's seq (its frame number, see syntheticPacket) per connection key, in delivery order. */
function delivered(messages: readonly PolledMessage[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const m of messages) {
    const seqs = byKey.get(m.key) ?? [];
    decodePacketSummaryBatch(m.value, (p) => seqs.push(p.seq));
    byKey.set(m.key, seqs);
  }
  return byKey;
}

describe('PacketPublisher over the in-process topic', () => {
  it('live: past the bound packets are dropped and counted; all accepted arrive once, in order', async () => {
    const topic = new InProcessTopic({ maxPackets: BOUND });
    const publisher = publisherOver(topic, 'live');
    await publisher.start();
    const p = createPacketSummary();
    const accepted: number[] = [];
    let frame = 0;
    const offer = (n: number) => {
      for (let i = 0; i < n; i++)
        if (publisher.publish(syntheticPacket(p, ++frame, FLOWS))) accepted.push(frame);
    };

    offer(BOUND + 1); // the bound, then one drop
    assert.deepEqual([accepted.length, frame], [BOUND, BOUND + 1]);
    assert.equal(await publisher.flush(), true, 'the topic has room for the first bound');
    assert.equal(topic.heldPacketCount, BOUND);

    // Nobody consumes: the topic is full, sends wait, the publisher's buffer fills, drops follow.
    offer(BOUND + 500);
    await settle();
    assert.equal(publisher.backpressured, true);
    offer(10);
    assert.equal(accepted.length, 2 * BOUND);
    const dropped = frame - accepted.length;
    assert.equal(dropped, 1 + 500 + 10);
    assert.equal(publisher.stats().droppedByReason.buffer_full, dropped);

    // A consumer appears: what was held goes through.
    const messages = (await topic.poll())!;
    assert.equal(await publisher.flush(), true);
    messages.push(...(await topic.poll())!);
    const seqs = delivered(messages);
    assert.deepEqual(
      [...seqs.values()].flat().sort((a, b) => a - b),
      accepted,
      'every accepted packet exactly once',
    );
    for (const [key, list] of seqs)
      assert.deepEqual(
        list,
        [...list].sort((a, b) => a - b),
        `${key}: packets in capture order`,
      );
    const stats = await publisher.close();
    assert.deepEqual(
      [stats.packetsAccepted, stats.packetsPublished, stats.packetsDropped, stats.bufferedPackets],
      [2 * BOUND, 2 * BOUND, dropped, 0],
    );
  });

  it('replay: never drops; writable() holds the reader until the consumer makes room', async () => {
    const topic = new InProcessTopic({ maxPackets: BOUND });
    const publisher = publisherOver(topic, 'replay');
    await publisher.start();
    const p = createPacketSummary();
    for (let frame = 1; frame <= BOUND; frame++) publisher.publish(syntheticPacket(p, frame, FLOWS));
    assert.equal(await publisher.flush(), true);
    for (let frame = BOUND + 1; frame <= 2 * BOUND; frame++)
      publisher.publish(syntheticPacket(p, frame, FLOWS));
    assert.equal(publisher.backpressured, true);
    let resumed = false;
    const room = publisher.writable().then(() => {
      resumed = true;
    });
    await settle();
    assert.equal(resumed, false, 'the topic is full: the reader waits');
    const messages = (await topic.poll())!;
    await room;
    assert.equal(await publisher.flush(), true);
    messages.push(...(await topic.poll())!);
    assert.equal([...delivered(messages).values()].flat().length, 2 * BOUND);
    const stats = await publisher.close();
    assert.deepEqual([stats.packetsAccepted, stats.packetsDropped], [2 * BOUND, 0]);
  });

  it('replays a real capture through a small bound and a slow consumer without losing a packet', async () => {
    const topic = new InProcessTopic({ maxPackets: 100 });
    const publisher = new PacketPublisher(new InProcessTransport(topic), {
      node: 'demo',
      mode: 'replay',
      maxBufferedPackets: 200,
      report: () => {},
    });
    await publisher.start();
    const got: PolledMessage[] = [];
    const consuming = (async () => {
      for (let batch = await topic.poll(); batch !== null; batch = await topic.poll()) {
        got.push(...batch);
        await settle(1); // a consumer slower than the reader
      }
    })();
    const result = await replayCapture(join(REPO_ROOT, 'samples/demo.pcap'), publisher, { speed: 'fast' });
    await publisher.close();
    topic.close();
    await consuming;
    const packets = got.reduce((n, m) => n + m.packets, 0);
    assert.equal(packets, result.capture!.tcpPackets);
    assert.equal(result.publisher.packetsDropped, 0);
    assert.ok(topic.stats.sendsWaited > 0, 'the bound was reached');
    const markers = got.filter((m) => m.headers?.[END_OF_CAPTURE_HEADER] !== undefined);
    assert.deepEqual(
      markers.map((m) => [m.partition, m.packets]),
      [[0, 0]],
    );
    assert.equal(got.at(-1), markers[0], 'the end-of-capture marker comes last');
  });

  /** The in-process transport, whose start() resolves (or fails) only when the test says so. */
  function lateStart(topic: InProcessTopic) {
    const transport = new InProcessTransport(topic);
    let finish!: (error?: Error) => void;
    const gate = new Promise<void>((resolve, reject) => {
      finish = (error) => (error ? reject(error) : resolve());
    });
    const started = transport.start.bind(transport);
    transport.start = () => gate.then(started);
    return { transport, finish };
  }

  // The demo capture has ~4,100 TCP packets: a bound of 1,000 holds the reader in writable(), one of
  // 10,000 lets it read the whole file and wait in flush().
  for (const bound of [1000, 10_000]) {
    it(`a replay reads while the transport starts (bound ${bound}): batches wait, then all arrive in order`, async () => {
      const topic = new InProcessTopic();
      const { transport, finish } = lateStart(topic);
      const publisher = new PacketPublisher(transport, {
        node: 'demo',
        mode: 'replay',
        maxBufferedPackets: bound,
        report: () => {},
      });
      const starting = publisher.start();
      let settled = false;
      const replay = replayCapture(join(REPO_ROOT, 'samples/demo.pcap'), publisher, {
        speed: 'fast',
      }).finally(() => {
        settled = true;
      });
      await settle(50);
      const read = publisher.stats().packetsAccepted;
      assert.ok(read >= Math.min(bound, 4000), `read ${read}`);
      assert.equal(settled, false, 'the replay waits for the start');
      assert.equal(topic.stats.packets, 0);
      finish();
      await starting;
      const result = await replay;
      await publisher.close();
      const messages: PolledMessage[] = [];
      topic.close();
      for (let batch = await topic.poll(); batch !== null; batch = await topic.poll())
        messages.push(...batch);
      const frames = new Map<string, number[]>();
      for (const m of messages)
        decodePacketSummaryBatch(m.value, (p) =>
          frames.set(m.key, [...(frames.get(m.key) ?? []), p.frameNumber]),
        );
      const all = [...frames.values()];
      assert.equal(all.flat().length, result.capture!.tcpPackets);
      for (const perConnection of all)
        assert.deepEqual(
          perConnection,
          [...perConnection].sort((a, b) => a - b),
          'in capture order',
        );
    });
  }

  it("a replay reads nothing until the transport's code is loaded, then reads while it connects", async () => {
    const topic = new InProcessTopic();
    const { transport, finish } = lateStart(topic);
    let loaded!: () => void;
    (transport as PacketTransport).loaded = () => new Promise<void>((resolve) => (loaded = resolve));
    const publisher = new PacketPublisher(transport, { node: 'demo', mode: 'replay', report: () => {} });
    const starting = publisher.start();
    const replay = replayCapture(join(REPO_ROOT, 'samples/demo.pcap'), publisher, { speed: 'fast' });
    await settle(20);
    assert.equal(publisher.stats().packetsAccepted, 0, 'nothing read while the code loads');
    loaded();
    await settle(20);
    assert.ok(publisher.stats().packetsAccepted > 0, 'read while still connecting');
    finish();
    await starting;
    const result = await replay;
    assert.equal(topic.stats.packets, result.capture!.tcpPackets);
    await publisher.close();
  });

  it("while the transport starts, the reader yields after every chunk: the start's round trips are not held up", async () => {
    // A start of three round trips, each one event-loop turn; the demo capture is 8 chunks of 64 KiB.
    const topic = new InProcessTopic();
    const transport = new InProcessTransport(topic);
    const startTransport = transport.start.bind(transport);
    const roundTrip = () => new Promise((resolve) => setImmediate(resolve));
    transport.start = async () => {
      for (let i = 0; i < 3; i++) await roundTrip();
      return startTransport();
    };
    const publisher = new PacketPublisher(transport, { node: 'demo', mode: 'replay', report: () => {} });
    let readWhenStarted = -1;
    const starting = publisher.start().then(() => {
      readWhenStarted = publisher.stats().packetsAccepted;
    });
    const result = await replayCapture(join(REPO_ROOT, 'samples/demo.pcap'), publisher, { speed: 'fast' });
    await starting;
    assert.ok(readWhenStarted > 0, `read ${readWhenStarted} while starting`);
    assert.ok(
      readWhenStarted < result.capture!.tcpPackets / 2,
      `started after ${readWhenStarted} of ${result.capture!.tcpPackets} packets`,
    );
    assert.equal(topic.stats.packets, result.capture!.tcpPackets);
    await publisher.close();
  });

  it('a failed start fails the replay with its error, and what was read is counted as lost', async () => {
    const topic = new InProcessTopic();
    const { transport, finish } = lateStart(topic);
    const publisher = new PacketPublisher(transport, { node: 'demo', mode: 'replay', report: () => {} });
    publisher.start().catch(() => {});
    const replay = replayCapture(join(REPO_ROOT, 'samples/demo.pcap'), publisher, { speed: 'fast' });
    await settle(20);
    finish(new Error('Kafka at 127.0.0.1:1 unreachable'));
    await assert.rejects(replay, /Kafka at 127\.0\.0\.1:1 unreachable/);
    const stats = await publisher.close();
    assert.ok(stats.packetsAccepted > 0);
    assert.deepEqual(
      [stats.packetsPublished, stats.packetsDropped, stats.droppedByReason.unsent_at_close],
      [0, stats.packetsAccepted, stats.packetsAccepted],
    );
    assert.equal(topic.stats.packets, 0);
  });

  it('a paused replay reads nothing more until resumed', async () => {
    const topic = new InProcessTopic();
    const publisher = new PacketPublisher(new InProcessTransport(topic), { node: 'demo', mode: 'replay' });
    await publisher.start();
    const pause = new PauseGate();
    pause.pause();
    const replay = replayCapture(join(REPO_ROOT, 'samples/demo.pcap'), publisher, { pause });
    await settle(20);
    // The reader stops at its first chunk boundary (64 KiB of the 508 KiB file).
    const whilePaused = publisher.stats().packetsAccepted;
    await settle(20);
    assert.equal(publisher.stats().packetsAccepted, whilePaused);
    pause.resume();
    const result = await replay;
    assert.ok(whilePaused < result.capture!.tcpPackets);
    assert.equal(topic.stats.packets, result.capture!.tcpPackets);
    await publisher.close();
  });
});
