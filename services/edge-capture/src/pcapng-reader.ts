import { readU16, readU32 } from './byte-order.js';
import { CaptureFormatError } from './capture-format-error.js';
import { decodeFrame } from './decode.js';
import { type FormatReader, STOP_READING } from './format-reader.js';
import type { FrameSink } from './frame-sink.js';
import { MICROSECONDS, resolutionFromOption, setTimestamp, type TimestampResolution } from './timestamps.js';

export const SECTION_HEADER_BLOCK = 0x0a0d0d0a;
const INTERFACE_DESCRIPTION_BLOCK = 1;
const OBSOLETE_PACKET_BLOCK = 2;
const SIMPLE_PACKET_BLOCK = 3;
const ENHANCED_PACKET_BLOCK = 6;
/**
 * Non-packet blocks that Wireshark 4.0 still turns into records, each taking a frame number: custom
 * blocks (copyable or not), systemd journal entries, Sysdig events (v1, v2, v2 large).
 */
function isNumberedNonPacket(type: number): boolean {
  switch (type) {
    case 0x00000bad:
    case 0x40000bad:
    case 0x00000009:
    case 0x00000204:
    case 0x00000216:
    case 0x00000221:
      return true;
    default:
      return false;
  }
}
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;

/** Smallest valid total length of a block (header, fixed fields, trailer); 0 for blocks we skip. */
function minimumLength(type: number): number {
  switch (type) {
    case ENHANCED_PACKET_BLOCK:
    case OBSOLETE_PACKET_BLOCK:
      return 32;
    case SIMPLE_PACKET_BLOCK:
      return 16;
    case INTERFACE_DESCRIPTION_BLOCK:
      return 20;
    case SECTION_HEADER_BLOCK:
      return 28;
    default:
      return 0;
  }
}
/** Bigger than any block a sane writer produces; a length beyond it means the framing is corrupt. */
const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

interface CaptureInterface {
  readonly linkType: number;
  /** 0 = unlimited. */
  readonly snapLength: number;
  readonly resolution: TimestampResolution;
  /** `if_tsoffset`: seconds to add to every timestamp (Wireshark applies it too). */
  readonly secondsOffset: number;
}

/** pcapng: blocks of type + total length, one or more sections each with its own interfaces. */
export class PcapngReader implements FormatReader {
  readonly format = 'pcapng';
  /** Byte order of the current section (set by its section header block). */
  private littleEndian = true;
  private sectionSeen = false;
  /** Interfaces of the current section; packets name them by index (Wireshark's frame.interface_id). */
  private interfaces: CaptureInterface[] = [];

  constructor(private readonly sink: FrameSink) {}

  unitLength(b: Uint8Array, pos: number, available: number): number {
    if (available < 12) return -12; // type, length and (for a section header) the byte-order magic
    const type = readU32(b, pos, this.littleEndian);
    if (type === SECTION_HEADER_BLOCK && !this.takeByteOrder(b, pos)) return STOP_READING;
    const length = readU32(b, pos + 4, this.littleEndian);
    if (length < Math.max(12, minimumLength(type)) || length % 4 !== 0 || length > MAX_BLOCK_LENGTH) {
      if (!this.sectionSeen) {
        throw new CaptureFormatError(`corrupt pcapng section header (block length ${length})`);
      }
      this.sink.state.bad('bad_block_length');
      return STOP_READING;
    }
    return length;
  }

  canSkip(b: Uint8Array, pos: number): boolean {
    const type = readU32(b, pos, this.littleEndian);
    return minimumLength(type) === 0 && !isNumberedNonPacket(type);
  }

  readUnit(b: Uint8Array, pos: number, length: number): boolean {
    const le = this.littleEndian;
    if (readU32(b, pos + length - 4, le) !== length) {
      if (!this.sectionSeen) {
        throw new CaptureFormatError('corrupt pcapng section header (trailing length differs)');
      }
      this.sink.state.bad('bad_block_length');
      return false;
    }
    switch (readU32(b, pos, le)) {
      case ENHANCED_PACKET_BLOCK:
      case OBSOLETE_PACKET_BLOCK: {
        // Same layout; the obsolete block has a 16-bit interface id followed by a drops count.
        const enhanced = readU32(b, pos, le) === ENHANCED_PACKET_BLOCK;
        this.packet(
          enhanced ? readU32(b, pos + 8, le) : readU16(b, pos + 8, le),
          b,
          pos + 28,
          readU32(b, pos + 20, le),
          readU32(b, pos + 24, le),
          length - 32,
          readU32(b, pos + 12, le),
          readU32(b, pos + 16, le),
        );
        return true;
      }
      case SIMPLE_PACKET_BLOCK:
        this.simplePacket(b, pos, length);
        return true;
      case INTERFACE_DESCRIPTION_BLOCK:
        this.interfaceDescription(b, pos, length);
        return true;
      case SECTION_HEADER_BLOCK:
        return this.sectionHeader(b, pos);
      default:
        // Name resolution, statistics, secrets…: nothing for us; some still take a frame number.
        if (isNumberedNonPacket(readU32(b, pos, le))) {
          this.sink.frames++;
          this.sink.state.skip('non_packet_record');
        }
        return true;
    }
  }

  checkEnd(): void {
    if (!this.sectionSeen) throw new CaptureFormatError('truncated pcapng section header');
  }

  /** Sets the byte order from a section header's magic; false (or a throw, first time) if corrupt. */
  private takeByteOrder(b: Uint8Array, pos: number): boolean {
    const magic = readU32(b, pos + 8, false);
    if (magic === BYTE_ORDER_MAGIC || magic === BYTE_ORDER_MAGIC_SWAPPED) {
      this.littleEndian = magic === BYTE_ORDER_MAGIC_SWAPPED;
      return true;
    }
    if (!this.sectionSeen) {
      throw new CaptureFormatError('corrupt pcapng section header (bad byte-order magic)');
    }
    this.sink.state.bad('bad_section_header');
    return false;
  }

  private sectionHeader(b: Uint8Array, pos: number): boolean {
    const major = readU16(b, pos + 12, this.littleEndian);
    if (major !== 1) {
      if (!this.sectionSeen) throw new CaptureFormatError(`unsupported pcapng version ${major}`);
      this.sink.state.bad('bad_section_header');
      return false;
    }
    this.sectionSeen = true;
    this.interfaces = [];
    return true;
  }

  private interfaceDescription(b: Uint8Array, pos: number, length: number): void {
    const le = this.littleEndian;
    const linkType = readU16(b, pos + 8, le);
    let resolution = MICROSECONDS;
    let secondsOffset = 0;
    const end = pos + length - 4;
    for (let p = pos + 16; p + 4 <= end; ) {
      const code = readU16(b, p, le);
      const optionLength = readU16(b, p + 2, le);
      if (code === OPTION_END) break;
      if (p + 4 + optionLength > end) {
        this.sink.state.bad('bad_block_option');
        break;
      }
      if (code === OPTION_IF_TSRESOL && optionLength >= 1) resolution = resolutionFromOption(b[p + 4]);
      if (code === OPTION_IF_TSOFFSET && optionLength >= 8) {
        const high = readU32(b, p + (le ? 8 : 4), le) | 0; // signed 64-bit
        secondsOffset = high * 4294967296 + readU32(b, p + (le ? 4 : 8), le);
      }
      p += 4 + ((optionLength + 3) & ~3);
    }
    this.interfaces.push({
      linkType,
      snapLength: readU32(b, pos + 12, le),
      resolution,
      secondsOffset,
    });
    this.sink.noteInterface(linkType);
  }

  /**
   * SPB: interface 0, no timestamp, and a captured length implied as min(original length, snaplen),
   * which must fit the block. One that does not is counted, and read as far as the block goes.
   */
  private simplePacket(b: Uint8Array, pos: number, length: number): void {
    const originalLength = readU32(b, pos + 8, this.littleEndian);
    const snapLength = this.interfaces[0]?.snapLength ?? 0;
    let capturedLength = snapLength > 0 && snapLength < originalLength ? snapLength : originalLength;
    if (capturedLength > length - 16) {
      this.sink.state.bad('bad_record_length');
      capturedLength = length - 16;
    }
    this.packet(0, b, pos + 12, capturedLength, originalLength, length - 16, 0, 0);
  }

  private packet(
    interfaceId: number,
    b: Uint8Array,
    dataPos: number,
    capturedLength: number,
    originalLength: number,
    room: number,
    timestampHigh: number,
    timestampLow: number,
  ): void {
    const sink = this.sink;
    const frame = ++sink.frames;
    const face = this.interfaces[interfaceId];
    if (face === undefined) {
      sink.state.bad('unknown_interface');
      return;
    }
    if (capturedLength > room) {
      sink.state.bad('bad_record_length');
      return;
    }
    const out = sink.out;
    if (decodeFrame(face.linkType, b, dataPos, capturedLength, originalLength, out, sink.state)) {
      setTimestamp(out, timestampHigh, timestampLow, face.resolution);
      out.tsSec += face.secondsOffset;
      out.interfaceId = interfaceId;
      out.frameNumber = frame;
      sink.emit();
    }
  }
}
