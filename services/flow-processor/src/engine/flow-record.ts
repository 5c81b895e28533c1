import {
  type ConnectionState,
  type Endpoint,
  ipv4ToString,
  ipv6ToString,
  type TcpFlowRecord,
  type TcpMetrics,
} from '@tcpx/schemas';
import { COUNTER } from './analysis-flags.js';
import type { TcpAnalyzer } from './analyzer.js';
import {
  type ConnectionTable,
  FIN_ACKED,
  FIN_SENT,
  FIRST_PACKET_FROM_B,
  FIRST_SYN_ACK_FROM_B,
  FIRST_SYN_ACK_SEEN,
  FIRST_SYN_FROM_B,
  FIRST_SYN_SEEN,
  HAS_ANALYSIS_RECORD,
  IPV6,
  meanMicros,
  SENT_RST,
  SENT_SYN_ACK,
  stddevMicros,
  toMicros,
} from './connection-table.js';
import { diagnose } from './diagnosis.js';

const microsOrNull = (us: number): number | null => (Number.isNaN(us) ? null : us);

/**
 * Which endpoint is the client: the sender of the first pure SYN; else the receiver of the first
 * SYN-ACK; else (capture started mid-stream) the higher port, the first packet's sender on a tie.
 * Returns the client's side (0 = A, 1 = B).
 */
export function clientSide(t: ConnectionTable, slot: number): number {
  const roles = t.roleBits[slot];
  if (roles & FIRST_SYN_SEEN) return roles & FIRST_SYN_FROM_B ? 1 : 0;
  if (roles & FIRST_SYN_ACK_SEEN) return roles & FIRST_SYN_ACK_FROM_B ? 0 : 1;
  const ports = t.ports[slot];
  const portA = ports >>> 16;
  const portB = ports & 0xffff;
  if (portA !== portB) return portA > portB ? 0 : 1;
  return roles & FIRST_PACKET_FROM_B ? 1 : 0;
}

function endpoint(t: ConnectionTable, slot: number, side: number): Endpoint {
  const [w0, w1, w2, w3] = t.addressWords(slot, side);
  const ip = t.roleBits[slot] & IPV6 ? ipv6ToString(w0, w1, w2, w3) : ipv4ToString(w3);
  const ports = t.ports[slot];
  return { ip, port: side === 0 ? ports >>> 16 : ports & 0xffff };
}

function connectionState(t: ConnectionTable, slot: number, client: number): ConnectionState {
  const c = slot * 2 + client;
  const s = c ^ 1;
  const clientBits = t.directionBits[c];
  const serverBits = t.directionBits[s];
  const handshakeSeen = (t.roleBits[slot] & (FIRST_SYN_SEEN | FIRST_SYN_ACK_SEEN)) !== 0;
  if ((clientBits | serverBits) & SENT_RST) {
    return t.roleBits[slot] & FIRST_SYN_SEEN && !(serverBits & SENT_SYN_ACK) && serverBits & SENT_RST
      ? 'refused'
      : 'reset';
  }
  if (clientBits & FIN_SENT && serverBits & FIN_SENT) {
    return clientBits & FIN_ACKED && serverBits & FIN_ACKED ? 'closed' : 'last_ack';
  }
  if ((clientBits | serverBits) & FIN_SENT) return 'close_wait';
  if (!handshakeSeen) return 'mid_stream';
  if (t.packets[s] === 0) return 'unanswered';
  if (!(serverBits & SENT_SYN_ACK)) return 'established';
  return t.completeness[slot] & 4 || t.completeness[slot] & 8 ? 'established' : 'syn_received';
}

function averageWindow(t: ConnectionTable, direction: number): number | null {
  const n = t.packets[direction] - t.synPackets[direction];
  return n === 0 ? null : t.windowSum[direction] / n;
}

/** Builds the record of `slot` (tcp-analysis.md §8 definitions). */
export function buildFlowRecord(analyzer: TcpAnalyzer, slot: number, evicted: boolean): TcpFlowRecord {
  const t = analyzer.table;
  const client = clientSide(t, slot);
  const c = slot * 2 + client;
  const s = c ^ 1;
  const count = (name: keyof typeof COUNTER): number => t.counter(slot, COUNTER[name]);
  const packets = t.packets[c] + t.packets[s];
  const retransmissions = count('retransmissions');
  const seqSegments = t.seqSegments[slot];
  const clientScale = t.windowScale[c];
  const serverScale = t.windowScale[s];
  let windowScale: number | null = null;
  if (clientScale >= 0 && serverScale >= 0) windowScale = serverScale;
  else if (clientScale === -2 || serverScale === -2) windowScale = 0;
  const clientBytes = t.payloadBytes[c];
  const serverBytes = t.payloadBytes[s];
  const samples = t.rttSamples[slot];
  const irtt = t.irttNs[slot];

  const metrics: TcpMetrics = {
    retransmissions,
    fast_retransmissions: count('fast_retransmissions'),
    retransmission_rate: packets === 0 ? 0 : retransmissions / packets,
    zero_window_events: count('zero_window_events'),
    window_full_events: count('window_full_events'),
    window_scale: windowScale,
    // The receiver of most payload advertises the window that matters.
    avg_receive_window: averageWindow(t, clientBytes >= serverBytes ? s : c),
    out_of_order: count('out_of_order'),
    dup_acks: count('dup_acks'),
    missing_segments: count('missing_segments'),
    rst_count: count('rst_count'),
    fin_count: count('fin_count'),
    keepalive_count: count('keepalive_count'),
    connection_completeness: t.completeness[slot],
    initial_rtt_us: irtt === 0 || !(t.roleBits[slot] & HAS_ANALYSIS_RECORD) ? null : toMicros(irtt),
    handshake_time_us: microsOrNull(t.handshakeUs[slot]),
    connection_time_us: microsOrNull(t.firstPayloadUs[slot]),
    time_to_first_byte_us: microsOrNull(t.firstServerPayloadUs[slot]),
    rtt_min_us: samples === 0 ? null : t.rttMinUs[slot],
    rtt_max_us: samples === 0 ? null : t.rttMaxUs[slot],
    rtt_avg_us: samples === 0 ? null : meanMicros(t.rttSumNs[slot], samples),
    rtt_samples: samples,
    jitter_us: stddevMicros(samples, t.rttSumNs[slot], t.rttSumSquares[slot], count('rtt_square_sum_low')),
    goodput_bytes: clientBytes + serverBytes - count('retransmitted_bytes'),

    data_retransmission_rate: seqSegments === 0 ? 0 : retransmissions / seqSegments,
    spurious_retransmissions: count('spurious_retransmissions'),
    ack_lost_segment: count('ack_lost_segment'),
    zero_window_probes: count('zero_window_probes'),
    zero_window_probe_acks: count('zero_window_probe_acks'),
    window_updates: count('window_updates'),
    keepalive_acks: count('keepalive_acks'),
    reused_ports: count('reused_ports'),
    client_window_scale: clientScale,
    server_window_scale: serverScale,
    client_avg_receive_window: averageWindow(t, c),
    server_avg_receive_window: averageWindow(t, s),
    duration_us: toMicros(t.lastNs[slot] - t.firstNs[slot]),
    client_packets: t.packets[c],
    server_packets: t.packets[s],
    client_payload_bytes: clientBytes,
    server_payload_bytes: serverBytes,
  };
  const state = connectionState(t, slot, client);
  const record: TcpFlowRecord = {
    src: endpoint(t, slot, client),
    dst: endpoint(t, slot, client ^ 1),
    stream: t.stream[slot],
    start_us: analyzer.toEpochMicros(t.firstNs[slot]),
    end_us: analyzer.toEpochMicros(t.lastNs[slot]),
    state,
    diagnosis: diagnose(state, metrics),
    tcp_metrics: metrics,
  };
  if (evicted) record.evicted = true;
  return record;
}
