import { Worker } from 'node:worker_threads';
import type { HttpStoreConfig, StoreConfig } from '@tcpx/store';
import type { FlowOutputStats } from './flow-output.js';
import type { FlowProcessorOptions, FlowProcessorStats } from './flow-processor.js';

/** One processor thread's options: FlowProcessorOptions that survive structured cloning. */
export interface ProcessorThreadOptions extends Omit<FlowProcessorOptions, 'store' | 'log'> {
  /** Each thread opens its own store here: a ClickHouse server (chdb: is one process's only). */
  storeLocation: string;
  storeConfig?: StoreConfig & Partial<HttpStoreConfig>;
}

export interface ProcessorThreadsOptions extends ProcessorThreadOptions {
  threads: number;
  /** Every thread's log events, each with its `thread` number. */
  log?: (event: Record<string, unknown>) => void;
}

/** Messages from a processor thread (processor-thread.ts). */
export type FromProcessorThread =
  | { type: 'started' }
  | { type: 'failed'; error: string }
  | { type: 'stats'; stats: FlowProcessorStats; outputStats: FlowOutputStats }
  | { type: 'log'; event: Record<string, unknown> }
  | { type: 'stopped'; stats: FlowProcessorStats; outputStats: FlowOutputStats };

interface Member {
  worker: Worker;
  stats: FlowProcessorStats | undefined;
  outputStats: FlowOutputStats | undefined;
  exited: Promise<void>;
}

/**
 * Flow processors of one consumer group, each on its own thread. The group shares the partitions
 * among them as among processes: each thread has its own flow tables, checkpoints, Kafka clients
 * and store connection, and they share nothing but the process. A processor is one JavaScript
 * thread; this is how one process uses more cores than one. Each thread is a whole consumer (its
 * own fetches, decoding and JIT), so it pays where cores are spare: on the 2-core bench machine,
 * shared with the edge, Kafka and ClickHouse, two threads emptied the backlog faster after the edge
 * stopped but cost more CPU while it ran.
 */
export class ProcessorThreads {
  private readonly members: Member[] = [];
  private failure: ((error: Error) => void) | undefined;
  /** Rejects when a thread fails after start() (it crashed or its processor could not go on). */
  readonly failed: Promise<never>;

  constructor(private readonly options: ProcessorThreadsOptions) {
    if (!(Number.isInteger(options.threads) && options.threads >= 1))
      throw new Error(`threads must be a positive integer, got ${options.threads}`);
    if (options.storeLocation.startsWith('chdb:'))
      throw new Error('processor threads need a ClickHouse server store (http://…): chdb: is one thread’s');
    this.failed = new Promise<never>((_, reject) => {
      this.failure = reject;
    });
    this.failed.catch(() => {}); // observed by whoever awaits it
  }

  /** Every thread's counters added up (partitions: all assigned ones). */
  get stats(): FlowProcessorStats {
    return sum(this.members.map((m) => m.stats));
  }

  get outputStats(): FlowOutputStats {
    return sum(this.members.map((m) => m.outputStats));
  }

  /** Starts every thread; resolves once all have joined the group, rejects (and stops the others) if one cannot. */
  async start(): Promise<void> {
    const { threads, log, ...threadOptions } = this.options;
    const started = [];
    for (let thread = 0; thread < threads; thread++) {
      const worker = new Worker(new URL('./processor-thread.js', import.meta.url), {
        workerData: {
          ...threadOptions,
          clientId: `${threadOptions.clientId ?? 'tcpx-flow-processor'}-${thread}`,
        },
      });
      let onStarted!: { resolve: () => void; reject: (error: Error) => void };
      started.push(new Promise<void>((resolve, reject) => (onStarted = { resolve, reject })));
      const member: Member = {
        worker,
        stats: undefined,
        outputStats: undefined,
        exited: new Promise((resolve) => worker.once('exit', () => resolve())),
      };
      let stopped = false;
      worker.on('message', (m: FromProcessorThread) => {
        if (m.type === 'log') log?.({ ...m.event, thread });
        else if (m.type === 'started') onStarted.resolve();
        else if (m.type === 'failed') onStarted.reject(new Error(m.error));
        else {
          member.stats = m.stats;
          member.outputStats = m.outputStats;
          if (m.type === 'stopped') stopped = true;
        }
      });
      worker.on('error', (error) => {
        onStarted.reject(error);
        this.failure?.(new Error(`processor thread ${thread} failed: ${error.message}`));
      });
      worker.once('exit', (code) => {
        const error = new Error(`processor thread ${thread} exited (code ${code}) before it was stopped`);
        onStarted.reject(error);
        if (!stopped) this.failure?.(error);
      });
      this.members.push(member);
    }
    const outcomes = await Promise.allSettled(started);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    if (rejected) {
      await this.stop();
      throw (rejected as PromiseRejectedResult).reason;
    }
    await this.balanced(log);
  }

  /**
   * Waits until every thread owns partitions of its own. Threads join the group one after another,
   * and each join moves partitions: input that arrives meanwhile waits for the group's rebalance
   * (up to a heartbeat interval, 3 s), which a start should absorb, not the first traffic.
   */
  private async balanced(log: ProcessorThreadsOptions['log'], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const isBalanced = () => {
      const owned = this.members.map((m) => m.stats?.assignedPartitions ?? []);
      return owned.every((p) => p.length > 0) && new Set(owned.flat()).size === owned.flat().length;
    };
    while (!isBalanced()) {
      if (Date.now() > deadline) {
        log?.({ level: 'warn', msg: `not every processor thread owns partitions after ${timeoutMs} ms` });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops every thread as FlowProcessor.stop() does (last checkpoint, leave the group) and waits for them to exit. */
  async stop(graceMs = 30_000): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        m.worker.postMessage({ type: 'stop', graceMs });
        await m.exited;
      }),
    );
  }
}

/** Adds up numeric counters; arrays are joined (sorted), anything else keeps the first value set. */
function sum<T extends object>(parts: ReadonlyArray<T | undefined>): T {
  const total: Record<string, unknown> = {};
  for (const part of parts) {
    if (part === undefined) continue;
    for (const [key, value] of Object.entries(part)) {
      const current = total[key];
      if (typeof value === 'number') total[key] = ((current as number | undefined) ?? 0) + value;
      else if (Array.isArray(value))
        total[key] = [...((current as unknown[] | undefined) ?? []), ...value].sort((a, b) => a - b);
      else if (current === undefined) total[key] = value;
    }
  }
  return total as T;
}
