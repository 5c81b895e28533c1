import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nsToBigInt } from './ns-time.js';
import { createPacketSummary, type PacketSummary } from './packet-summary.js';
import {
  decodePacketSummaryBatch,
  encodePacketSummaryBatch,
  PacketSummaryBatchEncoder,
  PacketSummaryBatchReader,
} from './packet-summary-codec.js';
import {
  decodeBatchPbjs,
  encodeBatchPbjs,
  packetFromPbjs,
  packetSummaryBatchType,
  packetToPbjs,
} from './packet-summary-pbjs.js';
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

  describe('per-connection batches (the 5-tuple once, in the batch)', () => {
    // Both directions of each sample's connection, in turn: a batch holds one connection.
    const reversed = (p: PacketSummary) =>
      Object.assign(createPacketSummary(), p, {
        src0: p.dst0,
        src1: p.dst1,
        src2: p.dst2,
        src3: p.dst3,
        srcPort: p.dstPort,
        dst0: p.src0,
        dst1: p.src1,
        dst2: p.src2,
        dst3: p.src3,
        dstPort: p.srcPort,
      });
    const connections = SAMPLES.map((p) => [p, reversed(p), p]);
    const perConnection = (packets: PacketSummary[]) => {
      const encoder = new PacketSummaryBatchEncoder(16).begin('n', ['eth0'], packets[1]);
      for (const p of packets) encoder.add(p);
      return encoder.finish();
    };

    it('round-trips both directions, IPv4 and IPv6, writing the 5-tuple once instead of per packet', () => {
      for (const packets of connections) {
        const seen: ReturnType<typeof plain>[] = [];
        const header = decodePacketSummaryBatch(perConnection(packets), (p) => seen.push(plain(p)));
        assert.deepEqual(header, { node: 'n', interfaceNames: ['eth0'], count: 3 });
        assert.deepEqual(seen, packets.map(plain));
      }
      const v4 = connections[0];
      const saved = encodePacketSummaryBatch('n', v4, ['eth0']).length - perConnection(v4).length;
      // 5-tuple of an IPv4 packet: 2 × (tag, length, 4 bytes), port 53906 (tag + 3), port 443 (tag + 2).
      const tupleBytes = 2 * 6 + 4 + 3;
      assert.equal(saved, 3 * tupleBytes - tupleBytes);
    });

    it('produces bytes protobufjs decodes to the same values, the 5-tuple in the batch only', () => {
      for (const packets of connections) {
        const decoded = decodeBatchPbjs(perConnection(packets));
        assert.equal(decoded.packets[0].addr_a.length, 0);
        assert.equal(decoded.packets[0].port_a, 0);
        assert.ok(decoded.addr_a.length === 4 || decoded.addr_a.length === 16);
        const back = decoded.packets.map((o: Record<string, unknown>) =>
          plain(packetFromPbjs(o, createPacketSummary(), decoded)),
        );
        assert.deepEqual(back, packets.map(plain));
      }
    });

    it('decodes per-connection bytes protobufjs produced', () => {
      for (const packets of connections) {
        const seen: ReturnType<typeof plain>[] = [];
        decodePacketSummaryBatch(encodeBatchPbjs('n', packets, [], true), (p) => seen.push(plain(p)));
        assert.deepEqual(seen, packets.map(plain));
      }
    });

    it("lets a packet's own 5-tuple win over the batch's", () => {
      // A batch with sample 0's 5-tuple holding sample 2 with its own: proto3 merge rules.
      const other = packetToPbjs(SAMPLES[0]);
      const mixed = packetSummaryBatchType()
        .encode({
          node: 'n',
          packets: [packetToPbjs(SAMPLES[2])],
          ...Object.fromEntries(['addr_a', 'addr_b', 'port_a', 'port_b'].map((f) => [f, other[f]])),
        })
        .finish();
      const seen: ReturnType<typeof plain>[] = [];
      decodePacketSummaryBatch(mixed, (p) => seen.push(plain(p)));
      assert.deepEqual(seen, [plain(SAMPLES[2])]);
    });
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
