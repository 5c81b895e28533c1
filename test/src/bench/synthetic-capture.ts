import { closeSync, openSync, writeSync } from 'node:fs';
import { ETHERTYPE_IPV4, pcapHeader } from '@tcpx/edge-capture/testing/capture-writer';

/**
 * A large, realistic-shaped capture for the benchmark: many concurrent HTTP-like connections
 * (handshake, request, MTU-sized response segments with delayed ACKs, an occasional lost segment
 * re-sent after duplicate ACKs, FIN close), written as a µs pcap with full 1514-byte frames.
 * Hand-rolled with one frame template so a million packets take seconds to write; only the file
 * header comes from the shared capture writer (its defaults: µs, little-endian, Ethernet).
 */
export interface SyntheticCaptureOptions {
  file: string;
  connections: number;
  /** Server data segments per connection. */
  segmentsPerConnection: number;
  /** Connections in flight at once (their packets interleave). */
  concurrency: number;
  /** Fraction of data segments lost once and retransmitted. */
  lossRate: number;
  /**
   * Bytes kept of each frame, as `tcpdump -s N` or a header-only edge would capture (the original
   * length stays in the record); default: whole frames.
   */
  snapLength?: number;
}

export interface SyntheticCaptureResult {
  packets: number;
  bytes: number;
}

const MSS = 1448;
const ETH = 14;
const IP = 20;
const TCP = 32; // with the timestamps option, as Linux sends
const HEADERS = ETH + IP + TCP;
const FIN = 1;
const SYN = 2;
const PSH = 8;
const ACK = 16;

interface Connection {
  clientIp: number;
  clientPort: number;
  clientSeq: number;
  serverSeq: number;
  script: Step[];
  next: number;
}

/** One packet of a connection's script: who sends it, flags, payload length. */
interface Step {
  fromClient: boolean;
  flags: number;
  length: number;
  /** Sequence offset override (retransmissions re-send an earlier segment). */
  seqOffset?: number;
  ackOffset?: number;
}

function connectionScript(segments: number, lossRate: number, random: () => number): Step[] {
  const steps: Step[] = [
    { fromClient: true, flags: SYN, length: 0 },
    { fromClient: false, flags: SYN | ACK, length: 0 },
    { fromClient: true, flags: ACK, length: 0 },
    { fromClient: true, flags: PSH | ACK, length: 200 },
  ];
  let acked = 0;
  let lost = -1;
  for (let i = 0; i < segments; i++) {
    steps.push({ fromClient: false, flags: ACK, length: MSS, seqOffset: i * MSS });
    if (lost < 0 && random() < lossRate) {
      lost = i; // the receiver never got it: it keeps ACKing the hole
      continue;
    }
    if (lost >= 0) {
      steps.push({ fromClient: true, flags: ACK, length: 0, ackOffset: lost * MSS });
      if (i - lost >= 3) {
        steps.push({ fromClient: false, flags: ACK, length: MSS, seqOffset: lost * MSS });
        acked = i + 1;
        steps.push({ fromClient: true, flags: ACK, length: 0, ackOffset: acked * MSS });
        lost = -1;
      }
    } else if ((i + 1) % 2 === 0) {
      acked = i + 1;
      steps.push({ fromClient: true, flags: ACK, length: 0, ackOffset: acked * MSS });
    }
  }
  if (lost >= 0) steps.push({ fromClient: false, flags: ACK, length: MSS, seqOffset: lost * MSS });
  steps.push({ fromClient: true, flags: ACK, length: 0, ackOffset: segments * MSS });
  steps.push({ fromClient: false, flags: FIN | ACK, length: 0, seqOffset: segments * MSS });
  steps.push({ fromClient: true, flags: FIN | ACK, length: 0, ackOffset: segments * MSS + 1 });
  steps.push({ fromClient: false, flags: ACK, length: 0, seqOffset: segments * MSS + 1, ackOffset: 1 });
  return steps;
}

/** Deterministic PRNG so every run benchmarks the same file. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function writeSyntheticCapture(options: SyntheticCaptureOptions): SyntheticCaptureResult {
  const random = mulberry32(42);
  const fd = openSync(options.file, 'w');
  const chunk = Buffer.alloc(8 << 20);
  let used = 0;
  const flush = () => {
    writeSync(fd, chunk, 0, used);
    used = 0;
  };
  const snapLength = options.snapLength ?? 262144;
  writeSync(fd, pcapHeader({ snapLength }));
  let packets = 0;
  let bytes = 24;
  let clockUs = 1_700_000_000 * 1e6;
  const serverIp = 0x0a000001;

  const writePacket = (c: Connection, step: Step) => {
    const frameLength = HEADERS + step.length;
    const capturedLength = Math.min(frameLength, snapLength);
    if (used + 16 + frameLength > chunk.length) flush();
    clockUs += 7 + Math.floor(random() * 20);
    const p = used;
    chunk.writeUInt32LE(Math.floor(clockUs / 1e6), p);
    chunk.writeUInt32LE(clockUs % 1e6, p + 4);
    chunk.writeUInt32LE(capturedLength, p + 8);
    chunk.writeUInt32LE(frameLength, p + 12);
    const e = p + 16;
    chunk.fill(0, e, e + frameLength);
    chunk.writeUInt16BE(ETHERTYPE_IPV4, e + 12);
    const ip = e + ETH;
    chunk[ip] = 0x45;
    chunk.writeUInt16BE(IP + TCP + step.length, ip + 2);
    chunk[ip + 8] = 64;
    chunk[ip + 9] = 6;
    const src = step.fromClient ? c.clientIp : serverIp;
    const dst = step.fromClient ? serverIp : c.clientIp;
    chunk.writeUInt32BE(src, ip + 12);
    chunk.writeUInt32BE(dst, ip + 16);
    const tcp = ip + IP;
    chunk.writeUInt16BE(step.fromClient ? c.clientPort : 443, tcp);
    chunk.writeUInt16BE(step.fromClient ? 443 : c.clientPort, tcp + 2);
    const requestEnd = 201; // SYN + 200-byte request
    const seq = step.fromClient
      ? c.clientSeq + (step.flags & SYN ? 0 : step.flags & FIN ? requestEnd : c.next > 3 ? requestEnd : 1)
      : c.serverSeq + (step.flags & SYN ? 0 : 1 + (step.seqOffset ?? 0));
    const ack = step.fromClient
      ? c.serverSeq + (step.flags & SYN ? 0 : 1 + (step.ackOffset ?? 0))
      : c.clientSeq + (step.flags & SYN ? 1 : requestEnd + (step.ackOffset ?? 0));
    chunk.writeUInt32BE(seq >>> 0, tcp + 4);
    chunk.writeUInt32BE(step.flags & ACK ? ack >>> 0 : 0, tcp + 8);
    chunk[tcp + 12] = (TCP / 4) << 4;
    chunk[tcp + 13] = step.flags;
    chunk.writeUInt16BE(step.flags & SYN ? 64240 : 502, tcp + 14);
    // NOP NOP Timestamps
    chunk[tcp + 20] = 1;
    chunk[tcp + 21] = 1;
    chunk[tcp + 22] = 8;
    chunk[tcp + 23] = 10;
    chunk.writeUInt32BE((clockUs % 0xffffffff) >>> 0, tcp + 24);
    used += 16 + capturedLength;
    packets++;
    bytes += 16 + capturedLength;
  };

  const active: Connection[] = [];
  let started = 0;
  const startConnection = () => {
    const index = started++;
    active.push({
      clientIp: (0x0a010000 + (index >>> 14)) >>> 0,
      clientPort: 10000 + (index & 0x3fff),
      clientSeq: Math.floor(random() * 0xffffffff),
      serverSeq: Math.floor(random() * 0xffffffff),
      script: connectionScript(options.segmentsPerConnection, options.lossRate, random),
      next: 0,
    });
  };
  while (started < options.connections && active.length < options.concurrency) startConnection();
  while (active.length > 0) {
    for (let i = active.length - 1; i >= 0; i--) {
      const c = active[i];
      writePacket(c, c.script[c.next]);
      c.next++;
      if (c.next === c.script.length) {
        active[i] = active[active.length - 1];
        active.pop();
        if (started < options.connections) startConnection();
      }
    }
  }
  flush();
  closeSync(fd);
  return { packets, bytes };
}
