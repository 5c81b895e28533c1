export { analyzeSummaries } from './analyze-summaries.js';
export { type AnalyzerOptions, type FlowEndReason, type FlowSink, TcpAnalyzer } from './engine/analyzer.js';
export { diagnose, THRESHOLDS } from './engine/diagnosis.js';
export { buildFlowRecord } from './engine/flow-record.js';
export {
  FlowProcessor,
  type FlowProcessorOptions,
  type FlowProcessorStats,
} from './pipeline/flow-processor.js';
export { type EmittedFlow, PartitionFlows } from './pipeline/partition-flows.js';
