import type { PacketSummary, TcpFlowRecord } from '@tcpx/schemas';
import { type AnalyzerOptions, TcpAnalyzer } from '../engine/analyzer.js';
import type { ConnectionTable } from '../engine/connection-table.js';
import { buildFlowRecord } from '../engine/flow-record.js';

/** A record leaving the flow table: an interim view of an open connection, or its final one. */
export interface EmittedFlow {
  node: string;
  record: TcpFlowRecord;
  /**
   * Packets of the connection × 2, + 1 when final: grows with every change, the final record
   * beats the last interim one, and re-processing the same packets gives the same number, so a
   * re-delivered row collapses with its twin in ReplacingMergeTree(version).
   */
  version: number;
  final: boolean;
}

const packetsOf = (t: ConnectionTable, slot: number) => t.packets[slot * 2] + t.packets[slot * 2 + 1];

/**
 * The flow tables of one input partition, one analyzer per observing node: the same connection
 * seen from two nodes is two observations, never merged. Pure state, no I/O: the Kafka consumer,
 * the embedded mode and the tests drive it the same way.
 */
export class PartitionFlows {
  private readonly analyzers = new Map<string, TcpAnalyzer>();
  private emitted: EmittedFlow[] = [];

  constructor(private readonly options: AnalyzerOptions = {}) {}

  ingest(node: string, p: PacketSummary): void {
    this.analyzerOf(node).ingest(p);
  }

  /** Interim records for every open connection that changed since it was last reported. */
  emitInterim(): number {
    let count = 0;
    for (const [node, analyzer] of this.analyzers) {
      const t = analyzer.table;
      t.forEachSlot((slot) => {
        if (t.reportDue[slot] === 0) return;
        t.reportDue[slot] = 0;
        const packets = packetsOf(t, slot);
        const record = buildFlowRecord(analyzer, slot, false);
        this.emitted.push({ node, record, version: packets * 2, final: false });
        count++;
      });
    }
    return count;
  }

  /**
   * Moves capture time forward by `ns` past the latest packet, so lingering closed connections and
   * idle ones are emitted although no packet arrives (a quiet partition in live operation).
   */
  advance(ns: number): void {
    for (const analyzer of this.analyzers.values()) {
      if (analyzer.latestTimeNs > Number.NEGATIVE_INFINITY) analyzer.expire(analyzer.latestTimeNs + ns);
    }
  }

  /** Emits every connection as final (end of input). */
  flush(): void {
    for (const analyzer of this.analyzers.values()) analyzer.flush();
  }

  /** Emits every connection of one node as final (that node's capture ended). */
  flushNode(node: string): void {
    this.analyzers.get(node)?.flush();
  }

  /**
   * Drops one node's analyzer without emitting anything: its input starts over from the beginning
   * (a replayed file read again), so continuing its connections would count packets twice.
   */
  forgetNode(node: string): void {
    this.analyzers.delete(node);
  }

  /** Records emitted since the last take(), in emission order. */
  take(): EmittedFlow[] {
    const out = this.emitted;
    this.emitted = [];
    return out;
  }

  get pendingRecords(): number {
    return this.emitted.length;
  }

  get openConnections(): number {
    let n = 0;
    for (const a of this.analyzers.values()) n += a.openConnections;
    return n;
  }

  /**
   * Every node's analyzer state; emitted but not yet taken records are not part of it (take them
   * and store them first). Layout: uint32 count, then per node uint32 name length, name (UTF-8),
   * uint32 state length, state.
   */
  snapshot(): Uint8Array {
    const parts: Uint8Array[] = [];
    const u32 = (n: number) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, n, true);
      return b;
    };
    parts.push(u32(this.analyzers.size));
    for (const [node, analyzer] of this.analyzers) {
      const name = new TextEncoder().encode(node);
      const state = analyzer.snapshot();
      parts.push(u32(name.length), name, u32(state.length), state);
    }
    return Buffer.concat(parts);
  }

  /** Replaces all state by a snapshot()'s. */
  restore(bytes: Uint8Array): void {
    this.analyzers.clear();
    this.emitted = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    const u32 = () => {
      const n = view.getUint32(pos, true);
      pos += 4;
      return n;
    };
    const count = u32();
    for (let i = 0; i < count; i++) {
      const nameLength = u32();
      const node = new TextDecoder().decode(bytes.subarray(pos, pos + nameLength));
      pos += nameLength;
      const stateLength = u32();
      this.analyzerOf(node).restore(bytes.subarray(pos, pos + stateLength));
      pos += stateLength;
    }
    if (pos !== bytes.length) throw new Error(`partition snapshot has ${bytes.length - pos} trailing bytes`);
  }

  private analyzerOf(node: string): TcpAnalyzer {
    let analyzer = this.analyzers.get(node);
    if (!analyzer) {
      const created: TcpAnalyzer = new TcpAnalyzer((_table, slot, reason) => {
        const evicted = reason === 'idle' || reason === 'capacity';
        const record = buildFlowRecord(created, slot, evicted);
        this.emitted.push({ node, record, version: packetsOf(created.table, slot) * 2 + 1, final: true });
      }, this.options);
      analyzer = created;
      this.analyzers.set(node, analyzer);
    }
    return analyzer;
  }
}
