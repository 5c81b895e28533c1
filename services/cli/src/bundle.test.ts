import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// The CLI's bundle (bundle.mjs) loads the registry client's OAuth helpers only when the client is
// configured for OAuth: a start without it skips them, one with it still works. Its kafkajs
// checksums record batches with @tcpx/schemas' crc32c and grows its buffers without zero-filling.

const BUNDLE = new URL('./bundle/', import.meta.url);
const clientChunk = readdirSync(BUNDLE).find((f) => /^schemaregistry-client-.*\.js$/.test(f));
const loadedModules = () => Object.keys(createRequire(import.meta.url).cache);

describe('the bundled registry client', () => {
  it('loads simple-oauth2 on first use: not at import, and OAuth still works', async () => {
    assert.ok(clientChunk, `no schemaregistry-client chunk in ${BUNDLE.pathname}`);
    const { SchemaRegistryClient } = (await import(new URL(clientChunk, BUNDLE).href)).default;
    new SchemaRegistryClient({ baseURLs: ['http://127.0.0.1:1'] });
    assert.deepEqual(
      loadedModules().filter((m) => m.includes('simple-oauth2') || m.includes('@hapi/wreck')),
      [],
    );
    const client = new SchemaRegistryClient({
      baseURLs: ['http://127.0.0.1:1'],
      bearerAuthCredentials: {
        credentialsSource: 'OAUTHBEARER',
        clientId: 'tcpx-test',
        clientSecret: 'secret',
        issuerEndpointUrl: 'http://127.0.0.1:1/token',
        scope: 'schema_registry',
        identityPoolId: 'pool',
        logicalCluster: 'lsrc-1',
      },
    });
    // The token request goes out (and fails: nothing listens there) through the real simple-oauth2.
    await assert.rejects(client.getAllSubjects(), /Failed to get token from server/);
    assert.ok(loadedModules().some((m) => m.includes('/simple-oauth2/')));
  });
});

describe('the bundled kafkajs', () => {
  it("has @tcpx/schemas' crc32c in place of its own byte-at-a-time CRC", () => {
    const chunks = readdirSync(BUNDLE).filter((f) => f.endsWith('.js'));
    const text = (f: string) => readFileSync(new URL(f, BUNDLE), 'utf8');
    const recordBatch = chunks.filter((f) => text(f).includes('var RecordBatch = async'));
    assert.equal(recordBatch.length, 1, "one chunk holds kafkajs' RecordBatch encoder");
    // bundle.mjs' stand-in module (namespace tcpx-crc32c), which re-exports schemas/dist/crc32c.js.
    for (const part of ['// tcpx-crc32c:crc32c', '// ../../schemas/dist/crc32c.js'])
      assert.ok(text(recordBatch[0]).includes(part), part);
    // kafkajs' lookup table (0x00000000, 0xf26b8303, ...) is nowhere: its CRC code was left out.
    assert.deepEqual(
      chunks.filter((f) => /\b0,\s+4067132163,/.test(text(f))),
      [],
    );
  });

  it('grows its Encoder buffers without zero-filling them', () => {
    const chunks = readdirSync(BUNDLE).filter((f) => f.endsWith('.js'));
    const encoder = chunks
      .map((f) => readFileSync(new URL(f, BUNDLE), 'utf8'))
      .filter((t) => t.includes('// ../../node_modules/kafkajs/src/protocol/encoder.js'));
    assert.equal(encoder.length, 1, "one chunk holds kafkajs' Encoder");
    assert.match(encoder[0], /this\.buf = Buffer\.allocUnsafe\(Encoder\.nextPowerOfTwo\(initialSize\)\)/);
    assert.match(encoder[0], /const newBuffer = Buffer\.allocUnsafe\(newLength\)/);
  });
});
