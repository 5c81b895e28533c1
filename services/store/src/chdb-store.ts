import { createRequire } from 'node:module';
import { compactRows, type FlowRow } from './flow-row.js';
import { type MigrationResult, runMigrations } from './migrate.js';
import { checkTable, type FlowStore, parseRows, type StoreConfig, type StoreStats } from './store.js';

type Chdb = typeof import('chdb');

/** Loads chdb, naming the reason when its native engine is missing (no silent fallback). */
export function loadChdb(): Chdb {
  try {
    return createRequire(import.meta.url)('chdb') as Chdb;
  } catch (err) {
    throw new Error(`chdb (embedded ClickHouse) cannot load: ${(err as Error).message}`, { cause: err });
  }
}

export interface ChdbStoreConfig extends StoreConfig {
  /** Data directory; it survives restarts. chdb binds one directory per process. */
  path: string;
}

/**
 * Embedded ClickHouse (chdb's Session: ClickHouse 26.x in this process). Writes are serialised:
 * an insert resolves once the engine has committed the part (async_insert off).
 */
export class ChdbStore implements FlowStore {
  private readonly session: InstanceType<Chdb['Session']>;
  private readonly table: string;
  private readonly maxBatchRows: number;
  readonly stats: StoreStats = { rowsStored: 0, failedAttempts: 0, lastError: undefined };
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly config: ChdbStoreConfig) {
    const { Session } = loadChdb();
    // UInt64 as JSON strings, like the HTTP server's default: flow_id exceeds 2^53. Settings are
    // per connection (each Session has its own, even on a shared directory), so readonly binds
    // this store only.
    this.session = new Session(config.path, {
      connectionArgs: [
        '--output_format_json_quote_64bit_integers=1',
        ...(config.readOnly ? ['--readonly=1'] : []),
      ],
    });
    this.table = checkTable(config.table ?? 'tcp_flows');
    this.maxBatchRows = config.maxBatchRows ?? 10_000;
  }

  migrate(): Promise<MigrationResult> {
    return runMigrations(
      {
        command: async (sql, params) => {
          await this.session.queryBindAsync(sql, params ?? {});
        },
        query: (sql, params) => this.query(sql, params),
      },
      this.config,
    );
  }

  insertFlows(rows: readonly FlowRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('ChdbStore is closed'));
    const run = async () => {
      for (let i = 0; i < rows.length; i += this.maxBatchRows) {
        const { columns, values } = compactRows(rows.slice(i, i + this.maxBatchRows));
        const body = values.map((v) => JSON.stringify(v)).join('\n');
        try {
          await this.session.insert({
            table: this.table,
            values: body,
            format: 'JSONCompactEachRow',
            columns,
            // chdb defaults async_insert to 1; off, the promise means "in a part on disk".
            settings: { async_insert: 0 },
          });
        } catch (error) {
          this.stats.failedAttempts++;
          this.stats.lastError = (error as Error).message;
          throw error;
        }
        this.stats.rowsStored += Math.min(this.maxBatchRows, rows.length - i);
      }
    };
    const done = this.writes.then(run);
    this.writes = done.catch(() => undefined);
    return done;
  }

  async query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' });
    return parseRows<T>(result.text());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes;
    this.session.close();
  }
}
