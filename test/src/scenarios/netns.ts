/**
 * Network-namespace lab for real-traffic captures: two (or three) namespaces joined by veth pairs,
 * addresses only in 10.201.x.0/24 and fd00:201::/48 inside those namespaces, no default route to
 * anything outside. Needs root, iproute2, tcpdump or dumpcap; ethtool (offloads off) and
 * iptables/ip6tables are used when present.
 *
 * Topologies:
 *  - direct:  [c: vethC] <-> [s: vethS]                         one /24 + one /64
 *  - routed:  [c: vethC] <-> [r: vethRC | vethRS] <-> [s: vethS]  r forwards (IPv4+IPv6), two subnets
 *  - bridged: like routed, but r has no addresses and runs scenarios-bin/delay_bridge.py (L2, delay)
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export type NsRole = 'c' | 's' | 'r';
export type Topology = 'direct' | 'routed' | 'bridged';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as NodeJS.ErrnoException).code === 'number'
          ? Number((err as NodeJS.ErrnoException).code)
          : 1
        : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export async function runOk(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

const sbinDirs = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Absolute path of a tool, or null when not installed. */
export function findTool(name: string): string | null {
  for (const d of [...(process.env.PATH ?? '').split(':'), ...sbinDirs]) {
    if (d && existsSync(`${d}/${name}`)) return `${d}/${name}`;
  }
  return null;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A background process started by the lab (its pid is ours; only it is ever signalled). */
export class BgProcess {
  private exitP: Promise<number | null>;
  stdout = '';
  stderr = '';
  exited = false;
  exitCode: number | null = null;

  constructor(
    readonly label: string,
    readonly proc: ChildProcess,
  ) {
    proc.stdout?.setEncoding('utf8');
    proc.stderr?.setEncoding('utf8');
    proc.stdout?.on('data', (d: string) => {
      if (this.stdout.length < 1 << 20) this.stdout += d;
    });
    proc.stderr?.on('data', (d: string) => {
      if (this.stderr.length < 1 << 20) this.stderr += d;
    });
    this.exitP = new Promise((resolve) => {
      proc.on('close', (code, signal) => {
        this.exited = true;
        this.exitCode = code ?? (signal ? 128 : null);
        resolve(this.exitCode);
      });
      proc.on('error', (e) => {
        this.stderr += String(e);
        this.exited = true;
        this.exitCode = 127;
        resolve(127);
      });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Resolve once stdout+stderr contains `pattern`; reject if the process exits first or on timeout. */
  async waitFor(pattern: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const t0 = Date.now();
    const has = () =>
      typeof pattern === 'string'
        ? (this.stdout + this.stderr).includes(pattern)
        : pattern.test(this.stdout + this.stderr);
    while (!has()) {
      if (this.exited)
        throw new Error(`${this.label} exited (${this.exitCode}) before '${pattern}': ${this.stderr.trim()}`);
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`${this.label}: timeout waiting for '${pattern}': ${this.stderr.trim()}`);
      await sleep(20);
    }
  }

  /** Wait for exit; on timeout kill it (SIGKILL) and reject. */
  async wait(timeoutMs = 30_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const to = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), timeoutMs);
    });
    const res = await Promise.race([this.exitP, to]);
    clearTimeout(timer);
    if (res === 'timeout') {
      this.kill('SIGKILL');
      throw new Error(`${this.label}: still running after ${timeoutMs} ms: ${this.stderr.trim()}`);
    }
    return res;
  }

  /** Wait for a zero exit status. */
  async ok(timeoutMs = 30_000): Promise<void> {
    const code = await this.wait(timeoutMs);
    if (code !== 0) throw new Error(`${this.label} exited ${code}: ${this.stderr.trim()}`);
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exited && this.proc.pid) {
      try {
        process.kill(this.proc.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 2000): Promise<void> {
    if (this.exited) return;
    this.kill(sig);
    let timer: NodeJS.Timeout | undefined;
    const to = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), graceMs);
    });
    const res = await Promise.race([this.exitP, to]);
    clearTimeout(timer);
    if (res === 'timeout') {
      this.kill('SIGKILL');
      await this.exitP;
    }
  }
}

export interface CaptureHandle {
  file: string;
  tool: string;
  /** Stop capturing (packet-buffered writer; waits for the file to be closed). */
  stop(): Promise<{ dropped: number | null; captured: number | null }>;
}

export interface LabOptions {
  topology: Topology;
  /** 0..120: picks 10.201.<2k>.0/24 (+ 10.201.<2k+1>.0/24 for routed) and fd00:201:0:<2k>::/64 (+1). */
  subnet: number;
  /** Unique suffix for namespace names (default: pid). */
  tag?: string;
  mtu?: number;
  log?: (msg: string) => void;
}

const NS_PREFIX = 'tcpx-';

/** Labs that are up; torn down synchronously if the process exits or is signalled mid-generation. */
const activeLabs = new Set<Lab>();
let handlersInstalled = false;

function teardownAllSync(): void {
  for (const lab of activeLabs) lab.downSync();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', teardownAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      teardownAllSync();
      process.kill(process.pid, sig); // default action now that our one-shot listener is gone
    });
  }
}

export class Lab {
  readonly ns: Record<NsRole, string>;
  readonly addr: { c4: string; s4: string; c6: string; s6: string };
  readonly notes: string[] = [];
  readonly iface = { c: 'vethC', s: 'vethS', rc: 'vethRC', rs: 'vethRS' };
  private procs: BgProcess[] = [];
  private created: string[] = [];
  private ethtool = findTool('ethtool');

  constructor(readonly opts: LabOptions) {
    const tag = opts.tag ?? String(process.pid);
    this.ns = { c: `${NS_PREFIX}c-${tag}`, s: `${NS_PREFIX}s-${tag}`, r: `${NS_PREFIX}r-${tag}` };
    const a = 2 * opts.subnet;
    const b = opts.topology === 'routed' ? a + 1 : a;
    if (a < 0 || b > 255) throw new Error(`subnet ${opts.subnet} out of range`);
    this.addr = {
      c4: `10.201.${a}.1`,
      s4: `10.201.${b}.2`,
      c6: `fd00:201:0:${a.toString(16)}::1`,
      s6: `fd00:201:0:${b.toString(16)}::2`,
    };
  }

  private log(m: string) {
    this.opts.log?.(m);
  }

  private ip(args: string[]) {
    return runOk('ip', args);
  }

  /** Run a command inside a namespace and require success. */
  exec(role: NsRole, cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
    return runOk('ip', ['netns', 'exec', this.ns[role], cmd, ...args], timeoutMs);
  }

  /** Start a background command inside a namespace. */
  bg(role: NsRole, label: string, cmd: string, args: readonly string[]): BgProcess {
    const p = spawn('ip', ['netns', 'exec', this.ns[role], cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const h = new BgProcess(label, p);
    this.procs.push(h);
    return h;
  }

  private async offloadsOff(role: NsRole, dev: string) {
    if (!this.ethtool) return;
    // TSO/GSO/GRO off so captured segments are MTU-sized; tx checksum off so checksums are complete
    // (needed by the L2 delay bridge, harmless elsewhere).
    await this.exec(role, this.ethtool, ['-K', dev, 'tso', 'off', 'gso', 'off', 'gro', 'off', 'tx', 'off']);
  }

  private async addNs(name: string) {
    await this.ip(['netns', 'add', name]);
    this.created.push(name);
    await this.ip(['-n', name, 'link', 'set', 'lo', 'up']);
    // No IPv6 duplicate-address detection and no router solicitations: addresses are usable at once
    // (a tentative link-local address on the router lost the first SYN of a routed IPv6 test).
    await runOk('ip', [
      'netns',
      'exec',
      name,
      'sysctl',
      '-q',
      '-w',
      'net.ipv6.conf.all.accept_dad=0',
      'net.ipv6.conf.default.accept_dad=0',
      'net.ipv6.conf.all.router_solicitations=0',
      'net.ipv6.conf.default.router_solicitations=0',
    ]);
  }

  private async linkUp(role: NsRole, dev: string) {
    await this.ip(['-n', this.ns[role], 'link', 'set', dev, 'mtu', String(this.opts.mtu ?? 1500), 'up']);
    await this.offloadsOff(role, dev);
  }

  private async addAddr(role: NsRole, dev: string, v4: string, v6: string) {
    await this.ip(['-n', this.ns[role], 'addr', 'add', `${v4}/24`, 'dev', dev]);
    await this.ip(['-n', this.ns[role], '-6', 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
  }

  async up(): Promise<void> {
    installExitHandlers();
    activeLabs.add(this);
    if (!this.ethtool)
      this.notes.push('ethtool not installed: offloads left on (segments may exceed the MTU)');
    const t = this.opts.topology;
    await this.addNs(this.ns.c);
    await this.addNs(this.ns.s);
    if (t === 'direct') {
      await this.ip([
        'link',
        'add',
        this.iface.c,
        'netns',
        this.ns.c,
        'type',
        'veth',
        'peer',
        'name',
        this.iface.s,
        'netns',
        this.ns.s,
      ]);
      await this.linkUp('c', this.iface.c);
      await this.linkUp('s', this.iface.s);
      await this.addAddr('c', this.iface.c, this.addr.c4, this.addr.c6);
      await this.addAddr('s', this.iface.s, this.addr.s4, this.addr.s6);
    } else {
      await this.addNs(this.ns.r);
      await this.ip([
        'link',
        'add',
        this.iface.c,
        'netns',
        this.ns.c,
        'type',
        'veth',
        'peer',
        'name',
        this.iface.rc,
        'netns',
        this.ns.r,
      ]);
      await this.ip([
        'link',
        'add',
        this.iface.s,
        'netns',
        this.ns.s,
        'type',
        'veth',
        'peer',
        'name',
        this.iface.rs,
        'netns',
        this.ns.r,
      ]);
      for (const [role, dev] of [
        ['c', this.iface.c],
        ['s', this.iface.s],
        ['r', this.iface.rc],
        ['r', this.iface.rs],
      ] as const) {
        await this.linkUp(role, dev);
      }
      await this.addAddr('c', this.iface.c, this.addr.c4, this.addr.c6);
      await this.addAddr('s', this.iface.s, this.addr.s4, this.addr.s6);
      if (t === 'routed') {
        const a = 2 * this.opts.subnet;
        const rc4 = `10.201.${a}.254`;
        const rs4 = `10.201.${a + 1}.254`;
        const rc6 = `fd00:201:0:${a.toString(16)}::fe`;
        const rs6 = `fd00:201:0:${(a + 1).toString(16)}::fe`;
        await this.addAddr('r', this.iface.rc, rc4, rc6);
        await this.addAddr('r', this.iface.rs, rs4, rs6);
        await this.exec('r', 'sysctl', [
          '-q',
          '-w',
          'net.ipv4.ip_forward=1',
          'net.ipv6.conf.all.forwarding=1',
        ]);
        // Routes only towards the other lab subnet, via the lab router.
        await this.ip(['-n', this.ns.c, 'route', 'add', `10.201.${a + 1}.0/24`, 'via', rc4]);
        await this.ip(['-n', this.ns.s, 'route', 'add', `10.201.${a}.0/24`, 'via', rs4]);
        await this.ip([
          '-n',
          this.ns.c,
          '-6',
          'route',
          'add',
          `fd00:201:0:${(a + 1).toString(16)}::/64`,
          'via',
          rc6,
        ]);
        await this.ip([
          '-n',
          this.ns.s,
          '-6',
          'route',
          'add',
          `fd00:201:0:${a.toString(16)}::/64`,
          'via',
          rs6,
        ]);
      }
    }
    this.log(`lab up: ${t} ${JSON.stringify(this.addr)}`);
  }

  /**
   * Resolve ARP/ND in both directions before the capture starts: one UDP datagram each way to the
   * discard port (answered by ICMP port unreachable), over IPv4 and IPv6. Needs python3.
   */
  async warmup(python = 'python3'): Promise<void> {
    const code =
      "import socket,sys\nfor a in sys.argv[1:]:\n  s=socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET, socket.SOCK_DGRAM)\n  s.sendto(b'warmup', (a, 9))\n";
    await this.exec('c', python, ['-c', code, this.addr.s4, this.addr.s6]);
    await this.exec('s', python, ['-c', code, this.addr.c4, this.addr.c6]);
    await sleep(150);
  }

  /** Kill our background processes, then delete our namespaces (which removes veths, qdiscs, rules). */
  async down(): Promise<void> {
    for (const p of this.procs) await p.stop('SIGTERM', 1500).catch(() => undefined);
    this.procs = [];
    for (const name of this.created.reverse()) {
      await run('ip', ['netns', 'del', name]);
    }
    this.created = [];
    activeLabs.delete(this);
  }

  /** Synchronous emergency teardown (exit/signal handlers): SIGKILL our processes, delete our namespaces. */
  downSync(): void {
    for (const p of this.procs) p.kill('SIGKILL');
    this.procs = [];
    for (const name of this.created.reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
    this.created = [];
    activeLabs.delete(this);
  }

  /**
   * Start a packet-buffered capture on `dev` inside namespace `role`. `snaplen` (default 262144,
   * whole frames) caps the bytes kept per frame; TCP analysis uses the IP length, so a snaplen that
   * keeps the headers (128) leaves every TCP metric unchanged and drops only the payload.
   */
  async capture(
    role: NsRole,
    dev: string,
    file: string,
    opts: { snaplen?: number } = {},
  ): Promise<CaptureHandle> {
    const tcpdump = findTool('tcpdump');
    const dumpcap = findTool('dumpcap');
    const snaplen = String(opts.snaplen ?? 262144);
    let p: BgProcess;
    let tool: string;
    if (tcpdump) {
      tool = 'tcpdump';
      p = this.bg(role, 'tcpdump', tcpdump, [
        '-i',
        dev,
        '-s',
        snaplen,
        '-U',
        '--immediate-mode',
        '-n',
        '-Z',
        'root',
        '-B',
        '8192',
        '-w',
        file,
      ]);
      await p.waitFor('listening on');
    } else if (dumpcap) {
      tool = 'dumpcap';
      p = this.bg(role, 'dumpcap', dumpcap, ['-i', dev, '-s', snaplen, '-P', '-B', '8', '-w', file]);
      await p.waitFor('Capturing on');
    } else {
      throw new Error('neither tcpdump nor dumpcap is installed (run infra/test-deps.sh)');
    }
    await sleep(100);
    return {
      file,
      tool,
      stop: async () => {
        await p.stop('SIGINT', 5000);
        const m =
          /(\d+) packets? dropped by kernel/.exec(p.stderr) ?? /Packets dropped: (\d+)/i.exec(p.stderr);
        const c = /(\d+) packets? captured/.exec(p.stderr) ?? /Packets captured: (\d+)/i.exec(p.stderr);
        return { dropped: m ? Number(m[1]) : null, captured: c ? Number(c[1]) : null };
      },
    };
  }
}

/** Names of existing network namespaces that belong to this tooling (`tcpx-*`). */
export async function listLabNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n?.startsWith(NS_PREFIX));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove stale lab namespaces (`tcpx-<role>-<pid>[-n]` whose creating pid is gone; with `all`, every
 * `tcpx-*` namespace not owned by this process). Processes still running inside such a namespace were
 * started by an earlier run of this generator and are killed by pid first.
 */
export async function cleanupStaleNamespaces(opts: { all?: boolean } = {}): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listLabNamespaces()) {
    const m = /^tcpx-[a-z]+-(\d+)(?:-\w+)?$/.exec(name);
    const pid = m ? Number(m[1]) : NaN;
    if (pid === process.pid) continue;
    if (!opts.all && Number.isFinite(pid) && pidAlive(pid)) continue;
    const pids = (await run('ip', ['netns', 'pids', name])).stdout.split(/\s+/).filter(Boolean).map(Number);
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await run('ip', ['netns', 'del', name]);
    removed.push(name);
  }
  return removed;
}
