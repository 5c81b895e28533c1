import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPacketSummary } from '@tcpx/schemas';
import { resolutionFromOption, setPcapTimestamp, setTimestamp } from './timestamps.js';

/** Reference: exact BigInt arithmetic, truncating to nanoseconds. */
function reference(value: bigint, option: number): [number, number] {
  const exponent = BigInt(option & 0x7f);
  const unitsPerSecond = option & 0x80 ? 1n << exponent : 10n ** exponent;
  const sec = value / unitsPerSecond;
  const nsec = ((value % unitsPerSecond) * 1000000000n) / unitsPerSecond;
  return [Number(sec), Number(nsec)];
}

function convert(value: bigint, option: number): [number, number] {
  const out = createPacketSummary();
  setTimestamp(out, Number(value >> 32n), Number(value & 0xffffffffn), resolutionFromOption(option));
  return [out.tsSec, out.tsNsec];
}

/** Deterministic pseudo-random 64-bit values (xorshift). */
function* values(count: number): Generator<bigint> {
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < count; i++) {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    yield x >> BigInt(i % 64);
  }
}

describe('pcapng timestamps', () => {
  it('convert exactly for decimal resolutions 10^0 … 10^19 (sub-ns truncated)', () => {
    for (let e = 0; e <= 19; e++) {
      for (const v of values(400)) {
        const [sec] = reference(v, e);
        if (sec > Number.MAX_SAFE_INTEGER) continue; // seconds beyond 2^53 do not fit a number
        assert.deepEqual(convert(v, e), reference(v, e), `10^-${e} of ${v}`);
      }
    }
  });

  it('convert exactly for binary resolutions 2^0 … 2^-40', () => {
    for (let e = 0; e <= 40; e++) {
      for (const v of values(400)) {
        const [sec] = reference(v, 0x80 | e);
        if (sec > Number.MAX_SAFE_INTEGER) continue;
        assert.deepEqual(convert(v, 0x80 | e), reference(v, 0x80 | e), `2^-${e} of ${v}`);
      }
    }
  });

  it('keep nanosecond timestamps of today exact (above 2^53 units)', () => {
    const ns = 1700000000123456789n;
    assert.deepEqual(convert(ns, 9), [1700000000, 123456789]);
    assert.deepEqual(convert(12345678123456789999n, 12), [12345678, 123456789]); // picoseconds
    assert.deepEqual(convert(0xffffffffffffffffn, 9), [18446744073, 709551615]);
  });
});

describe('pcap timestamps', () => {
  it('scale microseconds, keep nanoseconds, and carry out-of-range fractions', () => {
    const out = createPacketSummary();
    setPcapTimestamp(out, 1700000000, 999999, false);
    assert.deepEqual([out.tsSec, out.tsNsec], [1700000000, 999999000]);
    setPcapTimestamp(out, 4294967295, 999999999, true);
    assert.deepEqual([out.tsSec, out.tsNsec], [4294967295, 999999999]);
    setPcapTimestamp(out, 10, 2500000, false);
    assert.deepEqual([out.tsSec, out.tsNsec], [12, 500000000]);
  });
});
