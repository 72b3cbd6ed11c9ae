/**
 * A full-page screenshot as a reader expects it: scrolled to the top first, because Chromium draws a
 * `position: sticky` element (the configure panel) at the current scroll offset in a full-page capture,
 * so a page scrolled by the test showed the panel halfway down.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { copyFileSync, mkdirSync } from 'node:fs';

export async function fullPageShot(page: Page, path: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
}

const SCREENS = 'test-results/screens';
const DOCS = 'docs/screenshots';

/** A full-page screenshot in test-results/screens; DOCS_SCREENSHOTS=1 also refreshes the committed copy in docs/screenshots. */
export async function shoot(page: Page, file: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await fullPageShot(page, `${SCREENS}/${file}`);
  if (process.env.DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(`${SCREENS}/${file}`, `${DOCS}/${file}`);
  }
}

/** Nothing leaves the machine: any request not to the preview server is refused (tests route what they need). */
export async function offline(context: BrowserContext, baseURL: string | undefined): Promise<void> {
  const local = new URL(baseURL!).host;
  await context.route((url) => url.host !== local && (url.protocol === 'http:' || url.protocol === 'https:'), (route) => route.abort('blockedbyclient'));
}
