import { connect, type Socket } from 'node:net';
import kafkajs from 'kafkajs';
import { destinationAddress, sourceAddress } from './addresses.js';
import type { PacketSummary } from './packet-summary.js';
import { compareEndpoints } from './packet-summary-codec.js';
import { snappyCodec } from './snappy-codec.js';

// The Kafka side of the contract between edges and flow processors: topic names, message keys,
// compression, and one way to build a client. Both services import it from here.

export const DEFAULT_TOPICS = {
  /** PacketSummaryBatch values (Confluent-framed protobuf), key = packetKey(). */
  packets: 'tcpx.packets',
  /** TcpFlow records for other consumers (optional output of the flow processors). */
  flows: 'tcpx.flows',
  /** Compacted changelog of flow-table snapshots, one key per (group, partition, chunk). */
  flowState: 'tcpx.flow-state',
  /** Compacted: the capture switch and each edge's capture state (capture-control.ts). */
  control: 'tcpx.control',
} as const;

/**
 * Header of the empty batch an edge sends to every partition when its capture file ends: the flow
 * processors then finish that node's connections, as `tcpx analyze` does at the end of a file.
 */
export const END_OF_CAPTURE_HEADER = 'tcpx-end-of-capture';

export type Compression = 'none' | 'gzip' | 'snappy';

let snappyRegistered = false;

/** kafkajs' compression type for a name; snappy (see snappy-codec.ts) is registered on first use. */
export function compressionType(name: Compression): kafkajs.CompressionTypes {
  const { CompressionTypes, CompressionCodecs } = kafkajs;
  switch (name) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      registerSnappy(CompressionCodecs);
      return CompressionTypes.Snappy;
    default:
      throw new Error(`unknown compression '${name as string}' (none, gzip, snappy)`);
  }
}

function registerSnappy(codecs: typeof kafkajs.CompressionCodecs): void {
  if (snappyRegistered) return;
  codecs[kafkajs.CompressionTypes.Snappy] = snappyCodec().factory;
  snappyRegistered = true;
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs log level; default WARN. Logs go to stderr as one JSON line each. */
  logLevel?: kafkajs.logLevel;
  connectionTimeoutMs?: number;
  /** kafkajs' client-wide retry policy (connecting, metadata; producers and admins inherit it). */
  retry?: kafkajs.RetryOptions;
  /**
   * Every socket the client opens is in this set until it closes, so its owner can close what
   * kafkajs leaves behind after disconnecting (see closeLeftoverSockets).
   */
  sockets?: Set<Socket>;
}

/** kafkajs' own socket factory for plain TCP (createKafka sets up no TLS), recording each socket. */
function trackedSockets(sockets: Set<Socket>): kafkajs.ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
}

/**
 * Destroys the sockets still open after a client's disconnect and says how many there were.
 * kafkajs 2.2.4 can leave one: a consumer group whose coordinator connection reconnects (a
 * heartbeat after a broker restart) on a broker object its pool no longer holds, which
 * disconnect() then never reaches; the open socket keeps the process alive.
 */
export function closeLeftoverSockets(sockets: Set<Socket>): number {
  const left = sockets.size;
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  return left;
}

/**
 * A kafkajs client. Consumers can read every compression a producer may use, so the snappy codec
 * is always registered.
 */
export function createKafka(options: KafkaClientOptions): kafkajs.Kafka {
  registerSnappy(kafkajs.CompressionCodecs);
  return new kafkajs.Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    ...(options.retry && { retry: options.retry }),
    ...(options.sockets && { socketFactory: trackedSockets(options.sockets) }),
    logLevel: options.logLevel ?? kafkajs.logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, label, log }) => {
        const { message, ...extra } = log;
        process.stderr.write(
          `${JSON.stringify({ level: label.toLowerCase(), lvl: level, component: `kafkajs.${namespace}`, msg: message, ...extra })}\n`,
        );
      },
  });
}

/**
 * Message key of a packet: node and canonical 5-tuple (lower address/port first, as the batch
 * codec orders endpoints), so both directions of a connection seen by one node land in one
 * partition, and the same connection seen by two nodes stays two observations.
 * Format: `node|tcp|ipA|portA|ipB|portB`.
 */
export function packetKey(node: string, p: PacketSummary): string {
  const src = sourceAddress(p);
  const dst = destinationAddress(p);
  return compareEndpoints(p) <= 0
    ? `${node}|tcp|${src}|${p.srcPort}|${dst}|${p.dstPort}`
    : `${node}|tcp|${dst}|${p.dstPort}|${src}|${p.srcPort}`;
}

/** The node of a packetKey(). */
export function nodeOfKey(key: string): string {
  const bar = key.indexOf('|');
  return bar < 0 ? key : key.slice(0, bar);
}
