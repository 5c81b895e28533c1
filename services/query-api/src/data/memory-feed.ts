import type { FlowRow } from '@tcpx/store';
import type { FlowFeed } from '../http/context.js';

/**
 * A FlowFeed the embedded mode pushes rows into as it stores them: no polling, no store round
 * trip. A subscriber that throws does not keep the others from getting the batch.
 */
export class MemoryFeed implements FlowFeed {
  private readonly listeners = new Set<(rows: readonly FlowRow[]) => void>();

  subscribe(onRows: (rows: readonly FlowRow[]) => void): () => void {
    // A wrapper per subscription, so subscribing the same function twice gives two subscriptions.
    const listener = (rows: readonly FlowRow[]) => onRows(rows);
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Delivers a stored batch to every current subscriber. */
  push(rows: readonly FlowRow[]): void {
    if (rows.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(rows);
      } catch {
        // one broken subscriber (a closed socket) must not starve the rest
      }
    }
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
