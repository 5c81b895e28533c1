import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createPacketSummary,
  type PacketSummary,
  TCP_ACK,
  TCP_FIN,
  TCP_SYN,
  type TcpFlowRecord,
} from '@tcpx/schemas';
import { analyzeSummaries } from '../analyze-summaries.js';

/** A client → server packet (or the reverse) of connection `index`, at `second` seconds. */
function packet(
  p: PacketSummary,
  index: number,
  fromClient: boolean,
  flags: number,
  seq: number,
  ack: number,
  second: number,
) {
  const client = 0x0a000000 + index;
  p.src3 = fromClient ? client : 0xc0a80001;
  p.dst3 = fromClient ? 0xc0a80001 : client;
  p.srcPort = fromClient ? 40000 : 80;
  p.dstPort = fromClient ? 80 : 40000;
  p.flags = flags;
  p.seq = seq;
  p.ack = ack;
  p.ipPayloadLength = 20;
  p.tsSec = 1_700_000_000 + Math.floor(second);
  p.tsNsec = Math.round((second % 1) * 1e9);
  return p;
}

function handshake(ingest: (p: PacketSummary) => void, index: number, second: number) {
  const p = createPacketSummary();
  ingest(packet(p, index, true, TCP_SYN, 100, 0, second));
  ingest(packet(p, index, false, TCP_SYN | TCP_ACK, 500, 101, second + 0.001));
  ingest(packet(p, index, true, TCP_ACK, 101, 501, second + 0.002));
}

test('capacity eviction emits every evicted connection (never drops one) and keeps the table bounded', () => {
  const records: TcpFlowRecord[] = [];
  const engine = analyzeSummaries((r) => records.push(r), { maxConnections: 1000 });
  for (let i = 0; i < 5000; i++) {
    handshake(engine.ingest, i, i * 0.01);
    assert.ok(engine.analyzer.openConnections <= 1001, `tracked ${engine.analyzer.openConnections}`);
  }
  const evictedBeforeFlush = records.length;
  engine.finish();
  assert.ok(evictedBeforeFlush >= 4000, `evicted ${evictedBeforeFlush}`);
  assert.equal(records.length, 5000);
  assert.deepEqual(
    records.map((r) => r.stream).sort((a, b) => a - b),
    Array.from({ length: 5000 }, (_, i) => i),
  );
  assert.ok(records.slice(0, evictedBeforeFlush).every((r) => r.evicted === true));
  // The least recently active go first.
  assert.ok(records.slice(0, 100).every((r) => r.stream < 1000));
});

test('idle timeout emits quiet connections with their metrics; busy ones stay', () => {
  const records: TcpFlowRecord[] = [];
  const engine = analyzeSummaries((r) => records.push(r), { idleTimeoutNs: 60e9 });
  handshake(engine.ingest, 1, 0);
  handshake(engine.ingest, 2, 0);
  const p = createPacketSummary();
  for (let second = 10; second <= 200; second += 10) {
    engine.ingest(packet(p, 2, true, TCP_ACK, 101, 501, second)); // connection 2 keeps talking
  }
  assert.equal(records.length, 1);
  assert.equal(records[0].stream, 0);
  assert.equal(records[0].evicted, true);
  assert.equal(records[0].tcp_metrics.connection_completeness, 1 | 2 | 4);
  engine.finish();
  assert.equal(records.length, 2);
});

test('a closed connection is emitted after its linger, before the end of input', () => {
  const records: TcpFlowRecord[] = [];
  const engine = analyzeSummaries((r) => records.push(r), { closedLingerNs: 5e9 });
  handshake(engine.ingest, 1, 0);
  const p = createPacketSummary();
  engine.ingest(packet(p, 1, true, TCP_FIN | TCP_ACK, 101, 501, 1));
  engine.ingest(packet(p, 1, false, TCP_FIN | TCP_ACK, 501, 102, 1.001));
  engine.ingest(packet(p, 1, true, TCP_ACK, 102, 502, 1.002));
  handshake(engine.ingest, 2, 3);
  assert.equal(records.length, 0, 'still lingering');
  handshake(engine.ingest, 3, 7);
  assert.equal(records.length, 1);
  assert.equal(records[0].state, 'closed');
  assert.equal(records[0].evicted, undefined);
});
