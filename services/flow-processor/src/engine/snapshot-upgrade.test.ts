import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COUNTER, COUNTER_COUNT, COUNTER_COUNT_BEFORE_RTT_SQUARES } from './analysis-flags.js';
import { ConnectionTable, stddevMicros } from './connection-table.js';
import { StateReader, StateWriter } from './state-codec.js';

// Flow-table snapshots outlive a build (they sit in the checkpoint topic across an upgrade): a
// table restores the layouts earlier builds wrote, deriving the columns they lacked.

/** The table's protected hooks, for these tests. */
interface Hooks {
  missingColumn(r: StateReader, prefix: string, name: string): Float64Array | Uint8Array;
  counterBlocksUsed: number;
  restride(counters: Float64Array): Float64Array;
}

describe('ConnectionTable restores older snapshots', () => {
  it("with Welford's rttM2 and 18 counters a block (before the exact Σx²)", () => {
    // One connection with the samples 152, 156, 147 and 155 µs, as the former engine saved it.
    const sumNs = 610_000;
    const m2 = 49e6; // Σ(x − mean)² in ns²
    const w = new StateWriter()
      .array('table.rttM2', Float64Array.of(m2))
      .array('table.rttSumNs', Float64Array.of(sumNs))
      .array('table.rttSamples', Uint32Array.of(4));
    const r = new StateReader(w.finish());
    const table = new ConnectionTable() as unknown as Hooks;
    const squares = table.missingColumn(r, 'table', 'rttSumSquares');
    assert.equal(stddevMicros(4, sumNs, squares[0], 0), 4);
    assert.throws(() => table.missingColumn(r, 'table', 'rttSamplesElsewhere'), /snapshot lacks table\./);
    // Two blocks of 18 counters become two of COUNTER_COUNT, each counter where it was.
    table.counterBlocksUsed = 2;
    const old = Float64Array.from({ length: 2 * COUNTER_COUNT_BEFORE_RTT_SQUARES }, (_, i) => i + 1);
    const widened = table.restride(old);
    assert.equal(widened.length, 2 * COUNTER_COUNT);
    assert.deepEqual(
      [widened[COUNTER.retransmitted_bytes], widened[COUNTER_COUNT + COUNTER.retransmissions]],
      [18, 19],
    );
    assert.equal(widened[COUNTER.rtt_square_sum_low], 0);
    assert.throws(() => table.restride(new Float64Array(5)), /5 numbers for 2 blocks/);
  });

  it('with a packet count at the last report instead of a report-due byte', () => {
    // Slot 0: 3 + 4 packets, reported at 7 (nothing new). Slot 1: 5 + 5, reported at 6 (due).
    const w = new StateWriter()
      .array('table.reportedPackets', Uint32Array.of(7, 6))
      .array('table.packets', Uint32Array.of(3, 4, 5, 5));
    const table = new ConnectionTable() as unknown as Hooks;
    assert.deepEqual([...table.missingColumn(new StateReader(w.finish()), 'table', 'reportDue')], [0, 1]);
  });
});
