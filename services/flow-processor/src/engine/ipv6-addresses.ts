import { Growable } from './growable.js';
import type { StateReader, StateWriter } from './state-codec.js';

/**
 * IPv6 endpoint pairs, 8 words each, kept apart so an IPv4 connection (most of them) stores its
 * two addresses in two words instead of eight.
 */
export class Ipv6Addresses extends Growable {
  /** Endpoint A words 0..3, endpoint B words 0..3. */
  words = this.column(Uint32Array, 'words', 8);
  private free: number[] = [];
  private used = 0;

  constructor(capacity = 64) {
    super(capacity);
  }

  allocate(): number {
    const entry = this.free.pop();
    if (entry !== undefined) return entry;
    if (this.used === this.capacity) this.grow(this.capacity * 2);
    return this.used++;
  }

  release(entry: number): void {
    this.free.push(entry);
  }

  saveState(w: StateWriter): void {
    this.saveColumns(w, 'ipv6', this.used);
    w.array('ipv6.free', Int32Array.from(this.free)).scalar('ipv6.used', this.used);
  }

  loadState(r: StateReader): void {
    this.used = r.scalar('ipv6.used');
    this.free = Array.from(r.array('ipv6.free', Int32Array));
    this.loadColumns(r, 'ipv6', Math.max(64, this.used));
  }
}
