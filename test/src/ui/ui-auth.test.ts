/**
 * The web UI against an API that wants keys (`tcpx up --api-key`): the page itself loads without
 * one, asks for the key when the API answers 401, then shows the data and follows the live stream
 * with it (the SSE request carries the key header, which EventSource could not).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FlowView } from '@tcpx/query-api';
import type { Browser, Page } from 'playwright-core';
import { freePort, startUp, type UpProcess, waitFor } from '../embedded/up-process.js';
import { REPO_ROOT } from '../scenarios/index.js';
import { afterRender, browserMissing, collectErrors, launchBrowser, screenshot } from './browser.js';

const DEMO = join(REPO_ROOT, 'samples', 'demo.pcap');
const KEY = 'ui-test-key';

async function storedFlows(url: string): Promise<FlowView[]> {
  const response = await fetch(`${url}/api/flows?limit=1000`, { headers: { 'x-api-key': KEY } });
  assert.equal(response.status, 200);
  return ((await response.json()) as { flows: FlowView[] }).flows;
}

describe('web UI with API keys (chromium)', { skip: browserMissing, timeout: 300_000 }, () => {
  let data: string;
  let up: UpProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    data = mkdtempSync(join(tmpdir(), 'tcpx-ui-auth-'));
    up = await startUp([
      '-r',
      DEMO,
      '--api-key',
      KEY,
      '--data',
      data,
      '--listen',
      `127.0.0.1:${await freePort()}`,
    ]);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });
  after(async () => {
    await browser?.close();
    if (up) assert.equal(await up.interrupt(), 0, up.stderr());
    rmSync(data, { recursive: true, force: true });
  });

  test('the page asks for the key, then lists the connections and follows the live stream', async (t) => {
    const stored = await waitFor('the replay stored', async () => {
      const flows = await storedFlows(up.url);
      return flows.length > 0 && flows.every((f) => f.final) ? flows : undefined;
    });
    await page.goto(`${up.url}/`);
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /API key/);
    t.diagnostic(`screenshot: ${await screenshot(page, '20-api-key')}`);
    await afterRender(page, async () => {
      await dialog.locator('input').fill(KEY);
      await dialog.locator('input').press('Enter');
    });
    const count = page.locator('[data-testid=flow-count][data-count]');
    await count.waitFor();
    assert.equal(await count.getAttribute('data-count'), String(stored.length));

    await afterRender(page, () => page.goto(`${up.url}/#/live`));
    await page.waitForSelector('[data-testid=live-state][data-state=live]');
    // 401s before the key are the API's answer, not errors of the page.
    assert.deepEqual(
      errors.filter((e) => !/status of 401/.test(e)),
      [],
    );
  });
});
