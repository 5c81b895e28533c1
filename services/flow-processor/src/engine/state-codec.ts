// Binary form of the analyzer's state, for checkpoints: the typed columns as raw bytes (only the
// used prefix) and scalar fields as float64 (exact for every number the engine keeps, ±Infinity
// and NaN included). Layout: "TCPXSNAP", uint32 format version, uint32 header length, a JSON header
// naming each section, then the sections, each 8-byte aligned, little-endian (the platform order
// of every machine Node supports).

const MAGIC = 'TCPXSNAP';
export const STATE_FORMAT_VERSION = 1;

type Typed = Uint8Array | Int8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;
type TypedConstructor<T extends Typed> = { new (length: number): T; readonly BYTES_PER_ELEMENT: number };

interface Section {
  name: string;
  type: string;
  length: number;
  offset: number;
}

export class StateWriter {
  private readonly sections: { name: string; data: Typed }[] = [];
  private readonly scalarNames: string[] = [];
  private readonly scalarValues: number[] = [];

  /** The first `length` elements of `data` (copied at finish()). */
  array(name: string, data: Typed, length = data.length): this {
    this.sections.push({ name, data: data.subarray(0, length) });
    return this;
  }

  scalar(name: string, value: number): this {
    this.scalarNames.push(name);
    this.scalarValues.push(value);
    return this;
  }

  finish(): Uint8Array {
    this.array('$scalars', Float64Array.from(this.scalarValues));
    const header: { scalars: string[]; sections: Section[] } = { scalars: this.scalarNames, sections: [] };
    let offset = 0;
    for (const { name, data } of this.sections) {
      header.sections.push({ name, type: data.constructor.name, length: data.length, offset });
      offset += align8(data.byteLength);
    }
    const headerBytes = new TextEncoder().encode(JSON.stringify(header));
    const bodyStart = align8(16 + headerBytes.length);
    const out = new Uint8Array(bodyStart + offset);
    out.set(new TextEncoder().encode(MAGIC), 0);
    const view = new DataView(out.buffer);
    view.setUint32(8, STATE_FORMAT_VERSION, true);
    view.setUint32(12, headerBytes.length, true);
    out.set(headerBytes, 16);
    header.sections.forEach((s, i) => {
      const data = this.sections[i].data;
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), bodyStart + s.offset);
    });
    return out;
  }
}

export class StateReader {
  private readonly sections = new Map<string, Section>();
  private readonly scalars = new Map<string, number>();
  private readonly bodyStart: number;

  constructor(private readonly bytes: Uint8Array) {
    if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
      throw new Error('not a tcpx analyzer snapshot');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = view.getUint32(8, true);
    if (version !== STATE_FORMAT_VERSION)
      throw new Error(`snapshot format ${version}, this build reads ${STATE_FORMAT_VERSION}`);
    const headerLength = view.getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as {
      scalars: string[];
      sections: Section[];
    };
    this.bodyStart = align8(16 + headerLength);
    for (const s of header.sections) this.sections.set(s.name, s);
    const values = this.array('$scalars', Float64Array);
    for (const [i, name] of header.scalars.entries()) this.scalars.set(name, values[i]);
  }

  has(name: string): boolean {
    return this.sections.has(name);
  }

  /** A fresh copy of section `name`. */
  array<T extends Typed>(name: string, type: TypedConstructor<T>): T {
    const s = this.sections.get(name);
    if (!s) throw new Error(`snapshot lacks ${name}`);
    if (s.type !== type.name) throw new Error(`snapshot ${name} is ${s.type}, expected ${type.name}`);
    const out = new type(s.length);
    const start = this.bodyStart + s.offset;
    new Uint8Array(out.buffer).set(this.bytes.subarray(start, start + s.length * type.BYTES_PER_ELEMENT));
    return out;
  }

  scalar(name: string): number {
    const v = this.scalars.get(name);
    if (v === undefined) throw new Error(`snapshot lacks ${name}`);
    return v;
  }
}

const align8 = (n: number) => (n + 7) & ~7;
