import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { InProcessTransport, PacketPublisher, readCaptureFile } from '@tcpx/edge-capture';
import { FileCheckpoints, InProcessFlowProcessor } from '@tcpx/flow-processor';
import {
  copyPacketSummary,
  createPacketSummary,
  type PacketSummary,
  type TcpFlowRecord,
} from '@tcpx/schemas';
import { InProcessTopic } from '@tcpx/schemas/in-process-topic';
import { type FlowStore, openStore } from '@tcpx/store';
import { analyzeWithTcpx } from '../differential/run-tcpx.js';
import { assertStoredEqualsAnalyze, storedRecords } from '../pipeline/harness.js';
import { REPO_ROOT } from '../scenarios/index.js';

// The embedded mode's restart: a process that stops in the middle of a live capture stores interim
// records and its flow tables (files in the data folder); the next one restores them and continues
// the open connections, so the final rows equal `tcpx analyze` on the whole capture. The same
// publisher, topic, processor and chdb store as `tcpx up`, without the CLI around them.

const DEMO = join(REPO_ROOT, 'samples', 'demo.pcap');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tcpx-embedded-'));
  dirs.push(dir);
  return dir;
}

async function demoPackets(): Promise<PacketSummary[]> {
  const packets: PacketSummary[] = [];
  await readCaptureFile(DEMO, (p) => packets.push(copyPacketSummary(p, createPacketSummary())));
  return packets;
}

/** One `tcpx up` lifetime: the packets through publisher → topic → processor, then a clean stop. */
async function run(dir: string, store: FlowStore, packets: PacketSummary[], endOfCapture: boolean) {
  const topic = new InProcessTopic();
  const processor = new InProcessFlowProcessor({
    topic,
    store,
    checkpoints: new FileCheckpoints(join(dir, 'flow-state')),
    analyzer: { closedLingerNs: 60e9, idleTimeoutNs: 0 }, // as tcpx analyze
    idleAdvanceMs: 0,
    log: () => {},
  });
  await processor.start();
  const publisher = new PacketPublisher(new InProcessTransport(topic), { node: 'restarted', mode: 'live' });
  await publisher.start();
  for (const p of packets) assert.ok(publisher.publish(p), 'nothing dropped');
  if (endOfCapture) await publisher.markEndOfCapture();
  assert.equal((await publisher.close()).packetsDropped, 0);
  assert.equal(await processor.stop(), true, 'the last checkpoint was stored');
  return { stats: processor.stats, output: processor.outputStats };
}

describe('embedded mode: flow tables across restarts', () => {
  let expected: TcpFlowRecord[];
  let packets: PacketSummary[];

  test('a restarted processor continues the open connections from its checkpoint file', async () => {
    [expected, packets] = await Promise.all([analyzeWithTcpx(DEMO), demoPackets()]);
    const half = Math.floor(packets.length / 2);
    const dir = dataDir();
    const store = openStore(`chdb:${join(dir, 'clickhouse')}`);
    await store.migrate();
    try {
      const first = await run(dir, store, packets.slice(0, half), false);
      assert.equal(first.stats.restoredPartitions, 0);
      assert.ok(first.output.interimRows > 0, 'open connections were stored as interim rows at stop');
      const openAtStop = (await storedRecords(store, 'restarted')).filter((s) => !s.final).length;
      assert.ok(openAtStop > 0);

      const second = await run(dir, store, packets.slice(half), true);
      assert.equal(second.stats.restoredPartitions, 1, 'the second run restored the tables');
      await assertStoredEqualsAnalyze(store, 'restarted', expected);
    } finally {
      await store.close();
    }
  });

  test('without the checkpoint file the second half alone gives other records (the control)', async () => {
    const half = Math.floor(packets.length / 2);
    const dir = dataDir();
    const store = openStore(`chdb:${join(dir, 'clickhouse')}`);
    await store.migrate();
    try {
      await run(dir, store, packets.slice(0, half), false);
      rmSync(join(dir, 'flow-state'), { recursive: true });
      await run(dir, store, packets.slice(half), true);
      await assert.rejects(assertStoredEqualsAnalyze(store, 'restarted', expected));
    } finally {
      await store.close();
    }
  });
});
