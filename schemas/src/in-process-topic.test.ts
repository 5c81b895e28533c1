import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessTopic, type TopicMessage } from './in-process-topic.js';

const message = (partition: number, packets: number, key = `k${partition}`): TopicMessage => ({
  key,
  value: Uint8Array.of(packets),
  partition,
  packets,
});

/** Lets every pending promise callback and one macrotask run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('InProcessTopic', () => {
  it('numbers messages per partition and hands them over in send order', async () => {
    const topic = new InProcessTopic({ partitions: 2 });
    await topic.send([message(0, 1), message(1, 2), message(0, 3)]);
    await topic.send([message(1, 4)]);
    const polled = await topic.poll();
    assert.deepEqual(
      polled?.map((m) => [m.partition, m.offset, m.packets]),
      [
        [0, 0n, 1],
        [1, 0n, 2],
        [0, 1n, 3],
        [1, 1n, 4],
      ],
    );
    await topic.send([message(0, 5)]);
    assert.deepEqual(
      (await topic.poll())?.map((m) => m.offset),
      [2n],
    );
  });

  it('makes a send wait while it holds maxPackets, until the consumer takes them', async () => {
    const topic = new InProcessTopic({ maxPackets: 10 });
    await topic.send([message(0, 6), message(0, 4)]); // exactly at the bound: accepted
    let appended = false;
    const waiting = topic.send([message(0, 1)]).then(() => {
      appended = true;
    });
    await settle();
    assert.equal(appended, false, 'a full topic holds the send');
    assert.equal(topic.heldPacketCount, 10);
    assert.equal(topic.stats.sendsWaited, 1);
    assert.equal((await topic.poll())?.length, 2);
    await waiting;
    assert.equal(appended, true);
    assert.equal(topic.heldPacketCount, 1);
  });

  it('after close, delivers what it holds, then null; held sends reject', async () => {
    const topic = new InProcessTopic({ maxPackets: 1 });
    await topic.send([message(0, 1)]);
    const held = topic.send([message(0, 1)]);
    topic.close();
    await assert.rejects(held, /closed/);
    assert.equal((await topic.poll())?.length, 1);
    assert.equal(await topic.poll(), null);
    await assert.rejects(topic.send([message(0, 1)]), /closed/);
  });

  it('wakes a waiting consumer on send and on close', async () => {
    const topic = new InProcessTopic();
    const first = topic.poll();
    await topic.send([message(0, 7)]);
    assert.equal((await first)?.[0].packets, 7);
    const second = topic.poll();
    topic.close();
    assert.equal(await second, null);
  });

  it('refuses a partition it does not have, appending nothing of that send', async () => {
    const topic = new InProcessTopic({ partitions: 2 });
    await assert.rejects(topic.send([message(0, 1), message(2, 1)]), /partition 2 does not exist/);
    assert.equal(topic.heldPacketCount, 0);
  });
});
