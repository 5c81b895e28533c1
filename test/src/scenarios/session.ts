/**
 * One capture session in a network-namespace lab, shared by the scenario generator (index.ts) and
 * the bundled demo capture (demo.ts): bring the lab up, resolve ARP/ND, start one tcpdump, run the
 * traffic programs of scenarios-bin/traffic.py, stop the capture, tear the lab down.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BgProcess, Lab, type NsRole, sleep, type Topology } from './netns.js';

const here = dirname(fileURLToPath(import.meta.url));
/** test/scenarios-bin (found from dist/scenarios or src/scenarios). */
export const BIN_DIR = resolve(here, '../../scenarios-bin');
export const PYTHON = process.env.PYTHON ?? 'python3';
/** Default server port of the traffic programs. */
export const DEFAULT_PORT = 5001;

export interface Ctx {
  lab: Lab;
  /** Start a traffic.py server in the server namespace and wait for READY (port: the session's default). */
  server(mode: string, args?: string[], port?: number): Promise<BgProcess>;
  /** Run a traffic.py client in the client namespace to completion (rejects on failure). */
  client(mode: string, args?: string[], timeoutMs?: number): Promise<void>;
  /** Run a command in a namespace. */
  exec(role: NsRole, cmd: string, args: string[]): Promise<string>;
}

export interface SessionOptions {
  topology: Topology;
  /** Where the capture runs: namespace and interface; snaplen default = whole frames. */
  capture: { role: NsRole; dev: 'c' | 's' | 'rc' | 'rs'; snaplen?: number };
  /** Lab subnet index (see LabOptions.subnet). */
  subnet: number;
  /** Unique suffix for the namespace names. */
  tag: string;
  /** Server port used by ctx.server when none is given (default 5001). */
  port?: number;
  /** Milliseconds to keep capturing after the traffic ended (default 300). */
  tailMs?: number;
  log?: (msg: string) => void;
}

/**
 * Capture `run`'s traffic into `file` (classic pcap from tcpdump, or pcapng from dumpcap when
 * tcpdump is missing). Returns notes on how the capture was made. Rejects (after tearing the lab
 * down) when the traffic failed or the capture tool reported kernel drops. Needs root.
 */
export async function runCaptureSession(
  opts: SessionOptions,
  file: string,
  run: (ctx: Ctx) => Promise<void>,
): Promise<string[]> {
  const log = opts.log ?? (() => undefined);
  const lab = new Lab({ topology: opts.topology, subnet: opts.subnet, tag: opts.tag, log });
  const port = opts.port ?? DEFAULT_PORT;
  const notes: string[] = [];
  try {
    await lab.up();
    await lab.warmup(PYTHON);
    const dev = lab.iface[opts.capture.dev];
    const cap = await lab.capture(
      opts.capture.role,
      dev,
      file,
      opts.capture.snaplen ? { snaplen: opts.capture.snaplen } : {},
    );
    notes.push(
      `captured with ${cap.tool} on ${dev} in the ${{ c: 'client', s: 'server', r: 'router' }[opts.capture.role]} namespace` +
        (opts.capture.snaplen ? ` (snaplen ${opts.capture.snaplen})` : ''),
    );
    const ctx: Ctx = {
      lab,
      exec: (role, cmd, args) => lab.exec(role, cmd, args),
      server: (mode, args = [], serverPort = port) => startServer(lab, mode, serverPort, args),
      client: (mode, args = [], timeoutMs = 15_000) => runClient(lab, mode, args, timeoutMs),
    };
    await run(ctx);
    await sleep(opts.tailMs ?? 300);
    const st = await cap.stop();
    if (st.dropped) throw new Error(`${cap.tool} reported ${st.dropped} packets dropped by kernel`);
    notes.push(...lab.notes);
    return notes;
  } finally {
    await lab.down();
  }
}

/** Start `traffic.py server <mode> --port <port> …` in the server namespace; resolves at READY. */
export async function startServer(
  lab: Lab,
  mode: string,
  port: number,
  args: string[] = [],
): Promise<BgProcess> {
  const p = lab.bg('s', `server ${mode} :${port}`, PYTHON, [
    join(BIN_DIR, 'traffic.py'),
    'server',
    mode,
    '--port',
    String(port),
    ...args,
  ]);
  await p.waitFor('READY');
  return p;
}

/** Run `traffic.py client <mode> …` in the client namespace; rejects unless it exits 0 in time. */
export async function runClient(
  lab: Lab,
  mode: string,
  args: string[] = [],
  timeoutMs = 15_000,
): Promise<void> {
  const p = lab.bg('c', `client ${mode}`, PYTHON, [join(BIN_DIR, 'traffic.py'), 'client', mode, ...args]);
  await p.ok(timeoutMs);
}

/**
 * iptables/ip6tables arguments that drop `probability` of the TCP segments with source port
 * `sport` and an IP length of 200+ bytes (data, not pure ACKs) in `chain`.
 */
export function randomDropRule(chain: 'INPUT' | 'FORWARD', sport: number, probability: number): string[] {
  return [
    '-A',
    chain,
    '-p',
    'tcp',
    '--sport',
    String(sport),
    '-m',
    'length',
    '--length',
    '200:65535',
    '-m',
    'statistic',
    '--mode',
    'random',
    '--probability',
    String(probability),
    '-j',
    'DROP',
  ];
}

/**
 * Start scenarios-bin/delay_bridge.py in the router namespace of a `bridged` lab: client→server
 * frames are delayed `delayMs` ± `jitterMs` (uniform, no reordering). With `tcpPorts`, only TCP
 * frames from/to those ports are delayed and everything else crosses the bridge at once.
 */
export async function startDelayBridge(
  lab: Lab,
  opts: { delayMs: number; jitterMs: number; tcpPorts?: readonly number[] },
): Promise<BgProcess> {
  const br = lab.bg('r', 'delay-bridge', PYTHON, [
    join(BIN_DIR, 'delay_bridge.py'),
    lab.iface.rc,
    lab.iface.rs,
    '--delay-ab',
    String(opts.delayMs),
    '--jitter-ab',
    String(opts.jitterMs),
    ...(opts.tcpPorts ?? []).flatMap((p) => ['--tcp-port', String(p)]),
  ]);
  await br.waitFor('READY');
  return br;
}
