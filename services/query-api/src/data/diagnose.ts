import type { Diagnosis } from '@tcpx/schemas';
import { canonicalIp, type FlowStore } from '@tcpx/store';
import { compileFilter, whereSql } from './filter.js';
import { CURRENT_FLOWS } from './sources.js';
import type { DiagnoseGroup, DiagnoseResult, FlowFilter } from './types.js';

/** Evidence aggregates, computed for every group; each code shows the ones behind its rule. */
const EVIDENCE_SQL: Record<string, string> = {
  retransmission_rate_max: 'max(retransmission_rate)',
  retransmission_rate_avg: 'avg(retransmission_rate)',
  retransmissions_sum: 'sum(retransmissions)',
  rtt_min_us_min: 'min(rtt_min_us)',
  rtt_max_us_max: 'max(rtt_max_us)',
  initial_rtt_us_avg: 'avg(initial_rtt_us)',
  initial_rtt_us_max: 'max(initial_rtt_us)',
  zero_window_events_sum: 'sum(zero_window_events)',
  window_full_events_sum: 'sum(window_full_events)',
  server_think_time_us_max: 'max(toInt64(time_to_first_byte_us) - toInt64(connection_time_us))',
  rst_count_sum: 'sum(rst_count)',
  client_packets_sum: 'sum(client_packets)',
};

/** Which evidence goes with which code (services/flow-processor/src/engine/diagnosis.ts rules). */
const EVIDENCE_OF: Record<string, readonly string[]> = {
  high_retransmission: ['retransmission_rate_max', 'retransmission_rate_avg', 'retransmissions_sum'],
  elevated_retransmission: ['retransmission_rate_max', 'retransmission_rate_avg', 'retransmissions_sum'],
  bufferbloat: ['rtt_min_us_min', 'rtt_max_us_max'],
  high_initial_rtt: ['initial_rtt_us_avg', 'initial_rtt_us_max'],
  zero_window: ['zero_window_events_sum'],
  window_full: ['window_full_events_sum'],
  slow_response: ['server_think_time_us_max'],
  reset: ['rst_count_sum'],
  unreachable: ['client_packets_sum'],
};

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

type Numeric = number | string | null;

interface GroupRow {
  code: string;
  dst_service: string;
  server_ip: string;
  server_port: Numeric;
  namespace: string;
  flows: Numeric;
  sample_json: string;
  examples: string[];
  [evidence: string]: unknown;
}

/** A server without a service name is its address: `10.0.0.9:443`, `[2001:db8::1]:443`. */
function serviceName(r: GroupRow): string {
  if (r.dst_service !== '') return r.dst_service;
  const ip = canonicalIp(r.server_ip);
  return `${ip.includes(':') ? `[${ip}]` : ip}:${Number(r.server_port)}`;
}

const bySeverityThenSize = <T extends { severity: Diagnosis['severity']; flows: number; code: string }>(
  a: T,
  b: T,
) =>
  SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.flows - a.flows || a.code.localeCompare(b.code);

/**
 * The seed's decision trees over the connections matching `filter` (latest versions): per
 * diagnosis code and server, how many connections, the verdict's tree and severity as the flow
 * processor recorded them, evidence numbers and example ids.
 */
export async function diagnose(store: FlowStore, filter: FlowFilter, now: number): Promise<DiagnoseResult> {
  const compiled = compileFilter(filter.kfl, now);
  const where = whereSql(compiled, filter);
  const from = `(SELECT * FROM ${CURRENT_FLOWS.sql} WHERE ${where.sql})`;
  const evidence = Object.entries(EVIDENCE_SQL)
    .map(([name, sql]) => `${sql} AS ${name}`)
    .join(', ');
  // Servers with a service name are one group whatever their addresses; the others group by address.
  const groups = await store.query<GroupRow>(
    `SELECT code, dst_service,
            toString(if(dst_service = '', dst_ip, toIPv6('::'))) AS server_ip,
            if(dst_service = '', dst_port, 0) AS server_port,
            any(dst_namespace) AS namespace, count() AS flows,
            any(diagnosis_json) AS sample_json, groupArray(5)(toString(flow_id)) AS examples,
            ${evidence}
     FROM ${from} ARRAY JOIN diagnosis AS code
     GROUP BY code, dst_service, server_ip, server_port`,
    where.params,
  );
  const [totals] = await store.query<{ flows: Numeric; healthy: Numeric }>(
    `SELECT count() AS flows, countIf(empty(diagnosis)) AS healthy FROM ${from}`,
    where.params,
  );
  const result: DiagnoseGroup[] = groups.map((r) => {
    const sample = (JSON.parse(r.sample_json) as Diagnosis[]).find((d) => d.code === r.code);
    const numbers: Record<string, number | null> = {};
    for (const name of EVIDENCE_OF[r.code] ?? []) numbers[name] = r[name] === null ? null : Number(r[name]);
    return {
      code: r.code,
      tree: sample?.tree ?? 'slow',
      severity: sample?.severity ?? 'info',
      service: serviceName(r),
      namespace: r.namespace,
      flows: Number(r.flows),
      evidence: numbers,
      message: sample?.message ?? '',
      examples: r.examples,
    };
  });
  result.sort(bySeverityThenSize);
  const codes = new Map<string, DiagnoseResult['codes'][number]>();
  for (const g of result) {
    const c = codes.get(g.code) ?? { code: g.code, tree: g.tree, severity: g.severity, flows: 0 };
    c.flows += g.flows;
    codes.set(g.code, c);
  }
  return {
    flows: Number(totals.flows),
    healthy: Number(totals.healthy),
    codes: [...codes.values()].sort(bySeverityThenSize),
    groups: result,
  };
}
