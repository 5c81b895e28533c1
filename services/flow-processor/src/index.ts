export { analyzeSummaries } from './analyze-summaries.js';
export { type AnalyzerOptions, type FlowEndReason, type FlowSink, TcpAnalyzer } from './engine/analyzer.js';
export { diagnose, THRESHOLDS } from './engine/diagnosis.js';
export { buildFlowRecord } from './engine/flow-record.js';
export { type Checkpoint, CheckpointLog } from './pipeline/checkpoint-log.js';
export { FileCheckpoints } from './pipeline/file-checkpoints.js';
export { FlowOutput, type FlowOutputOptions, type FlowOutputStats } from './pipeline/flow-output.js';
export {
  type CheckpointStore,
  type FlowCycleOptions,
  FlowPipeline,
  type FlowPipelineOptions,
  type FlowPipelineStats,
  type InputMessage,
} from './pipeline/flow-pipeline.js';
export {
  FlowProcessor,
  type FlowProcessorOptions,
  type FlowProcessorStats,
} from './pipeline/flow-processor.js';
export {
  InProcessFlowProcessor,
  type InProcessFlowProcessorOptions,
} from './pipeline/in-process-processor.js';
export { type EmittedFlow, PartitionFlows } from './pipeline/partition-flows.js';
export {
  type FromProcessorThread,
  type ProcessorThreadOptions,
  ProcessorThreads,
  type ProcessorThreadsOptions,
} from './pipeline/processor-threads.js';
