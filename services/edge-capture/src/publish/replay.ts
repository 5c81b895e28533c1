import { performance } from 'node:perf_hooks';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { copyPacketSummary, createPacketSummary, type PacketSummary } from '@tcpx/schemas';
import { type CaptureStats, readCaptureFile } from '../capture-file.js';
import type { PacketPublisher } from './packet-publisher.js';
import type { PauseGate } from './pause-gate.js';
import type { PublisherStats } from './publisher-stats.js';

export interface ReplayOptions {
  /** 'fast' (default): as fast as backpressure allows; a number: that many times real time (1 = real time). */
  speed?: 'fast' | number;
  /** Once the whole file is sent, send the end-of-capture marker to every partition (default true). */
  endOfCapture?: boolean;
  /** Stops reading; what was read is still flushed. */
  signal?: AbortSignal;
  /** Reading waits while it is paused (paced replays shift their schedule by the pause). */
  pause?: PauseGate;
}

export interface ReplayResult {
  /** Null when the replay was aborted before the end of the file. */
  capture: CaptureStats | null;
  publisher: PublisherStats;
  elapsedMs: number;
}

class ReplayAborted extends Error {}

/**
 * Publishes a capture file ('-' = stdin) through `publisher` (mode 'replay': nothing is dropped,
 * reading waits for room). Paced replays pace each packet's capture time against the wall clock.
 */
export async function replayCapture(
  path: string,
  publisher: PacketPublisher,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const speed = options.speed ?? 'fast';
  if (speed !== 'fast' && !(speed > 0 && Number.isFinite(speed)))
    throw new Error(`replay speed must be 'fast' or a positive factor, got ${speed}`);
  const { signal, pause } = options;
  const started = performance.now();
  const checkAbort = () => {
    if (signal?.aborted) throw new ReplayAborted('replay aborted');
  };

  // Paced: a chunk's packets are copied into reused summaries, then published one by one on time.
  const pending: PacketSummary[] = [];
  let pendingCount = 0;
  let firstCaptureMs = Number.NaN;
  let firstWallMs = 0;
  const holdWhilePaused = async (): Promise<void> => {
    const held = pause?.wait(signal);
    if (!held) return;
    const pausedAt = performance.now();
    await held;
    firstWallMs += performance.now() - pausedAt; // the schedule resumes where it stopped
  };
  const publishPending = async (): Promise<void> => {
    for (let i = 0; i < pendingCount; i++) {
      const p = pending[i];
      const captureMs = p.tsSec * 1000 + p.tsNsec / 1e6;
      if (Number.isNaN(firstCaptureMs)) {
        firstCaptureMs = captureMs;
        firstWallMs = performance.now();
      }
      const waitMs = firstWallMs + (captureMs - firstCaptureMs) / (speed as number) - performance.now();
      if (waitMs >= 1) await sleep(waitMs);
      if (pause?.paused) await holdWhilePaused();
      if (publisher.backpressured) await publisher.writable();
      checkAbort();
      publisher.publish(p);
    }
    pendingCount = 0;
  };

  const onPacket =
    speed === 'fast'
      ? (p: PacketSummary) => {
          publisher.publish(p);
        }
      : (p: PacketSummary) => {
          if (pendingCount === pending.length) pending.push(createPacketSummary());
          copyPacketSummary(p, pending[pendingCount++]);
        };
  const onChunk = (): Promise<void> | undefined => {
    checkAbort();
    if (pause?.paused) return holdWhilePaused().then(onChunk);
    if (pendingCount > 0) return publishPending();
    if (publisher.backpressured) return publisher.writable();
    // Kafka's and the registry's round trips wait for the reader's turn to end (8 chunks, ~10 ms,
    // and a start makes a dozen in a row): while they are under way, a turn is one chunk.
    return publisher.isStarting ? yieldToEventLoop() : undefined;
  };

  let capture: CaptureStats | null = null;
  try {
    // A starting transport's code first: read meanwhile, the file would take the thread and push
    // the first send (and the first packet a processor sees) back by the whole bounded buffer.
    await publisher.loaded();
    capture = await readCaptureFile(path, onPacket, { onChunk });
    if (pendingCount > 0) await publishPending();
  } catch (error) {
    if (!(error instanceof ReplayAborted)) throw error;
  }
  await publisher.flush();
  if (capture !== null && (options.endOfCapture ?? true)) await publisher.markEndOfCapture();
  return { capture, publisher: publisher.stats(), elapsedMs: performance.now() - started };
}
