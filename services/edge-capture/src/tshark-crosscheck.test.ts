import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCapture } from './testing/collect.js';
import { sampleCaptures } from './testing/sample-captures.js';
import {
  classifyTsharkRows,
  renderSummary,
  runTshark,
  TSHARK_FIELDS,
  TSHARK_PREFS,
  tsharkAvailable,
} from './testing/tshark.js';

describe('decoding matches tshark on generated captures', {
  skip: !tsharkAvailable() && 'tshark not installed',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-capture-tshark-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, bytes] of sampleCaptures()) {
    it(name, async () => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const ours = parseCapture(bytes);
      const tshark = classifyTsharkRows((await runTshark(path, TSHARK_FIELDS, TSHARK_PREFS)).rows);
      assert.equal(ours.stats.frames, tshark.frameCount);
      assert.ok(tshark.analysable.size >= 15, `only ${tshark.analysable.size} TCP frames`);
      const oursByFrame = new Map(ours.packets.map((p) => [p.frameNumber, renderSummary(p)]));
      assert.deepEqual([...oursByFrame.keys()], [...tshark.analysable.keys()], 'frames decoded as TCP');
      for (const [frame, expected] of tshark.analysable) {
        assert.deepEqual(oursByFrame.get(frame), expected, `frame ${frame}`);
      }
    });
  }
});
