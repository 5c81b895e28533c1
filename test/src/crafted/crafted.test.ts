import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { countFilters } from '../oracle/tshark.js';
import { evaluateExpect } from '../scenarios/expect.js';
import type { Scenario } from '../scenarios/types.js';
import { CRAFTED, generateCraftedCaptures } from './index.js';
import { buildFrame, parseFlags, pcapBytes, TcpConversation } from './tcp-conversation.js';

const REQUIRED = [
  'seq-wrap',
  'syn-retransmission',
  'mid-stream',
  'tso-segments',
  'keepalive-garbage',
  'zero-window-probe',
  'span-duplicate',
  'sack-dupack',
  'rst-ack-no-flag',
  'fin-retransmission',
  'seq-next-zero',
  'first-packet-flags',
  'tunnel-then-connection',
];

describe('crafted TCP conversations', () => {
  it('parses flag letters', () => {
    assert.equal(parseFlags('S'), 0x02);
    assert.equal(parseFlags('SA'), 0x12);
    assert.equal(parseFlags('FA'), 0x11);
    assert.equal(parseFlags('R'), 0x04);
    assert.equal(parseFlags({ psh: true, ack: true }), 0x18);
    assert.throws(() => parseFlags('X'));
  });

  it('builds IPv4 and IPv6 frames of the right length with options', () => {
    const v4 = buildFrame({
      time: 0,
      srcIp: '192.0.2.1',
      dstIp: '192.0.2.2',
      srcPort: 1,
      dstPort: 2,
      seq: 0xfffffff0,
      ack: 0,
      flags: 'S',
      window: 100,
      options: [
        { kind: 'mss', value: 1460 },
        { kind: 'wscale', shift: 7 },
      ],
      payload: 10,
    });
    assert.equal(v4.length, 14 + 20 + 20 + 8 + 10); // MSS 4 + WS 3 + 1 NOP pad
    const v6 = buildFrame({
      time: 0,
      srcIp: '2001:db8::1',
      dstIp: '2001:db8::2',
      srcPort: 1,
      dstPort: 2,
      seq: 1,
      ack: 2,
      flags: 'A',
      window: 100,
    });
    assert.equal(v6.length, 14 + 40 + 20);
    assert.equal(pcapBytes([]).length, 24);
    assert.throws(() =>
      pcapBytes([
        {
          time: 1n,
          srcIp: '192.0.2.1',
          dstIp: '192.0.2.2',
          srcPort: 1,
          dstPort: 2,
          seq: 1,
          ack: 0,
          flags: 'S',
          window: 1,
        },
      ]),
    );
  });

  it('conversation builder wraps sequence numbers', () => {
    const c = new TcpConversation(
      { ip: '192.0.2.1', port: 1 },
      { ip: '192.0.2.2', port: 2 },
      { c: 2 ** 32 - 10, s: 0 },
    );
    c.send('c', { flags: 'S' });
    c.send('c', { flags: 'A', len: 20 });
    assert.equal(c.next.c, 11);
  });
});

describe('crafted edge-case captures (checked with tshark)', () => {
  let dir: string;
  let list: Scenario[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpx-crafted-'));
    list = generateCraftedCaptures(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has every required edge case', () => {
    assert.deepEqual(
      CRAFTED.map((c) => c.name),
      REQUIRED,
    );
    assert.deepEqual(
      list.map((s) => s.name),
      REQUIRED,
    );
  });

  it('writes valid checksums (tshark with checksum validation on)', async () => {
    for (const s of list) {
      const bad: number[] = [];
      const { runTsharkLines } = await import('../oracle/tshark.js');
      await runTsharkLines(
        [
          '-n',
          '-r',
          s.file,
          '-o',
          'tcp.check_checksum:TRUE',
          '-o',
          'ip.check_checksum:TRUE',
          '-Y',
          'tcp.checksum.status != 1 || ip.checksum.status == 0',
          '-T',
          'fields',
          '-e',
          'frame.number',
        ],
        (l) => bad.push(Number(l)),
      );
      assert.deepEqual(bad, [], `${s.name}: bad checksum frames`);
      const [tcp, malformed] = await countFilters(s.file, [
        'tcp',
        '_ws.malformed || _ws.expert.severity == error',
      ]);
      assert.ok(tcp > 0, s.name);
      assert.equal(malformed, 0, `${s.name}: malformed frames`);
    }
  });

  for (const name of REQUIRED) {
    it(`${name}: tshark reports the intended analysis flags`, async () => {
      const s = list.find((x) => x.name === name)!;
      const res = await evaluateExpect(s.file, s.expect);
      const failed = res.filter((r) => !r.ok).map((r) => `${r.expr} (actual ${r.actual})`);
      assert.deepEqual(failed, [], `${name}: ${failed.join(', ')}`);
    });
  }
});
