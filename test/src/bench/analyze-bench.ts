/**
 * `npm run bench`: tcpx analyze vs tshark doing the same analysis on one generated capture, in the
 * same run, plus the engine's memory per idle tracked connection. Prints numbers; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '@tcpx/edge-capture';
import { analyzeSummaries, TcpAnalyzer } from '@tcpx/flow-processor';
import { createPacketSummary } from '@tcpx/schemas';
import { TCPX_BIN } from '../differential/run-tcpx.js';
import { writeSyntheticCapture } from './synthetic-capture.js';

const CACHE = fileURLToPath(new URL('../../../.cache/bench/', import.meta.url));
const CONNECTIONS = 12_000;
const SEGMENTS = 58;

interface Timed {
  seconds: number;
}

/** Runs a command with stdout discarded; returns its wall time. */
function timed(command: string, args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/env', [command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ seconds });
    });
  });
}

/** Memory per idle tracked connection: open N handshaken connections and measure the growth. */
function idleConnectionMemory(n: number): { structuralBytes: number; measuredBytes: number } {
  const analyzer = new TcpAnalyzer(() => {}, {});
  const p = createPacketSummary();
  const before = process.memoryUsage();
  const send = (fromClient: boolean, i: number, flags: number, seq: number, ack: number) => {
    p.src3 = fromClient ? 0x0a010000 + (i >>> 15) : 0x0a000001;
    p.dst3 = fromClient ? 0x0a000001 : 0x0a010000 + (i >>> 15);
    p.srcPort = fromClient ? 20000 + (i & 0x7fff) : 443;
    p.dstPort = fromClient ? 443 : 20000 + (i & 0x7fff);
    p.flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.ipPayloadLength = 20;
    p.window = 502;
    p.tsNsec += 1000;
    if (p.tsNsec >= 1e9) {
      p.tsNsec = 0;
      p.tsSec++;
    }
    analyzer.ingest(p);
  };
  p.tsSec = 1_700_000_000;
  for (let i = 0; i < n; i++) {
    send(true, i, 2, 1000, 0);
    send(false, i, 18, 5000, 1001);
    send(true, i, 16, 1001, 5001);
  }
  const after = process.memoryUsage();
  const measured = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  const structural = analyzer.table.byteSize() + analyzer.unacked.byteSize();
  return { structuralBytes: structural / n, measuredBytes: measured / n };
}

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const file = `${CACHE}synthetic-${CONNECTIONS}x${SEGMENTS}.pcap`;
  if (!existsSync(file)) {
    process.stdout.write(`generating ${file} …\n`);
    writeSyntheticCapture({
      file,
      connections: CONNECTIONS,
      segmentsPerConnection: SEGMENTS,
      concurrency: 400,
      lossRate: 0.02,
    });
  }
  const megabytes = statSync(file).size / 1e6;
  const tsharkCount = await countPackets(file);
  process.stdout.write(
    `capture: ${tsharkCount} packets, ${CONNECTIONS} connections, ${megabytes.toFixed(0)} MB\n`,
  );

  const ours = await timed('node', [TCPX_BIN, 'analyze', file, '--format', 'ndjson']);
  const theirs = await timed('tshark', [
    '-r',
    file,
    '-Y',
    'tcp.analysis.flags',
    '-T',
    'fields',
    '-e',
    'tcp.stream',
    '-e',
    'tcp.analysis.flags',
  ]);
  const row = (name: string, t: Timed) =>
    `${name.padEnd(26)} ${t.seconds.toFixed(2).padStart(8)} s ${(tsharkCount / t.seconds / 1e6).toFixed(3).padStart(8)} M packets/s ${(megabytes / t.seconds).toFixed(0).padStart(6)} MB/s`;
  process.stdout.write(`${row('tcpx analyze', ours)}\n${row('tshark', theirs)}\n`);
  process.stdout.write(
    `ratio: tcpx is ${(theirs.seconds / ours.seconds).toFixed(1)}x tshark (target >= 20x, >= 1.5 M packets/s)\n`,
  );

  // The same work in this process, three times: no process start-up, records built but not
  // printed; the first run includes JIT warm-up, the later ones show the steady state.
  for (let run = 1; run <= 3; run++) {
    let records = 0;
    const engine = analyzeSummaries(() => records++);
    const started = process.hrtime.bigint();
    await readCaptureFile(file, engine.ingest);
    engine.finish();
    const inProcess = { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    process.stdout.write(`${row(`in process, run ${run}`, inProcess)}  (${records} connections)\n`);
  }

  const memory = idleConnectionMemory(200_000);
  process.stdout.write(
    `memory per idle tracked connection (200k open): ${memory.structuralBytes.toFixed(0)} B of engine state, ${memory.measuredBytes.toFixed(0)} B measured heap+arrayBuffers growth (target <= 300 B)\n`,
  );
}

function countPackets(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('capinfos', ['-c', '-M', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', () => {
      const match = /Number of packets:\s+(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`capinfos gave no packet count: ${out}`));
    });
  });
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exitCode = 1;
});
