/**
 * The web UI in Debian's chromium (playwright-core) against the real embedded stack: `tcpx up`
 * replaying samples/demo.pcap into its own store and serving the API and the UI. Expectations come
 * from tshark on the same capture (which connections exist, which retransmit, which were refused) or
 * from the API's answers the UI must show unchanged (snapshot counts, metric values, orders).
 * Screenshots of every page are kept under test-artifacts/ui/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DiagnoseResult, FlowView, SnapshotResult } from '@tcpx/query-api';
import type { Browser, Page } from 'playwright-core';
import {
  freePort,
  getJson,
  listFlows,
  postJson,
  startUp,
  type UpProcess,
  waitFor,
} from '../embedded/up-process.js';
import { REPO_ROOT } from '../scenarios/index.js';
import { afterRender, browserMissing, collectErrors, launchBrowser, screenshot } from './browser.js';
import { connectionKey, endpoint, tsharkConversations, tsharkStreams } from './tshark-truth.js';

const DEMO = join(REPO_ROOT, 'samples', 'demo.pcap');

/** The connections a table shows, as tshark-comparable keys, in row order. */
async function rowKeys(page: Page): Promise<string[]> {
  const pairs = await page
    .locator('table.flows tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [r.getAttribute('data-src') ?? '', r.getAttribute('data-dst') ?? '']),
    );
  return pairs.map(([src, dst]) => connectionKey(src, dst));
}

/** The values of one metric column, in row order (NaN for an empty cell: null). */
async function columnValues(page: Page, metric: string): Promise<number[]> {
  const values = await page
    .locator(`table.flows tbody td[data-metric="${metric}"]`)
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value') ?? ''));
  return values.map((v) => (v === '' ? Number.NaN : Number(v)));
}

const flowKey = (f: FlowView) =>
  connectionKey(endpoint(f.src.ip, f.src.port), endpoint(f.dst.ip, f.dst.port));

/** Sorted by the API's rule: NULLs last in both orders. */
function assertOrdered(values: number[], order: 'asc' | 'desc', what: string): void {
  const present = values.filter((v) => !Number.isNaN(v));
  assert.ok(values.slice(present.length).every(Number.isNaN), `${what}: nulls last`);
  for (let i = 1; i < present.length; i++) {
    const ok = order === 'asc' ? present[i - 1] <= present[i] : present[i - 1] >= present[i];
    assert.ok(ok, `${what}: ${present[i - 1]} then ${present[i]} is not ${order}`);
  }
}

describe('web UI on tcpx up (chromium)', { skip: browserMissing, timeout: 600_000 }, () => {
  let data: string;
  let up: UpProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let conversations: string[];
  let streams: Awaited<ReturnType<typeof tsharkStreams>>;
  let flows: FlowView[];
  const shots: string[] = [];
  const api = async <T>(path: string): Promise<T> => {
    const { status, body } = await getJson<T>(`${up.url}${path}`);
    assert.equal(status, 200, `${path}: ${JSON.stringify(body)}`);
    return body;
  };
  /** The API's capture switch pauses and resumes the replay. */
  const switchReplay = async (on: boolean) => {
    const { status, body } = await postJson<{ enabled: boolean }>(
      `${up.url}/mcp/dissection/${on ? 'enable' : 'disable'}`,
    );
    assert.deepEqual([status, body.enabled], [200, on]);
  };
  /** Goes to a page of the UI (a hash route) and waits until it is drawn. */
  const show = async (hash: string) => afterRender(page, () => page.goto(`${up.url}/${hash}`));

  before(async () => {
    data = mkdtempSync(join(tmpdir(), 'tcpx-ui-'));
    [conversations, streams] = await Promise.all([tsharkConversations(DEMO), tsharkStreams(DEMO)]);
    // Replayed at twice real time (≈ 6 s), and paused at once, so the live check below sees records
    // stored after its page subscribed.
    up = await startUp([
      '-r',
      DEMO,
      '--speed',
      '2',
      '--data',
      data,
      '--listen',
      `127.0.0.1:${await freePort()}`,
    ]);
    await switchReplay(false);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    errors = collectErrors(page);
  });

  after(async () => {
    await browser?.close();
    if (up) assert.equal(await up.interrupt(), 0, up.stderr());
    rmSync(data, { recursive: true, force: true });
  });

  test('the UI is served by the API: index.html, then the connections page', async () => {
    let response: Awaited<ReturnType<Page['goto']>> = null;
    await afterRender(page, async () => {
      response = await page.goto(`${up.url}/`);
    });
    assert.equal(
      response!.status(),
      200,
      "GET / serves the UI (uiPlugin of @tcpx/web-ui among buildApp's routes)",
    );
    assert.match(response!.headers()['content-type'] ?? '', /^text\/html/);
    assert.match(page.url(), /#\/flows$/);
  });

  test('live mode: records stored after the page subscribed flash in', async () => {
    await show('#/live');
    await page.waitForSelector('[data-testid=live-state][data-state=live]');
    await switchReplay(true);
    await page.waitForSelector('table.flows tbody tr.flash');
    assert.ok(Number(await page.getAttribute('[data-testid=live-count]', 'data-value')) >= 1);
    const shown = await rowKeys(page);
    assert.ok(shown.length >= 1);
    for (const key of shown) assert.ok(conversations.includes(key), `${key} is a connection of demo.pcap`);
    shots.push(await screenshot(page, '01-live'));
  });

  test('the replay ends with every connection of demo.pcap stored, final', async () => {
    assert.equal(conversations.length, 42, 'tshark -z conv,tcp on the bundled capture');
    flows = await waitFor('every connection final', async () => {
      const listed = await listFlows(up.url);
      return listed.length === conversations.length && listed.every((f) => f.final) ? listed : undefined;
    });
    assert.deepEqual(flows.map(flowKey).sort(), [...conversations].sort());
  });

  test('connections page: exactly the connections tshark sees, with health colours', async () => {
    await show('#/flows');
    const count = page.locator('[data-testid=flow-count]');
    assert.equal(await count.getAttribute('data-count'), String(conversations.length));
    assert.equal(await count.getAttribute('data-complete'), 'true');
    assert.deepEqual((await rowKeys(page)).sort(), [...conversations].sort());
    // The default order is newest first.
    assertOrdered(await columnValues(page, 'start_time'), 'desc', 'start_time');
    // Retransmission-rate cells carry the band of their value (< 1 % ok, 1–5 % degraded, > 5 % severe).
    const cells = page.locator('table.flows tbody td[data-metric="retransmission_rate"]');
    const bands = await cells.evaluateAll((tds) =>
      tds.map((td) => [td.getAttribute('data-value'), td.className]),
    );
    for (const [value, className] of bands) {
      const rate = Number(value);
      const band = rate > 0.05 ? 'severe' : rate >= 0.01 ? 'degraded' : 'ok';
      assert.ok(className?.includes(`band-${band}`), `rate ${rate}: ${className}`);
    }
    shots.push(await screenshot(page, '02-connections'));
  });

  test('KFL completion offers field names', async () => {
    await page.fill('.kfl-input', '');
    await page.type('.kfl-input', 'tcp_metrics.zero_w');
    await page.waitForSelector('.kfl-suggest:not([hidden]) .kfl-option');
    const offered = await page.locator('.kfl-suggest .kfl-option code').allTextContents();
    assert.ok(offered.includes('tcp_metrics.zero_window_events'), offered.join(', '));
    shots.push(await screenshot(page, '03-kfl-completion'));
    await page.press('.kfl-input', 'Tab');
    assert.equal(await page.inputValue('.kfl-input'), offered[0]);
  });

  test('a KFL filter shows exactly the connections tshark finds retransmissions on', async () => {
    const expected = [...streams.values()].filter((s) => s.retransmissions > 0).map((s) => s.key);
    assert.ok(expected.length > 0, 'demo.pcap has retransmissions');
    const filter = 'tcp_metrics.retransmissions > 0';
    await page.fill('.kfl-input', filter);
    await page.waitForSelector('.kfl-status[data-state=ok]');
    await afterRender(page, () => page.press('.kfl-input', 'Enter'));
    assert.deepEqual((await rowKeys(page)).sort(), expected.sort());
    assert.equal(
      new URL(page.url().replace('#/', '')).searchParams.get('kfl'),
      filter,
      'the filter is kept in the URL',
    );
    shots.push(await screenshot(page, '04-filtered'));
  });

  test('a bad filter: the error marker sits on the offending characters, where the API says', async () => {
    const filter = 'tcp_metrics.retransmissions = 0';
    const offset = filter.indexOf('=');
    const answer = await fetch(`${up.url}/api/flows?kfl=${encodeURIComponent(filter)}`);
    assert.equal(answer.status, 400);
    const problem = (await answer.json()) as {
      error: string;
      offset: number;
      length: number;
      message: string;
    };
    assert.deepEqual([problem.error, problem.offset, problem.length], ['bad_filter', offset, 1]);

    await page.fill('.kfl-input', filter);
    const mark = page.locator('.kfl-error-mark');
    await mark.waitFor();
    assert.equal(await mark.textContent(), '=');
    assert.equal(await mark.getAttribute('data-offset'), String(offset));
    assert.equal(await page.getAttribute('.kfl-status', 'data-state'), 'error');
    assert.ok((await page.textContent('.kfl-status'))?.includes(problem.message));
    shots.push(await screenshot(page, '05-kfl-error'));
    // Applied anyway: the page says why, shows no rows, and keeps the marker.
    await afterRender(page, () => page.press('.kfl-input', 'Enter'));
    await page.waitForSelector('.notice-error');
    await page.locator('.kfl-error-mark').waitFor();
    assert.equal(await page.locator('table.flows tbody tr').count(), 0);
  });

  test('sorting by any metric, both ways, in the API order', async () => {
    await show('#/flows');
    await afterRender(page, () => page.click('th[data-sort="retransmissions"] button'));
    assert.match(page.url(), /sort=retransmissions&order=desc/);
    const desc = await columnValues(page, 'retransmissions');
    assertOrdered(desc, 'desc', 'retransmissions');
    const byApi = await api<{ flows: FlowView[] }>('/api/flows?sort=retransmissions&order=desc&limit=1000');
    assert.deepEqual(
      await page
        .locator('table.flows tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-flow-id'))),
      byApi.flows.map((f) => f.id),
    );
    shots.push(await screenshot(page, '06-sorted'));
    await afterRender(page, () => page.click('th[data-sort="retransmissions"] button'));
    assertOrdered(await columnValues(page, 'retransmissions'), 'asc', 'retransmissions ascending');
    // A metric that is not a column gets one while the list is sorted by it.
    await afterRender(page, () => page.selectOption('select[aria-label="Sort by"]', 'keepalive_count'));
    assertOrdered(await columnValues(page, 'keepalive_count'), 'asc', 'keepalive_count');
    assert.equal((await columnValues(page, 'keepalive_count')).length, conversations.length);
  });

  test('a connection page: the 24 metrics explained, its diagnosis, its history chart', async () => {
    await show('#/flows?sort=retransmissions&order=desc');
    const id = await page.getAttribute('table.flows tbody tr >> nth=0', 'data-flow-id');
    assert.ok(id);
    await afterRender(page, () => page.click('table.flows tbody tr >> nth=0 >> a.conn-link'));
    assert.ok(page.url().endsWith(`#/flow/${id}`));
    const { versions } = await api<{ versions: FlowView[] }>(`/api/flows/${id}`);
    const latest = versions[versions.length - 1];
    const glossary = await api<{ tcp_metrics: { name: string; description: string }[] }>('/api/glossary');
    assert.equal(glossary.tcp_metrics.length, 24);

    const cards = page.locator('[data-testid=metrics] .metric');
    const shown = await cards.evaluateAll((els) =>
      els.map((el) => [el.getAttribute('data-metric'), el.getAttribute('data-value'), el.textContent ?? '']),
    );
    assert.deepEqual(shown.map(([name]) => name).sort(), glossary.tcp_metrics.map((g) => g.name).sort());
    for (const [name, value, text] of shown) {
      const expected = latest.tcp_metrics[name ?? ''];
      assert.equal(value, expected === null ? '' : String(expected), name ?? '');
      const entry = glossary.tcp_metrics.find((g) => g.name === name);
      assert.ok(entry && text.includes(entry.description), `${name} is explained`);
    }
    const codes = await page
      .locator('[data-testid=diagnosis] [data-code]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    assert.deepEqual(codes.sort(), latest.diagnosis.map((d) => d.code).sort());
    assert.ok(codes.length > 0, 'the most retransmitting connection has a diagnosis');
    // One point per stored version.
    const dots = page.locator('[data-testid=history] [data-metric="retransmissions"] circle');
    await dots.first().waitFor();
    assert.equal(await dots.count(), versions.length);
    shots.push(await screenshot(page, '07-connection'));
  });

  test('RTT percentiles by node, as the API computes them', async () => {
    await show('#/rtt?group_by=node');
    await page.waitForSelector('[data-testid=rtt-table]');
    const groups = await page
      .locator('[data-testid=rtt-table] tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-group')));
    assert.deepEqual(groups, ['demo.pcap']);
    // Charts are laid out to their width once on screen.
    await page.locator('.chart-grid .panel svg path.line').nth(2).waitFor();
    assert.equal(await page.locator('.chart-grid .panel svg path.line').count(), 3, 'P50, P90, P99 charts');
    shots.push(await screenshot(page, '08-rtt'));
  });

  test('error dashboard: problems by class, refused connections as tshark counts them', async () => {
    await show('#/errors');
    const kfl = 'error or tcp or icmp';
    const classes = await page
      .locator('[data-testid=error-classes]')
      .first()
      .locator('.class-row')
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-code'), Number(r.getAttribute('data-flows'))]),
      );
    const expected = await api<DiagnoseResult>(`/api/diagnose?kfl=${encodeURIComponent(kfl)}`);
    assert.deepEqual(
      classes,
      expected.codes.map((c) => [c.code, c.flows]),
    );
    // Refused: a SYN answered by RST, no SYN-ACK — counted from tshark's frames.
    const refused = [...streams.values()].filter((s) => s.rst && !s.synAck).length;
    assert.ok(refused > 0);
    assert.deepEqual(
      classes.find(([code]) => code === 'connection_refused'),
      ['connection_refused', refused],
    );
    assert.equal(await page.getAttribute('[data-testid=error-total]', 'data-value'), String(expected.flows));
    shots.push(await screenshot(page, '09-errors'));
  });

  test('time travel: the open-connection count follows the control, as the snapshot endpoint says', async () => {
    await show('#/snapshot');
    // An instant inside the longest connection: at least that one is open.
    const longest = flows.reduce((a, b) =>
      Date.parse(b.end_time) - Date.parse(b.start_time) > Date.parse(a.end_time) - Date.parse(a.start_time)
        ? b
        : a,
    );
    const inside = Math.round((Date.parse(longest.start_time) + Date.parse(longest.end_time)) / 2);
    const openAt = async (at: number) => {
      await page.fill('input.slider', String(at));
      const stat = page.locator(`[data-testid=snapshot-open][data-at="${at}"]`);
      await stat.waitFor();
      const snap = await api<SnapshotResult>(`/api/snapshot?at=${at}`);
      assert.equal(await stat.getAttribute('data-value'), String(snap.open), `open at ${at}`);
      assert.equal(
        await page.getAttribute('[data-testid=table-open-count]', 'data-value'),
        String(snap.open),
      );
      assert.equal(
        await page.locator('table.flows tbody tr[data-open="true"]').count(),
        snap.open,
        'rows marked open',
      );
      return snap.open;
    };
    const during = await openAt(inside);
    // Independently, from the final records: started at or before, ended after.
    const expected = flows.filter(
      (f) => Date.parse(f.start_time) <= inside && Date.parse(f.end_time) > inside,
    ).length;
    assert.equal(during, expected);
    assert.ok(during > 0);
    assert.match(page.url(), /at=\d{4}-\d\d-\d\dT/, 'the instant is kept in the URL');
    shots.push(await screenshot(page, '10-time-travel'));

    // The end of the range: every connection had closed.
    const end = Number(await page.getAttribute('input.slider', 'max'));
    assert.equal(await openAt(end), 0);
    shots.push(await screenshot(page, '11-time-travel-end'));
  });

  test('the browser reported no errors; the screenshots', (t) => {
    for (const shot of shots) t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(errors, []);
  });
});
