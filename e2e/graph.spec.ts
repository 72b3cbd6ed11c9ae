/**
 * The Graph view, driven by accessible names: opening stages, blocks and a grouped conv by pointer and
 * keyboard, the selection's numbers and its way to the layer list, the block table and the Cost view's
 * kernel table (and back), colour by, the SVG and PNG exports, the URL. Screenshots at 1280x800 and
 * 390x844, light and dark, under test-results/screens/ (and docs/screenshots/ with DOCS_SCREENSHOTS=1);
 * the Chinese ones are e2e/i18n.spec.ts's.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { offline, shoot } from '../test/support/screenshot.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { thousands } from '../src/analysis/format.ts';
import { layerCost, totalParams } from '../src/analysis/counts.ts';
import { graphTree, levelExpansion, visibleItems } from '../src/app/graphTree.ts';


const graph = buildLayerGraph(presetConfig('resnext50_32x4d'));
const node = (name: string) => graph.nodes.find((n) => n.name === name)!;
const tree = (page: Page) => page.getByRole('tree', { name: /^Network graph/ });
const item = (page: Page, name: RegExp) => tree(page).getByRole('treeitem', { name });
const details = (page: Page) => page.getByRole('region', { name: 'Selected node' });


test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

test('graph: stages open into blocks, a block into branch, shortcut and sum, a grouped conv into its C paths; the URL keeps it', async ({ page }) => {
  await page.goto('/?view=graph');
  await expect(page.getByRole('tab', { name: 'Graph' })).toHaveAttribute('aria-selected', 'true');
  await expect(tree(page)).toHaveAttribute('aria-label', 'Network graph: 6 nodes shown');
  for (const name of [/^Stem: 4 layers · 64×56×56$/, /^layer1 \(conv2\): 3 blocks · 256×56×56$/, /^layer4 \(conv5\): 3 blocks · 2048×7×7$/, /^Head: 3 layers · 1000$/]) {
    await expect(item(page, name)).toHaveAttribute('aria-expanded', 'false');
  }
  await item(page, /^layer1 \(conv2\)/).click();
  await expect(item(page, /^layer1 \(conv2\)/)).toHaveAttribute('aria-expanded', 'true');
  await expect(tree(page)).toHaveAttribute('aria-label', 'Network graph: 9 nodes shown');
  await item(page, /^layer1\.0: Bottleneck/).click();
  // The block: its branch, the shortcut (downsample), the residual sum and the ReLU after it.
  for (const name of ['layer1.0.conv1: Conv2d 1×1 · 64→128', 'layer1.0.conv2: Conv2d 3×3 · 128→128 · C=32', 'layer1.0.downsample.0: Conv2d 1×1 · 64→256',
    'layer1.0.downsample.1: BatchNorm2d · 256', 'layer1.0.add: residual sum', 'layer1.0.relu:3: ReLU']) {
    await expect(tree(page).getByRole('treeitem', { name, exact: true })).toHaveCount(1);
  }
  // The edges carry tensor shapes.
  await expect(page.locator('.g-shape').filter({ hasText: /^128×56×56$/ }).first()).toBeAttached();
  // The grouped conv opens into its 32 paths, drawn one by one.
  const conv2 = item(page, /^layer1\.0\.conv2:/);
  await conv2.focus();
  await page.keyboard.press('Enter');
  await expect(conv2).toHaveAttribute('aria-expanded', 'true');
  await expect(conv2).toHaveAccessibleName('layer1.0.conv2: Conv2d 3×3 · 128→128 · C=32 · 32 paths of 4 channels, each 3×3');
  await expect(conv2.locator('g[aria-hidden=true] rect')).toHaveCount(32);
  await expect(conv2).toHaveAttribute('aria-selected', 'true');
  const conv = node('layer1.0.conv2');
  await expect(details(page)).toContainText('32 paths, each 4 → 4 channels');
  await expect(details(page)).toContainText(thousands(layerCost(conv).params));
  await expect(details(page)).toContainText(thousands(layerCost(conv).macs));
  await expect(details(page)).toContainText('128×56×56');
  await expect(page).toHaveURL(/[?&]layer=layer1\.0\.conv2(&|$)/);
  await expect(page).toHaveURL(/[?&]open=layer1%2Clayer1\.0%2Clayer1\.0\.conv2(&|$)/);
  // The link reproduces the picture.
  await page.reload();
  await expect(item(page, /^layer1\.0\.conv2:/)).toHaveAttribute('aria-expanded', 'true');
  await expect(item(page, /^layer1\.0\.conv2:/)).toHaveAttribute('aria-selected', 'true');
  // The level buttons open every stage, every block, or close everything.
  await page.getByRole('button', { name: 'Layers', exact: true }).click();
  const all = visibleItems(graphTree(graph), levelExpansion(graphTree(graph), 'layers')).length;
  await expect(tree(page)).toHaveAttribute('aria-label', `Network graph: ${all} nodes shown`);
  await expect(page).toHaveURL(/layer4\.2%2Clayer1\.0\.conv2|layer4\.1%2Clayer4\.2/);
  await page.getByRole('button', { name: 'Stages', exact: true }).click();
  await expect(tree(page)).toHaveAttribute('aria-label', 'Network graph: 6 nodes shown');
  // A grouped conv keeps its paths open inside what was closed and opened again.
  await page.getByRole('button', { name: 'Layers', exact: true }).click();
  await expect(item(page, /^layer1\.0\.conv2:/)).toHaveAttribute('aria-expanded', 'true');
});

test('graph: the keyboard walks the tree, opens and closes; a focus ring shows where it is', async ({ page }) => {
  await page.goto('/?view=graph');
  await page.getByRole('tab', { name: 'Graph' }).focus();
  // Tab reaches the tree's one focusable item (roving focus), then the arrows move.
  await page.keyboard.press('Tab');
  for (let i = 0; i < 10 && !(await item(page, /^Stem/).evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(item(page, /^Stem/)).toBeFocused();
  const ring = await item(page, /^Stem/).locator('.g-ring').evaluate((el) => getComputedStyle(el).stroke);
  expect(ring).not.toBe('none');
  await page.keyboard.press('ArrowDown');
  await expect(item(page, /^layer1 \(conv2\)/)).toBeFocused();
  await expect(item(page, /^layer1 \(conv2\)/)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(item(page, /^layer1 \(conv2\)/)).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(item(page, /^layer1\.0:/)).toBeFocused();
  await page.keyboard.press(' ');
  await expect(item(page, /^layer1\.0:/)).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(item(page, /^layer1\.0\.conv1:/)).toBeFocused();
  await expect(details(page)).toContainText('layer1.0.conv1');
  await page.keyboard.press('ArrowLeft');
  await expect(item(page, /^layer1\.0:/)).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(item(page, /^layer1\.0:/)).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('End');
  await expect(item(page, /^Head/)).toBeFocused();
  await page.keyboard.press('Home');
  await expect(item(page, /^Stem/)).toBeFocused();
});

test('graph: colour by MACs, params, memory or predicted time, with a legend; SVG and PNG exports stand alone', async ({ page }) => {
  await page.goto('/?view=graph&preset=resnext50_32x4d&open=layer2');
  const legend = page.getByRole('group', { name: 'Colour scale' });
  await expect(legend).toContainText('MACs');
  const stemMacs = (await page.locator('[data-id="stem"] .g-value').textContent())!;
  expect(stemMacs).toBe('118 M');
  const fill = () => page.locator('[data-id="layer2.0"] .g-box').evaluate((el) => getComputedStyle(el).fill);
  const before = await fill();
  await page.getByLabel('Colour by').selectOption({ label: 'Params' });
  await expect(page).toHaveURL(/colour=params/);
  await expect(legend).toContainText('Params');
  await expect(page.locator('[data-id="stem"] .g-value')).toHaveText(`${(totalParams({ ...graph, nodes: graph.nodes.filter((n) => n.stage === 0) }) / 1e3).toFixed(2)} k`);
  expect(await fill()).not.toBe(before);
  await page.getByLabel('Colour by').selectOption({ label: 'Activation memory' });
  await expect(legend).toContainText(/\d (kB|MB|GB) → [\d.]+ (MB|GB)/);
  await page.getByLabel('Colour by').selectOption({ label: 'Predicted time' });
  await expect(legend).toContainText(/(ms|µs)/);
  await expect(page.getByText(/Memory and time for batch 32 in float32 on NVIDIA Tesla V100/)).toBeVisible();

  const [svgFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export SVG' }).click()]);
  expect(svgFile.suggestedFilename()).toBe('resnext50_32x4d.graph.svg');
  const svg = readFileSync((await svgFile.path())!, 'utf8');
  expect(svg.startsWith('<?xml')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  // Every box of the open graph, not only those on screen; no CSS variable left to resolve.
  for (const id of ['layer2.3', 'layer4 (conv5)', 'Input 3×224×224', 'Output 1000']) expect(svg).toContain(id);
  expect(svg).not.toContain('var(--');
  await expect(page.getByRole('status').filter({ hasText: 'Saved resnext50_32x4d.graph.svg.' })).toBeVisible();
  const [pngFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export PNG' }).click()]);
  expect(pngFile.suggestedFilename()).toBe('resnext50_32x4d.graph.png');
  const png = readFileSync((await pngFile.path())!);
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect(width).toBeGreaterThan(400);
  expect(height).toBeGreaterThan(width);
});

test('graph: the selection goes to the layer list, the block table and the Cost view\'s kernel table, and each comes back', async ({ page }) => {
  await page.goto('/?view=layers');
  const list = page.getByRole('table', { name: 'Layer list' });
  await page.getByLabel('Filter layers').fill('layer2.1.relu');
  await list.getByRole('button', { name: 'ReLU-54', exact: true }).click();
  await expect(page.getByLabel('Formula of the selected layer')).toContainText('layer2.1.relu');
  await page.getByRole('button', { name: 'Show layer2.1.relu:2 in the graph' }).click();
  await expect(page.getByRole('tab', { name: 'Graph' })).toHaveAttribute('aria-selected', 'true');
  const relu = item(page, /^layer2\.1\.relu:2: ReLU$/);
  await expect(relu).toHaveAttribute('aria-selected', 'true');
  await expect(relu).toBeInViewport();
  await expect(item(page, /^layer2 \(conv3\)/)).toHaveAttribute('aria-expanded', 'true');
  await expect(item(page, /^layer2\.1:/)).toHaveAttribute('aria-expanded', 'true');
  // On the V100 (eager execution) the ReLU is a kernel of its own.
  await expect(details(page)).toContainText(/Predicted time[\d.]+ (µs|ms) · [\d.]+ % of the network/);
  await expect(details(page)).toContainText('none: it writes into its input’s memory');

  await page.getByRole('button', { name: 'Show in the layer list' }).click();
  await expect(page.getByRole('tab', { name: 'Layers' })).toHaveAttribute('aria-selected', 'true');
  await expect(list.getByRole('button', { name: 'ReLU-54', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('tab', { name: 'Graph' }).click();
  await page.getByRole('button', { name: 'Show in the block table' }).click();
  await expect(page.getByRole('tab', { name: 'Block table' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('row', { name: /^conv3/ })).toHaveClass(/revealed/);
  await page.getByRole('button', { name: 'Show conv4 in the graph' }).click();
  await expect(item(page, /^layer3 \(conv4\)/)).toHaveAttribute('aria-selected', 'true');
  await expect(item(page, /^layer3 \(conv4\)/)).toHaveAttribute('aria-expanded', 'false');

  await item(page, /^layer3 \(conv4\)/).click();
  await item(page, /^layer3\.0:/).click();
  await item(page, /^layer3\.0\.conv1:/).click();
  await page.getByRole('button', { name: 'Show in the Cost view’s kernel table' }).click();
  await expect(page.getByRole('tab', { name: 'Cost' })).toHaveAttribute('aria-selected', 'true');
  const kernels = page.getByRole('table', { name: 'Kernels' });
  const row = kernels.getByRole('row', { name: /^layer3\.0\.conv1/ });
  await expect(row).toHaveClass(/revealed/);
  await expect(row).toBeInViewport();
  await kernels.getByRole('button', { name: 'Show layer3.0.bn1 in the graph' }).click();
  await expect(item(page, /^layer3\.0\.bn1:/)).toHaveAttribute('aria-selected', 'true');
});

test('graph: a link naming what the network does not have says so; ResNet-152 keeps the DOM small', async ({ page }) => {
  await page.goto('/?view=graph&preset=resnet18&layer=layer4.5&open=layer1,layer9.0&colour=heat');
  const notice = page.getByRole('status', { name: 'Notice' });
  await expect(notice).toContainText('The link selects "layer4.5", which is not a layer, block or stage of this network');
  await expect(notice).toContainText('layer9.0');
  await expect(notice).toContainText('Unknown graph colouring "heat"');
  await expect(item(page, /^layer1 \(conv2\)/)).toHaveAttribute('aria-expanded', 'true');
  await expect(page).toHaveURL(/\?view=graph&preset=resnet18&open=layer1$/);

  await page.goto('/?view=graph&preset=resnet152');
  await page.getByRole('button', { name: 'Layers', exact: true }).click();
  await expect(tree(page)).toHaveAttribute('aria-label', /^Network graph: 5\d\d nodes shown$/);
  // Only what is near the screen is drawn.
  expect(await page.locator('svg.graph-svg [role=treeitem]').count()).toBeLessThan(80);
  await page.getByRole('button', { name: 'Fit' }).click();
  await expect.poll(() => page.locator('svg.graph-svg text').count()).toBe(0);
});

test('graph: screenshots, light and dark, wide and phone', async ({ page }) => {
  test.setTimeout(180_000);
  const url = '/?view=graph&preset=seresnext50_32x4d&layer=layer2.0&open=layer2,layer2.0,layer2.0.conv2,layer2.0.se';
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [w, h] of [[1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.goto(url);
      await expect(item(page, /^layer2\.0: Bottleneck/)).toHaveAttribute('aria-selected', 'true');
      await expect(item(page, /^layer2\.0\.conv2:/)).toHaveAttribute('aria-expanded', 'true');
      await page.waitForTimeout(400);
      await shoot(page, `graph${scheme === 'dark' ? '-dark' : ''}-${w}x${h}.png`);
    }
  }
});
