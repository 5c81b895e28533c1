import { columnField, constantField, type FieldDef, plainColumn } from './field-def.js';
import { EMPTY_MAP, ipText } from './values.js';

// Endpoints of kfl.md §6.3: `src` is the client (sent the SYN), `dst` the server.

const ipSql = (c: string) => `replaceRegexpOne(toString(${c}), '^::ffff:([0-9.]+)$', '\\\\1')`;
/** Non-empty values of both sides, src first, without a duplicate (namespaces, services). */
const bothSql = (a: string, b: string) => `arrayFilter(x -> x != '', [${a}, if(${b} = ${a}, '', ${b})])`;
const both = (x: string, y: string): string[] =>
  x === '' ? (y === '' ? [] : [y]) : y === '' || y === x ? [x] : [x, y];

function side(s: 'src' | 'dst', role: string): FieldDef[] {
  const ip = `${s}_ip`;
  const svc = `${s}_service`;
  return [
    columnField(`${s}.ip`, 'str', `${role} IP address (IPv4 dotted, IPv6 RFC 5952)`, ipSql(ip), [ip], (r) =>
      ipText(r[ip] as string),
    ),
    plainColumn(`${s}.port`, 'int', `${role} TCP port`, `${s}_port`),
    columnField(
      `${s}.name`,
      'str',
      `best name of the ${role}: its service, else its IP`,
      `if(${svc} != '', ${svc}, ${ipSql(ip)})`,
      [svc, ip],
      (r) => ((r[svc] as string) !== '' ? (r[svc] as string) : ipText(r[ip] as string)),
    ),
    plainColumn(
      `${s}.namespace`,
      'str',
      `Kubernetes namespace of the ${role}; "" outside the cluster`,
      `${s}_namespace`,
      {
        aliases: [`${s}.pod.namespace`, `${s}.service.namespace`],
        hiddenAliases: [`${s}.ns`],
      },
    ),
    plainColumn(
      `${s}.service.name`,
      'str',
      `Kubernetes service of the ${role}; "" when unknown (pod names fall back to it)`,
      svc,
      {
        aliases: [`${s}.pod.name`],
        hiddenAliases: [`${s}.svc`],
      },
    ),
    constantField(`${s}.dns`, 'str', `DNS name of the ${role} IP: not resolved by tcpx, always ""`, ''),
    constantField(`${s}.node`, 'str', `node hosting the ${role}: not recorded, always ""`, ''),
    constantField(
      `${s}.processName`,
      'str',
      `process owning the ${role} socket: not recorded, always ""`,
      '',
    ),
  ];
}

export const ENDPOINT_FIELDS: FieldDef[] = [
  ...side('src', 'client'),
  ...side('dst', 'server'),
  constantField('local_process_name', 'str', 'process of the local peer: not recorded, always ""', ''),
  constantField('remote_process_name', 'str', 'process of the remote peer: not recorded, always ""', ''),
  columnField(
    'namespaces',
    'list<str>',
    'namespaces of both peers (non-empty, no duplicates)',
    bothSql('src_namespace', 'dst_namespace'),
    ['src_namespace', 'dst_namespace'],
    (r) => both(r.src_namespace, r.dst_namespace),
  ),
  columnField(
    'services',
    'list<str>',
    'services of both peers (non-empty, no duplicates)',
    bothSql('src_service', 'dst_service'),
    ['src_service', 'dst_service'],
    (r) => both(r.src_service, r.dst_service),
    { aliases: ['pods'] },
  ),
  constantField('dns_resolutions', 'list<str>', 'DNS names of both peers: always [] (not resolved)', []),
  ...['local_labels', 'remote_labels', 'local_annotations', 'remote_annotations'].map((m) =>
    constantField(m, 'map<str,str>', 'Kubernetes labels/annotations: always {} (not enriched)', EMPTY_MAP),
  ),
  constantField('local_resolution_status', 'str', 'Kubernetes resolution status of the local peer: ""', ''),
  constantField('remote_resolution_status', 'str', 'Kubernetes resolution status of the remote peer: ""', ''),
];
