import { readU32 } from './byte-order.js';
import { CaptureFormatError } from './capture-format-error.js';
import { decodeFrame } from './decode.js';
import { type FormatReader, MAX_CAPTURED_LENGTH, STOP_READING } from './format-reader.js';
import type { FrameSink } from './frame-sink.js';
import { isSupportedLinkType } from './link-types.js';
import { setPcapTimestamp } from './timestamps.js';

const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

/** Magic numbers as read big-endian from the first four bytes. */
const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const MAGIC_NANOSECONDS = 0xa1b23c4d;
const MAGIC_MICROSECONDS_SWAPPED = 0xd4c3b2a1;
const MAGIC_NANOSECONDS_SWAPPED = 0x4d3cb2a1;

export function isPcapMagic(magic: number): boolean {
  return (
    magic === MAGIC_MICROSECONDS ||
    magic === MAGIC_NANOSECONDS ||
    magic === MAGIC_MICROSECONDS_SWAPPED ||
    magic === MAGIC_NANOSECONDS_SWAPPED
  );
}

/** Classic libpcap files: a 24-byte file header, then 16-byte record headers each followed by data. */
export class PcapReader implements FormatReader {
  readonly format = 'pcap';
  private readonly littleEndian: boolean;
  private readonly nanoseconds: boolean;
  private headerRead = false;
  private linkType = -1;

  /** `magic` is the first four bytes read big-endian. */
  constructor(
    private readonly sink: FrameSink,
    magic: number,
  ) {
    this.littleEndian = magic === MAGIC_MICROSECONDS_SWAPPED || magic === MAGIC_NANOSECONDS_SWAPPED;
    this.nanoseconds = magic === MAGIC_NANOSECONDS || magic === MAGIC_NANOSECONDS_SWAPPED;
  }

  unitLength(b: Uint8Array, pos: number, available: number): number {
    if (!this.headerRead) return FILE_HEADER_LENGTH;
    if (available < RECORD_HEADER_LENGTH) return -RECORD_HEADER_LENGTH;
    const capturedLength = readU32(b, pos + 8, this.littleEndian);
    if (capturedLength > MAX_CAPTURED_LENGTH) {
      // Record boundaries are lost: nothing after this can be trusted.
      this.sink.state.bad('bad_record_length');
      return STOP_READING;
    }
    return RECORD_HEADER_LENGTH + capturedLength;
  }

  canSkip(): boolean {
    return false;
  }

  readUnit(b: Uint8Array, pos: number, length: number): boolean {
    if (!this.headerRead) {
      this.readFileHeader(b, pos);
      return true;
    }
    const le = this.littleEndian;
    const sink = this.sink;
    const out = sink.out;
    const frame = ++sink.frames;
    const capturedLength = length - RECORD_HEADER_LENGTH;
    const originalLength = readU32(b, pos + 12, le);
    if (
      decodeFrame(
        this.linkType,
        b,
        pos + RECORD_HEADER_LENGTH,
        capturedLength,
        originalLength,
        out,
        sink.state,
      )
    ) {
      setPcapTimestamp(out, readU32(b, pos, le), readU32(b, pos + 4, le), this.nanoseconds);
      out.interfaceId = 0;
      out.frameNumber = frame;
      sink.emit();
    }
    return true;
  }

  checkEnd(): void {
    if (!this.headerRead) throw new CaptureFormatError('truncated pcap file header');
  }

  private readFileHeader(b: Uint8Array, pos: number): void {
    // The upper bits of the link-type field carry FCS information, not the link type.
    const linkType = readU32(b, pos + 20, this.littleEndian) & 0xffff;
    if (!isSupportedLinkType(linkType)) throw new CaptureFormatError(`unsupported link type ${linkType}`);
    this.linkType = linkType;
    this.sink.noteInterface(linkType);
    this.headerRead = true;
  }
}
