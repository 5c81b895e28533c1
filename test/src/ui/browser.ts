import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from '../scenarios/index.js';

// Debian's chromium driven by playwright-core, and what the UI tests share: where screenshots go,
// how to wait for a page to be drawn, the browser errors that must not happen.

export const CHROMIUM = process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export const browserMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `no browser at ${CHROMIUM} (Debian's chromium; infra/test-deps.sh installs it)`;

/** Screenshots kept as test artifacts. */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'ui');

export function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Runs `action` and resolves once the UI finished drawing a page after it (the shell counts drawn
 * pages in body[data-rendered]). Selectors only: the UI's Content-Security-Policy refuses the
 * string evaluation playwright's waitForFunction would need.
 */
export async function afterRender(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await page.getAttribute('body', 'data-rendered').catch(() => null);
  await action();
  await page.waitForSelector(
    before === null ? 'body[data-rendered]' : `body[data-rendered]:not([data-rendered="${before}"])`,
    {
      state: 'attached',
    },
  );
}

/**
 * Errors the page reports: uncaught exceptions and console errors. Refused filters are answered
 * 400 on purpose, and chromium logs every non-2xx fetch; those lines are not errors of the UI.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/status of 400 \(Bad Request\)/.test(message.text())) return;
    errors.push(`console: ${message.text()}`);
  });
  return errors;
}
