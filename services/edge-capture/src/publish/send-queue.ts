import type { Message } from 'kafkajs';

export interface QueuedMessage extends Message {
  key: string;
  value: Buffer;
  /** Packets in the batch, released from the bound once Kafka acknowledged it. */
  packets: number;
}

/** Uncompressed bytes per send: a partition's compressed record batch must stay under the broker's 1 MB limit. */
const MAX_SEND_BYTES = 900_000;
/** kafkajs groups a send's messages by partition in quadratic time: keep sends moderate. */
const MAX_SEND_MESSAGES = 1000;

/** Framed batches waiting for Kafka, oldest first. The head chunk stays until it is acknowledged. */
export class SendQueue {
  private items: QueuedMessage[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(message: QueuedMessage): void {
    this.items.push(message);
  }

  /** The messages to send together next, oldest first (they stay queued). */
  nextChunk(): QueuedMessage[] {
    let end = this.head;
    let bytes = 0;
    while (end < this.items.length && end - this.head < MAX_SEND_MESSAGES) {
      bytes += this.items[end].value.length;
      if (bytes > MAX_SEND_BYTES && end > this.head) break;
      end++;
    }
    return this.items.slice(this.head, end);
  }

  /** Removes the `count` oldest messages (acknowledged). */
  remove(count: number): void {
    this.head += count;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
