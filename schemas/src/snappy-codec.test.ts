import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { type KafkaCodecFactory, snappyCodec } from './snappy-codec.js';

const require = createRequire(import.meta.url);
const pureJs = (require('kafkajs-snappy') as KafkaCodecFactory)();
const snappyjs = require('snappyjs') as { compress(b: Buffer): Buffer };

// Real bytes of several shapes: a capture file (repetitive headers), random (incompressible), empty.
const capture = readFileSync(new URL('../../samples/demo.pcap', import.meta.url));
const inputs: Array<[string, Buffer]> = [
  ['capture bytes', capture.subarray(0, 200_000)],
  ['random bytes', randomBytes(70_000)],
  ['one byte', Buffer.from([7])],
  ['empty', Buffer.alloc(0)],
];

test('the native codec is the one in use on this platform (linux x64 has its prebuilt binary)', () => {
  if (process.platform === 'linux' && process.arch === 'x64') assert.equal(snappyCodec().native, true);
});

test('native and pure-JS snappy read each other', async () => {
  const native = snappyCodec().factory();
  for (const [name, input] of inputs) {
    const compressed = await native.compress({ buffer: input });
    assert.deepEqual(await pureJs.decompress(compressed), input, `${name}: native → pure JS`);
    assert.deepEqual(
      await native.decompress(await pureJs.compress({ buffer: input })),
      input,
      `${name}: pure JS → native`,
    );
    if (input.length > 1000 && name === 'capture bytes')
      assert.ok(compressed.length < input.length / 2, name);
  }
});

test("xerial-framed values (Java producers') decompress block by block; a truncated frame is an error", async () => {
  const native = snappyCodec().factory();
  const blocks = [capture.subarray(0, 40_000), capture.subarray(40_000, 65_000), randomBytes(5000)];
  const header = Buffer.alloc(16);
  Buffer.from([130, 83, 78, 65, 80, 80, 89, 0]).copy(header);
  header.writeUInt32BE(1, 8);
  header.writeUInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (const block of blocks) {
    const compressed = Buffer.from(snappyjs.compress(block));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(compressed.length);
    parts.push(size, compressed);
  }
  const framed = Buffer.concat(parts);
  assert.deepEqual(await native.decompress(framed), Buffer.concat(blocks));
  assert.deepEqual(
    await pureJs.decompress(framed),
    Buffer.concat(blocks),
    'the reference reads the same frame',
  );
  await assert.rejects(native.decompress(framed.subarray(0, framed.length - 10)), /truncated xerial block/);
});
