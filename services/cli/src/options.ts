import type { AnalyzerOptions } from '@tcpx/flow-processor';
import { METRIC_NAMES } from '@tcpx/schemas';
import { usageError } from './cli-error.js';
import { OUTPUT_FORMATS, type OutputFormat } from './record-output.js';

export interface CommonValues {
  format?: string;
  sort?: string;
  'idle-timeout'?: string;
  'max-flows'?: string;
}

export function parseFormat(value: string | undefined): OutputFormat {
  const format = (value ?? 'ndjson') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format))
    throw usageError(`--format: unknown format "${value}"; one of: ${OUTPUT_FORMATS.join(', ')}`);
  return format;
}

export function parsePositiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw usageError(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}

export function analyzerOptions(values: CommonValues, defaultIdleSeconds: number): AnalyzerOptions {
  const idleSeconds = parsePositiveNumber('idle-timeout', values['idle-timeout']) ?? defaultIdleSeconds;
  const maxFlows = parsePositiveNumber('max-flows', values['max-flows']);
  return { idleTimeoutNs: idleSeconds * 1e9, ...(maxFlows ? { maxConnections: Math.floor(maxFlows) } : {}) };
}

/** --sort accepts any tcp_metrics field or the record's stream/start_us/end_us. */
export function parseSort(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const sortable: readonly string[] = [...METRIC_NAMES, 'stream', 'start_us', 'end_us'];
  if (!sortable.includes(value))
    throw usageError(`--sort: unknown metric "${value}"; one of: ${sortable.join(', ')}`);
  return value;
}
