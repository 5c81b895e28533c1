import { Growable } from './growable.js';

/**
 * IPv6 endpoint pairs, 8 words each, kept apart so an IPv4 connection (most of them) stores its
 * two addresses in two words instead of eight.
 */
export class Ipv6Addresses extends Growable {
  /** Endpoint A words 0..3, endpoint B words 0..3. */
  words = this.column(Uint32Array, 'words', 8);
  private readonly free: number[] = [];
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
}
