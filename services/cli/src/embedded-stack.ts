import { join } from 'node:path';
import { InProcessTransport, PacketPublisher, type PublisherStats } from '@tcpx/edge-capture';
import { FileCheckpoints, InProcessFlowProcessor } from '@tcpx/flow-processor';
import { MemoryFeed } from '@tcpx/query-api/data/memory-feed';
import { InProcessTopic } from '@tcpx/schemas/in-process-topic';
import { type FlowStore, openStore } from '@tcpx/store';
import { CliError } from './cli-error.js';

// The embedded mode's engine: the distributed pipeline's publisher and flow processor in one
// process, joined by an in-process topic, writing to the embedded ClickHouse (chdb) in the data
// folder, with a read-only session of the same engine for the query API.

export interface EmbeddedStackOptions {
  dataDir: string;
  node: string;
  mode: 'live' | 'replay';
  /** Live capture: the interface, carried in every batch as the edge does. */
  interfaceNames?: readonly string[];
  log: (event: Record<string, unknown>) => void;
}

// A local store takes a batch in milliseconds: commit every second, so rows are queryable about a
// second after their packets (the distributed default, 5 s, batches for a remote ClickHouse), and
// report open connections every 5 s rather than 30.
const COMMIT_INTERVAL_MS = 1000;
const INTERIM_INTERVAL_MS = 5000;

export interface StackStats {
  publisher: PublisherStats;
  topic: InProcessTopic['stats'];
  processor: InProcessFlowProcessor['stats'];
  output: InProcessFlowProcessor['outputStats'];
  store: FlowStore['stats'];
  /** Whether the last checkpoint (records and flow tables) was stored. */
  stored: boolean;
}

export class EmbeddedStack {
  private constructor(
    readonly store: FlowStore,
    /** For the query API: ClickHouse refuses it anything but reading. */
    readonly apiStore: FlowStore,
    readonly feed: MemoryFeed,
    readonly topic: InProcessTopic,
    readonly processor: InProcessFlowProcessor,
    readonly publisher: PacketPublisher,
  ) {}

  /** Opens the store (migrated), restores the flow tables, and starts the publisher. */
  static async open(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
    const location = `chdb:${join(options.dataDir, 'clickhouse')}`;
    let store: FlowStore;
    try {
      store = openStore(location);
      await store.migrate();
    } catch (error) {
      throw new CliError(
        `cannot open the embedded store in ${options.dataDir}: ${(error as Error).message}`,
        2,
      );
    }
    const apiStore = openStore(location, { readOnly: true });
    const feed = new MemoryFeed();
    const topic = new InProcessTopic();
    const processor = new InProcessFlowProcessor({
      topic,
      store,
      checkpoints: new FileCheckpoints(join(options.dataDir, 'flow-state')),
      onStored: (rows) => feed.push(rows),
      commitIntervalMs: COMMIT_INTERVAL_MS,
      interimIntervalMs: INTERIM_INTERVAL_MS,
      log: options.log,
    });
    try {
      await processor.start();
      // A replay reads its file from the start again: its node's restored connections must not
      // count those packets twice (rows of an earlier run come back with the same ids and versions).
      if (options.mode === 'replay') await processor.forgetNode(options.node);
    } catch (error) {
      await apiStore.close();
      await store.close();
      throw new CliError(
        `cannot restore the flow tables in ${options.dataDir}: ${(error as Error).message}`,
        2,
      );
    }
    const publisher = new PacketPublisher(new InProcessTransport(topic), {
      node: options.node,
      mode: options.mode,
      interfaceNames: options.interfaceNames,
    });
    await publisher.start();
    return new EmbeddedStack(store, apiStore, feed, topic, processor, publisher);
  }

  /**
   * Sends what the publisher holds, processes everything the topic holds, stores the final and
   * interim records and the flow tables' checkpoint, then closes the store. Call once the input
   * stopped and the API closed.
   */
  async close(): Promise<StackStats> {
    const publisher = await this.publisher.close();
    const stored = await this.processor.stop();
    await this.apiStore.close();
    await this.store.close();
    return {
      publisher,
      topic: this.topic.stats,
      processor: this.processor.stats,
      output: this.processor.outputStats,
      store: this.store.stats,
      stored,
    };
  }
}
