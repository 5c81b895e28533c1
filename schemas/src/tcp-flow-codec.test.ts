import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flowId, flowKey, fnv1a64Hex } from './flow-id.js';
import type { PbjsObject } from './proto-files.js';
import { METRIC_NAMES, type TcpFlowRecord, type TcpMetrics } from './tcp-flow.js';
import { decodeTcpFlow, encodeTcpFlow, tcpFlowType } from './tcp-flow-codec.js';

function record(): TcpFlowRecord {
  const metrics = Object.fromEntries(METRIC_NAMES.map((name, i) => [name, i + 1])) as unknown as TcpMetrics;
  Object.assign(metrics, {
    retransmission_rate: 0.0164,
    window_scale: null,
    rtt_min_us: null,
    initial_rtt_us: 0, // measured zero stays 0, not null
    client_window_scale: -2,
    server_window_scale: -1,
    server_avg_receive_window: null,
    goodput_bytes: 2 ** 53 - 1,
  });
  return {
    src: { ip: '2001:db8::7', port: 53906 },
    dst: { ip: '10.0.0.9', port: 443 },
    stream: 12,
    start_us: 1795242181112591,
    end_us: 1795242181145557,
    state: 'last_ack',
    evicted: true,
    diagnosis: [
      {
        code: 'elevated_retransmission',
        tree: 'slow',
        severity: 'warning',
        message: '1.6 % of packets … µs',
      },
      { code: 'refused', tree: 'failing', severity: 'critical', message: '' },
    ],
    tcp_metrics: metrics,
  };
}

describe('TcpFlow codec', () => {
  it('round-trips a record with null metrics, enums, diagnosis and the envelope', () => {
    const r = record();
    const envelope = { node: 'node-7', flow_id: flowId('node-7', r), version: 3, final: true };
    const back = decodeTcpFlow(encodeTcpFlow(r, envelope));
    assert.deepEqual(back, { record: r, ...envelope });
  });

  it('keeps optional metrics absent on the wire when null', () => {
    const r = record();
    const msg = tcpFlowType().decode(
      encodeTcpFlow(r, { node: 'n', flow_id: 'x', version: 1, final: false }),
    ) as PbjsObject;
    assert.equal(Object.hasOwn(msg.tcp_metrics, 'window_scale'), false);
    assert.equal(Object.hasOwn(msg.tcp_metrics, 'initial_rtt_us'), true);
  });

  it('round-trips a minimal record (no diagnosis, not evicted)', () => {
    const r = { ...record(), diagnosis: [], evicted: undefined, state: 'mid_stream' as const };
    delete r.evicted;
    const back = decodeTcpFlow(encodeTcpFlow(r, { node: '', flow_id: '', version: 0, final: false }));
    assert.deepEqual(back.record, r);
  });

  it('derives one flow_id for both endpoint orders and a new one for a new start', () => {
    const r = record();
    const swapped = { ...r, src: r.dst, dst: r.src };
    assert.equal(flowId('n', r), flowId('n', swapped));
    assert.match(flowId('n', r), /^[0-9a-f]{16}$/);
    assert.notEqual(flowId('n', r), flowId('n', { ...r, start_us: r.start_us + 1 }));
    assert.notEqual(flowId('n', r), flowId('m', r));
    assert.equal(flowKey('n', r), 'n|tcp|10.0.0.9|443|2001:db8::7|53906|1795242181112591');
    // FNV-1a 64 reference values
    assert.equal(fnv1a64Hex(new Uint8Array()), 'cbf29ce484222325');
    assert.equal(fnv1a64Hex(new TextEncoder().encode('a')), 'af63dc4c8601ec8c');
  });
});
