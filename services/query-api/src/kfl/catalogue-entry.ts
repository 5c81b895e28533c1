import type { FlowRow } from '@tcpx/store';
import { columnField, constantField, type FieldDef, plainColumn } from './field-def.js';
import { dateTimeMicros, divInt, mulInt, normInt } from './values.js';

// Entry metadata, the error object, node and flow counters of kfl.md §6.1, §6.2, §6.4, §6.5, and
// tcpx's own state and diagnosis. The mapping decisions are listed in catalogue.ts.

// ---- error classes (states of schemas/src/tcp-flow.ts ConnectionState) ----
export const CONNECTION_ERROR_STATES: readonly string[] = ['refused', 'reset', 'close_wait', 'last_ack'];
export const TIMEOUT_STATES: readonly string[] = ['unanswered', 'syn_received'];
/** The `tcp` keyword: TCP-level connection errors (refused, unanswered, reset, half-closed). */
export const TCP_ERROR_STATES: readonly string[] = [
  'refused',
  'unanswered',
  'reset',
  'close_wait',
  'last_ack',
];
const sqlList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
const ERROR_TYPE: Readonly<Record<string, string>> = Object.fromEntries([
  ...CONNECTION_ERROR_STATES.map((s) => [s, 'connection']),
  ...TIMEOUT_STATES.map((s) => [s, 'timeout']),
]);
const ERROR_TYPE_SQL = `multiIf(state IN (${sqlList(CONNECTION_ERROR_STATES)}), 'connection', state IN (${sqlList(TIMEOUT_STATES)}), 'timeout', NULL)`;
const ERROR_STATES_SQL = `state IN (${sqlList([...CONNECTION_ERROR_STATES, ...TIMEOUT_STATES])})`;
const errorType = (row: FlowRow) => ERROR_TYPE[row.state] ?? null;
const errorMessage = (row: FlowRow) => (errorType(row) === null ? null : row.state);

export const ERROR_FIELD = columnField(
  'error',
  'obj',
  'error object, null when healthy',
  ERROR_STATES_SQL,
  ['state'],
  (r) => errorType(r) !== null,
);
export const TCP_ERROR_FIELD = columnField(
  'tcp',
  'bool',
  'TCP-level connection error',
  `state IN (${sqlList(TCP_ERROR_STATES)})`,
  ['state'],
  (r) => TCP_ERROR_STATES.includes(r.state),
);

/** Per second over the connection's duration; 0 when it lasted 0 µs (ClickHouse intDivOrZero). */
const perSecond = (name: string, column: string, description: string) =>
  columnField(
    name,
    'int',
    description,
    `intDivOrZero(multiply(toInt64(${column}), toInt64(1000000)), toInt64(duration_us))`,
    [column, 'duration_us'],
    (r) => divInt(mulInt(r[column] as number, 1e6), r.duration_us as number) ?? 0,
  );

export const ENTRY_FIELDS: FieldDef[] = [
  columnField(
    'id',
    'str',
    'connection id: flow_id as decimal text, the same for every version of the record',
    'toString(flow_id)',
    ['flow_id'],
    (r) => r.flow_id,
  ),
  columnField(
    'flow_id',
    'int',
    'connection id as a 64-bit number (the same value as id)',
    'toUInt64(flow_id)', // also right where RECORD_COLUMNS' `toString(flow_id) AS flow_id` shadows the column
    ['flow_id'],
    (r) => normInt(BigInt(r.flow_id)),
    { aliases: ['conn_id'] },
  ),
  columnField(
    'timestamp',
    'ts',
    'connection start (first packet), UTC; numbers compare as epoch milliseconds',
    'toUnixTimestamp64Micro(start_time)',
    ['start_time'],
    (r) => dateTimeMicros(r.start_time),
  ),
  columnField(
    'end_time',
    'ts',
    'tcpx: last packet seen so far, UTC',
    'toUnixTimestamp64Micro(end_time)',
    ['end_time'],
    (r) => dateTimeMicros(r.end_time),
  ),
  plainColumn('elapsed_time', 'int', 'connection duration in µs (first to last packet)', 'duration_us', {
    aliases: ['elapsedTime'],
  }),
  constantField('protocol', 'str', 'detected protocol: always "TCP" on a tcp_flow entry', 'TCP'),
  constantField('protocol.name', 'str', 'v1 protocol name: "tcp"', 'tcp'),
  constantField('protocol.abbr', 'str', 'v1 protocol abbreviation: "TCP"', 'TCP'),
  constantField('protocol.layer4', 'str', 'v1 transport: "tcp"', 'tcp'),
  plainColumn('node.name', 'str', 'node (edge) that captured the connection', 'node', {
    aliases: ['node_name', 'node_id', 'worker', 'local_node_name'],
  }),
  constantField('node.ip', 'str', 'node IP: not recorded by tcpx, always ""', '', { aliases: ['node_ip'] }),
  constantField('remote_node_name', 'str', 'node hosting the server peer: not recorded, always ""', ''),
  plainColumn('stream', 'int', "tshark's tcp.stream number of the connection within its capture", 'stream'),
  constantField('index', 'int', 'entry index within the stream: always 0 (one record per connection)', 0),
  constantField('capture_source', 'str', 'capture source: "af_packet" (libpcap on the node)', 'af_packet'),
  constantField('capture_backend', 'str', 'capture backend family: "af_packet"', 'af_packet'),
  constantField('capture_source_code', 'int', 'numeric capture source: 1 (af_packet)', 1),
  constantField('has_pcap', 'bool', 'whether raw packets are kept: false (tcpx stores no payload)', false),
  plainColumn('version', 'int', 'tcpx: version of the record (grows with every interim emission)', 'version'),
  columnField(
    'evicted',
    'bool',
    'tcpx: the record was emitted because the flow was evicted (idle or capacity), not closed',
    'evicted = 1',
    ['evicted'],
    (r) => r.evicted === 1,
  ),
  ERROR_FIELD,
  columnField(
    'error.type',
    'str',
    '"connection" (refused, reset, half-closed) or "timeout" (unanswered, syn_received); null without error',
    ERROR_TYPE_SQL,
    ['state'],
    errorType,
    { nullable: true },
  ),
  columnField(
    'error.msg',
    'str',
    'the failing state (refused, reset, close_wait, …); null without error',
    `if(${ERROR_STATES_SQL}, state, NULL)`,
    ['state'],
    errorMessage,
    { nullable: true },
  ),
  columnField(
    'tcp_error_type',
    'str',
    'error.type, "" without error',
    `ifNull(${ERROR_TYPE_SQL}, '')`,
    ['state'],
    (r) => errorType(r) ?? '',
  ),
  columnField(
    'tcp_error_message',
    'str',
    'error.msg, "" without error',
    `if(${ERROR_STATES_SQL}, state, '')`,
    ['state'],
    (r) => errorMessage(r) ?? '',
  ),
  // flow counters: local = client, remote = server
  columnField(
    'flow_state',
    'str',
    '"closed" on the connection\'s final record, else "open"',
    "if(final = 1, 'closed', 'open')",
    ['final'],
    (r) => (r.final === 1 ? 'closed' : 'open'),
  ),
  plainColumn('flow_local_pkts', 'int', 'packets sent by the client', 'client_packets'),
  plainColumn('flow_remote_pkts', 'int', 'packets sent by the server', 'server_packets'),
  plainColumn('flow_local_bytes', 'int', 'payload bytes sent by the client', 'client_payload_bytes'),
  plainColumn('flow_remote_bytes', 'int', 'payload bytes sent by the server', 'server_payload_bytes'),
  perSecond('flow_local_pps', 'client_packets', 'packets per second sent by the client'),
  perSecond('flow_remote_pps', 'server_packets', 'packets per second sent by the server'),
  perSecond('flow_local_bps', 'client_payload_bytes', 'payload bytes per second sent by the client'),
  perSecond('flow_remote_bps', 'server_payload_bytes', 'payload bytes per second sent by the server'),
  constantField(
    'flow_l7_detected',
    'list<str>',
    'L7 protocols seen on the connection: always [] (no payload)',
    [],
  ),
  constantField('flow_group_id', 'int', 'flow group id: always 0', 0),
  plainColumn(
    'state',
    'str',
    'connection state: refused, unanswered, syn_received, established, close_wait, last_ack, closed, reset, mid_stream',
    'state',
  ),
  plainColumn(
    'diagnosis',
    'list<str>',
    'diagnosis codes (docs/metrics.md), e.g. high_retransmission, reset',
    'diagnosis',
  ),
];
