import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readCaptureFile } from '@tcpx/edge-capture';
import {
  type AnalyzerOptions,
  analyzeSummaries,
  type EmittedFlow,
  PartitionFlows,
} from '@tcpx/flow-processor';
import type { PacketSummary, TcpFlowRecord } from '@tcpx/schemas';
import { generateCraftedCaptures } from '../crafted/index.js';
import { DEFAULT_CACHE_DIR, generateCaptures, REPO_ROOT } from '../scenarios/index.js';

// A flow table checkpointed and restored into a fresh one, again and again while a capture streams
// through, must emit exactly what one uninterrupted analyzer emits: this is what lets a partition
// move between processors (or survive kill -9) mid-connection.

/** Default linger; and one short enough that lingering, idle expiry and eviction all happen. */
const SETTINGS: AnalyzerOptions[] = [
  { closedLingerNs: 60e9 },
  { closedLingerNs: 1e6, idleTimeoutNs: 20e6, maxConnections: 8 },
];

async function uninterrupted(file: string, options: AnalyzerOptions): Promise<TcpFlowRecord[]> {
  const records: TcpFlowRecord[] = [];
  const engine = analyzeSummaries((r) => records.push(r), options);
  await readCaptureFile(file, engine.ingest);
  engine.finish();
  return records;
}

/** Restores into a new PartitionFlows every `every` packets; interim records in between too. */
async function withRestarts(
  file: string,
  every: number,
  options: AnalyzerOptions,
): Promise<{ finals: EmittedFlow[]; restarts: number; interim: number }> {
  let flows = new PartitionFlows(options);
  const finals: EmittedFlow[] = [];
  let restarts = 0;
  let interim = 0;
  let n = 0;
  const drain = () => {
    for (const f of flows.take()) {
      if (f.final) finals.push(f);
      else interim++;
    }
  };
  await readCaptureFile(file, (p: PacketSummary) => {
    flows.ingest('node-a', p);
    if (++n % every === 0) {
      if (restarts % 3 === 0) flows.emitInterim();
      drain();
      const state = flows.snapshot();
      flows = new PartitionFlows(options);
      flows.restore(state);
      restarts++;
    }
  });
  flows.flush();
  drain();
  return { finals, restarts, interim };
}

async function captures(): Promise<string[]> {
  const scenarios = await generateCaptures(DEFAULT_CACHE_DIR);
  const crafted = generateCraftedCaptures(join(DEFAULT_CACHE_DIR, 'crafted'));
  return [
    join(REPO_ROOT, 'samples', 'demo.pcap'),
    ...scenarios.map((s) => s.file),
    ...crafted.map((c) => c.file),
  ];
}

describe('flow-table checkpoints', () => {
  test('restoring from a checkpoint every few packets changes no record', async (t) => {
    const files = await captures();
    assert.ok(files.length >= 20, `captures: ${files.length}`);
    for (const file of files) {
      await t.test(file.split('/').pop()!, async () => {
        for (const options of SETTINGS) {
          const expected = await uninterrupted(file, options);
          for (const every of [1, 7, 101]) {
            const { finals, restarts } = await withRestarts(file, every, options);
            if (every === 1) assert.ok(restarts > 0 || expected.length === 0, 'restarted at least once');
            assert.deepEqual(
              finals.map((f) => f.record),
              expected,
              `restarting every ${every} packets changed the records (${JSON.stringify(options)})`,
            );
            // The final version is odd and above every interim one of the same connection.
            for (const f of finals) assert.equal(f.version % 2, 1);
          }
        }
      });
    }
  });

  test('interim records carry the state so far; the final record wins by version', async () => {
    const file = join(REPO_ROOT, 'samples', 'demo.pcap');
    const flows = new PartitionFlows();
    const all: EmittedFlow[] = [];
    let n = 0;
    await readCaptureFile(file, (p) => {
      flows.ingest('node-a', p);
      if (++n % 500 === 0) flows.emitInterim();
    });
    assert.ok(flows.emitInterim() >= 0);
    flows.flush();
    all.push(...flows.take());
    const interim = all.filter((f) => !f.final);
    const finals = all.filter((f) => f.final);
    assert.ok(interim.length > 0, 'some connections were reported while open');
    const latest = new Map<string, EmittedFlow>();
    for (const f of all) {
      const key = `${f.record.src.ip}|${f.record.src.port}|${f.record.dst.ip}|${f.record.dst.port}|${f.record.start_us}`;
      const seen = latest.get(key);
      if (!seen || f.version > seen.version) latest.set(key, f);
      if (seen && f.version === seen.version)
        assert.deepEqual(f.record, seen.record, 'equal versions, equal records');
    }
    assert.equal(latest.size, finals.length);
    for (const f of latest.values())
      assert.ok(f.final, 'the highest version of every connection is its final record');
    assert.deepEqual(
      finals.map((f) => f.record),
      await uninterrupted(file, {}),
    );
  });

  test('a snapshot is refused when it is not one', () => {
    const flows = new PartitionFlows();
    const bogus = new Uint8Array(40);
    new DataView(bogus.buffer).setUint32(0, 1, true);
    assert.throws(() => flows.restore(bogus));
  });
});
