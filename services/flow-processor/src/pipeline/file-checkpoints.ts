import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Checkpoint } from './checkpoint-log.js';
import type { CheckpointStore } from './flow-pipeline.js';
import { gzipAll } from './gzip-states.js';

// Flow-table checkpoints of the embedded mode: one file per input partition in the data folder,
// written to a temporary name, synced and renamed over the previous one, so a crash leaves either
// the old snapshot or the new one, never half of one. Layout: one JSON line (format, byte count,
// time), then the gzipped snapshot.
//
// Offsets are not kept: the in-process topic lives as long as its process, and every message it
// delivered is in the tables when they are checkpointed. A restarted process starts a new topic
// at offset 0, and its tables continue from the snapshot.

const FORMAT = 'tcpx-flow-state/1';

interface FileHeader {
  format: string;
  partition: number;
  bytes: number;
  writtenAt: string;
}

export class FileCheckpoints implements CheckpointStore {
  constructor(readonly dir: string) {}

  fileOf(partition: number): string {
    return join(this.dir, `partition-${partition}.flow-state`);
  }

  async read(partitions: readonly number[]): Promise<Map<number, Checkpoint>> {
    const out = new Map<number, Checkpoint>();
    for (const partition of partitions) {
      const file = this.fileOf(partition);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      out.set(partition, { offset: '0', state: parse(file, bytes) });
    }
    return out;
  }

  async write(checkpoints: ReadonlyMap<number, Checkpoint>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const packedStates = await gzipAll(checkpoints);
    for (const partition of checkpoints.keys()) {
      const packed = packedStates.get(partition)!;
      const header: FileHeader = {
        format: FORMAT,
        partition,
        bytes: packed.length,
        writtenAt: new Date().toISOString(),
      };
      const file = this.fileOf(partition);
      const temporary = `${file}.tmp`;
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), packed]));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    }
  }
}

function parse(file: string, bytes: Buffer): Uint8Array {
  const newline = bytes.indexOf(0x0a);
  let header: FileHeader | undefined;
  try {
    header = newline > 0 ? (JSON.parse(bytes.subarray(0, newline).toString()) as FileHeader) : undefined;
  } catch {
    header = undefined;
  }
  if (header?.format !== FORMAT) throw new Error(`${file} is not a tcpx flow-state file (${FORMAT})`);
  const packed = bytes.subarray(newline + 1);
  if (packed.length !== header.bytes)
    throw new Error(`${file} is truncated: ${packed.length} of ${header.bytes} bytes`);
  return gunzipSync(packed);
}
