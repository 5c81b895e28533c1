import assert from 'node:assert/strict';
import type { TcpFlowRecord, TcpMetrics } from '@tcpx/schemas';
import { type FlowRow, toFlowRow } from '@tcpx/store';
import { record, T0_US } from '@tcpx/store/fixtures';
import { compileKfl } from '../compile.js';
import { KflError } from '../errors.js';

// Shared helpers of the unit tests: FlowRows from the store's fixture record (a real connection's
// numbers), and the assertion that a step fails with a KflError at a given offset.

type K8s = Partial<Record<'src_namespace' | 'src_service' | 'dst_namespace' | 'dst_service', string>>;

let port = 40000;

/** A stored row of a connection starting `offsetUs` after the fixtures' T0, changed as given. */
export function fixtureRow(
  metrics: Partial<TcpMetrics> = {},
  extra: Partial<TcpFlowRecord> = {},
  k8s: K8s = {},
  meta: { offsetUs?: number; node?: string; version?: number } = {},
): FlowRow {
  const r = record(++port, meta.offsetUs ?? 0, metrics, extra);
  return toFlowRow(r, { node: meta.node ?? 'node-a', version: meta.version ?? 1, final: true, k8s });
}

/** `run` throws a KflError at `offset` (or at the first occurrence of that text in `text`). */
export function throwsKflError(
  run: () => unknown,
  at: number | { text: string; marker: string },
  message: RegExp,
): void {
  const offset = typeof at === 'number' ? at : at.text.indexOf(at.marker);
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof KflError, String(e));
    assert.match(e.message, message);
    assert.equal(e.offset, offset, `${e.message} (offset ${e.offset})`);
    return true;
  });
}

/** One minute after the fixtures' T0: `now()` of the semantics tests. */
export const NOW_MS = T0_US / 1000 + 60_000;
export const HEALTHY = fixtureRow({}, {}, { dst_namespace: 'payments', dst_service: 'api' });
export const REFUSED = fixtureRow(
  { connection_completeness: 33, rst_count: 1, fin_count: 0, initial_rtt_us: null, window_scale: null },
  { state: 'refused' },
);

/** Whether `filter` selects `row` in-process. */
export const selects = (filter: string, row: FlowRow = HEALTHY) =>
  compileKfl(filter, { now: NOW_MS }).matches(row);

/** compileKfl(filter) fails at `at` (an offset, or the first occurrence of that text). */
export const rejects = (filter: string, at: number | string, message: RegExp) =>
  throwsKflError(
    () => compileKfl(filter),
    typeof at === 'number' ? at : { text: filter, marker: at },
    message,
  );
