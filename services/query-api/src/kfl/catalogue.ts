import { ENDPOINT_FIELDS } from './catalogue-endpoints.js';
import { ENTRY_FIELDS } from './catalogue-entry.js';

export { CONNECTION_ERROR_STATES, TCP_ERROR_STATES, TIMEOUT_STATES } from './catalogue-entry.js';

import { METRIC_FIELDS } from './catalogue-metrics.js';
import type { FieldDef } from './field-def.js';

/**
 * The KFL field catalogue for tcp_flow entries (kfl.md §6) mapped onto tcp_flows columns
 * (schemas/clickhouse/0001_tcp_flows.sql). Mapping decisions:
 *
 * - `src` is the client (sent the SYN), `dst` the server. In the flow counters `local` is the client
 *   and `remote` the server (flow_local_pkts = client_packets …).
 * - `src.ip`/`dst.ip` are text with IPv4 as a dotted quad (the column holds ::ffff:a.b.c.d).
 * - Pods are not enriched: as in Kubeshark, pod fields fall back to service data
 *   (`src.pod.name` = `src.service.name`, `pods` = `services`, `src.pod.namespace` = `src.namespace`).
 * - `src.name` is the best name available: the service when known, else the IP text.
 * - `namespaces` / `services` hold the non-empty values of both sides, without duplicates.
 * - `error` is an object when the state is a failure: type "connection" for refused, reset and the
 *   half-closed close_wait/last_ack (kfl.md binding decision 2), "timeout" for unanswered and
 *   syn_received; `error.msg` is the state; null (no error) otherwise.
 * - `flow_state` is "closed" on the connection's final record, else "open".
 * - `timestamp` is the connection start; `elapsed_time` (v1 `elapsedTime`) its duration in µs.
 * - `node.name` (node_name, node_id, worker, local_node_name) is the capturing node.
 * - Every metric column is `tcp_metrics.<name>`; a NULL (not measurable) reads as 0 (kfl.md §6.6).
 * - Fields the table has no data for hold KFL2's defaults: "" (DNS names, process names, node IP,
 *   resolution status), 0 (index, flow_group_id), false (has_pcap), [] (dns_resolutions,
 *   flow_l7_detected), {} (labels, annotations). capture_source is "af_packet" (libpcap edges).
 */
export const CATALOGUE: readonly FieldDef[] = [...ENTRY_FIELDS, ...ENDPOINT_FIELDS, ...METRIC_FIELDS];

/** Every accepted dotted name (canonical, alias, hidden alias) → its field. */
export const FIELD_BY_NAME: ReadonlyMap<string, FieldDef> = new Map(
  CATALOGUE.flatMap((f) => [f.name, ...f.aliases, ...f.hiddenAliases].map((n) => [n, f] as const)),
);

/** Dotted prefixes that name objects (src, src.service, tcp_metrics, node, error, protocol …). */
export const OBJECT_PATHS: ReadonlySet<string> = new Set(
  [...FIELD_BY_NAME.keys()].flatMap((n) => {
    const parts = n.split('.');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);
