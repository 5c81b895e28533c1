export {
  CaptureFormatError,
  CaptureParser,
  type CaptureStats,
  type ReadCaptureOptions,
  readCaptureFile,
} from './capture-file.js';
export { DecodeState, decodeFrame } from './decode.js';
export {
  isSupportedLinkType,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './link-types.js';
export { type LiveCapture, type LiveCaptureOptions, openLiveCapture } from './live.js';
export { CaptureSwitch, type CaptureSwitchOptions } from './publish/capture-switch.js';
export {
  EdgePublisher,
  type EdgePublisherOptions,
  type PublisherStats,
} from './publish/edge-publisher.js';
export { type BatchVisitor, FlowBatcher, type FlowBatcherOptions } from './publish/flow-batcher.js';
export { InProcessTransport } from './publish/in-process-transport.js';
export { KafkaTransport, type KafkaTransportOptions } from './publish/kafka-transport.js';
export {
  PacketPublisher,
  type PacketPublisherOptions,
  type PacketTransport,
  type TransportReady,
} from './publish/packet-publisher.js';
export { PauseGate } from './publish/pause-gate.js';
export { type ReplayOptions, type ReplayResult, replayCapture } from './publish/replay.js';
export { SwitchableCapture } from './switchable-capture.js';
