import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** schemas/clickhouse/ of this repository, from services/store/dist/. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/', import.meta.url));

export interface MigrationConfig {
  /** Directory of NNNN_name.sql files; default DEFAULT_MIGRATIONS_DIR. */
  migrationsDir?: string;
  /** tcp_flows TTL in days (default 30). */
  retentionDays?: number;
  /** tcp_rtt_1m TTL in days (default 90). */
  rollupRetentionDays?: number;
}

export interface Migration {
  version: number;
  name: string;
  /** sha256 of the file as written (before placeholders), to notice an edited applied file. */
  checksum: string;
  statements: string[];
}

/** What the runner needs from a store: run a statement, read rows. */
export interface SqlExecutor {
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}

const BOOTSTRAP = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version`;

export const MAX_RETENTION_DAYS = 10_950;

function days(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  // Spliced into DDL (TTL takes no query parameters), so only a plain integer is allowed. At most
  // 30 years: the TTL is a DateTime (ends in 2106), and one that overflows expires every row at
  // once — a 100-year retention silently deleted each row as it was inserted.
  if (!Number.isInteger(v) || v < 1 || v > MAX_RETENTION_DAYS)
    throw new Error(`${name} must be an integer 1..${MAX_RETENTION_DAYS} (days), got ${v}`);
  return v;
}

/** Splits a file into statements: `;` at the end of a line ends one; `--` lines are dropped. */
export function splitStatements(sql: string): string[] {
  const body = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return body
    .split(/;[ \t]*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function loadMigrations(config: MigrationConfig = {}): Migration[] {
  const dir = config.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const vars: Record<string, number> = {
    retention_days: days(config.retentionDays, 30, 'retentionDays'),
    rollup_retention_days: days(config.rollupRetentionDays, 90, 'rollupRetentionDays'),
  };
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort();
  return files.map((file) => {
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    const filled = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      if (!(key in vars)) throw new Error(`${file}: unknown placeholder {{${key}}}`);
      return String(vars[key]);
    });
    return {
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(filled),
    };
  });
}

export interface MigrationResult {
  applied: number[];
  skipped: number[];
}

/**
 * Applies the migrations not yet in schema_migrations, in version order, recording each after all
 * its statements succeed. Statements are IF NOT EXISTS, so a run that died halfway repeats safely.
 * Not safe against two processes migrating the same database at the same moment (no lock).
 */
export async function runMigrations(db: SqlExecutor, config: MigrationConfig = {}): Promise<MigrationResult> {
  const migrations = loadMigrations(config);
  await db.command(BOOTSTRAP);
  const rows = await db.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations FINAL ORDER BY version',
  );
  const done = new Map(rows.map((r) => [Number(r.version), r.checksum]));
  const result: MigrationResult = { applied: [], skipped: [] };
  for (const m of migrations) {
    const seen = done.get(m.version);
    if (seen !== undefined) {
      if (seen !== m.checksum) throw new Error(`migration ${m.name} was edited after it was applied`);
      result.skipped.push(m.version);
      continue;
    }
    for (const statement of m.statements) await db.command(statement);
    await db.command(
      'INSERT INTO schema_migrations (version, name, checksum) VALUES ({v:UInt32}, {n:String}, {c:String})',
      {
        v: m.version,
        n: m.name,
        c: m.checksum,
      },
    );
    result.applied.push(m.version);
  }
  const flowDays = days(config.retentionDays, 30, 'retentionDays');
  const rollupDays = days(config.rollupRetentionDays, 90, 'rollupRetentionDays');
  for (const [table, column, keepDays] of [
    ['tcp_flows', 'toDateTime(inserted_at)', flowDays],
    ['tcp_flow_versions', 'toDateTime(inserted_at)', flowDays],
    ['tcp_rtt_1m', 'stored_at', rollupDays],
    ['tcp_rtt_1h', 'stored_at', rollupDays],
    ['tcp_rtt_1h_dst', 'stored_at', rollupDays],
    ['tcp_rtt_1h_src', 'stored_at', rollupDays],
  ] as const)
    await reconcileTtl(db, table, column, keepDays);
  return result;
}

/** A migration sets the TTL once; a retention changed in configuration later is applied here. */
async function reconcileTtl(db: SqlExecutor, table: string, column: string, keepDays: number): Promise<void> {
  const [row] = await db.query<{ engine_full: string }>(
    'SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
    { t: table },
  );
  if (!row || row.engine_full.includes(`TTL ${column} + toIntervalDay(${keepDays})`)) return;
  // keepDays is a validated integer and table/column are constants: nothing external is spliced.
  // ClickHouse then materializes the new TTL in the background (a mutation over existing parts).
  await db.command(`ALTER TABLE ${table} MODIFY TTL ${column} + INTERVAL ${keepDays} DAY`);
}
