import type { TcpFlowRecord } from './tcp-flow.js';

// flow_id of tcpx.v1.TcpFlow: stable across a flow's interim and final records, computable by
// anyone from the record alone. Defined in proto/tcp_flow.proto; do not change it (ids in stored
// data would stop matching).

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const textEncoder = new TextEncoder();

/** FNV-1a 64 of the bytes, as 16 lowercase hex digits. */
export function fnv1a64Hex(bytes: Uint8Array): string {
  let h = FNV_OFFSET;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * FNV_PRIME);
  return h.toString(16).padStart(16, '0');
}

/** The canonical key text: node, protocol, lower endpoint first, start time in µs. */
export function flowKey(node: string, record: Pick<TcpFlowRecord, 'src' | 'dst' | 'start_us'>): string {
  const { src, dst } = record;
  const srcFirst = src.ip < dst.ip || (src.ip === dst.ip && src.port <= dst.port);
  const [a, b] = srcFirst ? [src, dst] : [dst, src];
  return `${node}|tcp|${a.ip}|${a.port}|${b.ip}|${b.port}|${record.start_us}`;
}

export function flowId(node: string, record: Pick<TcpFlowRecord, 'src' | 'dst' | 'start_us'>): string {
  return fnv1a64Hex(textEncoder.encode(flowKey(node, record)));
}
