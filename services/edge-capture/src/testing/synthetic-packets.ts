import type { PacketSummary } from '@tcpx/schemas';

/**
 * Fills `p` with packet `frame` of `flows` connections (10.0.0.1:30000+flow ↔ 10.0.0.2:443, the
 * direction alternating every two frames); `seq` = `frame`, so a receiver can tell which it got.
 */
export function syntheticPacket(p: PacketSummary, frame: number, flows = 20): PacketSummary {
  const flow = frame % flows;
  const out = (frame >> 1) % 2 === 0;
  p.src3 = out ? 0x0a000001 : 0x0a000002;
  p.dst3 = out ? 0x0a000002 : 0x0a000001;
  p.srcPort = out ? 30000 + flow : 443;
  p.dstPort = out ? 443 : 30000 + flow;
  p.flags = 16;
  p.seq = frame;
  p.frameNumber = frame;
  return p;
}
