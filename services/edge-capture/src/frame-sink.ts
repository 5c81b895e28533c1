import { createPacketSummary, type PacketSummary } from '@tcpx/schemas';
import { DecodeState } from './decode-state.js';
import { isSupportedLinkType } from './link-types.js';

/** What the format readers share: the reusable summary, decoder state and per-capture tallies. */
export class FrameSink {
  /** Packet records seen so far; the current record's frame number once incremented. */
  frames = 0;
  tcpPackets = 0;
  supportedInterfaces = 0;
  readonly out: PacketSummary = createPacketSummary();
  readonly state = new DecodeState();
  readonly linkTypes: number[] = [];

  constructor(readonly onPacket: (p: PacketSummary) => void) {}

  noteInterface(linkType: number): void {
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
    if (isSupportedLinkType(linkType)) this.supportedInterfaces++;
  }

  /** Hands `out` (fully filled) to the consumer. */
  emit(): void {
    this.tcpPackets++;
    this.onPacket(this.out);
  }
}
