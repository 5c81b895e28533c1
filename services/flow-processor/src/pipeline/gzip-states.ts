import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Checkpoint } from './checkpoint-log.js';

const gzipAsync = promisify(gzip);

/**
 * Every partition's state gzipped at once, on libuv's threads: compressed on the event loop, the
 * snapshots held up a processor's input (230 ms of one pipeline bench) while a core sat idle.
 */
export async function gzipAll(checkpoints: ReadonlyMap<number, Checkpoint>): Promise<Map<number, Buffer>> {
  const entries = [...checkpoints];
  const packed = await Promise.all(entries.map(([, { state }]) => gzipAsync(state, { level: 1 })));
  return new Map(entries.map(([partition], i) => [partition, packed[i]]));
}
