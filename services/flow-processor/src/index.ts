export { type AnalyzerOptions, type FlowEndReason, type FlowSink, TcpAnalyzer } from './engine/analyzer.js';
export { buildFlowRecord, clientSide } from './engine/flow-record.js';
export { diagnose, THRESHOLDS } from './engine/diagnosis.js';
export { analyzeSummaries } from './analyze-summaries.js';
