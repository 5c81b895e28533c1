import { METRIC_NAMES, type TcpFlowRecord, type TcpMetrics } from '@tcpx/schemas';

/** The part of a record tshark can vouch for. */
export interface ComparableFlow {
  stream: number;
  src: { ip: string; port: number };
  dst: { ip: string; port: number };
  tcp_metrics: TcpMetrics;
}

export interface FlowDifference {
  stream: number;
  field: string;
  ours: unknown;
  tshark: unknown;
}

/** Ratios and averages are floats computed in a different order; everything else is exact. */
const FLOAT_FIELDS = new Set<string>([
  'retransmission_rate',
  'data_retransmission_rate',
  'avg_receive_window',
  'client_avg_receive_window',
  'server_avg_receive_window',
]);

function sameValue(field: string, ours: unknown, theirs: unknown): boolean {
  if (typeof ours === 'number' && typeof theirs === 'number' && FLOAT_FIELDS.has(field)) {
    return Math.abs(ours - theirs) <= 1e-9 * Math.max(1, Math.abs(theirs));
  }
  return ours === theirs;
}

/**
 * Every connection, field by field: streams present on one side only, endpoints (client/server
 * orientation included) and every tcp_metrics field.
 */
export function compareFlows(
  ours: Iterable<TcpFlowRecord>,
  tshark: Map<number, ComparableFlow>,
  fields: readonly (keyof TcpMetrics)[] = METRIC_NAMES,
): FlowDifference[] {
  const differences: FlowDifference[] = [];
  const seen = new Set<number>();
  for (const record of ours) {
    seen.add(record.stream);
    const expected = tshark.get(record.stream);
    if (!expected) {
      differences.push({ stream: record.stream, field: '(stream)', ours: 'present', tshark: 'absent' });
      continue;
    }
    for (const side of ['src', 'dst'] as const) {
      const a = `${record[side].ip}:${record[side].port}`;
      const b = `${expected[side].ip}:${expected[side].port}`;
      if (a !== b) differences.push({ stream: record.stream, field: side, ours: a, tshark: b });
    }
    for (const field of fields) {
      const mine = record.tcp_metrics[field];
      const theirs = expected.tcp_metrics[field];
      if (!sameValue(field, mine, theirs))
        differences.push({ stream: record.stream, field, ours: mine, tshark: theirs });
    }
  }
  for (const stream of tshark.keys()) {
    if (!seen.has(stream)) differences.push({ stream, field: '(stream)', ours: 'absent', tshark: 'present' });
  }
  return differences;
}

export function describeDifferences(file: string, differences: FlowDifference[], max = 20): string {
  const lines = differences
    .slice(0, max)
    .map(
      (d) =>
        `  stream ${d.stream} ${d.field}: tcpx=${JSON.stringify(d.ours)} tshark=${JSON.stringify(d.tshark)}`,
    );
  const more = differences.length > max ? `\n  … ${differences.length - max} more` : '';
  return `${file}: ${differences.length} difference(s)\n${lines.join('\n')}${more}`;
}
