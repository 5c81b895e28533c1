import type { DiagnoseResult, FlowPage, FlowView, PercentileResult, SnapshotResult } from '../data/types.js';

// The short text half of each tool result: what a model reads when its client shows only text.
// The full data is the structured half. Values may be "[REDACTED]" (KFL redact), so nothing here
// assumes a field's type beyond what interpolation needs.

/** At most this many flows are listed in text; the structured result has all of them. */
const TEXT_FLOWS = 20;

const hostPort = (e: FlowView['src']) => {
  const ip = String(e?.ip);
  const address = `${ip.includes(':') ? `[${ip}]` : ip}:${e?.port}`;
  return e?.service ? `${e.service} (${address})` : address;
};

const verdicts = (f: FlowView) =>
  Array.isArray(f.diagnosis) && f.diagnosis.length > 0 ? f.diagnosis.map((d) => d.code).join(',') : 'healthy';

/** One line per connection: id, who talks to whom, state, start, verdicts. */
export function flowLine(f: FlowView): string {
  return `${f.id}  ${hostPort(f.src)} → ${hostPort(f.dst)}  ${f.state}  ${f.start_time}  ${verdicts(f)}`;
}

function flowLines(flows: readonly FlowView[]): string[] {
  const lines = flows.slice(0, TEXT_FLOWS).map(flowLine);
  if (flows.length > TEXT_FLOWS) lines.push(`… ${flows.length - TEXT_FLOWS} more in the structured result`);
  return lines;
}

export function flowPageText(page: FlowPage): string {
  const head =
    page.flows.length === 0
      ? 'No connections match.'
      : `${page.flows.length} connection(s)${page.next_cursor ? ' (more: call again with the given cursor)' : ''}:`;
  return [head, ...flowLines(page.flows), ...(page.next_cursor ? [`cursor: ${page.next_cursor}`] : [])].join(
    '\n',
  );
}

export function flowVersionsText(id: string, versions: readonly FlowView[]): string {
  const last = versions[versions.length - 1];
  const head = `Connection ${id}: ${versions.length} version(s); latest is ${last.final ? 'final' : 'interim (still open)'}.`;
  const lines = versions.map(
    (v) =>
      `v${v.version}  until ${v.end_time}  ${v.state}  retransmissions=${v.tcp_metrics.retransmissions} ` +
      `rtt_avg_us=${v.tcp_metrics.rtt_avg_us}  ${verdicts(v)}`,
  );
  return [head, flowLine(last), ...lines].join('\n');
}

const µs = (v: number | null) => (v === null ? '–' : `${Math.round(v)}`);

export function percentilesText(r: PercentileResult): string {
  if (r.rows.length === 0) return `No ${r.metric} samples in the range.`;
  const lines = r.rows.map(
    (row) =>
      `${row.group || '(none)'}  ${row.time}  flows=${row.flows} samples=${row.samples}  ` +
      `p50=${µs(row.p50)} p90=${µs(row.p90)} p99=${µs(row.p99)}`,
  );
  return [`${r.metric} percentiles (µs) by ${r.group_by}, from ${r.source}:`, ...lines].join('\n');
}

export function diagnoseText(r: DiagnoseResult): string {
  const head = `${r.flows} connection(s), ${r.healthy} healthy.`;
  const lines = r.groups.map(
    (g) => `${g.severity} ${g.code} at ${g.service}: ${g.flows} connection(s), e.g. ${g.message}`,
  );
  return [head, ...lines].join('\n');
}

const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ') || 'none';

export function timeTravelText(s: SnapshotResult, page: FlowPage): string {
  return [
    `At ${s.at}: ${s.open} open, ${s.closed_in_window} closed in the ${s.window_seconds} s before.`,
    `States: ${counts(s.by_state)}. Verdicts: ${counts(s.by_diagnosis)}.`,
    `RTT of open connections (µs): initial p50=${µs(s.rtt.initial_rtt_us.p50)} p99=${µs(s.rtt.initial_rtt_us.p99)}, ` +
      `avg p50=${µs(s.rtt.rtt_avg_us.p50)} p99=${µs(s.rtt.rtt_avg_us.p99)}.`,
    flowPageText(page),
  ].join('\n');
}
