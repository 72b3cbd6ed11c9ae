/**
 * The interface in Simplified Chinese: the switch, the URL and the page's `lang`; every view (with the
 * graph opened to a grouped conv's paths, the configure panel, a config error, the forms check, a cost control error, the run view's weights and a
 * refused weights file, the Explain view with random weights) scanned for any fragment of the English catalogue in its text, attributes and
 * accessible names; the torchsummary / torchinfo / Markdown / PyTorch copies and the CSV / JSON exports
 * byte-identical in both languages; the keyboard. Saves each view in Chinese at 1280x800 and 390x844
 * (test-results/screens/*-zh-*.png; DOCS_SCREENSHOTS=1 also refreshes docs/screenshots/). The assertions
 * do not depend on fonts: a page without CJK fonts draws boxes, but its text is the same.
 */
import { expect, test, type Page } from '@playwright/test';
import { fullPageShot, offline } from '../test/support/screenshot.ts';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { summarize, summaryCsv, summaryJson, torchsummaryText } from '../src/analysis/summary.ts';
import { torchinfoText, TORCHINFO_DEFAULTS } from '../src/analysis/torchinfo.ts';
import { summaryMarkdown, tableMarkdown, compareMarkdown } from '../src/analysis/markdown.ts';
import { blockTable } from '../src/analysis/table.ts';
import { compare } from '../src/analysis/compare.ts';
import { pytorchCode } from '../src/analysis/code.ts';
import { CITED_TITLES, containsFragment, englishFragments } from '../test/support/i18n.ts';

const SCREENS = 'test-results/screens';
const DOCS = 'docs/screenshots';
const TO_DOCS = process.env.DOCS_SCREENSHOTS === '1';
const FRAGMENTS = englishFragments();

test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

/** Every text of the page a person or a screen reader meets: text (hidden parts too), attributes, accessible names. */
async function pageText(page: Page): Promise<string> {
  const dom = await page.evaluate(() => {
    const parts: string[] = [];
    const walk = (el: Element) => {
      if (el.tagName === 'SCRIPT' || el.tagName === 'STYLE') return;
      for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description', 'aria-valuetext']) {
        const v = el.getAttribute(a);
        if (v && !(a === 'aria-label' && v === 'Language')) parts.push(v);
      }
      if (el instanceof HTMLSelectElement && el.getAttribute('aria-label') === 'Language') return;
      for (const n of el.childNodes) {
        if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent ?? '');
        else if (n.nodeType === Node.ELEMENT_NODE) walk(n as Element);
      }
    };
    walk(document.body);
    parts.push(document.title);
    return parts.join('\n');
  });
  // The accessible names and texts of the accessibility tree (its role keywords are ARIA's, not ours).
  const aria = (await page.locator('body').ariaSnapshot())
    .replace(/- combobox "Language"[^\n]*(\n\s+- option[^\n]*)*/g, '')
    .split('\n')
    .map((line) => /^\s*- [\w-]+(?: "((?:[^"\\]|\\.)*)")?(?: \[[^\]]*\])*:?\s*(.*)$/.exec(line))
    .flatMap((m) => (m ? [m[1] ?? '', m[2] ?? ''] : []))
    .join('\n');
  return `${dom}\n${aria}`;
}

/** Fails with every English fragment found while Chinese is on. */
async function expectNoEnglish(page: Page, where: string): Promise<void> {
  // Paper titles are cited as written; a quoted ASCII token ("layers", "abc") is a value of the link or the input, not prose.
  const text = CITED_TITLES.reduce((all, title) => all.split(title).join(' '), await pageText(page)).replace(/"[\w.,:-]*"/g, ' ');
  const found = FRAGMENTS.filter((f) => containsFragment(text, f.text)).map((f) => `${f.source}: "${f.text}"`);
  expect(found, `English on the Chinese page (${where})`).toEqual([]);
}

async function shots(page: Page, name: string, ready: () => Promise<void> = async () => {}): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  const size = page.viewportSize();
  for (const [w, h] of [[1280, 800], [390, 844]] as const) {
    await page.setViewportSize({ width: w, height: h });
    if (w === 390) {
      await page.reload();
      await expect(page.getByRole('tab', { selected: true })).toBeVisible();
      await expect(page.getByText('正在加载运行视图…')).toHaveCount(0);
      await ready();
    }
    const file = `${name}-zh-${w}x${h}.png`;
    await fullPageShot(page, `${SCREENS}/${file}`);
    if (TO_DOCS) {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(`${SCREENS}/${file}`, `${DOCS}/${file}`);
    }
  }
  if (size) {
    await page.setViewportSize(size);
    // Reloaded at the wide size, the page lays itself out again as a wide screen opens it (configuration open).
    await page.reload();
    await expect(page.getByRole('tab', { selected: true })).toBeVisible();
  }
}

test('every view in Chinese: no English catalogue string anywhere, the configure panel, errors and the run view included', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?lang=zh');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('combobox', { name: 'Language' })).toHaveValue('zh');
  await expect(page.getByRole('tab', { name: '块结构表' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('total-params')).toHaveText('25,028,904');
  await page.getByText('这些数字是怎么算出来的').click();
  await expectNoEnglish(page, 'block table');
  await shots(page, 'table');

  // The configure panel with a validator error and a parse error, in Chinese.
  await page.getByLabel('块类型').selectOption('basic');
  await expect(page.getByRole('status').filter({ hasText: '基础块只支持基数 1' })).toBeVisible();
  await page.getByLabel('基数').fill('abc');
  await expect(page.getByRole('status').filter({ hasText: '基数必须是正整数，实际为 "abc"' })).toBeVisible();
  await expect(page.getByText('在错误修正之前，各视图显示最后一个有效的网络。')).toBeVisible();
  await expectNoEnglish(page, 'configure panel with errors');
  await page.getByLabel('块类型').selectOption('bottleneck');
  await page.getByLabel('基数').fill('32');
  await expect(page.getByLabel('基数')).not.toHaveAttribute('aria-invalid', 'true');

  await page.getByRole('tab', { name: '逐层列表' }).click();
  await expect(page.getByRole('table', { name: '层列表' })).toBeVisible();
  await page.getByText('四种计数约定如何计数').click();
  await page.getByRole('table', { name: '层列表' }).getByRole('button', { name: 'Conv2d-1' }).first().click();
  await expect(page.getByLabel('所选层的公式')).toContainText('Cout × Cin/groups × k × k = 64 × 3 × 7 × 7 = 9,408');
  await expectNoEnglish(page, 'layers');
  await shots(page, 'layers');

  // The graph: a stage and a block opened by pointer, a grouped conv by keyboard, coloured by predicted time.
  await page.getByRole('tab', { name: '网络图' }).click();
  const tree = page.getByRole('tree', { name: /^网络图：显示 \d+ 个节点$/ });
  await expect(tree).toHaveAttribute('aria-label', '网络图：显示 6 个节点');
  await tree.getByRole('treeitem', { name: /^layer1（conv2）：3 个块 · 256×56×56$/ }).click();
  await tree.getByRole('treeitem', { name: /^layer1\.0：Bottleneck/ }).click();
  await tree.getByRole('treeitem', { name: 'layer1.0.conv3：Conv2d 1×1 · 128→256' }).focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect(tree.getByRole('treeitem', { name: /^layer1\.0\.conv2：/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(tree.getByRole('treeitem', { name: /^layer1\.0\.conv2：/ })).toHaveAccessibleName('layer1.0.conv2：Conv2d 3×3 · 128→128 · C=32 · 32 条分支，每条 4 个通道，3×3');
  await page.getByLabel('着色依据').selectOption('time');
  await expect(page.getByRole('group', { name: '色标' })).toContainText('预测时间');
  await expect(page.getByRole('region', { name: '所选节点' })).toContainText('32 条分支，每条 4 → 4 个通道');
  await expectNoEnglish(page, 'graph');
  await shots(page, 'graph', async () => {
    await expect(page.getByRole('tree', { name: /^网络图/ }).getByRole('treeitem', { name: /^layer1\.0\.conv2：/ })).toHaveAttribute('aria-expanded', 'true');
  });

  await page.getByRole('tab', { name: '三种形式' }).click();
  await page.getByLabel('后端').selectOption('cpu');
  await page.getByRole('button', { name: '运行等效性检验' }).click();
  const result = page.getByRole('region', { name: '等效性检验结果' });
  await expect(result).toBeVisible({ timeout: 120_000 });
  await expect(result).toContainText('在 float32 舍入误差内相等');
  await expect(page.getByText(/^\(a\) 到 \(b\)：32 个分支/)).toBeVisible();
  await expectNoEnglish(page, 'forms with the equivalence check');
  await shots(page, 'forms');

  await page.getByRole('tab', { name: '对比' }).click();
  await expect(page.getByRole('table', { name: '差异', exact: true })).toBeVisible();
  await expectNoEnglish(page, 'compare');
  await shots(page, 'compare');

  await page.getByRole('tab', { name: '开销' }).click();
  await expect(page.getByTestId('memory-verdict')).toContainText('装得下');
  await page.getByText(/^全部 \d+ 层：/).click();
  await page.getByText(/^设备参数及其来源/).click();
  await expectNoEnglish(page, 'cost');
  await shots(page, 'cost');
  await page.getByRole('textbox', { name: '批大小' }).fill('0');
  await expect(page.getByRole('alert').filter({ hasText: '批大小必须是正整数（1, 2, 3, ...），实际为 "0"' })).toBeVisible();
  await expect(page.getByText('在错误修正之前显示最后一个有效的结果。')).toBeVisible();
  await expectNoEnglish(page, 'cost with a control error');
  await page.getByRole('textbox', { name: '批大小' }).fill('32');


  await page.getByRole('tab', { name: '运行' }).click();
  const catalogue = page.getByRole('region', { name: /检查点目录/ });
  await expect(catalogue.getByRole('listitem').first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('radiogroup', { name: '后端' })).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#weights-entry')).toContainText('Hugging Face hub 上的 timm/resnext50_32x4d.a1h_in1k');
  // A file that is no weights file: the engine's error, in Chinese.
  await page.getByLabel('从文件加载').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a checkpoint') });
  await expect(page.getByRole('alert').filter({ hasText: '无法加载权重：notes.txt 不是本应用能读取的权重文件' })).toBeVisible({ timeout: 120_000 });
  await expectNoEnglish(page, 'run with a refused file');
  await shots(page, 'run', async () => {
    await expect(page.getByRole('radiogroup', { name: '后端' })).toBeVisible({ timeout: 120_000 });
    await expect(page.locator('#weights-entry')).toContainText('timm/resnext50_32x4d.a1h_in1k');
  });

  // The Explain view with random weights and an image: the maps by group, one map enlarged, the CAMs.
  await page.goto('/?lang=zh&view=explain&backend=wasm');
  const xp = page.getByRole('tabpanel');
  await expect(page.getByRole('tab', { name: '解释', selected: true })).toBeVisible();
  await xp.getByRole('button', { name: '使用随机权重（resnext50_32x4d）' }).click();
  await expect(xp.getByRole('note')).toContainText('这些特征图来自随机权重。', { timeout: 60_000 });
  await expect(xp.getByRole('status').filter({ hasText: '正在解释' })).toContainText('随机权重（种子 1）');
  await xp.getByLabel('选择一张图像，或拖放到这里').setInputFiles('fixtures/images/test.png');
  await expect(xp.getByText('“test.png”的 Top-5（随机权重：没有意义）')).toBeVisible({ timeout: 90_000 });
  await expect(xp.getByRole('group', { name: 'layer1.0.conv2 的通道特征图' }).getByRole('button')).toHaveCount(128, { timeout: 90_000 });
  await expect(xp.getByText(/^layer1\.0\.conv2：3x3 分组卷积，32 组，步长 1；输出 128×56×56；32 组，每组 4 个通道/)).toBeVisible();
  await xp.getByRole('checkbox', { name: '按组排列（32 条分支，每条 4 个通道）' }).check();
  await expect(xp.getByRole('table', { name: '每组统计' }).getByRole('row')).toHaveCount(33);
  await xp.getByRole('region', { name: '第 1 条分支（共 32 条）：通道 0–3' }).getByRole('button').first().click();
  await expect(xp.getByRole('region', { name: /^layer1\.0\.conv2 的通道 \d+$/ })).toBeVisible();
  await expect(xp.getByRole('list', { name: 'Top-5 类别的类激活图' }).getByRole('listitem')).toHaveCount(5);
  await expect(xp.getByTestId('sparsity')).toHaveText(/^ReLU 后的稀疏度：\d+\.\d % 的值 ≤ 0$/);
  await expectNoEnglish(page, 'explain with random weights, by group, a map enlarged');
  // The engine's weights live in this page: the phone-width shot resizes without a reload.
  mkdirSync(SCREENS, { recursive: true });
  for (const [w, h] of [[1280, 800], [390, 844]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await xp.getByRole('region', { name: '特征图' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const file = `explain-zh-${w}x${h}.png`;
    await page.screenshot({ path: `${SCREENS}/${file}` });
    if (TO_DOCS) {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(`${SCREENS}/${file}`, `${DOCS}/${file}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // A link with errors: the notices are in Chinese too.
  await page.goto('/?lang=zh&view=nowhere&C=abc&zoom=2');
  await expect(page.getByRole('status', { name: '提示' })).toContainText('链接已被调整。');
  await expect(page.getByRole('status', { name: '提示' })).toContainText('基数必须是正整数，实际为 "abc"');
  await expectNoEnglish(page, 'notices');
});

test('the design space in Chinese: no English catalogue string, a bad range, screenshots', async ({ page }) => {
  await page.goto('/?lang=zh&view=cost');
  await expect(page.getByRole('tab', { name: '开销' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('tab', { name: '设计空间' }).click();
  const sampled = () => expect(page.getByRole('status').filter({ hasText: '已采样 100 / 100 个网络。' })).toBeVisible({ timeout: 60_000 });
  await sampled();
  await expect(page.getByText(/其主体是 AnyNetX 空间中的一点/)).toBeVisible();
  await expectNoEnglish(page, 'design space with a ResNeXt');
  await page.getByLabel('预设', { exact: true }).selectOption('regnety_016');
  await expect(page.getByRole('img', { name: /^此 RegNet 的每块宽度/ })).toBeVisible();
  await sampled();
  await expectNoEnglish(page, 'design space');
  await shots(page, 'design-space', sampled);
  await page.getByRole('textbox', { name: '深度 d', exact: true }).fill('x');
  await expect(page.getByRole('alert').filter({ hasText: '范围格式不对' })).toBeVisible();
  await expectNoEnglish(page, 'design space with a bad range');
});

test('the switch, the page language and the URL round-trip the language; the browser\'s language is the default', async ({ page, browser, baseURL }) => {
  await page.goto('/?view=layers');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { name: /^Layers/ })).toBeVisible();
  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh');
  await expect(page).toHaveURL(/[?&]lang=zh(&|$)/);
  await expect(page).toHaveURL(/view=layers/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { name: /^逐层列表/ })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: /^逐层列表/ })).toBeVisible();
  await page.goBack();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { name: /^Layers/ })).toBeVisible();
  await page.goForward();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');

  // A browser that prefers Chinese opens in Chinese without `lang` in the link, and English is written when chosen.
  const context = await browser.newContext({ locale: 'zh-CN', baseURL });
  const zhPage = await context.newPage();
  await zhPage.goto('/');
  await expect(zhPage.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(zhPage.getByRole('tab', { name: '块结构表' })).toBeVisible();
  expect(new URL(zhPage.url()).search).toBe('');
  await zhPage.getByRole('combobox', { name: 'Language' }).selectOption('en');
  await expect(zhPage).toHaveURL(/[?&]lang=en(&|$)/);
  await expect(zhPage.getByRole('tab', { name: 'Block table' })).toBeVisible();
  await context.close();
});

test('copies and exports are byte-identical in both languages', async ({ page, context }) => {
  test.setTimeout(180_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const config = presetConfig('resnext50_32x4d');
  const seedSummary = summarize(buildLayerGraph(config, 'seed'));
  const outputs: Record<string, string[]> = {};
  const keep = (what: string, text: string) => (outputs[what] ??= []).push(text);
  const clip = () => page.evaluate(() => navigator.clipboard.readText());
  const download = async (button: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
    return readFileSync((await file.path())!, 'utf8');
  };
  const labels = {
    en: { summary: 'Copy as torchsummary text', markdown: 'Copy as Markdown', torchinfo: 'Copy as torchinfo text', pytorch: 'Copy as PyTorch', csv: 'Export CSV', json: 'Export JSON' },
    zh: { summary: '复制为 torchsummary 文本', markdown: '复制为 Markdown', torchinfo: '复制为 torchinfo 文本', pytorch: '复制为 PyTorch 代码', csv: '导出 CSV', json: '导出 JSON' },
  };
  for (const lang of ['en', 'zh'] as const) {
    const l = labels[lang];
    await page.goto(`/?view=layers&lang=${lang}`);
    await page.getByRole('button', { name: l.summary }).click();
    await expect(page.getByRole('status').filter({ hasText: lang === 'en' ? 'Copied' : '已复制' }).first()).toBeVisible();
    keep('torchsummary', await clip());
    await page.getByRole('button', { name: l.markdown }).click();
    await expect(page.getByRole('status').filter({ hasText: lang === 'en' ? 'Markdown tables' : 'Markdown 表格' })).toBeVisible();
    keep('layers markdown', await clip());
    await page.getByRole('button', { name: l.torchinfo }).click();
    await expect(page.getByRole('status').filter({ hasText: 'torchinfo 1.8.0' })).toBeVisible();
    keep('torchinfo', await clip());
    keep('csv', await download(l.csv));
    keep('json', await download(l.json));
    await page.getByRole('button', { name: l.pytorch }).click();
    await expect(page.getByRole('status').filter({ hasText: lang === 'en' ? 'Python that builds' : 'Python 代码' })).toBeVisible();
    keep('pytorch', await clip());
    await page.goto(`/?view=table&lang=${lang}`);
    await page.getByRole('button', { name: l.markdown }).click();
    await expect(page.getByRole('status').filter({ hasText: lang === 'en' ? 'Copied' : '已复制' })).toBeVisible();
    keep('table markdown', await clip());
    await page.goto(`/?view=compare&lang=${lang}`);
    await page.getByRole('button', { name: l.markdown }).click();
    await expect(page.getByRole('status').filter({ hasText: lang === 'en' ? 'Copied' : '已复制' })).toBeVisible();
    keep('compare markdown', await clip());
  }
  const expected: Record<string, string> = {
    torchsummary: torchsummaryText(seedSummary),
    'layers markdown': summaryMarkdown(seedSummary, buildLayerGraph(config, 'seed'), 'paper'),
    torchinfo: torchinfoText(buildLayerGraph(config, 'torchvision'), { depth: TORCHINFO_DEFAULTS.depth, columns: TORCHINFO_DEFAULTS.columns }),
    csv: summaryCsv(seedSummary),
    json: JSON.stringify(summaryJson(seedSummary), null, 2) + '\n',
    pytorch: pytorchCode(config),
    'table markdown': tableMarkdown(blockTable(buildLayerGraph(config), 'paper')),
    'compare markdown': compareMarkdown(compare([
      { label: 'ResNet-50', config: presetConfig('resnet50') },
      { label: 'ResNeXt-50 (32x4d)', config },
    ])),
  };
  for (const [what, [en, zh]] of Object.entries(outputs)) {
    expect(zh, what).toBe(en);
    expect(en, what).toBe(expected[what]);
    expect(/[\u4e00-\u9fff]/.test(zh), `${what} holds Chinese`).toBe(false);
  }
});

test('the keyboard works in Chinese: the tab strip, the layer list and the roofline', async ({ page }) => {
  await page.goto('/?lang=zh');
  await page.getByRole('tab', { name: '块结构表' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: '逐层列表' })).toBeFocused();
  await expect(page.getByRole('tab', { name: '逐层列表' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: '解释' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: '解释' })).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: '设计空间' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: '开销' })).toHaveAttribute('aria-selected', 'true');
  const chart = page.getByRole('group', { name: /屋顶线模型：.*个算子$/ });
  await chart.locator('circle').first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('figure.roofline .dot-detail')).toContainText('FLOP/字节');
  await expect(page.locator('figure.roofline .dot-detail')).toContainText('受限');
});
