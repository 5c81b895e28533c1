import type { PacketSummary, TcpFlowRecord } from '@tcpx/schemas';
import { type AnalyzerOptions, TcpAnalyzer } from './engine/analyzer.js';
import { buildFlowRecord } from './engine/flow-record.js';

/**
 * Convenience for offline use: an analyzer whose finished connections become records. Call
 * `ingest` per packet and `finish()` at the end of input.
 */
export function analyzeSummaries(onRecord: (record: TcpFlowRecord) => void, options?: AnalyzerOptions) {
  const analyzer: TcpAnalyzer = new TcpAnalyzer(
    (_table, slot, reason) =>
      onRecord(buildFlowRecord(analyzer, slot, reason === 'idle' || reason === 'capacity')),
    options,
  );
  return {
    analyzer,
    ingest: (p: PacketSummary) => analyzer.ingest(p),
    finish: () => analyzer.flush(),
  };
}
