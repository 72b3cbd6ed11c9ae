/**
 * A checkpoint dropped on any view becomes the app's network: a timm and a torchvision fixture dropped
 * on the Block table view, each view then showing the inferred network, the URL recording it and the
 * file's name, and the weights loaded for Run and Explain; the masthead's picker; a file of another
 * network says what it holds.
 */
import { offline } from '../test/support/screenshot.ts';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { openWeights } from '../src/model/weights/open.ts';
import { numel } from '../src/model/graph.ts';
import { thousands } from '../src/analysis/format.ts';

const DIR = 'fixtures/weights';
const SCREENS = 'test-results/screens';
const DOCS = 'docs/screenshots';

/** The viewport as shown (the masthead, the status line, the view's top), under test-results/screens (and docs/screenshots with DOCS_SCREENSHOTS=1). */
async function shoot(page: Page, file: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}/${file}` });
  if (process.env.DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(`${SCREENS}/${file}`, `${DOCS}/${file}`);
  }
}

test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

/** The learnable numbers the file holds, from its own shapes (BatchNorm's running statistics left out). */
function fileParams(path: string): number {
  let n = 0;
  for (const [key, t] of openWeights(new Uint8Array(readFileSync(path)), basename(path)).entries) {
    if (!/running_(mean|var)$|num_batches_tracked$/.test(key)) n += numel(t.shape);
  }
  return n;
}

/** Drags a file over `target` (the drop overlay shows) and drops it there, as the browser does. */
async function drop(page: Page, target: Locator, path: string): Promise<void> {
  const data = readFileSync(path).toString('base64');
  const transfer = await page.evaluateHandle(({ data, name }) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name));
    return dt;
  }, { data, name: basename(path) });
  await target.dispatchEvent('dragenter', { dataTransfer: transfer });
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await expect(page.getByText('Drop the .pth or .safetensors checkpoint: the app becomes its network')).toBeVisible();
  await target.dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByText('Drop the .pth or .safetensors checkpoint: the app becomes its network')).toHaveCount(0);
}

const status = (page: Page) => page.getByRole('status', { name: 'Checkpoint' });

/** Every view shows the network of `file`: its parameter count where a view states one, its stages, its classes. */
async function everyViewShows(page: Page, file: string, classes: number): Promise<void> {
  const params = thousands(fileParams(`${DIR}/${file}`));
  const panel = page.getByRole('tabpanel');
  const tab = (name: string) => page.getByRole('tab', { name, exact: true }).click();
  await tab('Block table');
  await expect(panel.getByTestId('total-params')).toHaveText(params);
  await tab('Layers');
  await expect(panel).toContainText(`Totals: ${params} params`);
  // The MACs the layer list states for it, which the Cost view states too.
  const macs = /Totals: [\d,]+ params, ([\d,]+) MACs/.exec(await panel.innerText())![1];
  await tab('Graph');
  const tree = panel.getByRole('tree', { name: /^Network graph/ });
  await expect(tree.getByRole('treeitem', { name: /^layer1 \(conv2\).*\b1 block\b/ })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: /^layer5/ })).toHaveCount(0);
  await tab('Compare');
  await expect(panel.getByRole('table').first()).toContainText(params);
  await tab('Cost');
  await expect(panel.getByText(macs, { exact: true })).toBeVisible();
  await tab('Run');
  await expect(panel.getByRole('status').filter({ hasText: 'Loaded' })).toContainText(file, { timeout: 120_000 });
  await expect(panel.getByRole('status').filter({ hasText: 'Loaded' })).toContainText(`${classes} classes`);
  await expect(panel.getByRole('button', { name: 'Configure the weights\' network' })).toHaveCount(0);
  await tab('Explain');
  await expect(panel.getByRole('status').filter({ hasText: 'Explaining' })).toContainText(file);
  await expect(panel.getByRole('button', { name: 'Use the weights\' network' })).toHaveCount(0);
  await tab('Forms');
  // One block per stage: the block picker offers only the first.
  await expect(panel.getByRole('combobox', { name: 'Block', exact: true }).getByRole('option')).toHaveCount(1);
  await expect(panel.getByRole('combobox', { name: 'Stage', exact: true }).getByRole('option')).toHaveCount(4);
}

test('a timm and a torchvision checkpoint dropped on the Block table view become the network of every view, weights loaded for Run and Explain', async ({ page }) => {
  test.setTimeout(480_000);
  await page.goto('/?view=table&backend=wasm');
  const panel = page.getByRole('tabpanel');

  await drop(page, panel, `${DIR}/tiny_seresnext_d.safetensors`);
  await expect(status(page)).toContainText(/tiny_seresnext_d\.safetensors: timm network of the family \(bottleneck blocks, depths 1,1,1,1, C=4, d=16\), 10 classes, [\d.]+ k params, 1\.67 MB\. Every view shows this network\./);
  await expect(status(page)).toContainText('Its weights are loaded: Run and Explain use them.', { timeout: 120_000 });
  let query = new URL(page.url()).searchParams;
  expect(query.get('ckpt')).toBe('tiny_seresnext_d.safetensors');
  expect([query.get('depths'), query.get('C'), query.get('d'), query.get('attn'), query.get('impl'), query.get('stem'), query.get('classes')])
    .toEqual(['1,1,1,1', '4', '16', 'se', 'timm', 'deep', '10']);
  await everyViewShows(page, 'tiny_seresnext_d.safetensors', 10);

  // The torchvision one, dropped on the Block table view again: the app becomes that network.
  await page.getByRole('tab', { name: 'Block table', exact: true }).click();
  await drop(page, panel, `${DIR}/tiny_resnet.pth`);
  await expect(status(page)).toContainText(/tiny_resnet\.pth: torchvision network of the family \(basic blocks, depths 1,1,1,1, C=1, d=64\), 7 classes/);
  await expect(status(page)).toContainText('Its weights are loaded', { timeout: 120_000 });
  query = new URL(page.url()).searchParams;
  expect([query.get('ckpt'), query.get('block'), query.get('classes'), query.get('impl')]).toEqual(['tiny_resnet.pth', 'basic', '7', null]);
  await everyViewShows(page, 'tiny_resnet.pth', 7);

  // The link records the network and names the file; opened again, it says how to load the weights.
  await page.reload();
  await expect(status(page)).toContainText('This link\'s network was inferred from the checkpoint tiny_resnet.pth; open or drop that file to load its weights.');
  await page.getByRole('tab', { name: 'Layers', exact: true }).click();
  await expect(page.getByRole('tabpanel')).toContainText(`Totals: ${thousands(fileParams(`${DIR}/tiny_resnet.pth`))} params`);
  // A config edit makes it another network: the file's name leaves the link.
  await page.getByRole('tab', { name: 'Block table', exact: true }).click();
  await page.getByLabel('Classes', { exact: true }).fill('8');
  await page.getByLabel('Classes', { exact: true }).blur();
  await expect.poll(() => new URL(page.url()).searchParams.get('ckpt')).toBe(null);
});

test('the masthead\'s picker opens a checkpoint; a file of another network, or not a checkpoint, says what it is', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=graph&backend=wasm');
  await page.getByLabel('Open a checkpoint').setInputFiles(`${DIR}/tiny_ecaresnet_t.pth`);
  await expect(status(page)).toContainText(/tiny_ecaresnet_t\.pth: timm network of the family/);
  expect(new URL(page.url()).searchParams.get('view')).toBe('graph');
  await expect(page.getByRole('tree', { name: /^Network graph/ })).toBeVisible();

  const other = Buffer.from(readFileSync(`${DIR}/tiny_resnet.safetensors`));
  const json = other.subarray(8, 8 + Number(other.readBigUInt64LE(0))).toString('utf8');
  // The same tensors under other names: a network this lab does not build.
  const renamed = json.replaceAll('"conv1.', '"features.0.').replaceAll('"fc.', '"classifier.');
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(Buffer.byteLength(renamed)));
  const foreign = Buffer.concat([header, Buffer.from(renamed), other.subarray(8 + Number(other.readBigUInt64LE(0)))]);
  await page.getByLabel('Open a checkpoint').setInputFiles({ name: 'other.safetensors', mimeType: 'application/octet-stream', buffer: foreign });
  await expect(status(page)).toContainText(/Could not open the checkpoint: other\.safetensors \(safetensors, [\d.]+ MB\) holds \d+ tensors \([\d.]+ k numbers; modules features, bn1, layer1, layer2, layer3, layer4, classifier\), not a network of this family: cannot infer the network: the file has no conv1\.weight/);
  await page.getByLabel('Open a checkpoint').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a checkpoint') });
  await expect(status(page)).toContainText(/Could not open the checkpoint: .*notes\.txt/);
  // The network shown is still the last checkpoint's.
  expect(new URL(page.url()).searchParams.get('ckpt')).toBe('tiny_ecaresnet_t.pth');
});

test('Explain offers the weights\' network, as Run does, when the weights it loaded are for another network', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=explain&backend=wasm');
  const xp = page.getByRole('tabpanel');
  await xp.getByLabel('Weights file').setInputFiles(`${DIR}/tiny_resnext.safetensors`);
  await expect(xp.getByRole('status').filter({ hasText: 'Explaining' })).toContainText('tiny_resnext.safetensors', { timeout: 120_000 });
  await expect(xp).toContainText('The weights are for another network than the one configured');
  await xp.getByRole('button', { name: 'Use the weights\' network' }).click();
  await expect(xp.getByRole('button', { name: 'Use the weights\' network' })).toHaveCount(0);
  const query = new URL(page.url()).searchParams;
  // Weights from a file: the link records it as the checkpoint the network came from.
  expect([query.get('depths'), query.get('classes'), query.get('ckpt')]).toEqual(['2,1,1,1', '10', 'tiny_resnext.safetensors']);
  await page.getByRole('tab', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('tabpanel').getByRole('status').filter({ hasText: 'Loaded' })).toContainText('tiny_resnext.safetensors', { timeout: 60_000 });
  await expect(page.getByRole('tabpanel').getByRole('button', { name: 'Configure the weights\' network' })).toHaveCount(0);
});

test('screenshots: the masthead\'s picker and what a checkpoint came to, light and dark, wide and phone, both languages; the drop overlay', async ({ page }) => {
  test.setTimeout(240_000);
  for (const lang of ['en', 'zh'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [w, h] of [[1280, 800], [390, 844]] as const) {
        await page.setViewportSize({ width: w, height: h });
        await page.goto(`/?view=table&backend=wasm&lang=${lang}`);
        await page.getByLabel(lang === 'en' ? 'Open a checkpoint' : '打开检查点').setInputFiles(`${DIR}/tiny_seresnext_d.safetensors`);
        await expect(status(page).or(page.getByRole('status', { name: '检查点' }))).toContainText(lang === 'en' ? 'Its weights are loaded' : '已加载', { timeout: 120_000 });
        await shoot(page, `checkpoint${lang === 'zh' ? '-zh' : ''}${scheme === 'dark' ? '-dark' : ''}-${w}x${h}.png`);
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/?view=layers');
  const transfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(8)], 'model.safetensors'));
    return dt;
  });
  await page.getByRole('tabpanel').dispatchEvent('dragenter', { dataTransfer: transfer });
  await page.getByRole('tabpanel').dispatchEvent('dragover', { dataTransfer: transfer });
  await expect(page.getByText('Drop the .pth or .safetensors checkpoint: the app becomes its network')).toBeVisible();
  await shoot(page, 'checkpoint-drop-1280x800.png');
});
