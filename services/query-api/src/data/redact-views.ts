import { EXTRA_METRIC_NAMES } from '@tcpx/schemas';
import { FIELD_BY_NAME } from '../kfl/catalogue.js';
import { REDACTED, redact } from './redact.js';
import type { FlowView } from './types.js';

// KFL redact("a.b", …) names fields by their KFL paths (any alias); each output shape keeps
// some of them elsewhere. The mappings of those shapes live here, in one place.

/** A KFL path as its canonical catalogue name (aliases resolved); unknown paths stay as written. */
const canonical = (path: string) => FIELD_BY_NAME.get(path)?.name ?? path;

const EXTRAS: ReadonlySet<string> = new Set(EXTRA_METRIC_NAMES);

/** Canonical KFL path → where a FlowView holds it. */
function flowViewPath(path: string): string {
  if (path === 'node.name') return 'node';
  if (path === 'timestamp') return 'start_time';
  const service = /^(src|dst)\.service\.name$/.exec(path);
  if (service) return `${service[1]}.service`;
  const metric = /^tcp_metrics\.(\w+)$/.exec(path);
  if (metric && EXTRAS.has(metric[1])) return `extra_metrics.${metric[1]}`;
  return path;
}

/** KFL `redact(...)` on FlowViews. */
export function redactFlowViews(views: FlowView[], paths: readonly string[]): FlowView[] {
  if (paths.length === 0) return views;
  const mapped = paths.map((p) => flowViewPath(canonical(p)));
  return views.map((v) => redact(v, mapped));
}

/** KFL `redact(...)` on seed entries of the raw and full formats: their fields are KFL's paths. */
export function redactSeedEntries<T>(entries: T[], paths: readonly string[]): T[] {
  if (paths.length === 0) return entries;
  const mapped = paths.map(canonical);
  return entries.map((e) => redact(e, mapped));
}

/** Canonical KFL path → the flat key of a compact entry that shows it. */
function compactKey(path: string): string | undefined {
  const endpoint = /^(src|dst)\.(ip|port|namespace|service\.name)$/.exec(path);
  if (endpoint) {
    const [, side, field] = endpoint;
    if (field === 'namespace') return `${side}.ns`;
    if (field === 'service.name') return `${side}.svc`;
    return side; // 'ip:port' holds both
  }
  if (path === 'id') return 'id';
  if (path === 'timestamp') return 'ts';
  return /^tcp_metrics\.(\w+)$/.exec(path)?.[1];
}

/** KFL `redact(...)` on compact entries, whose keys are flat (and may contain dots). */
export function redactCompactEntries(
  entries: Record<string, unknown>[],
  paths: readonly string[],
): Record<string, unknown>[] {
  const keys = paths.map((p) => compactKey(canonical(p))).filter((k): k is string => k !== undefined);
  if (keys.length === 0) return entries;
  return entries.map((e) => {
    const out = { ...e };
    for (const k of keys) if (Object.hasOwn(out, k)) out[k] = REDACTED;
    return out;
  });
}
