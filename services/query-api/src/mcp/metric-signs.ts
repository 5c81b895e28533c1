import type { SEED_METRIC_NAMES } from '@tcpx/schemas';

/**
 * What a bad value of each seed metric looks like, for an assistant reading the glossary. The
 * thresholds are the diagnosis rules of docs/metrics.md ("Diagnosis"); the rest is TCP practice.
 */
export const METRIC_SIGNS: Readonly<Record<(typeof SEED_METRIC_NAMES)[number], string>> = {
  retransmissions:
    'Judge by retransmission_rate; many more than fast_retransmissions means timeouts (RTO), the slow way to recover loss.',
  fast_retransmissions: 'Loss recovered quickly after duplicate ACKs; a few are normal under load.',
  retransmission_rate:
    '> 0.01 (1 %) elevated packet loss, > 0.05 (5 %) severe loss (verdicts elevated_/high_retransmission).',
  zero_window_events:
    '> 0: the receiving application does not read fast enough and stalled the sender (verdict zero_window).',
  window_full_events:
    "> 0: the sender was limited by the peer's advertised window, a buffer too small for the path (verdict window_full).",
  window_scale: '0 (not negotiated) caps the window at 64 KiB, limiting throughput on long or fast paths.',
  avg_receive_window: 'Much smaller than bandwidth × RTT limits throughput.',
  out_of_order: 'Many: reordering in the network, or loss recovery in progress.',
  dup_acks: 'Many: the receiver saw gaps (loss or reordering).',
  missing_segments: '> 0: packets were lost before the capture point, or the capture dropped them.',
  rst_count:
    '> 0 with state reset: the connection was aborted; with state refused: nothing listens on the port.',
  fin_count:
    '1 with state close_wait: one side never closed (possible CLOSE_WAIT leak); 2 is a normal close.',
  keepalive_count:
    'Expected on idle long-lived connections; keep-alives that go unanswered mean a dead peer.',
  connection_completeness:
    '33 = refused (SYN, RST), 1 = SYN never answered, 8 = captured mid-stream (handshake metrics then null); 31 = clean, 47/63 = ended by RST.',
  initial_rtt_us: '> 10000 (10 ms): a distant or congested network path (verdict high_initial_rtt).',
  handshake_time_us:
    'Much larger than initial_rtt_us: the SYN had to be re-sent (loss, or a full accept backlog).',
  connection_time_us:
    'Much larger than handshake_time_us: the client waited before sending (e.g. a slow TLS or app start).',
  time_to_first_byte_us:
    'time_to_first_byte_us − connection_time_us > 200000 (200 ms): the server is slow to answer (verdict slow_response).',
  rtt_min_us: "The path's base latency; compare rtt_max_us with it.",
  rtt_max_us:
    '> 10 × rtt_min_us with a rise of at least 5 ms: queues are filling along the path (verdict bufferbloat).',
  rtt_avg_us: 'Well above initial_rtt_us: queueing or a slow receiver (delayed ACKs add up to ~40 ms).',
  rtt_samples: '0: nothing was acknowledged, so the RTT metrics are null.',
  jitter_us: 'Large relative to rtt_avg_us: an unstable path (queueing), bad for latency-sensitive traffic.',
  goodput_bytes: 'Low for a long connection that has retransmissions: loss limits throughput.',
};
