// Health colours: the same thresholds everywhere (table cells, metric cards, summaries).
import type { Diagnosis, FlowView, Severity } from './types.js';

export type Band = 'ok' | 'degraded' | 'severe';

/** retransmission_rate: below 1 % healthy, 1–5 % degraded, above 5 % severe. */
export function retransmissionBand(rate: number | null | undefined): Band | undefined {
  if (rate === null || rate === undefined) return undefined;
  if (rate > 0.05) return 'severe';
  return rate >= 0.01 ? 'degraded' : 'ok';
}

/** initial_rtt_us (the path's baseline): above 10 ms degraded, above 100 ms severe. */
export function rttBand(us: number | null | undefined): Band | undefined {
  if (us === null || us === undefined) return undefined;
  if (us > 100_000) return 'severe';
  return us > 10_000 ? 'degraded' : 'ok';
}

/** A receiver that advertised a zero window stalled its sender at least once. */
export function zeroWindowBand(events: number | null | undefined): Band | undefined {
  if (events === null || events === undefined) return undefined;
  return events > 0 ? 'degraded' : 'ok';
}

/** The band a metric's value falls in, for the metrics that have one. */
export function metricBand(name: string, value: number | null | undefined): Band | undefined {
  switch (name) {
    case 'retransmission_rate':
      return retransmissionBand(value);
    case 'initial_rtt_us':
      return rttBand(value);
    case 'zero_window_events':
      return zeroWindowBand(value);
    default:
      return undefined;
  }
}

const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, critical: 3 };
const BAND_RANK: Record<Band, number> = { ok: 0, degraded: 2, severe: 3 };

export const severityRank = (s: Severity): number => SEVERITY_RANK[s] ?? 0;

/** Most severe first. */
export function bySeverity<T extends { severity: Severity }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

/** The connection's overall health: its worst band or diagnosis. */
export function flowHealth(flow: FlowView): Band {
  const m = flow.tcp_metrics;
  let rank = Math.max(
    ...[
      retransmissionBand(m.retransmission_rate),
      rttBand(m.initial_rtt_us),
      zeroWindowBand(m.zero_window_events),
    ]
      .filter((b): b is Band => b !== undefined)
      .map((b) => BAND_RANK[b]),
    0,
  );
  for (const d of flow.diagnosis as Diagnosis[]) rank = Math.max(rank, SEVERITY_RANK[d.severity]);
  if (rank >= 3) return 'severe';
  return rank >= 2 ? 'degraded' : 'ok';
}

/** Human label of a diagnosis code: `high_retransmission` → `high retransmission`. */
export const codeLabel = (code: string): string => code.replace(/_/g, ' ');
