/**
 * Real-traffic capture scenarios: each capture is made from real TCP traffic between two network
 * namespaces on this machine (see netns.ts), with small Python programs from test/scenarios-bin/.
 * Results are cached by a content hash of the scenario definition and scripts in
 * <repo>/.cache/captures (git-ignored) and copied to `outDir`.
 *
 * Requires root, iproute2, tcpdump (or dumpcap), python3, iptables/ip6tables; ethtool recommended.
 * The kernel here has no sch_netem: the delay scenario uses a userspace L2 delay bridge instead
 * (scenarios-bin/delay_bridge.py), which gives the same pure delay + jitter without reordering.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateExpect } from './expect.js';
import { cleanupStaleNamespaces, findTool, type Lab, type NsRole, sleep, type Topology } from './netns.js';
import {
  BIN_DIR,
  type Ctx,
  DEFAULT_PORT,
  PYTHON,
  randomDropRule,
  runCaptureSession,
  startDelayBridge,
} from './session.js';
import type { Scenario } from './types.js';

export { cleanupStaleNamespaces } from './netns.js';
export type { Scenario } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
/** test/ (the workspace root), found from dist/scenarios or src/scenarios. */
export const TEST_ROOT = resolve(here, '../..');
export const REPO_ROOT = resolve(TEST_ROOT, '..');
export { BIN_DIR } from './session.js';
export const DEFAULT_CACHE_DIR = process.env.TCPX_CAPTURE_CACHE ?? join(REPO_ROOT, '.cache', 'captures');
/** Bump to invalidate every cached capture. */
const GENERATOR_VERSION = 1;
const PORT = DEFAULT_PORT;

interface ScenarioDef {
  name: string;
  description: string;
  expect: string[];
  topology: Topology;
  /** Where the capture runs: namespace and interface. */
  capture: { role: NsRole; dev: 'c' | 's' | 'rc' | 'rs' };
  notes: string[];
  /** Milliseconds to keep capturing after the traffic ended. */
  tailMs?: number;
  run(ctx: Ctx): Promise<void>;
}

const v4 = (lab: Lab) => ['--host', lab.addr.s4, '--port', String(PORT)];

export const SCENARIOS: ScenarioDef[] = [
  {
    name: 'clean-transfer',
    description:
      'One keep-alive HTTP-like connection: 4 request/response exchanges (1 KiB, 100 KiB, 400 KiB, 512 KiB ≈ 1 MB), FIN close. No impairment.',
    expect: [
      'streams==1',
      'complete_streams==1',
      'data_streams==1',
      'fin>=2',
      'payload_frames>500',
      'retransmissions==0',
      'big_segments==0',
      'ack_rtt_samples>10',
    ],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: ['capture on the server veth'],
    async run(ctx) {
      const srv = await ctx.server('http');
      await ctx.client('http', [...v4(ctx.lab), '--sizes', '1024,102400,409600,524288', '--think', '0.05']);
      await srv.ok(5000);
    },
  },
  {
    name: 'random-loss',
    description:
      '4 MB bulk download with 3 % random drop of server data segments in the client namespace INPUT chain; captured on the sending (server) side, so every original and retransmission is in the file.',
    expect: [
      'streams==1',
      'retransmissions>10',
      'fast_retransmissions>0',
      'dup_acks>10',
      'lost_segments==0',
      'big_segments==0',
      'complete_streams==1',
    ],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [
      'iptables -A INPUT -p tcp --sport 5001 -m length --length 200:65535 -m statistic --mode random --probability 0.03 -j DROP (client ns)',
      'capture on the sender side: no gaps',
    ],
    async run(ctx) {
      await ctx.exec('c', 'iptables', randomDropRule('INPUT', PORT, 0.03));
      const srv = await ctx.server('bulk', ['--size', '4000000']);
      await ctx.client('bulk-recv', [...v4(ctx.lab), '--size', '4000000'], 30_000);
      await srv.ok(5000);
    },
  },
  {
    name: 'zero-window',
    description:
      'Receiver with SO_RCVBUF=4096 pauses reading for 1.5 s while the client sends 200 kB, then reads 4 KiB every 5 ms: zero windows, window full, persist probes (Linux sends them as seq=snd_una-1 without data, which tshark 4.0.17 labels Keep-Alive, not Zero Window Probe), window updates when reading resumes.',
    expect: [
      'streams==1',
      'zero_window>0',
      'window_full>0',
      'keep_alive>0',
      'window_updates>0',
      'complete_streams==1',
    ],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [
      'capture on the receiver (server) side',
      'Linux zero-window probes carry no byte: tshark shows them as Keep-Alive (+ Keep-Alive ACK / Zero Window)',
    ],
    async run(ctx) {
      const srv = await ctx.server('sink', [
        '--rcvbuf',
        '4096',
        '--pause',
        '1.5',
        '--read-chunk',
        '4096',
        '--read-delay',
        '0.005',
      ]);
      await ctx.client('blast', [...v4(ctx.lab), '--size', '200000'], 20_000);
      await srv.ok(5000);
    },
  },
  {
    name: 'refused',
    description: 'Four connection attempts to a closed port: SYN answered by RST/ACK each time.',
    expect: ['streams==4', 'syn==4', 'syn_ack==0', 'rst==4', 'rst_streams==4'],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [],
    async run(ctx) {
      await ctx.client('refused', [
        '--host',
        ctx.lab.addr.s4,
        '--port',
        '9',
        '--count',
        '4',
        '--think',
        '0.05',
      ]);
    },
  },
  {
    name: 'keepalive',
    description:
      'Client with SO_KEEPALIVE, TCP_KEEPIDLE=1, TCP_KEEPINTVL=1: small exchange, 4 s idle (keep-alive probes and ACKs), small exchange, FIN close.',
    expect: [
      'streams==1',
      'keep_alive>=2',
      'keep_alive_acks>=2',
      'complete_streams==1',
      'retransmissions==0',
    ],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [],
    async run(ctx) {
      const srv = await ctx.server('echo');
      await ctx.client('keepalive', [...v4(ctx.lab), '--idle', '4'], 15_000);
      await srv.ok(5000);
    },
  },
  {
    name: 'rst-close',
    description:
      'Three 2 kB echo rounds, then the client closes with SO_LINGER(on, 0): abortive close by RST.',
    expect: ['streams==1', 'rst>=1', 'rst_streams==1', 'data_streams==1', 'fin==0'],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [],
    async run(ctx) {
      const srv = await ctx.server('echo');
      await ctx.client('rst', [...v4(ctx.lab), '--rounds', '3', '--chunk-size', '2000']);
      await srv.ok(5000);
    },
  },
  {
    name: 'port-reuse',
    description:
      'Three consecutive connections from the same client port 45678 (SO_REUSEADDR, RST close each): three tcp.streams on one 4-tuple, the 2nd and 3rd SYN flagged Reused Ports.',
    expect: ['streams==3', 'max_streams_per_tuple==3', 'reused_ports>=2', 'syn==3', 'rst>=3'],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [],
    async run(ctx) {
      const srv = await ctx.server('echo', ['--conns', '3']);
      await ctx.client('reuse', [...v4(ctx.lab), '--count', '3', '--src-port', '45678', '--think', '0.1']);
      await srv.ok(5000);
    },
  },
  {
    name: 'ipv6',
    description:
      '3 MB IPv6 download through a router namespace that drops 2 % of server data segments (ip6tables FORWARD); captured on the client side, downstream of the loss: gaps (previous segment not captured), retransmissions, dup ACKs.',
    expect: [
      'streams==1',
      'syn==1',
      'ipv6_tcp_frames>1000',
      'ipv4_tcp_frames==0',
      'retransmissions>5',
      'lost_segments>5',
      'dup_acks>5',
      'big_segments==0',
    ],
    topology: 'routed',
    capture: { role: 'c', dev: 'c' },
    notes: [
      'ip6tables -A FORWARD -p tcp --sport 5001 -m length --length 200:65535 -m statistic --mode random --probability 0.02 -j DROP (router ns)',
      'capture on the receiver (client) side, after the lossy hop',
    ],
    async run(ctx) {
      await ctx.exec('r', 'ip6tables', randomDropRule('FORWARD', PORT, 0.02));
      const srv = await ctx.server('bulk', ['--bind', '::', '--size', '3000000']);
      await ctx.client(
        'bulk-recv',
        ['--host', ctx.lab.addr.s6, '--port', String(PORT), '--size', '3000000'],
        30_000,
      );
      await srv.ok(5000);
    },
  },
  {
    name: 'delay-jitter',
    description:
      'HTTP-like exchanges (1 KiB, 64 KiB, 256 KiB, 1 KiB) with 20 ms ± 5 ms one-way delay on client→server frames (userspace delay bridge in a middle namespace; this kernel has no sch_netem); captured on the server side, so iRTT and the RTT of server data are ≈ 20 ms.',
    expect: [
      'streams==1',
      'min_initial_rtt_us>10000',
      'avg_ack_rtt_us>5000',
      'ack_rtt_stddev_us>1000',
      'complete_streams==1',
    ],
    topology: 'bridged',
    capture: { role: 's', dev: 's' },
    notes: [
      'sch_netem is not available on this kernel: delay 20 ms ± 5 ms (uniform, no reordering) applied by scenarios-bin/delay_bridge.py on client→server frames',
    ],
    async run(ctx) {
      await startDelayBridge(ctx.lab, { delayMs: 20, jitterMs: 5 });
      const srv = await ctx.server('http');
      await ctx.client(
        'http',
        [...v4(ctx.lab), '--sizes', '1024,65536,262144,1024', '--think', '0.05'],
        20_000,
      );
      await srv.ok(5000);
    },
  },
  {
    name: 'many-short',
    description:
      '200 short HTTP-like connections (2 kB response each), 20 in parallel: stream numbering and scale.',
    expect: ['streams==200', 'syn==200', 'complete_streams==200', 'data_streams==200'],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [],
    async run(ctx) {
      const srv = await ctx.server('http', ['--conns', '200']);
      await ctx.client(
        'many',
        [...v4(ctx.lab), '--count', '200', '--parallel', '20', '--size', '2000'],
        30_000,
      );
      await srv.ok(10_000);
    },
  },
  {
    name: 'half-close',
    description:
      'Client sends a request and shuts down its write side (FIN); the server keeps sending 10 × 1000 B over 1 s, then closes.',
    expect: ['streams==1', 'fin>=2', 'data_after_peer_fin>=10', 'complete_streams==1'],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [],
    async run(ctx) {
      const srv = await ctx.server('halfclose', [
        '--chunks',
        '10',
        '--interval',
        '0.1',
        '--chunk-size',
        '1000',
      ]);
      await ctx.client('halfclose', v4(ctx.lab), 10_000);
      await srv.ok(5000);
    },
  },
  {
    name: 'heavy-loss',
    description:
      '300 kB bulk download with 20 % random drop of server data segments in the client namespace INPUT chain; captured on the sending (server) side: more than 5 % of all packets are retransmissions.',
    expect: [
      'streams==1',
      'retransmissions>30',
      'tcp_frames<600',
      'lost_segments==0',
      'big_segments==0',
      'complete_streams==1',
    ],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: [
      'iptables -A INPUT -p tcp --sport 5001 -m length --length 200:65535 -m statistic --mode random --probability 0.2 -j DROP (client ns)',
      'retransmissions>30 with tcp_frames<600 means a retransmission rate above 5 %',
    ],
    async run(ctx) {
      await ctx.exec('c', 'iptables', randomDropRule('INPUT', PORT, 0.2));
      const srv = await ctx.server('bulk', ['--size', '300000']);
      await ctx.client('bulk-recv', [...v4(ctx.lab), '--size', '300000'], 30_000);
      await srv.ok(5000);
    },
  },
  {
    name: 'unanswered',
    description:
      'One connection attempt whose SYNs the server namespace drops (iptables INPUT, after the capture point): the client re-sends the SYN until its 3.5 s connect timeout; no SYN-ACK, no RST.',
    expect: ['streams==1', 'syn>=3', 'syn_ack==0', 'rst==0', 'retransmissions>=2'],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: ['iptables -A INPUT -p tcp --dport 5001 --syn -j DROP (server ns)'],
    async run(ctx) {
      await ctx.exec('s', 'iptables', [
        '-A',
        'INPUT',
        '-p',
        'tcp',
        '--dport',
        String(PORT),
        '--syn',
        '-j',
        'DROP',
      ]);
      // traffic.py has no client that expects a timeout (and editing it would invalidate every cached capture).
      const connect = [
        'import socket, sys',
        's = socket.socket()',
        's.settimeout(3.5)',
        'try:',
        '    s.connect((sys.argv[1], int(sys.argv[2])))',
        'except socket.timeout:',
        '    sys.exit(0)',
        "sys.exit('the connection was answered')",
      ].join('\n');
      await ctx.exec('c', PYTHON, ['-c', connect, ctx.lab.addr.s4, String(PORT)]);
    },
  },
  {
    name: 'syn-received',
    description:
      'The client namespace drops every packet it sends to the server except the SYN (iptables OUTPUT): the server answers with SYN-ACK and re-sends it, the handshake never completes on the server side; the client closes after 3.5 s (its FIN is dropped too).',
    expect: ['streams==1', 'syn==1', 'syn_ack>=2', 'complete_streams==0', 'rst==0', 'fin==0'],
    topology: 'direct',
    capture: { role: 's', dev: 's' },
    notes: ['iptables -A OUTPUT -p tcp --dport 5001 --tcp-flags SYN NONE -j DROP (client ns)'],
    async run(ctx) {
      await ctx.exec('c', 'iptables', [
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '--dport',
        String(PORT),
        '--tcp-flags',
        'SYN',
        'NONE',
        '-j',
        'DROP',
      ]);
      // The server never sees a completed connection to accept: the lab stops it at teardown.
      await ctx.server('echo');
      const connect = [
        'import socket, sys, time',
        's = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)',
        'time.sleep(3.5)',
        's.close()',
      ].join('\n');
      await ctx.exec('c', PYTHON, ['-c', connect, ctx.lab.addr.s4, String(PORT)]);
    },
  },
];

export interface GenerateOptions {
  /** Only these scenario names. */
  only?: readonly string[];
  cacheDir?: string;
  /** Ignore the cache and regenerate. */
  force?: boolean;
  /** Check each scenario's `expect` with tshark after generating and retry on failure (default true). */
  verify?: boolean;
  /** Generation attempts per scenario (default 3). */
  attempts?: number;
  log?: (msg: string) => void;
}

function sha256(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex');
}

function scenarioHash(def: ScenarioDef): string {
  const scripts = ['traffic.py', 'delay_bridge.py'].map((f) => readFileSync(join(BIN_DIR, f), 'utf8'));
  const lab = ['netns.js', 'session.js'].map((f) => readFileSync(join(here, f), 'utf8'));
  const defText = JSON.stringify({ ...def, run: def.run.toString() });
  return sha256([String(GENERATOR_VERSION), ...scripts, ...lab, defText]).slice(0, 16);
}

/** Cross-process lock on the cache dir (mkdir-based; stale when the holder pid is gone). */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const t0 = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      let alive = true;
      if (Number.isFinite(holder)) {
        try {
          process.kill(holder, 0);
        } catch {
          alive = false;
        }
      } else if (Date.now() - statSync(lock).mtimeMs > 10_000) {
        alive = false;
      }
      if (!alive) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - t0 > 15 * 60_000)
        throw new Error(`capture cache lock ${lock} held by ${holder} for too long`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Remove `*.tmp-<pid>` leftovers of generator processes that no longer exist. */
function removeStaleTmpFiles(dir: string): void {
  for (const f of readdirSync(dir)) {
    const m = /\.tmp-(\d+)$/.exec(f);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      rmSync(join(dir, f), { force: true });
    }
  }
}

/** Drop cached files of earlier versions (other hashes) of one scenario. */
function pruneOldVersions(dir: string, name: string, keepHash: string): void {
  const re = new RegExp(
    `^${name.replace(/[^a-z0-9]/g, (c) => `\\${c}`)}-([0-9a-f]{16})(\\.unverified)?\\.(pcap|json)$`,
  );
  for (const f of readdirSync(dir)) {
    const m = re.exec(f);
    if (m && m[1] !== keepHash) rmSync(join(dir, f), { force: true });
  }
}

let labCounter = 0;

function generateOne(
  def: ScenarioDef,
  file: string,
  index: number,
  log: (m: string) => void,
): Promise<string[]> {
  return runCaptureSession(
    {
      topology: def.topology,
      capture: def.capture,
      subnet: index + 1,
      tag: `${process.pid}-${labCounter++}`,
      port: PORT,
      tailMs: def.tailMs,
      log,
    },
    file,
    async (ctx) => {
      await def.run(ctx);
    },
  ).then((notes) => [...def.notes, ...notes]);
}

/**
 * Create (or reuse from the cache) every real-traffic scenario capture and copy them to `outDir`
 * as `<name>.pcap`. Runs the scenarios one after another (deterministic timing). Needs root.
 */
export async function generateCaptures(outDir: string, opts: GenerateOptions = {}): Promise<Scenario[]> {
  const log = opts.log ?? (() => undefined);
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const defs = SCENARIOS.filter((d) => !opts.only || opts.only.includes(d.name));
  if (opts.only) {
    for (const n of opts.only)
      if (!SCENARIOS.some((d) => d.name === n)) throw new Error(`unknown scenario ${n}`);
  }
  return withLock(cacheDir, async () => {
    const needGen = defs.some(
      (d) => opts.force || !existsSync(join(cacheDir, `${d.name}-${scenarioHash(d)}.json`)),
    );
    if (needGen) {
      if (process.getuid?.() !== 0)
        throw new Error('generating capture scenarios needs root (network namespaces)');
      for (const tool of ['ip', PYTHON])
        if (!findTool(tool)) throw new Error(`${tool} not found (run infra/test-deps.sh)`);
      const stale = await cleanupStaleNamespaces();
      if (stale.length) log(`removed stale namespaces: ${stale.join(' ')}`);
    }
    removeStaleTmpFiles(cacheDir);
    const out: Scenario[] = [];
    for (const def of defs) {
      const hash = scenarioHash(def);
      const cached = join(cacheDir, `${def.name}-${hash}.pcap`);
      const meta = join(cacheDir, `${def.name}-${hash}.json`);
      let sc: Scenario;
      if (!opts.force && existsSync(cached) && existsSync(meta)) {
        sc = { ...(JSON.parse(readFileSync(meta, 'utf8')) as Scenario), cached: true, generationMs: 0 };
      } else {
        const tmp = `${cached}.tmp-${process.pid}`;
        try {
          let notes: string[] = [];
          let lastErr: unknown = null;
          let verified = false;
          const attempts = opts.attempts ?? 3;
          const t0 = Date.now();
          for (let attempt = 1; attempt <= attempts; attempt++) {
            rmSync(tmp, { force: true });
            try {
              notes = await generateOne(def, tmp, SCENARIOS.indexOf(def), log);
              lastErr = null;
            } catch (e) {
              rmSync(tmp, { force: true }); // a partial capture of a failed run is never used
              lastErr = e;
              log(`${def.name}: attempt ${attempt} failed: ${(e as Error).message}`);
              continue;
            }
            if (opts.verify === false) break;
            const failed = (await evaluateExpect(tmp, def.expect)).filter((r) => !r.ok);
            if (failed.length === 0) {
              verified = true;
              break;
            }
            lastErr = new Error(
              `expectations not met: ${failed.map((f) => `${f.expr} (actual ${f.actual})`).join(', ')}`,
            );
            log(`${def.name}: attempt ${attempt}: ${(lastErr as Error).message}`);
          }
          if (lastErr && !existsSync(tmp))
            throw new Error(`scenario ${def.name} could not be generated: ${(lastErr as Error).message}`);
          const ms = Date.now() - t0;
          sc = {
            name: def.name,
            file: cached,
            description: def.description,
            expect: [...def.expect],
            notes,
            generationMs: ms,
            cached: false,
          };
          if (verified || opts.verify === false) {
            renameSync(tmp, cached);
            writeFileSync(meta, JSON.stringify({ ...sc, cached: undefined }, null, 2));
          } else {
            // Keep the last attempt for inspection but do not cache it.
            const keep = join(cacheDir, `${def.name}-${hash}.unverified.pcap`);
            renameSync(tmp, keep);
            sc.file = keep;
            sc.notes = [...notes, `UNVERIFIED after ${attempts} attempts: ${(lastErr as Error).message}`];
          }
          log(`${def.name}: generated in ${ms} ms${verified ? '' : ' (unverified)'}`);
        } finally {
          rmSync(tmp, { force: true });
        }
      }
      if (existsSync(cached) && existsSync(meta)) pruneOldVersions(cacheDir, def.name, hash);
      const dest = join(outDir, `${def.name}.pcap`);
      if (resolve(dest) !== resolve(sc.file)) copyFileSync(sc.file, dest);
      out.push({ ...sc, file: dest });
    }
    return out;
  });
}
