import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PacketSummary } from '@tcpx/schemas';
import { CaptureFormatError } from './capture-format-error.js';
import type { FormatReader } from './format-reader.js';
import { STOP_READING } from './format-reader.js';
import { FrameSink } from './frame-sink.js';
import { isPcapMagic, PcapReader } from './pcap-reader.js';
import { PcapngReader, SECTION_HEADER_BLOCK } from './pcapng-reader.js';

export { CaptureFormatError } from './capture-format-error.js';

export interface CaptureStats {
  /** 'live' for openLiveCapture. */
  format: 'pcap' | 'pcapng' | 'live';
  /** Packet records read, TCP or not (the last frame number). */
  frames: number;
  /** Frames handed to `onPacket`. */
  tcpPackets: number;
  /** Capture bytes consumed (live capture: captured packet bytes). */
  bytes: number;
  /**
   * Frames that are fine but not TCP-analysable, by reason (`not_ip`, `not_tcp`, `ip_fragment`, …).
   * `ip_fragment_incomplete` counts datagrams (not frames) still missing fragments at the end.
   */
  skipped: Record<string, number>;
  /** Bad input, by reason (`truncated_ip`, `bad_tcp_option`, `bad_block_length`, `truncated_file`, …). */
  malformed: Record<string, number>;
  /** Link types of the capture's interfaces, in order of appearance, without repeats. */
  linkTypes: number[];
  /** Live capture only: packets the kernel or interface dropped (libpcap's ps_drop + ps_ifdrop). */
  dropped?: number;
}

/** Room for a record that straddles chunks; grows (rarely) up to the largest record allowed. */
const INITIAL_CARRY_BYTES = 64 * 1024;

/**
 * Push-style pcap/pcapng reader: feed chunks of any size with `push`, then call `end`. Each TCP
 * packet is decoded into ONE reused PacketSummary passed to `onPacket` (copy what you keep).
 * Damaged input is counted in the stats, never thrown; CaptureFormatError is thrown only when the
 * input is not a readable capture at all.
 */
export class CaptureParser {
  private readonly sink: FrameSink;
  private reader: FormatReader | null = null;
  /** Why the input is not a capture, once known (end() repeats it). */
  private formatError: CaptureFormatError | null = null;
  private stopped = false;
  private bytes = 0;
  /** The start of a unit that did not fit in the previous chunk. */
  private carry = new Uint8Array(INITIAL_CARRY_BYTES);
  private carryLength = 0;
  /** Bytes still to pass over unread (the rest of a block we do not need). */
  private skipRemaining = 0;

  constructor(onPacket: (p: PacketSummary) => void) {
    this.sink = new FrameSink(onPacket);
  }

  /** True once the input is known to be unreadable further (corrupt framing): later data is ignored. */
  get done(): boolean {
    return this.stopped;
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.stopped) return;
    let pos = 0;
    if (this.skipRemaining > 0) {
      pos = Math.min(this.skipRemaining, chunk.length);
      this.skipRemaining -= pos;
    }
    if (this.carryLength > 0) {
      pos = this.completeCarry(chunk, pos);
      if (pos < 0) return;
    }
    pos = this.readUnits(chunk, pos, chunk.length);
    if (pos < chunk.length && !this.stopped) this.keep(chunk, pos);
  }

  /** Finishes the capture and returns its statistics. */
  end(): CaptureStats {
    if (this.formatError) throw this.formatError;
    const reader = this.reader;
    if (reader === null) {
      throw new CaptureFormatError(
        this.bytes === 0
          ? 'empty input: not a capture file'
          : `too short to be a capture file (${this.bytes} bytes)`,
      );
    }
    reader.checkEnd();
    const sink = this.sink;
    if (!this.stopped && (this.carryLength > 0 || this.skipRemaining > 0)) sink.state.bad('truncated_file');
    this.carryLength = 0;
    this.skipRemaining = 0;
    this.stopped = true;
    sink.state.finish();
    // Packets, but none on an interface we can decode: nothing in this file can be analysed.
    if (sink.supportedInterfaces === 0 && sink.state.skipped.unsupported_link_type > 0) {
      throw new CaptureFormatError(`unsupported link type ${sink.linkTypes.join(', ')}`);
    }
    return {
      format: reader.format,
      frames: sink.frames,
      tcpPackets: sink.tcpPackets,
      bytes: this.bytes,
      skipped: sink.state.skipped,
      malformed: sink.state.malformed,
      linkTypes: sink.linkTypes,
    };
  }

  /** Reads every whole unit in b[pos, end); returns where the first incomplete one starts. */
  private readUnits(b: Uint8Array, pos: number, end: number): number {
    while (pos < end) {
      const available = end - pos;
      const length = this.unitLength(b, pos, available);
      if (length === STOP_READING) return this.stop(end);
      if (length < 0 || length > available) {
        if (length > 0 && this.reader!.canSkip(b, pos)) {
          this.skipRemaining = length - available;
          return end;
        }
        return pos;
      }
      if (!this.reader!.readUnit(b, pos, length)) return this.stop(end);
      pos += length;
    }
    return pos;
  }

  /**
   * Tops up the carried partial unit from chunk[pos…]. Returns the chunk position after the unit
   * once it has been read (or skipped), or -1 when the chunk ran out first.
   */
  private completeCarry(chunk: Uint8Array, pos: number): number {
    for (;;) {
      const length = this.unitLength(this.carry, 0, this.carryLength);
      if (length === STOP_READING) return this.stop(-1);
      if (length > 0 && this.reader!.canSkip(this.carry, 0)) {
        const rest = length - this.carryLength;
        this.carryLength = 0;
        const skipped = Math.min(rest, chunk.length - pos);
        this.skipRemaining = rest - skipped;
        return this.skipRemaining > 0 ? -1 : pos + skipped;
      }
      const needed = length > 0 ? length : -length;
      const take = Math.min(needed - this.carryLength, chunk.length - pos);
      this.append(chunk, pos, take);
      pos += take;
      if (this.carryLength < needed) return -1;
      if (length > 0) {
        this.carryLength = 0;
        if (!this.reader!.readUnit(this.carry, 0, length)) return this.stop(-1);
        return pos;
      }
      // The header is complete now: go round to learn the whole unit's length.
    }
  }

  private unitLength(b: Uint8Array, pos: number, available: number): number {
    if (this.reader === null) {
      if (available < 4) return -4;
      this.reader = this.detectFormat(b, pos);
    }
    return this.reader.unitLength(b, pos, available);
  }

  private detectFormat(b: Uint8Array, pos: number): FormatReader {
    const magic = ((b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]) >>> 0;
    if (isPcapMagic(magic)) return new PcapReader(this.sink, magic);
    if (magic === SECTION_HEADER_BLOCK) return new PcapngReader(this.sink);
    this.stopped = true;
    throw new CaptureFormatError(
      `not a pcap or pcapng file (starts with 0x${magic.toString(16).padStart(8, '0')})`,
    );
  }

  private keep(chunk: Uint8Array, pos: number): void {
    this.append(chunk, pos, chunk.length - pos);
  }

  private append(chunk: Uint8Array, pos: number, count: number): void {
    const needed = this.carryLength + count;
    if (needed > this.carry.length) {
      const bigger = new Uint8Array(Math.max(needed, this.carry.length * 2));
      bigger.set(this.carry.subarray(0, this.carryLength));
      this.carry = bigger;
    }
    this.carry.set(chunk.subarray(pos, pos + count), this.carryLength);
    this.carryLength = needed;
  }

  private stop<T extends number>(result: T): T {
    this.stopped = true;
    this.carryLength = 0;
    this.skipRemaining = 0;
    return result;
  }
}

/**
 * Chunk size for file reads. Small on purpose: on Linux, reads of 64 KiB from the page cache run
 * at ~10 GB/s here, reads of 256 KiB and more at ~2.3 GB/s (the copy stops fitting the CPU cache).
 */
const CHUNK_BYTES = 64 * 1024;
/**
 * Give the event loop a turn (timers, signals, progress output, Kafka's acks) every this many
 * chunks. An edge keeps one send in flight, and its ack waits for the turn to end: 8 chunks are
 * ~10 ms of decoding, 64 were ~80 ms (a 1.2 M-packet replay took 2.6-3.1 s instead of 3.1-3.8 s).
 */
const CHUNKS_PER_TURN = 8;

export interface ReadCaptureOptions {
  /** Called after each chunk; `totalBytes` is undefined when the size is unknown (stdin, pipes). */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /**
   * Called once the packets of each chunk have been delivered; when it returns a promise, reading
   * waits for it (backpressure, pacing). A rejection ends the read with that error.
   */
  onChunk?: () => Promise<void> | undefined;
}

/**
 * Reads a whole capture file ('-' = stdin) through a CaptureParser.
 */
export async function readCaptureFile(
  pathOrDash: string,
  onPacket: (p: PacketSummary) => void,
  options: ReadCaptureOptions = {},
): Promise<CaptureStats> {
  const parser = new CaptureParser(onPacket);
  const { onProgress, onChunk } = options;
  if (pathOrDash === '-') {
    let read = 0;
    for await (const chunk of process.stdin) {
      const bytes = chunk as Uint8Array;
      parser.push(bytes);
      read += bytes.length;
      onProgress?.(read, undefined);
      if (parser.done) break;
      const wait = onChunk?.();
      if (wait) await wait;
    }
    return parser.end();
  }
  // Synchronous reads: at 64 KiB a chunk, a thread-pool round trip per read would cost more
  // than the read itself.
  const fd = openSync(pathOrDash, 'r');
  try {
    const info = fstatSync(fd);
    const total = info.isFile() ? info.size : undefined;
    const buffer = new Uint8Array(CHUNK_BYTES);
    let read = 0;
    for (let chunk = 1; ; chunk++) {
      const bytesRead = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      parser.push(bytesRead === CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead));
      read += bytesRead;
      if (parser.done) break;
      const wait = onChunk?.();
      if (wait) await wait;
      if (chunk % CHUNKS_PER_TURN === 0) {
        onProgress?.(read, total);
        await yieldToEventLoop();
      }
    }
    onProgress?.(read, total);
  } finally {
    closeSync(fd);
  }
  return parser.end();
}
