import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TcpMetrics } from '@tcpx/schemas';
import { diagnose, THRESHOLDS } from './diagnosis.js';

const healthy = {
  retransmission_rate: 0,
  rtt_min_us: 1000,
  rtt_max_us: 2000,
  initial_rtt_us: 1000,
  zero_window_events: 0,
  window_full_events: 0,
  time_to_first_byte_us: 3000,
  connection_time_us: 2000,
  rst_count: 0,
  client_packets: 3,
} as TcpMetrics;

const codes = (state: Parameters<typeof diagnose>[0], m: Partial<TcpMetrics>) =>
  diagnose(state, { ...healthy, ...m }).map((d) => d.code);

test('a healthy connection gets no diagnosis', () => {
  assert.deepEqual(codes('closed', {}), []);
});

test('retransmission bands: above 1 % warns, above 5 % is critical, at the bound nothing', () => {
  assert.deepEqual(codes('closed', { retransmission_rate: THRESHOLDS.retransmissionWarning }), []);
  assert.deepEqual(codes('closed', { retransmission_rate: 0.02 }), ['elevated_retransmission']);
  assert.deepEqual(codes('closed', { retransmission_rate: 0.051 }), ['high_retransmission']);
});

test('bufferbloat needs rtt_max > 10× rtt_min and a real rise', () => {
  assert.deepEqual(codes('closed', { rtt_min_us: 1000, rtt_max_us: 10_000 }), []);
  assert.deepEqual(codes('closed', { rtt_min_us: 1000, rtt_max_us: 10_001 }), ['bufferbloat']);
  assert.deepEqual(codes('closed', { rtt_min_us: 5, rtt_max_us: 900 }), [], 'sub-ms noise');
});

test('failing tree follows the connection state', () => {
  assert.deepEqual(codes('refused', {}), ['connection_refused']);
  assert.deepEqual(codes('unanswered', {}), ['unreachable']);
  assert.deepEqual(codes('close_wait', {}), ['half_close']);
  assert.deepEqual(codes('reset', { rst_count: 1 }), ['reset']);
});

test('slow tree: initial RTT, zero window, window full, slow response', () => {
  assert.deepEqual(codes('closed', { initial_rtt_us: 10_001 }), ['high_initial_rtt']);
  assert.deepEqual(codes('closed', { zero_window_events: 3 }), ['zero_window']);
  assert.deepEqual(codes('closed', { window_full_events: 1 }), ['window_full']);
  assert.deepEqual(codes('closed', { time_to_first_byte_us: 2000 + 200_001 }), ['slow_response']);
});
