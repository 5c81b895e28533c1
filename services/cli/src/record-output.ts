import type { TcpFlowRecord } from '@tcpx/schemas';

export type OutputFormat = 'ndjson' | 'json' | 'table';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['ndjson', 'json', 'table'];

/** Sort key: a tcp_metrics field, or one of the record's own fields. */
export function sortValue(record: TcpFlowRecord, metric: string): number {
  const value =
    metric in record.tcp_metrics
      ? record.tcp_metrics[metric as keyof TcpFlowRecord['tcp_metrics']]
      : (record as unknown as Record<string, unknown>)[metric];
  return typeof value === 'number' ? value : Number.NEGATIVE_INFINITY;
}

/** Largest first (the worst connections on top); ties keep stream order. */
export function sortRecords(records: TcpFlowRecord[], metric: string | undefined): TcpFlowRecord[] {
  if (!metric) return records.sort((a, b) => a.stream - b.stream);
  return records.sort((a, b) => sortValue(b, metric) - sortValue(a, metric) || a.stream - b.stream);
}

const endpointText = (e: { ip: string; port: number }) =>
  e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
const msText = (us: number | null) => (us === null ? '-' : (us / 1000).toFixed(2));

const TABLE_COLUMNS: { title: string; right: boolean; cell: (r: TcpFlowRecord) => string }[] = [
  { title: 'STREAM', right: true, cell: (r) => String(r.stream) },
  { title: 'CLIENT', right: false, cell: (r) => endpointText(r.src) },
  { title: 'SERVER', right: false, cell: (r) => endpointText(r.dst) },
  { title: 'STATE', right: false, cell: (r) => r.state },
  {
    title: 'PKTS',
    right: true,
    cell: (r) => String(r.tcp_metrics.client_packets + r.tcp_metrics.server_packets),
  },
  {
    title: 'BYTES',
    right: true,
    cell: (r) => String(r.tcp_metrics.client_payload_bytes + r.tcp_metrics.server_payload_bytes),
  },
  { title: 'RETX', right: true, cell: (r) => String(r.tcp_metrics.retransmissions) },
  { title: 'RETX%', right: true, cell: (r) => (r.tcp_metrics.retransmission_rate * 100).toFixed(1) },
  { title: 'DUPACK', right: true, cell: (r) => String(r.tcp_metrics.dup_acks) },
  { title: 'ZWIN', right: true, cell: (r) => String(r.tcp_metrics.zero_window_events) },
  { title: 'iRTT ms', right: true, cell: (r) => msText(r.tcp_metrics.initial_rtt_us) },
  { title: 'RTT avg ms', right: true, cell: (r) => msText(r.tcp_metrics.rtt_avg_us) },
  { title: 'RTT max ms', right: true, cell: (r) => msText(r.tcp_metrics.rtt_max_us) },
  { title: 'DIAGNOSIS', right: false, cell: (r) => r.diagnosis.map((d) => d.code).join(',') || '-' },
];

/** A readable, aligned table for people. */
export function formatTable(records: TcpFlowRecord[]): string {
  const rows = [
    TABLE_COLUMNS.map((c) => c.title),
    ...records.map((r) => TABLE_COLUMNS.map((c) => c.cell(r))),
  ];
  const widths = TABLE_COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    row
      .map((text, i) => (TABLE_COLUMNS[i].right ? text.padStart(widths[i]) : text.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}
