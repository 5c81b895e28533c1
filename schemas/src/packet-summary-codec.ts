import { fromNsWords, nsWords, secNsec, toNsWords } from './ns-time.js';
import { createPacketSummary, type PacketSummary } from './packet-summary.js';

// Hand-written protobuf codec for tcpx.v1.PacketSummaryBatch (proto/packet_summary.proto), the hot
// path from edges to flow processors: no per-packet objects on either side. Tests check it against
// protobufjs both ways. Keep the tags below in step with the .proto file.

const MAX_PACKET_BYTES = 256; // worst case is ~165 bytes (IPv6, 4 SACK blocks, 2^53 frame number)
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Builds one PacketSummaryBatch message; reuse an encoder across batches to reuse its buffer. */
export class PacketSummaryBatchEncoder {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private headerNode: string | null = null;
  private headerNames: readonly string[] = [];
  private headerLength = 0;
  /** Whether this batch's 5-tuple is in its header (begin() was given a connection): packets leave it out. */
  private perConnection = false;
  /** Packets added since begin(). */
  count = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /**
   * Starts a batch: writes node (field 1) and interface_names (field 2). With `connection`, also
   * its canonical 5-tuple (fields 4-7), once: every packet added until the next begin() must then
   * belong to that connection, in either direction, and is written without its addresses and ports.
   */
  begin(node: string, interfaceNames: readonly string[] = [], connection?: PacketSummary): this {
    this.count = 0;
    // Batch after batch the header is the same: its bytes stay at the start of the buffer, which
    // spares a string encoding per batch (a third of the cost of batches of a few packets).
    if (node === this.headerNode && sameStrings(interfaceNames, this.headerNames)) {
      this.pos = this.headerLength;
    } else {
      this.pos = 0;
      this.string(0x0a, node);
      for (const name of interfaceNames) this.string(0x12, name);
      this.headerNode = node;
      this.headerNames = interfaceNames.slice();
      this.headerLength = this.pos;
    }
    this.perConnection = connection !== undefined;
    if (connection !== undefined) {
      this.grow(MAX_PACKET_BYTES);
      this.pos = putEndpoints(
        this.buf,
        this.view,
        this.pos,
        connection,
        compareEndpoints(connection) <= 0,
        0x22,
      );
    }
    return this;
  }

  /** Appends one packet (field 3). */
  add(p: PacketSummary): this {
    if (this.pos + MAX_PACKET_BYTES > this.buf.length) this.grow(MAX_PACKET_BYTES);
    const buf = this.buf;
    buf[this.pos++] = 0x1a;
    const lengthAt = this.pos++; // one byte reserved; shifted below if the packet is > 127 bytes
    this.packet(p);
    const length = this.pos - lengthAt - 1;
    if (length > 127) {
      buf.copyWithin(lengthAt + 2, lengthAt + 1, this.pos);
      buf[lengthAt] = (length & 0x7f) | 0x80;
      buf[lengthAt + 1] = length >>> 7;
      this.pos++;
    } else {
      buf[lengthAt] = length;
    }
    this.count++;
    return this;
  }

  /** The encoded batch, copied out (the encoder's buffer is reused by the next begin()). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** The encoded batch without copying: valid only until the next begin()/add(). */
  peek(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private packet(p: PacketSummary): void {
    // One local `pos` threaded through small module functions: V8 inlines them, and keeping the
    // cursor out of `this` is what makes this loop fast.
    const buf = this.buf;
    const view = this.view;
    let pos = this.pos;
    if (p.tsSec !== 0 || p.tsNsec !== 0) {
      toNsWords(p.tsSec, p.tsNsec);
      buf[pos] = 0x09;
      view.setUint32(pos + 1, nsWords.lo, true);
      view.setUint32(pos + 5, nsWords.hi, true);
      pos += 9;
    }
    const srcIsA = compareEndpoints(p) <= 0;
    if (!this.perConnection) pos = putEndpoints(buf, view, pos, p, srcIsA, 0x12);
    if (srcIsA) {
      buf[pos++] = 0x30; // a_to_b
      buf[pos++] = 1;
    }
    pos = putUint(buf, pos, 0x38, p.flags);
    pos = putUint(buf, pos, 0x40, p.seq);
    pos = putUint(buf, pos, 0x48, p.ack);
    pos = putUint(buf, pos, 0x50, p.window);
    pos = putUint(buf, pos, 0x58, p.ipPayloadLength);
    pos = putUint(buf, pos, 0x60, p.tcpHeaderLength);
    pos = putUint(buf, pos, 0x68, ((p.mss << 1) ^ (p.mss >> 31)) >>> 0); // sint32 zigzag: -1 is 1
    pos = putUint(buf, pos, 0x70, ((p.windowScale << 1) ^ (p.windowScale >> 31)) >>> 0);
    if (p.sackPermitted) {
      buf[pos++] = 0x78;
      buf[pos++] = 1;
    }
    const words = Math.min(p.sackCount, 4) * 2;
    if (words > 0) {
      buf[pos++] = 0x82; // field 16, length-delimited (packed fixed32); tags >= 16 take two bytes
      buf[pos++] = 0x01;
      buf[pos++] = words * 4;
      for (let i = 0; i < words; i++, pos += 4) view.setUint32(pos, p.sackBlocks[i], true);
    }
    if (p.hasTimestamps) {
      buf[pos++] = 0x88;
      buf[pos++] = 0x01;
      buf[pos++] = 1;
    }
    if (p.tsVal !== 0) {
      buf[pos++] = 0x95;
      buf[pos++] = 0x01;
      view.setUint32(pos, p.tsVal, true);
      pos += 4;
    }
    if (p.tsEcr !== 0) {
      buf[pos++] = 0x9d;
      buf[pos++] = 0x01;
      view.setUint32(pos, p.tsEcr, true);
      pos += 4;
    }
    if (p.interfaceId !== 0) {
      buf[pos++] = 0xa0;
      pos = putUint(buf, pos, 0x01, p.interfaceId);
    }
    if (p.frameNumber !== 0) {
      buf[pos++] = 0xa8;
      buf[pos++] = 0x01;
      pos = putVarint53(buf, pos, p.frameNumber);
    }
    this.pos = pos;
  }

  private string(tag: number, s: string): void {
    const bytes = textEncoder.encode(s);
    this.grow(bytes.length + 6);
    this.buf[this.pos++] = tag;
    let n = bytes.length;
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private grow(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** tag + uint32 varint, skipped when 0 (the proto3 default); returns the new position. */
function putUint(buf: Uint8Array, pos: number, tag: number, v: number): number {
  if (v === 0) return pos;
  buf[pos++] = tag;
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Varint of a non-negative integer up to 2^53: integer ops below 2^31, division above. */
function putVarint53(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80000000) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/**
 * The canonical 5-tuple of `p` as addr_a, addr_b, port_a, port_b: fields 2-5 of a packet
 * (addrATag 0x12) or 4-7 of a batch (0x22). Endpoint a is the lower (address, port), so both
 * directions of a connection share one key.
 */
function putEndpoints(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  p: PacketSummary,
  srcIsA: boolean,
  addrATag: number,
): number {
  const v6 = p.ipVersion === 6;
  if (srcIsA) {
    pos = putAddress(buf, view, pos, addrATag, v6, p.src0, p.src1, p.src2, p.src3);
    pos = putAddress(buf, view, pos, addrATag + 0x08, v6, p.dst0, p.dst1, p.dst2, p.dst3);
    pos = putUint(buf, pos, addrATag + 0x0e, p.srcPort);
    pos = putUint(buf, pos, addrATag + 0x16, p.dstPort);
  } else {
    pos = putAddress(buf, view, pos, addrATag, v6, p.dst0, p.dst1, p.dst2, p.dst3);
    pos = putAddress(buf, view, pos, addrATag + 0x08, v6, p.src0, p.src1, p.src2, p.src3);
    pos = putUint(buf, pos, addrATag + 0x0e, p.dstPort);
    pos = putUint(buf, pos, addrATag + 0x16, p.srcPort);
  }
  return pos;
}

/** Big-endian address bytes: 4 for IPv4 (word 3), 16 for IPv6. */
function putAddress(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  tag: number,
  v6: boolean,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): number {
  buf[pos++] = tag;
  if (!v6) {
    buf[pos++] = 4;
    view.setUint32(pos, w3);
    return pos + 4;
  }
  buf[pos++] = 16;
  view.setUint32(pos, w0);
  view.setUint32(pos + 4, w1);
  view.setUint32(pos + 8, w2);
  view.setUint32(pos + 12, w3);
  return pos + 16;
}

/** <0 when the source endpoint is the lower (address, port), 0 when equal. */
export function compareEndpoints(p: PacketSummary): number {
  if (p.ipVersion === 6) {
    if (p.src0 !== p.dst0) return p.src0 >>> 0 < p.dst0 >>> 0 ? -1 : 1;
    if (p.src1 !== p.dst1) return p.src1 >>> 0 < p.dst1 >>> 0 ? -1 : 1;
    if (p.src2 !== p.dst2) return p.src2 >>> 0 < p.dst2 >>> 0 ? -1 : 1;
  }
  if (p.src3 !== p.dst3) return p.src3 >>> 0 < p.dst3 >>> 0 ? -1 : 1;
  return p.srcPort - p.dstPort;
}

/** Encodes a whole batch in one call (allocates one encoder; reuse PacketSummaryBatchEncoder instead). */
export function encodePacketSummaryBatch(
  node: string,
  packets: readonly PacketSummary[],
  interfaceNames: readonly string[] = [],
): Uint8Array {
  const encoder = new PacketSummaryBatchEncoder(64 + packets.length * 80);
  encoder.begin(node, interfaceNames);
  for (const p of packets) encoder.add(p);
  return encoder.finish();
}

/**
 * Reads a PacketSummaryBatch: reset() reads node and interface names (wherever they are) and
 * counts packets; next() decodes the following packet into a caller-owned, reused PacketSummary.
 */
export class PacketSummaryBatchReader {
  node = '';
  interfaceNames: string[] = [];
  count = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private end = 0;
  private cursor = 0; // where next() continues scanning the top-level fields
  // The batch's 5-tuple (fields 4-7), the default for its packets: address offsets in buf, lengths, ports.
  private batchAAt = 0;
  private batchALen = 0;
  private batchBAt = 0;
  private batchBLen = 0;
  private batchPortA = 0;
  private batchPortB = 0;

  reset(bytes: Uint8Array): this {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.node = '';
    this.interfaceNames = [];
    this.count = 0;
    this.pos = 0;
    this.end = bytes.length;
    this.batchALen = this.batchBLen = this.batchPortA = this.batchPortB = 0;
    while (this.pos < this.end) {
      const tag = this.varint();
      if (tag === 0x0a) this.node = this.string();
      else if (tag === 0x12) this.interfaceNames.push(this.string());
      else if (tag === 0x1a) {
        this.count++;
        const length = this.varint(); // (not `pos += varint()`: that reads pos before the call)
        this.pos += length;
      } else if (tag === 0x22) {
        this.batchALen = this.varint();
        this.batchAAt = this.pos;
        this.pos += this.batchALen;
      } else if (tag === 0x2a) {
        this.batchBLen = this.varint();
        this.batchBAt = this.pos;
        this.pos += this.batchBLen;
      } else if (tag === 0x30) this.batchPortA = this.varint();
      else if (tag === 0x38) this.batchPortB = this.varint();
      else this.skip(tag);
    }
    if (this.pos !== this.end) throw new Error('PacketSummaryBatch: truncated');
    this.cursor = 0;
    return this;
  }

  /** Decodes the next packet into `into`; false when there is none left. */
  next(into: PacketSummary): boolean {
    this.pos = this.cursor;
    while (this.pos < this.end) {
      const tag = this.varint();
      if (tag === 0x1a) {
        const length = this.varint();
        const end = this.pos + length;
        this.packet(into, end);
        this.cursor = end;
        return true;
      }
      if (tag === 0x0a || tag === 0x12) {
        const length = this.varint();
        this.pos += length;
      } else this.skip(tag);
    }
    this.cursor = this.end;
    return false;
  }

  private packet(p: PacketSummary, end: number): void {
    // Absent fields are proto3 defaults (0/false): reset everything first.
    let tsLo = 0;
    let tsHi = 0;
    // The 5-tuple defaults to the batch's (absent there too: empty addresses, rejected below).
    let aLen = this.batchALen;
    let bLen = this.batchBLen;
    let aAt = this.batchAAt;
    let bAt = this.batchBAt;
    let portA = this.batchPortA;
    let portB = this.batchPortB;
    let aToB = false;
    let sackWords = 0;
    p.flags = 0;
    p.seq = 0;
    p.ack = 0;
    p.window = 0;
    p.ipPayloadLength = 0;
    p.tcpHeaderLength = 0;
    p.mss = 0;
    p.windowScale = 0;
    p.sackPermitted = false;
    p.hasTimestamps = false;
    p.tsVal = 0;
    p.tsEcr = 0;
    p.interfaceId = 0;
    p.frameNumber = 0;
    const view = this.view;
    while (this.pos < end) {
      const tag = this.varint();
      switch (tag) {
        case 0x09:
          tsLo = view.getUint32(this.pos, true);
          tsHi = view.getUint32(this.pos + 4, true);
          this.pos += 8;
          break;
        case 0x12:
          aLen = this.varint();
          aAt = this.pos;
          this.pos += aLen;
          break;
        case 0x1a:
          bLen = this.varint();
          bAt = this.pos;
          this.pos += bLen;
          break;
        case 0x20:
          portA = this.varint();
          break;
        case 0x28:
          portB = this.varint();
          break;
        case 0x30:
          aToB = this.varint() !== 0;
          break;
        case 0x38:
          p.flags = this.varint();
          break;
        case 0x40:
          p.seq = this.varint();
          break;
        case 0x48:
          p.ack = this.varint();
          break;
        case 0x50:
          p.window = this.varint();
          break;
        case 0x58:
          p.ipPayloadLength = this.varint();
          break;
        case 0x60:
          p.tcpHeaderLength = this.varint();
          break;
        case 0x68: {
          const z = this.varint();
          p.mss = (z >>> 1) ^ -(z & 1);
          break;
        }
        case 0x70: {
          const z = this.varint();
          p.windowScale = (z >>> 1) ^ -(z & 1);
          break;
        }
        case 0x78:
          p.sackPermitted = this.varint() !== 0;
          break;
        // Tags of fields >= 16 take two bytes; as varint values they are 128..255.
        case 0x82: // field 16 packed
        case 0x85: // field 16 unpacked fixed32 (parsers must accept both)
          sackWords = this.sack(p, tag, sackWords);
          break;
        case 0x88:
          p.hasTimestamps = this.varint() !== 0;
          break;
        case 0x95:
          p.tsVal = view.getUint32(this.pos, true);
          this.pos += 4;
          break;
        case 0x9d:
          p.tsEcr = view.getUint32(this.pos, true);
          this.pos += 4;
          break;
        case 0xa0:
          p.interfaceId = this.varint();
          break;
        case 0xa8:
          p.frameNumber = this.varint53();
          break;
        default:
          this.skip(tag);
      }
    }
    if (this.pos !== end) throw new Error('PacketSummary: field runs past the message');
    fromNsWords(tsLo, tsHi);
    p.tsSec = secNsec.sec;
    p.tsNsec = secNsec.nsec;
    p.sackCount = sackWords >>> 1;
    if (aLen !== bLen || (aLen !== 4 && aLen !== 16)) {
      throw new Error(`PacketSummary: addresses of ${aLen} and ${bLen} bytes`);
    }
    const srcAt = aToB ? aAt : bAt;
    const dstAt = aToB ? bAt : aAt;
    p.srcPort = aToB ? portA : portB;
    p.dstPort = aToB ? portB : portA;
    if (aLen === 16) {
      p.ipVersion = 6;
      p.src0 = view.getUint32(srcAt);
      p.src1 = view.getUint32(srcAt + 4);
      p.src2 = view.getUint32(srcAt + 8);
      p.src3 = view.getUint32(srcAt + 12);
      p.dst0 = view.getUint32(dstAt);
      p.dst1 = view.getUint32(dstAt + 4);
      p.dst2 = view.getUint32(dstAt + 8);
      p.dst3 = view.getUint32(dstAt + 12);
    } else {
      p.ipVersion = 4;
      p.src0 = p.src1 = p.src2 = p.dst0 = p.dst1 = p.dst2 = 0;
      p.src3 = view.getUint32(srcAt);
      p.dst3 = view.getUint32(dstAt);
    }
  }

  /** Reads SACK words (packed or one unpacked), keeping at most 8 (4 blocks), as in memory. */
  private sack(p: PacketSummary, tag: number, words: number): number {
    let end: number;
    if (tag === 0x82) {
      const length = this.varint();
      end = this.pos + length;
    } else end = this.pos + 4;
    for (; this.pos < end; this.pos += 4) {
      if (words < 8) p.sackBlocks[words++] = this.view.getUint32(this.pos, true);
    }
    return words;
  }

  /** Reads a varint's low 32 bits as unsigned (longer varints are consumed, high bits dropped). */
  private varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    if (b < 0x80) return b;
    let v = b & 0x7f;
    b = buf[this.pos++];
    v |= (b & 0x7f) << 7;
    if (b < 0x80) return v;
    b = buf[this.pos++];
    v |= (b & 0x7f) << 14;
    if (b < 0x80) return v;
    b = buf[this.pos++];
    v |= (b & 0x7f) << 21;
    if (b < 0x80) return v;
    b = buf[this.pos++];
    v |= b << 28;
    while (b >= 0x80) {
      if (this.pos >= this.end) throw new Error('PacketSummaryBatch: bad varint');
      b = buf[this.pos++];
    }
    return v >>> 0;
  }

  private varint53(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
      if (this.pos >= this.end) throw new Error('PacketSummaryBatch: bad varint');
    }
  }

  private string(): string {
    const length = this.varint();
    const s = textDecoder.decode(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return s;
  }

  /** Skips an unknown field (newer writers may add fields). */
  private skip(tag: number): void {
    switch (tag & 7) {
      case 0:
        this.varint();
        break;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const length = this.varint();
        this.pos += length;
        break;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`PacketSummaryBatch: unsupported wire type ${tag & 7}`);
    }
  }
}

/** Decodes a batch, calling `visit` with one reused PacketSummary per packet. */
export function decodePacketSummaryBatch(
  bytes: Uint8Array,
  visit: (p: PacketSummary, index: number) => void,
  scratch: PacketSummary = createPacketSummary(),
): { node: string; interfaceNames: string[]; count: number } {
  const reader = new PacketSummaryBatchReader().reset(bytes);
  for (let i = 0; reader.next(scratch); i++) visit(scratch, i);
  return { node: reader.node, interfaceNames: reader.interfaceNames, count: reader.count };
}
