import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXTRA_METRIC_NAMES, SEED_METRIC_NAMES } from '@tcpx/schemas';
import { flowId as contractFlowId } from '@tcpx/schemas/flow-id';
import { record } from './fixtures.js';
import { canonicalIp, columnIp, dateTime64, flowId, flowIdToUInt64, toFlowRow } from './flow-row.js';

test('flowId is the wire flow_id (schemas/src/flow-id.ts) as a UInt64: stable, per node, per connection', () => {
  const r = record(40001);
  const id = flowId('node-a', r);
  assert.equal(id, BigInt(`0x${contractFlowId('node-a', r)}`).toString());
  assert.ok(BigInt(id) < 2n ** 64n);
  assert.equal(flowId('node-a', { ...r, src: r.dst, dst: r.src }), id);
  assert.notEqual(flowId('node-b', r), id);
  assert.notEqual(flowId('node-a', { ...r, start_us: r.start_us + 1 }), id);
  assert.notEqual(flowId('node-a', { ...r, src: { ip: '10.0.0.7', port: 40002 } }), id);
  assert.equal(flowIdToUInt64('ffffffffffffffff'), '18446744073709551615');
  assert.throws(() => flowIdToUInt64('1; DROP'), /16 hex digits/);
});

test('addresses: canonical text for the key, IPv4-mapped for the IPv6 column', () => {
  assert.equal(canonicalIp('2001:DB8:0:0::1'), '2001:db8::1');
  assert.equal(canonicalIp('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(columnIp('10.1.2.3'), '::ffff:10.1.2.3');
  assert.equal(columnIp('2001:db8::1'), '2001:db8::1');
});

test('dateTime64 keeps every microsecond', () => {
  assert.equal(dateTime64(1795240800000001), '1795240800.000001');
  assert.equal(dateTime64(1795240800123456), '1795240800.123456');
  assert.equal(dateTime64(0), '0.000000');
});

test('toFlowRow carries every seed and extra metric as its own column', () => {
  const row = toFlowRow(record(40001, 0, { initial_rtt_us: null }), { node: 'n', version: 3, final: true });
  for (const name of [...SEED_METRIC_NAMES, ...EXTRA_METRIC_NAMES]) assert.ok(name in row, name);
  assert.equal(row.initial_rtt_us, null);
  assert.equal(row.final, 1);
  assert.equal(row.version, 3);
  assert.equal(row.flow_id, flowId('n', record(40001)));
  assert.equal(row.src_namespace, '');
  const wire = contractFlowId('n', record(40001));
  assert.equal(
    toFlowRow(record(40001), { node: 'n', flowId: wire, version: 1, final: false }).flow_id,
    row.flow_id,
  );
});
