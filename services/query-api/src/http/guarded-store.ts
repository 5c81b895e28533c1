import type { FlowStore } from '@tcpx/store';
import { isStoreUnavailable, StoreTimeoutError } from './errors.js';

/** How a store call ended, for metrics: answered, store unavailable (incl. timeout), or rejected. */
export type StoreOutcome = 'ok' | 'unavailable' | 'error';

export interface StoreGuardOptions {
  /** A query that has not answered after this long rejects with StoreTimeoutError. */
  timeoutMs: number;
  /** Called once per query when it settles or times out. */
  onQuery?(outcome: StoreOutcome, seconds: number): void;
}

/**
 * The store as the API's routes see it: every query is bounded by a timeout (a stuck socket or a
 * slow server turns into a StoreTimeoutError → 503, never a hanging request) and measured. Writes
 * are refused here too — the API never writes, and the store underneath runs readonly = 1 as
 * well. close() is a no-op: whoever opened the store closes it.
 */
export function guardedStore(store: FlowStore, options: StoreGuardOptions): FlowStore {
  const refuse = (what: string) => Promise.reject(new Error(`the query API does not write (${what})`));
  return {
    get stats() {
      return store.stats;
    },
    migrate: () => refuse('migrate'),
    insertFlows: () => refuse('insertFlows'),
    query: <T>(sql: string, params?: Record<string, unknown>) =>
      bounded(store.query<T>(sql, params), options),
    close: async () => {},
  };
}

function bounded<T>(query: Promise<T>, { timeoutMs, onQuery }: StoreGuardOptions): Promise<T> {
  const started = process.hrtime.bigint();
  let settled = false;
  const report = (outcome: StoreOutcome) => {
    if (settled) return;
    settled = true;
    onQuery?.(outcome, Number(process.hrtime.bigint() - started) / 1e9);
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      report('unavailable');
      reject(new StoreTimeoutError(`the store did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const answered = query.then(
    (rows) => {
      report('ok');
      return rows;
    },
    (err: unknown) => {
      report(isStoreUnavailable(err) ? 'unavailable' : 'error');
      throw err;
    },
  );
  // After a timeout the query's own late rejection has nobody to catch it.
  answered.catch(() => {});
  return Promise.race([answered, timeout]).finally(() => clearTimeout(timer));
}
