/**
 * The data set of the query tests: real captures (samples/demo.pcap and the network-namespace
 * scenarios) ingested with interim versions into a private embedded ClickHouse, plus tshark's view
 * of the same captures (per tcp.stream: first and last frame time) as the independent oracle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbStore } from '@tcpx/store';
import { type OracleFlow, tsharkFlows } from '../oracle/tshark.js';
import { DEFAULT_CACHE_DIR, generateCaptures, REPO_ROOT } from '../scenarios/index.js';
import { type IngestResult, ingestCapture, type K8sResolver } from './ingest.js';

/** Scenarios with a variety of states and diagnoses (refused, reset, zero window, loss, IPv6…). */
export const SCENARIO_NAMES = [
  'many-short',
  'refused',
  'rst-close',
  'port-reuse',
  'half-close',
  'zero-window',
  'random-loss',
  'delay-jitter',
  'keepalive',
  'ipv6',
];

/**
 * Made-up cluster identities by server port, so there are services and namespaces to filter and
 * group by; ports 9 and 8082 stay unnamed (grouped by address), clients get a namespace only.
 */
export const k8s: K8sResolver = (ip, port) => {
  if (port === 8081) return { namespace: 'shop', service: 'web' };
  if (port === 8080) return { namespace: 'shop', service: 'api' };
  if (port >= 5001 && port <= 5004) return { namespace: 'data', service: 'iperf' };
  if (port >= 1024 && (ip.startsWith('10.') || ip.startsWith('fd00:')))
    return { namespace: 'clients', service: '' };
  return undefined;
};

export interface Capture {
  node: string;
  file: string;
  ingest: IngestResult;
  /** tshark's streams of the capture. */
  oracle: Map<number, OracleFlow>;
}

export interface Dataset {
  store: ChdbStore;
  captures: Capture[];
  close(): Promise<void>;
}

/** Interim records every 200 ms of capture time: several versions for most demo connections. */
export const INTERIM_EVERY_US = 200_000;

/** One private store per test file (chdb binds one data directory per process). */
export async function loadDataset(): Promise<Dataset> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpx-query-'));
  const store = new ChdbStore({ path: dir, retentionDays: 3650, rollupRetentionDays: 3650 });
  await store.migrate();
  const scenarios = await generateCaptures(DEFAULT_CACHE_DIR, { only: SCENARIO_NAMES });
  const files = [
    { node: 'demo', file: join(REPO_ROOT, 'samples', 'demo.pcap') },
    ...scenarios.map((s) => ({ node: s.name, file: s.file })),
  ];
  const captures: Capture[] = [];
  for (const { node, file } of files) {
    const ingest = await ingestCapture(store, file, { node, interimEveryUs: INTERIM_EVERY_US, k8s });
    captures.push({ node, file, ingest, oracle: await tsharkFlows(file) });
  }
  return {
    store,
    captures,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
