import { ERROR_FIELD, TCP_ERROR_FIELD } from './catalogue-entry.js';
import { FALSE, type Ir, TRUE } from './ir.js';

// Bare-word keywords (kfl.md §5 and binding decision 2) and the Kubeshark L7 vocabulary that is
// accepted but null on tcp_flow entries (kfl.md §4.2), so filters pasted from Kubeshark still run.

interface KeywordDef {
  readonly name: string;
  readonly description: string;
  readonly ir: Ir;
}

const never = (name: string, what: string): KeywordDef => ({
  name,
  description: `${what}: false on tcp_flow entries`,
  ir: FALSE,
});

export const KEYWORDS: readonly KeywordDef[] = [
  { name: 'tcp_flow', description: 'the entry is a TCP flow record: true for every connection', ir: TRUE },
  { name: 'flow', description: 'the entry is an L4 flow record: true for every connection', ir: TRUE },
  {
    name: 'tcp',
    description:
      'the connection carries a TCP-level connection error: refused, unanswered, reset or half-closed (close_wait, last_ack)',
    ir: TCP_ERROR_FIELD.ir,
  },
  {
    name: 'error',
    description:
      'the entry has an error object: refused, reset, half-closed (type "connection"), unanswered, syn_received (type "timeout")',
    ir: ERROR_FIELD.ir,
  },
  never('udp_flow', 'UDP flow record'),
  never('conn', 'L4 connection-tracking record'),
  never('tcp_conn', 'TCP connection-tracking record'),
  never('udp_conn', 'UDP connection-tracking record'),
  never('udp', 'UDP entry'),
  never('sctp', 'SCTP entry'),
  never('icmp', 'ICMP entry'),
  never('http', 'HTTP entry (tcpx sees no payload)'),
  never('http2', 'HTTP/2 entry'),
  never('grpc', 'gRPC entry'),
  never('gql', 'GraphQL entry'),
  never('gqlv1', 'GraphQL v1 entry'),
  never('gqlv2', 'GraphQL v2 entry'),
  never('dns', 'DNS entry'),
  never('amqp', 'AMQP entry'),
  never('kafka', 'Kafka entry'),
  never('redis', 'Redis entry'),
  never('tls', 'eBPF TLS capture'),
  never('ws', 'WebSocket entry'),
  never('ldap', 'LDAP entry'),
  never('radius', 'RADIUS entry'),
  never('diameter', 'Diameter entry'),
  never('mongodb', 'MongoDB entry'),
  never('mysql', 'MySQL entry'),
  never('postgresql', 'PostgreSQL entry'),
];

export const KEYWORD_BY_NAME: ReadonlyMap<string, KeywordDef> = new Map(KEYWORDS.map((k) => [k.name, k]));

/** v1 paths under request./response. and KFL2 L7 variables (kfl2 reference): null on flows. */
const L7_NAMES = new Set([
  'request',
  'response',
  'status_code',
  'method',
  'url',
  'path',
  'http_version',
  'query_string',
  'capture',
  'tcp_method',
  'tcp_payload',
]);
const L7_PREFIXES = [
  'request_',
  'response_',
  'http_',
  'dns_',
  'tls_',
  'udp_',
  'sctp_',
  'icmp_',
  'ws_',
  'redis_',
  'kafka_',
  'amqp_',
  'ldap_',
  'radius_',
  'diameter_',
  'mongodb_',
  'mysql_',
  'postgresql_',
  'grpc_',
  'gql_',
  'conn_',
];

/** Whether an unknown root name is Kubeshark L7 vocabulary (null here) rather than a typo. */
export function isL7Name(root: string): boolean {
  return L7_NAMES.has(root) || L7_PREFIXES.some((p) => root.startsWith(p));
}
