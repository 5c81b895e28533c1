import { type FlowRow, type FlowStore, RECORD_COLUMNS } from '@tcpx/store';
import type { FlowFeed } from '../http/context.js';
import { flowRowFromStored, type StoredRow } from './flow-view.js';

export interface StoreFeedOptions {
  /** Poll period while someone subscribes; default 1000 ms. */
  intervalMs?: number;
  /**
   * How far back each poll looks behind the newest inserted_at seen (default 5000 ms): a batch
   * stamped before another but committed after it still shows up. Rows are delivered once.
   */
  lagMs?: number;
  /** A failed poll is retried at the next tick; this hears about it. */
  onError?: (error: unknown) => void;
}

type Listener = (rows: readonly FlowRow[]) => void;

const keyOf = (r: StoredRow) => `${r.flow_id}/${r.node}/${r.version}`;

/**
 * The FlowFeed of a query API in front of a shared ClickHouse: polls tcp_flows for rows stored
 * since the last poll (by inserted_at), only while at least one subscriber listens.
 */
export class StoreFeed implements FlowFeed {
  private readonly listeners = new Set<Listener>();
  private readonly intervalMs: number;
  private readonly lagMs: number;
  private timer: NodeJS.Timeout | undefined;
  /** Newest inserted_at (epoch ms) delivered or present at start; undefined until started. */
  private watermark: number | undefined;
  /** Rows seen within the lag window: key → inserted_at ms. */
  private seen = new Map<string, number>();
  private generation = 0;
  private baseline: Promise<void> = Promise.resolve();
  private markBaseline: () => void = () => {};

  constructor(
    private readonly store: FlowStore,
    private readonly options: StoreFeedOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.lagMs = options.lagMs ?? 5000;
  }

  subscribe(onRows: Listener): () => void {
    const listener: Listener = (rows) => onRows(rows);
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /**
   * Resolves once the current subscription's first poll has recorded what was already stored:
   * rows stored from then on are delivered (tests wait for it; a subscriber never needs to).
   */
  started(): Promise<void> {
    return this.baseline;
  }

  private start(): void {
    this.generation++;
    this.watermark = undefined;
    this.seen.clear();
    this.baseline = new Promise((resolve) => {
      this.markBaseline = resolve;
    });
    this.schedule(this.generation, 0);
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
  }

  private schedule(generation: number, delayMs: number): void {
    this.timer = setTimeout(() => {
      this.tick(generation).then(
        () => {
          if (generation === this.generation) this.schedule(generation, this.intervalMs);
        },
        (error: unknown) => {
          this.options.onError?.(error);
          if (generation === this.generation) this.schedule(generation, this.intervalMs);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  /** One poll; the first of a subscription only records what is already stored. */
  private async tick(generation: number): Promise<void> {
    const first = this.watermark === undefined;
    const since = first ? undefined : (this.watermark as number) - this.lagMs;
    const rows = await this.store.query<StoredRow & { inserted_ms: string | number }>(
      `SELECT ${RECORD_COLUMNS}, toUnixTimestamp64Milli(inserted_at) AS inserted_ms FROM tcp_flows
       WHERE inserted_at >= ${
         first
           ? '(SELECT max(inserted_at) FROM tcp_flows) - toIntervalMillisecond({q_lag:UInt32})'
           : 'fromUnixTimestamp64Milli({q_since:Int64})'
       }
       ORDER BY inserted_at`,
      first ? { q_lag: this.lagMs } : { q_since: since },
    );
    if (generation !== this.generation) return; // unsubscribed meanwhile
    const fresh: FlowRow[] = [];
    let watermark = this.watermark ?? 0;
    for (const row of rows) {
      const key = keyOf(row);
      const at = Number(row.inserted_ms);
      watermark = Math.max(watermark, at);
      if (this.seen.has(key)) continue;
      this.seen.set(key, at);
      if (!first) fresh.push(flowRowFromStored(row));
    }
    this.watermark = watermark;
    if (first) this.markBaseline();
    for (const [key, at] of this.seen) if (at < watermark - this.lagMs) this.seen.delete(key);
    if (fresh.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(fresh);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }
}
