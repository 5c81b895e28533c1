import type { CaptureStats } from '@tcpx/edge-capture';
import { type AnalyzerOptions, analyzeSummaries } from '@tcpx/flow-processor';
import type { TcpFlowRecord } from '@tcpx/schemas';
import { formatTable, type OutputFormat, sortRecords } from './record-output.js';

export interface AnalysisOutput {
  format: OutputFormat;
  sort?: string;
  write: (text: string) => void;
}

/**
 * Wires the engine to an output: NDJSON without --sort streams each record as its connection
 * finishes; every other combination collects, sorts and prints at the end.
 */
export function createAnalysisRun(output: AnalysisOutput, options: AnalyzerOptions) {
  const collected: TcpFlowRecord[] = [];
  const streaming = output.format === 'ndjson' && !output.sort;
  let pending = '';
  const onRecord = (record: TcpFlowRecord) => {
    if (!streaming) {
      collected.push(record);
      return;
    }
    pending += `${JSON.stringify(record)}\n`;
    if (pending.length > 1 << 16) {
      output.write(pending);
      pending = '';
    }
  };
  const engine = analyzeSummaries(onRecord, options);
  return {
    ingest: engine.ingest,
    finish(): void {
      engine.finish();
      if (streaming) {
        output.write(pending);
        return;
      }
      const records = sortRecords(collected, output.sort);
      if (output.format === 'ndjson') output.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      else if (output.format === 'json') output.write(`${JSON.stringify(records, null, 2)}\n`);
      else output.write(formatTable(records));
    },
  };
}

/** One stderr line per malformed reason, so bad input is visible but not fatal. */
export function describeCaptureStats(stats: CaptureStats): string[] {
  const lines: string[] = [];
  const malformed = Object.entries(stats.malformed).filter(([, n]) => n > 0);
  const total = malformed.reduce((sum, [, n]) => sum + n, 0);
  if (total > 0) {
    lines.push(
      `tcpx: ${total} malformed packet(s) counted and skipped: ${malformed.map(([k, n]) => `${k}=${n}`).join(' ')}`,
    );
  }
  return lines;
}
