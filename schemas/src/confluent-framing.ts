// Confluent wire format: magic byte 0, schema id (int32 big-endian), the message-index path of the
// message type within its .proto file (zigzag varints: count, then indexes; the common path [0] is
// the single byte 0), then the protobuf payload.

export interface ConfluentHeader {
  schemaId: number;
  /** e.g. [1] for the second top-level message of the file. */
  messageIndexes: number[];
  /** Offset of the protobuf payload. */
  payloadOffset: number;
}

const zigzag = (n: number) => (n << 1) ^ (n >> 31);

function pushVarint(out: number[], v: number): void {
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

export function confluentHeader(schemaId: number, messageIndexes: readonly number[]): Buffer {
  const bytes = [0, (schemaId >>> 24) & 255, (schemaId >>> 16) & 255, (schemaId >>> 8) & 255, schemaId & 255];
  if (messageIndexes.length === 1 && messageIndexes[0] === 0) bytes.push(0);
  else {
    pushVarint(bytes, zigzag(messageIndexes.length));
    for (const i of messageIndexes) pushVarint(bytes, zigzag(i));
  }
  return Buffer.from(bytes);
}

export function parseConfluentHeader(frame: Uint8Array): ConfluentHeader {
  if (frame.length < 6 || frame[0] !== 0) throw new Error('not a Confluent-framed message (magic byte 0)');
  const schemaId = ((frame[1] << 24) | (frame[2] << 16) | (frame[3] << 8) | frame[4]) >>> 0;
  let pos = 5;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= frame.length || shift > 28) throw new Error('bad message-index varint');
      const b = frame[pos++];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) return (v >>> 1) ^ -(v & 1);
    }
  };
  const count = varint();
  if (count < 0 || count > 100) throw new Error(`bad message-index count ${count}`);
  const messageIndexes = count === 0 ? [0] : Array.from({ length: count }, varint);
  return { schemaId, messageIndexes, payloadOffset: pos };
}
