import { type FlowStore, flowIdToUInt64 } from '@tcpx/store';
import { FLOW_VIEW_COLUMNS, rowsToFlowViews, type StoredRow } from './flow-view.js';
import type { FlowView } from './types.js';

/**
 * The tcp_flows ids (decimal UInt64 text) a flow id given by a client may mean: decimal UInt64
 * text, or the 16 hex digits of the Kafka record. Sixteen decimal digits read both ways, so both
 * are tried; the ids are 64-bit hashes, so at most one exists. Malformed: empty.
 */
export function flowIdCandidates(id: string): string[] {
  const out: string[] = [];
  if (/^\d{1,20}$/.test(id) && BigInt(id) < 2n ** 64n) out.push(BigInt(id).toString());
  if (/^[0-9a-f]{16}$/i.test(id)) out.push(flowIdToUInt64(id));
  return out;
}

/**
 * Every stored version of one connection (interim ones, then the final one), oldest first; one row
 * per version even when a re-delivered row is stored twice. Unknown or malformed id: empty list.
 * From tcp_flow_versions, which keeps every version (tcp_flows keeps only the newest once merged).
 */
export function flowVersions(store: FlowStore, id: string): Promise<FlowView[]> {
  return versionsOf(store, flowIdCandidates(id));
}

/** Every stored version of the given flows (decimal UInt64 ids), by version then node. */
export async function versionsOf(store: FlowStore, ids: readonly string[]): Promise<FlowView[]> {
  if (ids.length === 0) return [];
  // The bloom filter index on flow_id makes this a lookup without node and start_time.
  const rows = await store.query<StoredRow>(
    `SELECT ${FLOW_VIEW_COLUMNS} FROM (
       SELECT * FROM tcp_flow_versions WHERE flow_id IN {q_ids:Array(UInt64)}
       ORDER BY node, flow_id, version LIMIT 1 BY node, flow_id, version
     ) ORDER BY version, node`,
    { q_ids: ids.map((i) => BigInt(i)) },
  );
  return rowsToFlowViews(rows);
}
