/**
 * What a new user tripped on (issue 21 §3), each checked where it was seen: the Compare view's scatter
 * with the largest presets, the roofline at phone width, the sample images of Run and Explain.
 * Screenshots under test-results/screens/ (docs/screenshots/ with DOCS_SCREENSHOTS=1).
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { offline, shoot } from '../test/support/screenshot.ts';

test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

const SIZES = [{ width: 1280, height: 800 }, { width: 390, height: 844 }] as const;

/** Every text of an SVG whose box leaves the SVG's own drawing (its viewBox), as "text: box". */
async function textsOutside(svg: Locator): Promise<string[]> {
  return svg.evaluate((el: SVGSVGElement) => {
    const vb = el.viewBox.baseVal;
    const out: string[] = [];
    for (const t of el.querySelectorAll('text')) {
      const b = t.getBBox();
      // A rotated text (the y axis title) is measured in its own frame: map its corners.
      const m = t.getCTM();
      const root = el.getCTM();
      const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]].map(([x, y]) => {
        const p = new DOMPoint(x, y).matrixTransform(m!).matrixTransform(root!.inverse());
        return [p.x, p.y];
      });
      const xs = corners.map((c) => c[0]);
      const ys = corners.map((c) => c[1]);
      if (Math.min(...xs) < vb.x - 0.5 || Math.max(...xs) > vb.x + vb.width + 0.5 || Math.min(...ys) < vb.y - 0.5 || Math.max(...ys) > vb.y + vb.height + 0.5) {
        out.push(`${t.textContent}: ${Math.min(...xs).toFixed(0)},${Math.min(...ys).toFixed(0)} – ${Math.max(...xs).toFixed(0)},${Math.max(...ys).toFixed(0)} in ${vb.width}x${vb.height}`);
      }
    }
    return out;
  });
}

/** The element's box lies within the page's width and is not clipped by a scrolling ancestor. */
async function wholeOnScreen(el: Locator): Promise<void> {
  const clipped = await el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    if (r.left < -0.5 || r.right > document.documentElement.clientWidth + 0.5) return `outside the page: ${r.left}–${r.right}`;
    for (let a = node.parentElement; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === 'visible') continue;
      const c = a.getBoundingClientRect();
      if (r.left < c.left - 0.5 || r.right > c.right + 0.5) return `clipped by ${a.className}: ${r.left}–${r.right} in ${c.left}–${c.right}`;
    }
    return '';
  });
  expect(clipped).toBe('');
}

test('compare: the scatter keeps the largest presets\' labels, its heading and legend in sight, wide and on a phone, in both languages', async ({ page }) => {
  for (const lang of ['en', 'zh'] as const) {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.goto(`/?view=compare&lang=${lang}&cmp=resnetrs420,regnet_y_128gf,senet154`);
      const figure = page.locator('figure.scatter');
      const svg = figure.locator('svg');
      await expect(svg.locator('text.label')).toHaveCount(await svg.locator('circle').count());
      // The highlighted networks are the largest in the family: their labels are the top of the column.
      for (const label of ['ResNet-RS-420', 'RegNetY-128GF (torchvision)', 'SENet-154']) {
        await expect(svg.locator('text.label', { hasText: new RegExp(`^${label.replace(/[()]/g, '\\$&')}`) })).toHaveCSS('font-weight', '700');
      }
      expect(await textsOutside(svg), `${lang} ${size.width}`).toEqual([]);
      await wholeOnScreen(figure.locator('h3'));
      for (const item of await figure.locator('.legend span').all()) await wholeOnScreen(item);
      // Drawn at the page's scale: the labels are as legible as the text around them.
      const scale = await svg.evaluate((el: SVGSVGElement) => el.getBoundingClientRect().width / el.viewBox.baseVal.width);
      expect(scale).toBeCloseTo(1, 2);
      const name = lang === 'en' ? 'Scatter of params against MACs' : '参数量对 MACs 的散点图';
      if (size.width === 390) {
        // Wider than a phone: a line says the chart goes on, and the frame scrolls by keyboard.
        await expect(figure.getByText(lang === 'en' ? 'The chart goes on to the right: scroll it sideways →' : '图表右侧还有内容：左右滑动查看 →')).toBeVisible();
        const region = figure.getByRole('region', { name });
        await region.focus();
        for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
        await expect.poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
        // At the far right (the whole label column in sight) the line points back.
        await region.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
        await expect(figure.getByText(lang === 'en' ? '← The chart goes on to the left: scroll it back' : '← 图表左侧还有内容：滑回去查看')).toBeVisible();
      } else {
        await expect(figure.getByRole('region', { name })).toHaveCount(0);
      }
      if (lang === 'en') await shoot(page, `compare-scatter-${size.width}x${size.height}.png`);
    }
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/?view=compare&lang=zh&cmp=resnetrs420,regnet_y_128gf,senet154');
  await expect(page.locator('figure.scatter text.label').first()).toBeVisible();
  await shoot(page, 'compare-scatter-zh-dark-390x844.png');
});

async function rooflineFits(page: Page): Promise<void> {
  const svg = page.locator('figure.roofline svg');
  await expect(svg).toBeVisible();
  // No sideways scrolling, in the chart nor the page, and the text drawn at the page's scale.
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  for (const frame of [page.locator('figure.roofline'), page.locator('figure.roofline .plot')]) {
    expect(await frame.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
  }
  await wholeOnScreen(svg);
  expect(await textsOutside(svg)).toEqual([]);
  const scale = await svg.evaluate((el: SVGSVGElement) => el.getBoundingClientRect().width / el.viewBox.baseVal.width);
  expect(scale).toBeGreaterThan(0.95);
}

test('cost: at phone width the roofline fits the screen, legible, in both languages and by keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const lang of ['en', 'zh'] as const) {
    await page.goto(`/?view=cost&lang=${lang}&preset=resnext101_32x8d`);
    await rooflineFits(page);
    // Its dots are still reachable by keyboard.
    const group = page.locator('figure.roofline').getByRole('group');
    await group.getByRole('img').first().focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('figure.roofline .dot-detail strong')).toBeVisible();
    await shoot(page, `cost-roofline-${lang}-390x844.png`);
  }
  // Turned sideways and back, it follows the width it has.
  await page.setViewportSize({ width: 844, height: 390 });
  await rooflineFits(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await rooflineFits(page);
});

test('sample photos: one click puts one in place in Run and Explain; with weights loaded it is classified as the same file chosen by hand', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?view=run&backend=wasm');
  await expect(page.getByRole('radiogroup', { name: 'Backend' })).toBeVisible({ timeout: 60_000 });
  const samples = page.getByRole('group', { name: 'Or try a sample photo:' });
  await expect(samples.getByRole('button')).toHaveCount(3);
  await expect(page.getByText('Sample photos from scikit-image\'s data: Chelsea the cat (Stefan van der Walt, CC0); A cup of coffee (Rachel Michetti (Pikolo Espresso Bar), CC0); Astronaut Eileen Collins (NASA, public domain).')).toBeVisible();
  // The thumbnails are the photos themselves, decoded.
  for (const img of await samples.locator('img').all()) {
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThanOrEqual(320);
  }
  const cat = samples.getByRole('button', { name: 'Use the sample photo: Chelsea the cat' });
  await cat.click();
  await expect(cat).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('alert').filter({ hasText: 'A prediction needs weights' })).toContainText('“chelsea.jpg”');

  await page.getByLabel('Load from file').setInputFiles('fixtures/images/top5/tiny_imagenet.safetensors');
  await expect(page.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('1000 classes', { timeout: 60_000 });
  const top = page.getByRole('list', { name: 'Top-5 classes' });
  await expect(page.getByText('Top-5 for “chelsea.jpg”')).toBeVisible({ timeout: 60_000 });
  await expect(top.getByRole('listitem')).toHaveCount(5);
  await expect(page.getByRole('img', { name: 'Preprocessed 224×224 crop' })).toBeVisible();
  const read = async () => (await top.getByRole('listitem').allTextContents()).join(' | ');
  const fromSample = await read();
  await shoot(page, 'run-sample-1280x800.png');

  // Another photo, then the cat's file by the file picker: the same top-5 as the sample (it is that file).
  await samples.getByRole('button', { name: 'Use the sample photo: A cup of coffee' }).click();
  await expect(page.getByText('Top-5 for “coffee.jpg”')).toBeVisible({ timeout: 60_000 });
  await page.getByLabel('Choose an image or drop it here').setInputFiles({ name: 'my-cat.jpg', mimeType: 'image/jpeg', buffer: readFileSync('src/app/samples/chelsea.jpg') });
  await expect(page.getByText('Top-5 for “my-cat.jpg”')).toBeVisible({ timeout: 60_000 });
  expect(await read()).toBe(fromSample);
  // A file of one's own is no sample: none is shown chosen.
  await expect(samples.getByRole('button', { pressed: true })).toHaveCount(0);

  // Explain holds the same weights: one click on a sample and its top-5 and maps follow, by keyboard too.
  await page.getByRole('tab', { name: 'Explain' }).click();
  const view = page.getByRole('tabpanel');
  const xpSamples = view.getByRole('group', { name: 'Or try a sample photo:' });
  const astronaut = xpSamples.getByRole('button', { name: 'Use the sample photo: Astronaut Eileen Collins' });
  await astronaut.focus();
  await page.keyboard.press('Enter');
  await expect(astronaut).toHaveAttribute('aria-pressed', 'true');
  await expect(view.getByText('Top-5 for “astronaut.jpg”')).toBeVisible({ timeout: 90_000 });
  await expect(view.getByRole('list', { name: 'Top-5 classes' }).first().getByRole('listitem')).toHaveCount(5);
  await expect(view.getByRole('img', { name: 'Preprocessed 224×224 crop' })).toBeVisible();
  await shoot(page, 'explain-sample-1280x800.png');

  // At phone width, in Chinese and dark: the photos wrap, named in the page's language.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/?view=run&backend=wasm&lang=zh');
  const zh = page.getByRole('group', { name: '或者试试示例照片：' });
  await expect(zh.getByRole('button', { name: '使用示例照片：猫咪 Chelsea' })).toBeVisible({ timeout: 60_000 });
  for (const b of await zh.getByRole('button').all()) await wholeOnScreen(b);
  await expect(page.getByText(/^示例照片来自 scikit-image 的数据：/)).toBeVisible();
  for (const img of await zh.locator('img').all()) {
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThanOrEqual(320);
  }
  await shoot(page, 'run-samples-zh-dark-390x844.png');
});

/** The computed colour and background of the app's error style (`--error`), in the scheme in force. */
async function errorLook(page: Page): Promise<{ color: string; background: string }> {
  return page.evaluate(() => {
    const probe = document.createElement('p');
    probe.className = 'field-error';
    document.body.append(probe);
    const s = getComputedStyle(probe);
    const look = { color: s.color, background: s.backgroundColor };
    probe.remove();
    return look;
  });
}

test('neutral notices: "Measuring this browser" is a status in the text colour, not the error colour, light and dark', async ({ page }) => {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/?view=cost&device=browser&backend=cpu');
    const note = page.getByRole('status').filter({ hasText: /^Measuring this browser/ });
    await expect(note).toBeVisible();
    const error = await errorLook(page);
    const look = await note.evaluate((e) => ({ color: getComputedStyle(e).color, background: getComputedStyle(e).backgroundColor }));
    expect(look.color).not.toBe(error.color);
    expect(look.background).not.toBe(error.background);
    await expect(page.getByRole('alert')).toHaveCount(0);
  }
});

test('file pickers at phone width: the button and "no file chosen" whole, in English and Chinese, in Run and Explain', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const lang of ['en', 'zh'] as const) {
    for (const view of ['run', 'explain'] as const) {
      await page.goto(`/?view=${view}&lang=${lang}&backend=cpu`);
      const pickers = page.locator('#view-panel .file-picker');
      await expect(pickers.first()).toBeVisible({ timeout: 60_000 });
      expect(await pickers.count()).toBeGreaterThanOrEqual(2);
      for (const picker of await pickers.all()) {
        await expect(picker.locator('.file-button')).toHaveText(lang === 'en' ? 'Choose a file…' : '选择文件…');
        await expect(picker.locator('.file-name')).toHaveText(lang === 'en' ? 'no file chosen' : '未选择文件');
        for (const part of [picker.locator('.file-button'), picker.locator('.file-name')]) {
          await wholeOnScreen(part);
          // Not cut by an ellipsis: the text fits its box.
          expect(await part.evaluate((e) => e.scrollWidth - e.clientWidth), `${lang} ${view}`).toBeLessThanOrEqual(0);
        }
      }
    }
  }
  // A long file name is cut at the end of the line, and its whole name is the title.
  await page.goto('/?view=run&backend=cpu');
  const name = 'a-photo-with-a-very-long-name-taken-on-a-summer-afternoon.jpg';
  await page.getByLabel('Choose an image or drop it here').setInputFiles({ name, mimeType: 'image/jpeg', buffer: readFileSync('src/app/samples/coffee.jpg') });
  const shown = page.locator('#view-panel .file-name', { hasText: 'a-photo-with' });
  await expect(shown).toHaveAttribute('title', name);
  await wholeOnScreen(shown);
});
