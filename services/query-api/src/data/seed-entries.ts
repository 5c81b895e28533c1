import { SEED_METRIC_NAMES } from '@tcpx/schemas';
import { type FlowRow, type FlowStore, recordFromRow } from '@tcpx/store';
import { FIELD_BY_NAME } from '../kfl/catalogue.js';
import type { Value } from '../kfl/values.js';
import { compileFilter } from './filter.js';
import { versionsOf } from './flow-versions.js';
import { flowViewFromStored, insertRowFromStored } from './flow-view.js';
import { countFlows, selectRows } from './list-flows.js';
import { redactCompactEntries, redactSeedEntries } from './redact-views.js';
import type { FlowView } from './types.js';

/**
 * The seed-compatible `/mcp/calls` entries: one per connection (its latest version), newest first.
 * Entry fields are the KFL catalogue's values of the same names (src/kfl/catalogue.ts), so what a
 * filter tests is what the entry shows (`error`, `src.name`, `flow_state`, metrics null as 0 …).
 *
 * Formats:
 * - `raw`: the seed's full entry. `{ id, timestamp (connection start, epoch ms), protocol: {name:
 *   'tcp', abbr: 'TCP'}, src: {ip, port, name, namespace}, dst: {…}, node: {name}, error: {type,
 *   msg} | null, tcp_metrics: {the 24 fields; null as 0, as the seed sent them}, flow_state ('open'
 *   | 'closed'), state, diagnosis: [{code, tree, severity, message}] }`. error.type is "connection"
 *   for refused/reset/half-closed and "timeout" for unanswered/syn_received, msg the state; `name`
 *   is the service, else the IP.
 * - `compact`: a flat, short object for listing many: `{ id, ts, proto, src: 'ip:port', 'src.ns',
 *   dst: 'ip:port', 'dst.svc', 'dst.ns', state, retransmission_rate, rtt_avg_us, initial_rtt_us,
 *   zero_window_events, rst_count, diagnosis: [codes] }` (metrics keep null where not measurable).
 *   The seed's `dst.pod` is left out: tcpx does not know pods.
 * - `full`: `raw` plus `end_timestamp`, `extra_metrics` and `versions`: a summary of every stored
 *   version (interim and final) `{version, final, timestamp (its last packet, epoch ms), state,
 *   packets, retransmissions, retransmission_rate, rtt_avg_us, zero_window_events, diagnosis}`.
 *
 * KFL redact(...) paths apply to the entry as the format shapes it (`src.ip`, `tcp_metrics.x`, …).
 */
export type SeedFormat = 'raw' | 'compact' | 'full';

export const SEED_FORMATS: readonly SeedFormat[] = ['raw', 'compact', 'full'];
export const DEFAULT_CALLS_LIMIT = 100;
export const MAX_CALLS_LIMIT = 10_000;

export interface SeedCallsQuery {
  kfl?: string;
  format?: SeedFormat;
  limit?: number;
}

export interface SeedCalls {
  /** Entries in the asked format, newest connection first. */
  calls: Record<string, unknown>[];
  /** Matching connections in all (before `limit`; after KFL limit()/rlimit()). */
  total: number;
}

/** A KFL catalogue field's value on a row, as the in-process filter sees it. */
function kfl(name: string, row: FlowRow): Value {
  const ir = FIELD_BY_NAME.get(name)?.ir;
  if (ir?.k === 'col') return ir.get(row);
  if (ir?.k === 'const') return ir.value;
  throw new Error(`the KFL catalogue has no field ${name}`);
}

const epochMs = (iso: string) => Date.parse(iso);
const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

function rawEntry(v: FlowView, row: FlowRow): Record<string, unknown> {
  const tcp_metrics: Record<string, Value> = {};
  for (const name of SEED_METRIC_NAMES) tcp_metrics[name] = kfl(`tcp_metrics.${name}`, row);
  const endpoint = (side: 'src' | 'dst') => ({
    ip: kfl(`${side}.ip`, row),
    port: kfl(`${side}.port`, row),
    name: kfl(`${side}.name`, row),
    namespace: kfl(`${side}.namespace`, row),
  });
  const errorType = kfl('error.type', row);
  return {
    id: kfl('id', row),
    timestamp: epochMs(v.start_time),
    protocol: { name: kfl('protocol.name', row), abbr: kfl('protocol.abbr', row) },
    src: endpoint('src'),
    dst: endpoint('dst'),
    node: { name: kfl('node.name', row) },
    error: errorType === null ? null : { type: errorType, msg: kfl('error.msg', row) },
    tcp_metrics,
    flow_state: kfl('flow_state', row),
    state: v.state,
    diagnosis: v.diagnosis,
  };
}

function compactEntry(v: FlowView): Record<string, unknown> {
  const m = v.tcp_metrics;
  return {
    id: v.id,
    ts: epochMs(v.start_time),
    proto: 'TCP',
    src: hostPort(v.src.ip, v.src.port),
    'src.ns': v.src.namespace,
    dst: hostPort(v.dst.ip, v.dst.port),
    'dst.svc': v.dst.service,
    'dst.ns': v.dst.namespace,
    state: v.state,
    retransmission_rate: m.retransmission_rate,
    rtt_avg_us: m.rtt_avg_us,
    initial_rtt_us: m.initial_rtt_us,
    zero_window_events: m.zero_window_events,
    rst_count: m.rst_count,
    diagnosis: v.diagnosis.map((d) => d.code),
  };
}

function versionSummary(v: FlowView): Record<string, unknown> {
  const m = v.tcp_metrics;
  return {
    version: v.version,
    final: v.final,
    timestamp: epochMs(v.end_time),
    state: v.state,
    packets: (v.extra_metrics.client_packets ?? 0) + (v.extra_metrics.server_packets ?? 0),
    retransmissions: m.retransmissions,
    retransmission_rate: m.retransmission_rate,
    rtt_avg_us: m.rtt_avg_us,
    zero_window_events: m.zero_window_events,
    diagnosis: v.diagnosis.map((d) => d.code),
  };
}

/** The entries of GET /mcp/calls (and the MCP tool of the same name). */
export async function seedEntries(store: FlowStore, q: SeedCallsQuery, now: number): Promise<SeedCalls> {
  const compiled = compileFilter(q.kfl, now);
  const format = q.format ?? 'raw';
  const query = {
    kfl: q.kfl,
    sort: 'start_time',
    order: 'desc' as const,
    limit: q.limit ?? DEFAULT_CALLS_LIMIT,
  };
  const { rows } = await selectRows(store, compiled, query, MAX_CALLS_LIMIT);
  const total = await countFlows(store, compiled, query);
  const stored = rows.map(recordFromRow);
  const views = stored.map(flowViewFromStored);
  if (format === 'compact')
    return { calls: redactCompactEntries(views.map(compactEntry), compiled.redact), total };
  const calls = views.map((v, i) => rawEntry(v, insertRowFromStored(stored[i])));
  if (format === 'full') {
    const versions = await versionsByFlow(store, views);
    calls.forEach((entry, i) => {
      const v = views[i];
      entry.end_timestamp = epochMs(v.end_time);
      entry.extra_metrics = v.extra_metrics;
      entry.versions = (versions.get(`${v.id}/${v.node}`) ?? []).map(versionSummary);
    });
  }
  return { calls: redactSeedEntries(calls, compiled.redact), total };
}

/** Every stored version of the listed connections, by `id/node`. */
async function versionsByFlow(
  store: FlowStore,
  views: readonly FlowView[],
): Promise<Map<string, FlowView[]>> {
  const out = new Map<string, FlowView[]>();
  for (const v of await versionsOf(
    store,
    views.map((f) => f.id),
  )) {
    const key = `${v.id}/${v.node}`;
    out.set(key, [...(out.get(key) ?? []), v]);
  }
  return out;
}
