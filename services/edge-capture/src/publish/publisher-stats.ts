export interface PublisherStats {
  packetsAccepted: number;
  /** Packets in batches Kafka acknowledged. */
  packetsPublished: number;
  messagesPublished: number;
  /** Message values sent (Confluent framing included), before compression. */
  bytesPublished: number;
  packetsDropped: number;
  /** `buffer_full` (live mode, at the bound), `unsent_at_close` (Kafka still down when closing). */
  droppedByReason: Record<string, number>;
  /** Sends repeated after a failed one. */
  sendRetries: number;
  /** Sends that failed after the producer's own retries. */
  sendFailures: number;
  /** Accepted packets not yet acknowledged. */
  bufferedPackets: number;
  lastError: string | null;
}

/** The publisher's counters, and the one-line JSON report sent while packets drop or sends fail. */
export class PublisherCounters {
  packetsAccepted = 0;
  packetsPublished = 0;
  messagesPublished = 0;
  bytesPublished = 0;
  packetsDropped = 0;
  droppedByReason: Record<string, number> = {};
  sendRetries = 0;
  sendFailures = 0;
  lastError: string | null = null;
  /** Accepted packets given up at close: no longer buffered, counted as dropped. */
  lostAtClose = 0;
  private reportedDrops = 0;
  private reportedFailures = 0;
  private reportedAt = Number.NEGATIVE_INFINITY;

  drop(reason: string, packets: number): void {
    this.packetsDropped += packets;
    this.droppedByReason[reason] = (this.droppedByReason[reason] ?? 0) + packets;
  }

  sendFailed(message: string): void {
    this.sendFailures++;
    this.lastError = message;
  }

  snapshot(bufferedPackets: number): PublisherStats {
    return {
      packetsAccepted: this.packetsAccepted,
      packetsPublished: this.packetsPublished,
      messagesPublished: this.messagesPublished,
      bytesPublished: this.bytesPublished,
      packetsDropped: this.packetsDropped,
      droppedByReason: { ...this.droppedByReason },
      sendRetries: this.sendRetries,
      sendFailures: this.sendFailures,
      bufferedPackets: bufferedPackets - this.lostAtClose,
      lastError: this.lastError,
    };
  }

  /**
   * A report when drops or failures grew since the last one, at most once per interval (`final`
   * ignores the interval); null otherwise.
   */
  reportLine(bufferedPackets: number, intervalMs: number, final: boolean): string | null {
    const now = Date.now();
    const dropped = this.packetsDropped !== this.reportedDrops;
    const failed = this.sendFailures !== this.reportedFailures;
    if (!(dropped || failed) || (!final && now - this.reportedAt < intervalMs)) return null;
    this.reportedAt = now;
    this.reportedDrops = this.packetsDropped;
    this.reportedFailures = this.sendFailures;
    const msg = dropped ? 'edge publisher dropping packets' : 'edge publisher: Kafka sends failing, retrying';
    const level = dropped ? 'error' : 'warn';
    return JSON.stringify({ level, component: 'tcpx-edge', msg, ...this.snapshot(bufferedPackets) });
  }
}

/** First line of an error's message. */
export function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
