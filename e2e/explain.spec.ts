/**
 * The Explain view by its accessible names (image upload, layer pick, group arrangement, CAM) with
 * screenshots at 1280x800 and 390x844, light and dark. Its numbers against PyTorch's forward hooks
 * (fixtures/explain) on every backend are checked in engine.spec.ts, beside the whole logits.
 */
import { expect, test, type Page } from '@playwright/test';
import { fullPageShot } from '../test/support/screenshot.ts';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';


const SCREENS = 'test-results/screens';
const DOCS = 'docs/screenshots';
const TO_DOCS = process.env.DOCS_SCREENSHOTS === '1';

/**
 * A full-page screenshot under test-results/screens/ and, at `at` (a section scrolled to the top), the
 * viewport as `<name>-<size>.png` (copied to docs/screenshots/ with DOCS_SCREENSHOTS=1: the full pages
 * of this view are megabytes of maps).
 */
async function shot(page: Page, name: string, at: ReturnType<Page['getByRole']>): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  const { width, height } = page.viewportSize()!;
  const file = `${name}-${width}x${height}.png`;
  await fullPageShot(page, `${SCREENS}/${name}-full-${width}x${height}.png`);
  await at.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SCREENS}/${file}` });
  if (TO_DOCS) {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(`${SCREENS}/${file}`, `${DOCS}/${file}`);
  }
}

/** Mean activation of a map tile, from its accessible name ("Channel 17: mean 0.25, max ..."). */
async function tileMeans(grid: ReturnType<Page['getByRole']>): Promise<number[]> {
  const labels = await grid.getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  return labels.map((l) => Number(/mean (\S+),/.exec(l)![1]));
}

test.describe('the Explain view', () => {
  test.beforeEach(async ({ context, baseURL }) => {
    const local = new URL(baseURL!).host;
    await context.route((url) => url.host !== local && (url.protocol === 'http:' || url.protocol === 'https:'), (route) => route.abort('blockedbyclient'));
  });

  test('random ResNeXt-50 weights said plainly; image upload, layer pick, group arrangement, histogram, enlarged map, CAM; screenshots', async ({ page }) => {
    await page.goto('/?view=explain&backend=wasm');
    const view = page.getByRole('tabpanel');
    await expect(page.getByRole('tab', { name: 'Explain', selected: true })).toBeVisible();
    await expect(view.getByLabel('Choose an image or drop it here')).toBeVisible();
    await expect(view.getByText('Load weights and choose an image')).toBeVisible();
    await view.getByRole('button', { name: 'Use random weights (resnext50_32x4d)' }).click();
    await expect(view.getByRole('status').filter({ hasText: 'Explaining' })).toContainText('random weights (seed 1)', { timeout: 60_000 });
    await expect(view.getByRole('note')).toContainText('These maps show random weights.');
    // The image goes through the weights' own preprocessing (random weights: torchvision's default), and the view says which.
    await expect(view.getByText(/^Preprocessed as the loaded weights require, as in the Run view: bilinear resize of the shorter side to 256, centre crop 224×224/)).toBeVisible();

    await view.getByLabel('Choose an image or drop it here').setInputFiles('fixtures/images/test.png');
    await expect(view.getByText('Top-5 for “test.png” (random weights: meaningless)')).toBeVisible({ timeout: 90_000 });
    await expect(view.getByRole('img', { name: 'Preprocessed 224×224 crop' })).toBeVisible();

    // The default layer: the grouped 3x3 conv of layer1.0, 128 channels of 56x56, sorted by mean.
    let grid = view.getByRole('group', { name: 'Channel maps of layer1.0.conv2' });
    await expect(grid.getByRole('button')).toHaveCount(128, { timeout: 90_000 });
    const means = await tileMeans(grid);
    expect(means.every((m, i) => i === 0 || m <= means[i - 1])).toBe(true);

    // Stage, Block, Layer: layer3.1's second ReLU, 512 channels of 14x14: two pages of 256.
    await view.getByLabel('Stage', { exact: true }).selectOption({ label: 'layer3 (conv4)' });
    await view.getByLabel('Block', { exact: true }).selectOption({ label: 'layer3.1' });
    await expect(view.getByLabel('Layer', { exact: true })).toHaveValue('layer3.1.conv2');
    await view.getByLabel('Layer', { exact: true }).selectOption('layer3.1.relu:2');
    grid = view.getByRole('group', { name: 'Channel maps of layer3.1.relu:2' });
    await expect(grid.getByRole('button')).toHaveCount(256, { timeout: 90_000 });
    await expect(view.getByText('channels 1–256 of 512 (page 1 of 2)')).toBeVisible();
    await view.getByRole('button', { name: 'Next page' }).click();
    await expect(view.getByText('channels 257–512 of 512 (page 2 of 2)')).toBeVisible();
    await expect(view.getByTestId('sparsity')).toHaveText(/^Sparsity: \d+\.\d % of the values are exactly 0$/);

    // By group: the 32 paths of form (a), 16 channels each, with per-path statistics.
    await view.getByRole('checkbox', { name: 'Arrange by group (32 paths of 16)' }).check();
    const table = view.getByRole('table', { name: 'Per-group statistics' });
    await expect(table.getByRole('row')).toHaveCount(33);
    await expect(table.getByRole('row').nth(1)).toContainText('0–15');
    const path = view.getByRole('region', { name: 'Path 1 of 32: channels 0–15' });
    await expect(path.getByRole('button')).toHaveCount(16);
    await expect(view.getByText('paths 1–16 of 32 (page 1 of 2)')).toBeVisible();

    // Enlarge a map: its numbers.
    await path.getByRole('button').first().click();
    const detail = view.getByRole('region', { name: /^Channel \d+ of layer3\.1\.relu:2$/ });
    await expect(detail).toBeVisible();
    await expect(detail.getByTestId('map-max')).toHaveText(/\d/);
    await detail.getByText('The numbers (14×14)').click();
    await expect(detail.getByRole('row')).toHaveCount(14);

    // CAM of the top-5 over the image, with an opacity slider.
    const cams = view.getByRole('list', { name: 'Class activation maps of the top-5 classes' });
    await expect(cams.getByRole('listitem')).toHaveCount(5);
    await expect(cams.getByRole('img', { name: /^Class activation map of / })).toHaveCount(5);
    const pixels = () => cams.getByRole('img').first().evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    const before = await pixels();
    await view.getByLabel('Opacity').fill('0.9');
    await expect.poll(pixels).not.toBe(before);
    await expect(view.getByText(/With random weights the classes and the maps mean nothing/)).toBeVisible();

    // The last stage's output: 2048 channels of 7x7 in 8 pages.
    await view.getByLabel('Stage', { exact: true }).selectOption({ label: 'layer4 (conv5)' });
    await view.getByLabel('Block', { exact: true }).selectOption({ label: 'layer4.2' });
    await view.getByLabel('Layer', { exact: true }).selectOption('layer4');
    await expect(view.getByRole('group', { name: 'Channel maps of layer4' }).getByRole('button')).toHaveCount(256, { timeout: 90_000 });
    await expect(view.getByText('channels 1–256 of 2048 (page 1 of 8)')).toBeVisible();
    for (let i = 0; i < 7; i++) await view.getByRole('button', { name: 'Next page' }).click();
    await expect(view.getByText('channels 1793–2048 of 2048 (page 8 of 8)')).toBeVisible();
    await expect(view.getByRole('button', { name: 'Next page' })).toBeDisabled();

    // A stem layer: no group arrangement outside the paths.
    await view.getByLabel('Stage', { exact: true }).selectOption({ label: 'stem' });
    await expect(view.getByLabel('Layer', { exact: true })).toHaveValue('conv1');
    await expect(view.getByRole('group', { name: 'Channel maps of conv1' }).getByRole('button')).toHaveCount(64, { timeout: 90_000 });
    await expect(view.getByRole('checkbox', { name: /Arrange by group/ })).toHaveCount(0);
    await expect(view.getByTestId('sparsity')).toHaveText(/^Sparsity after ReLU: \d+\.\d % of the values are ≤ 0$/);

    // Back to the grouped conv, arranged by group, for the screenshots.
    await view.getByLabel('Stage', { exact: true }).selectOption({ label: 'layer1 (conv2)' });
    await expect(view.getByLabel('Layer', { exact: true })).toHaveValue('layer1.0.conv1');
    await view.getByLabel('Layer', { exact: true }).selectOption('layer1.0.conv2');
    await expect(view.getByRole('group', { name: 'Channel maps of layer1.0.conv2' }).getByRole('button')).toHaveCount(128, { timeout: 90_000 });
    await view.getByRole('checkbox', { name: 'Arrange by group (32 paths of 4)' }).check();
    await expect(view.getByRole('region', { name: 'Path 32 of 32: channels 124–127' })).toBeVisible();
    await view.getByRole('region', { name: 'Path 1 of 32: channels 0–3' }).getByRole('button').first().click();
    await expect(view.getByRole('region', { name: /^Channel \d+ of layer1\.0\.conv2$/ })).toBeVisible();
    await view.getByLabel('Opacity').fill('0.55');
    const mapsCard = view.getByRole('region', { name: 'Feature maps' });
    const camCard = view.getByRole('region', { name: 'Class activation maps' });
    await shot(page, 'explain-map', mapsCard);
    await view.getByRole('button', { name: 'Close' }).click();
    await shot(page, 'explain', mapsCard);
    await shot(page, 'explain-cam', view.getByRole('region', { name: 'Histogram' }));
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'explain-dark', view.getByRole('region', { name: 'Path 1 of 32: channels 0–3' }));
    await page.setViewportSize({ width: 390, height: 844 });
    // As a phone opens it: the configuration folded, nothing wider than the screen.
    await page.getByText('Configure', { exact: true }).click();
    await expect(page.getByLabel('Cardinality')).toBeHidden();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'explain-dark', mapsCard);
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'explain', mapsCard);
    await shot(page, 'explain-cam', camCard);
  });

  test('file weights (tiny_resnext): top-1 and CAM class as PyTorch says; drag and drop; bad image and bad file; no weights', async ({ page }) => {
    await page.goto('/?view=explain&backend=wasm');
    const view = page.getByRole('tabpanel');
    await view.getByLabel('Choose an image or drop it here').setInputFiles('fixtures/images/test.png');
    await expect(view.getByRole('alert').filter({ hasText: 'waiting for weights' })).toBeVisible();
    await view.getByLabel('Weights file').setInputFiles('fixtures/weights/evil.pth');
    await expect(view.getByRole('alert').filter({ hasText: 'Could not load evil.pth' })).toBeVisible({ timeout: 60_000 });
    await view.getByLabel('Weights file').setInputFiles('fixtures/weights/tiny_resnext.safetensors');
    await expect(view.getByRole('status').filter({ hasText: 'Explaining' })).toContainText('tiny_resnext.safetensors', { timeout: 60_000 });
    await expect(view.getByRole('note')).toHaveCount(0);
    const doc = JSON.parse(readFileSync('fixtures/explain/tiny_resnext.explain.json', 'utf8')) as { image: { cam: { top1: number[] } } };
    const top1 = `class ${doc.image.cam.top1[0]}`;
    const cams = view.getByRole('list', { name: 'Class activation maps of the top-5 classes' });
    await expect(cams.getByRole('img').first()).toHaveAccessibleName(`Class activation map of ${top1}`, { timeout: 90_000 });
    await expect(view.getByRole('list', { name: 'Top-5 classes' }).getByRole('listitem').first()).toContainText(top1);
    await expect(view.getByText(/A is the output|A the output of layer4 \(7×7/)).toBeVisible();
    // tiny_resnext: C = 4 paths of 4 channels in layer1.0.conv2
    await expect(view.getByRole('group', { name: 'Channel maps of layer1.0.conv2' }).getByRole('button')).toHaveCount(16, { timeout: 60_000 });
    await expect(view.getByRole('checkbox', { name: 'Arrange by group (4 paths of 4)' })).toBeVisible();

    const jpeg = readFileSync('fixtures/images/test.jpg').toString('base64');
    await view.locator('.drop').evaluate((zone, b64) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'test.jpg', { type: 'image/jpeg' }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, jpeg);
    await expect(view.getByText('Top-5 for “test.jpg”')).toBeVisible({ timeout: 60_000 });

    await view.getByLabel('Choose an image or drop it here').setInputFiles('fixtures/images/not-an-image.jpg');
    await expect(view.getByRole('alert').filter({ hasText: 'not-an-image.jpg' })).toContainText('not an image');
    await expect(cams).toHaveCount(0);
  });
});
