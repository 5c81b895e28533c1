import type { EXTRA_METRIC_NAMES, SEED_METRIC_NAMES } from '@tcpx/schemas';

/** One metric as the API documents it (GET /api/glossary, the MCP glossary tool, UI tooltips). */
export interface GlossaryEntry {
  name: string;
  /** 'count', 'ratio' (0–1), 'µs', 'bytes', 'bitmask', 'shift'. */
  unit: string;
  /** Can be null: the metric was not measurable on that connection. */
  nullable: boolean;
  description: string;
  /** The tshark field it corresponds to, or 'derived'. */
  tshark: string;
}

type SeedName = (typeof SEED_METRIC_NAMES)[number];
type ExtraName = (typeof EXTRA_METRIC_NAMES)[number];

const e = <N extends string>(
  name: N,
  unit: string,
  nullable: boolean,
  tshark: string,
  description: string,
): GlossaryEntry & { name: N } => ({ name, unit, nullable, description, tshark });

/** The 24 seed metrics, as docs/metrics.md defines them (the binding definitions live there). */
export const SEED_METRIC_GLOSSARY: readonly GlossaryEntry[] = [
  e(
    'retransmissions',
    'count',
    false,
    'tcp.analysis.retransmission',
    'Frames Wireshark flags as retransmissions (RTO, fast and spurious, each frame once).',
  ),
  e(
    'fast_retransmissions',
    'count',
    false,
    'tcp.analysis.fast_retransmission',
    'Re-sends after at least 2 duplicate ACKs within 20 ms.',
  ),
  e(
    'retransmission_rate',
    'ratio',
    false,
    'derived',
    'Retransmissions ÷ all packets of the connection (0–1; 0.05 = 5 %).',
  ),
  e(
    'zero_window_events',
    'count',
    false,
    'tcp.analysis.zero_window',
    "Packets advertising a zero receive window: the receiver's buffer is full.",
  ),
  e(
    'window_full_events',
    'count',
    false,
    'tcp.analysis.window_full',
    "Segments that exactly filled the peer's advertised window.",
  ),
  e(
    'window_scale',
    'shift',
    true,
    'tcp.options.wscale.shift',
    "Server's window-scale shift when both sides negotiated scaling; 0 when not negotiated; null when the handshake was not captured.",
  ),
  e(
    'avg_receive_window',
    'bytes',
    true,
    'derived',
    'Mean scaled receive window over non-SYN packets of the endpoint that received most payload.',
  ),
  e('out_of_order', 'count', false, 'tcp.analysis.out_of_order', 'Segments Wireshark flags out-of-order.'),
  e('dup_acks', 'count', false, 'tcp.analysis.duplicate_ack', 'Duplicate ACKs.'),
  e(
    'missing_segments',
    'count',
    false,
    'tcp.analysis.lost_segment',
    '"Previous segment not captured": gaps in the sequence space.',
  ),
  e('rst_count', 'count', false, 'tcp.flags.reset==1', 'Packets with RST.'),
  e(
    'fin_count',
    'count',
    false,
    'tcp.flags.fin==1',
    'Packets with FIN (re-sent FINs included; 2 is a normal close).',
  ),
  e('keepalive_count', 'count', false, 'tcp.analysis.keep_alive', 'TCP keep-alives.'),
  e(
    'connection_completeness',
    'bitmask',
    false,
    'tcp.completeness',
    "Wireshark's bitmask: 1 SYN, 2 SYN-ACK, 4 ACK, 8 data, 16 FIN, 32 RST (31/47/63 = complete, 33 = refused, 8 = mid-stream).",
  ),
  e(
    'initial_rtt_us',
    'µs',
    true,
    'tcp.analysis.initial_rtt',
    'Handshake RTT: last pure SYN → first ACK; null without a SYN.',
  ),
  e('handshake_time_us', 'µs', true, 'derived', 'First pure SYN → first ACK (includes SYN re-send delays).'),
  e(
    'connection_time_us',
    'µs',
    true,
    'derived',
    'First pure SYN → first packet carrying payload (0 when the SYN carries data).',
  ),
  e('time_to_first_byte_us', 'µs', true, 'derived', 'First pure SYN → first payload packet from the server.'),
  e(
    'rtt_min_us',
    'µs',
    true,
    'tcp.analysis.ack_rtt',
    'Smallest ACK RTT sample (both directions, handshake included).',
  ),
  e('rtt_max_us', 'µs', true, 'tcp.analysis.ack_rtt', 'Largest ACK RTT sample.'),
  e('rtt_avg_us', 'µs', true, 'tcp.analysis.ack_rtt', 'Mean of the ACK RTT samples.'),
  e('rtt_samples', 'count', false, 'count of tcp.analysis.ack_rtt', 'Number of ACK RTT samples.'),
  e(
    'jitter_us',
    'µs',
    false,
    'derived',
    'Population standard deviation of the RTT samples; 0 with fewer than 2.',
  ),
  e(
    'goodput_bytes',
    'bytes',
    false,
    'derived',
    'Payload bytes of packets not flagged as retransmissions, both directions.',
  ),
] satisfies (GlossaryEntry & { name: SeedName })[];

/** tcpx's extra metrics (docs/metrics.md, "Extra fields"). */
export const EXTRA_METRIC_GLOSSARY: readonly GlossaryEntry[] = [
  e(
    'data_retransmission_rate',
    'ratio',
    false,
    'derived',
    'Retransmissions ÷ segments that consume sequence space.',
  ),
  e(
    'spurious_retransmissions',
    'count',
    false,
    'tcp.analysis.spurious_retransmission',
    'Retransmissions of data the receiver had already acknowledged.',
  ),
  e(
    'ack_lost_segment',
    'count',
    false,
    'tcp.analysis.ack_lost_segment',
    '"ACKed segment that wasn\'t captured".',
  ),
  e('zero_window_probes', 'count', false, 'tcp.analysis.zero_window_probe', 'Zero-window probes.'),
  e(
    'zero_window_probe_acks',
    'count',
    false,
    'tcp.analysis.zero_window_probe_ack',
    'ACKs of zero-window probes.',
  ),
  e('window_updates', 'count', false, 'tcp.analysis.window_update', 'Window updates.'),
  e('keepalive_acks', 'count', false, 'tcp.analysis.keep_alive_ack', 'ACKs of keep-alives.'),
  e(
    'reused_ports',
    'count',
    false,
    'tcp.analysis.reused_ports',
    'SYNs reusing the 4-tuple of an earlier connection.',
  ),
  e(
    'client_window_scale',
    'shift',
    false,
    'tcp.window_size_scalefactor',
    "Client's window-scale shift: −1 unknown (SYN not seen), −2 not negotiated, else 0–14.",
  ),
  e(
    'server_window_scale',
    'shift',
    false,
    'tcp.window_size_scalefactor',
    "Server's window-scale shift: −1 unknown, −2 not negotiated, else 0–14.",
  ),
  e(
    'client_avg_receive_window',
    'bytes',
    true,
    'derived',
    'Mean scaled receive window the client advertised.',
  ),
  e(
    'server_avg_receive_window',
    'bytes',
    true,
    'derived',
    'Mean scaled receive window the server advertised.',
  ),
  e('duration_us', 'µs', false, 'derived', 'First → last packet of the connection.'),
  e('client_packets', 'count', false, 'derived', 'Packets sent by the client.'),
  e('server_packets', 'count', false, 'derived', 'Packets sent by the server.'),
  e('client_payload_bytes', 'bytes', false, 'derived', 'TCP payload bytes sent by the client.'),
  e('server_payload_bytes', 'bytes', false, 'derived', 'TCP payload bytes sent by the server.'),
] satisfies (GlossaryEntry & { name: ExtraName })[];
