import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileCheckpoints } from './file-checkpoints.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpx-file-checkpoints-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('FileCheckpoints', () => {
  it('reads back the latest snapshot of each partition; unknown partitions are absent', async () => {
    const store = new FileCheckpoints(join(dir, 'roundtrip'));
    assert.equal((await store.read([0, 1])).size, 0, 'nothing written yet (no folder either)');
    await store.write(
      new Map([
        [0, { offset: '17', state: bytes(100_000, 1) }],
        [1, { offset: '3', state: bytes(10, 2) }],
      ]),
    );
    await store.write(new Map([[0, { offset: '20', state: bytes(5000, 3) }]]));
    const read = await store.read([0, 1, 2]);
    assert.deepEqual([...read.keys()].sort(), [0, 1]);
    assert.deepEqual(new Uint8Array(read.get(0)!.state), bytes(5000, 3));
    assert.deepEqual(new Uint8Array(read.get(1)!.state), bytes(10, 2));
    // The in-process topic starts again at 0 in a new process: offsets are not carried over.
    assert.equal(read.get(0)?.offset, '0');
    assert.deepEqual(readdirSync(store.dir).sort(), ['partition-0.flow-state', 'partition-1.flow-state']);
  });

  it('refuses a truncated file and a file that is not a checkpoint, naming it', async () => {
    const store = new FileCheckpoints(join(dir, 'damaged'));
    await store.write(new Map([[0, { offset: '1', state: bytes(4096, 4) }]]));
    const file = store.fileOf(0);
    writeFileSync(file, readFileSync(file).subarray(0, -10));
    await assert.rejects(store.read([0]), (error: Error) => error.message.startsWith(`${file} is truncated`));
    writeFileSync(file, 'hello\n');
    await assert.rejects(store.read([0]), /is not a tcpx flow-state file/);
  });
});
