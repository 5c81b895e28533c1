import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { END_OF_CAPTURE_HEADER } from '@tcpx/schemas/kafka';
import { FileCheckpoints } from './file-checkpoints.js';
import { FlowPipeline, type PartitionOffset, type RecordOutput } from './flow-pipeline.js';
import type { EmittedFlow } from './partition-flows.js';

// The checkpoint cycle's order and overlap: a checkpoint is written while input goes on, one at
// a time, rows before snapshots before offsets. The store is held open by hand (a database that is
// slow to answer) so each step can be observed; the checkpoints are the embedded mode's real files.

const dir = mkdtempSync(join(tmpdir(), 'tcpx-flow-pipeline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A store whose inserts complete (or fail) when the test says so. */
class HeldStore implements RecordOutput {
  readonly writes: Array<{ flows: readonly EmittedFlow[]; done(): void; fail(error: Error): void }> = [];
  write(flows: readonly EmittedFlow[]): Promise<void> {
    return new Promise((resolve, reject) => this.writes.push({ flows, done: resolve, fail: reject }));
  }
  stop(): void {}
}

/** 'pending' when `promise` has not settled within a few event-loop turns. */
async function settledSoon<T>(promise: Promise<T>): Promise<'resolved' | 'rejected' | 'pending'> {
  const outcome = promise.then(
    () => 'resolved' as const,
    () => 'rejected' as const,
  );
  return Promise.race([outcome, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 200))]);
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('condition not reached in 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup(name: string) {
  const store = new HeldStore();
  const checkpoints = new FileCheckpoints(join(dir, name));
  const commits: PartitionOffset[][] = [];
  const pipeline = new FlowPipeline({
    commitIntervalMs: 60_000, // only what a test asks for, or an end of capture, checkpoints
    output: store,
    checkpoints,
    decode: () => 0, // the messages carry no packets: offsets are what is followed here
    commit: async (offsets) => {
      commits.push(offsets);
    },
  });
  pipeline.assign(new Set([0]));
  let nextOffset = 0n;
  const input = (messages: number, headers: Record<string, string> = {}) =>
    pipeline.serialized(async () => {
      const state = await pipeline.partition(0, nextOffset);
      for (let i = 0; i < messages; i++)
        await pipeline.process(
          state,
          { partition: 0, offset: nextOffset++, key: 'n|k', value: new Uint8Array(1), headers },
          Date.now(),
        );
      return state;
    });
  return { store, checkpoints, commits, pipeline, input };
}

describe('FlowPipeline checkpoints', () => {
  it('are written while input goes on; offsets are committed only once the store has the rows', async () => {
    const { store, checkpoints, commits, pipeline, input } = setup('overlap');
    await input(5);
    assert.equal(await settledSoon(pipeline.serialized(() => pipeline.checkpoint(false))), 'resolved');
    assert.equal(store.writes.length, 1, 'the insert is under way');
    // The store has not answered: input still goes on.
    const state = await input(5);
    assert.equal(state.nextOffset, 10n);
    assert.equal(pipeline.settled, false);
    assert.deepEqual(commits, [], 'nothing committed before the store has the rows');
    assert.equal((await checkpoints.read([0])).size, 0, 'nor the tables snapshotted to the checkpoint store');

    // The next checkpoint waits for this one.
    const second = pipeline.serialized(() => pipeline.checkpoint(false));
    assert.equal(await settledSoon(second), 'pending');
    store.writes[0].done();
    await second;
    assert.deepEqual(
      commits,
      [[{ partition: 0, offset: 5n }]],
      'the offsets of the checkpoint, not later ones',
    );
    assert.equal((await checkpoints.read([0])).size, 1);
    assert.equal(store.writes.length, 2);
    store.writes[1].done();
    await until(() => pipeline.settled);
    assert.deepEqual(commits.at(-1), [{ partition: 0, offset: 10n }]);
  });

  it('rethrow a failed write at the next checkpoint, and a restore waits for the one in flight', async () => {
    const { store, commits, pipeline, input } = setup('failure');
    await input(3);
    await pipeline.serialized(() => pipeline.checkpoint(false));
    // A partition given to us now is restored once the checkpoint in flight is written.
    pipeline.assign(new Set([0, 1]));
    const restore = pipeline.serialized(() => pipeline.partition(1, 0n));
    assert.equal(await settledSoon(restore), 'pending');
    store.writes[0].fail(new Error('store gave up'));
    await restore;
    await assert.rejects(
      pipeline.serialized(() => pipeline.checkpoint(false)),
      /store gave up/,
    );
    assert.deepEqual(commits, [], 'a failed checkpoint commits nothing');
    // The failure is reported once: the following checkpoint writes again.
    await input(2);
    await pipeline.serialized(() => pipeline.checkpoint(false));
    assert.equal(store.writes.length, 2);
    store.writes[1].done();
    await until(() => pipeline.settled);
    assert.deepEqual(commits, [[{ partition: 0, offset: 5n }]]);
  });

  it('at stop, wait for the last one to be written', async () => {
    const { store, commits, pipeline, input } = setup('final');
    await input(4);
    await pipeline.serialized(() => pipeline.checkpoint(false));
    await input(1);
    const stopped = pipeline.stop(10_000);
    assert.equal(await settledSoon(stopped), 'pending');
    store.writes[0].done();
    assert.equal(await settledSoon(stopped), 'pending', 'the final checkpoint is being written');
    store.writes[1].done();
    assert.equal(await stopped, true);
    assert.deepEqual(
      commits.map((c) => c[0].offset),
      [4n, 5n],
    );
    assert.equal(pipeline.settled, true);
  });

  it('are taken as soon as a capture ends, or once the one in flight is written', async () => {
    const { store, commits, pipeline, input } = setup('end-of-capture');
    await input(3);
    assert.equal(pipeline.checkpointDue(Date.now()), false, 'the interval is a minute');
    await input(1, { [END_OF_CAPTURE_HEADER]: '1' });
    // Due within milliseconds (the other partitions' markers come with it), without input or clock.
    assert.equal(pipeline.checkpointDue(Date.now() + 1000), true);
    await until(() => store.writes.length === 1);
    // Another partition's marker arrives while that checkpoint is written: it waits for it...
    await input(1, { [END_OF_CAPTURE_HEADER]: '1' });
    assert.equal(pipeline.checkpointDue(Date.now() + 1000), false, 'one write at a time');
    // ...and is checkpointed once it is written.
    store.writes[0].done();
    await until(() => store.writes.length === 2);
    store.writes[1].done();
    await until(() => pipeline.settled);
    assert.deepEqual(
      commits.map((c) => c[0].offset),
      [4n, 5n],
    );
  });
});
