// Stand-ins for the parts of ApiContext a test does not exercise (not a test file itself).
import type { FlowRow, FlowStore } from '@tcpx/store';
import type { ApiContext, FlowFeed } from './context.js';

/** A FlowStore whose query() is the given function; writes are refused like the API's. */
export function fakeStore(query: (sql: string) => Promise<unknown[]> = async () => [{ ok: 1 }]): FlowStore {
  return {
    stats: { rowsStored: 0, failedAttempts: 0, lastError: undefined },
    migrate: () => Promise.reject(new Error('fake store')),
    insertFlows: () => Promise.reject(new Error('fake store')),
    query: <T>(sql: string) => query(sql) as Promise<T[]>,
    close: async () => {},
  };
}

/** A feed the test pushes rows into. */
export class ManualFeed implements FlowFeed {
  readonly listeners = new Set<(rows: readonly FlowRow[]) => void>();

  subscribe(onRows: (rows: readonly FlowRow[]) => void): () => void {
    this.listeners.add(onRows);
    return () => this.listeners.delete(onRows);
  }
}

export function testContext(store: FlowStore = fakeStore()): ApiContext {
  let capturing = false;
  return {
    store,
    feed: new ManualFeed(),
    capture: {
      enabled: () => capturing,
      set: async (on) => {
        capturing = on;
      },
    },
    now: () => Date.UTC(2026, 10, 21, 12),
  };
}
