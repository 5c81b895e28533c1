import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EXTRA_METRIC_NAMES, SEED_METRIC_NAMES } from '@tcpx/schemas';
import { EXTRA_METRIC_GLOSSARY, SEED_METRIC_GLOSSARY } from './glossary.js';

test('the glossary describes exactly the record metrics, in record order', () => {
  assert.deepEqual(
    SEED_METRIC_GLOSSARY.map((g) => g.name),
    [...SEED_METRIC_NAMES],
  );
  assert.deepEqual(
    EXTRA_METRIC_GLOSSARY.map((g) => g.name),
    [...EXTRA_METRIC_NAMES],
  );
});

test('nullable exactly where the tcp_flows column is Nullable (schemas/clickhouse/0001)', () => {
  const ddl = readFileSync(
    new URL('../../../../schemas/clickhouse/0001_tcp_flows.sql', import.meta.url),
    'utf8',
  );
  for (const g of [...SEED_METRIC_GLOSSARY, ...EXTRA_METRIC_GLOSSARY]) {
    const line = new RegExp(`^\\s+${g.name}\\s+(\\S+)`, 'm').exec(ddl);
    assert.ok(line, g.name);
    assert.equal(g.nullable, line[1].startsWith('Nullable('), g.name);
  }
});
