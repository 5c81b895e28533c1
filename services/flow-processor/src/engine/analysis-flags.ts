/** Per-packet analysis flags: one bit per `tcp.analysis.*` expert item. */
export const RETRANSMISSION = 1 << 0;
export const FAST_RETRANSMISSION = 1 << 1;
export const SPURIOUS_RETRANSMISSION = 1 << 2;
export const OUT_OF_ORDER = 1 << 3;
export const LOST_SEGMENT = 1 << 4;
export const ACK_LOST_SEGMENT = 1 << 5;
export const DUPLICATE_ACK = 1 << 6;
export const ZERO_WINDOW = 1 << 7;
export const ZERO_WINDOW_PROBE = 1 << 8;
export const ZERO_WINDOW_PROBE_ACK = 1 << 9;
export const WINDOW_FULL = 1 << 10;
export const WINDOW_UPDATE = 1 << 11;
export const KEEP_ALIVE = 1 << 12;
export const KEEP_ALIVE_ACK = 1 << 13;
export const REUSED_PORTS = 1 << 14;

/** Frames matching `tcp.analysis.retransmission`: Wireshark attaches it to fast and spurious ones too. */
export const ANY_RETRANSMISSION = RETRANSMISSION | FAST_RETRANSMISSION | SPURIOUS_RETRANSMISSION;

/**
 * Per-connection counters, one slot each in the counter block. The order is the record's field order.
 */
export const COUNTER = {
  retransmissions: 0,
  fast_retransmissions: 1,
  spurious_retransmissions: 2,
  out_of_order: 3,
  missing_segments: 4,
  ack_lost_segment: 5,
  dup_acks: 6,
  zero_window_events: 7,
  zero_window_probes: 8,
  zero_window_probe_acks: 9,
  window_full_events: 10,
  window_updates: 11,
  keepalive_count: 12,
  keepalive_acks: 13,
  reused_ports: 14,
  rst_count: 15,
  fin_count: 16,
  /** Payload bytes of retransmitted frames: goodput is payload minus these. */
  retransmitted_bytes: 17,
  /**
   * Not a record field: the low part of the RTT samples' exact Σx² (ConnectionTable.rttSumSquares
   * holds the high part). Non-zero only once Σx² passes 2^53 ns², so here, in the block a
   * connection gets when it first counts something, rather than in a column every connection pays.
   */
  rtt_square_sum_low: 18,
} as const;
export const COUNTER_COUNT = 19;
/** Counters per block in snapshots written before rtt_square_sum_low. */
export const COUNTER_COUNT_BEFORE_RTT_SQUARES = 18;

/** Pairs of (flag bit, counter slot), flat for a cheap loop, for the flags that count one-to-one. */
// biome-ignore format: one (flag, counter) pair per line
export const FLAG_COUNTERS: readonly number[] = [
  FAST_RETRANSMISSION, COUNTER.fast_retransmissions,
  SPURIOUS_RETRANSMISSION, COUNTER.spurious_retransmissions,
  OUT_OF_ORDER, COUNTER.out_of_order,
  LOST_SEGMENT, COUNTER.missing_segments,
  ACK_LOST_SEGMENT, COUNTER.ack_lost_segment,
  DUPLICATE_ACK, COUNTER.dup_acks,
  ZERO_WINDOW, COUNTER.zero_window_events,
  ZERO_WINDOW_PROBE, COUNTER.zero_window_probes,
  ZERO_WINDOW_PROBE_ACK, COUNTER.zero_window_probe_acks,
  WINDOW_FULL, COUNTER.window_full_events,
  WINDOW_UPDATE, COUNTER.window_updates,
  KEEP_ALIVE, COUNTER.keepalive_count,
  KEEP_ALIVE_ACK, COUNTER.keepalive_acks,
  REUSED_PORTS, COUNTER.reused_ports,
];
