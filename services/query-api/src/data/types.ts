import type { Diagnosis } from '@tcpx/schemas';

// The query layer's contract: plain functions over a FlowStore (src/data/*.ts) shared by the HTTP
// routes (src/http/routes/*.ts) and the MCP tools (src/mcp/*.ts), so both answer identically.

/** One TCP connection as the API shows it (the latest version at or before the asked time). */
export interface FlowView {
  /** flow_id as decimal UInt64 text (the tcp_flows column); stable across versions. */
  id: string;
  node: string;
  stream: number;
  version: number;
  /** true when this is the connection's final record (it closed, was evicted or the capture ended). */
  final: boolean;
  evicted: boolean;
  state: string;
  /** ISO 8601 with microseconds, UTC. */
  start_time: string;
  end_time: string;
  src: { ip: string; port: number; namespace: string; service: string };
  dst: { ip: string; port: number; namespace: string; service: string };
  diagnosis: Diagnosis[];
  /** The 24 seed fields, names and units as docs/metrics.md; null where not measurable. */
  tcp_metrics: Record<string, number | null>;
  /** tcpx's extra metrics (data_retransmission_rate, spurious_retransmissions, …). */
  extra_metrics: Record<string, number | null>;
}

/** Common filter of the list endpoints. Times are epoch milliseconds. */
export interface FlowFilter {
  kfl?: string;
  /** Connections overlapping [from, to): start_time < to and end_time >= from. */
  from?: number;
  to?: number;
}

export interface FlowListQuery extends FlowFilter {
  /** Any seed metric name, an extra metric, start_time, end_time (default start_time). */
  sort?: string;
  order?: 'asc' | 'desc';
  /** 1..1000, default 100; a KFL limit()/rlimit() directive wins when smaller. */
  limit?: number;
  /** Opaque cursor from a previous page (keyset pagination on sort value + id). */
  cursor?: string;
  /** Time travel: the connections open at this instant, as of their last version at or before it. */
  at?: number;
  /** With `at`: also the connections that closed in the `window` seconds before it (default 300). */
  window?: number;
}

export interface FlowPage {
  flows: FlowView[];
  /** null on the last page. */
  next_cursor: string | null;
}

export type RttMetric = 'initial_rtt_us' | 'rtt_avg_us' | 'rtt_max_us';
export type RttGroupBy = 'dst.service' | 'dst.namespace' | 'src.namespace' | 'node';

/**
 * Percentiles cover closed connections (final records) whose start minute lies in [from, to):
 * minute resolution, the rollup's, so both sources select the same connections.
 */
export interface PercentileQuery extends FlowFilter {
  metric: RttMetric;
  group_by: RttGroupBy;
  /**
   * Bucket width in seconds (multiple of 60 for the rollup, of 3600 over an hour-aligned range for
   * the hourly one); absent = one bucket for the range.
   */
  step?: number;
}

export interface PercentileRow {
  group: string;
  /** Bucket start, ISO 8601 UTC. */
  time: string;
  flows: number;
  samples: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface PercentileResult {
  metric: RttMetric;
  group_by: RttGroupBy;
  /**
   * 'rollup' (tcp_rtt_1m: exact while a group holds at most 8192 flows), 'rollup_1h' (tcp_rtt_1h,
   * for whole-hour steps over an hour-aligned range: DDSketch percentiles within 1 % of a sample
   * value at the percentile's rank; flows and samples exact) or 'raw' (exact, from tcp_flows, when the KFL filter
   * needs other columns).
   */
  source: 'rollup' | 'rollup_1h' | 'raw';
  rows: PercentileRow[];
}

/** Percentiles of one RTT metric over a set of connections. */
export interface RttSummary {
  /** Connections with a value (the metric is null where it was not measurable). */
  samples: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** The cluster at one instant (GET /api/snapshot, MCP snapshot). */
export interface SnapshotResult {
  /** The instant, ISO 8601 UTC. */
  at: string;
  window_seconds: number;
  /** Connections open at `at` (started at or before it, no final record ending at or before it). */
  open: number;
  /** Connections whose final record ended in [at - window, at]. */
  closed_in_window: number;
  /** By connection state, over open and closed-in-window connections. */
  by_state: Record<string, number>;
  /** By diagnosis code, over the same connections (a connection counts once per code). */
  by_diagnosis: Record<string, number>;
  /**
   * Error classes, as KFL defines them over the same connections: `tcp` (TCP-level connection
   * errors: refused, unanswered, reset, half-closed), `error` (any error object) and per `error.type`.
   */
  errors: { tcp: number; error: number; connection: number; timeout: number };
  /** RTTs of the open connections. */
  rtt: { initial_rtt_us: RttSummary; rtt_avg_us: RttSummary };
}

/** One diagnosis code at one service: how many matching connections, and the evidence. */
export interface DiagnoseGroup {
  code: string;
  tree: 'slow' | 'failing';
  severity: 'info' | 'warning' | 'critical';
  /** dst.service, or dst ip:port when the server has no service name. */
  service: string;
  namespace: string;
  flows: number;
  /** Numbers behind the verdict, named `<metric>_<aggregate>` (e.g. retransmission_rate_max). */
  evidence: Record<string, number | null>;
  /** One connection's own diagnosis message. */
  message: string;
  /** A few connection ids (GET /api/flows/:id). */
  examples: string[];
}

/** GET /api/diagnose: the seed's decision trees over the matching connections' latest versions. */
export interface DiagnoseResult {
  /** Matching connections. */
  flows: number;
  /** Matching connections without any diagnosis. */
  healthy: number;
  /** Totals per code, most severe first. */
  codes: {
    code: string;
    tree: 'slow' | 'failing';
    severity: 'info' | 'warning' | 'critical';
    flows: number;
  }[];
  /** Per code and service, most severe first, then most connections. */
  groups: DiagnoseGroup[];
}
