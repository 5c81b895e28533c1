import { basename } from 'node:path';
import { readCaptureFile } from '@tcpx/edge-capture';
import { analyzeSummaries } from '@tcpx/flow-processor';
import type { PacketSummary, TcpFlowRecord } from '@tcpx/schemas';
import { type FlowRow, toFlowRow } from '@tcpx/store';

// Real rows for the KFL tests: the records tcpx's analyzer (what `tcpx analyze` runs) makes of the
// bundled and scenario captures, stored as tcp_flows rows. Interim versions are real too: the
// records of the first half of each capture's packets, i.e. the connections as they stood then.

/** Records as `tcpx analyze` makes them (no idle eviction). */
function analyze(packets: readonly PacketSummary[]): TcpFlowRecord[] {
  const records: TcpFlowRecord[] = [];
  const engine = analyzeSummaries((r) => records.push(r), { idleTimeoutNs: 0 });
  for (const p of packets) engine.ingest(p);
  engine.finish();
  return records;
}

// Kubernetes enrichment is not in a capture: names from a pool, including ones that look like
// numbers (text × number coercion) and ones with quotes, backslashes and non-ASCII text.
const NAMESPACES = ['', 'payments', 'kube-system', 'production', '', "o'brien", 'ünïcode-ns', '42', '1.5e3'];
const SERVICES = ['', 'api', 'checkout', 'db', '', 'back\\slash', 'say "hi"', '😀-svc', '007'];

function enrichment(r: TcpFlowRecord) {
  const k = r.stream + r.src.port;
  return {
    src_namespace: NAMESPACES[k % NAMESPACES.length],
    src_service: SERVICES[(k * 5) % SERVICES.length],
    dst_namespace: NAMESPACES[(r.dst.port + r.stream * 7) % NAMESPACES.length],
    dst_service: SERVICES[(r.dst.port * 3 + r.stream) % SERVICES.length],
  };
}

/** Final rows (version 2) of every capture plus interim rows (version 1) of its first half. */
export async function captureRows(files: readonly string[]): Promise<FlowRow[]> {
  const rows: FlowRow[] = [];
  for (const file of files) {
    const node = `node-${basename(file, '.pcap')}`;
    const packets: PacketSummary[] = [];
    await readCaptureFile(file, (p) => packets.push({ ...p, sackBlocks: p.sackBlocks.slice() })); // the reader reuses p
    for (const r of analyze(packets.slice(0, Math.floor(packets.length / 2))))
      rows.push(toFlowRow(r, { node, version: 1, final: false, k8s: enrichment(r) }));
    for (const r of analyze(packets))
      rows.push(toFlowRow(r, { node, version: 2, final: true, k8s: enrichment(r) }));
  }
  return rows;
}
