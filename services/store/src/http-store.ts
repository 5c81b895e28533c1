import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { compactRows, type FlowRow } from './flow-row.js';
import { type MigrationResult, runMigrations } from './migrate.js';
import { checkTable, type FlowStore, type StoreConfig, type StoreStats } from './store.js';

export interface HttpStoreConfig extends StoreConfig {
  url: string;
  database?: string;
  username?: string;
  password?: string;
  /** A batch is sent when it reaches maxBatchRows or this many ms after its first row (default 1000). */
  maxBatchMs?: number;
  /** Accepted but not yet stored rows beyond this make insertFlows reject at once (default 200000). */
  maxPendingRows?: number;
  /** Backoff between attempts: from retryInitialMs doubling to retryMaxMs (defaults 100, 5000). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Give up on a batch after retrying this long (default 60000); its callers get the error. */
  retryBudgetMs?: number;
  requestTimeoutMs?: number;
  /** Extra settings for every INSERT, e.g. for an old server. */
  insertSettings?: Record<string, string | number>;
  /**
   * Default JSONCompactEachRow (see compactRows), which names every FlowRow column. JSONEachRow
   * with input_format_skip_unknown_fields fits a table that has only some of them.
   */
  insertFormat?: 'JSONCompactEachRow' | 'JSONEachRow';
}

/** A batch could not be confirmed stored. Sending its rows again is safe. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

interface Pending {
  rows: readonly FlowRow[];
  resolve: () => void;
  reject: (err: Error) => void;
}

// Server-side codes worth retrying (overload, timeouts, read-only replica); others are our bug.
const RETRYABLE_CODES = new Set(['159', '164', '202', '209', '210', '241', '242', '252', '319', '425']);

function retryable(err: unknown): boolean {
  return err instanceof ClickHouseError ? RETRYABLE_CODES.has(err.code) : true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * ClickHouse over HTTP (@clickhouse/client). insertFlows queues rows; a single sender drains the
 * queue in batches, in order, retrying each batch with exponential backoff. When a batch's retry
 * budget runs out, it and everything queued behind it are rejected (the server is down for them
 * too) with a StoreUnavailableError naming the server and the cause.
 */
export class ClickHouseHttpStore implements FlowStore {
  private readonly client: ClickHouseClient;
  private readonly table: string;
  private queue: Pending[] = [];
  private pendingRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closed = false;

  readonly stats: StoreStats = { rowsStored: 0, failedAttempts: 0, lastError: undefined };

  constructor(private readonly config: HttpStoreConfig) {
    this.client = createClient({
      // Failed requests are counted in `stats` and surface as StoreUnavailableError; the client's
      // own ERROR line per failed attempt would only repeat them.
      log: { level: ClickHouseLogLevel.OFF },
      url: config.url,
      database: config.database,
      username: config.username,
      password: config.password,
      request_timeout: config.requestTimeoutMs ?? 30_000,
      clickhouse_settings: config.readOnly ? { readonly: '1' } : undefined,
    });
    this.table = checkTable(config.table ?? 'tcp_flows');
  }

  migrate(): Promise<MigrationResult> {
    return runMigrations(
      {
        command: async (sql, params) => {
          await this.client.command({ query: sql, query_params: params });
        },
        query: (sql, params) => this.query(sql, params),
      },
      this.config,
    );
  }

  insertFlows(rows: readonly FlowRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('ClickHouseHttpStore is closed'));
    if (rows.length === 0) return Promise.resolve();
    const limit = this.config.maxPendingRows ?? 200_000;
    if (this.pendingRows + rows.length > limit) {
      return Promise.reject(
        new StoreUnavailableError(
          `${this.pendingRows} rows already waiting for ${this.config.url}; retry later`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.pendingRows += rows.length;
      this.schedule();
    });
  }

  async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    // The client appends FORMAT JSONEachRow, which only a row-returning statement accepts; DDL,
    // INSERT … VALUES, OPTIMIZE, SYSTEM go through command() and return no rows.
    // (Without params nothing is sent as param_*, so this also works on 18.16.)
    if (!/^\s*(SELECT|WITH|SHOW|DESC|DESCRIBE|EXISTS|EXPLAIN)\b/i.test(sql)) {
      await this.client.command({ query: sql, query_params: params });
      return [];
    }
    const rs = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.queue.length > 0 || this.sending) await this.kick();
    await this.client.close();
  }

  private get maxBatchRows(): number {
    return this.config.maxBatchRows ?? 10_000;
  }

  private schedule(): void {
    if (this.pendingRows >= this.maxBatchRows) {
      void this.kick();
    } else if (!this.timer && !this.sending) {
      this.timer = setTimeout(() => void this.kick(), this.config.maxBatchMs ?? 1000);
    }
  }

  /** Starts the sender unless it runs; resolves when it stops. */
  private kick(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0) this.schedule();
    });
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // Whole caller calls form a batch, so each caller's promise settles with one batch.
      const batch: Pending[] = [];
      let n = 0;
      while (this.queue.length > 0 && (n === 0 || n + this.queue[0].rows.length <= this.maxBatchRows)) {
        const p = this.queue.shift()!;
        batch.push(p);
        n += p.rows.length;
      }
      try {
        await this.send(batch.flatMap((p) => p.rows));
        this.pendingRows -= n;
        for (const p of batch) p.resolve();
      } catch (err) {
        // The server is unavailable for what waits behind this batch too: fail it all now.
        const failed = [...batch, ...this.queue.splice(0)];
        this.pendingRows = 0;
        for (const p of failed) p.reject(err as Error);
      }
    }
  }

  private insert(rows: FlowRow[]): Promise<unknown> {
    const settings = { table: this.table, clickhouse_settings: this.config.insertSettings };
    if (this.config.insertFormat === 'JSONEachRow')
      return this.client.insert({ ...settings, values: rows, format: 'JSONEachRow' });
    const { columns, values } = compactRows(rows);
    // send() always has rows, so at least one column.
    const named = columns as [string, ...string[]];
    return this.client.insert({ ...settings, values, columns: named, format: 'JSONCompactEachRow' });
  }

  /** One INSERT, retried with backoff until it succeeds, fails for good, or the budget is spent. */
  private async send(rows: FlowRow[]): Promise<void> {
    const started = Date.now();
    const budget = this.config.retryBudgetMs ?? 60_000;
    let delay = this.config.retryInitialMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.insert(rows);
        this.stats.rowsStored += rows.length;
        return;
      } catch (err) {
        this.stats.failedAttempts++;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
        const elapsed = Date.now() - started;
        if (!retryable(err) || elapsed + delay > budget) {
          const why = err instanceof Error ? err.message : String(err);
          throw new StoreUnavailableError(
            `ClickHouse at ${this.config.url} did not store ${rows.length} rows into ${this.table} ` +
              `(${attempt} attempt(s) over ${(elapsed / 1000).toFixed(1)} s): ${why}. ` +
              'Treat the batch as not stored and send the rows again (a re-sent flow version collapses).',
            { cause: err },
          );
        }
        await sleep(delay * (0.5 + Math.random() / 2));
        delay = Math.min(delay * 2, this.config.retryMaxMs ?? 5000);
      }
    }
  }
}
