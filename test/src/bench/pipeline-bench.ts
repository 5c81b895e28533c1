/**
 * `npm run bench:pipeline`: the distributed path on this machine's real services — an edge
 * (`tcpx edge`, its own process) replays a generated capture into Kafka, a flow processor (this
 * process) analyses it and writes to ClickHouse (chdb behind the HTTP interface, its own process).
 * Prints end-to-end packet summaries/s, rows/s into ClickHouse, bytes per summary on the wire,
 * and P50/P99 delay from a packet's timestamp to the row that covers it being queryable.
 * Prints numbers; asserts nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { EdgePublisher, readCaptureFile, replayCapture } from '@tcpx/edge-capture';
import { FlowProcessor, ProcessorThreads } from '@tcpx/flow-processor';
import { deleteTopics, endpoints, useInfra } from '@tcpx/schemas/testing/infra';
import type { FlowStore } from '@tcpx/store';
import { TCPX_BIN } from '../differential/run-tcpx.js';
import { privateStore } from '../pipeline/harness.js';
import { writeSyntheticCapture } from './synthetic-capture.js';

const CACHE = fileURLToPath(new URL('../../../.cache/bench/', import.meta.url));
const INFRA_RUN = process.env.TCPX_INFRA_DIR
  ? `${process.env.TCPX_INFRA_DIR}/run/`
  : fileURLToPath(new URL('../../../.cache/infra/run/', import.meta.url));
const RUN = Date.now().toString(36);
const PARTITIONS = 12;
/** Connections in the throughput capture. */
const CONNECTIONS = 12_000;

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

// As `tcpx processor` opens its store: no wait for more rows than a checkpoint brings.
const STORE_CONFIG = { maxBatchMs: 0, maxBatchRows: 20_000 };
const database = (name: string) => privateStore(`bench_${name}`, STORE_CONFIG);

/**
 * Processor threads (`tcpx processor --threads`), default 1. Two shortened the tail after the edge
 * exits but, as two consumers on two cores shared with the edge, Kafka and ClickHouse, cost more
 * CPU than they saved here. Each run starts its threads afresh, with their JIT cold.
 */
const PROCESSOR_THREADS = Number(process.env.TCPX_BENCH_PROCESSOR_THREADS ?? 1);

function processorFor(
  name: string,
  { store, location }: { store: FlowStore; location: string },
  threads = PROCESSOR_THREADS,
) {
  const options = {
    brokers: endpoints.kafkaBrokers,
    registryUrl: endpoints.registryUrl,
    group: `bench-${name}-${RUN}`,
    topic: `bench-${name}-${RUN}.packets`,
    checkpointTopic: `bench-${name}-${RUN}.state`,
    partitions: PARTITIONS,
    interimIntervalMs: 1000,
    commitIntervalMs: 1000,
    idleAdvanceMs: 0,
    analyzer: { closedLingerNs: 60e9, idleTimeoutNs: 300e9 },
  };
  return threads > 1
    ? new ProcessorThreads({
        ...options,
        threads,
        storeLocation: location,
        storeConfig: STORE_CONFIG,
      })
    : new FlowProcessor({ ...options, store, log: () => {} });
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU seconds used so far by the infra scripts' service processes (their pid files), by service. */
function serviceCpuSeconds(): Map<string, number> {
  const used = new Map<string, number>();
  for (const service of ['kafka', 'registry', 'chdb-http']) {
    try {
      const pid = readFileSync(`${INFRA_RUN}${service}.pid`, 'utf8').trim();
      // /proc/PID/stat: utime and stime are fields 14 and 15, after the parenthesised command name.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      used.set(service, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // not running under the infra scripts: not reported
    }
  }
  return used;
}

interface EdgeResult {
  publisher: Record<string, number>;
  cpuMs: { user: number; system: number };
}

/** `tcpx edge -r FILE --speed fast` as its own process; resolves with its final stats line. */
function edgeProcess(file: string, topic: string): Promise<EdgeResult> {
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
      else resolve(JSON.parse(last.slice(last.indexOf('{'))));
    });
  });
}

/** Runs of the concurrent phase: this machine's neighbours make single runs vary by ±20 %. */
const CONCURRENT_RUNS = Number(process.env.TCPX_BENCH_RUNS ?? 5);

interface ConcurrentRun {
  packets: number;
  messages: number;
  bytesPublished: number;
  /** From spawning the edge process (its start-up included) until it exited. */
  edgeSeconds: number;
  /** From spawning the edge process until the processor had analysed every summary. */
  wallSeconds: number;
  /** From the processor's first analysed summary to its last: the pipeline's steady rate. */
  steadySeconds: number;
  /** From the last summary analysed until every connection's final row was queryable. */
  storedSeconds: number;
  rowsWritten: number;
  storeMs: number;
  fetches: number;
  /** What the store holds once the processor stopped (latest version of each connection). */
  stored: string;
  cpu: Array<[string, number]>;
}

/** Edge and processor at the same time, sharing this machine's cores with the broker and ClickHouse. */
async function concurrentRun(file: string, run: number): Promise<ConcurrentRun> {
  const name = `concurrent${run}`;
  const db = await database(name);
  const processor = processorFor(name, db);
  await processor.start();
  const servicesBefore = serviceCpuSeconds();
  const processorBefore = process.cpuUsage();
  const started = performance.now();
  let firstAnalysed = Number.NaN;
  const watch = setInterval(() => {
    if (Number.isNaN(firstAnalysed) && processor.stats.packets > 0) firstAnalysed = performance.now();
  }, 5);
  const { publisher: edge, cpuMs: edgeCpu } = await edgeProcess(file, `bench-${name}-${RUN}.packets`);
  const edgeSeconds = (performance.now() - started) / 1000;
  const packets = edge.packetsPublished;
  while (processor.stats.packets < packets) await new Promise((r) => setTimeout(r, 5));
  const finished = performance.now();
  clearInterval(watch);
  const processorCpu = process.cpuUsage(processorBefore);
  const servicesAfter = serviceCpuSeconds();
  // Records are stored while input goes on, at each checkpoint (commitIntervalMs): the last ones
  // are queryable a little after the last summary was analysed.
  await untilStored(db.store, CONNECTIONS);
  const storedSeconds = (performance.now() - finished) / 1000;
  await processor.stop(); // stores and checkpoints what is pending
  // Every connection made it to the store, each packet in it once.
  const [stored] = await db.store.query<{ flows: string; packets: string }>(
    'SELECT count() AS flows, sum(client_packets + server_packets) AS packets FROM tcp_flows FINAL',
  );
  await db.drop();
  return {
    packets,
    messages: edge.messagesPublished,
    bytesPublished: edge.bytesPublished,
    edgeSeconds,
    wallSeconds: (finished - started) / 1000,
    steadySeconds: (finished - firstAnalysed) / 1000,
    storedSeconds,
    rowsWritten: processor.outputStats.rowsWritten,
    storeMs: processor.outputStats.storeMs,
    fetches: processor.stats.fetches,
    stored: `${stored.flows} connections, ${stored.packets} packets`,
    cpu: [
      ['edge', (edgeCpu.user + edgeCpu.system) / 1000],
      ['processor', (processorCpu.user + processorCpu.system) / 1e6],
      ...[...servicesAfter].map(([service, seconds]): [string, number] => [
        service,
        seconds - (servicesBefore.get(service) ?? 0),
      ]),
    ],
  };
}

/** Waits (polling, up to 30 s) until the store holds a final row for each of `connections`. */
async function untilStored(store: FlowStore, connections: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const [{ finals }] = await store.query<{ finals: string }>(
      'SELECT uniqExact(flow_id) AS finals FROM tcp_flows WHERE final = 1',
    );
    if (Number(finals) >= connections) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the store did not get ${connections} final rows in 30 s`);
}

const rate = (packets: number, seconds: number) => `${(packets / seconds / 1e3).toFixed(0)} k/s`;

async function throughput(): Promise<void> {
  const file = capture('pipeline-throughput', CONNECTIONS, 58, 400);
  // 1. Edge and processor at the same time: the end-to-end rate, median of the runs.
  // Run 0 warms up: this process is a long-running processor, and its first run spends ~1.5 CPU s
  // compiling what later runs reuse. Every run still spawns a cold edge, start-up included.
  const runs: ConcurrentRun[] = [];
  for (let run = 0; run <= CONCURRENT_RUNS; run++) runs.push(await concurrentRun(file, run));
  const { packets, messages, bytesPublished } = runs[0];
  console.log(
    `throughput: ${packets} packet summaries (${file}), ${messages} Kafka messages, ${PARTITIONS} partitions`,
  );
  console.log(
    `  edge and processor together, ${CONCURRENT_RUNS} runs after a warm-up, ${PROCESSOR_THREADS} processor thread(s) (summaries/s):`,
  );
  for (const [i, r] of runs.entries()) {
    const total = r.cpu.reduce((sum, [, seconds]) => sum + seconds, 0);
    console.log(
      `    ${i === 0 ? 'warm-up' : `run ${i}`}: end to end ${rate(r.packets, r.wallSeconds)} (${r.wallSeconds.toFixed(2)} s incl. the edge's start-up), ` +
        `steady ${rate(r.packets, r.steadySeconds)} (first to last summary analysed, ${r.steadySeconds.toFixed(2)} s), ` +
        `edge publish ${rate(r.packets, r.edgeSeconds)}, ${r.fetches} fetches`,
    );
    // Where the wall time went: before the first summary is analysed (the edge's start-up, its
    // first batch, the first fetch) and after the edge has exited (the processor's backlog).
    console.log(
      `           first summary analysed ${(r.wallSeconds - r.steadySeconds).toFixed(2)} s after the edge's spawn; ` +
        `last ${(r.wallSeconds - r.edgeSeconds).toFixed(2)} s after its exit; ` +
        `every final row queryable ${r.storedSeconds.toFixed(2)} s after that; stored: ${r.stored}`,
    );
    // Where the machine's CPU went (capacity: cores × wall seconds).
    console.log(
      `           CPU s: ${r.cpu.map(([who, seconds]) => `${who} ${seconds.toFixed(2)}`).join(', ')}; ` +
        `${total.toFixed(2)} of ${(availableParallelism() * r.wallSeconds).toFixed(2)} (${availableParallelism()} cores × wall)`,
    );
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const measured = runs.slice(1);
  const wall = median(measured.map((r) => r.wallSeconds));
  const steady = median(measured.map((r) => r.steadySeconds));
  const queryable = median(measured.map((r) => r.wallSeconds + r.storedSeconds));
  console.log(
    `    median: end to end ${rate(packets, wall)} (to the last summary analysed), ` +
      `${rate(packets, queryable)} (to every final row queryable), steady ${rate(packets, steady)}`,
  );
  const rows = measured.reduce((sum, r) => sum + r.rowsWritten, 0);
  const storeSeconds = measured.reduce((sum, r) => sum + r.storeMs, 0) / 1000;
  console.log(
    `    rows into ClickHouse: ${rows} rows in ${storeSeconds.toFixed(2)} s of inserts = ${(rows / storeSeconds).toFixed(0)} rows/s`,
  );
  console.log(
    `    on the wire:         ${(bytesPublished / packets).toFixed(1)} bytes/summary (Confluent-framed values, before Kafka's snappy)`,
  );
  // 2. One stage at a time: the edge fills a topic alone, then a processor drains it alone.
  {
    const db = await database('staged');
    const topic = `bench-staged-${RUN}.packets`;
    const started = performance.now();
    const { publisher: edge } = await edgeProcess(file, topic);
    const edgeSeconds = (performance.now() - started) / 1000;
    // One thread, started on a full topic: threads joining one after another would each take it
    // over in turn (see ProcessorThreads.balanced) and the rate would measure the rebalances.
    const processor = processorFor('staged', db, 1);
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
      `    processor alone:     1 thread, ${(edge.packetsPublished / consumeSeconds / 1e3).toFixed(0)} k summaries/s from Kafka (${consumeSeconds.toFixed(2)} s incl. group join)`,
    );
    await db.drop();
  }
}

async function latency(): Promise<void> {
  // ~25 s of traffic at ~40 k packets/s, replayed in real time.
  const file = capture('pipeline-latency', 2_000, 60, 400);
  const { store, location, drop } = await database('latency');
  const processor = processorFor('latency', { store, location });
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
  // This run's topics, each a full replay.
  await deleteTopics((t) => t.startsWith('bench-') && t.includes(`-${RUN}.`));
  await lease.release();
}
