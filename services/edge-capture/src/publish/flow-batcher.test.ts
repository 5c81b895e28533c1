import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPacketSummary, type PacketSummary, PacketSummaryBatchReader } from '@tcpx/schemas';
import { packetKey } from '@tcpx/schemas/kafka';
import { plain, SAMPLES } from '@tcpx/schemas/testing/fixtures';
import { connectionHash, FlowBatcher } from './flow-batcher.js';

interface Batch {
  key: string;
  node: string;
  interfaceNames: string[];
  packets: ReturnType<typeof plain>[];
}

/** Drains into decoded batches (the payload is copied by decoding during the visit). */
function drain(batcher: FlowBatcher, nowMs: number, everything = false): Batch[] {
  const out: Batch[] = [];
  const reader = new PacketSummaryBatchReader();
  const scratch = createPacketSummary();
  batcher.drain(
    nowMs,
    (key, payload, packets) => {
      reader.reset(payload);
      assert.equal(reader.count, packets);
      const batch: Batch = { key, node: reader.node, interfaceNames: reader.interfaceNames, packets: [] };
      while (reader.next(scratch)) batch.packets.push(plain(scratch));
      out.push(batch);
    },
    everything,
  );
  return out;
}

/** An IPv4 packet 10.0.0.<a>:<aPort> → 10.0.0.<b>:<bPort>. */
function v4(a: number, aPort: number, b: number, bPort: number, frameNumber: number): PacketSummary {
  return Object.assign(createPacketSummary(), {
    src3: 0x0a000000 + a,
    dst3: 0x0a000000 + b,
    srcPort: aPort,
    dstPort: bPort,
    flags: 16,
    seq: frameNumber * 1000,
    frameNumber,
  });
}

const frames = (b: Batch) => b.packets.map((p) => p.frameNumber);

describe('FlowBatcher', () => {
  it('puts both directions of a connection in one batch under the canonical key', () => {
    const batcher = new FlowBatcher({ node: 'n1', interfaceNames: ['eth0'] });
    const out = v4(9, 53906, 7, 443, 1);
    const back = v4(7, 443, 9, 53906, 2);
    assert.equal(connectionHash(out), connectionHash(back));
    for (const p of [out, back, out]) assert.ok(batcher.accept(p, 0));
    assert.equal(batcher.openBatches, 1);
    const [batch, ...rest] = drain(batcher, 0, true);
    assert.equal(rest.length, 0);
    assert.equal(batch.key, 'n1|tcp|10.0.0.7|443|10.0.0.9|53906');
    assert.equal(batch.key, packetKey('n1', out));
    assert.equal(batch.key, packetKey('n1', back));
    assert.equal(batch.node, 'n1');
    assert.deepEqual(batch.interfaceNames, ['eth0']);
    assert.deepEqual(frames(batch), [1, 2, 1]);
  });

  it('keeps interleaved connections apart, each in packet order, across pooled batches', () => {
    const batcher = new FlowBatcher({ node: 'n' });
    for (let round = 0; round < 3; round++) {
      let frame = 0;
      for (let i = 0; i < 40; i++)
        for (let c = 0; c < 5; c++) batcher.accept(v4(1, 1000 + c, 2, 80, ++frame), 0);
      const batches = drain(batcher, 0, true);
      assert.equal(batches.length, 5);
      for (const [c, b] of batches.entries()) {
        assert.equal(b.key, `n|tcp|10.0.0.1|${1000 + c}|10.0.0.2|80`);
        assert.deepEqual(
          frames(b),
          Array.from({ length: 40 }, (_, i) => i * 5 + c + 1),
        );
      }
      assert.equal(batcher.openBatches, 0);
      batcher.release(200);
      assert.equal(batcher.bufferedPackets, 0);
    }
  });

  it('makes a batch ready at maxBatchPackets', () => {
    const batcher = new FlowBatcher({ node: 'n', maxBatchPackets: 3 });
    for (let f = 1; f <= 4; f++) batcher.accept(v4(1, 1, 2, 2, f), 0);
    assert.ok(batcher.hasFullBatches);
    const batches = drain(batcher, 0);
    assert.deepEqual(batches.map(frames), [[1, 2, 3]]);
    assert.equal(batcher.openPackets, 1);
    assert.deepEqual(drain(batcher, 0, true).map(frames), [[4]]);
  });

  it('makes a batch ready once its oldest packet waited flushIntervalMs', () => {
    const batcher = new FlowBatcher({ node: 'n', flushIntervalMs: 100 });
    batcher.accept(v4(1, 1, 2, 2, 1), 1000);
    batcher.accept(v4(3, 1, 2, 2, 2), 1040);
    batcher.accept(v4(1, 1, 2, 2, 3), 1090); // joins the batch opened at 1000
    assert.equal(batcher.nextDueAt(), 1100);
    assert.deepEqual(drain(batcher, 1099), []);
    assert.deepEqual(drain(batcher, 1100).map(frames), [[1, 3]]);
    assert.equal(batcher.nextDueAt(), 1140);
    batcher.accept(v4(1, 1, 2, 2, 4), 1120); // a new batch for the first connection
    assert.deepEqual(drain(batcher, 1140).map(frames), [[2]]);
    assert.deepEqual(drain(batcher, 1219), []);
    assert.deepEqual(drain(batcher, 1220).map(frames), [[4]]);
  });

  it('refuses packets past maxBufferedPackets until drained packets are released', () => {
    const batcher = new FlowBatcher({ node: 'n', maxBufferedPackets: 5, maxBatchPackets: 2 });
    for (let f = 1; f <= 5; f++) assert.ok(batcher.accept(v4(1, f, 2, 2, f), 0));
    assert.equal(batcher.accept(v4(1, 1, 2, 2, 6), 0), false);
    assert.equal(drain(batcher, 0, true).length, 5);
    assert.equal(batcher.bufferedPackets, 5, 'drained but unreleased packets still count');
    assert.equal(batcher.accept(v4(1, 1, 2, 2, 6), 0), false);
    assert.ok(batcher.accept(v4(1, 1, 2, 2, 6), 0, true), 'overBound accepts anyway');
    batcher.release(5);
    assert.equal(batcher.bufferedPackets, 1);
    assert.ok(batcher.accept(v4(1, 1, 2, 2, 7), 0));
    assert.throws(() => batcher.release(1), /more packets released/);
  });

  it('handles IPv6, and tells it from IPv4 with the same low words', () => {
    const batcher = new FlowBatcher({ node: 'n' });
    const a = { src0: 0x20010db8, src1: 0, src2: 0, src3: 1 };
    const b = { dst0: 0x20010db8, dst1: 0, dst2: 0xffffffff, dst3: 2 };
    const out = Object.assign(createPacketSummary(), a, b, { ipVersion: 6, srcPort: 443, dstPort: 50000 });
    const back = Object.assign(createPacketSummary(), {
      ipVersion: 6,
      src0: b.dst0,
      src1: b.dst1,
      src2: b.dst2,
      src3: b.dst3,
      dst0: a.src0,
      dst1: a.src1,
      dst2: a.src2,
      dst3: a.src3,
      srcPort: 50000,
      dstPort: 443,
    });
    const v4Twin = Object.assign(createPacketSummary(), { src3: 1, dst3: 2, srcPort: 443, dstPort: 50000 });
    for (const [i, p] of [out, back, v4Twin, back].entries()) {
      p.frameNumber = i + 1;
      batcher.accept(p, 0);
    }
    const batches = drain(batcher, 0, true);
    assert.deepEqual(
      batches.map((x) => [x.key, frames(x)]),
      [
        ['n|tcp|2001:db8::1|443|2001:db8::ffff:ffff:0:2|50000', [1, 2, 4]],
        ['n|tcp|0.0.0.1|443|0.0.0.2|50000', [3]],
      ],
    );
  });

  it('keeps connections whose hashes collide apart', () => {
    const seen = new Map<number, PacketSummary>();
    let pair: [PacketSummary, PacketSummary] | undefined;
    for (let i = 0; !pair; i++) {
      const p = v4(1 + (i >>> 16), i & 0xffff, 2, 443, 0);
      const h = connectionHash(p);
      const other = seen.get(h);
      if (other) pair = [other, p];
      else seen.set(h, p);
    }
    const batcher = new FlowBatcher({ node: 'n' });
    const [x, y] = pair;
    const reverse = (p: PacketSummary, frameNumber: number) =>
      v4(2, 443, p.src3 - 0x0a000000, p.srcPort, frameNumber);
    const sequence = [
      Object.assign(x, { frameNumber: 1 }),
      Object.assign(y, { frameNumber: 2 }),
      reverse(y, 3),
      reverse(x, 4),
    ];
    for (const p of sequence) batcher.accept(p, 0);
    assert.equal(batcher.openBatches, 2);
    assert.deepEqual(drain(batcher, 0, true).map(frames), [
      [1, 4],
      [2, 3],
    ]);
  });

  it('encodes every field: decoded packets equal the input', () => {
    const batcher = new FlowBatcher({ node: 'node-a', interfaceNames: ['eth0', 'lo'] });
    for (const p of SAMPLES) batcher.accept(p, 0);
    const decoded = drain(batcher, 0, true);
    const byKey = new Map(decoded.map((b) => [b.key, b.packets]));
    for (const key of new Set(SAMPLES.map((p) => packetKey('node-a', p)))) {
      const expected = SAMPLES.filter((p) => packetKey('node-a', p) === key).map(plain);
      assert.deepEqual(byKey.get(key), expected);
    }
    assert.equal(decoded.length, byKey.size);
    assert.ok(decoded.every((b) => b.node === 'node-a' && b.interfaceNames.join() === 'eth0,lo'));
  });
});
