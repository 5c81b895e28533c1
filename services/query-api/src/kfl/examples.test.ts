// Every example filter of kfl.md §7: the accepted ones select exactly the connections the
// document says they mean, the rejected ones fail at the offending character.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TcpFlowRecord, TcpMetrics } from '@tcpx/schemas';
import type { FlowRow } from '@tcpx/store';
import { T0_US } from '@tcpx/store/fixtures';
import { compileKfl } from './index.js';
import { fixtureRow, throwsKflError } from './testing/fixture-rows.js';

const NOW = T0_US / 1000 + 10 * 60_000; // ten minutes after the fixtures start

const NOT_MEASURED: Partial<TcpMetrics> = {
  initial_rtt_us: null,
  handshake_time_us: null,
  connection_time_us: null,
  time_to_first_byte_us: null,
  rtt_min_us: null,
  rtt_max_us: null,
  rtt_avg_us: null,
  window_scale: null,
  avg_receive_window: null,
  rtt_samples: 0,
  goodput_bytes: 0,
};

// the fixture's RTT spread (11 … 536 µs) would be a bufferbloat signature: keep it narrow
const flow = (metrics: Partial<TcpMetrics>, extra: Partial<TcpFlowRecord> = {}, k8s = {}, offsetUs = 0) =>
  fixtureRow({ rtt_min_us: 300, ...metrics }, extra, k8s, { offsetUs, node: 'ip-10-0-41-65.ec2.internal' });

/** Connections described the way kfl.md §6.6 and docs/metrics.md describe them. */
const ROWS: Record<string, FlowRow> = {
  clean: flow({}),
  refused: flow(
    { ...NOT_MEASURED, connection_completeness: 33, rst_count: 1, fin_count: 0 },
    { state: 'refused' },
  ),
  unanswered: flow({ ...NOT_MEASURED, connection_completeness: 1, fin_count: 0 }, { state: 'unanswered' }),
  lossy: flow({ retransmissions: 83, fast_retransmissions: 60, retransmission_rate: 0.07 }),
  degraded: flow({ retransmissions: 3, fast_retransmissions: 3, retransmission_rate: 0.02 }),
  timeouts: flow({ retransmissions: 10, fast_retransmissions: 2, retransmission_rate: 0.004 }),
  reset: flow({ rst_count: 1, connection_completeness: 47 }, { state: 'reset' }),
  zeroWindow: flow({ zero_window_events: 3, window_full_events: 2 }),
  windowFull: flow({ window_full_events: 4 }),
  slowPath: flow({ initial_rtt_us: 25_000 }),
  bufferbloat: flow({ rtt_samples: 10, rtt_min_us: 100, rtt_max_us: 5_000 }),
  halfClosed: flow({ fin_count: 1, connection_completeness: 15 }, { state: 'close_wait' }),
  midStream: flow({ ...NOT_MEASURED, connection_completeness: 8, fin_count: 0 }, { state: 'mid_stream' }),
  postgres: flow({ jitter_us: 8_000 }, { dst: { ip: '10.0.0.9', port: 5432 } }),
  payments: flow({}, {}, { src_namespace: 'payments', dst_namespace: 'ns2' }),
  ns1ToNs2: flow({}, {}, { src_namespace: 'ns1', dst_namespace: 'ns2' }),
  ns2ToNs1: flow({}, {}, { src_namespace: 'ns2', dst_namespace: 'ns1' }),
  production: flow({ missing_segments: 4 }, {}, { dst_namespace: 'production' }),
  kubeSystem: flow({}, {}, { dst_namespace: 'kube-system' }),
  smallWindows: flow({ window_scale: 2, avg_receive_window: 30_000 }),
  net1: flow({}, { src: { ip: '10.0.1.5', port: 40100 } }),
  external: flow({}, { src: { ip: '192.168.1.4', port: 40101 } }, { dst_service: 'www.domain.com' }),
  old: flow({}, {}, {}, -3600e6),
};
const ALL = Object.keys(ROWS);

function selected(filter: string): string[] {
  const f = compileKfl(filter, { now: NOW });
  return ALL.filter((name) => f.matches(ROWS[name]));
}
const except = (...names: string[]) => ALL.filter((n) => !names.includes(n));
const ERRORS = ['refused', 'unanswered', 'reset', 'halfClosed'];
const ip10_0 = except('external'); // every fixture source is in 10.0.0.0/16 but one

const ACCEPTED: [number, string, string[]][] = [
  [1, 'response.status > 400 or error or icmp or tcp', ERRORS],
  [2, '!error', except(...ERRORS)],
  [3, 'tcp_flow and tcp_metrics.retransmission_rate > 0.05', ['lossy']],
  [4, 'tcp_flow', ALL],
  [5, '!dns and !error', except(...ERRORS)],
  [6, 'http and response.status == r"4.*"', []],
  [
    7,
    'http and request.method == "GET" and request.path != "/example" and (request.query.a > 42 or request.headers["x"] == "y")',
    [],
  ],
  [8, 'dst.namespace == ""', except('payments', 'ns1ToNs2', 'ns2ToNs1', 'production', 'kubeSystem')],
  [
    9,
    '(src.namespace == "ns1" and dst.namespace == "ns2") or (src.namespace == "ns2" and dst.namespace == "ns1")',
    ['ns1ToNs2', 'ns2ToNs1'],
  ],
  [10, 'dst.name == "www.domain.com"', ['external']],
  [11, 'response.status > 300 and node.name == "ip-10-0-41-65.ec2.internal"', []],
  [12, 'timestamp >= datetime("10/19/2021, 6:29:02.593 PM")', ALL],
  [13, 'tcp_flow and timestamp >= minutes(-15)', except('old')],
  [14, 'tcp_flow && timestamp > now() - duration("15m")', except('old')],
  [15, 'tcp_flow && tcp_metrics.connection_completeness == 33', ['refused']],
  [16, 'tcp_flow and tcp_metrics.connection_completeness == 1', ['unanswered']],
  [17, 'tcp_flow and tcp_metrics.rst_count > 0 and tcp_metrics.connection_completeness != 33', ['reset']],
  [18, 'tcp_flow && (tcp_metrics.connection_completeness / 32) % 2 == 1', ['refused', 'reset']],
  [19, 'tcp_flow and tcp_metrics.zero_window_events > 0', ['zeroWindow']],
  [
    20,
    'tcp_flow and tcp_metrics.window_full_events > 0 and tcp_metrics.zero_window_events == 0',
    ['windowFull'],
  ],
  [21, 'tcp_flow and tcp_metrics.initial_rtt_us > 10000', ['slowPath']],
  [
    22,
    'tcp_flow && tcp_metrics.rtt_samples > 0 && tcp_metrics.rtt_max_us > 10 * tcp_metrics.rtt_min_us',
    ['bufferbloat'],
  ],
  [
    23,
    'tcp_flow && tcp_metrics.retransmissions > 0 && tcp_metrics.fast_retransmissions * 2 < tcp_metrics.retransmissions',
    ['timeouts'],
  ],
  [
    24,
    'tcp_flow and tcp_metrics.retransmission_rate >= 0.01 and tcp_metrics.retransmission_rate < 0.05',
    ['degraded'],
  ],
  [25, 'tcp_flow and tcp_metrics.fin_count == 1', ['halfClosed']],
  [26, 'tcp_flow and tcp_metrics.connection_completeness == 8', ['midStream']],
  [27, 'tcp_flow and dst.port == 5432 and tcp_metrics.jitter_us > 5000', ['postgres']],
  [28, 'tcp_flow and (src.namespace == "payments" or dst.namespace == "payments") and !error', ['payments']],
  [29, 'tcp_flow && "production" in namespaces && tcp_metrics.missing_segments > 0', ['production']],
  [
    30,
    'tcp_flow && map_get(remote_labels, "app", "") == "checkout" && tcp_metrics.keepalive_count > 100',
    [],
  ],
  [
    31,
    'tcp_flow and src.ip.startsWith("10.0.") and !(dst.namespace == "kube-system")',
    ip10_0.filter((n) => n !== 'kubeSystem'),
  ],
  [32, 'tcp_flow and src.ip == r"10\\.0\\.(1|2)\\..*"', ['net1']],
  [33, 'tcp_flow && dst.dns.matches("(?i)\\\\.amazonaws\\\\.com$")', []],
  [
    34,
    'tcp_flow and "TLS" in flow_l7_detected and tcp_metrics.connection_time_us > 3 * tcp_metrics.handshake_time_us',
    [],
  ],
  // unmeasured metrics read as 0 (kfl.md §6.6), so connections without a handshake match too
  [
    35,
    'tcp_flow and tcp_metrics.window_scale < 7 and tcp_metrics.avg_receive_window < 65535',
    ['refused', 'unanswered', 'midStream', 'smallWindows'],
  ],
  [36, 'tcp_flow and tcp_metrics.retransmission_rate > 0.05 and limit(100)', ['lossy']],
  [37, 'tcp_flow and tcp_metrics.rst_count', ['refused', 'reset']],
  [38, 'tcp_flow and error or dst.port == 5432', [...ERRORS, 'postgres']],
];

for (const [n, filter, expected] of ACCEPTED) {
  test(`§7 example ${n}: ${filter}`, () => {
    assert.deepEqual(
      selected(filter),
      ALL.filter((x) => expected.includes(x)),
    );
  });
}

test('§7 example 36: limit(100) is a directive; rlimit(100) asks for the newest 100', () => {
  assert.equal(compileKfl('tcp_flow and tcp_metrics.retransmission_rate > 0.05 and limit(100)').limit, 100);
  const r = compileKfl('tcp_flow and tcp_metrics.retransmission_rate > 0.05 and rlimit(100)');
  assert.deepEqual([r.rlimit, r.limit], [100, undefined]);
});

test('§7 example 38 warns that and/or are mixed without parentheses', () => {
  assert.match(
    compileKfl('tcp_flow and error or dst.port == 443').warnings.join('\n'),
    /'and' binds tighter than 'or'/,
  );
  assert.deepEqual(compileKfl('(tcp_flow and error) or dst.port == 443').warnings, []);
});

const REJECTED: [string, number, RegExp][] = [
  ['dst.port = 80', 9, /'=' is not an operator/],
  ['a < b < c', 6, /cannot be chained/],
  ['dst.port.startsWith()', 9, /startsWith\(\) takes 1 argument, got 0/],
  ['limit(10) or tcp_flow', 0, /query directive.*top-level condition joined with 'and'/],
  ['request.path contains "/api"', 13, /no infix 'contains'/],
];

for (const [filter, offset, message] of REJECTED) {
  test(`§7 example 39 rejects ${filter} at ${offset}`, () => {
    throwsKflError(() => compileKfl(filter), offset, message);
  });
}
