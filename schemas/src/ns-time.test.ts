import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromNsWords, nsToBigInt, nsWords, secNsec, toNsWords } from './ns-time.js';

describe('ns-time', () => {
  it('splits and joins uint64 nanoseconds exactly', () => {
    const cases: [number, number][] = [
      [0, 0],
      [0, 999_999_999],
      [1, 0],
      [1795242181, 112591123],
      [4294967295, 999_999_999],
      [4294967296, 1],
      [9007199254, 740_992_999],
      [18446744073, 709_551_615],
    ];
    let state = 12345;
    for (let i = 0; i < 2000; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      cases.push([Math.floor((state / 2 ** 31) * 18446744073), (state * 7) % 1e9]);
    }
    for (const [sec, nsec] of cases) {
      toNsWords(sec, nsec);
      const ns = nsToBigInt(sec, nsec);
      assert.equal((BigInt(nsWords.hi) << 32n) | BigInt(nsWords.lo), ns, `${sec}.${nsec}`);
      fromNsWords(nsWords.lo, nsWords.hi);
      assert.deepEqual({ ...secNsec }, { sec, nsec });
    }
  });
});
