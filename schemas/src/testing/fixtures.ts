import { createPacketSummary, type PacketSummary, TCP_ACK, TCP_NS, TCP_SYN } from '../packet-summary.js';

// Packets covering the codec's corners, shared by the codec and registry tests.

export function packet(fields: Partial<PacketSummary>, sack: number[] = []): PacketSummary {
  const p = Object.assign(createPacketSummary(), fields);
  p.sackBlocks.set(sack);
  p.sackCount = sack.length / 2;
  return p;
}

/** Comparable form: only the meaningful SACK words. */
export const plain = (p: PacketSummary) => ({
  ...p,
  sackBlocks: Array.from(p.sackBlocks.subarray(0, p.sackCount * 2)),
});

export const SAMPLES: PacketSummary[] = [
  // IPv4 SYN, client is the higher endpoint (a_to_b false), all options
  packet({
    tsSec: 1795242181,
    tsNsec: 112591123,
    src3: 0x0a000009,
    dst3: 0x0a000007,
    srcPort: 53906,
    dstPort: 443,
    flags: TCP_SYN | TCP_NS,
    seq: 0xfffffff0,
    ack: 0,
    window: 65535,
    ipPayloadLength: 40,
    tcpHeaderLength: 40,
    mss: 1460,
    windowScale: 14,
    sackPermitted: true,
    hasTimestamps: true,
    tsVal: 0xdeadbeef,
    tsEcr: 1,
    interfaceId: 3,
    frameNumber: 1,
  }),
  // IPv6 with four SACK blocks, absent options (-1), huge frame number, timestamps at 2^53 scale
  packet(
    {
      tsSec: 18446744073,
      tsNsec: 709551615, // 2^64 - 1 ns: the largest fixed64
      ipVersion: 6,
      src0: 0x20010db8,
      src1: 0,
      src2: 0,
      src3: 1,
      dst0: 0x20010db8,
      dst1: 0,
      dst2: 0xffffffff,
      dst3: 2,
      srcPort: 443,
      dstPort: 443,
      flags: TCP_ACK,
      seq: 1,
      ack: 4294967295,
      window: 1,
      ipPayloadLength: 1500,
      tcpHeaderLength: 60,
      frameNumber: 2 ** 53 - 1,
    },
    [1, 2, 0xfffffff0, 0xffffffff, 5, 6, 7, 8],
  ),
  // 9007199254.740993 s: ns = 2^53 + 1 + 9007199254e9 … around the double precision edge
  packet({ tsSec: 9007199254, tsNsec: 740991, src3: 1, dst3: 1, srcPort: 80, dstPort: 80 }),
  // all zero (proto3 defaults everywhere except mss/window scale -1)
  packet({}),
  packet({ tsSec: 0, tsNsec: 999999999, src3: 0xffffffff, dst3: 0, mss: 0, windowScale: 0 }, [9, 10]),
];
