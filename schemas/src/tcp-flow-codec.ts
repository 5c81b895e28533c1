import type protobuf from 'protobufjs';
import { type PbjsObject, protoRoot } from './proto-files.js';
import type { ConnectionState, Diagnosis, TcpFlowRecord, TcpMetrics } from './tcp-flow.js';
import { METRIC_NAMES } from './tcp-flow.js';

// TcpFlowRecord <-> tcpx.v1.TcpFlow through protobufjs reflection of proto/tcp_flow.proto, loaded
// at runtime: no generated code to keep in step, and protobufjs still compiles a specialised
// encoder/decoder per type on first use. One record per connection, so this path is not hot.
// Field names match because the .proto uses TcpFlowRecord's snake_case names (parsed keepCase).

/** What TcpFlow adds to a TcpFlowRecord for the Kafka topic. */
export interface TcpFlowEnvelope {
  node: string;
  /** flowId(node, record): see flow-id.ts. */
  flow_id: string;
  /** 1, 2, … per flow_id; the highest wins. */
  version: number;
  final: boolean;
}

export interface TcpFlowMessage extends TcpFlowEnvelope {
  record: TcpFlowRecord;
}

let cached:
  | { type: protobuf.Type; state: protobuf.Enum; tree: protobuf.Enum; severity: protobuf.Enum }
  | undefined;

function schema() {
  if (!cached) {
    const root = protoRoot('tcp_flow.proto');
    cached = {
      type: root.lookupType('tcpx.v1.TcpFlow'),
      state: root.lookupEnum('tcpx.v1.ConnectionState'),
      tree: root.lookupEnum('tcpx.v1.DiagnosisTree'),
      severity: root.lookupEnum('tcpx.v1.Severity'),
    };
  }
  return cached;
}

export function tcpFlowType(): protobuf.Type {
  return schema().type;
}

const toEnum = (e: protobuf.Enum, prefix: string, name: string): number => {
  const n = e.values[prefix + name.toUpperCase()];
  if (n === undefined) throw new Error(`${e.name} has no value for "${name}"`);
  return n;
};
// A value added by a newer writer decodes as "unknown_<n>" rather than failing the consumer.
const fromEnum = (e: protobuf.Enum, prefix: string, n: number): string => {
  const name = e.valuesById[n];
  return name ? name.slice(prefix.length).toLowerCase() : `unknown_${n}`;
};

/** The plain object protobufjs encodes (enums as numbers, null metrics left out). */
export function tcpFlowToObject(record: TcpFlowRecord, envelope: TcpFlowEnvelope): Record<string, unknown> {
  const { state, tree, severity } = schema();
  return {
    src: record.src,
    dst: record.dst,
    stream: record.stream,
    start_us: record.start_us,
    end_us: record.end_us,
    state: toEnum(state, 'CONNECTION_STATE_', record.state),
    evicted: record.evicted === true,
    diagnosis: record.diagnosis.map((d) => ({
      code: d.code,
      tree: toEnum(tree, 'DIAGNOSIS_TREE_', d.tree),
      severity: toEnum(severity, 'SEVERITY_', d.severity),
      message: d.message,
    })),
    tcp_metrics: record.tcp_metrics, // null values are skipped by protobufjs: absent on the wire
    node: envelope.node,
    flow_id: envelope.flow_id,
    version: envelope.version,
    final: envelope.final,
  };
}

/** Back from protobufjs's toObject form (longs as numbers, defaults filled). */
export function tcpFlowFromObject(o: PbjsObject): TcpFlowMessage {
  const { state, tree, severity } = schema();
  const metrics: Record<string, number | null> = {};
  // `optional` metrics absent on the wire are null; plain ones default to 0.
  for (const name of METRIC_NAMES) metrics[name] = o.tcp_metrics?.[name] ?? null;
  const record: TcpFlowRecord = {
    src: { ip: o.src?.ip ?? '', port: o.src?.port ?? 0 },
    dst: { ip: o.dst?.ip ?? '', port: o.dst?.port ?? 0 },
    stream: o.stream,
    start_us: o.start_us,
    end_us: o.end_us,
    state: fromEnum(state, 'CONNECTION_STATE_', o.state) as ConnectionState,
    diagnosis: (o.diagnosis as PbjsObject[]).map(
      (d): Diagnosis => ({
        code: d.code,
        tree: fromEnum(tree, 'DIAGNOSIS_TREE_', d.tree) as Diagnosis['tree'],
        severity: fromEnum(severity, 'SEVERITY_', d.severity) as Diagnosis['severity'],
        message: d.message,
      }),
    ),
    tcp_metrics: metrics as unknown as TcpMetrics,
  };
  if (o.evicted) record.evicted = true;
  return { record, node: o.node, flow_id: o.flow_id, version: o.version, final: o.final };
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true };

export function encodeTcpFlow(record: TcpFlowRecord, envelope: TcpFlowEnvelope): Uint8Array {
  return tcpFlowType().encode(tcpFlowToObject(record, envelope)).finish();
}

export function decodeTcpFlow(bytes: Uint8Array): TcpFlowMessage {
  const type = tcpFlowType();
  return tcpFlowFromObject(type.toObject(type.decode(bytes), TO_OBJECT));
}
