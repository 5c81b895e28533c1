import type { StateReader, StateWriter } from './state-codec.js';

type Column = Uint8Array | Int8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;
type ColumnConstructor = new (length: number) => Column;

/**
 * Struct-of-arrays storage: every field is one typed array indexed by slot. This keeps a tracked
 * connection to a few hundred bytes with no per-connection object, and the hot path monomorphic.
 * Subclasses declare their columns as fields created by `column()`; `grow()` resizes them all.
 */
export abstract class Growable {
  capacity: number;
  private readonly columns: { name: string; width: number; fill: number }[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** A column of `width` entries per slot, initialised to `fill`. */
  protected column<T extends Column>(type: new (length: number) => T, name: string, width = 1, fill = 0): T {
    this.columns.push({ name, width, fill });
    const array = new type(this.capacity * width);
    if (fill !== 0) array.fill(fill);
    return array;
  }

  /** Puts every column of `slot` back to its initial value. */
  protected clearSlot(slot: number): void {
    const self = this as unknown as Record<string, Column>;
    for (const { name, width, fill } of this.columns) self[name].fill(fill, slot * width, (slot + 1) * width);
  }

  protected grow(newCapacity: number): void {
    const self = this as unknown as Record<string, Column>;
    for (const { name, width, fill } of this.columns) {
      const old = self[name];
      const next = new (old.constructor as ColumnConstructor)(newCapacity * width);
      next.set(old);
      if (fill !== 0) next.fill(fill, old.length);
      self[name] = next;
    }
    this.capacity = newCapacity;
  }

  /** Writes the first `slots` entries of every column (a checkpoint). */
  protected saveColumns(w: StateWriter, prefix: string, slots: number): void {
    const self = this as unknown as Record<string, Column>;
    for (const { name, width } of this.columns) w.array(`${prefix}.${name}`, self[name], slots * width);
  }

  /** Replaces every column by its saved prefix, in columns of `capacity` slots. */
  protected loadColumns(r: StateReader, prefix: string, capacity: number): void {
    const self = this as unknown as Record<string, Column>;
    for (const { name, width, fill } of this.columns) {
      const type = self[name].constructor as ColumnConstructor & { BYTES_PER_ELEMENT: number };
      const key = `${prefix}.${name}`;
      const saved = r.has(key) ? r.array(key, type) : this.missingColumn(r, prefix, name);
      if (saved.length > capacity * width) throw new Error(`snapshot ${prefix}.${name} exceeds its capacity`);
      const next = new type(capacity * width);
      if (fill !== 0) next.fill(fill, saved.length);
      next.set(saved);
      self[name] = next;
    }
    this.capacity = capacity;
  }

  /** A column an older snapshot lacks, derived from what it has; subclasses override (default: an error). */
  protected missingColumn(_r: StateReader, prefix: string, name: string): Column {
    throw new Error(`snapshot lacks ${prefix}.${name}`);
  }

  /** Bytes held by the columns (for the memory benchmark). */
  byteSize(): number {
    const self = this as unknown as Record<string, Column>;
    let bytes = 0;
    for (const { name } of this.columns) bytes += self[name].byteLength;
    return bytes;
  }
}
