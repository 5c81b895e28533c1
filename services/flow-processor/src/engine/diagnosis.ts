import type { ConnectionState, Diagnosis, TcpMetrics } from '@tcpx/schemas';

/** The seed's thresholds (docs/metrics.md, "Diagnosis"). */
export const THRESHOLDS = {
  /** retransmission_rate bands: above 1 % is degraded, above 5 % is severe loss. */
  retransmissionWarning: 0.01,
  retransmissionCritical: 0.05,
  /** rtt_max above this multiple of rtt_min means queues are filling (bufferbloat). */
  bufferbloatRatio: 10,
  /**
   * …and rose by at least this much: on sub-millisecond paths delayed ACKs and scheduling alone
   * make rtt_max 10× rtt_min, which is noise, not queueing.
   */
  bufferbloatMinimumRiseUs: 5_000,
  /** Handshake RTT above this means a distant or congested path. */
  highInitialRttUs: 10_000,
  /** Server think time (first response byte after the first request byte) above this is slow. */
  slowResponseUs: 200_000,
} as const;

const percent = (rate: number): string => `${(rate * 100).toFixed(1)} %`;
const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`;

/**
 * The seed's two decision trees. "The service is slow": loss (retransmission bands), bufferbloat,
 * path latency, receiver or window limits, slow application. "Connections are failing": refused,
 * unreachable, incomplete handshake, resets, half-closed. Every verdict carries its evidence.
 */
export function diagnose(state: ConnectionState, m: TcpMetrics): Diagnosis[] {
  const found: Diagnosis[] = [];
  const add = (tree: Diagnosis['tree'], severity: Diagnosis['severity'], code: string, message: string) =>
    found.push({ code, tree, severity, message });

  // ---- connections are failing ----
  switch (state) {
    case 'refused':
      add(
        'failing',
        'critical',
        'connection_refused',
        'SYN answered by RST: nothing listens on the server port',
      );
      break;
    case 'unanswered':
      add(
        'failing',
        'critical',
        'unreachable',
        `SYN never answered (${m.client_packets} SYN packets sent): host down, wrong address or a firewall dropping`,
      );
      break;
    case 'syn_received':
      add('failing', 'warning', 'incomplete_handshake', 'SYN-ACK sent but the handshake never completed');
      break;
    case 'reset':
      add('failing', 'warning', 'reset', `connection aborted by RST (${m.rst_count} RST packets)`);
      break;
    case 'close_wait':
      add(
        'failing',
        'info',
        'half_close',
        'one side closed (FIN) and the other never did: possible CLOSE_WAIT leak',
      );
      break;
    default:
      break;
  }

  // ---- the service is slow ----
  if (m.retransmission_rate > THRESHOLDS.retransmissionCritical) {
    add(
      'slow',
      'critical',
      'high_retransmission',
      `${percent(m.retransmission_rate)} of packets retransmitted: severe packet loss`,
    );
  } else if (m.retransmission_rate > THRESHOLDS.retransmissionWarning) {
    add(
      'slow',
      'warning',
      'elevated_retransmission',
      `${percent(m.retransmission_rate)} of packets retransmitted: packet loss`,
    );
  }
  if (
    m.rtt_min_us !== null &&
    m.rtt_max_us !== null &&
    m.rtt_max_us > THRESHOLDS.bufferbloatRatio * m.rtt_min_us &&
    m.rtt_max_us - m.rtt_min_us >= THRESHOLDS.bufferbloatMinimumRiseUs
  ) {
    add(
      'slow',
      'warning',
      'bufferbloat',
      `RTT rose from ${ms(m.rtt_min_us)} to ${ms(m.rtt_max_us)}: queues are filling`,
    );
  }
  if (m.initial_rtt_us !== null && m.initial_rtt_us > THRESHOLDS.highInitialRttUs) {
    add(
      'slow',
      'warning',
      'high_initial_rtt',
      `handshake RTT ${ms(m.initial_rtt_us)}: distant or congested path`,
    );
  }
  if (m.zero_window_events > 0) {
    add(
      'slow',
      'warning',
      'zero_window',
      `receiver advertised a zero window ${m.zero_window_events} times: the application is not reading fast enough`,
    );
  }
  if (m.window_full_events > 0) {
    add(
      'slow',
      'info',
      'window_full',
      `sender filled the receive window ${m.window_full_events} times: throughput limited by the receiver's buffer`,
    );
  }
  if (m.time_to_first_byte_us !== null && m.connection_time_us !== null) {
    const thinkTime = m.time_to_first_byte_us - m.connection_time_us;
    if (thinkTime > THRESHOLDS.slowResponseUs) {
      add(
        'slow',
        'warning',
        'slow_response',
        `server answered ${ms(thinkTime)} after the first request byte: slow application`,
      );
    }
  }
  return found;
}
