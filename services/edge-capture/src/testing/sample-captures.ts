/**
 * A set of small captures exercising every link type, TCP option, IP feature and framing variant
 * the decoder supports, plus frames it must refuse: the fixture of the tshark cross-check.
 */
import {
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_NS,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from '@tcpx/schemas';
import {
  type CaptureRecord,
  concat,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ethernetFrame,
  fragmentIpv4,
  type Ipv4Spec,
  type Ipv6Extension,
  ipv4Packet,
  ipv6FragmentBody,
  ipv6Packet,
  linuxCookedFrame,
  linuxCookedV2Frame,
  loopFrame,
  nullFrame,
  type PcapngBlock,
  type TcpOption,
  type TcpSegmentSpec,
  tcpSegment,
  timestampUnits,
  writePcap,
  writePcapng,
} from './capture-writer.js';

const V4: Ipv4Spec = { src: '198.51.100.7', dst: '203.0.113.9' };
const V6 = { src: '2001:db8:0:1::7', dst: '2001:db8::9' };
const HANDSHAKE: TcpOption[] = [
  { kind: 'mss', value: 1460 },
  { kind: 'sackPermitted' },
  { kind: 'timestamps', tsVal: 4000000000, tsEcr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];

function segment(spec: Partial<TcpSegmentSpec> = {}): Uint8Array {
  return tcpSegment({ srcPort: 40000, dstPort: 443, seq: 1000, ack: 2000, window: 512, payload: 0, ...spec });
}

/** IP packets (no link layer) covering the TCP and IP features we decode, plus things we must refuse. */
function ipPackets(): Uint8Array[] {
  const v4 = (s: Partial<TcpSegmentSpec> = {}, ip: Partial<Ipv4Spec> = {}) =>
    ipv4Packet({ ...V4, ...ip }, segment(s));
  const v6 = (s: Partial<TcpSegmentSpec> = {}, extensions: Ipv6Extension[] = []) =>
    ipv6Packet({ ...V6, extensions }, segment(s));
  const big = segment({ seq: 0xfffffc00, payload: 3000, flags: TCP_ACK | TCP_PSH });
  // TCP-level cases, each sent over IPv4 and over IPv6.
  const tcpCases: Array<Partial<TcpSegmentSpec>> = [
    { flags: TCP_SYN, ack: 0, options: HANDSHAKE },
    { srcPort: 443, dstPort: 40000, flags: TCP_SYN | TCP_ACK, options: HANDSHAKE.slice(0, 2) },
    {
      payload: 1448,
      flags: TCP_ACK | TCP_PSH,
      options: [{ kind: 'nop' }, { kind: 'nop' }, HANDSHAKE[2]],
    },
    {
      seq: 0xffffffff,
      ack: 0xfffffffe,
      options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [[1, 2]] }],
    },
    {
      options: [
        { kind: 'nop' },
        { kind: 'nop' },
        {
          kind: 'sack',
          blocks: [
            [10, 20],
            [30, 40],
            [0xfffffff0, 5],
            [50, 60],
          ],
        },
      ],
    },
    { flags: TCP_FIN | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR | TCP_NS, payload: 1 },
    { flags: TCP_RST, window: 0 },
    { options: [{ kind: 'wscale', shift: 15 }] },
    {
      options: [
        { kind: 'raw', bytes: [2, 3, 5] },
        { kind: 'wscale', shift: 2 },
      ],
    },
    {
      options: [
        { kind: 'mss', value: 99 },
        { kind: 'raw', bytes: [8, 1] },
      ],
    },
    { options: [{ kind: 'raw', bytes: [3, 3, 7, 2, 9, 1, 1, 1] }] },
    { dataOffsetWords: 4, payload: 8 },
    { dataOffsetWords: 15 },
  ];
  const packets = [
    ...tcpCases.map((c) => v4(c)),
    ...tcpCases.map((c) => v6(c)),
    v4({ payload: 10 }, { options: [0x94, 4, 0, 0] }),
    v4({ payload: 10 }, { totalLength: 0 }),
    v4({ payload: 10 }, { totalLength: 1500 }),
    v4({ payload: 10 }, { dontFragment: true, ttl: 1 }),
    v4({}, { totalLength: 30 }),
    v4({}, { headerWords: 4 }),
    ipv4Packet({ ...V4, protocol: 17 }, new Uint8Array(30)),
    v6({ flags: TCP_SYN, options: HANDSHAKE }),
    v6({ payload: 100 }, [
      { type: 0 },
      { type: 60 },
      { type: 43, body: new Array(14).fill(0) },
      { type: 51 },
    ]),
    ipv6Packet({ ...V6, nextHeader: 59 }, new Uint8Array(0)),
    // A jumbogram claiming 70000 bytes: tshark, like us, then takes the frame's length.
    ipv6Packet(
      { ...V6, payloadLength: 0, extensions: [{ type: 0, body: [0xc2, 4, 0, 1, 0x11, 0x70] }] },
      segment({ payload: 64 }),
    ),
    ipv6Packet(
      { ...V6, payloadLength: 0, extensions: [{ type: 0, body: [0xc2, 4, 0, 0, 0, 92] }] },
      segment(),
    ),
    ...fragmentIpv4({ ...V4, id: 4242 }, big, 1480).reverse(),
    ...fragmentIpv4({ ...V4, id: 4243 }, big, 8).slice(0, 50),
  ];
  // IPv6 fragments, second first.
  for (const offset of [1232, 0]) {
    packets.push(
      ipv6Packet(
        { ...V6, extensions: [{ type: 44, body: ipv6FragmentBody(offset, offset === 0, 99) }] },
        big.subarray(offset, offset + 1232),
      ),
    );
  }
  return packets;
}

/** Records of every IP packet behind `link`, plus snaplen-cut copies of the TCP ones. */
function records(link: (ip: Uint8Array) => Uint8Array, linkHeader: number): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  let second = 1700000000;
  for (const ip of ipPackets()) {
    const data = link(ip);
    out.push({ data, tsSec: second++, tsNsec: (second * 7919) % 1e9 });
    // Cut inside the options and inside the payload.
    for (const cut of [linkHeader + 20 + 20 + 6, linkHeader + 20 + 60 + 10]) {
      if (cut < data.length) out.push({ data, capturedLength: cut, tsSec: second++ });
    }
  }
  return out;
}

const ethernet = (ip: Uint8Array) =>
  ethernetFrame({ type: ip[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4 }, ip);
const etherType = (ip: Uint8Array) => (ip[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);

/** One pcap per link type (and byte order / precision), plus a multi-section pcapng. */
export function sampleCaptures(): Array<[string, Uint8Array]> {
  const files: Array<[string, Uint8Array]> = [
    ['ethernet.pcap', writePcap(records(ethernet, 14))],
    ['ethernet-be-ns.pcap', writePcap(records(ethernet, 14), { littleEndian: false, nanoseconds: true })],
    [
      'vlan.pcap',
      writePcap(
        records(
          (ip) =>
            ethernetFrame(
              {
                type: etherType(ip),
                vlanTags: [
                  [0x88a8, 10],
                  [0x8100, 20],
                ],
              },
              ip,
            ),
          22,
        ),
      ),
    ],
    [
      'llc-snap.pcap',
      writePcap(
        records((ip) => {
          const snap = concat([
            Uint8Array.of(0xaa, 0xaa, 3, 0, 0, 0, etherType(ip) >> 8, etherType(ip) & 255),
            ip,
          ]);
          return ethernetFrame({ type: Math.min(snap.length, 1500) }, snap);
        }, 22),
      ),
    ],
    [
      'sll.pcap',
      writePcap(
        records((ip) => linuxCookedFrame(etherType(ip), ip), 16),
        { linkType: 113 },
      ),
    ],
    [
      'sll2.pcap',
      writePcap(
        records((ip) => linuxCookedV2Frame(etherType(ip), ip), 20),
        { linkType: 276 },
      ),
    ],
    [
      'null-le.pcap',
      writePcap(
        records((ip) => nullFrame(ip[0] >> 4 === 6 ? 30 : 2, ip), 4),
        { linkType: 0 },
      ),
    ],
    [
      'null-be.pcap',
      writePcap(
        records((ip) => nullFrame(ip[0] >> 4 === 6 ? 24 : 2, ip, false), 4),
        { linkType: 0 },
      ),
    ],
    [
      'loop.pcap',
      writePcap(
        records((ip) => loopFrame(ip[0] >> 4 === 6 ? 28 : 2, ip), 4),
        { linkType: 108 },
      ),
    ],
    [
      'raw.pcap',
      writePcap(
        records((ip) => ip, 0),
        { linkType: 101 },
      ),
    ],
    [
      'raw12.pcap',
      writePcap(
        records((ip) => ip, 0),
        { linkType: 12 },
      ),
    ],
    [
      'raw14.pcap',
      writePcap(
        records((ip) => ip, 0),
        { linkType: 14 },
      ),
    ],
    [
      'ipv4.pcap',
      writePcap(
        records((ip) => ip, 0).filter((r) => r.data[0] >> 4 === 4),
        { linkType: 228 },
      ),
    ],
    [
      'ipv6.pcap',
      writePcap(
        records((ip) => ip, 0).filter((r) => r.data[0] >> 4 === 6),
        { linkType: 229 },
      ),
    ],
  ];
  const ng: PcapngBlock[] = [
    { type: 'section' },
    { type: 'interface', linkType: 1 },
    { type: 'interface', linkType: 1, tsresol: 9 },
    { type: 'interface', linkType: 113, tsresol: 0x80 | 24, snapLength: 80 },
    { type: 'raw', blockType: 0x0bad, body: new Uint8Array(32) }, // custom block: numbered as a frame
    { type: 'raw', blockType: 0x80000001, body: new Uint8Array(32) }, // local use: skipped
  ];
  for (const [i, r] of records(ethernet, 14).entries()) {
    const interfaceId = i % 3;
    const tsresol = [6, 9, 0x80 | 24][interfaceId];
    const data =
      interfaceId === 2 ? linuxCookedFrame(etherType(r.data.subarray(14)), r.data.subarray(14)) : r.data;
    const timestamp = timestampUnits(r.tsSec ?? 0, r.tsNsec ?? 0, tsresol);
    const capturedLength = Math.min(r.capturedLength ?? data.length, interfaceId === 2 ? 80 : data.length);
    // A simple packet block is always on interface 0 and never shorter than the interface snaplen.
    if (i % 7 === 3 && interfaceId === 0 && capturedLength === data.length) ng.push({ type: 'simple', data });
    else if (i % 7 === 5) ng.push({ type: 'obsolete', interfaceId, timestamp, data, capturedLength });
    else ng.push({ type: 'enhanced', interfaceId, timestamp, data, capturedLength });
  }
  ng.push({ type: 'section', littleEndian: false }, { type: 'interface', linkType: 101, tsresol: 3 });
  for (const ip of ipPackets()) ng.push({ type: 'enhanced', timestamp: 1700000000123n, data: ip });
  files.push(['sections.pcapng', writePcapng(ng)]);
  return files;
}
