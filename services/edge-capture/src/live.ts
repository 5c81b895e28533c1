import { endianness } from 'node:os';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { PacketSummary } from '@tcpx/schemas';
import { readU32 } from './byte-order.js';
import type { CaptureStats } from './capture-file.js';
import { decodeFrame } from './decode.js';
import { FrameSink } from './frame-sink.js';
import { isSupportedLinkType } from './link-types.js';
import { setPcapTimestamp } from './timestamps.js';

/** The part of the optional `pcap` package (node_pcap) we use. */
interface PcapModule {
  createSession(
    device: string,
    options: { filter?: string; buffer_timeout?: number; snap_length?: number },
  ): PcapSession;
}
interface PcapSession {
  readonly link_type: string;
  /** node_pcap 3.1 internals, used to finish closing (see `finishClose`). */
  readonly session?: { dispatch(buffer: Uint8Array, header: Uint8Array): number };
  readonly buf?: Uint8Array;
  readonly header?: Uint8Array;
  on(event: 'packet', listener: (packet: { buf: Uint8Array; header: Uint8Array }) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  stats(): { ps_recv: number; ps_drop: number; ps_ifdrop: number };
  close(): void;
}

export interface LiveCaptureOptions {
  /** Interface name (`eth0`, `lo`, `any`, …). */
  iface: string;
  /** BPF filter expression, e.g. `tcp port 443`; empty = everything. */
  bpf?: string;
  /** Receives each TCP packet in one reused PacketSummary (copy what you keep). */
  onPacket: (p: PacketSummary) => void;
  /** Receives errors from the capture session and exceptions thrown by `onPacket`. */
  onError?: (error: Error) => void;
  /** How long libpcap may batch packets before delivering them, in ms (default 100). */
  bufferTimeoutMs?: number;
  /** Loads the `pcap` package; replaceable for tests. */
  loadPcap?: () => Promise<unknown>;
}

export interface LiveCapture {
  /**
   * Closes the session and returns what was seen; no packet is delivered afterwards. Because of a
   * node_pcap 3.1 limitation the native poll handle may keep the process alive until one more
   * packet matching the filter arrives: a CLI should exit explicitly once it is done.
   */
  stop(): CaptureStats;
  /**
   * stop() once the packets libpcap still holds have arrived: it hands them over in blocks, up to
   * bufferTimeoutMs late, and closing at once loses them (seen: a whole connection made just
   * before a capture switch-off).
   */
  drainAndStop(): Promise<CaptureStats>;
}

/** How libpcap link-type names reported by node_pcap map to link-type numbers. */
const LINK_TYPES_BY_NAME: Record<string, number> = {
  LINKTYPE_NULL: 0,
  LINKTYPE_ETHERNET: 1,
  LINKTYPE_RAW: 101,
  LINKTYPE_LINUX_SLL: 113,
  LINKTYPE_IEEE802_11_RADIO: 127,
};

/**
 * Captures live through the optional `pcap` package (libpcap). Throws when the package cannot be
 * loaded (with the reason and the fix) or the interface cannot be opened.
 */
export async function openLiveCapture(options: LiveCaptureOptions): Promise<LiveCapture> {
  const pcap = await loadPcapModule(options.loadPcap ?? (() => import('pcap')));
  let session: PcapSession;
  try {
    session = pcap.createSession(options.iface, {
      filter: options.bpf ?? '',
      buffer_timeout: options.bufferTimeoutMs ?? 100,
    });
  } catch (error) {
    throw new Error(`cannot capture on interface ${options.iface}: ${errorMessage(error)}`);
  }
  const linkType = linkTypeNumber(session.link_type);
  if (!isSupportedLinkType(linkType)) {
    await nextMacrotask(); // see finishClose
    session.close();
    finishClose(session);
    throw new Error(
      `cannot capture on interface ${options.iface}: unsupported link type ${session.link_type}`,
    );
  }

  const { onPacket, onError } = options;
  const sink = new FrameSink(onPacket);
  sink.noteInterface(linkType);
  const littleEndian = endianness() === 'LE';
  let bytes = 0;
  let stopped: CaptureStats | undefined;

  session.on('packet', ({ buf, header }) => {
    // node_pcap's header: tv_sec, tv_usec, caplen, len as 32-bit host-order words.
    const capturedLength = Math.min(readU32(header, 8, littleEndian), buf.length);
    const originalLength = readU32(header, 12, littleEndian);
    const frame = ++sink.frames;
    bytes += capturedLength;
    const out = sink.out;
    if (!decodeFrame(linkType, buf, 0, capturedLength, originalLength, out, sink.state)) return;
    setPcapTimestamp(out, readU32(header, 0, littleEndian), readU32(header, 4, littleEndian), false);
    out.interfaceId = 0;
    out.frameNumber = frame;
    try {
      sink.emit();
    } catch (error) {
      if (!onError) throw error; // uncaught, as any exception in an event handler
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  });
  session.on('error', (error) => onError?.(error));
  // node_pcap starts with a dispatch in process.nextTick; let it run so that nothing can dispatch
  // on the session after finishClose has released it.
  await nextMacrotask();

  const drainMs = 2 * (options.bufferTimeoutMs ?? 100) + 50;
  const capture: LiveCapture = {
    async drainAndStop(): Promise<CaptureStats> {
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, drainMs));
      return capture.stop();
    },
    stop(): CaptureStats {
      if (stopped) return stopped;
      let dropped = 0;
      try {
        const s = session.stats();
        dropped = s.ps_drop + s.ps_ifdrop;
      } catch {
        // Statistics are best effort (not every platform or device has them).
      }
      session.close();
      finishClose(session);
      sink.state.finish();
      stopped = {
        format: 'live',
        frames: sink.frames,
        tcpPackets: sink.tcpPackets,
        bytes,
        skipped: sink.state.skipped,
        malformed: sink.state.malformed,
        linkTypes: sink.linkTypes,
        dropped,
      };
      return stopped;
    },
  };
  return capture;
}

/**
 * node_pcap 3.1's close() only sets libpcap's break flag; the poll handle is released by the next
 * dispatch that sees the flag, and in non-blocking mode libpcap looks at it only while handing over
 * a frame. Dispatching now releases everything when frames are pending; otherwise the handle keeps
 * the event loop alive until one more packet matching the filter arrives (see LiveCapture.stop).
 * Must run synchronously after close(), once node_pcap's own first dispatch has run.
 */
function finishClose(session: PcapSession): void {
  if (session.session && session.buf && session.header) session.session.dispatch(session.buf, session.header);
}

async function loadPcapModule(load: () => Promise<unknown>): Promise<PcapModule> {
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (error) {
    throw new Error(
      `live capture is unavailable: the optional 'pcap' module could not be loaded (${errorMessage(error)}); ` +
        'to fix it install libpcap and rebuild the module: apt-get install libpcap-dev && npm rebuild pcap',
    );
  }
  const module = loaded as Partial<PcapModule> & { default?: Partial<PcapModule> };
  const pcap = typeof module.createSession === 'function' ? module : module.default;
  if (typeof pcap?.createSession !== 'function') {
    throw new Error(
      "live capture is unavailable: the 'pcap' module has no createSession(); " +
        'reinstall it: apt-get install libpcap-dev && npm rebuild pcap',
    );
  }
  // node_pcap prints "warning: … - this may not actually work" on stderr when the interface has
  // no IPv4 address (netmask lookup for the BPF compiler): harmless for our filters, and noise in
  // a CLI whose stderr carries one-line errors.
  const exportsObject = (module.default ?? module) as { warningHandler?: (message: string) => void };
  if ('warningHandler' in exportsObject) exportsObject.warningHandler = () => {};
  return pcap as PcapModule;
}

/** node_pcap names five link types and reports others as "Unknown linktype N". */
function linkTypeNumber(name: string): number {
  const known = LINK_TYPES_BY_NAME[name];
  if (known !== undefined) return known;
  const match = /(\d+)\s*$/.exec(name);
  return match ? Number(match[1]) : -1;
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
