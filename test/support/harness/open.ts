/**
 * Opening the engine harness (e2e-harness.html) from a Playwright spec: the files of a fixture folder are
 * served at an origin of their own, CORS-open as a file host serves them (a name not there: 404; nothing
 * reaches the network), then the page is opened and its engine awaited.
 */
import type { Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { readF32 } from '../fixture-io.ts';

/** Serves `${dir}/<name>` at `${origin}/.../<name>`. */
export async function serveFolder(page: Page, origin: string, dir: string): Promise<void> {
  await page.route(`${origin}/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    if (!existsSync(`${dir}/${name}`)) return route.fulfill({ status: 404, body: 'not found', headers: { 'access-control-allow-origin': '*' } });
    const body = readFileSync(`${dir}/${name}`);
    await route.fulfill({ body, headers: { 'access-control-allow-origin': '*', 'content-type': 'application/octet-stream', 'content-length': String(body.length) } });
  });
}

/** Serves `dir` at `origin` and opens the harness page once its engine is ready. */
export async function openHarness(page: Page, origin: string, dir: string): Promise<void> {
  await serveFolder(page, origin, dir);
  await page.goto('/e2e-harness.html');
  await page.waitForFunction(() => window.__engineReady === true);
}

/** A raw float32 fixture file as plain numbers, for `page.evaluate`. */
export function numbers(path: string): number[] {
  return Array.from(readF32(path));
}
