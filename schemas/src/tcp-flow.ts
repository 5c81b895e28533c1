/**
 * The per-connection record: what `tcpx analyze` prints as NDJSON and what later stages
 * (Kafka `tcpx.flows`, ClickHouse `tcp_flows`, the query API) carry. Field meanings are in
 * docs/metrics.md and ../shared/docs/tcp-analysis.md §8. Times are microseconds; a metric that
 * cannot be measured (no SYN seen, no RTT sample) is null, never a made-up zero.
 */
export interface Endpoint {
  ip: string;
  port: number;
}

/** The 24 seed fields, named exactly as the seed's `tcp_metrics` object. */
export interface SeedTcpMetrics {
  retransmissions: number;
  fast_retransmissions: number;
  /** retransmissions ÷ all packets of the connection (0..1). */
  retransmission_rate: number;
  zero_window_events: number;
  window_full_events: number;
  /** Server's shift when both sides negotiated scaling, 0 when not negotiated, null when unknown. */
  window_scale: number | null;
  avg_receive_window: number | null;
  out_of_order: number;
  dup_acks: number;
  missing_segments: number;
  rst_count: number;
  fin_count: number;
  keepalive_count: number;
  connection_completeness: number;
  initial_rtt_us: number | null;
  handshake_time_us: number | null;
  connection_time_us: number | null;
  time_to_first_byte_us: number | null;
  rtt_min_us: number | null;
  rtt_max_us: number | null;
  rtt_avg_us: number | null;
  rtt_samples: number;
  jitter_us: number;
  goodput_bytes: number;
}

/** Extra counters beyond the seed; never a replacement for a seed field. */
export interface ExtraTcpMetrics {
  data_retransmission_rate: number;
  spurious_retransmissions: number;
  ack_lost_segment: number;
  zero_window_probes: number;
  zero_window_probe_acks: number;
  window_updates: number;
  keepalive_acks: number;
  reused_ports: number;
  /** Wireshark's per-direction shift: -1 unknown (SYN not seen), -2 not negotiated, else 0..14. */
  client_window_scale: number;
  server_window_scale: number;
  client_avg_receive_window: number | null;
  server_avg_receive_window: number | null;
  duration_us: number;
  client_packets: number;
  server_packets: number;
  client_payload_bytes: number;
  server_payload_bytes: number;
}

export type TcpMetrics = SeedTcpMetrics & ExtraTcpMetrics;

export const SEED_METRIC_NAMES = [
  'retransmissions',
  'fast_retransmissions',
  'retransmission_rate',
  'zero_window_events',
  'window_full_events',
  'window_scale',
  'avg_receive_window',
  'out_of_order',
  'dup_acks',
  'missing_segments',
  'rst_count',
  'fin_count',
  'keepalive_count',
  'connection_completeness',
  'initial_rtt_us',
  'handshake_time_us',
  'connection_time_us',
  'time_to_first_byte_us',
  'rtt_min_us',
  'rtt_max_us',
  'rtt_avg_us',
  'rtt_samples',
  'jitter_us',
  'goodput_bytes',
] as const satisfies readonly (keyof SeedTcpMetrics)[];

/** Kubeshark's connection classes, from the packets seen. */
export type ConnectionState =
  | 'refused' // SYN answered by RST, no SYN-ACK
  | 'unanswered' // SYN(s) with no reply at all
  | 'syn_received' // SYN-ACK seen, handshake not finished
  | 'established' // open at the end of the capture
  | 'close_wait' // one side sent FIN, the other has not
  | 'last_ack' // both sent FIN, the last FIN not acknowledged
  | 'closed' // both FINs sent and acknowledged
  | 'reset' // ended by RST after the handshake
  | 'mid_stream'; // no SYN seen, no FIN/RST: the capture started inside the connection

export interface Diagnosis {
  /** Stable machine name, e.g. `high_retransmission`. */
  code: string;
  /** Which seed decision tree it comes from. */
  tree: 'slow' | 'failing';
  severity: 'info' | 'warning' | 'critical';
  /** One sentence for people, with the evidence numbers in it. */
  message: string;
}

export interface TcpFlowRecord {
  src: Endpoint;
  dst: Endpoint;
  /** Same numbering as tshark's tcp.stream for the same capture. */
  stream: number;
  start_us: number;
  end_us: number;
  state: ConnectionState;
  /** true when the record was emitted because the flow was evicted (idle/capacity), not closed. */
  evicted?: boolean;
  diagnosis: Diagnosis[];
  tcp_metrics: TcpMetrics;
}

export const EXTRA_METRIC_NAMES = [
  'data_retransmission_rate',
  'spurious_retransmissions',
  'ack_lost_segment',
  'zero_window_probes',
  'zero_window_probe_acks',
  'window_updates',
  'keepalive_acks',
  'reused_ports',
  'client_window_scale',
  'server_window_scale',
  'client_avg_receive_window',
  'server_avg_receive_window',
  'duration_us',
  'client_packets',
  'server_packets',
  'client_payload_bytes',
  'server_payload_bytes',
] as const satisfies readonly (keyof ExtraTcpMetrics)[];

export const METRIC_NAMES: readonly (keyof TcpMetrics)[] = [...SEED_METRIC_NAMES, ...EXTRA_METRIC_NAMES];
