/**
 * Weights downloads in the app against a local hostile server (test/support/hostile-server.ts, started
 * here on 127.0.0.1; nothing reaches the network): a stalled download can be cancelled while the page
 * stays usable, bad addresses and bad answers say what happened and name the URL, and what is cached
 * (only weights that loaded) is listed with its size and can be cleared or downloaded again.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { startHostileServer, type HostileServer } from '../test/support/hostile-server.ts';
import { formatBytes } from '../src/model/memory.ts';
import { shoot } from '../test/support/screenshot.ts';

let server: HostileServer;
test.beforeAll(async () => {
  server = await startHostileServer();
});
test.afterAll(() => server.close());

test('downloads: cancel a stalled download, clear errors for bad URLs and answers, the cache listed and cleared', async ({ page }) => {
  test.setTimeout(240_000);
  const url = (kind: string, name: string) => `${server.origin}/${kind}/${name}`;
  await page.goto('/?view=run&backend=wasm');
  await expect(page.getByRole('radio', { name: /^wasm/ })).toBeChecked({ timeout: 60_000 });
  await page.evaluate(() => caches.delete('resnext-lab-weights-v1'));
  const field = page.getByLabel('Weights URL (.safetensors or .pth)');
  const loadButton = page.getByRole('button', { name: 'Load weights' });
  const alert = page.getByRole('alert').filter({ hasText: 'Could not load the weights' });

  // A stalled download shows its progress and a Cancel button; cancelling ends it at once.
  await field.fill(url('stall', 'tiny_resnet.safetensors'));
  await loadButton.click();
  const cancel = page.getByRole('button', { name: 'Cancel the weights download' });
  await expect(cancel).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/^1\.00 kB of 1\.25 MB$/)).toBeVisible({ timeout: 30_000 });
  await shoot(page, 'downloads-progress-1280.png');
  await cancel.click();
  await expect(alert).toHaveText('Could not load the weights: cancelled', { timeout: 5_000 });
  await expect(cancel).toHaveCount(0);

  // Refused before anything is fetched or parsed, each naming what happened.
  await field.fill('not a url');
  await loadButton.click();
  await expect(alert).toContainText('"not a url" is not a URL', { timeout: 30_000 });
  await field.fill(url('missing', 'tiny_resnet.safetensors'));
  await loadButton.click();
  await expect(alert).toContainText(`could not download ${url('missing', 'tiny_resnet.safetensors')}: the server answered 404 Not Found`, { timeout: 30_000 });
  await field.fill(url('html', 'tiny_resnet.safetensors'));
  await loadButton.click();
  await expect(alert).toContainText(`the server sent an HTML page (text/html), not a weights file`, { timeout: 30_000 });
  await field.fill(url('truncated', 'tiny_resnet.safetensors'));
  await loadButton.click();
  await expect(alert).toContainText(`the download of ${url('truncated', 'tiny_resnet.safetensors')} ended after 582,600 of 1,000,000 bytes`, { timeout: 30_000 });
  const cache = page.getByRole('region', { name: 'Downloaded weights kept in this browser' });
  await expect(cache).toContainText('None: weights loaded from a URL are kept here after they load.');

  // A good file loads and is listed with its size; cleared, it is gone; downloaded again, it is back.
  const good = url('good', 'tiny_resnext.safetensors');
  await field.fill(good);
  await loadButton.click();
  await expect(page.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('10 classes', { timeout: 60_000 });
  const entry = cache.getByRole('listitem', { name: 'tiny_resnext.safetensors' });
  await expect(entry).toContainText(formatBytes(readFileSync('fixtures/weights/tiny_resnext.safetensors').byteLength));
  await expect(entry).toContainText(good);
  await shoot(page, 'downloads-cache-1280.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await entry.scrollIntoViewIfNeeded();
  await shoot(page, 'downloads-cache-390.png');
  await page.setViewportSize({ width: 1280, height: 800 });
  await cache.getByRole('button', { name: 'Clear tiny_resnext.safetensors from the cache' }).click();
  await expect(entry).toHaveCount(0);
  await expect(cache).toContainText('None:');
  const hits = server.hits.get('/good/tiny_resnext.safetensors');
  await loadButton.click();
  await expect(entry).toBeVisible({ timeout: 60_000 });
  expect(server.hits.get('/good/tiny_resnext.safetensors')).toBe(hits! + 1);
  await cache.getByRole('button', { name: 'Download tiny_resnext.safetensors again' }).click();
  await expect(entry).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => server.hits.get('/good/tiny_resnext.safetensors')).toBe(hits! + 2);
  await cache.getByRole('button', { name: 'Clear all' }).click();
  await expect(cache).toContainText('None:');

  // In Chinese and dark: the panel and a refusal, translated.
  await loadButton.click();
  await expect(entry).toBeVisible({ timeout: 60_000 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/?view=run&backend=wasm&lang=zh');
  const zh = page.getByRole('region', { name: '保存在本浏览器中的已下载权重' });
  await expect(zh.getByRole('listitem', { name: 'tiny_resnext.safetensors' })).toContainText('重新下载', { timeout: 60_000 });
  await page.getByLabel('权重 URL（.safetensors 或 .pth）').fill('not a url');
  await page.getByRole('button', { name: '加载权重' }).click();
  await expect(page.getByRole('alert')).toContainText('"not a url" 不是 URL', { timeout: 30_000 });
  await shoot(page, 'downloads-cache-zh-dark.png');
  await zh.getByRole('button', { name: '全部清除' }).click();
  await expect(zh).toContainText('无：');
});
