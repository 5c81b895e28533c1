import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type QueuedMessage, SendQueue } from './send-queue.js';

const message = (partition: number, bytes: number, key = `k${partition}`): QueuedMessage => ({
  key,
  value: Buffer.alloc(bytes),
  partition,
  packets: 1,
});

function queueOf(messages: QueuedMessage[]): SendQueue {
  const queue = new SendQueue();
  for (const m of messages) queue.push(m);
  return queue;
}

describe('SendQueue chunks', () => {
  it('keep each partition under the broker batch limit (900 kB) while the send grows past it', () => {
    // 12 partitions, 100 kB messages round-robin: 36 messages = 3.6 MB, 3 per partition.
    const messages = Array.from({ length: 60 }, (_, i) => message(i % 12, 100_000));
    const chunk = queueOf(messages).nextChunk();
    assert.equal(chunk.length, 40, '4 MB per send');
    assert.deepEqual(chunk, messages.slice(0, 40), 'the oldest, in order');
    // One hot partition: its 10th message would pass 900 kB, so the chunk ends before it.
    const hot = Array.from({ length: 20 }, () => message(3, 100_000));
    assert.equal(queueOf(hot).nextChunk().length, 9);
  });

  it('end at 4000 messages, and send one oversized message alone', () => {
    const small = Array.from({ length: 5000 }, (_, i) => message(i % 12, 10));
    assert.equal(queueOf(small).nextChunk().length, 4000);
    const queue = queueOf([message(0, 2_000_000), message(0, 10), message(1, 10)]);
    assert.equal(queue.nextChunk().length, 1);
    queue.remove(1);
    assert.equal(queue.nextChunk().length, 2);
  });
});
