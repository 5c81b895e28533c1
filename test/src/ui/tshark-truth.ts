import { runTsharkLines, TSHARK_PREFS } from '../oracle/tshark.js';

// What tshark says about a capture, in the form the UI shows it: a connection is the pair of its
// endpoints, each written `ip:port` (`[ip]:port` for IPv6), sorted.

export const endpoint = (ip: string, port: string | number): string =>
  ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

export const connectionKey = (a: string, b: string): string => [a, b].sort().join(' ');

const PREFS = TSHARK_PREFS.flatMap((p) => ['-o', p]);

/** `tshark -q -z conv,tcp`: one key per TCP conversation. */
export async function tsharkConversations(file: string): Promise<string[]> {
  const keys: string[] = [];
  await runTsharkLines(['-n', '-r', file, ...PREFS, '-q', '-z', 'conv,tcp'], (line) => {
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s/.exec(line);
    if (m) keys.push(connectionKey(endpoint(m[1], m[2]), endpoint(m[3], m[4])));
  });
  return keys;
}

interface StreamFacts {
  key: string;
  retransmissions: number;
  synAck: boolean;
  rst: boolean;
}

/** Per tcp.stream: its endpoints, retransmitted frames (tcp.analysis.retransmission), SYN-ACK and RST seen. */
export async function tsharkStreams(file: string): Promise<Map<number, StreamFacts>> {
  const fields = [
    'tcp.stream',
    'ip.src',
    'ipv6.src',
    'tcp.srcport',
    'ip.dst',
    'ipv6.dst',
    'tcp.dstport',
    'tcp.analysis.retransmission',
    'tcp.flags.syn',
    'tcp.flags.ack',
    'tcp.flags.reset',
  ];
  const streams = new Map<number, StreamFacts>();
  const args = [
    '-n',
    '-r',
    file,
    ...PREFS,
    '-Y',
    'tcp',
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=f',
  ];
  await runTsharkLines([...args, ...fields.flatMap((f) => ['-e', f])], (line) => {
    if (line === '') return;
    const [stream, ip4s, ip6s, sport, ip4d, ip6d, dport, retransmission, syn, ack, rst] = line.split('\t');
    const id = Number(stream);
    let facts = streams.get(id);
    if (!facts) {
      facts = {
        key: connectionKey(endpoint(ip4s || ip6s, sport), endpoint(ip4d || ip6d, dport)),
        retransmissions: 0,
        synAck: false,
        rst: false,
      };
      streams.set(id, facts);
    }
    if (retransmission !== '') facts.retransmissions++;
    if (isSet(syn) && isSet(ack)) facts.synAck = true;
    if (isSet(rst)) facts.rst = true;
  });
  return streams;
}

// tshark 4.0 prints flags as 1/0 or True/False depending on the field type.
const isSet = (value: string) => value === '1' || value === 'True';
