// The query layer: plain functions over a FlowStore, shared by the HTTP routes and the MCP tools.
export { type Cursor, decodeCursor, encodeCursor } from './cursor.js';
export { diagnose } from './diagnose.js';
export { flowIdCandidates, flowVersions, versionsOf } from './flow-versions.js';
export {
  FLOW_VIEW_COLUMNS,
  flowRowFromStored,
  flowViewFromRow,
  flowViewFromStored,
  insertRowFromStored,
  rowsToFlowViews,
  type StoredRow,
} from './flow-view.js';
export { EXTRA_METRIC_GLOSSARY, type GlossaryEntry, SEED_METRIC_GLOSSARY } from './glossary.js';
export {
  countFlows,
  DEFAULT_PAGE_SIZE,
  listFlows,
  MAX_PAGE_SIZE,
  selectFlows,
  selectRows,
} from './list-flows.js';
export { MemoryFeed } from './memory-feed.js';
export { RTT_GROUP_COLUMNS, RTT_METRICS, rttPercentiles } from './percentiles.js';
export { REDACTED, redact } from './redact.js';
export {
  DEFAULT_CALLS_LIMIT,
  MAX_CALLS_LIMIT,
  SEED_FORMATS,
  type SeedCalls,
  type SeedCallsQuery,
  type SeedFormat,
  seedEntries,
} from './seed-entries.js';
export { snapshot } from './snapshot.js';
export { SORT_FIELDS } from './sort.js';
export { DEFAULT_WINDOW_SECONDS } from './sources.js';
export { StoreFeed, type StoreFeedOptions } from './store-feed.js';
export type * from './types.js';
