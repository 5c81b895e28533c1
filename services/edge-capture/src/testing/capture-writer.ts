/**
 * Builds small capture files for tests: frames (Ethernet/VLAN, Linux cooked, loopback, raw IP),
 * IPv4/IPv6 packets (options, extension headers, fragments), TCP segments with options (and, on
 * request, valid checksums), ICMP errors, and pcap / pcapng files in either byte order. The one
 * capture writer of the repository: the crafted tshark captures (test/src/crafted) are built on it
 * too. Not for hot paths: it allocates freely.
 */

// ---------- TCP ----------

export type TcpOption =
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'timestamps'; tsVal: number; tsEcr: number }
  | { kind: 'nop' }
  | { kind: 'eol' }
  /** Any bytes, verbatim (to build malformed options). */
  | { kind: 'raw'; bytes: number[] };

export interface TcpSegmentSpec {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  /** FIN=1 … CWR=128, NS=256 (as in @tcpx/schemas). */
  flags?: number;
  window?: number;
  options?: TcpOption[];
  /** Payload bytes, or a length of zero bytes. */
  payload?: Uint8Array | number;
  /** Overrides the data offset (in 32-bit words) written in the header. */
  dataOffsetWords?: number;
  /** Byte that pads the options to a multiple of 4 (default EOL; the crafted captures use NOP). */
  optionPadding?: 'eol' | 'nop';
}

/** Encodes options, padded with EOL (or NOP) to a multiple of 4 bytes. */
export function encodeTcpOptions(options: TcpOption[], padding: 'eol' | 'nop' = 'eol'): Uint8Array {
  const bytes: number[] = [];
  for (const o of options) {
    switch (o.kind) {
      case 'mss':
        bytes.push(2, 4, o.value >> 8, o.value & 255);
        break;
      case 'wscale':
        bytes.push(3, 3, o.shift);
        break;
      case 'sackPermitted':
        bytes.push(4, 2);
        break;
      case 'sack':
        bytes.push(5, 2 + 8 * o.blocks.length);
        for (const [left, right] of o.blocks) bytes.push(...u32be(left), ...u32be(right));
        break;
      case 'timestamps':
        bytes.push(8, 10, ...u32be(o.tsVal), ...u32be(o.tsEcr));
        break;
      case 'nop':
        bytes.push(1);
        break;
      case 'eol':
        bytes.push(0);
        break;
      case 'raw':
        bytes.push(...o.bytes);
        break;
    }
  }
  while (bytes.length % 4 !== 0) bytes.push(padding === 'nop' ? 1 : 0);
  return Uint8Array.from(bytes);
}

/**
 * A TCP header (checksum 0: Wireshark does not verify it by default; see withTcpChecksum) followed by
 * the payload.
 */
export function tcpSegment(spec: TcpSegmentSpec): Uint8Array {
  const options = encodeTcpOptions(spec.options ?? [], spec.optionPadding);
  const payload =
    typeof spec.payload === 'number' ? new Uint8Array(spec.payload) : (spec.payload ?? new Uint8Array());
  const headerLength = 20 + options.length;
  const out = new Uint8Array(headerLength + payload.length);
  const v = new DataView(out.buffer);
  const flags = spec.flags ?? 0x10;
  v.setUint16(0, spec.srcPort);
  v.setUint16(2, spec.dstPort);
  v.setUint32(4, (spec.seq ?? 0) >>> 0);
  v.setUint32(8, (spec.ack ?? 0) >>> 0);
  out[12] = ((spec.dataOffsetWords ?? headerLength / 4) << 4) | ((flags >> 8) & 1);
  out[13] = flags & 255;
  v.setUint16(14, spec.window ?? 65535);
  out.set(options, 20);
  out.set(payload, headerLength);
  return out;
}

/**
 * A copy of `segment` with its checksum set over the IPv4 or IPv6 pseudo-header of `src` → `dst`
 * (for captures read with checksum validation on, e.g. tshark's tcp.check_checksum).
 */
export function withTcpChecksum(segment: Uint8Array, src: string, dst: string): Uint8Array {
  const v6 = src.includes(':');
  const pseudo = new Uint8Array(v6 ? 40 : 12);
  const p = new DataView(pseudo.buffer);
  if (v6) {
    pseudo.set(parseIpv6(src), 0);
    pseudo.set(parseIpv6(dst), 16);
    p.setUint32(32, segment.length);
    pseudo[39] = 6;
  } else {
    pseudo.set(parseIpv4(src), 0);
    pseudo.set(parseIpv4(dst), 4);
    pseudo[9] = 6;
    p.setUint16(10, segment.length);
  }
  const out = Uint8Array.from(segment);
  out[16] = 0;
  out[17] = 0;
  new DataView(out.buffer).setUint16(16, internetChecksum(out, onesComplementSum(pseudo)));
  return out;
}

// ---------- ICMP ----------

/** ICMPv4 destination unreachable (type 3; code 3 = port unreachable) quoting an IP header + ≥ 8 bytes. */
export function icmpUnreachable(quoted: Uint8Array, code = 3): Uint8Array {
  const out = new Uint8Array(8 + quoted.length);
  out[0] = 3;
  out[1] = code;
  out.set(quoted, 8);
  new DataView(out.buffer).setUint16(2, internetChecksum(out));
  return out;
}

// ---------- IP ----------

export interface Ipv4Spec {
  src: string;
  dst: string;
  protocol?: number;
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  moreFragments?: boolean;
  dontFragment?: boolean;
  /** IP options, padded with zeros to a multiple of 4 bytes. */
  options?: number[];
  /** Overrides the total-length field (e.g. 0 for TSO, or a lie). */
  totalLength?: number;
  /** Overrides the header-length nibble (32-bit words). */
  headerWords?: number;
  /** Overrides the version nibble. */
  version?: number;
}

export function ipv4Packet(spec: Ipv4Spec, payload: Uint8Array): Uint8Array {
  const options = [...(spec.options ?? [])];
  while (options.length % 4 !== 0) options.push(0);
  const headerLength = 20 + options.length;
  const out = new Uint8Array(headerLength + payload.length);
  const v = new DataView(out.buffer);
  out[0] = ((spec.version ?? 4) << 4) | (spec.headerWords ?? headerLength / 4);
  v.setUint16(2, spec.totalLength ?? out.length);
  v.setUint16(4, spec.id ?? 0);
  const fragmentField =
    (spec.dontFragment ? 0x4000 : 0) | (spec.moreFragments ? 0x2000 : 0) | ((spec.fragmentOffset ?? 0) >> 3);
  v.setUint16(6, fragmentField);
  out[8] = spec.ttl ?? 64;
  out[9] = spec.protocol ?? 6;
  out.set(parseIpv4(spec.src), 12);
  out.set(parseIpv4(spec.dst), 16);
  out.set(options, 20);
  v.setUint16(10, internetChecksum(out.subarray(0, headerLength)));
  out.set(payload, headerLength);
  return out;
}

export interface Ipv6Extension {
  /** The extension header's own type (0, 43, 60, 51, 44, …). */
  type: number;
  /** Bytes after the next-header byte (and after the length byte for all but fragment headers). */
  body?: number[];
}

export interface Ipv6Spec {
  src: string;
  dst: string;
  /** Protocol after the extension headers. */
  nextHeader?: number;
  hopLimit?: number;
  extensions?: Ipv6Extension[];
  /** Overrides the payload-length field. */
  payloadLength?: number;
  version?: number;
}

/** IPv6 with extension headers; bodies are zero-padded to each header's length rule. */
export function ipv6Packet(spec: Ipv6Spec, payload: Uint8Array): Uint8Array {
  const extensions = spec.extensions ?? [];
  const encoded: number[][] = [];
  for (let i = 0; i < extensions.length; i++) {
    const e = extensions[i];
    const next = i + 1 < extensions.length ? extensions[i + 1].type : (spec.nextHeader ?? 6);
    const body = [...(e.body ?? [])];
    if (e.type === 44) {
      while (body.length < 7) body.push(0);
      encoded.push([next, ...body.slice(0, 7)]);
    } else if (e.type === 51) {
      while ((body.length + 2) % 4 !== 0 || body.length < 10) body.push(0);
      encoded.push([next, (body.length + 2) / 4 - 2, ...body]);
    } else {
      while ((body.length + 2) % 8 !== 0) body.push(0);
      encoded.push([next, (body.length + 2) / 8 - 1, ...body]);
    }
  }
  const extensionBytes = encoded.flat();
  const out = new Uint8Array(40 + extensionBytes.length + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, ((spec.version ?? 6) << 28) >>> 0);
  v.setUint16(4, spec.payloadLength ?? extensionBytes.length + payload.length);
  out[6] = extensions.length > 0 ? extensions[0].type : (spec.nextHeader ?? 6);
  out[7] = spec.hopLimit ?? 64;
  out.set(parseIpv6(spec.src), 8);
  out.set(parseIpv6(spec.dst), 24);
  out.set(extensionBytes, 40);
  out.set(payload, 40 + extensionBytes.length);
  return out;
}

/** The 7 bytes after the next-header byte of an IPv6 fragment header. */
export function ipv6FragmentBody(offset: number, more: boolean, id: number): number[] {
  const field = offset | (more ? 1 : 0);
  return [0, field >> 8, field & 255, ...u32be(id)];
}

/**
 * Splits an IPv4 packet (as built by ipv4Packet, no options) into fragments carrying at most
 * `maxPayload` bytes each (rounded down to a multiple of 8).
 */
export function fragmentIpv4(spec: Ipv4Spec, payload: Uint8Array, maxPayload: number): Uint8Array[] {
  const step = maxPayload & ~7;
  const fragments: Uint8Array[] = [];
  for (let offset = 0; offset < payload.length; offset += step) {
    const piece = payload.subarray(offset, Math.min(payload.length, offset + step));
    fragments.push(
      ipv4Packet({ ...spec, fragmentOffset: offset, moreFragments: offset + step < payload.length }, piece),
    );
  }
  return fragments;
}

// ---------- Link layers ----------

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

export interface EthernetSpec {
  dst?: string;
  src?: string;
  /** Outer to inner: each tag is [tpid, tci]. */
  vlanTags?: Array<[number, number]>;
  type: number;
}

export function ethernetFrame(spec: EthernetSpec, payload: Uint8Array): Uint8Array {
  const tags = spec.vlanTags ?? [];
  const out = new Uint8Array(14 + 4 * tags.length + payload.length);
  out.set(parseMac(spec.dst ?? '02:00:00:00:00:02'), 0);
  out.set(parseMac(spec.src ?? '02:00:00:00:00:01'), 6);
  const v = new DataView(out.buffer);
  let p = 12;
  for (const [tpid, tci] of tags) {
    v.setUint16(p, tpid);
    v.setUint16(p + 2, tci);
    p += 4;
  }
  v.setUint16(p, spec.type);
  out.set(payload, p + 2);
  return out;
}

/** Linux cooked v1 (LINKTYPE_LINUX_SLL, 16 bytes). */
export function linuxCookedFrame(protocol: number, payload: Uint8Array, hardwareType = 1): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0); // packet type: to us
  v.setUint16(2, hardwareType);
  v.setUint16(4, 6);
  out.set(parseMac('02:00:00:00:00:01'), 6);
  v.setUint16(14, protocol);
  out.set(payload, 16);
  return out;
}

/** Linux cooked v2 (LINKTYPE_LINUX_SLL2, 20 bytes). */
export function linuxCookedV2Frame(protocol: number, payload: Uint8Array, hardwareType = 1): Uint8Array {
  const out = new Uint8Array(20 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, protocol);
  v.setUint32(4, 2); // interface index
  v.setUint16(8, hardwareType);
  out[10] = 0;
  out[11] = 6;
  out.set(parseMac('02:00:00:00:00:01'), 12);
  out.set(payload, 20);
  return out;
}

/** BSD loopback (LINKTYPE_NULL): the address family in the writer's byte order. */
export function nullFrame(family: number, payload: Uint8Array, littleEndian = true): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, family, littleEndian);
  out.set(payload, 4);
  return out;
}

/** OpenBSD loopback (LINKTYPE_LOOP): the address family in network byte order. */
export function loopFrame(family: number, payload: Uint8Array): Uint8Array {
  return nullFrame(family, payload, false);
}

// ---------- Files ----------

export interface CaptureRecord {
  data: Uint8Array;
  tsSec?: number;
  /** Nanoseconds within the second (pcap µs files keep whole microseconds). */
  tsNsec?: number;
  /** On-the-wire length; defaults to data.length. */
  originalLength?: number;
  /** Captured bytes to write (≤ data.length); defaults to all, emulating a snaplen cut. */
  capturedLength?: number;
}

export interface PcapOptions {
  linkType?: number;
  /** Written verbatim in place of linkType (to test the FCS bits). */
  linkTypeField?: number;
  nanoseconds?: boolean;
  littleEndian?: boolean;
  snapLength?: number;
}

/**
 * A record's tsSec/tsNsec from a time given as whole microseconds since the epoch (number) or as
 * nanoseconds (bigint), the two forms the crafted captures use.
 */
export function captureTime(time: number | bigint): { tsSec: number; tsNsec: number } {
  if (typeof time === 'number' && !Number.isInteger(time))
    throw new Error(`time in µs must be an integer, got ${time}`);
  const ns = typeof time === 'bigint' ? time : BigInt(time) * 1000n;
  return { tsSec: Number(ns / 1_000_000_000n), tsNsec: Number(ns % 1_000_000_000n) };
}

/** The 24-byte pcap file header (exported for the benchmark's hand-rolled bulk writer). */
export function pcapHeader(options: PcapOptions = {}): Uint8Array {
  const le = options.littleEndian ?? true;
  const header = new Uint8Array(24);
  const h = new DataView(header.buffer);
  h.setUint32(0, options.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, le);
  h.setUint16(4, 2, le);
  h.setUint16(6, 4, le);
  h.setUint32(16, options.snapLength ?? 262144, le);
  h.setUint32(20, (options.linkTypeField ?? options.linkType ?? 1) >>> 0, le);
  return header;
}

export function writePcap(records: CaptureRecord[], options: PcapOptions = {}): Uint8Array {
  const le = options.littleEndian ?? true;
  const parts: Uint8Array[] = [pcapHeader(options)];
  for (const r of records) {
    const captured = r.capturedLength ?? r.data.length;
    const rec = new Uint8Array(16 + captured);
    const v = new DataView(rec.buffer);
    const nsec = r.tsNsec ?? 0;
    v.setUint32(0, r.tsSec ?? 0, le);
    v.setUint32(4, options.nanoseconds ? nsec : Math.floor(nsec / 1000), le);
    v.setUint32(8, captured, le);
    v.setUint32(12, r.originalLength ?? r.data.length, le);
    rec.set(r.data.subarray(0, captured), 16);
    parts.push(rec);
  }
  return concat(parts);
}

export type PcapngBlock =
  | { type: 'section'; littleEndian?: boolean }
  | {
      type: 'interface';
      linkType: number;
      snapLength?: number;
      /** Raw if_tsresol byte (omitted = default 10^-6). */
      tsresol?: number;
    }
  | {
      type: 'enhanced' | 'obsolete';
      interfaceId?: number;
      /** Timestamp in the interface's units. */
      timestamp?: bigint;
      data: Uint8Array;
      originalLength?: number;
      capturedLength?: number;
    }
  | { type: 'simple'; data: Uint8Array; originalLength?: number }
  /** Any block, body verbatim (unknown types, or deliberately bad ones). */
  | { type: 'raw'; blockType: number; body: Uint8Array; totalLengthOverride?: number };

/** Writes blocks in order; each 'section' block switches the byte order of what follows. */
export function writePcapng(blocks: PcapngBlock[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let le = true;
  for (const b of blocks) {
    if (b.type === 'section') le = b.littleEndian ?? true;
    parts.push(encodeBlock(b, le));
  }
  return concat(parts);
}

/** Units of an if_tsresol byte for a time given as seconds + nanoseconds (exact, as BigInt). */
export function timestampUnits(tsSec: number, tsNsec: number, tsresol = 6): bigint {
  const exponent = BigInt(tsresol & 0x7f);
  const ns = BigInt(tsSec) * 1000000000n + BigInt(tsNsec);
  if (tsresol & 0x80) return (ns << exponent) / 1000000000n;
  return (ns * 10n ** exponent) / 1000000000n;
}

function encodeBlock(b: PcapngBlock, le: boolean): Uint8Array {
  let type: number;
  let body: Uint8Array;
  let lengthOverride: number | undefined;
  switch (b.type) {
    case 'section': {
      type = 0x0a0d0d0a;
      body = new Uint8Array(16);
      const v = new DataView(body.buffer);
      v.setUint32(0, 0x1a2b3c4d, le);
      v.setUint16(4, 1, le);
      v.setUint16(6, 0, le);
      v.setInt32(8, -1, le);
      v.setInt32(12, -1, le);
      break;
    }
    case 'interface': {
      type = 1;
      const options =
        b.tsresol === undefined ? [] : [option(9, Uint8Array.of(b.tsresol), le), endOfOptions()];
      const fixed = new Uint8Array(8);
      const v = new DataView(fixed.buffer);
      v.setUint16(0, b.linkType, le);
      v.setUint32(4, b.snapLength ?? 0, le);
      body = concat([fixed, ...options]);
      break;
    }
    case 'enhanced':
    case 'obsolete': {
      type = b.type === 'enhanced' ? 6 : 2;
      const captured = b.capturedLength ?? b.data.length;
      const fixed = new Uint8Array(20);
      const v = new DataView(fixed.buffer);
      if (b.type === 'enhanced') v.setUint32(0, b.interfaceId ?? 0, le);
      else v.setUint16(0, b.interfaceId ?? 0, le);
      const ts = b.timestamp ?? 0n;
      v.setUint32(4, Number(ts >> 32n), le);
      v.setUint32(8, Number(ts & 0xffffffffn), le);
      v.setUint32(12, captured, le);
      v.setUint32(16, b.originalLength ?? b.data.length, le);
      body = concat([fixed, pad4(b.data.subarray(0, captured))]);
      break;
    }
    case 'simple': {
      type = 3;
      const fixed = new Uint8Array(4);
      new DataView(fixed.buffer).setUint32(0, b.originalLength ?? b.data.length, le);
      body = concat([fixed, pad4(b.data)]);
      break;
    }
    case 'raw':
      type = b.blockType;
      body = b.body;
      lengthOverride = b.totalLengthOverride;
      break;
  }
  const total = 12 + body.length;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, lengthOverride ?? total, le);
  out.set(body, 8);
  v.setUint32(total - 4, lengthOverride ?? total, le);
  return out;
}

function option(code: number, value: Uint8Array, le: boolean): Uint8Array {
  const head = new Uint8Array(4);
  const v = new DataView(head.buffer);
  v.setUint16(0, code, le);
  v.setUint16(2, value.length, le);
  return concat([head, pad4(value)]);
}

function endOfOptions(): Uint8Array {
  return new Uint8Array(4);
}

// ---------- helpers ----------

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

function pad4(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((data.length + 3) & ~3);
  out.set(data);
  return out;
}

function u32be(x: number): number[] {
  return [(x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255];
}

export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !(n >= 0 && n <= 255)))
    throw new Error(`bad IPv4 address ${text}`);
  return Uint8Array.from(parts);
}

export function parseIpv6(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  if (all.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 255;
  });
  return out;
}

function parseMac(text: string): Uint8Array {
  return Uint8Array.from(text.split(':').map((h) => Number.parseInt(h, 16)));
}

/** Sum of 16-bit big-endian words (an odd last byte is padded with zero), not yet folded. */
function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  return sum;
}

/** RFC 1071 checksum; `initial` carries a pseudo-header's sum. */
function internetChecksum(bytes: Uint8Array, initial = 0): number {
  let sum = onesComplementSum(bytes, initial);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
