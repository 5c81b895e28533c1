import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED } from './redact.js';
import { redactCompactEntries, redactFlowViews, redactSeedEntries } from './redact-views.js';
import type { FlowView } from './types.js';

const view: FlowView = {
  id: '1',
  node: 'n1',
  stream: 0,
  version: 3,
  final: true,
  evicted: false,
  state: 'closed',
  start_time: '2026-11-21T06:00:00.000000Z',
  end_time: '2026-11-21T06:00:01.000000Z',
  src: { ip: '10.0.0.7', port: 40000, namespace: 'clients', service: '' },
  dst: { ip: '10.0.0.9', port: 443, namespace: 'shop', service: 'web' },
  diagnosis: [],
  tcp_metrics: { rtt_avg_us: 12 },
  extra_metrics: { duration_us: 5 },
};

test('KFL paths and their aliases reach the FlowView field that holds them', () => {
  const [out] = redactFlowViews(
    [view],
    ['node_name', 'dst.service.name', 'src.pod.namespace', 'tcp_metrics.duration_us', 'timestamp', 'dst.ip'],
  );
  assert.equal(out.node, REDACTED);
  assert.equal(out.dst.service, REDACTED);
  assert.equal(out.src.namespace, REDACTED); // src.pod.namespace is an alias of src.namespace
  assert.equal(out.extra_metrics.duration_us as unknown, REDACTED);
  assert.equal(out.start_time, REDACTED);
  assert.equal(out.dst.ip, REDACTED);
  assert.equal(out.src.ip, '10.0.0.7');
  assert.equal(out.tcp_metrics.rtt_avg_us, 12);
  assert.equal(view.node, 'n1');
});

test('seed entries: raw paths as written (aliases resolved), compact flat keys', () => {
  const [raw] = redactSeedEntries(
    [{ node: { name: 'n1' }, src: { ip: 'a', port: 1 } }],
    ['node_id', 'src.port'],
  );
  assert.deepEqual(raw, { node: { name: REDACTED }, src: { ip: 'a', port: REDACTED } });
  const [compact] = redactCompactEntries(
    [
      {
        id: '1',
        src: '10.0.0.7:40000',
        'src.ns': 'clients',
        'dst.svc': 'web',
        rtt_avg_us: 3,
        state: 'closed',
      },
    ],
    ['src.ip', 'src.namespace', 'dst.service.name', 'tcp_metrics.rtt_avg_us', 'state'],
  );
  assert.deepEqual(compact, {
    id: '1',
    src: REDACTED,
    'src.ns': REDACTED,
    'dst.svc': REDACTED,
    rtt_avg_us: REDACTED,
    state: 'closed', // not a KFL field of compact entries
  });
});
