import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createPacketSummary,
  type PacketSummary,
  payloadLength,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
} from '@tcpx/schemas';
import { DecodeState, decodeFrame } from './decode.js';
import {
  concat,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ethernetFrame,
  ipv4Packet,
  ipv6Packet,
  linuxCookedFrame,
  linuxCookedV2Frame,
  loopFrame,
  nullFrame,
  type TcpSegmentSpec,
  tcpSegment,
} from './testing/capture-writer.js';

const V4 = { src: '192.168.1.10', dst: '10.20.30.40' };
const V6 = { src: '2001:db8::1', dst: 'fe80::1:2:3:4' };
const SEGMENT: TcpSegmentSpec = {
  srcPort: 51000,
  dstPort: 443,
  seq: 0xfffffff0,
  ack: 0x80000001,
  flags: TCP_ACK | TCP_PSH,
  window: 501,
  payload: 100,
};

function decode(linkType: number, frame: Uint8Array, captured = frame.length, original = frame.length) {
  const out = createPacketSummary();
  const state = new DecodeState();
  const ok = decodeFrame(linkType, frame, 0, captured, original, out, state);
  return { ok, out, state };
}

function ethernetV4(segment: Partial<TcpSegmentSpec> = {}, ip = {}): Uint8Array {
  return ethernetFrame(
    { type: ETHERTYPE_IPV4 },
    ipv4Packet({ ...V4, ...ip }, tcpSegment({ ...SEGMENT, ...segment })),
  );
}

function assertV4Segment(out: PacketSummary): void {
  assert.equal(out.ipVersion, 4);
  assert.deepEqual([out.src0, out.src1, out.src2, out.src3], [0, 0, 0, 0xc0a8010a]);
  assert.deepEqual([out.dst0, out.dst1, out.dst2, out.dst3], [0, 0, 0, 0x0a141e28]);
  assert.equal(out.srcPort, 51000);
  assert.equal(out.dstPort, 443);
  assert.equal(out.seq, 0xfffffff0);
  assert.equal(out.ack, 0x80000001);
  assert.equal(out.flags, TCP_ACK | TCP_PSH);
  assert.equal(out.window, 501);
}

describe('decodeFrame: TCP header and options', () => {
  it('decodes every field of an Ethernet/IPv4/TCP segment with all options', () => {
    const frame = ethernetV4({
      flags: TCP_SYN | TCP_ACK | 256,
      options: [
        { kind: 'mss', value: 1460 },
        { kind: 'nop' },
        { kind: 'wscale', shift: 14 },
        { kind: 'sackPermitted' },
        { kind: 'timestamps', tsVal: 0xdeadbeef, tsEcr: 7 },
        { kind: 'sack', blocks: [[1, 2]] },
      ],
    });
    const { ok, out, state } = decode(1, frame);
    assert.equal(ok, true);
    assert.equal(out.srcPort, 51000);
    assert.equal(out.flags, TCP_SYN | TCP_ACK | 256);
    assert.equal(out.tcpHeaderLength, 20 + 32); // 30 option bytes, padded with EOL
    assert.equal(out.ipPayloadLength, 52 + 100);
    assert.equal(payloadLength(out), 100);
    assert.equal(out.mss, 1460);
    assert.equal(out.windowScale, 14);
    assert.equal(out.sackPermitted, true);
    assert.equal(out.hasTimestamps, true);
    assert.equal(out.tsVal, 0xdeadbeef);
    assert.equal(out.tsEcr, 7);
    assert.equal(out.sackCount, 1);
    assert.deepEqual([...out.sackBlocks.subarray(0, 2)], [1, 2]);
    assert.deepEqual(state.malformed, {});
  });

  it('reads up to four SACK blocks and resets options between packets', () => {
    const blocks: Array<[number, number]> = [
      [0xfffffff0, 0xffffffff],
      [10, 20],
      [30, 40],
      [50, 60],
    ];
    const out = createPacketSummary();
    const state = new DecodeState();
    const first = ethernetV4({ options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks }] });
    assert.equal(decodeFrame(1, first, 0, first.length, first.length, out, state), true);
    assert.equal(out.sackCount, 4);
    assert.deepEqual([...out.sackBlocks], blocks.flat());
    const second = ethernetV4();
    assert.equal(decodeFrame(1, second, 0, second.length, second.length, out, state), true);
    assertV4Segment(out);
    assert.equal(out.sackCount, 0);
    assert.equal(out.mss, -1);
    assert.equal(out.windowScale, -1);
    assert.equal(out.sackPermitted, false);
    assert.equal(out.hasTimestamps, false);
    assert.equal(out.tcpHeaderLength, 20);
  });

  it('keeps a window-scale shift as sent, even above 14', () => {
    const { out } = decode(1, ethernetV4({ options: [{ kind: 'wscale', shift: 200 }] }));
    assert.equal(out.windowScale, 200);
  });

  it('stops at an option length below 2, keeps what came before and counts bad_tcp_option', () => {
    const frame = ethernetV4({
      options: [
        { kind: 'mss', value: 1400 },
        { kind: 'raw', bytes: [8, 1] },
        { kind: 'wscale', shift: 3 },
      ],
    });
    const { ok, out, state } = decode(1, frame);
    assert.equal(ok, true);
    assert.equal(out.mss, 1400);
    assert.equal(out.windowScale, -1);
    assert.deepEqual(state.malformed, { bad_tcp_option: 1 });
  });

  it('stops at an option running past the header', () => {
    const { ok, out, state } = decode(
      1,
      ethernetV4({ options: [{ kind: 'raw', bytes: [3, 3, 7, 2, 9, 1, 1, 1] }] }),
    );
    assert.equal(ok, true);
    assert.equal(out.windowScale, 7);
    assert.equal(out.mss, -1);
    assert.deepEqual(state.malformed, { bad_tcp_option: 1 });
  });

  it('ignores a known option with the wrong length but goes on (as Wireshark)', () => {
    const frame = ethernetV4({
      options: [
        { kind: 'raw', bytes: [2, 3, 5] },
        { kind: 'wscale', shift: 2 },
      ],
    });
    const { ok, out, state } = decode(1, frame);
    assert.equal(ok, true);
    assert.equal(out.mss, -1);
    assert.equal(out.windowScale, 2);
    assert.deepEqual(state.malformed, { bad_tcp_option: 1 });
  });

  it('stops at EOL', () => {
    const { out, state } = decode(1, ethernetV4({ options: [{ kind: 'eol' }, { kind: 'mss', value: 9 }] }));
    assert.equal(out.mss, -1);
    assert.deepEqual(state.malformed, {});
  });
});

describe('decodeFrame: truncation and lengths (checked against tshark 4.0)', () => {
  it('takes the payload length from the IP header when the snaplen cut the frame', () => {
    const frame = ethernetV4();
    const { ok, out, state } = decode(1, frame, 14 + 20 + 20, frame.length);
    assert.equal(ok, true);
    assertV4Segment(out);
    assert.equal(out.ipPayloadLength, 120);
    assert.deepEqual(state.malformed, {});
  });

  it('uses the frame length when the IPv4 total length is 0 (TSO), padding included', () => {
    const frame = concat([ethernetV4({}, { totalLength: 0 }), new Uint8Array(6)]);
    const { ok, out } = decode(1, frame);
    assert.equal(ok, true);
    assert.equal(out.ipPayloadLength, 120 + 6);
  });

  it('never trusts an IP length beyond the frame: tshark takes the frame length', () => {
    const { out: v4 } = decode(1, ethernetV4({}, { totalLength: 1000 }));
    assert.equal(v4.ipPayloadLength, 120);
    const v6 = ethernetFrame(
      { type: ETHERTYPE_IPV6 },
      ipv6Packet({ ...V6, payloadLength: 5000 }, tcpSegment(SEGMENT)),
    );
    assert.equal(decode(1, v6).out.ipPayloadLength, 120);
  });

  it('ignores Ethernet padding after the IP datagram', () => {
    const { out } = decode(1, concat([ethernetV4(), new Uint8Array(18)]));
    assert.equal(out.ipPayloadLength, 120);
  });

  it('returns a packet whose options were cut by the snaplen, with the options read so far', () => {
    const frame = ethernetV4({
      options: [
        { kind: 'mss', value: 1460 },
        { kind: 'nop' },
        { kind: 'wscale', shift: 7 },
        { kind: 'sackPermitted' },
      ],
    });
    const { ok, out, state } = decode(1, frame, 14 + 20 + 26, frame.length);
    assert.equal(ok, true);
    assert.equal(out.mss, 1460);
    assert.equal(out.windowScale, -1);
    assert.equal(out.tcpHeaderLength, 32);
    assert.equal(out.ipPayloadLength, 132);
    assert.deepEqual(state.malformed, { truncated_tcp_options: 1 });
  });

  it('refuses a TCP header with fewer than 16 bytes captured (tshark: ports only, no seq)', () => {
    const frame = ethernetV4();
    const { ok, state } = decode(1, frame, 14 + 20 + 15, frame.length);
    assert.equal(ok, false);
    assert.deepEqual(state.malformed, { truncated_tcp: 1 });
  });

  it('returns a segment whose first 16 bytes are captured (tshark analyses it)', () => {
    const frame = ethernetV4();
    const { ok, out, state } = decode(1, frame, 14 + 20 + 16, frame.length);
    assert.equal(ok, true);
    assertV4Segment(out);
    assert.equal(payloadLength(out), 100);
    assert.deepEqual(state.malformed, { truncated_tcp_header: 1 });
  });

  it('refuses a data offset below 5 (tshark: no sequence analysis)', () => {
    const { ok, state } = decode(1, ethernetV4({ dataOffsetWords: 4 }));
    assert.equal(ok, false);
    assert.deepEqual(state.malformed, { bad_tcp_header_length: 1 });
  });

  it('refuses a TCP header longer than the IP payload (tshark: "short segment", no tcp.len)', () => {
    const { ok, state } = decode(1, ethernetV4({ dataOffsetWords: 15, payload: 0 }));
    assert.equal(ok, false);
    assert.deepEqual(state.malformed, { short_tcp_segment: 1 });
  });

  it('counts IP-level damage', () => {
    const cases: Array<[Uint8Array, number, string]> = [
      [ethernetV4(), 10, 'truncated_ethernet'],
      [ethernetV4(), 14 + 19, 'truncated_ip'],
      [ethernetV4({}, { options: [1, 1, 1, 1] }), 14 + 22, 'truncated_ip'],
      [ethernetV4({}, { headerWords: 4 }), Number.POSITIVE_INFINITY, 'bad_ip_header_length'],
      [ethernetV4({}, { totalLength: 10 }), Number.POSITIVE_INFINITY, 'bad_ip_total_length'],
      [ethernetV4({}, { totalLength: 30 }), Number.POSITIVE_INFINITY, 'truncated_tcp'],
      [ethernetV4({}, { version: 5 }), Number.POSITIVE_INFINITY, 'bad_ip_version'],
      [
        ethernetFrame({ type: ETHERTYPE_IPV6 }, ipv4Packet(V4, tcpSegment(SEGMENT))),
        Number.POSITIVE_INFINITY,
        'bad_ip_version',
      ],
      [ethernetFrame({ type: 0x8100 }, new Uint8Array(2)), Number.POSITIVE_INFINITY, 'truncated_vlan'],
    ];
    for (const [frame, captured, reason] of cases) {
      const { ok, state } = decode(1, frame, Math.min(captured, frame.length), frame.length);
      assert.equal(ok, false, reason);
      assert.deepEqual(state.malformed, { [reason]: 1 }, reason);
    }
  });

  it('treats a caplen above the original length as the frame length', () => {
    const frame = ethernetV4();
    const { ok, out } = decode(1, frame, frame.length, 40);
    assert.equal(ok, true);
    assert.equal(out.ipPayloadLength, 120);
  });

  it('counts frames that are fine but not TCP as skipped', () => {
    const udp = ethernetFrame(
      { type: ETHERTYPE_IPV4 },
      ipv4Packet({ ...V4, protocol: 17 }, new Uint8Array(8)),
    );
    assert.deepEqual(decode(1, udp).state.skipped, { not_tcp: 1 });
    const arp = ethernetFrame({ type: 0x0806 }, new Uint8Array(28));
    assert.deepEqual(decode(1, arp).state.skipped, { not_ip: 1 });
    assert.deepEqual(decode(147, arp).state.skipped, { unsupported_link_type: 1 });
  });
});

describe('decodeFrame: link layers', () => {
  const ipv4 = ipv4Packet(V4, tcpSegment(SEGMENT));
  const ipv6 = ipv6Packet(V6, tcpSegment(SEGMENT));

  function assertV6(out: PacketSummary): void {
    assert.equal(out.ipVersion, 6);
    assert.deepEqual([out.src0, out.src1, out.src2, out.src3], [0x20010db8, 0, 0, 1]);
    assert.deepEqual([out.dst0, out.dst1, out.dst2, out.dst3], [0xfe800000, 0, 0x00010002, 0x00030004]);
    assert.equal(out.srcPort, 51000);
    assert.equal(out.ipPayloadLength, 120);
  }

  it('follows any number of 802.1Q / 802.1ad / 0x9100 tags', () => {
    const tags: Array<Array<[number, number]>> = [
      [[0x8100, 5]],
      [
        [0x88a8, 100],
        [0x8100, 200],
      ],
      [
        [0x9100, 1],
        [0x88a8, 2],
        [0x8100, 3],
      ],
    ];
    for (const vlanTags of tags) {
      const { ok, out } = decode(1, ethernetFrame({ type: ETHERTYPE_IPV4, vlanTags }, ipv4));
      assert.equal(ok, true);
      assertV4Segment(out);
      assert.equal(out.ipPayloadLength, 120);
    }
  });

  it('reads 802.3 frames with LLC/SNAP', () => {
    const snap = concat([Uint8Array.of(0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00), ipv4]);
    const { ok, out } = decode(1, ethernetFrame({ type: snap.length }, snap));
    assert.equal(ok, true);
    assertV4Segment(out);
  });

  it('reads Linux cooked v1 and v2, skipping netlink', () => {
    assertV4Segment(decode(113, linuxCookedFrame(ETHERTYPE_IPV4, ipv4)).out);
    assertV6(decode(113, linuxCookedFrame(ETHERTYPE_IPV6, ipv6)).out);
    assertV4Segment(decode(276, linuxCookedV2Frame(ETHERTYPE_IPV4, ipv4)).out);
    assertV6(decode(276, linuxCookedV2Frame(ETHERTYPE_IPV6, ipv6)).out);
    const vlan = concat([Uint8Array.of(0, 7, 0x08, 0x00), ipv4]);
    assertV4Segment(decode(113, linuxCookedFrame(0x8100, vlan)).out);
    assert.deepEqual(decode(113, linuxCookedFrame(ETHERTYPE_IPV4, ipv4, 824)).state.skipped, { not_ip: 1 });
    assert.deepEqual(decode(113, linuxCookedFrame(4, ipv4)).state.skipped, { not_ip: 1 });
    assert.deepEqual(decode(113, linuxCookedFrame(ETHERTYPE_IPV4, ipv4).subarray(0, 15)).state.malformed, {
      truncated_link_header: 1,
    });
  });

  it('reads BSD loopback in either byte order, every AF_INET6 value, and OpenBSD loop', () => {
    for (const le of [true, false]) {
      assertV4Segment(decode(0, nullFrame(2, ipv4, le)).out);
      for (const family of [24, 28, 30]) assertV6(decode(0, nullFrame(family, ipv6, le)).out);
    }
    assertV4Segment(decode(108, loopFrame(2, ipv4)).out);
    assertV6(decode(108, loopFrame(30, ipv6)).out);
    assert.deepEqual(decode(0, nullFrame(7, ipv4)).state.skipped, { not_ip: 1 });
  });

  it('reads raw IP (101, 12, 14 sniff the version; 228 IPv4; 229 IPv6)', () => {
    for (const linkType of [101, 12, 14]) {
      assertV4Segment(decode(linkType, ipv4).out);
      assertV6(decode(linkType, ipv6).out);
    }
    assertV4Segment(decode(228, ipv4).out);
    assertV6(decode(229, ipv6).out);
    assert.deepEqual(decode(229, ipv4).state.malformed, { bad_ip_version: 1 });
  });

  it('reads IPv4 with options', () => {
    const packet = ipv4Packet({ ...V4, options: [0x94, 4, 0, 0, 1, 1, 1, 0] }, tcpSegment(SEGMENT));
    const { ok, out } = decode(101, packet);
    assert.equal(ok, true);
    assertV4Segment(out);
    assert.equal(out.ipPayloadLength, 120);
  });

  it('walks IPv6 extension headers (hop-by-hop, routing, destination, AH)', () => {
    const packet = ipv6Packet(
      {
        ...V6,
        extensions: [
          { type: 0 },
          { type: 43, body: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
          { type: 60 },
          { type: 51 },
        ],
      },
      tcpSegment(SEGMENT),
    );
    const { ok, out } = decode(229, packet);
    assert.equal(ok, true);
    assertV6(out);
  });

  it('skips ESP and no-next-header, and flags extension headers cut by the snaplen', () => {
    const esp = ipv6Packet({ ...V6, nextHeader: 50 }, new Uint8Array(40));
    assert.deepEqual(decode(229, esp).state.skipped, { esp: 1 });
    const none = ipv6Packet({ ...V6, nextHeader: 59 }, new Uint8Array(0));
    assert.deepEqual(decode(229, none).state.skipped, { not_tcp: 1 });
    const hbh = ipv6Packet(
      { ...V6, extensions: [{ type: 0, body: new Array(14).fill(1) }] },
      tcpSegment(SEGMENT),
    );
    assert.deepEqual(decode(229, hbh, 45, hbh.length).state.malformed, { truncated_ip: 1 });
  });

  it('sizes IPv6 jumbograms from the hop-by-hop Jumbo Payload option (only above 65535, as RFC 2675)', () => {
    const segment = tcpSegment({ ...SEGMENT, payload: 70000 });
    const jumbo = (n: number) => [0xc2, 4, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    const packet = ipv6Packet(
      { ...V6, payloadLength: 0, extensions: [{ type: 0, body: jumbo(8 + 70020) }] },
      segment,
    );
    const { ok, out } = decode(229, packet);
    assert.equal(ok, true);
    assert.equal(out.ipPayloadLength, 70020);
    const small = ipv6Packet(
      { ...V6, payloadLength: 0, extensions: [{ type: 0, body: jumbo(8 + 120) }] },
      tcpSegment(SEGMENT),
    );
    // Without a valid option the payload is 0 bytes long: the hop-by-hop header itself is cut.
    assert.deepEqual(decode(229, small).state.malformed, { truncated_ip: 1 });
  });
});
