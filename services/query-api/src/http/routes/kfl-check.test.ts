// GET /api/kfl/check: the UI's as-you-type check answers exactly what the query routes would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../app.js';
import { testContext } from '../test-support.js';
import { kflCheckRoutes } from './kfl-check.js';

const app = () => buildApp({ context: testContext(), auth: { mode: 'none' }, routes: [kflCheckRoutes] });

const check = async (kfl: string | undefined) => {
  const a = await app();
  try {
    const res = await a.inject({ url: '/api/kfl/check', query: kfl === undefined ? {} : { kfl } });
    return { status: res.statusCode, body: res.json() };
  } finally {
    await a.close();
  }
};

test('a valid filter: 200, ok, no warnings', async () => {
  assert.deepEqual(await check('tcp_metrics.retransmissions > 0 and dst.port == 443'), {
    status: 200,
    body: { ok: true, warnings: [] },
  });
});

test('no filter is valid (it matches everything)', async () => {
  assert.deepEqual(await check(undefined), { status: 200, body: { ok: true, warnings: [] } });
});

test('mixing and/or without parentheses compiles, with a warning to show', async () => {
  const { status, body } = await check('tcp_flow and error or dst.port == 443');
  assert.equal(status, 200);
  assert.equal(body.ok, true);
  assert.ok(body.warnings.length >= 1, JSON.stringify(body));
});

test('a syntax error: 400 bad_filter pointing at the offending characters', async () => {
  const text = 'tcp_metrics.retransmissions = 3';
  const { status, body } = await check(text);
  assert.equal(status, 400);
  assert.equal(body.error, 'bad_filter');
  assert.equal(text.slice(body.offset, body.offset + body.length), '=');
});

test('an unknown field: the span is the field name', async () => {
  const text = 'dst.prot == 80';
  const { status, body } = await check(text);
  assert.equal(status, 400);
  assert.equal(text.slice(body.offset, body.offset + body.length), 'dst.prot');
  assert.match(body.message, /dst\.prot/);
});
