import { flowId, type SchemaSerdes } from '@tcpx/schemas';
import { type FlowRow, type FlowStore, toFlowRow } from '@tcpx/store';
import type { Producer } from 'kafkajs';
import type { EmittedFlow } from './partition-flows.js';

export interface FlowOutputStats {
  rowsWritten: number;
  interimRows: number;
  finalRows: number;
  storeRetries: number;
  /** Wall time spent waiting for the store to take rows (ms). */
  storeMs: number;
  flowsPublished: number;
  lastStoreError: string | undefined;
}

export interface FlowOutputOptions {
  store: FlowStore;
  /** Also publish TcpFlow records here (Confluent-framed), for other consumers. */
  flowsTopic?: { producer: Producer; topic: string; serdes: SchemaSerdes };
  /** Receives every batch of rows right after the store acknowledged it (the embedded API's live feed). */
  onStored?: (rows: readonly FlowRow[]) => void;
  /** Called while the store is retried, so the consumer group keeps us (kafkajs heartbeats). */
  keepAlive?: () => Promise<void>;
  /** First retry delay; doubles up to 10 s. */
  retryDelayMs?: number;
  log?: (event: Record<string, unknown>) => void;
}

/**
 * Where records go: ClickHouse rows (retried until the store has them, never dropped: the caller
 * commits input offsets only after write() resolves) and optionally the tcpx.flows topic.
 */
export class FlowOutput {
  readonly stats: FlowOutputStats = {
    rowsWritten: 0,
    interimRows: 0,
    finalRows: 0,
    storeRetries: 0,
    storeMs: 0,
    flowsPublished: 0,
    lastStoreError: undefined,
  };
  private stopping = false;

  constructor(private readonly options: FlowOutputOptions) {}

  async write(flows: readonly EmittedFlow[]): Promise<void> {
    if (flows.length === 0) return;
    // FNV over the key text, once per record: the row and the flows topic carry the same id.
    const ids = flows.map((f) => flowId(f.node, f.record));
    const rows = flows.map((f, i) =>
      toFlowRow(f.record, { node: f.node, flowId: ids[i], version: f.version, final: f.final }),
    );
    let delay = this.options.retryDelayMs ?? 250;
    const started = performance.now();
    for (;;) {
      try {
        await this.options.store.insertFlows(rows);
        break;
      } catch (error) {
        if (this.stopping) throw error;
        this.stats.storeRetries++;
        this.stats.lastStoreError = (error as Error).message;
        this.options.log?.({
          level: 'warn',
          msg: 'store insert failed; retrying',
          rows: rows.length,
          error: this.stats.lastStoreError,
          retryInMs: delay,
        });
        await sleep(delay);
        await this.options.keepAlive?.().catch(() => {});
        delay = Math.min(delay * 2, 10_000);
      }
    }
    this.stats.storeMs += performance.now() - started;
    this.stats.rowsWritten += rows.length;
    this.options.onStored?.(rows);
    for (const f of flows) {
      if (f.final) this.stats.finalRows++;
      else this.stats.interimRows++;
    }
    const out = this.options.flowsTopic;
    if (out) {
      const messages = await Promise.all(
        flows.map(async (f, i) => {
          const id = ids[i];
          return {
            key: id,
            value: await out.serdes.serializeFlow(f.record, {
              node: f.node,
              flow_id: id,
              version: f.version,
              final: f.final,
            }),
          };
        }),
      );
      await out.producer.send({ topic: out.topic, acks: -1, messages });
      this.stats.flowsPublished += messages.length;
    }
  }

  /** Makes a write() that is retrying give up (shutdown). */
  stop(): void {
    this.stopping = true;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
