/**
 * Throughput of the edge's Kafka path on synthetic traffic (data segments and ACKs, both
 * directions, with timestamps, over --flows connections):
 *
 *   node dist/bench/publish-bench.js batcher [--packets N] [--flows N]   FlowBatcher alone
 *   node dist/bench/publish-bench.js kafka [--packets N] [--flows N] [--compression snappy|gzip|none] [--flush-ms N]
 *
 * `kafka` publishes into a new topic on the broker of TCPX_KAFKA_BROKERS (default the local infra),
 * registry TCPX_SCHEMA_REGISTRY_URL, and when the broker's data directory is local
 * (TCPX_KAFKA_DATA_DIR, default .cache/infra/kafka/data) reads the topic's log size: the
 * compressed record batches as they travelled. The topic is deleted afterwards.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPacketSummary, type PacketSummary } from '@tcpx/schemas';
import type { Compression } from '@tcpx/schemas/kafka';
import { endpoints, REPO_ROOT } from '@tcpx/schemas/testing/infra';
import { EdgePublisher } from '../publish/edge-publisher.js';
import { FlowBatcher } from '../publish/flow-batcher.js';
import { deleteTopic } from '../testing/kafka-topic.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    packets: { type: 'string', default: '2000000' },
    flows: { type: 'string', default: '1000' },
    compression: { type: 'string', default: 'snappy' },
    runs: { type: 'string', default: '3' },
    'flush-ms': { type: 'string', default: '100' },
  },
});
const PACKETS = Number(values.packets);
const FLOWS = Number(values.flows);

/** Fills `p` with packet `i`: flow i % FLOWS, data one way and ACKs the other, 10 µs apart. */
function synthesize(p: PacketSummary, i: number): PacketSummary {
  const flow = i % FLOWS;
  const n = Math.floor(i / FLOWS);
  const data = (n & 1) === 0;
  const client = 0x0a000001 + (flow >>> 12);
  const clientPort = 10000 + (flow & 0xfff);
  p.tsSec = 1_800_000_000 + Math.floor(i / 100_000);
  p.tsNsec = (i % 100_000) * 10_000;
  p.src3 = data ? client : 0x0a640001;
  p.dst3 = data ? 0x0a640001 : client;
  p.srcPort = data ? clientPort : 443;
  p.dstPort = data ? 443 : clientPort;
  p.flags = data ? 0x18 : 0x10;
  p.seq = data ? (n * 1448) >>> 0 : 1;
  p.ack = data ? 1 : ((n + 1) * 1448) >>> 0;
  p.window = 501;
  p.ipPayloadLength = data ? 1500 : 52;
  p.tcpHeaderLength = 32;
  p.hasTimestamps = true;
  p.tsVal = 1000 + n;
  p.tsEcr = 900 + n;
  p.frameNumber = i + 1;
  return p;
}

function benchBatcher(): void {
  const p = createPacketSummary();
  for (let run = 1; run <= Number(values.runs); run++) {
    const batcher = new FlowBatcher({ node: 'bench-node', maxBufferedPackets: Number.POSITIVE_INFINITY });
    let bytes = 0;
    let batches = 0;
    const started = performance.now();
    for (let i = 0; i < PACKETS; i++) {
      batcher.accept(synthesize(p, i), i >>> 10); // the clock moves 1 ms every 1024 packets
      if ((i & 1023) === 1023) {
        batches += batcher.drain(i >>> 10, (_key, payload) => {
          bytes += payload.length;
        });
        batcher.release(batcher.bufferedPackets - batcher.openPackets);
      }
    }
    batches += batcher.drain(
      0,
      (_key, payload) => {
        bytes += payload.length;
      },
      true,
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `batcher run ${run}: ${PACKETS} packets, ${FLOWS} flows → ${batches} batches in ${seconds.toFixed(2)} s: ` +
        `${(PACKETS / seconds / 1e6).toFixed(2)} M packets/s, ${(bytes / PACKETS).toFixed(1)} payload bytes/packet`,
    );
  }
}

async function benchKafka(): Promise<void> {
  const brokers = (process.env.TCPX_KAFKA_BROKERS ?? endpoints.kafkaBrokers.join(',')).split(',');
  const registryUrl = process.env.TCPX_SCHEMA_REGISTRY_URL ?? endpoints.registryUrl;
  const topic = `tcpx-bench-${process.pid}-${Date.now()}`;
  const publisher = new EdgePublisher({
    brokers,
    registryUrl,
    topic,
    node: 'bench-node',
    mode: 'replay',
    compression: values.compression as Compression,
    flushIntervalMs: Number(values['flush-ms']),
  });
  await publisher.start();
  const p = createPacketSummary();
  const started = performance.now();
  for (let i = 0; i < PACKETS; i++) {
    publisher.publish(synthesize(p, i));
    if ((i & 1023) === 1023)
      await (publisher.backpressured ? publisher.writable() : new Promise(setImmediate));
  }
  await publisher.flush();
  const seconds = (performance.now() - started) / 1000;
  const stats = await publisher.close();
  console.log(
    `kafka (${values.compression}): ${stats.packetsPublished} packets in ${stats.messagesPublished} messages, ` +
      `${seconds.toFixed(2)} s: ${(stats.packetsPublished / seconds / 1e3).toFixed(0)} k packets/s; ` +
      `${(stats.bytesPublished / stats.packetsPublished).toFixed(1)} value bytes/packet before compression`,
  );
  const dataDir = process.env.TCPX_KAFKA_DATA_DIR ?? join(REPO_ROOT, '.cache/infra/kafka/data');
  try {
    let logBytes = 0;
    for (const dir of readdirSync(dataDir).filter((d) => d.startsWith(`${topic}-`)))
      for (const f of readdirSync(join(dataDir, dir)).filter((name) => name.endsWith('.log')))
        logBytes += statSync(join(dataDir, dir, f)).size;
    console.log(
      `topic log: ${logBytes} bytes = ${(logBytes / stats.packetsPublished).toFixed(1)} bytes/packet as stored (compressed record batches)`,
    );
  } catch {
    console.log(`(no local Kafka data directory at ${dataDir}: compressed size not measured)`);
  }
  await deleteTopic(brokers, registryUrl, topic);
}

if (positionals[0] === 'kafka') await benchKafka();
else benchBatcher();
