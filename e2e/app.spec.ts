/**
 * The app's flows, driven by accessible names as a user (or a screen reader) would. Each test saves
 * a full-page screenshot of its view at 1280x800 and 390x844 under test-results/screens/ (and, with
 * DOCS_SCREENSHOTS=1, docs/screenshots/).
 * Nothing reaches the network: weights are served from fixtures/ by page.route under a fake URL.
 */
import { expect, test, type Page } from '@playwright/test';
import { fullPageShot, offline } from '../test/support/screenshot.ts';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { summarize, torchsummaryText } from '../src/analysis/summary.ts';
import { Catalogue, evalPreprocess, type CatalogueJson } from '../src/model/pretrained.ts';
import { cropNote } from '../src/model/preprocess.ts';

/** The catalogue from its data file (the app loads it as a chunk; the spec reads it directly). */
const CATALOGUE = new Catalogue(JSON.parse(readFileSync('src/model/pretrained.json', 'utf8')) as CatalogueJson);
const requirePretrained = (tag: string) => CATALOGUE.require(tag);
const checkpointsOf = (architecture: string) => CATALOGUE.checkpointsOf(architecture);
import { torchinfoText } from '../src/analysis/torchinfo.ts';
import { compareMarkdown } from '../src/analysis/markdown.ts';
import { compare } from '../src/analysis/compare.ts';

const SCREENS = 'test-results/screens';
const DOCS = 'docs/screenshots';
/** DOCS_SCREENSHOTS=1 also refreshes the committed copies in docs/screenshots/ (off by default: runs leave the tree clean). */
const TO_DOCS = process.env.DOCS_SCREENSHOTS === '1';

function publish(file: string): void {
  if (!TO_DOCS) return;
  mkdirSync(DOCS, { recursive: true });
  copyFileSync(`${SCREENS}/${file}`, `${DOCS}/${file}`);
}

async function screens(page: Page, name: string, phone: { reload?: boolean; openConfig?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  const size = page.viewportSize();
  await fullPageShot(page, `${SCREENS}/${name}-1280x800.png`);
  publish(`${name}-1280x800.png`);
  await page.setViewportSize({ width: 390, height: 844 });
  // Reloaded at phone size, the page lays itself out as a phone would open it (configuration folded).
  if (phone.reload !== false) await page.reload();
  await expect(page.getByRole('tab', { selected: true })).toBeVisible();
  if (phone.openConfig) {
    await page.getByText('Configure', { exact: true }).click();
    await expect(page.getByLabel('Cardinality')).toBeVisible();
  }
  await fullPageShot(page, `${SCREENS}/${name}-390x844.png`);
  publish(`${name}-390x844.png`);
  if (size) await page.setViewportSize(size);
}

const totalParams = (page: Page) => page.getByTestId('total-params');

// Nothing leaves the machine: any request not to the preview server is refused (tests route what they need).
test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

test('a preset sets the block table, totals and published figures; back restores the previous one', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Preset').selectOption('resnet50');
  await expect(totalParams(page)).toHaveText('25,557,032');
  await expect(page).toHaveURL(/preset=resnet50/);
  await page.getByLabel('Preset').selectOption('resnext50_32x4d');
  await expect(totalParams(page)).toHaveText('25,028,904');
  const table = page.getByRole('table').first();
  await expect(table.getByRole('row', { name: /^Total/ })).toContainText('25,028,904');
  await expect(table.getByRole('row', { name: /^conv3/ })).toContainText('3×3, 256, C=32');
  await expect(table.getByRole('row', { name: /^conv3/ })).toContainText('× 4');
  const published = page.getByRole('table', { name: 'Published figures beside ours' });
  await expect(published).toContainText('torchvision 0.14 model zoo');
  await expect(published).toContainText('77.618% acc');
  await expect(published).toContainText('22.2% err');
  await page.getByText('How these numbers are counted').click();
  await expect(page.getByText('in × out + out = 2048 × 1000 + 1000 = 2,049,000')).toBeVisible();
  await page.goBack();
  await expect(totalParams(page)).toHaveText('25,557,032');
  await expect(page.getByLabel('Preset')).toHaveValue('resnet50');
  await page.goForward();
  await expect(totalParams(page)).toHaveText('25,028,904');
  // Wide enough for every column: no hint.
  await expect(page.getByText(/More columns to the (right|left)/)).toHaveCount(0);
  // The paper's "FLOPs" are multiply-adds: the cards say which of ours is which.
  const totals = page.getByLabel('Totals');
  await expect(totals.getByText('multiply-adds: what the paper calls “FLOPs”')).toBeVisible();
  await expect(totals.getByText('not the paper’s “FLOPs”')).toBeVisible();
  await screens(page, 'table');

  // At phone width the block table scrolls sideways: a line says so, and scrolling (or the arrow keys) brings Params and MACs.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  const blockTable = page.locator('table.block-table');
  const frame = page.locator('.table-wrap', { has: blockTable });
  const macs = blockTable.getByRole('columnheader', { name: 'MACs' });
  await expect(page.getByText('More columns to the right: scroll the table sideways →').first()).toBeVisible();
  await expect(macs).not.toBeInViewport();
  await frame.focus();
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
  await expect(macs).toBeInViewport();
  await expect(page.getByText('← More columns to the left: scroll the table back').first()).toBeVisible();
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('with "Preserve complexity" on, cardinality sets the bottleneck width as in Table 2; invalid values show the error', async ({ page }) => {
  await page.goto('/?preset=resnet50');
  await page.getByRole('switch', { name: 'Preserve complexity' }).check();
  const width = page.getByLabel('Bottleneck width');
  for (const [c, d] of [[2, 40], [4, 24], [8, 14], [32, 4], [1, 64]]) {
    await page.getByLabel('Cardinality').fill(String(c));
    await expect(width).toHaveValue(String(d));
  }
  await page.getByLabel('Cardinality').fill('8');
  await expect(page).toHaveURL(/preset=resnext50_8x14d&preserve=1/);
  await expect(page.getByLabel('Preset')).toHaveValue('resnext50_8x14d');

  // An invalid combination: the engine's message next to the control, the last valid network still shown.
  await page.getByLabel('Block type').selectOption('basic');
  await expect(page.getByRole('status').filter({ hasText: 'a basic block supports only cardinality 1' })).toBeVisible();
  await expect(page.getByLabel('Block type')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Cardinality').fill('abc');
  await expect(page.getByRole('status').filter({ hasText: 'cardinality must be a positive integer, got "abc"' })).toBeVisible();
  await expect(totalParams(page)).toBeVisible();
  await page.getByLabel('Input size').fill('3x0x7');
  await expect(page.getByRole('status').filter({ hasText: 'input height must be a positive integer' })).toBeVisible();
  await page.getByLabel('Input size').fill('3x160x160');
  await expect(page).toHaveURL(/input=3x160x160/);
  await page.getByLabel('Depth', { exact: true }).fill('3,4,23,3');
  await page.getByLabel('Classes').fill('100');
  await expect(page.getByLabel('Preset')).toHaveValue('');
  await expect(totalParams(page)).not.toHaveText('');
  await screens(page, 'configure', { openConfig: true });
});

test('typing into a field is never rewritten under the cursor, and no intermediate value is applied', async ({ page }) => {
  // Every URL the app writes is recorded: an intermediate network would leave its trace there.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { seenUrls: string[] }).seenUrls = seen;
    for (const name of ['pushState', 'replaceState'] as const) {
      const original = history[name].bind(history);
      history[name] = (data: unknown, unused: string, url?: string | URL | null) => {
        seen.push(String(url));
        original(data, unused, url);
      };
    }
  });
  await page.goto('/?preset=resnet50');
  const size = page.getByLabel('Input size');
  await size.fill('');
  await size.pressSequentially('3x160x160', { delay: 40 });
  await expect(size).toHaveValue('3x160x160');
  await expect(page).toHaveURL(/input=3x160x160/);
  // Typed text stays as typed while the field has focus ("160" is 3x160x160); the canonical form comes on blur.
  await size.fill('');
  await size.pressSequentially('192', { delay: 40 });
  await expect(page).toHaveURL(/input=3x192x192/);
  await expect(size).toHaveValue('192');
  await size.press('Tab');
  await expect(size).toHaveValue('3x192x192');
  const seen = await page.evaluate(() => (window as unknown as { seenUrls: string[] }).seenUrls);
  expect(seen.filter((u) => /input=3x(3|1|16|19)x/.test(u))).toEqual([]);

  // Typing d by hand while "Preserve complexity" is on turns it off, visibly, instead of showing a stale hint.
  const preserve = page.getByRole('switch', { name: 'Preserve complexity' });
  await page.getByLabel('Cardinality').fill('32');
  await preserve.check();
  await expect(page.getByLabel('Bottleneck width')).toHaveValue('4');
  await page.getByLabel('Bottleneck width').fill('8');
  await page.getByLabel('Bottleneck width').press('Enter');
  await expect(preserve).not.toBeChecked();
  await expect(page.getByText('Preserve complexity turned off: d was set by hand.')).toBeVisible();
  await expect(page).toHaveURL(/[?&]d=8|32x8d/);
  // Turned on again, d follows the solver at once.
  await preserve.check();
  await expect(page.getByLabel('Bottleneck width')).toHaveValue('4');
});

test('neutral notes are not drawn in the error colour, and a disabled field looks disabled', async ({ page }) => {
  await page.goto('/?preset=resnet18&view=forms');
  const note = page.getByRole('status').filter({ hasText: 'forms (a), (b) and (c) describe a bottleneck block' });
  await expect(note).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'describe a bottleneck block' })).toHaveCount(0);
  const error = 'rgb(180, 35, 24)';
  expect(await note.evaluate((e) => getComputedStyle(e).color)).not.toBe(error);
  expect(await note.evaluate((e) => getComputedStyle(e).backgroundColor)).not.toBe('rgb(253, 236, 234)');

  // The stem width applies to deep stems only: with the ImageNet stem it is disabled, and shows it.
  const stemWidth = page.getByLabel('Stem width');
  const depth = page.getByLabel('Depth', { exact: true });
  await expect(stemWidth).toBeDisabled();
  const look = (e: Element) => { const c = getComputedStyle(e); return `${c.backgroundColor} ${c.borderStyle} ${c.color}`; };
  expect(await stemWidth.evaluate(look)).not.toBe(await depth.evaluate(look));
});

test('the page title names the view and the network; file pickers speak the page\'s language', async ({ page }) => {
  await page.goto('/?preset=resnext50_32x4d&view=layers');
  await expect(page).toHaveTitle('ResNeXt-50 (32x4d) · Layers — ResNeXt Lab');
  await page.getByRole('tab', { name: 'Block table' }).click();
  await expect(page).toHaveTitle(/· Block table — ResNeXt Lab$/);
  await page.getByLabel('Classes').fill('10');
  await page.getByLabel('Classes').press('Enter');
  await expect(page).toHaveTitle(/^ResNeXt-50 \(32x4d\) · Block table/);

  await page.goto('/?view=run&lang=zh');
  await expect(page).toHaveTitle(/ · 运行 — ResNeXt Lab$/);
  const run = page.locator('#view-panel');
  await expect(run.getByText('选择文件…').first()).toBeVisible();
  await expect(run.getByText('未选择文件').first()).toBeVisible();
  await page.getByLabel('从文件加载').setInputFiles('fixtures/weights/tiny_resnet.pth');
  await expect(run.getByText('tiny_resnet.pth').first()).toBeVisible();
});

test('the layer list copies exactly the CLI summary, filters, folds and stays virtualized for ResNet-152', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/?view=layers');
  await page.getByRole('button', { name: 'Copy as torchsummary text' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const expected = torchsummaryText(summarize(buildLayerGraph(presetConfig('resnext50_32x4d'), 'seed')));
  expect(copied).toBe(expected);
  expect(copied).toContain('Total params: 25,028,904\n');
  // ... which is what the CLI prints.
  const cli = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'summary', 'resnext50_32x4d'], { encoding: 'utf8' });
  expect(copied).toBe(cli);

  // The torchvision order changes where the downsample rows sit, not the totals.
  await page.getByRole('radio', { name: 'torchvision' }).check();
  await expect(page).toHaveURL(/order=torchvision/);
  await page.getByRole('button', { name: 'Copy as torchsummary text' }).click();
  const tv = await page.evaluate(() => navigator.clipboard.readText());
  expect(tv).toBe(torchsummaryText(summarize(buildLayerGraph(presetConfig('resnext50_32x4d'), 'torchvision'))));
  expect(tv).not.toBe(copied);

  // Counting convention: MACs change, Param # does not; each convention is explained.
  await page.getByLabel('Counting convention').selectOption('fvcore');
  await expect(page.locator('#convention-desc')).toContainText('4,259,381,248 MACs');
  await expect(page.locator('#convention-desc')).toContainText('BatchNorm');

  const list = page.getByRole('table', { name: 'Layer list' });
  await page.getByLabel('Filter layers').fill('layer4.2.conv2');
  await expect(list.getByRole('row')).toHaveCount(2);
  await expect(list).toContainText('Conv2d-');
  await expect(list).toContainText('[-1, 1024, 7, 7]');
  // Any row's numbers, written out as formulas.
  await page.getByLabel('Filter layers').fill('layer1.0.conv2');
  await list.getByRole('row').nth(1).getByRole('button').click();
  const formula = page.getByLabel('Formula of the selected layer');
  await expect(formula).toContainText('Cout × Cin/groups × k × k = 128 × 128/32 × 3 × 3 = 4,608');
  await expect(formula).toContainText('Hout × Wout × params = 56 × 56 × 4,608 = 14,450,688');
  await page.getByLabel('Filter layers').fill('');

  await page.getByLabel('Detail').selectOption('stages');
  await expect(list.getByRole('row')).toHaveCount(7);
  await list.getByRole('button', { name: 'layer3 (conv4)' }).click();
  await expect(list.getByRole('button', { name: 'layer3.5' })).toBeVisible();
  await expect(list.getByRole('button', { name: 'layer3 (conv4)' })).toHaveAttribute('aria-expanded', 'true');

  // ResNet-152: 500+ rows, only a window of them in the DOM, the last reachable by scrolling.
  await page.getByLabel('Preset').selectOption('resnet152');
  await page.getByLabel('Detail').selectOption('layers');
  await expect(page.getByText(/^\d+ rows$/)).toHaveText(/^5\d\d rows$/);
  const rendered = await list.getByRole('row').count();
  expect(rendered).toBeLessThan(80);
  await list.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await expect(list).toContainText('Linear-');
  await list.evaluate((el) => { el.scrollTop = 0; });
  await page.getByLabel('Preset').selectOption('resnext50_32x4d');
  await page.getByLabel('Counting convention').selectOption('paper');
  await screens(page, 'layers');

  // At phone width every row of the list, stage and block headers included, keeps its cells on two lines inside the row
  // (4 px of slack for the disclosure button's padding).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(list.getByRole('button', { name: 'layer1.0' })).toBeVisible();
  const overflow = await list.evaluate((el) => [...el.querySelectorAll('.lrow:not(.head)')].flatMap((row) => {
    const box = row.getBoundingClientRect();
    const cells = [...row.children].map((c) => ({ cls: c.className, r: c.getBoundingClientRect() })).filter((c) => c.r.width > 0);
    const out = cells.filter((c) => c.r.right > box.right + 0.5 || c.r.left < box.left - 0.5).map((c) => `${row.className}: ${c.cls} outside the row`);
    for (const a of cells) {
      for (const b of cells) {
        if (a !== b && a.r.left < b.r.right - 4 && b.r.left < a.r.right - 4 && a.r.top < b.r.bottom - 4 && b.r.top < a.r.bottom - 4) out.push(`${row.className}: ${a.cls} overlaps ${b.cls}`);
      }
    }
    return out;
  }));
  expect(overflow).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('torchinfo text with the chosen depth and columns, Markdown tables and PyTorch code copy exactly what the CLI prints', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const cli = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const copied = async (button: string, expected: string) => {
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.getByRole('button', { name: button, exact: true }).click();
    await expect.poll(clipboard).toBe(expected);
  };

  await page.goto('/?view=layers');
  await copied('Copy as torchinfo text', cli('summary', 'resnext50_32x4d', '--format', 'torchinfo'));
  await expect(page.getByRole('status').filter({ hasText: "torchinfo 1.8.0's printout" })).toBeVisible();
  // Depth 2 and two more columns: the CLI's flags say the same.
  await page.getByLabel('torchinfo depth').selectOption('2');
  await page.getByRole('checkbox', { name: 'Param %' }).check();
  await page.getByRole('checkbox', { name: 'Mult-Adds' }).check();
  const ti = cli('summary', 'resnext50_32x4d', '--format', 'torchinfo', '--depth', '2', '--columns', 'output_size,num_params,params_percent,mult_adds');
  await copied('Copy as torchinfo text', ti);
  expect(ti).toBe(torchinfoText(buildLayerGraph(presetConfig('resnext50_32x4d')), { depth: 2, columns: ['output_size', 'num_params', 'params_percent', 'mult_adds'] }));
  expect(ti).toContain('Total mult-adds (G): 4.23\n');
  // No column: nothing to copy, and the view says why.
  for (const c of ['Output Shape', 'Param #', 'Param %', 'Mult-Adds']) await page.getByRole('checkbox', { name: c, exact: true }).uncheck();
  await expect(page.getByRole('button', { name: 'Copy as torchinfo text' })).toBeDisabled();
  await expect(page.getByText('Choose at least one column.')).toBeVisible();

  // The layer list as Markdown, in the order and convention of the view.
  await copied('Copy as Markdown', cli('summary', 'resnext50_32x4d', '--format', 'markdown'));
  await page.getByRole('radio', { name: 'torchvision' }).check();
  await page.getByLabel('Counting convention').selectOption('fvcore');
  await copied('Copy as Markdown', cli('summary', 'resnext50_32x4d', '--format', 'markdown', '--order', 'torchvision', '--convention', 'fvcore'));

  // The block table as Markdown.
  await page.goto('/?view=table&preset=seresnext26d_32x4d');
  await copied('Copy as Markdown', cli('table', 'seresnext26d_32x4d', '--format', 'markdown'));

  // The compare view as Markdown (the view labels networks by their names in the picker).
  await page.goto('/?view=compare');
  await copied('Copy as Markdown', compareMarkdown(compare([
    { label: 'ResNet-50', config: presetConfig('resnet50') },
    { label: 'ResNeXt-50 (32x4d)', config: presetConfig('resnext50_32x4d') },
  ])));

  // The network as PyTorch code, from the configure panel.
  await page.getByLabel('Preset', { exact: true }).selectOption('resnext29_8x64d');
  await copied('Copy as PyTorch', cli('code', 'resnext29_8x64d'));
  await page.getByLabel('Preset', { exact: true }).selectOption('seresnext50_32x4d');
  await copied('Copy as PyTorch', "# SE-ResNeXt-50 (32x4d): 27,559,896 parameters (input 3x224x224, 1000 classes)\nimport timm\n\nmodel = timm.create_model('seresnext50_32x4d')\n");
});

test('forms (a)/(b)/(c) show the paper\'s numbers and the equivalence check agrees below 1e-4', async ({ page }) => {
  await page.goto('/?view=forms');
  const a = page.getByRole('article', { name: 'Form (a)' });
  const c = page.getByRole('article', { name: 'Form (c)' });
  await expect(a).toContainText('256x1x1x4 × 32');
  await expect(a).toContainText('32 x (256 x 1 x 1 x 4) = 32,768');
  await expect(c).toContainText('256x1x1x128');
  await expect(c).toContainText('32 x (4 x 3 x 3 x 4) = 4,608');
  for (const f of ['a', 'b', 'c']) await expect(page.getByTestId(`form-${f}-params`)).toHaveText('70,144');
  const result = page.getByRole('region', { name: 'Equivalence check result' });
  // The CPU backends: deterministic and quick on any machine (webgpu agrees too, but on a GPU-less
  // runner its software adapter takes over a minute to compile the kernels).
  for (const backend of ['wasm', 'cpu']) {
    await page.getByLabel('Backend').selectOption(backend);
    await page.getByRole('button', { name: 'Run equivalence check' }).click();
    await expect(result).toBeVisible({ timeout: 90_000 });
    await expect(result).toContainText(`on ${backend},`);
    for (const pair of ['ab', 'ac', 'bc']) {
      const v = Number(await page.getByTestId(`diff-${pair}`).textContent());
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeLessThan(1e-4);
    }
    await expect(result).toContainText('Equal within float32 rounding');
    await expect(result.getByRole('row')).toHaveCount(4);
  }
  // The check runs the block the diagrams show (the last one by default: no shortcut conv).
  await expect(result).toContainText('ran block layer1.2');
  await expect(result.getByRole('row').nth(1)).toContainText('71,168');
  await page.getByLabel('Stage').selectOption('2');
  await expect(page).toHaveURL(/fs=2/);
  await expect(result).toBeHidden();
  await page.getByLabel('Stage').selectOption('1');
  await screens(page, 'forms');
  // Dark theme follows the system.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect(page.locator('html')).toHaveCSS('background-color', 'rgb(15, 19, 25)');
  await expect(page.getByLabel('Cardinality')).toBeVisible();
  await page.screenshot({ path: `${SCREENS}/forms-dark-1280x800.png` });
  publish('forms-dark-1280x800.png');
});

test('compare shows two or more presets side by side with charts and differences', async ({ page }) => {
  await page.goto('/?view=compare');
  const diff = page.getByRole('table', { name: 'Differences', exact: true });
  await expect(diff.getByRole('row', { name: /ResNet-50/ })).toContainText('25,557,032');
  await expect(diff.getByRole('row', { name: /ResNeXt-50 \(32x4d\)/ })).toContainText('25,028,904');
  await expect(diff.getByRole('row', { name: /ResNeXt-50 \(32x4d\)/ })).toContainText('−528,128');
  await page.getByLabel('Add network').selectOption('resnext101_64x4d');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(diff.getByRole('row', { name: /ResNeXt-101 \(64x4d\)/ })).toContainText('83,455,272');
  await expect(page).toHaveURL(/cmp=resnet50%2Cresnext50_32x4d%2Cresnext101_64x4d/);
  await expect(page.getByRole('img', { name: 'Params per stage per stage' })).toBeVisible();
  const scatter = page.getByRole('img', { name: 'Scatter of params against MACs' });
  await expect(scatter).toContainText('top-1 err 22.2% (T3)');
  await expect(scatter).toContainText('C10 3.65% / C100 17.77% err');
  await page.getByRole('button', { name: 'Remove ResNeXt-101 (64x4d)' }).click();
  await expect(diff.getByRole('row')).toHaveCount(3);
  await screens(page, 'compare');
});

test('run: no prediction without weights, fixture weights from a routed URL, top-5 for a JPEG and a PNG, a clear error for a non-image', async ({ page, context }) => {
  // A long flow on a software WebGPU adapter (SwiftShader): about 1.5 min alone, more on a busy machine.
  test.setTimeout(300_000);
  await context.route('https://weights.invalid/**', async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    await route.fulfill({
      status: 200,
      body: readFileSync(`fixtures/weights/${name}`),
      headers: { 'content-type': 'application/octet-stream', 'access-control-allow-origin': '*' },
    });
  });
  // The catalogued ResNet-50 URL answers with a tiny network's file: loading it must check it against ResNet-50.
  const r50 = requirePretrained('resnet50.tv_in1k');
  await context.route(r50.url, (route) => route.fulfill({
    status: 200,
    body: readFileSync('fixtures/weights/tiny_resnet.safetensors'),
    headers: { 'content-type': 'application/octet-stream', 'access-control-allow-origin': '*' },
  }));
  await page.goto('/?view=run');
  await expect(page.getByRole('radiogroup', { name: 'Backend' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('radio', { name: /^cpu/ })).toBeEnabled();

  await page.getByLabel('Choose an image or drop it here').setInputFiles('fixtures/images/test.jpg');
  await expect(page.getByRole('alert').filter({ hasText: 'A prediction needs weights' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Top-5 classes' })).toHaveCount(0);

  // The catalogue is a searchable list: a page of entries, the proposed one (the configured network's) first;
  // each with its accuracy, preprocessing, licence and size.
  const catalogue = page.getByRole('list', { name: /^Checkpoint catalogue/ });
  await expect(catalogue.getByRole('listitem')).toHaveCount(8);
  await expect(page.getByText(`Showing 8 of ${CATALOGUE.entries.length} matching checkpoints`)).toBeVisible();
  await expect(catalogue.getByRole('listitem').first()).toHaveAccessibleName(checkpointsOf('resnext50_32x4d')[0].label);
  const search = page.getByLabel('Search the catalogue');
  await search.fill('resnet50.tv');
  await expect(catalogue.getByRole('listitem')).toHaveCount(CATALOGUE.entries.filter((e) => e.tag.includes('resnet50.tv')).length);
  const v2 = catalogue.getByRole('listitem', { name: 'ResNet-50, torchvision V2', exact: true });
  await expect(v2).toContainText('80.858% / 95.434%');
  await expect(v2).toContainText('torchvision 0.14 weights metadata');
  await expect(v2).toContainText('232 → 224, bilinear');
  await expect(v2).toContainText('BSD 3-Clause');
  await expect(v2).toContainText('102 MB');
  await search.fill('wsl 32x16d');
  await expect(catalogue.getByRole('listitem', { name: /Facebook WSL/ })).toContainText('non-commercial');
  await search.fill('');
  await page.getByLabel('Architecture family').selectOption({ label: 'Squeeze-and-excitation (timm)' });
  await page.getByLabel('Licence', { exact: true }).selectOption({ label: 'Apache 2.0' });
  await search.fill('racm');
  await expect(catalogue.getByRole('listitem', { name: /SE-ResNeXt-50 \(32x4d\), timm RACM/ })).toContainText('256 → 224, bicubic');
  await search.fill('no such checkpoint');
  await expect(page.getByText('No checkpoint matches')).toBeVisible();
  await page.getByLabel('Architecture family').selectOption({ index: 0 });
  await page.getByLabel('Licence', { exact: true }).selectOption({ index: 0 });
  await search.fill('resnet50.tv');

  // The configured preset's catalogued weights are proposed; any other URL can be typed.
  const catalogued = checkpointsOf('resnext50_32x4d')[0];
  await expect(page.getByLabel('Weights URL (.safetensors or .pth)')).toHaveValue(catalogued.url);
  await expect(page.getByLabel('Pretrained weights')).toHaveValue(catalogued.url);
  await expect(page.locator('#weights-entry')).toContainText('Preprocessing: bicubic resize of the shorter side to 235, centre crop 224×224');
  await expect(page.locator('#weights-entry')).toContainText('Classification uses its test input size: bicubic resize of the shorter side to 288, centre crop 288×288');
  await page.getByLabel('Pretrained weights').selectOption(r50.url);
  await expect(page.getByLabel('Weights URL (.safetensors or .pth)')).toHaveValue(r50.url);
  // From the keyboard: a catalogue row's button chooses it.
  await page.getByRole('button', { name: 'Choose ResNet-50, torchvision V2' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Weights URL (.safetensors or .pth)')).toHaveValue(requirePretrained('resnet50.tv2_in1k').url);
  await expect(page.locator('#weights-entry')).toContainText('bilinear resize of the shorter side to 232, centre crop 224×224');
  await expect(page.locator('#weights-entry')).toContainText('top-1 80.858%');
  await page.getByLabel('Pretrained weights').selectOption(r50.url);
  await page.getByRole('button', { name: 'Load weights' }).click();
  // Refused by the catalogue's SHA-256 where it records one, else by the strict check of the network.
  await expect(page.getByRole('alert').filter({ hasText: 'Could not load the weights' })).toContainText(r50.hub.sha256 ? `not the catalogue's ${r50.hub.sha256}` : 'do not fit the network', { timeout: 60_000 });

  await page.getByLabel('Weights URL (.safetensors or .pth)').fill('https://weights.invalid/tiny_resnext.safetensors');
  await expect(page.getByLabel('Pretrained weights')).toHaveValue('');
  await page.getByRole('button', { name: 'Load weights' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('10 classes', { timeout: 60_000 });
  const top = page.getByRole('list', { name: 'Top-5 classes' });
  await expect(top.getByRole('listitem')).toHaveCount(5, { timeout: 60_000 });
  const probs = (await top.locator('.num').allTextContents()).map((t) => parseFloat(t));
  expect(probs.every((p, i) => i === 0 || p <= probs[i - 1])).toBe(true);
  await expect(page.getByRole('img', { name: 'Preprocessed 224×224 crop' })).toBeVisible();
  await expect(page.getByText('Top-5 for “test.jpg”')).toBeVisible();
  await expect(page.getByText(/^Latency [\d.]+ ms on (webgpu|webgl|wasm|cpu)/)).toBeVisible();
  // Weights outside the catalogue get the default preprocessing, and any of the catalogue's can be chosen.
  await expect(page.getByText(/^bilinear resize of the shorter side to 256, centre crop 224×224, .*\(the default: these weights are not in the catalogue/)).toBeVisible();
  const a1h = evalPreprocess(requirePretrained('resnext50_32x4d.a1h_in1k'));
  const same = CATALOGUE.entries.filter((e) => JSON.stringify(evalPreprocess(e)) === JSON.stringify(a1h));
  await page.getByLabel('Preprocessing', { exact: true }).selectOption({ label: `${cropNote(a1h)} (${same[0].tag} and ${same.length - 1} more)` });
  await expect(page.getByText(/^bicubic resize of the shorter side to 288, centre crop 288×288, .*\(chosen below\)/)).toBeVisible();
  await expect(top.getByRole('listitem')).toHaveCount(5, { timeout: 60_000 });
  await page.getByLabel('Preprocessing', { exact: true }).selectOption({ index: 0 });

  // The PNG arrives by drag and drop.
  const png = readFileSync('fixtures/images/test.png').toString('base64');
  await page.locator('.drop').evaluate((zone, b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], 'test.png', { type: 'image/png' }));
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, png);
  await expect(page.getByText('Top-5 for “test.png”')).toBeVisible({ timeout: 60_000 });
  await expect(top.getByRole('listitem')).toHaveCount(5);

  await page.getByLabel('Choose an image or drop it here').setInputFiles('fixtures/images/not-an-image.jpg');
  await expect(page.getByRole('alert').filter({ hasText: 'not-an-image.jpg' })).toContainText('not an image');
  await expect(page.getByRole('list', { name: 'Top-5 classes' })).toHaveCount(0);

  await page.getByLabel('Load from file').setInputFiles('fixtures/weights/tiny_resnet.pth');
  await expect(page.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('tiny_resnet.pth', { timeout: 60_000 });
  await page.getByLabel('Runs').fill('3');
  await page.getByRole('button', { name: 'Benchmark' }).click();
  await expect(page.getByRole('list', { name: 'Time per stage' }).getByRole('listitem').first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('Median')).toBeVisible();
  await page.getByLabel('Choose an image or drop it here').setInputFiles('fixtures/images/test.jpg');
  await expect(top.getByRole('listitem')).toHaveCount(5, { timeout: 60_000 });

  // In the browser, PyTorch's top-5 (fixtures/images/top5): a 1000-class network, PNGs decoded as Pillow
  // decodes them (a 16-bit greyscale one too), each checkpoint preprocessing applied by the worker.
  const top5 = JSON.parse(readFileSync('fixtures/images/top5/index.json', 'utf8')) as { cases: { image: string; pretrained: string; top5: { label: string }[] }[] };
  await page.getByLabel('Load from file').setInputFiles('fixtures/images/top5/tiny_imagenet.safetensors');
  await expect(page.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('1000 classes', { timeout: 60_000 });
  const labels = async () => (await top.getByRole('listitem').allTextContents()).map((t) => t.replace(/\s*#\d+.*$/, ''));
  for (const [file, name] of [['fixtures/images/top5/photo_grey16.png', 'photo_grey16.png'], ['fixtures/images/test.png', '../test.png']]) {
    await page.getByLabel('Choose an image or drop it here').setInputFiles(file);
    for (const [tag, option] of [['resnet50.tv_in1k', 0], ['resnet50d.ra2_in1k', '256 → 224, bicubic']] as const) {
      const value = typeof option === 'number' ? '' : await page.locator('#preprocess-choice option', { hasText: option }).getAttribute('value');
      await page.getByLabel('Preprocessing', { exact: true }).selectOption(value!);
      const want = top5.cases.find((c) => c.image === name && c.pretrained === tag)!.top5.map((t) => t.label);
      await expect.poll(labels, { timeout: 60_000 }).toEqual(want);
    }
  }
  await expect(page.getByText('Class names: imagenet-1k (assumed from the 1000 outputs).')).toBeVisible();
  await fullPageShot(page, `${SCREENS}/run-1280x800.png`);
  publish('run-1280x800.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await fullPageShot(page, `${SCREENS}/run-dark-1280x800.png`);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByText('Configure', { exact: true }).click();
  await expect(page.getByLabel('Cardinality')).toBeHidden();
  await page.getByRole('tab', { name: 'Run' }).scrollIntoViewIfNeeded();
  await fullPageShot(page, `${SCREENS}/run-390x844.png`);
  publish('run-390x844.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await fullPageShot(page, `${SCREENS}/run-dark-390x844.png`);
});

test('Run and Explain describe the weights actually loaded, whichever view loaded them; no catalogue entry stays chosen for a file', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=run&backend=wasm');
  const run = page.getByRole('tabpanel');
  await expect(run.getByRole('radiogroup', { name: 'Backend' })).toBeVisible({ timeout: 60_000 });
  const catalogue = run.getByRole('list', { name: /^Checkpoint catalogue/ });
  const proposed = checkpointsOf('resnext50_32x4d')[0];
  // Before any load: the configured preset's checkpoint is proposed, described and chosen.
  await expect(run.locator('#weights-entry')).toContainText(proposed.hub.repo);
  await expect(catalogue.getByRole('button', { pressed: true })).toHaveAccessibleName(`Choose ${proposed.label}`);

  await run.getByLabel('Load from file').setInputFiles('fixtures/weights/tiny_resnext.safetensors');
  await expect(run.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('tiny_resnext.safetensors', { timeout: 60_000 });
  await expect(run.locator('#weights-entry')).toHaveCount(0);
  await expect(catalogue.getByRole('button', { pressed: true })).toHaveCount(0);
  await expect(run.getByLabel('Weights URL (.safetensors or .pth)')).toHaveValue('');

  // The Explain view describes the same weights at once, without being told.
  await page.getByRole('tab', { name: 'Explain' }).click();
  const xp = page.getByRole('tabpanel');
  await expect(xp.getByRole('status').filter({ hasText: 'Explaining' })).toContainText('10 classes');
  await expect(xp.getByRole('status').filter({ hasText: 'Explaining' })).toContainText('tiny_resnext.safetensors');
  // Weights loaded there are the Run view's too.
  await xp.getByRole('button', { name: 'Use random weights (resnext50_32x4d)' }).click();
  await expect(xp.getByRole('status').filter({ hasText: 'Explaining' })).toContainText('random weights (seed 1)', { timeout: 60_000 });
  await page.getByRole('tab', { name: 'Run' }).click();
  await expect(run.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('from random weights (seed 1)');
  await expect(run.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('ResNeXt-50 (32x4d), 1000 classes');
});

test('a malformed link falls back to a valid network with a notice, and the URL is corrected', async ({ page }) => {
  await page.goto('/?view=layers&preset=resnet9000&C=abc&depths=3,,x&conv=nope');
  const notice = page.getByRole('status', { name: 'Notice' });
  await expect(notice).toContainText('Unknown preset "resnet9000"');
  await expect(notice).toContainText('cardinality must be a positive integer, got "abc"');
  await expect(notice).toContainText('Unknown counting convention "nope"');
  await expect(page.getByRole('tab', { name: 'Layers' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('174 rows')).toBeVisible();
  await expect(page).toHaveURL(/\?view=layers$/);
  await page.goto('/?preset=resnet18&C=32');
  await expect(page.getByRole('status', { name: 'Notice' })).toContainText('a basic block supports only cardinality 1');
  await expect(totalParams(page)).toHaveText('11,689,512');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByRole('status', { name: 'Notice' })).toHaveCount(0);
  await page.goto('/?view=layers&preset=resnet9000');
  await expect(page.getByRole('status', { name: 'Notice' })).toBeVisible();
  await screens(page, 'notice', { reload: false });
});

test('the first screen loads no inference code, and the tabs work from the keyboard', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto('/');
  await expect(totalParams(page)).toHaveText('25,028,904');
  expect(requests.filter((u) => /worker|tfjs|client|\.wasm/.test(u))).toEqual([]);
  await page.getByRole('tab', { name: 'Block table' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Layers' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'Layers' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Explain' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(page).toHaveURL(/\/$/);
});

test('the forms check refuses C = 65,536 before it starts, and a long check can be cancelled without holding the engine', async ({ page }) => {
  test.setTimeout(300_000);
  const runButton = page.getByRole('button', { name: 'Run equivalence check' });
  // Form (a) as 65,536 paths never finished: refused, with the reason beside the button.
  await page.goto('/?view=forms&preset=resnext29_8x64d&C=65536&d=1');
  await expect(page.getByTestId('form-c-params')).toBeVisible();
  await expect(runButton).toBeDisabled();
  await expect(page.getByText(/the forms check builds form \(a\) as C = 65,536 separate paths, over the 1,024 it can run/)).toBeVisible();
  // 1,024 paths of 4 channels on the cpu backend: minutes of work, cancelled after it starts.
  await page.goto('/?view=forms&preset=resnext29_8x64d&C=1024&d=4&backend=cpu');
  await runButton.click();
  const cancel = page.getByRole('button', { name: 'Cancel' });
  await expect(cancel).toBeVisible();
  await page.waitForTimeout(3000);
  await cancel.click();
  await expect(cancel).toBeHidden();
  await expect(runButton).toBeEnabled();
  await expect(page.getByRole('alert')).toHaveCount(0);
  // The engine is free at once: a small check runs to its end.
  await page.getByLabel('Cardinality').fill('4');
  await expect(page).toHaveURL(/C=4&/);
  await runButton.click();
  const result = page.getByRole('region', { name: 'Equivalence check result' });
  await expect(result).toContainText('Equal within float32 rounding', { timeout: 90_000 });
});
