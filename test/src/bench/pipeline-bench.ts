/**
 * `npm run bench:pipeline`: the distributed path on this machine's real services — an edge
 * (`tcpx edge`, its own process) replays a generated capture into Kafka, a flow processor (this
 * process) analyses it and writes to ClickHouse (chdb behind the HTTP interface, its own process).
 * Prints end-to-end packet summaries/s, rows/s into ClickHouse, bytes per summary on the wire,
 * and P50/P99 delay from a packet's timestamp to the row that covers it being queryable.
 * Prints numbers; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EdgePublisher, readCaptureFile, replayCapture } from '@tcpx/edge-capture';
import { FlowProcessor } from '@tcpx/flow-processor';
import { endpoints, useInfra } from '@tcpx/schemas/testing/infra';
import type { openStore } from '@tcpx/store';
import { TCPX_BIN } from '../differential/run-tcpx.js';
import { privateStore } from '../pipeline/harness.js';
import { writeSyntheticCapture } from './synthetic-capture.js';

const CACHE = fileURLToPath(new URL('../../../.cache/bench/', import.meta.url));
const RUN = Date.now().toString(36);
const PARTITIONS = 12;

// Frames are cut at 128 bytes, as a header-only edge captures them (`tcpdump -s 128`; the samples
// are made the same way): a replay then reads what a live edge would get from the kernel, not 1 GB
// of payload no stage ever looks at.
const SNAP_LENGTH = 128;

function capture(name: string, connections: number, segments: number, concurrency: number) {
  mkdirSync(CACHE, { recursive: true });
  const file = `${CACHE}${name}-s${SNAP_LENGTH}.pcap`;
  if (!existsSync(file))
    writeSyntheticCapture({
      file,
      connections,
      segmentsPerConnection: segments,
      concurrency,
      lossRate: 0.02,
      snapLength: SNAP_LENGTH,
    });
  return file;
}

const database = (name: string) => privateStore(`bench_${name}`, { maxBatchMs: 100, maxBatchRows: 20_000 });

function processorFor(name: string, store: ReturnType<typeof openStore>) {
  return new FlowProcessor({
    brokers: endpoints.kafkaBrokers,
    registryUrl: endpoints.registryUrl,
    store,
    group: `bench-${name}-${RUN}`,
    topic: `bench-${name}-${RUN}.packets`,
    checkpointTopic: `bench-${name}-${RUN}.state`,
    partitions: PARTITIONS,
    interimIntervalMs: 1000,
    commitIntervalMs: 1000,
    idleAdvanceMs: 0,
    analyzer: { closedLingerNs: 60e9, idleTimeoutNs: 300e9 },
    log: () => {},
  });
}

/** `tcpx edge -r FILE --speed fast` as its own process; resolves with its final stats line. */
function edgeProcess(file: string, topic: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const args = ['edge', '-r', file, '--speed', 'fast', '--node', 'bench', '--topic', topic];
    args.push('--brokers', endpoints.kafkaBrokers.join(','), '--registry', endpoints.registryUrl);
    args.push('--partitions', String(PARTITIONS));
    const child = spawn(process.execPath, [TCPX_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      const lines = stderr.trim().split('\n');
      const last = lines.filter((l) => l.includes('packetsPublished')).pop() ?? '';
      if (code !== 0 || !last) reject(new Error(`tcpx edge exited ${code}: ${stderr.slice(-1000)}`));
      else resolve(JSON.parse(last.slice(last.indexOf('{'))).publisher);
    });
  });
}

async function throughput(): Promise<void> {
  const file = capture('pipeline-throughput', 12_000, 58, 400);
  // 1. Edge and processor at the same time, sharing this machine's 2 cores with the broker and
  //    ClickHouse: the end-to-end rate.
  {
    const { store, drop } = await database('concurrent');
    const processor = processorFor('concurrent', store);
    await processor.start();
    const started = performance.now();
    const edge = await edgeProcess(file, `bench-concurrent-${RUN}.packets`);
    const edgeSeconds = (performance.now() - started) / 1000;
    const packets = edge.packetsPublished;
    while (processor.stats.packets < packets) await new Promise((r) => setTimeout(r, 50));
    const processedSeconds = (performance.now() - started) / 1000;
    await processor.stop(); // stores and checkpoints what is pending
    const out = processor.outputStats;
    console.log(
      `throughput: ${packets} packet summaries (${file}), ${edge.messagesPublished} Kafka messages, ${PARTITIONS} partitions`,
    );
    console.log(`  edge and processor together:`);
    console.log(
      `    edge publish:        ${(packets / edgeSeconds / 1e3).toFixed(0)} k summaries/s (${edgeSeconds.toFixed(2)} s incl. start-up)`,
    );
    console.log(
      `    end to end:          ${(packets / processedSeconds / 1e3).toFixed(0)} k summaries/s analysed (${processedSeconds.toFixed(2)} s)`,
    );
    console.log(
      `    rows into ClickHouse: ${out.rowsWritten} rows in ${(out.storeMs / 1000).toFixed(2)} s of inserts = ${(out.rowsWritten / (out.storeMs / 1000)).toFixed(0)} rows/s`,
    );
    console.log(
      `    on the wire:         ${(edge.bytesPublished / packets).toFixed(1)} bytes/summary (Confluent-framed values, before Kafka's snappy)`,
    );
    await drop();
  }
  // 2. One stage at a time: the edge fills a topic alone, then a processor drains it alone.
  {
    const { store, drop } = await database('staged');
    const topic = `bench-staged-${RUN}.packets`;
    const started = performance.now();
    const edge = await edgeProcess(file, topic);
    const edgeSeconds = (performance.now() - started) / 1000;
    const processor = processorFor('staged', store);
    const consumeStart = performance.now();
    await processor.start();
    while (processor.stats.packets < edge.packetsPublished) await new Promise((r) => setTimeout(r, 50));
    const consumeSeconds = (performance.now() - consumeStart) / 1000;
    await processor.stop();
    console.log(`  one stage at a time:`);
    console.log(
      `    edge alone:          ${(edge.packetsPublished / edgeSeconds / 1e3).toFixed(0)} k summaries/s into Kafka`,
    );
    console.log(
      `    processor alone:     ${(edge.packetsPublished / consumeSeconds / 1e3).toFixed(0)} k summaries/s from Kafka (${consumeSeconds.toFixed(2)} s incl. group join)`,
    );
    await drop();
  }
}

async function latency(): Promise<void> {
  // ~25 s of traffic at ~40 k packets/s, replayed in real time.
  const file = capture('pipeline-latency', 2_000, 60, 400);
  const { store, drop } = await database('latency');
  const processor = processorFor('latency', store);
  await processor.start();
  const publisher = new EdgePublisher({
    brokers: endpoints.kafkaBrokers,
    registryUrl: endpoints.registryUrl,
    topic: `bench-latency-${RUN}.packets`,
    node: 'bench',
    mode: 'replay',
    partitions: PARTITIONS,
  });
  await publisher.start();
  // replayCapture maps the first packet's capture time to the moment it starts: shift row times by that.
  let firstPacketUs = Number.NaN;
  await readCaptureFile(file, (p) => {
    if (Number.isNaN(firstPacketUs)) firstPacketUs = p.tsSec * 1e6 + Math.floor(p.tsNsec / 1e3);
  });
  const replayStartUs = Date.now() * 1000;
  const result = await replayCapture(file, publisher, { speed: 1, endOfCapture: false });
  await publisher.close();
  await new Promise((r) => setTimeout(r, 3000));
  await processor.stop();
  // A packet is queryable once a row covering it is stored: per (flow, end_time) the first stored
  // version counts, and its delay runs from that last packet's (shifted) capture time.
  const [stats] = await store.query<{ p50: number; p99: number; rows: string }>(
    `SELECT quantileExact(0.5)(delay_ms) AS p50, quantileExact(0.99)(delay_ms) AS p99, count() AS rows FROM (
       SELECT flow_id, end_time, min(inserted_at) AS first_stored,
              (toUnixTimestamp64Milli(first_stored) - intDiv(toUnixTimestamp64Micro(end_time) + {shift:Int64}, 1000)) AS delay_ms
       FROM tcp_flows GROUP BY flow_id, end_time)`,
    { shift: Math.round(replayStartUs - firstPacketUs) },
  );
  console.log(
    `latency: ${result.publisher.packetsPublished} packets replayed in real time over ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `  packet timestamp → queryable row: P50 ${stats.p50} ms, P99 ${stats.p99} ms over ${stats.rows} row versions`,
  );
  await drop();
}

const lease = await useInfra(['kafka', 'registry', 'chdb-http']);
try {
  await throughput();
  await latency();
} finally {
  await lease.release();
}
