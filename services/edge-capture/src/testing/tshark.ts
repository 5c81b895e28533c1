import { execFile, spawnSync } from 'node:child_process';
import { destinationAddress, type PacketSummary, payloadLength, sourceAddress } from '@tcpx/schemas';

/** Whether a `tshark` binary can be run (tests that compare against Wireshark skip without it). */
export function tsharkAvailable(): boolean {
  return spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
}

export interface TsharkResult {
  /** One array of field values per frame, in the order of `fields`. */
  rows: string[][];
  stderr: string;
  exitCode: number;
}

/**
 * Runs `tshark -r file -T fields` with the given fields (and extra arguments such as `-o` prefs);
 * multi-valued fields come back comma-separated, as tshark prints them.
 */
export function runTshark(file: string, fields: string[], extraArgs: string[] = []): Promise<TsharkResult> {
  const args = ['-r', file, '-n', ...extraArgs, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a'];
  for (const f of fields) args.push('-e', f);
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      const rows = stdout
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => line.split('\t'));
      resolve({ rows, stderr, exitCode });
    });
  });
}

/** Runs async jobs with at most `limit` at a time; results keep the jobs' order. */
export async function runLimited<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/** Fields compared with our summaries (after frame.number, frame.protocols and the IP addresses). */
export const COMPARED_FIELDS = [
  'frame.interface_id',
  'frame.time_epoch',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.len',
  'tcp.hdr_len',
  'tcp.flags',
  'tcp.window_size_value',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.option_kind',
  'tcp.options.sack_le',
  'tcp.options.sack_re',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
] as const;

/** Everything asked of tshark, in column order. */
export const TSHARK_FIELDS = [
  'frame.number',
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  ...COMPARED_FIELDS,
];

/** Preferences that speed tshark up without changing any compared field. */
export const TSHARK_PREFS = [
  '-o',
  'tcp.analyze_sequence_numbers:FALSE',
  '-o',
  'tcp.desegment_tcp_streams:FALSE',
];

/**
 * The outermost-TCP protocol stacks we decode, as tshark names them in frame.protocols. Anything
 * else carrying TCP is a tunnel (GRE, VXLAN, Geneve, ICMP errors…) or a link layer we do not read.
 */
const VLAN_TAGS = '(?::(?:vlan|ieee8021ad):ethertype)*';
const OUTERMOST_TCP = new RegExp(
  `^(?:(?:eth:ethertype${VLAN_TAGS}|eth:llc${VLAN_TAGS}|sll:ethertype${VLAN_TAGS}|null|loop|raw):)?` +
    '(?:ip|ipv6)(?::ipv6\\.[a-z]+|:ah)*:tcp$',
);

/** A frame as compared: field name → value in tshark's text form. */
export type ComparedFrame = Record<string, string>;

export interface TsharkTcpFrames {
  /** Frames whose outermost TCP tshark can analyse (it shows tcp.len and a header ≥ 20 bytes). */
  analysable: Map<number, ComparedFrame>;
  /** Other frames in which tshark shows TCP, with why they do not count. */
  excluded: Map<number, string>;
  /** Frames tshark read. */
  frameCount: number;
}

/** Sorts tshark rows (TSHARK_FIELDS order) into analysable TCP frames and the rest. */
export function classifyTsharkRows(rows: string[][]): TsharkTcpFrames {
  const analysable = new Map<number, ComparedFrame>();
  const excluded = new Map<number, string>();
  let frameCount = 0;
  for (const row of rows) {
    const frame = Number(row[0]);
    frameCount = Math.max(frameCount, frame);
    const protocols = row[1];
    const tcpAt = protocols.indexOf(':tcp');
    if (tcpAt < 0 && !protocols.startsWith('tcp')) continue;
    const fields: ComparedFrame = {};
    COMPARED_FIELDS.forEach((name, i) => {
      fields[name] = row[6 + i] ?? '';
    });
    const stack = protocols.slice(0, tcpAt + 4);
    if (!OUTERMOST_TCP.test(stack)) excluded.set(frame, `stack ${stack}`);
    else if (fields['tcp.srcport'].includes(',')) excluded.set(frame, 'two TCP layers');
    else if (fields['tcp.len'] === '') {
      excluded.set(
        frame,
        fields['tcp.seq_raw'] === '' ? 'TCP header not captured' : 'no tcp.len (short segment)',
      );
    } else if (Number(fields['tcp.hdr_len']) < 20)
      excluded.set(frame, 'data offset < 5 (no sequence analysis)');
    else {
      // The first occurrence is the outermost header (payloads such as OpenFlow can embed packets).
      fields.src = (row[2] || row[4]).split(',')[0];
      fields.dst = (row[3] || row[5]).split(',')[0];
      analysable.set(frame, normalizeTshark(fields));
    }
  }
  return { analysable, excluded, frameCount };
}

/** Puts tshark's values in the form renderSummary produces. */
function normalizeTshark(f: ComparedFrame): ComparedFrame {
  const out = { ...f };
  out['tcp.flags'] = hex(Number.parseInt(f['tcp.flags'], 16) & 0x1ff);
  // Only option kind 4 (SACK permitted) is compared; other kinds are checked through their values.
  out['tcp.option_kind'] = f['tcp.option_kind'].split(',').includes('4') ? 'sack_perm' : '';
  // We keep at most 4 SACK blocks (the most a 40-byte option space can hold).
  out['tcp.options.sack_le'] = f['tcp.options.sack_le'].split(',').slice(0, 4).join(',');
  out['tcp.options.sack_re'] = f['tcp.options.sack_re'].split(',').slice(0, 4).join(',');
  // pcap files have no interface list: tshark prints no id, we say 0.
  if (out['frame.interface_id'] === '') out['frame.interface_id'] = '0';
  // A simple packet block has no timestamp: tshark prints none, we say 0.
  if (out['frame.time_epoch'] === '') out['frame.time_epoch'] = '0.000000000';
  return out;
}

/** Our summary in tshark's text form, field for field. */
export function renderSummary(p: PacketSummary): ComparedFrame {
  const sackLeft: number[] = [];
  const sackRight: number[] = [];
  for (let i = 0; i < p.sackCount; i++) {
    sackLeft.push(p.sackBlocks[2 * i]);
    sackRight.push(p.sackBlocks[2 * i + 1]);
  }
  return {
    'frame.interface_id': String(p.interfaceId),
    'frame.time_epoch': `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`,
    'tcp.srcport': String(p.srcPort),
    'tcp.dstport': String(p.dstPort),
    'tcp.seq_raw': String(p.seq),
    'tcp.ack_raw': String(p.ack),
    'tcp.len': String(payloadLength(p)),
    'tcp.hdr_len': String(p.tcpHeaderLength),
    'tcp.flags': hex(p.flags),
    'tcp.window_size_value': String(p.window),
    'tcp.options.mss_val': p.mss >= 0 ? String(p.mss) : '',
    'tcp.options.wscale.shift': p.windowScale >= 0 ? String(p.windowScale) : '',
    'tcp.option_kind': p.sackPermitted ? 'sack_perm' : '',
    'tcp.options.sack_le': sackLeft.join(','),
    'tcp.options.sack_re': sackRight.join(','),
    'tcp.options.timestamp.tsval': p.hasTimestamps ? String(p.tsVal) : '',
    'tcp.options.timestamp.tsecr': p.hasTimestamps ? String(p.tsEcr) : '',
    src: sourceAddress(p),
    dst: destinationAddress(p),
  };
}

function hex(flags: number): string {
  return `0x${flags.toString(16).padStart(3, '0')}`;
}
