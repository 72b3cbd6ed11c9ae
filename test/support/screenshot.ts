/**
 * A full-page screenshot as a reader expects it: scrolled to the top first, because Chromium draws a
 * `position: sticky` element (the configure panel) at the current scroll offset in a full-page capture,
 * so a page scrolled by the test showed the panel halfway down.
 */
import type { Page } from '@playwright/test';

export async function fullPageShot(page: Page, path: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
}
