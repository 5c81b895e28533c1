import {
  type ConnectionState,
  type Diagnosis,
  METRIC_NAMES,
  type TcpFlowRecord,
  type TcpMetrics,
} from '@tcpx/schemas';
import { canonicalIp } from './flow-row.js';

/**
 * Columns that read a tcp_flows row back into a TcpFlowRecord (with recordFromRow): times as epoch
 * µs, addresses as text. Use as `SELECT ${RECORD_COLUMNS} FROM tcp_flows FINAL WHERE …`.
 */
export const RECORD_COLUMNS = [
  'toString(flow_id) AS flow_id',
  'version',
  'final',
  'node',
  'stream',
  'evicted',
  'toUnixTimestamp64Micro(start_time) AS start_us',
  'toUnixTimestamp64Micro(end_time) AS end_us',
  'toString(src_ip) AS src_ip',
  'src_port',
  'toString(dst_ip) AS dst_ip',
  'dst_port',
  'src_namespace',
  'src_service',
  'dst_namespace',
  'dst_service',
  'state',
  'diagnosis_json',
  ...METRIC_NAMES,
].join(', ');

export interface StoredFlow {
  flowId: string;
  version: number;
  final: boolean;
  node: string;
  k8s: Record<'src_namespace' | 'src_service' | 'dst_namespace' | 'dst_service', string>;
  record: TcpFlowRecord;
}

type Row = Record<string, string | number | null>;

/** UInt64/Int64 arrive as strings (JSON quoting of 64-bit integers); everything numeric becomes a number. */
const num = (v: string | number | null | undefined): number => Number(v);
const numOrNull = (v: string | number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

export function recordFromRow(row: Row): StoredFlow {
  const metrics = {} as Record<string, number | null>;
  for (const name of METRIC_NAMES) metrics[name] = numOrNull(row[name]);
  const record: TcpFlowRecord = {
    src: { ip: canonicalIp(String(row.src_ip)), port: num(row.src_port) },
    dst: { ip: canonicalIp(String(row.dst_ip)), port: num(row.dst_port) },
    stream: num(row.stream),
    start_us: num(row.start_us),
    end_us: num(row.end_us),
    state: String(row.state) as ConnectionState,
    ...(num(row.evicted) ? { evicted: true } : {}),
    diagnosis: JSON.parse(String(row.diagnosis_json || '[]')) as Diagnosis[],
    tcp_metrics: metrics as unknown as TcpMetrics,
  };
  return {
    flowId: String(row.flow_id),
    version: num(row.version),
    final: num(row.final) === 1,
    node: String(row.node),
    k8s: {
      src_namespace: String(row.src_namespace ?? ''),
      src_service: String(row.src_service ?? ''),
      dst_namespace: String(row.dst_namespace ?? ''),
      dst_service: String(row.dst_service ?? ''),
    },
    record,
  };
}
