// The UI's static files as the query API serves them: the page and its assets without an API key,
// the right content types, revalidation with ETags, nothing outside the UI's own folders.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ApiContext, buildApp } from '@tcpx/query-api';
import { UI_ROOTS, uiPlugin } from '@tcpx/web-ui';
import type { FastifyInstance } from 'fastify';

/** The UI needs no store: a context whose parts all refuse. */
const context: ApiContext = {
  store: {
    stats: { rowsStored: 0, failedAttempts: 0, lastError: undefined },
    migrate: () => Promise.reject(new Error('no store')),
    insertFlows: () => Promise.reject(new Error('no store')),
    query: () => Promise.reject(new Error('no store')),
    close: async () => {},
  },
  feed: { subscribe: () => () => {} },
  capture: { enabled: () => false, set: () => Promise.reject(new Error('no capture')) },
  now: Date.now,
};

describe('uiPlugin in the query API', () => {
  let app: FastifyInstance;
  let guarded: FastifyInstance;
  before(async () => {
    app = await buildApp({ context, auth: { mode: 'none' }, routes: [uiPlugin] });
    guarded = await buildApp({ context, auth: { mode: 'api-key', keys: ['k1'] }, routes: [uiPlugin] });
  });
  after(async () => {
    await app.close();
    await guarded.close();
  });

  test('with API keys on, the page and its assets need none; the API still does', async () => {
    for (const url of ['/', '/ui/app.css', '/ui/main.js'])
      assert.equal((await guarded.inject({ url })).statusCode, 200, url);
    assert.equal((await guarded.inject({ url: '/api/flows' })).statusCode, 401);
  });

  test('GET / is index.html, with a strict CSP and revalidation', async () => {
    const res = await app.inject({ url: '/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'.*script-src 'self'/);
    assert.equal(res.body, readFileSync(join(UI_ROOTS[0], 'index.html'), 'utf8'));
    assert.match(res.body, /<script type="module" src="\/ui\/main\.js">/);
  });

  test('assets from both folders, each with its content type', async () => {
    const expected: [string, string, string][] = [
      ['/ui/app.css', 'text/css; charset=utf-8', join(UI_ROOTS[0], 'app.css')],
      ['/ui/favicon.svg', 'image/svg+xml', join(UI_ROOTS[0], 'favicon.svg')],
      ['/ui/main.js', 'text/javascript; charset=utf-8', join(UI_ROOTS[1], 'main.js')],
      ['/ui/views/flows.js', 'text/javascript; charset=utf-8', join(UI_ROOTS[1], 'views', 'flows.js')],
    ];
    for (const [url, type, file] of expected) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], type, url);
      assert.equal(res.body, readFileSync(file, 'utf8'), url);
    }
  });

  test('an unchanged file revalidates to 304; HEAD answers without a body', async () => {
    const first = await app.inject({ url: '/ui/main.js' });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[\w-]+"$/);
    const again = await app.inject({ url: '/ui/main.js', headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const stale = await app.inject({ url: '/ui/main.js', headers: { 'if-none-match': '"old"' } });
    assert.equal(stale.statusCode, 200);
    const head = await app.inject({ method: 'HEAD', url: '/' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
  });

  test('nothing outside the UI folders, no dot-files, no source or build files', async () => {
    for (const url of [
      '/ui/../package.json',
      '/ui/%2e%2e/package.json',
      '/ui/%2e%2e%2f%2e%2e%2fpackage.json',
      '/ui/..%5c..%5cpackage.json',
      '/ui/%00main.js',
      '/ui/.hidden.js',
      '/ui/main.d.ts',
      '/ui/types.d.ts',
      '/ui/../../tsconfig.tsbuildinfo',
      '/ui/',
      '/ui/views',
      '/ui/nope.js',
    ]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', url);
    }
  });
});
