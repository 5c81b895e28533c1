import { copyPacketSummary, createPacketSummary, type PacketSummary } from '@tcpx/schemas';
import { CaptureParser, type CaptureStats } from '../capture-file.js';

export interface ParsedCapture {
  /** Copies of every summary handed to onPacket, in order. */
  packets: PacketSummary[];
  stats: CaptureStats;
}

/** Parses a capture held in memory, pushing it in chunks of `chunkSize` bytes (all at once by default). */
export function parseCapture(bytes: Uint8Array, chunkSize = bytes.length): ParsedCapture {
  const packets: PacketSummary[] = [];
  const parser = new CaptureParser((p) => packets.push(copyPacketSummary(p, createPacketSummary())));
  const step = Math.max(1, chunkSize);
  for (let i = 0; i < bytes.length; i += step)
    parser.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
  return { packets, stats: parser.end() };
}

/** Parses with the chunk boundaries at the given offsets (to exercise records straddling chunks). */
export function parseCaptureSplitAt(bytes: Uint8Array, cuts: number[]): ParsedCapture {
  const packets: PacketSummary[] = [];
  const parser = new CaptureParser((p) => packets.push(copyPacketSummary(p, createPacketSummary())));
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(bytes.subarray(start, cut));
    start = cut;
  }
  return { packets, stats: parser.end() };
}
