import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEMO_EXPECT } from './demo.js';
import { evaluateExpect, parseExpect } from './expect.js';
import { REPO_ROOT } from './index.js';

const DEMO = join(REPO_ROOT, 'samples', 'demo.pcap');

describe('bundled samples/demo.pcap (checked with tshark only)', () => {
  it('is a small classic pcap, Ethernet, headers only (snaplen 128)', () => {
    assert.ok(statSync(DEMO).size < 3 << 20, 'under 3 MB');
    const header = readFileSync(DEMO).subarray(0, 24);
    assert.equal(header.readUInt32LE(0), 0xa1b2c3d4, 'classic pcap, µs, little-endian');
    assert.equal(header.readUInt32LE(16), 128, 'snaplen');
    assert.equal(header.readUInt32LE(20), 1, 'LINKTYPE_ETHERNET');
  });

  it('shows everything the demo generator claims', async () => {
    for (const e of DEMO_EXPECT) parseExpect(e);
    const failed = (await evaluateExpect(DEMO, DEMO_EXPECT))
      .filter((r) => !r.ok)
      .map((r) => `${r.expr} (actual ${r.actual})`);
    assert.deepEqual(failed, []);
  });
});
