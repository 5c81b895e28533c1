import { createRequire } from 'node:module';

/**
 * Kafka's snappy codec for kafkajs. Native (npm `snappy`, Google's C++ library through napi-rs):
 * compression runs on libuv's thread pool, off the event loop, which is where an edge's and a
 * processor's per-packet work runs — snappyjs spent ~20 % of an edge's main thread. Falls back to
 * kafkajs-snappy (pure JS) where the native binary is missing; both read each other's output.
 */
export type KafkaCodecFactory = () => {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};

interface NativeSnappy {
  compress(input: Buffer): Promise<Buffer>;
  uncompress(input: Buffer, options: { asBuffer: true }): Promise<Buffer>;
}

const require = createRequire(import.meta.url);

/** Java clients frame snappy the xerial way: this magic, a 16-byte header, then length-prefixed blocks. */
const XERIAL_MAGIC = Buffer.from([130, 83, 78, 65, 80, 80, 89, 0]);
const XERIAL_HEADER_BYTES = 16;

export function snappyCodec(): { factory: KafkaCodecFactory; native: boolean } {
  let snappy: NativeSnappy;
  try {
    snappy = require('snappy') as NativeSnappy;
  } catch {
    return { factory: require('kafkajs-snappy') as KafkaCodecFactory, native: false };
  }
  const uncompress = (block: Buffer) => snappy.uncompress(block, { asBuffer: true });
  const factory: KafkaCodecFactory = () => ({
    compress: (encoder) => snappy.compress(encoder.buffer),
    async decompress(buffer) {
      if (!isXerialFramed(buffer)) return uncompress(buffer);
      const blocks: Promise<Buffer>[] = [];
      let offset = XERIAL_HEADER_BYTES;
      while (offset + 4 <= buffer.length) {
        const size = buffer.readUInt32BE(offset);
        offset += 4;
        if (offset + size > buffer.length) throw new Error('snappy: truncated xerial block');
        blocks.push(uncompress(buffer.subarray(offset, offset + size)));
        offset += size;
      }
      return Buffer.concat(await Promise.all(blocks));
    },
  });
  return { factory, native: true };
}

function isXerialFramed(buffer: Buffer): boolean {
  return buffer.length >= XERIAL_HEADER_BYTES && buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}
