import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CaptureFormatError, CaptureParser, readCaptureFile } from './capture-file.js';
import {
  concat,
  ETHERTYPE_IPV4,
  ethernetFrame,
  ipv4Packet,
  linuxCookedFrame,
  type PcapngBlock,
  tcpSegment,
  timestampUnits,
  writePcap,
  writePcapng,
} from './testing/capture-writer.js';
import { type ParsedCapture, parseCapture, parseCaptureSplitAt } from './testing/collect.js';

const V4 = { src: '10.1.1.1', dst: '10.2.2.2' };

/** An Ethernet/IPv4/TCP frame whose source port tells frames apart. */
function tcpFrame(srcPort: number, payload = 10): Uint8Array {
  return ethernetFrame(
    { type: ETHERTYPE_IPV4 },
    ipv4Packet(V4, tcpSegment({ srcPort, dstPort: 80, seq: srcPort * 1000, ack: 1, payload })),
  );
}

const ARP = ethernetFrame({ type: 0x0806 }, new Uint8Array(28));

function summary(p: ParsedCapture) {
  return p.packets.map((x) => [x.frameNumber, x.interfaceId, x.srcPort, x.tsSec, x.tsNsec]);
}

describe('pcap files', () => {
  for (const littleEndian of [true, false]) {
    for (const nanoseconds of [false, true]) {
      it(`reads ${littleEndian ? 'little' : 'big'}-endian ${nanoseconds ? 'ns' : 'µs'} files`, () => {
        const file = writePcap(
          [
            { data: tcpFrame(1), tsSec: 1700000000, tsNsec: 123456789 },
            { data: ARP, tsSec: 1700000001 },
            { data: tcpFrame(3), tsSec: 4294967295, tsNsec: 999999999 },
          ],
          { littleEndian, nanoseconds },
        );
        const parsed = parseCapture(file);
        const fraction = (ns: number) => (nanoseconds ? ns : Math.floor(ns / 1000) * 1000);
        assert.deepEqual(summary(parsed), [
          [1, 0, 1, 1700000000, fraction(123456789)],
          [3, 0, 3, 4294967295, fraction(999999999)],
        ]);
        assert.deepEqual(parsed.stats, {
          format: 'pcap',
          frames: 3,
          tcpPackets: 2,
          bytes: file.length,
          skipped: { not_ip: 1 },
          malformed: {},
          linkTypes: [1],
        });
      });
    }
  }

  it('masks the FCS bits out of the link-type field', () => {
    for (const linkTypeField of [0x04000001, 0x30000001, 0xf4000001]) {
      const parsed = parseCapture(writePcap([{ data: tcpFrame(7) }], { linkTypeField }));
      assert.equal(parsed.packets.length, 1);
      assert.deepEqual(parsed.stats.linkTypes, [1]);
    }
  });

  it('reports snaplen-cut frames with their real lengths', () => {
    const frame = tcpFrame(5, 1000);
    const parsed = parseCapture(writePcap([{ data: frame, capturedLength: 54 }]));
    assert.equal(parsed.packets[0].ipPayloadLength, 1020);
  });

  it('stops, without hanging, at an absurd captured length', () => {
    const good = writePcap([{ data: tcpFrame(1) }, { data: tcpFrame(2) }]);
    const bad = good.slice();
    const second = 24 + 16 + tcpFrame(1).length;
    new DataView(bad.buffer).setUint32(second + 8, 0x7fffffff, true);
    const parser = new CaptureParser(() => {});
    parser.push(bad);
    assert.equal(parser.done, true);
    parser.push(good); // ignored
    const stats = parser.end();
    assert.equal(stats.frames, 1);
    assert.deepEqual(stats.malformed, { bad_record_length: 1 });
  });
});

describe('not a capture', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty input', new Uint8Array(0), /empty/],
    ['three bytes', Uint8Array.of(0xd4, 0xc3, 0xb2), /too short/],
    [
      'a text file',
      new TextEncoder().encode('Licensed under…'),
      /not a pcap or pcapng file \(starts with 0x4c696365\)/,
    ],
    ['a cut pcap header', writePcap([]).subarray(0, 20), /truncated pcap file header/],
    ['an unsupported pcap link type', writePcap([], { linkType: 127 }), /unsupported link type 127/],
    ['a cut pcapng section header', writePcapng([{ type: 'section' }]).subarray(0, 20), /truncated pcapng/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`throws CaptureFormatError for ${name}`, () => {
      assert.throws(
        () => parseCapture(bytes),
        (e: unknown) => e instanceof CaptureFormatError && message.test(e.message),
      );
    });
  }

  it('throws for a pcapng whose packets are all on unsupported interfaces, but not when it has none', () => {
    const blocks: PcapngBlock[] = [{ type: 'section' }, { type: 'interface', linkType: 127 }];
    assert.deepEqual(parseCapture(writePcapng(blocks)).stats.frames, 0);
    const withPacket = writePcapng([...blocks, { type: 'enhanced', data: ARP }]);
    assert.throws(() => parseCapture(withPacket), /unsupported link type 127/);
  });

  it('throws for a corrupt first section header', () => {
    const file = writePcapng([{ type: 'section' }]);
    file[8] = 0; // byte-order magic
    assert.throws(() => parseCapture(file), /byte-order magic/);
  });
});

/** Two sections, several interfaces and resolutions, all packet block types, blocks to skip. */
function richPcapng(): Uint8Array {
  const t = 1700000000;
  return writePcapng([
    { type: 'section' },
    { type: 'interface', linkType: 1 },
    { type: 'raw', blockType: 0x40000bad, body: new Uint8Array(64) }, // custom block: a frame for Wireshark
    { type: 'interface', linkType: 1, tsresol: 9 },
    { type: 'interface', linkType: 113, tsresol: 0x80 | 20, snapLength: 60 },
    { type: 'interface', linkType: 147 },
    { type: 'enhanced', interfaceId: 0, timestamp: timestampUnits(t, 123456000), data: tcpFrame(1) },
    { type: 'enhanced', interfaceId: 1, timestamp: timestampUnits(t, 123456789, 9), data: tcpFrame(2) },
    {
      type: 'enhanced',
      interfaceId: 2,
      timestamp: timestampUnits(t, 500000000, 0x80 | 20),
      data: linuxCookedFrame(
        ETHERTYPE_IPV4,
        ipv4Packet(V4, tcpSegment({ srcPort: 3, dstPort: 80, payload: 90 })),
      ),
      capturedLength: 60,
    },
    { type: 'enhanced', interfaceId: 3, data: ARP },
    { type: 'raw', blockType: 4, body: new Uint8Array(4) }, // name resolution block
    { type: 'simple', data: tcpFrame(5) },
    { type: 'obsolete', interfaceId: 1, timestamp: timestampUnits(5, 1, 9), data: tcpFrame(6) },
    { type: 'section', littleEndian: false },
    { type: 'interface', linkType: 1, tsresol: 3 },
    { type: 'enhanced', interfaceId: 0, timestamp: timestampUnits(t, 7000000, 3), data: tcpFrame(8) },
    { type: 'enhanced', interfaceId: 1, data: tcpFrame(9) }, // interface 1 belonged to the first section
    { type: 'raw', blockType: 0x80000001, body: new Uint8Array(100_000) }, // local use: skipped
    { type: 'enhanced', interfaceId: 0, timestamp: timestampUnits(t, 8000000, 3), data: tcpFrame(11) },
  ]);
}

describe('pcapng files', () => {
  it('reads sections, interfaces, resolutions and every packet block', () => {
    const file = richPcapng();
    const parsed = parseCapture(file);
    assert.deepEqual(summary(parsed), [
      [2, 0, 1, 1700000000, 123456000],
      [3, 1, 2, 1700000000, 123456789],
      [4, 2, 3, 1700000000, 500000000],
      [6, 0, 5, 0, 0], // SPB: no timestamp
      [7, 1, 6, 5, 1],
      [8, 0, 8, 1700000000, 7000000],
      [10, 0, 11, 1700000000, 8000000],
    ]);
    // SPB/EPB cut by the interface snaplen still carry the real segment length.
    assert.equal(parsed.packets[2].ipPayloadLength, 110);
    assert.deepEqual(parsed.stats, {
      format: 'pcapng',
      frames: 10,
      tcpPackets: 7,
      bytes: file.length,
      skipped: { non_packet_record: 1, unsupported_link_type: 1 },
      malformed: { unknown_interface: 1 },
      linkTypes: [1, 113, 147],
    });
  });

  it('uses the interface snaplen for simple packet blocks', () => {
    const frame = tcpFrame(4, 500);
    const file = writePcapng([
      { type: 'section' },
      { type: 'interface', linkType: 1, snapLength: 40 },
      { type: 'simple', data: frame },
    ]);
    const parsed = parseCapture(file);
    assert.equal(parsed.packets.length, 0);
    assert.deepEqual(parsed.stats.malformed, { truncated_tcp: 1 });
  });

  it('stops at a corrupt block length, counting it', () => {
    for (const length of [8, 30, 0x7ffffff0]) {
      const file = writePcapng([
        { type: 'section' },
        { type: 'interface', linkType: 1 },
        { type: 'enhanced', data: tcpFrame(1) },
        { type: 'raw', blockType: 6, body: new Uint8Array(40), totalLengthOverride: length },
        { type: 'enhanced', data: tcpFrame(2) },
      ]);
      const parsed = parseCapture(file);
      assert.equal(parsed.packets.length, 1, `length ${length}`);
      assert.deepEqual(parsed.stats.malformed, { bad_block_length: 1 });
    }
  });

  it('stops when the trailing block length differs, and skips EPBs whose caplen exceeds the block', () => {
    const good = writePcapng([{ type: 'section' }, { type: 'interface', linkType: 1 }]);
    const epb = writePcapng([{ type: 'section' }, { type: 'enhanced', data: tcpFrame(1) }]).subarray(28);
    const lying = epb.slice();
    new DataView(lying.buffer).setUint32(20, 4000, true); // caplen beyond the block
    const badTrailer = epb.slice();
    badTrailer[badTrailer.length - 4] ^= 4;
    const parsed = parseCapture(concat([good, lying, epb, badTrailer, epb]));
    assert.deepEqual(
      parsed.packets.map((p) => p.frameNumber),
      [2],
    );
    assert.deepEqual(parsed.stats.malformed, { bad_record_length: 1, bad_block_length: 1 });
  });
});

describe('chunk boundaries and truncation', () => {
  const pcapng = richPcapng();
  const pcap = writePcap([{ data: tcpFrame(1) }, { data: ARP }, { data: tcpFrame(3, 3000) }], {
    nanoseconds: true,
  });

  for (const [name, file] of [
    ['pcap', pcap],
    ['pcapng', pcapng],
  ] as const) {
    it(`${name}: gives the same result however the input is chunked`, () => {
      const whole = parseCapture(file);
      for (const size of [1, 2, 3, 5, 7, 13, 64, 1000, 4096]) {
        assert.deepEqual(parseCapture(file, size), whole, `chunks of ${size}`);
      }
      const step = name === 'pcap' ? 1 : 97;
      for (let cut = 1; cut < file.length; cut += step) {
        assert.deepEqual(parseCaptureSplitAt(file, [cut]), whole, `split at ${cut}`);
      }
    });
  }

  it('pcap: reads a file cut at any byte, counting the cut record', () => {
    const boundaries = new Set([24, 24 + 16 + 64, 24 + 2 * 16 + 64 + 42, pcap.length]);
    for (let length = 0; length <= pcap.length; length++) {
      const bytes = pcap.subarray(0, length);
      if (length < 24) {
        assert.throws(() => parseCapture(bytes), CaptureFormatError);
        continue;
      }
      const parsed = parseCapture(bytes, 50);
      const cutMidRecord = !boundaries.has(length);
      assert.deepEqual(parsed.stats.malformed, cutMidRecord ? { truncated_file: 1 } : {}, `length ${length}`);
    }
  });

  it('pcapng: reads a file cut at any byte past the section header, counting the cut block', () => {
    const boundaries = blockBoundaries(pcapng);
    for (let length = 28; length <= pcapng.length; length += length < 2000 ? 1 : 31) {
      const parsed = parseCapture(pcapng.subarray(0, length), 1000);
      const cutMidBlock = !boundaries.has(length);
      assert.equal(parsed.stats.malformed.truncated_file, cutMidBlock ? 1 : undefined, `length ${length}`);
    }
  });
});

/** Offsets at which pcapng blocks end (byte order taken from each section header). */
function blockBoundaries(file: Uint8Array): Set<number> {
  const view = new DataView(file.buffer, file.byteOffset, file.length);
  const ends = new Set<number>();
  let littleEndian = true;
  for (let pos = 0; pos < file.length; ) {
    if (view.getUint32(pos) === 0x0a0d0d0a) littleEndian = view.getUint32(pos + 8, true) === 0x1a2b3c4d;
    pos += view.getUint32(pos + 4, littleEndian);
    ends.add(pos);
  }
  return ends;
}

describe('readCaptureFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-capture-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const frames = Array.from({ length: 3000 }, (_, i) => ({ data: tcpFrame(i % 60000, 1400), tsSec: i }));
  const path = join(dir, 'many.pcap');
  writeFileSync(path, writePcap(frames));

  it('reads a file in chunks, reporting progress', async () => {
    const progress: Array<[number, number | undefined]> = [];
    let count = 0;
    const stats = await readCaptureFile(path, () => count++, {
      onProgress: (n, total) => progress.push([n, total]),
    });
    assert.equal(count, 3000);
    assert.equal(stats.tcpPackets, 3000);
    const size = 24 + 3000 * (16 + 14 + 20 + 20 + 1400);
    assert.deepEqual(progress.at(-1), [size, size]);
  });

  it('waits for the promise onChunk returns after each chunk, and ends with its rejection', async () => {
    let count = 0;
    let chunks = 0;
    const paused: Array<[number, number]> = []; // packets read when pausing, and when resuming
    await readCaptureFile(path, () => count++, {
      onChunk: () => {
        if (++chunks % 2 === 1) return undefined;
        const at = count;
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            paused.push([at, count]);
            resolve();
          }, 5),
        );
      },
    });
    assert.equal(count, 3000);
    const size = 24 + 3000 * (16 + 14 + 20 + 20 + 1400);
    assert.equal(chunks, Math.ceil(size / 65536));
    assert.ok(paused.length > 10);
    for (const [at, resumedAt] of paused) assert.equal(resumedAt, at, 'nothing is read while paused');
    const stop = new Error('stop');
    await assert.rejects(
      readCaptureFile(path, () => {}, { onChunk: () => Promise.reject(stop) }),
      stop,
    );
  });

  it("reads stdin when given '-'", () => {
    const script = `import('${join(fileURLToPath(new URL('.', import.meta.url)), 'capture-file.js')}')
      .then((m) => m.readCaptureFile('-', () => {}))
      .then((s) => console.log(JSON.stringify(s)))`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      input: writePcap(frames.slice(0, 10)),
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const stats = JSON.parse(child.stdout);
    assert.equal(stats.tcpPackets, 10);
    assert.equal(stats.frames, 10);
  });

  it('rejects with CaptureFormatError for a file that is not a capture', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, world');
    await assert.rejects(
      readCaptureFile(text, () => {}),
      CaptureFormatError,
    );
  });
});
