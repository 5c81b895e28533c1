// Throughput of the PacketSummaryBatch codec on one core, against protobufjs for scale.
//   node schemas/dist/bench/codec-bench.js [packets=1000000] [batch=1000]
import { createPacketSummary, type PacketSummary, TCP_ACK, TCP_PSH } from '../packet-summary.js';
import { PacketSummaryBatchEncoder, PacketSummaryBatchReader } from '../packet-summary-codec.js';
import { decodeBatchPbjs, encodeBatchPbjs } from '../packet-summary-pbjs.js';

const total = Number(process.argv[2] ?? 1_000_000);
const batchSize = Number(process.argv[3] ?? 1000);

/** A realistic mix: 90 % IPv4, 10 % IPv6, TCP timestamps on, a SACK block on 5 %. */
function makePackets(n: number): PacketSummary[] {
  const out: PacketSummary[] = [];
  for (let i = 0; i < n; i++) {
    const p = createPacketSummary();
    p.tsSec = 1795242181 + Math.floor(i / 100000);
    p.tsNsec = (i * 7919) % 1e9;
    if (i % 10 === 9) {
      p.ipVersion = 6;
      p.src0 = p.dst0 = 0x20010db8;
      p.src3 = i;
      p.dst3 = i + 1;
    } else {
      p.src3 = 0x0a000000 + (i % 5000);
      p.dst3 = 0x0a100001;
    }
    p.srcPort = 30000 + (i % 20000);
    p.dstPort = 443;
    p.flags = TCP_ACK | (i % 3 === 0 ? TCP_PSH : 0);
    p.seq = (i * 1448) >>> 0;
    p.ack = (i * 977) >>> 0;
    p.window = 501;
    p.ipPayloadLength = i % 3 === 0 ? 1480 : 32;
    p.tcpHeaderLength = 32;
    p.hasTimestamps = true;
    p.tsVal = (i * 3) >>> 0;
    p.tsEcr = (i * 3 - 40) >>> 0;
    if (i % 20 === 0) {
      p.sackCount = 1;
      p.sackBlocks[0] = p.ack + 1448;
      p.sackBlocks[1] = p.ack + 2896;
    }
    p.frameNumber = i + 1;
    out.push(p);
  }
  return out;
}

function rate(n: number, ms: number): string {
  return `${(((n / ms) * 1000) / 1e6).toFixed(2)} M/s`;
}

const packets = makePackets(Math.min(total, 100_000)); // cycled, so memory stays small
const batches = Math.ceil(total / batchSize);
const encoder = new PacketSummaryBatchEncoder();
const encoded: Uint8Array[] = [];

function encodeAll(): number {
  encoded.length = 0;
  let k = 0;
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    encoder.begin('node-bench', ['eth0']);
    for (let i = 0; i < batchSize; i++) encoder.add(packets[k++ % packets.length]);
    encoded.push(encoder.finish());
  }
  return performance.now() - t0;
}

function decodeAll(): number {
  const reader = new PacketSummaryBatchReader();
  const scratch = createPacketSummary();
  let sum = 0;
  const t0 = performance.now();
  for (const bytes of encoded) {
    reader.reset(bytes);
    while (reader.next(scratch)) sum += scratch.seq;
  }
  const ms = performance.now() - t0;
  if (sum === -1) console.log(sum); // keep the loop observable
  return ms;
}

encodeAll(); // warm-up
decodeAll();
const encMs = encodeAll();
const decMs = decodeAll();
const bytes = encoded.reduce((s, b) => s + b.length, 0);
const n = batches * batchSize;
console.log(
  `hand-written codec, ${n} summaries in batches of ${batchSize}, ${(bytes / n).toFixed(1)} bytes/summary`,
);
console.log(`  encode        ${encMs.toFixed(0)} ms  ${rate(n, encMs)}`);
console.log(`  decode        ${decMs.toFixed(0)} ms  ${rate(n, decMs)}`);
console.log(`  encode+decode ${(encMs + decMs).toFixed(0)} ms  ${rate(n, encMs + decMs)}`);

// protobufjs on a tenth of the packets (it is much slower), including object conversion.
const pbN = Math.max(batchSize, Math.floor(n / 10));
const pbBatches: Uint8Array[] = [];
let t0 = performance.now();
for (let k = 0; k < pbN; k += batchSize) {
  pbBatches.push(
    encodeBatchPbjs('node-bench', packets.slice(k % packets.length, (k % packets.length) + batchSize), [
      'eth0',
    ]),
  );
}
const pbEnc = performance.now() - t0;
t0 = performance.now();
for (const b of pbBatches) decodeBatchPbjs(b);
const pbDec = performance.now() - t0;
console.log(`protobufjs reflection (objects, BigInt timestamps), ${pbN} summaries`);
console.log(
  `  encode ${rate(pbN, pbEnc)}  decode ${rate(pbN, pbDec)}  encode+decode ${rate(pbN, pbEnc + pbDec)}`,
);
