/**
 * Micro-benchmark of CaptureParser + decodeFrame: writes a 1 M-packet Ethernet/IPv4/TCP pcap into a
 * temp dir, then reads it back (file → parser → decoder → callback) and prints packets/s and MB/s.
 *
 *   node dist/bench/decode-bench.js [--packets N] [--snaplen N | --full]
 *
 * By default frames are captured with a 96-byte snaplen (headers only, as TCP analysis captures
 * usually are) while their original lengths stay realistic; --full writes whole 1514-byte frames.
 */
import { mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { payloadLength } from '@tcpx/schemas';
import { CaptureParser, readCaptureFile } from '../capture-file.js';
import {
  ETHERTYPE_IPV4,
  ethernetFrame,
  ipv4Packet,
  tcpSegment,
  writePcap,
} from '../testing/capture-writer.js';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '1000000' },
    snaplen: { type: 'string', default: '96' },
    full: { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
  },
});
const PACKETS = Number(values.packets);
const SNAPLEN = values.full ? 65535 : Number(values.snaplen);
const RUNS = Number(values.runs);

/** Alternating data segments (1448 bytes) and pure ACKs, both with timestamps, over 1000 flows. */
function writeCapture(path: string): void {
  const options = [
    { kind: 'nop' as const },
    { kind: 'nop' as const },
    { kind: 'timestamps' as const, tsVal: 1, tsEcr: 2 },
  ];
  const templates = [1448, 0].map((payload) =>
    ethernetFrame(
      { type: ETHERTYPE_IPV4 },
      ipv4Packet(
        { src: '10.0.0.1', dst: '10.0.0.2', dontFragment: true },
        tcpSegment({ srcPort: 0, dstPort: 443, seq: 0, ack: 0, window: 501, options, payload }),
      ),
    ),
  );
  const fd = openSync(path, 'w');
  writeSync(fd, writePcap([], { snapLength: SNAPLEN }));
  const batch = 10_000;
  const chunk = Buffer.alloc(batch * (16 + Math.min(SNAPLEN, templates[0].length)));
  for (let done = 0; done < PACKETS; ) {
    let p = 0;
    for (let i = 0; i < batch && done < PACKETS; i++, done++) {
      const frame = templates[done & 1];
      const captured = Math.min(SNAPLEN, frame.length);
      const usec = done % 1_000_000;
      chunk.writeUInt32LE(1_700_000_000 + Math.floor(done / 1_000_000), p);
      chunk.writeUInt32LE(usec, p + 4);
      chunk.writeUInt32LE(captured, p + 8);
      chunk.writeUInt32LE(frame.length, p + 12);
      chunk.set(frame.subarray(0, captured), p + 16);
      chunk.writeUInt16BE(10_000 + (done % 1000), p + 16 + 34); // source port: 1000 flows
      chunk.writeUInt32BE((done * 1448) >>> 0, p + 16 + 38); // seq
      p += 16 + captured;
    }
    writeSync(fd, chunk, 0, p);
  }
}

function report(label: string, seconds: number, packets: number, bytes: number): void {
  const pps = packets / seconds;
  const mbps = bytes / seconds / 1e6;
  console.log(
    `${label.padEnd(28)} ${(pps / 1e6).toFixed(2)} M packets/s  ${mbps.toFixed(0)} MB/s  (${(seconds * 1000).toFixed(0)} ms)`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'decode-bench-'));
  try {
    const path = join(dir, 'bench.pcap');
    writeCapture(path);
    const size = statSync(path).size;
    console.log(`${PACKETS} packets, snaplen ${SNAPLEN}, ${(size / 1e6).toFixed(1)} MB: ${path}`);
    let checksum = 0;
    const onPacket = (p: Parameters<ConstructorParameters<typeof CaptureParser>[0]>[0]) => {
      checksum += payloadLength(p) + p.seq;
    };
    for (let run = 1; run <= RUNS; run++) {
      const started = process.hrtime.bigint();
      const stats = await readCaptureFile(path, onPacket);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (stats.tcpPackets !== PACKETS) throw new Error(`decoded ${stats.tcpPackets} of ${PACKETS}`);
      report(`run ${run}: file → decode`, seconds, PACKETS, size);
    }
    // The same bytes pushed from memory: the parser + decoder alone, without file I/O.
    const { readFileSync } = await import('node:fs');
    const bytes = new Uint8Array(readFileSync(path));
    for (let run = 1; run <= RUNS; run++) {
      const parser = new CaptureParser(onPacket);
      const started = process.hrtime.bigint();
      for (let i = 0; i < bytes.length; i += 4 << 20) parser.push(bytes.subarray(i, i + (4 << 20)));
      parser.end();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      report(`run ${run}: memory → decode`, seconds, PACKETS, size);
    }
    console.log(`(checksum ${checksum})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
