/**
 * Test fixture for the query API: a real capture analysed in-process the way a flow processor
 * does it (one PartitionFlows, interim records while capture time advances, finals at close and
 * at the end), stored as tcp_flows rows. Tests then query those rows and derive their expectations
 * from the returned records (or from tshark), never from the query layer itself.
 */
import { readCaptureFile } from '@tcpx/edge-capture';
import { type AnalyzerOptions, type EmittedFlow, PartitionFlows } from '@tcpx/flow-processor';
import { type FlowRow, type FlowRowMeta, type FlowStore, toFlowRow } from '@tcpx/store';

/** Kubernetes identity of one endpoint; '' for unknown. */
export interface K8sIdentity {
  namespace: string;
  service: string;
}

/** Assigns an endpoint (by address and port) to a namespace/service; undefined = not in the cluster. */
export type K8sResolver = (ip: string, port: number) => K8sIdentity | undefined;

export interface IngestOptions {
  node: string;
  /**
   * Emit interim records for open connections whenever capture time advanced this many µs since
   * the last emission (as a flow processor does every interval). Absent: final records only.
   */
  interimEveryUs?: number;
  k8s?: K8sResolver;
  /** Default: as `tcpx analyze` (no idle timeout, 60 s linger after close). */
  analyzer?: AnalyzerOptions;
}

export interface IngestResult {
  /** Every emitted record in emission order, interim and final, with its version. */
  emitted: EmittedFlow[];
  /** The rows stored (same order as `emitted`). */
  rows: FlowRow[];
  /** The rows per emission round (one INSERT each, as a flow processor stores them). */
  batches: FlowRow[][];
  /** Number of packets read. */
  packets: number;
  /** Capture time of the first and last packet, epoch µs. */
  firstPacketUs: number;
  lastPacketUs: number;
}

/** The k8s part of a row's meta for one record, through the resolver. */
function k8sMeta(k8s: K8sResolver | undefined, e: EmittedFlow): FlowRowMeta['k8s'] {
  if (!k8s) return undefined;
  const src = k8s(e.record.src.ip, e.record.src.port);
  const dst = k8s(e.record.dst.ip, e.record.dst.port);
  return {
    src_namespace: src?.namespace ?? '',
    src_service: src?.service ?? '',
    dst_namespace: dst?.namespace ?? '',
    dst_service: dst?.service ?? '',
  };
}

/** Analyses a capture file into records and rows without storing them. */
export async function analyzeCapture(file: string, options: IngestOptions): Promise<IngestResult> {
  const flows = new PartitionFlows(options.analyzer ?? { idleTimeoutNs: 0 });
  const rounds: EmittedFlow[][] = [];
  let packets = 0;
  let firstPacketUs = Number.NaN;
  let lastPacketUs = Number.NaN;
  let lastInterimUs = Number.NaN;
  await readCaptureFile(file, (p) => {
    const us = p.tsSec * 1e6 + Math.floor(p.tsNsec / 1000);
    if (packets === 0) {
      firstPacketUs = us;
      lastInterimUs = us;
    }
    packets++;
    // Emit before ingesting: an interim record reflects the packets up to the previous one, as a
    // processor's timer firing between two packets would.
    if (options.interimEveryUs !== undefined && us - lastInterimUs >= options.interimEveryUs) {
      flows.emitInterim();
      rounds.push(flows.take());
      lastInterimUs = us;
    }
    flows.ingest(options.node, p);
    lastPacketUs = Math.max(Number.isNaN(lastPacketUs) ? us : lastPacketUs, us);
  });
  flows.flush();
  rounds.push(flows.take());
  const toRow = (e: EmittedFlow) =>
    toFlowRow(e.record, { node: e.node, version: e.version, final: e.final, k8s: k8sMeta(options.k8s, e) });
  const batches = rounds.filter((r) => r.length > 0).map((r) => r.map(toRow));
  return { emitted: rounds.flat(), rows: batches.flat(), batches, packets, firstPacketUs, lastPacketUs };
}

/**
 * Analyses a capture file (see IngestOptions) and stores every emitted version in `store`, one
 * INSERT per emission round. Note that ReplacingMergeTree collapses a flow's versions when it merges
 * parts (and, with optimize_on_insert, within one INSERT): a test that needs every version kept
 * stops merges first (see dataset.ts).
 */
export async function ingestCapture(
  store: FlowStore,
  file: string,
  options: IngestOptions,
): Promise<IngestResult> {
  const result = await analyzeCapture(file, options);
  for (const batch of result.batches) await store.insertFlows(batch);
  return result;
}
