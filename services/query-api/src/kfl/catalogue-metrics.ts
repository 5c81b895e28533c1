import { METRIC_NAMES, SEED_METRIC_NAMES } from '@tcpx/schemas';
import { columnField, type FieldDef } from './field-def.js';

// tcp_metrics.<name> (kfl.md §6.6): the 24 seed metrics and tcpx's extra metric columns.

/** Float64 columns; every other metric is an integer column. */
const FLOAT_METRICS = new Set([
  'retransmission_rate',
  'avg_receive_window',
  'rtt_avg_us',
  'jitter_us',
  'data_retransmission_rate',
  'client_avg_receive_window',
  'server_avg_receive_window',
]);

/** Nullable(…) metric columns of 0001_tcp_flows.sql (not measurable → NULL); read as 0. */
export const NULLABLE_METRICS: ReadonlySet<string> = new Set([
  'window_scale',
  'avg_receive_window',
  'initial_rtt_us',
  'handshake_time_us',
  'connection_time_us',
  'time_to_first_byte_us',
  'rtt_min_us',
  'rtt_max_us',
  'rtt_avg_us',
  'client_avg_receive_window',
  'server_avg_receive_window',
]);

const SEED = new Set<string>(SEED_METRIC_NAMES);

export const METRIC_FIELDS: FieldDef[] = METRIC_NAMES.map((m) => {
  const nullable = NULLABLE_METRICS.has(m);
  return columnField(
    `tcp_metrics.${m}`,
    FLOAT_METRICS.has(m) ? 'float' : 'int',
    `${SEED.has(m) ? 'seed metric' : 'tcpx extra metric'} ${m} (docs/metrics.md)${nullable ? '; 0 when not measurable' : ''}`,
    nullable ? `ifNull(${m}, 0)` : m,
    [m],
    (r) => (r[m] as number | null) ?? 0,
  );
});
