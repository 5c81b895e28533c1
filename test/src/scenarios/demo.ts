/**
 * The bundled demo capture (samples/demo.pcap): ~11 s of real TCP traffic between two network
 * namespaces, every kind of connection health the analyzer reports, in ONE capture session.
 *
 * Lab: the `bridged` topology (client ns ⇄ router ns running scenarios-bin/delay_bridge.py ⇄ server
 * ns, one /24 + one /64). The bridge delays only port-8082 frames (client→server, 20 ms ± 5 ms);
 * every other frame crosses it at once. One tcpdump on the server veth with snaplen 128 sees every
 * connection; headers only, no payload (TCP analysis uses the IP length, so no metric changes).
 *
 * What runs, concurrently (start offsets in seconds):
 *   0.0  keepalive   :5003  SO_KEEPALIVE idle=1 s, intvl=1 s; hello, 5 s idle (probes), bye, FIN
 *   0.2  clean HTTP  :8080  3 keep-alive connections (t=0.2, 3.5, 9.5), GET 512 B, 16 KiB, 2 KiB each
 *   0.5  refused     :9     2 connects to a closed port (3 s apart): SYN → RST/ACK
 *   1.0  bulk + loss :5001  3 MB download, 3 % of server data segments dropped in the client's
 *                           INPUT chain (after the capture point: originals and retransmissions seen)
 *   1.5  delayed     :8082  GET 1 KiB, 64 KiB, 1 KiB through the 20 ms ± 5 ms path
 *   2.0  zero window :5002  receiver with SO_RCVBUF=4096 pauses 1.5 s while 150 kB arrive
 *   3.0  RST close   :5004  3 × 2 kB echo rounds, then SO_LINGER(0) close: RST
 *   4.0  short conns :8081  30 HTTP-like connections (2 kB each), 5 in parallel, 0.15 s apart
 *   5.0  half-close  :5005  client FIN after its request; server sends 10 × 1000 B more, then FIN
 *   7.0  IPv6        :8086  GET 1 KiB, 200 kB over IPv6
 */
import { renameSync, rmSync } from 'node:fs';
import { evaluateExpect } from './expect.js';
import { cleanupStaleNamespaces, findTool, sleep } from './netns.js';
import { type Ctx, PYTHON, randomDropRule, runCaptureSession, startDelayBridge } from './session.js';

export const DEMO_PORTS = {
  bulk: 5001,
  zeroWindow: 5002,
  keepalive: 5003,
  rst: 5004,
  halfClose: 5005,
  clean: 8080,
  short: 8081,
  delayed: 8082,
  ipv6: 8086,
  /** Nothing listens there. */
  refused: 9,
} as const;

/** 3 clean + 1 bulk + 1 zero-window + 2 refused + 1 keepalive + 1 RST + 1 half-close + 1 delayed + 30 short + 1 IPv6. */
export const DEMO_CONNECTIONS = 42;

/** What the demo capture must show, checked with tshark only (expect.ts grammar). */
export const DEMO_EXPECT: readonly string[] = [
  `streams==${DEMO_CONNECTIONS}`,
  `syn==${DEMO_CONNECTIONS}`,
  'retransmissions>10',
  'fast_retransmissions>0',
  'dup_acks>10',
  'zero_window>0',
  'window_full>0',
  'window_updates>0',
  'keep_alive>=4',
  'keep_alive_acks>=2',
  'rst>=3',
  'rst_streams>=3',
  'fin>=70',
  'data_after_peer_fin>=10',
  'ipv6_tcp_frames>100',
  'ipv4_tcp_frames>1000',
  'max_initial_rtt_us>10000',
  'big_segments==0',
];

/** Lab subnet index far from the scenario generator's (1..11), so both can run at once. */
const DEMO_SUBNET = 100;
const SNAPLEN = 128;

export interface DemoOptions {
  /** Generation attempts until DEMO_EXPECT holds (default 3). */
  attempts?: number;
  log?: (msg: string) => void;
}

/**
 * Generate the demo capture into `outFile` (classic pcap, Ethernet, snaplen 128). Needs root,
 * iproute2, tcpdump (or dumpcap), python3, iptables, ethtool recommended. Retries when a run fails or
 * its capture does not show everything in DEMO_EXPECT; throws if no attempt does.
 */
export async function generateDemoCapture(outFile: string, opts: DemoOptions = {}): Promise<void> {
  const log = opts.log ?? (() => undefined);
  if (process.getuid?.() !== 0)
    throw new Error('generating the demo capture needs root (network namespaces)');
  for (const tool of ['ip', PYTHON, 'iptables'])
    if (!findTool(tool)) throw new Error(`${tool} not found (run infra/test-deps.sh)`);
  const stale = await cleanupStaleNamespaces();
  if (stale.length) log(`removed stale namespaces: ${stale.join(' ')}`);
  const tmp = `${outFile}.tmp-${process.pid}`;
  const attempts = opts.attempts ?? 3;
  let lastError = '';
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      rmSync(tmp, { force: true });
      const t0 = Date.now();
      try {
        const notes = await runCaptureSession(
          {
            topology: 'bridged',
            capture: { role: 's', dev: 's', snaplen: SNAPLEN },
            subnet: DEMO_SUBNET,
            tag: `${process.pid}-demo${attempt}`,
            tailMs: 500,
            log,
          },
          tmp,
          demoTraffic,
        );
        log(`demo: traffic done in ${Date.now() - t0} ms; ${notes.join('; ')}`);
      } catch (e) {
        lastError = (e as Error).message;
        log(`demo: attempt ${attempt} failed: ${lastError}`);
        continue;
      }
      const failed = (await evaluateExpect(tmp, DEMO_EXPECT)).filter((r) => !r.ok);
      if (failed.length === 0) {
        renameSync(tmp, outFile);
        return;
      }
      lastError = `expectations not met: ${failed.map((f) => `${f.expr} (actual ${f.actual})`).join(', ')}`;
      log(`demo: attempt ${attempt}: ${lastError}`);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  throw new Error(`demo capture could not be generated in ${attempts} attempts: ${lastError}`);
}

/** The demo's traffic: every program started at its offset, all running concurrently. */
async function demoTraffic(ctx: Ctx): Promise<void> {
  const { lab } = ctx;
  const P = DEMO_PORTS;
  const to = (host: string, port: number) => ['--host', host, '--port', String(port)];
  const v4 = (port: number) => to(lab.addr.s4, port);
  const at = async (seconds: number, fn: () => Promise<void>) => {
    await sleep(seconds * 1000);
    await fn();
  };

  await ctx.exec('c', 'iptables', randomDropRule('INPUT', P.bulk, 0.03));
  await startDelayBridge(lab, { delayMs: 20, jitterMs: 5, tcpPorts: [P.delayed] });
  const servers = await Promise.all([
    ctx.server('bulk', ['--size', '3000000'], P.bulk),
    ctx.server(
      'sink',
      ['--rcvbuf', '4096', '--pause', '1.5', '--read-chunk', '4096', '--read-delay', '0.005'],
      P.zeroWindow,
    ),
    ctx.server('echo', [], P.keepalive),
    ctx.server('echo', [], P.rst),
    ctx.server('halfclose', ['--chunks', '10', '--interval', '0.1', '--chunk-size', '1000'], P.halfClose),
    ctx.server('http', ['--conns', '3'], P.clean),
    ctx.server('http', ['--conns', '30'], P.short),
    ctx.server('http', [], P.delayed),
    ctx.server('http', ['--bind', '::'], P.ipv6),
  ]);
  const clean = () => ctx.client('http', [...v4(P.clean), '--sizes', '512,16384,2048', '--think', '0.1']);
  await Promise.all([
    at(0, () => ctx.client('keepalive', [...v4(P.keepalive), '--idle', '5'], 20_000)),
    at(0.2, clean),
    at(3.5, clean),
    at(9.5, clean),
    at(0.5, () => ctx.client('refused', [...v4(P.refused), '--count', '2', '--think', '3'])),
    at(1, () => ctx.client('bulk-recv', [...v4(P.bulk), '--size', '3000000'], 30_000)),
    at(1.5, () =>
      ctx.client('http', [...v4(P.delayed), '--sizes', '1024,65536,1024', '--think', '0.2'], 20_000),
    ),
    at(2, () => ctx.client('blast', [...v4(P.zeroWindow), '--size', '150000'], 20_000)),
    at(3, () => ctx.client('rst', [...v4(P.rst), '--rounds', '3', '--chunk-size', '2000'])),
    at(4, () =>
      ctx.client(
        'many',
        [...v4(P.short), '--count', '30', '--parallel', '5', '--stagger', '0.15', '--size', '2000'],
        30_000,
      ),
    ),
    at(5, () => ctx.client('halfclose', v4(P.halfClose), 10_000)),
    at(7, () => ctx.client('http', [...to(lab.addr.s6, P.ipv6), '--sizes', '1024,200000', '--think', '0.1'])),
  ]);
  for (const s of servers) await s.ok(10_000);
}
