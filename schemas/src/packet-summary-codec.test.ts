import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nsToBigInt } from './ns-time.js';
import { createPacketSummary } from './packet-summary.js';
import {
  decodePacketSummaryBatch,
  encodePacketSummaryBatch,
  PacketSummaryBatchEncoder,
  PacketSummaryBatchReader,
} from './packet-summary-codec.js';
import { decodeBatchPbjs, encodeBatchPbjs, packetFromPbjs } from './packet-summary-pbjs.js';
import { plain, SAMPLES } from './testing/fixtures.js';

describe('PacketSummaryBatch codec', () => {
  it('round-trips IPv4, IPv6, SACK blocks, absent options and ns timestamps', () => {
    const bytes = encodePacketSummaryBatch('node-a', SAMPLES, ['eth0', 'lo']);
    const seen: ReturnType<typeof plain>[] = [];
    const header = decodePacketSummaryBatch(bytes, (p) => seen.push(plain(p)));
    assert.deepEqual(header, { node: 'node-a', interfaceNames: ['eth0', 'lo'], count: SAMPLES.length });
    assert.deepEqual(seen, SAMPLES.map(plain));
    assert.equal(nsToBigInt(seen[1].tsSec, seen[1].tsNsec), 2n ** 64n - 1n);
  });

  it('produces bytes protobufjs decodes to the same values', () => {
    const decoded = decodeBatchPbjs(encodePacketSummaryBatch('n', SAMPLES, ['eth0']));
    assert.equal(decoded.node, 'n');
    assert.deepEqual(decoded.interface_names, ['eth0']);
    const back = decoded.packets.map((o: Record<string, unknown>) =>
      plain(packetFromPbjs(o, createPacketSummary())),
    );
    assert.deepEqual(back, SAMPLES.map(plain));
    assert.equal(decoded.packets[1].timestamp_ns, (2n ** 64n - 1n).toString());
    assert.equal(decoded.packets[0].a_to_b, false); // 10.0.0.9 > 10.0.0.7
    assert.equal(decoded.packets[0].mss, 1460);
    assert.equal(decoded.packets[1].mss, -1);
  });

  it('decodes bytes protobufjs produced', () => {
    const reader = new PacketSummaryBatchReader().reset(encodeBatchPbjs('node-b', SAMPLES, ['any']));
    assert.equal(reader.node, 'node-b');
    assert.deepEqual(reader.interfaceNames, ['any']);
    const scratch = createPacketSummary();
    for (const expected of SAMPLES) {
      assert.equal(reader.next(scratch), true);
      assert.deepEqual(plain(scratch), plain(expected));
    }
    assert.equal(reader.next(scratch), false);
  });

  it('reuses the encoder, handles packets over 127 bytes and an empty batch', () => {
    const encoder = new PacketSummaryBatchEncoder(16); // forces growth
    const big = SAMPLES[1];
    encoder.begin('x');
    for (let i = 0; i < 1000; i++) encoder.add(big);
    let n = 0;
    decodePacketSummaryBatch(encoder.finish(), (p) => {
      assert.deepEqual(plain(p), plain(big));
      n++;
    });
    assert.equal(n, 1000);
    const empty = encoder.begin('').finish();
    assert.deepEqual(
      decodePacketSummaryBatch(empty, () => assert.fail()),
      { node: '', interfaceNames: [], count: 0 },
    );
  });

  it('writes the header again whenever node or interface names change between batches', () => {
    const encoder = new PacketSummaryBatchEncoder(16);
    const names = ['eth0'];
    const headers: Array<[string, string[]]> = [];
    const batch = (node: string, interfaceNames: string[]) => {
      encoder.begin(node, interfaceNames).add(SAMPLES[0]);
      const decoded = decodePacketSummaryBatch(encoder.peek(), () => {});
      headers.push([decoded.node, decoded.interfaceNames]);
      assert.equal(decoded.count, 1);
    };
    batch('a', names);
    batch('a', names); // cached header
    names.push('lo'); // the same array, changed
    batch('a', names);
    batch('bb', names);
    batch('bb', []);
    assert.deepEqual(headers, [
      ['a', ['eth0']],
      ['a', ['eth0']],
      ['a', ['eth0', 'lo']],
      ['bb', ['eth0', 'lo']],
      ['bb', []],
    ]);
  });

  it('skips unknown fields a newer writer may add and rejects truncated input', () => {
    const bytes = encodePacketSummaryBatch('n', [SAMPLES[0]]);
    // Append field 99 (varint) to the batch: 99<<3 = 792 -> 0x98 0x06, value 7.
    const extended = new Uint8Array([...bytes, 0x98, 0x06, 0x07]);
    let n = 0;
    decodePacketSummaryBatch(extended, () => n++);
    assert.equal(n, 1);
    assert.throws(() => new PacketSummaryBatchReader().reset(bytes.subarray(0, bytes.length - 3)));
  });
});
