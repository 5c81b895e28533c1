import type { FlowRow } from './flow-row.js';
import type { MigrationConfig, MigrationResult } from './migrate.js';

/** What a store did, for logs and tests: outages show up here even when retries hid them. */
export interface StoreStats {
  rowsStored: number;
  /** INSERT attempts that failed (and were retried, or failed the batch). */
  failedAttempts: number;
  lastError: string | undefined;
}

/** Where tcp_flows rows go. Both implementations run the same DDL and queries. */
export interface FlowStore {
  readonly stats: StoreStats;
  /** Applies schemas/clickhouse migrations not applied yet; idempotent. */
  migrate(): Promise<MigrationResult>;
  /**
   * Stores rows in batches. Resolves only once the database has them; rejects when they could not
   * be stored (nothing is dropped silently), and the caller may send the same rows again:
   * a re-sent (flow_id, version) collapses in ReplacingMergeTree.
   */
  insertFlows(rows: readonly FlowRow[]): Promise<void>;
  /** Runs one statement with ClickHouse query parameters `{name:Type}`; values never enter the SQL text. */
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Flushes what was accepted, then releases the connection. */
  close(): Promise<void>;
}

export interface StoreConfig extends MigrationConfig {
  /** Target table for insertFlows; default tcp_flows. */
  table?: string;
  /** Rows per INSERT; default 10000. */
  maxBatchRows?: number;
  /**
   * Every statement runs with ClickHouse's `readonly = 1`, so the server itself refuses writes,
   * DDL and SETTINGS changes (the query API's stores). migrate() and insertFlows() then fail.
   */
  readOnly?: boolean;
}

/** Parses JSONEachRow text. */
export function parseRows<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** A table name goes into SQL text, so only a plain (optionally db-qualified) identifier passes. */
export function checkTable(name: string): string {
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/.test(name)) throw new Error(`invalid table name: ${name}`);
  return name;
}
