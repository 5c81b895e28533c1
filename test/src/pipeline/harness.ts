import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { EdgePublisher, replayCapture } from '@tcpx/edge-capture';
import type { FlowProcessor } from '@tcpx/flow-processor';
import type { TcpFlowRecord } from '@tcpx/schemas';
import { endpoints } from '@tcpx/schemas/testing/infra';
import { type FlowStore, openStore, RECORD_COLUMNS, recordFromRow } from '@tcpx/store';
import { TCPX_BIN } from '../differential/run-tcpx.js';

// Shared steps of the pipeline tests: a private database on the ClickHouse-over-HTTP server, edges
// replaying captures into Kafka, processors, and the comparison with `tcpx analyze`.

export const RUN = `${process.pid}x${Date.now().toString(36)}`;

/** A fresh database on the modern ClickHouse (chdb behind the HTTP interface), migrated. */
export async function privateStore(
  name: string,
  config: Parameters<typeof openStore>[1] = { maxBatchMs: 50, retryBudgetMs: 600_000 },
): Promise<{ store: FlowStore; location: string; drop(): Promise<void> }> {
  const database = `tcpx_${name}_${RUN}`;
  const admin = openStore(endpoints.chdbHttpUrl);
  await admin.query(`CREATE DATABASE IF NOT EXISTS ${database}`);
  const location = `${endpoints.chdbHttpUrl}/${database}`;
  const store = openStore(location, config);
  await store.migrate();
  return {
    store,
    location,
    async drop() {
      await store.close().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await admin.close();
    },
  };
}

/** Replays one capture as node `node` through a real edge publisher into `topic`. */
export async function replay(
  file: string,
  node: string,
  topic: string,
  options: { speed?: 'fast' | number; partitions?: number } = {},
) {
  const publisher = new EdgePublisher({
    brokers: endpoints.kafkaBrokers,
    registryUrl: endpoints.registryUrl,
    topic,
    node,
    mode: 'replay',
    partitions: options.partitions ?? 4,
    flushIntervalMs: 20,
  });
  await publisher.start();
  try {
    return await replayCapture(file, publisher, { speed: options.speed ?? 'fast' });
  } finally {
    await publisher.close();
  }
}

/** The latest stored version of every connection `node` observed. */
export async function storedRecords(store: FlowStore, node: string) {
  const rows = await store.query<Record<string, string | number | null>>(
    `SELECT ${RECORD_COLUMNS} FROM tcp_flows FINAL WHERE node = {node:String} ORDER BY start_time, src_port, dst_port`,
    { node },
  );
  return rows.map(recordFromRow);
}

export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 240_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Stream numbers are tshark's per capture; a partition numbers only its own connections, so they
 * are the one field that legitimately differs between the offline and the distributed path.
 */
type Comparable = Omit<TcpFlowRecord, 'stream'>;
const comparable = (r: TcpFlowRecord): Comparable => {
  const { stream: _stream, ...rest } = r;
  return rest;
};
const order = (a: Comparable, b: Comparable) =>
  a.start_us - b.start_us ||
  a.src.port - b.src.port ||
  a.dst.port - b.dst.port ||
  a.src.ip.localeCompare(b.src.ip);

/** Stored final records equal `tcpx analyze`'s, field by field, each connection exactly once. */
export async function assertStoredEqualsAnalyze(store: FlowStore, node: string, expected: TcpFlowRecord[]) {
  const stored = await storedRecords(store, node);
  assert.deepEqual(
    stored.filter((s) => !s.final).map((s) => `${s.record.src.port}->${s.record.dst.port}`),
    [],
    `${node}: every connection has its final record`,
  );
  assert.deepEqual(
    stored.map((s) => comparable(s.record)).sort(order),
    expected.map(comparable).sort(order),
    `${node}: stored records differ from tcpx analyze`,
  );
  const ids = new Set(stored.map((s) => s.flowId));
  assert.equal(ids.size, stored.length, `${node}: a connection appears twice`);
}

/**
 * Waits until the processor has seen every edge's end-of-capture marker (one per partition and
 * replayed file) and has stored, checkpointed and committed everything since: then all it will
 * ever store for those captures is stored.
 */
export async function waitUntilCapturesStored(processor: FlowProcessor, markers: number): Promise<void> {
  await waitFor('the end-of-capture markers', async () => processor.stats.endOfCaptureMarkers === markers);
  await waitFor('the checkpoint after them', async () => processor.settled);
}

/** Final rows stored for `node` (all versions collapsed). */
export async function finalCount(store: FlowStore, node: string): Promise<number> {
  const [row] = await store.query<{ n: string }>(
    'SELECT count() AS n FROM tcp_flows FINAL WHERE node = {node:String} AND final = 1',
    { node },
  );
  return Number(row.n);
}

/** `tcpx processor` as its own process (so it can be killed with SIGKILL). */
export function spawnProcessor(args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [TCPX_BIN, 'processor', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
    if (output.length > 1 << 20) output = output.slice(-(1 << 19));
  });
  return Object.assign(child, { output: () => output });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
