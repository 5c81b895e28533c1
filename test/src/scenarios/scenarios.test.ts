import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evaluateExpect, parseExpect } from './expect.js';
import { generateCaptures, SCENARIOS } from './index.js';
import { listLabNamespaces } from './netns.js';
import type { Scenario } from './types.js';

const root = process.getuid?.() === 0;
const EXPECTED = [
  'clean-transfer',
  'random-loss',
  'zero-window',
  'refused',
  'keepalive',
  'rst-close',
  'port-reuse',
  'ipv6',
  'delay-jitter',
  'many-short',
  'half-close',
  'heavy-loss',
  'unanswered',
  'syn-received',
];

/** A claim that can only hold if something was actually observed (count > 0 or a lower bound ≥ 1). */
function isPositive(expr: string): boolean {
  const { op, value } = parseExpect(expr);
  return (op === '>' && value >= 0) || (op === '>=' && value >= 1) || (op === '==' && value >= 1);
}

describe('scenario definitions', () => {
  it('cover the eleven required scenarios plus heavy-loss, unanswered and syn-received, each with at least one positive, parseable claim', () => {
    assert.deepEqual(
      SCENARIOS.map((s) => s.name),
      EXPECTED,
    );
    for (const s of SCENARIOS) {
      for (const e of s.expect) parseExpect(e);
      assert.ok(s.expect.some(isPositive), `${s.name} has no positive claim`);
    }
  });
});

describe('real-traffic scenarios (checked with tshark only)', {
  skip: !root && 'needs root (network namespaces)',
}, () => {
  let dir: string;
  let scenarios: Scenario[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tcpx-scenarios-'));
    const t0 = Date.now();
    scenarios = await generateCaptures(dir, { log: (m) => process.stderr.write(`[captures] ${m}\n`) });
    process.stderr.write(`[captures] ${scenarios.length} scenarios ready in ${Date.now() - t0} ms\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generated every scenario as a non-empty pcap', () => {
    assert.deepEqual(
      scenarios.map((s) => s.name),
      EXPECTED,
    );
    for (const s of scenarios) {
      assert.ok(existsSync(s.file), s.file);
      assert.ok(statSync(s.file).size > 24, `${s.name} is empty`);
      assert.ok(
        !(s.notes ?? []).some((n) => n.startsWith('UNVERIFIED')),
        `${s.name}: ${s.notes?.join('; ')}`,
      );
    }
  });

  it('left no lab namespace behind', async () => {
    const mine = (await listLabNamespaces()).filter((n) => n.includes(`-${process.pid}-`));
    assert.deepEqual(mine, []);
  });

  for (const name of EXPECTED) {
    it(`${name}: tshark shows what the scenario claims`, async () => {
      const s = scenarios.find((x) => x.name === name);
      assert.ok(s, `scenario ${name} missing`);
      const res = await evaluateExpect(s.file, s.expect);
      assert.ok(res.length > 0);
      const failed = res.filter((r) => !r.ok).map((r) => `${r.expr} (actual ${r.actual})`);
      assert.deepEqual(failed, [], `${name}: ${failed.join(', ')}`);
      // Non-vacuous: the positive claims were observed with real counts.
      for (const r of res.filter((x) => isPositive(x.expr))) assert.ok((r.actual ?? 0) > 0, r.expr);
      const frames = await evaluateExpect(s.file, ['tcp_frames>0']);
      assert.ok(frames[0].ok, `${name}: no TCP frames`);
    });
  }
});
