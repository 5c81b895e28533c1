import { Growable } from './growable.js';
import type { StateReader, StateWriter } from './state-codec.js';

/**
 * Wireshark's per-direction "unacked" lists (segments sent and not yet acknowledged), as singly
 * linked lists, newest first, in one shared pool so no object is allocated per segment.
 */
export class UnackedSegments extends Growable {
  seq = this.column(Uint32Array, 'seq');
  nextSeq = this.column(Uint32Array, 'nextSeq');
  timeNs = this.column(Float64Array, 'timeNs');
  /** Next (older) entry, -1 at the end of a list; also links the free list. */
  next = this.column(Int32Array, 'next', 1, -1);
  private freeHead = -1;
  private used = 0;

  constructor(capacity = 4096) {
    super(capacity);
  }

  /** Allocates an entry linked before `head`; returns its index (the new head). */
  push(head: number, seq: number, nextSeq: number, timeNs: number): number {
    let entry = this.freeHead;
    if (entry >= 0) {
      this.freeHead = this.next[entry];
    } else {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      entry = this.used++;
    }
    this.seq[entry] = seq;
    this.nextSeq[entry] = nextSeq;
    this.timeNs[entry] = timeNs;
    this.next[entry] = head;
    return entry;
  }

  /** Returns one entry to the free list. */
  release(entry: number): void {
    this.next[entry] = this.freeHead;
    this.freeHead = entry;
  }

  /** Returns a whole list to the free list. */
  releaseList(head: number): void {
    let entry = head;
    while (entry >= 0) {
      const older = this.next[entry];
      this.release(entry);
      entry = older;
    }
  }

  saveState(w: StateWriter): void {
    this.saveColumns(w, 'unacked', this.used);
    w.scalar('unacked.used', this.used).scalar('unacked.freeHead', this.freeHead);
  }

  loadState(r: StateReader): void {
    this.used = r.scalar('unacked.used');
    this.freeHead = r.scalar('unacked.freeHead');
    this.loadColumns(r, 'unacked', Math.max(4096, this.used));
  }
}
