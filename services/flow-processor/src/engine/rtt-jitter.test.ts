import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPacketSummary, TCP_ACK, type TcpFlowRecord } from '@tcpx/schemas';
import { analyzeSummaries } from '../analyze-summaries.js';
import { addSquare, stddevMicros } from './connection-table.js';

// jitter_us is the population standard deviation of the RTT samples rounded half up to µs. With
// µs-resolution captures the exact value often sits on a half µs; the running float computation
// the engine used before (Welford's) landed a hair below it on the sample sets below and rounded
// down (3, 14 and 5 µs).

/** The exact rounding, in integers, written independently of the engine. */
function referenceMicros(samples: readonly number[]): number {
  const n = BigInt(samples.length);
  if (n < 2n) return 0;
  const sum = samples.reduce((s, x) => s + BigInt(x), 0n);
  const sumSq = samples.reduce((s, x) => s + BigInt(x) * BigInt(x), 0n);
  const q = n * sumSq - sum * sum; // n² · variance
  // Smallest r with ((2r + 1) · 500 n)² > q: then r − ½ ≤ sqrt(q) / 1000n < r + ½. Found by
  // bisection (stddevs up to seconds are millions of µs: counting up took seconds).
  const above = (r: bigint) => ((2n * r + 1n) * 500n * n) ** 2n > q;
  let high = 1n;
  while (!above(high)) high *= 2n;
  let low = 0n; // the answer is in [low, high]
  while (low < high) {
    const mid = (low + high) / 2n;
    if (above(mid)) high = mid;
    else low = mid + 1n;
  }
  return Number(low);
}

function engineMicros(samples: readonly number[]): number {
  const hi = new Float64Array(1);
  let low = 0;
  let sum = 0;
  for (const x of samples) {
    sum += x;
    low += addSquare(hi, 0, x);
  }
  return stddevMicros(samples.length, sum, hi[0], low);
}

const HALVES: Array<[number[], number]> = [
  [[152, 156, 147, 155], 4], // stddev exactly 3.5 µs
  [[115, 148, 143, 152], 15], // 14.5 µs
  [[127, 134, 142, 131], 6], // 5.5 µs
];

describe('RTT jitter (population standard deviation, rounded half up to µs)', () => {
  it('rounds exact half µs up', () => {
    for (const [us, want] of HALVES) {
      const ns = us.map((x) => x * 1000);
      assert.equal(referenceMicros(ns), want, `reference ${us}`);
      assert.equal(engineMicros(ns), want, `engine ${us}`);
    }
    assert.equal(engineMicros([5000]), 0);
    assert.equal(engineMicros([7000, 7000, 7000]), 0);
  });

  it('equals the exact integer computation on ns samples up to 10 s, thousands at a time', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + Math.floor(random() ** 3 * 3000);
      const base = Math.floor(random() * 1e10);
      const spread = [1e3, 1e6, 1e9][trial % 3];
      const resolution = trial % 2 === 0 ? 1 : 1000; // ns or µs timestamps
      const samples = Array.from(
        { length: n },
        () => Math.round((base + random() * spread) / resolution) * resolution,
      );
      assert.equal(engineMicros(samples), referenceMicros(samples), `trial ${trial}`);
    }
  });

  it('is what a connection with those RTT samples reports', () => {
    // Mid-stream: four client segments, each acknowledged 152, 156, 147 and 155 µs later.
    const p = createPacketSummary();
    const packets: ReturnType<typeof createPacketSummary>[] = [];
    let t = 0;
    for (const [i, rttUs] of [152, 156, 147, 155].entries()) {
      const seq = 1000 + i * 100;
      for (const [fromClient, at] of [
        [true, t],
        [false, t + rttUs * 1000],
      ] as const) {
        const q = Object.assign(createPacketSummary(), p, {
          src3: fromClient ? 0x0a000001 : 0x0a000002,
          dst3: fromClient ? 0x0a000002 : 0x0a000001,
          srcPort: fromClient ? 40000 : 80,
          dstPort: fromClient ? 80 : 40000,
          flags: TCP_ACK,
          seq: fromClient ? seq : 5000,
          ack: fromClient ? 5000 : seq + 100,
          window: 1000,
          ipPayloadLength: fromClient ? 120 : 20,
          tcpHeaderLength: 20,
          tsSec: 1_700_000_000,
          tsNsec: at,
        });
        packets.push(q);
      }
      t += 1_000_000;
    }
    const records: TcpFlowRecord[] = [];
    const { ingest, finish } = analyzeSummaries((r) => records.push(r));
    for (const q of packets) ingest(q);
    finish();
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record.tcp_metrics.rtt_samples, 4);
    assert.equal(record.tcp_metrics.jitter_us, 4);
  });
});
