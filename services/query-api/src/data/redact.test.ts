import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redact } from './redact.js';

test('redact replaces existing paths, ignores missing ones and leaves the input alone', () => {
  const entry = { src: { ip: '10.0.0.7', port: 5 }, tcp_metrics: { rtt_avg_us: 12, rst_count: 0 }, id: 'x' };
  const out = redact(entry, ['src.ip', 'tcp_metrics.rst_count', 'dst.ip', 'id.deeper', 'nothing']);
  assert.deepEqual(out, {
    src: { ip: REDACTED, port: 5 },
    tcp_metrics: { rtt_avg_us: 12, rst_count: REDACTED },
    id: 'x',
  });
  assert.equal(entry.src.ip, '10.0.0.7');
  assert.equal(entry.tcp_metrics.rst_count, 0);
  assert.equal(out.id, 'x');
});

test('a whole object can be redacted, and no paths means the same object', () => {
  const entry = { src: { ip: '::1', port: 1 } };
  assert.deepEqual(redact(entry, ['src']), { src: REDACTED });
  assert.equal(redact(entry, []), entry);
  // inherited names are not fields
  assert.deepEqual(redact(entry, ['src.toString']), entry);
});
