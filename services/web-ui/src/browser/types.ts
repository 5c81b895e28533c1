// The query API's response shapes, as the browser reads them. They mirror
// services/query-api/src/data/types.ts (the contract); test/src/ui/contract.test.ts fails to compile
// when the two drift apart.

export interface Diagnosis {
  code: string;
  tree: 'slow' | 'failing';
  severity: Severity;
  message: string;
}

export type Severity = 'info' | 'warning' | 'critical';

export interface Endpoint {
  ip: string;
  port: number;
  namespace: string;
  service: string;
}

export interface FlowView {
  id: string;
  node: string;
  stream: number;
  version: number;
  final: boolean;
  evicted: boolean;
  state: string;
  start_time: string;
  end_time: string;
  src: Endpoint;
  dst: Endpoint;
  diagnosis: Diagnosis[];
  tcp_metrics: Record<string, number | null>;
  extra_metrics: Record<string, number | null>;
}

export interface FlowPage {
  flows: FlowView[];
  next_cursor: string | null;
}

export type RttMetric = 'initial_rtt_us' | 'rtt_avg_us' | 'rtt_max_us';
export type RttGroupBy = 'dst.service' | 'dst.namespace' | 'src.namespace' | 'node';

export interface PercentileRow {
  group: string;
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
  source: 'rollup' | 'rollup_1h' | 'raw';
  rows: PercentileRow[];
}

export interface RttSummary {
  samples: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface SnapshotResult {
  at: string;
  window_seconds: number;
  open: number;
  closed_in_window: number;
  by_state: Record<string, number>;
  by_diagnosis: Record<string, number>;
  errors: { tcp: number; error: number; connection: number; timeout: number };
  rtt: { initial_rtt_us: RttSummary; rtt_avg_us: RttSummary };
}

export interface DiagnoseGroup {
  code: string;
  tree: 'slow' | 'failing';
  severity: Severity;
  service: string;
  namespace: string;
  flows: number;
  evidence: Record<string, number | null>;
  message: string;
  examples: string[];
}

export interface DiagnoseResult {
  flows: number;
  healthy: number;
  codes: { code: string; tree: 'slow' | 'failing'; severity: Severity; flows: number }[];
  groups: DiagnoseGroup[];
}

/** GET /api/glossary entries. */
export interface GlossaryEntry {
  name: string;
  unit: string;
  nullable: boolean;
  description: string;
  tshark: string;
}

export interface Glossary {
  tcp_metrics: GlossaryEntry[];
  extra_metrics: GlossaryEntry[];
}

/** GET /api/fields entries: the KFL catalogue. */
export interface KflField {
  name: string;
  type: string;
  description: string;
  aliases: string[];
}

/** GET /api/fields: the fields, and the bare keywords when the API lists them. */
export interface KflCatalogue {
  fields: KflField[];
  keywords?: { name: string; description: string }[];
}

/** A KFL filter the API refused (HTTP 400 bad_filter): where, and why. */
export interface KflProblem {
  message: string;
  offset: number;
  length: number;
}
