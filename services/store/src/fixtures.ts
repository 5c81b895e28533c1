import type { TcpFlowRecord, TcpMetrics } from '@tcpx/schemas';

/** The tables and views schemas/clickhouse creates, by name (both stores' migration tests expect them). */
export const MIGRATED_TABLES = [
  'schema_migrations',
  'tcp_flow_versions',
  'tcp_flow_versions_mv',
  'tcp_flows',
  'tcp_rtt_1h',
  'tcp_rtt_1h_dst',
  'tcp_rtt_1h_dst_mv',
  'tcp_rtt_1h_mv',
  'tcp_rtt_1h_src',
  'tcp_rtt_1h_src_mv',
  'tcp_rtt_1m',
  'tcp_rtt_1m_mv',
];

/** 2026-11-21 06:00:00 UTC in µs: a whole minute, so per-minute buckets are easy to predict. */
export const T0_US = 1795240800 * 1e6;

const METRICS: TcpMetrics = {
  retransmissions: 0,
  fast_retransmissions: 0,
  retransmission_rate: 0,
  zero_window_events: 0,
  window_full_events: 0,
  window_scale: 7,
  avg_receive_window: 65536,
  out_of_order: 0,
  dup_acks: 0,
  missing_segments: 0,
  rst_count: 0,
  fin_count: 2,
  keepalive_count: 0,
  connection_completeness: 31,
  initial_rtt_us: 250,
  handshake_time_us: 250,
  connection_time_us: 329,
  time_to_first_byte_us: 776,
  rtt_min_us: 11,
  rtt_max_us: 536,
  rtt_avg_us: 327.5,
  rtt_samples: 25,
  jitter_us: 169.25,
  goodput_bytes: 18995,
  data_retransmission_rate: 0,
  spurious_retransmissions: 0,
  ack_lost_segment: 0,
  zero_window_probes: 0,
  zero_window_probe_acks: 0,
  window_updates: 0,
  keepalive_acks: 0,
  reused_ports: 0,
  client_window_scale: 7,
  server_window_scale: 7,
  client_avg_receive_window: 74410.66666666667,
  server_avg_receive_window: 65536,
  duration_us: 306181,
  client_packets: 25,
  server_packets: 21,
  client_payload_bytes: 27,
  server_payload_bytes: 18968,
};

/** A closed connection from 10.0.0.7:<port> to 10.0.0.9:443 starting at T0 + offset. */
export function record(
  port: number,
  offsetUs = 0,
  metrics: Partial<TcpMetrics> = {},
  extra: Partial<TcpFlowRecord> = {},
): TcpFlowRecord {
  return {
    src: { ip: '10.0.0.7', port },
    dst: { ip: '10.0.0.9', port: 443 },
    stream: port - 40000,
    start_us: T0_US + offsetUs,
    end_us: T0_US + offsetUs + 306181,
    state: 'closed',
    diagnosis: [],
    tcp_metrics: { ...METRICS, ...metrics },
    ...extra,
  };
}

/** Linear interpolation between closest ranks (numpy's default, ClickHouse `quantile`'s rule). */
export function quantileType7(values: readonly number[], level: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = level * (sorted.length - 1);
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (index - lo);
}
