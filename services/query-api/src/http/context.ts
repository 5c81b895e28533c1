import type { FlowRow, FlowStore } from '@tcpx/store';

/** New or updated flow rows as they are stored, for the live tail (SSE) and MCP. */
export interface FlowFeed {
  /** Calls `onRows` with every batch stored after subscribing; returns the unsubscribe function. */
  subscribe(onRows: (rows: readonly FlowRow[]) => void): () => void;
}

/** Whether edges capture (POST /mcp/dissection/enable|disable). */
export interface CaptureControl {
  enabled(): boolean;
  /** Resolves once the edges were told; rejects when they could not be. */
  set(enabled: boolean): Promise<void>;
  /** The edges' own reports: whether each captures, and when it last said so (absent: no edges known). */
  edges?(): { node: string; capturing: boolean; at: number; interfaces: string[] }[];
}

/** What every route plugin gets as its `context` option. */
export interface ApiContext {
  /** Queries run read-only (see src/http/app.ts). */
  store: FlowStore;
  feed: FlowFeed;
  capture: CaptureControl;
  /** Clock for `now()` in KFL and default time ranges; tests pin it. Epoch ms. */
  now(): number;
}
