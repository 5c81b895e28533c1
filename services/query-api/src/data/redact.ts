/** What a redacted value is replaced with (KFL `redact(...)`, applied to output only). */
export const REDACTED = '[REDACTED]';

/**
 * A copy of `value` with every listed dotted path that exists in it replaced by "[REDACTED]";
 * paths that do not exist are ignored (a filter may name fields one output format lacks).
 * Objects along a redacted path are copied, everything else is shared.
 */
export function redact<T>(value: T, paths: readonly string[]): T {
  let out: unknown = value;
  for (const path of paths) out = redactPath(out, path.split('.'));
  return out as T;
}

function redactPath(value: unknown, keys: readonly string[]): unknown {
  if (keys.length === 0) return REDACTED;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const [key, ...rest] = keys;
  if (!Object.hasOwn(value, key)) return value;
  const object = value as Record<string, unknown>;
  return { ...object, [key]: redactPath(object[key], rest) };
}
