// The browser code's pure parts, run in node: number formats, health bands, KFL completion,
// axis arithmetic, hash routes, the SSE reader of live mode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KFL_FIELDS, KFL_KEYWORDS } from '@tcpx/query-api/kfl/index';
import { fmtBytes, fmtRatio, fmtUs, parseIso } from '@tcpx/web-ui/public/format';
import { metricBand, retransmissionBand, rttBand, zeroWindowBand } from '@tcpx/web-ui/public/health';
import { completionContext, insertSuggestion, suggest } from '@tcpx/web-ui/public/kfl-complete';
import { SseParser } from '@tcpx/web-ui/public/live-stream';
import { hrefFor, parseHash } from '@tcpx/web-ui/public/router';
import { niceTicks, stepFor, timeTicks } from '@tcpx/web-ui/public/scale';

describe('formats', () => {
  test('microseconds read as µs, ms or s, without trailing zeros, keeping an integer whole', () => {
    assert.deepEqual([400, 1500, 12_345, 2_500_000, 0, null].map(fmtUs), [
      '400 µs',
      '1.5 ms',
      '12.3 ms',
      '2.5 s',
      '0 µs',
      '—',
    ]);
  });
  test('ratios as percentages, bytes in decimal units', () => {
    assert.deepEqual([0.0164, 0.05, 0, 0.0004].map(fmtRatio), ['1.64 %', '5 %', '0 %', '0.040 %']);
    assert.deepEqual([999, 2020, 3_300_000].map(fmtBytes), ['999 B', '2.02 kB', '3.3 MB']);
  });
  test("the API's ISO times keep their microseconds", () => {
    // An epoch in ms holds the µs digits to within a double's precision there (~0.25 ns).
    const ms = parseIso('2026-11-21T06:47:30.587123Z') - Date.UTC(2026, 10, 21, 6, 47, 30);
    assert.ok(Math.abs(ms - 587.123) < 1e-3, String(ms));
  });
});

describe('health bands', () => {
  test('retransmission rate: < 1 % ok, 1–5 % degraded, > 5 % severe', () => {
    assert.deepEqual([0, 0.0099, 0.01, 0.05, 0.0501, null].map(retransmissionBand), [
      'ok',
      'ok',
      'degraded',
      'degraded',
      'severe',
      undefined,
    ]);
  });
  test('handshake RTT: > 10 ms degraded, > 100 ms severe; zero windows flagged', () => {
    assert.deepEqual([10_000, 10_001, 100_000, 100_001].map(rttBand), [
      'ok',
      'degraded',
      'degraded',
      'severe',
    ]);
    assert.deepEqual([0, 1].map(zeroWindowBand), ['ok', 'degraded']);
    assert.equal(metricBand('initial_rtt_us', 150_000), 'severe');
    assert.equal(metricBand('dup_acks', 500), undefined, 'no band for metrics without thresholds');
  });
});

describe('KFL completion', () => {
  const catalogue = { fields: [...KFL_FIELDS] };
  test('the identifier at the caret, not inside a string literal or a number', () => {
    assert.deepEqual(completionContext('dst.port == 1 and tcp_me', 24), {
      start: 18,
      end: 24,
      prefix: 'tcp_me',
    });
    assert.deepEqual(completionContext('tcp_metrics.rtt_avg_us > 1', 15), {
      start: 0,
      end: 22,
      prefix: 'tcp_metrics.rtt',
    });
    assert.equal(completionContext('dst.name == "tcp_me', 19), undefined);
    assert.equal(completionContext('dst.port == 44', 14), undefined);
  });
  test('field names from the catalogue, shortest match first', () => {
    const names = suggest('tcp_metrics.zero_w', catalogue).map((s) => s.insert);
    assert.equal(names[0], 'tcp_metrics.zero_window_events');
    assert.ok(
      names.every((n) => n.startsWith('tcp_metrics.zero_w')),
      names.join(),
    );
  });
  test('keywords, and string methods after a field', () => {
    assert.ok(suggest('err', catalogue).some((s) => s.insert === 'error' && s.kind === 'keyword'));
    assert.ok(suggest('src.ip.sta', catalogue).some((s) => s.insert === 'src.ip.startsWith("")'));
  });
  test("the API's keywords when its catalogue lists them", () => {
    const withKeywords = { ...catalogue, keywords: [...KFL_KEYWORDS] };
    const offered = suggest('udp_f', withKeywords);
    assert.deepEqual(
      offered.map((s) => [s.insert, s.kind]),
      [['udp_flow', 'keyword']],
    );
    assert.equal(suggest('udp_f', catalogue).length, 0, 'not in the built-in list');
  });
  test('accepting replaces the whole identifier; the caret lands after it, or inside a call', () => {
    const text = 'dst.po == 80 and src.ip.sta';
    assert.deepEqual(
      insertSuggestion(text, completionContext(text, 6)!, { insert: 'dst.port', kind: 'field', detail: '' }),
      { text: 'dst.port == 80 and src.ip.sta', caret: 8 },
    );
    const method = { insert: 'src.ip.startsWith("")', kind: 'method' as const, detail: '' };
    assert.deepEqual(insertSuggestion(text, completionContext(text, text.length)!, method), {
      text: 'dst.po == 80 and src.ip.startsWith("")',
      caret: 'dst.po == 80 and src.ip.startsWith("'.length,
    });
  });
  test('a name found inside another after a dot or underscore, when nothing starts with it', () => {
    const names = suggest('retransmission_r', catalogue).map((s) => s.insert);
    assert.ok(names.includes('tcp_metrics.retransmission_rate'), names.join());
  });
});

describe('axes', () => {
  test('round value ticks from 0 past the maximum', () => {
    assert.deepEqual(niceTicks(0, 299, 2), [0, 200, 400]);
    assert.deepEqual(niceTicks(0, 1, 4), [0, 0.25, 0.5, 0.75, 1]);
  });
  test('time ticks on round instants inside the range', () => {
    const from = Date.UTC(2026, 10, 21, 6, 47, 29, 571);
    const ticks = timeTicks(from, from + 10_000, 6);
    assert.deepEqual(
      ticks.map((t) => t.label),
      ['06:47:30', '06:47:32', '06:47:34', '06:47:36', '06:47:38'],
    );
    assert.ok(ticks.every((t) => t.at % 2000 === 0));
  });
  test('bucket widths: about 40 buckets, at least a second', () => {
    assert.equal(stepFor(0, 10_000), 1);
    assert.equal(stepFor(0, 3_600_000), 120);
  });
});

describe('hash routes', () => {
  test('view, id and parameters; anything unknown is the connections list', () => {
    const route = parseHash('#/flow/1828346410375992582?x=1');
    assert.deepEqual([route.view, route.id, route.params.get('x')], ['flow', '1828346410375992582', '1']);
    assert.equal(parseHash('#/nope').view, 'flows');
    assert.equal(parseHash('').view, 'flows');
  });
  test('a filter survives the round trip through the URL; empty parameters are left out', () => {
    const kfl = 'dst.name == "a&b" and tcp_metrics.rtt_avg_us > 10000';
    const href = hrefFor('flows', { kfl, sort: undefined, order: '' });
    assert.equal(parseHash(href).params.get('kfl'), kfl);
    assert.deepEqual([...parseHash(href).params.keys()], ['kfl']);
  });
});

describe('live mode SSE reader', () => {
  test('events split across chunks, comments skipped, multi-line data joined', () => {
    const events: [string, string][] = [];
    const parser = new SseParser((event, data) => events.push([event, data]));
    parser.push(': connected\n\nevent: flow\nid: 1:0\nda');
    parser.push('ta: {"id":"1"}\n\n: heartbeat\n\ndata: a\r\ndata: b\r\n\r\n');
    assert.deepEqual(events, [
      ['flow', '{"id":"1"}'],
      ['message', 'a\nb'],
    ]);
  });
});
