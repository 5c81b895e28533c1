import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// The CLI's bundle (bundle.mjs) loads the registry client's OAuth helpers only when the client is
// configured for OAuth: a start without it skips them, one with it still works.

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
