/**
 * Generate the capture scenarios from the command line and print what tshark reports:
 *   node test/dist/scenarios/cli.js [outDir] [--force] [--only name,name] [--crafted-only] [--no-crafted]
 *   node test/dist/scenarios/cli.js --demo samples/demo.pcap     (the bundled demo capture, see demo.ts)
 *   node test/dist/scenarios/cli.js --cleanup
 */
import { generateCraftedCaptures } from '../crafted/index.js';
import { DEMO_EXPECT, generateDemoCapture } from './demo.js';
import { evaluateExpect, flagCounts } from './expect.js';
import { cleanupStaleNamespaces, generateCaptures } from './index.js';
import type { Scenario } from './types.js';

const args = process.argv.slice(2);
const flag = (n: string) => args.includes(n);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : undefined;
const demoIdx = args.indexOf('--demo');
const outDir =
  args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--only' && args[i - 1] !== '--demo') ??
  '/tmp/tcpx-captures';

const SHOW = [
  'tcp_frames',
  'retransmissions',
  'fast_retransmissions',
  'spurious_retransmissions',
  'out_of_order',
  'dup_acks',
  'lost_segments',
  'ack_lost_segments',
  'zero_window',
  'zero_window_probes',
  'zero_window_probe_acks',
  'window_full',
  'window_updates',
  'keep_alive',
  'keep_alive_acks',
  'reused_ports',
  'rst',
  'fin',
];

async function report(list: Scenario[]) {
  for (const s of list) {
    const counts = await flagCounts(s.file, SHOW);
    const res = await evaluateExpect(s.file, s.expect);
    const nz = SHOW.filter((k) => counts[k] > 0).map((k) => `${k}=${counts[k]}`);
    console.log(`\n${s.name}${s.cached ? ' (cached)' : ` (${s.generationMs} ms)`}: ${nz.join(' ')}`);
    for (const r of res) console.log(`   ${r.ok ? 'ok  ' : 'FAIL'} ${r.expr} (actual ${r.actual})`);
    for (const n of s.notes ?? []) console.log(`   note: ${n}`);
  }
}

async function main() {
  if (flag('--cleanup')) {
    console.log('removed', await cleanupStaleNamespaces({ all: true }));
    return;
  }
  if (demoIdx >= 0) {
    const file = args[demoIdx + 1];
    if (!file || file.startsWith('--'))
      throw new Error('--demo needs an output file, e.g. samples/demo.pcap');
    const t0 = Date.now();
    await generateDemoCapture(file, { log: (m) => console.error(`[demo] ${m}`) });
    const generationMs = Date.now() - t0;
    await report([{ name: file, file, description: 'demo', expect: [...DEMO_EXPECT], generationMs }]);
    return;
  }
  if (!flag('--crafted-only')) {
    const t0 = Date.now();
    const sc = await generateCaptures(outDir, {
      only,
      force: flag('--force'),
      log: (m) => console.error(`[gen] ${m}`),
    });
    console.log(`real-traffic scenarios: ${sc.length} in ${Date.now() - t0} ms`);
    await report(sc);
  }
  if (!flag('--no-crafted') && !only) {
    const cr = generateCraftedCaptures(`${outDir}/crafted`);
    console.log(`\ncrafted: ${cr.length}`);
    await report(cr);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
