import { EXTRA_METRIC_NAMES, SEED_METRIC_NAMES } from '@tcpx/schemas';
import { type FlowRow, RECORD_COLUMNS, recordFromRow, type StoredFlow, toFlowRow } from '@tcpx/store';
import { isoMicros, rowTimeMicros } from './time.js';
import type { FlowView } from './types.js';

/** What a RECORD_COLUMNS query returns per row (64-bit integers arrive as strings). */
export type StoredRow = Record<string, string | number | null>;

/** `SELECT` list of every query that returns FlowViews: the store's own column list. */
export const FLOW_VIEW_COLUMNS = RECORD_COLUMNS;

const pick = (from: Record<string, number | null>, names: readonly string[]) => {
  const out: Record<string, number | null> = {};
  for (const name of names) out[name] = from[name] ?? null;
  return out;
};

/** A stored flow (recordFromRow's shape) as the API shows it. */
export function flowViewFromStored(s: StoredFlow): FlowView {
  const r = s.record;
  const metrics = r.tcp_metrics as unknown as Record<string, number | null>;
  return {
    id: s.flowId,
    node: s.node,
    stream: r.stream,
    version: s.version,
    final: s.final,
    evicted: r.evicted === true,
    state: r.state,
    start_time: isoMicros(r.start_us),
    end_time: isoMicros(r.end_us),
    src: { ip: r.src.ip, port: r.src.port, namespace: s.k8s.src_namespace, service: s.k8s.src_service },
    dst: { ip: r.dst.ip, port: r.dst.port, namespace: s.k8s.dst_namespace, service: s.k8s.dst_service },
    diagnosis: r.diagnosis,
    tcp_metrics: pick(metrics, SEED_METRIC_NAMES),
    extra_metrics: pick(metrics, EXTRA_METRIC_NAMES),
  };
}

/** Rows of a `SELECT ${FLOW_VIEW_COLUMNS}` query → FlowViews, in row order. */
export function rowsToFlowViews(rows: readonly StoredRow[]): FlowView[] {
  return rows.map((row) => flowViewFromStored(recordFromRow(row)));
}

/**
 * An INSERT-shape FlowRow (the live feed's) read as if it came back from the store, so both paths
 * go through recordFromRow: only the time columns differ in form.
 */
export function storedFromFlowRow(row: FlowRow): StoredFlow {
  const { diagnosis: _codes, ...columns } = row;
  return recordFromRow({
    ...(columns as StoredRow),
    start_us: rowTimeMicros(row.start_time),
    end_us: rowTimeMicros(row.end_time),
  });
}

export function flowViewFromRow(row: FlowRow): FlowView {
  return flowViewFromStored(storedFromFlowRow(row));
}

/** A stored flow back in the INSERT shape (what feeds deliver and KFL's in-process filter reads). */
export function insertRowFromStored(s: StoredFlow): FlowRow {
  const hex = BigInt(s.flowId).toString(16).padStart(16, '0');
  return toFlowRow(s.record, { node: s.node, version: s.version, final: s.final, flowId: hex, k8s: s.k8s });
}

/** A RECORD_COLUMNS row → the FlowRow that was inserted. */
export function flowRowFromStored(row: StoredRow): FlowRow {
  return insertRowFromStored(recordFromRow(row));
}
