/**
 * The Design space view, driven by accessible names: a RegNet's width rule as a chart and its stages, the
 * point's figures (from src/analysis, itself checked against torchvision and timm), a seeded population
 * with the published RegNets on the scatter (keyboard), a malformed range, and a ResNeXt as an AnyNet
 * point. Screenshots at 1280x800 and 390x844, light and dark, under test-results/screens/ (and
 * docs/screenshots/ with DOCS_SCREENSHOTS=1).
 */
import { expect, test } from '@playwright/test';
import { offline, shoot } from '../test/support/screenshot.ts';
import { pointOf } from '../src/analysis/design-space.ts';
import { presetConfig } from '../src/model/presets.ts';
import { thousands } from '../src/analysis/format.ts';



test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

test('design space: the rule as a chart and stages, the figures, a sampled population with the published RegNets by keyboard, a bad range, a ResNeXt as an AnyNet point', async ({ page }) => {
  await page.goto('/?view=design&preset=regnetx_004');
  await expect(page.getByRole('tab', { name: 'Design space' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('img', { name: /^Per-block widths of this RegNet: .* 4 stages over 22 blocks$/ })).toBeVisible();
  const stages = page.getByRole('table', { name: 'Stages of this network' });
  // timm's regnetx_004: widths 32, 64, 160, 384 and depths 1, 2, 7, 12 (fixtures/regnet/generator.json).
  for (const [i, [blocks, width]] of [[1, 32], [2, 64], [7, 160], [12, 384]].entries()) {
    const row = stages.getByRole('row').nth(i + 1);
    await expect(row.getByRole('cell').nth(0)).toHaveText(String(blocks));
    await expect(row.getByRole('cell').nth(1)).toHaveText(String(width));
  }
  const point = pointOf(presetConfig('regnetx_004'));
  await expect(page.getByTestId('ds-params')).toContainText(thousands(point.params));
  await expect(page.getByTestId('ds-flops')).toContainText(thousands(point.macs));
  await expect(page.getByTestId('ds-activations')).toContainText(thousands(point.activations));

  await expect(page.getByRole('status').filter({ hasText: 'Sampled 100 of 100 networks.' })).toBeVisible({ timeout: 60_000 });
  const scatter = page.getByRole('group', { name: /^FLOPs against Params/ });
  await expect(scatter.getByRole('img', { name: /^RegNetX-400MF \(timm\): top-1 error 27.382% \(pycls\)/ })).toHaveCount(1);
  await expect(scatter.getByRole('img', { name: /^ResNeXt-50 \(32x4d\): AnyNetX point/ })).toHaveCount(1);
  await expect(scatter.getByRole('img', { name: /^Sample \d+: d=\d+, w0=\d+/ })).toHaveCount(100);
  // Keyboard: the first dot takes the focus, End goes to the last (this network), its numbers below the chart.
  await scatter.getByRole('img').first().focus();
  await page.keyboard.press('End');
  await expect(page.getByText(/^This network \d/)).toBeVisible();
  await page.getByLabel('Plot FLOPs against').selectOption('activations');
  await expect(page.getByRole('group', { name: /^FLOPs against Activations/ })).toBeVisible();

  // RegNetY: SE, another population from a new seed.
  await page.getByLabel('Block', { exact: true }).selectOption('0.25');
  await page.getByLabel('Seed', { exact: true }).fill('7');
  await expect(page.getByRole('status').filter({ hasText: 'Sampled 100 of 100 networks.' })).toBeVisible({ timeout: 60_000 });

  await page.getByLabel('Depth d', { exact: true }).fill('12 to 28');
  await expect(page.getByRole('alert').filter({ hasText: 'A range is malformed: write lo-hi' })).toBeVisible();
  await expect(page.getByLabel('Depth d', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Depth d', { exact: true }).fill('12-28');
  await expect(page.getByRole('alert')).toHaveCount(0);

  await page.goto('/?view=design&preset=resnext50_32x4d');
  await expect(page.getByText(/its body is an AnyNetX point/)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Stages of this network' }).getByRole('row')).toHaveCount(5);
  await page.getByRole('button', { name: 'Use RegNetX-400MF' }).click();
  await expect(page.getByRole('img', { name: /^Per-block widths of this RegNet/ })).toBeVisible();

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [w, h] of [[1280, 800], [390, 844]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.goto('/?view=design&preset=regnety_016');
      await expect(page.getByRole('status').filter({ hasText: 'Sampled 100 of 100 networks.' })).toBeVisible({ timeout: 60_000 });
      await shoot(page, `design-space${scheme === 'dark' ? '-dark' : ''}-${w}x${h}.png`);
    }
  }
});

test('RegNets in every other view: block table, layers, graph, forms, compare and cost take them like any preset, in both layouts, the timm RegNetZ (no shortcut, head conv, SiLU) too', async ({ page }) => {
  const crashed = page.locator('.error-box');
  for (const preset of ['regnet_y_400mf', 'regnetx_002', 'regnetz_005']) {
    await page.goto(`/?view=table&preset=${preset}`);
    await expect(page.getByRole('tab', { name: 'Block table' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByText('stage4').first()).toBeVisible();
    for (const [tab, ready] of [
      ['Layers', page.getByRole('table', { name: 'Layer list' })],
      ['Graph', page.locator('#view-panel svg').first()],
      ['Compare', page.getByRole('table', { name: 'Differences', exact: true })],
      ['Cost', page.getByRole('group', { name: /Roofline/ })],
    ] as const) {
      await page.getByRole('tab', { name: tab, exact: true }).click();
      await expect(ready).toBeVisible();
      await expect(crashed, `${preset} ${tab}`).toHaveCount(0);
    }
    await page.getByRole('tab', { name: 'Forms', exact: true }).click();
    await expect(page.getByText(/a RegNet block is one too/).first()).toBeVisible();
  }
});
