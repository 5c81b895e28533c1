import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { crc32c, crc32cIsNative, crc32cSlicingBy8 } from './crc32c.js';

// kafkajs' own byte-at-a-time CRC-32C: what Kafka brokers have been accepting from it.
const kafkajsCrc32c = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (
  bytes: Buffer,
) => number;

const implementations = [
  ['native or fallback', crc32c],
  ['slicing-by-8', crc32cSlicingBy8],
] as const;

test('the native CRC is the one in use on this platform (linux x64 has its prebuilt binary)', () => {
  if (process.platform === 'linux' && process.arch === 'x64') assert.equal(crc32cIsNative, true);
});

test('published check values: "123456789" and the iSCSI vectors of RFC 3720 B.4', () => {
  const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const vectors: Array<[Buffer, number]> = [
    [Buffer.from('123456789'), 0xe3069283],
    [Buffer.alloc(32, 0), 0x8a9136aa],
    [Buffer.alloc(32, 0xff), 0x62a8ab43],
    [ascending, 0x46dd794e],
    [Buffer.from(ascending).reverse(), 0x113fdb5c],
    [Buffer.alloc(0), 0],
  ];
  for (const [name, crc] of implementations)
    for (const [bytes, expected] of vectors)
      assert.equal(crc(bytes), expected, `${name}, ${bytes.length} bytes`);
});

test('equal to kafkajs on every length around the 8-byte steps, unaligned views and real bytes', () => {
  const random = randomBytes(4096);
  const capture = readFileSync(new URL('../../samples/demo.pcap', import.meta.url));
  const inputs: Buffer[] = [capture, capture.subarray(3, 200_003)];
  for (let length = 0; length <= 70; length++) inputs.push(random.subarray(5, 5 + length));
  for (const [name, crc] of implementations)
    for (const bytes of inputs)
      assert.equal(crc(bytes), kafkajsCrc32c(bytes), `${name}, ${bytes.length} bytes at ${bytes.byteOffset}`);
});
