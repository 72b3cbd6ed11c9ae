/**
 * Images in the browser (the engine worker through the harness page, and the Run and Explain views):
 * the EXIF orientation read as Pillow reads it (the default: PyTorch's numbers) and applied only when
 * asked, the same as the CLI; hostile headers (fixtures/images/hostile) refused before the browser
 * decodes them; the 12-byte OS/2 BMP header read by its size. References: fixtures/images/exif (Pillow
 * 9.4 and torchvision), made by tools/fixtures/image_safety_fixtures.py.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import type { RgbImage } from '../src/model/image/rgb.ts';
import { preprocessImage, type PreprocessConfig } from '../src/model/preprocess.ts';
import { fullPageShot } from '../test/support/screenshot.ts';
import { openHarness } from '../test/support/harness/open.ts';

const ORIGIN = 'https://weights.test';
const EXIF = 'fixtures/images/exif';
const HOSTILE = 'fixtures/images/hostile';
const index = JSON.parse(readFileSync(`${EXIF}/index.json`, 'utf8')) as {
  cases: { file: string; orientation: number | null; stored: { width: number; height: number; rgb: string }; exif_transpose: { width: number; height: number; rgb: string } }[];
  photos: { file: string; preprocess: PreprocessConfig; ignore: { crop: string }; apply: { crop: string } }[];
};
const CFG = index.photos[0].preprocess;

/** RGB of an RGBA crop. */
const rgbOf = (rgba: number[]): number[] => rgba.filter((_, i) => i % 4 !== 3);
const meanDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};
/** The crop our preprocessing makes of Pillow's pixels (equal to torchvision's, see preprocess.test.ts). */
const cropOf = (img: RgbImage): number[] => rgbOf([...preprocessImage(img, CFG).crop.data]);
const fromHex = (r: { width: number; height: number; rgb: string }): RgbImage => ({ width: r.width, height: r.height, data: new Uint8Array(Buffer.from(r.rgb, 'hex')) });

test('engine: EXIF orientation ignored by default as Pillow ignores it, applied when asked; the prediction says which', async ({ page }) => {
  test.setTimeout(180_000);
  await openHarness(page, ORIGIN, 'fixtures/weights');
  const files = ['photo_o6.jpg', 'photo_o6.png', 'o5.webp', 'o7_long.jpg', 'o3.png', 'xmp.png', 'o1.png'];
  const r = await page.evaluate(async ({ files, cfg, origin }) => {
    const e = window.__engine;
    await e.setBackend('cpu');
    await e.loadWeights({ url: `${origin}/tiny_resnext.safetensors` });
    const out: Record<string, { crop: number[]; size: number[]; orientation: unknown }> = {};
    for (const [name, bytes] of files) {
      for (const mode of ['ignore', 'apply'] as const) {
        const p = await e.classify(new Blob([new Uint8Array(bytes)]), 5, cfg, mode);
        out[`${name} ${mode}`] = { crop: [...p.crop.data], size: [p.crop.width, p.crop.height], orientation: p.orientation };
      }
    }
    return out;
  }, { files: files.map((f) => [f, [...readFileSync(`${EXIF}/${f}`)]] as const), cfg: CFG, origin: ORIGIN });

  // The photo: Pillow's crops (torchvision's Resize + CenterCrop on convert("RGB") and on exif_transpose).
  for (const photo of index.photos) {
    for (const mode of ['ignore', 'apply'] as const) {
      const got = r[`${photo.file} ${mode}`];
      expect(got.orientation).toEqual({ tag: 6, applied: mode === 'apply' });
      const want = [...readFileSync(`${EXIF}/${photo[mode].crop}`)];
      const other = [...readFileSync(`${EXIF}/${photo[mode === 'apply' ? 'ignore' : 'apply'].crop}`)];
      const d = meanDiff(rgbOf(got.crop), want);
      console.log(`${photo.file} ${mode}: mean |crop - Pillow's| ${d.toFixed(3)} levels (other reading: ${meanDiff(rgbOf(got.crop), other).toFixed(1)})`);
      if (photo.file.endsWith('.png')) expect(d).toBe(0); // decoded here as Pillow decodes it
      else expect(d).toBeLessThan(1.5); // the browser's libjpeg-turbo, Pillow's libjpeg
      expect(meanDiff(rgbOf(got.crop), other)).toBeGreaterThan(10);
    }
  }
  // The small cases: the tag wherever Pillow reads it (WebP EXIF chunk, a LONG in a JPEG, XMP), both readings.
  for (const file of ['o5.webp', 'o7_long.jpg', 'o3.png', 'xmp.png', 'o1.png']) {
    const c = index.cases.find((x) => x.file === file)!;
    const tag = c.orientation !== null && c.orientation >= 2 ? c.orientation : null;
    for (const mode of ['ignore', 'apply'] as const) {
      const got = r[`${file} ${mode}`];
      expect(got.orientation, file).toEqual(tag === null ? null : { tag, applied: mode === 'apply' });
      const want = cropOf(fromHex(mode === 'apply' ? c.exif_transpose : c.stored));
      const d = meanDiff(rgbOf(got.crop), want);
      if (file.endsWith('.jpg')) expect(d, `${file} ${mode}`).toBeLessThan(4); // 7x5 pixels of sharp colour edges through JPEG
      else expect(d, `${file} ${mode}`).toBe(0);
    }
  }
});

test('engine: hostile headers refused before the browser decodes; the OS/2 BMP read by its 16-bit sides', async ({ page }) => {
  test.setTimeout(120_000);
  await openHarness(page, ORIGIN, 'fixtures/weights');
  const manifest = JSON.parse(readFileSync(`${HOSTILE}/manifest.json`, 'utf8')) as { files: { file: string; refused_at: string | null; pattern: string | null; rgb?: string }[] };
  const refused = manifest.files.filter((f) => f.refused_at !== null && f.file !== 'strip_1x1000000.png');
  const r = await page.evaluate(async ({ files, bmp, origin, cfg }) => {
    const e = window.__engine;
    await e.setBackend('cpu');
    await e.loadWeights({ url: `${origin}/tiny_resnext.safetensors` });
    const errors: Record<string, string> = {};
    for (const [name, bytes] of files) {
      const t0 = performance.now();
      errors[name] = await e.classify(new Blob([new Uint8Array(bytes)])).then(() => 'no error', (err: Error) => err.message);
      errors[`${name} ms`] = String(performance.now() - t0);
    }
    const p = await e.classify(new Blob([new Uint8Array(bmp)]), 5, cfg);
    return { errors, bmp: [...p.crop.data] };
  }, { files: refused.map((f) => [f.file, [...readFileSync(`${HOSTILE}/${f.file}`)]] as const), bmp: [...readFileSync(`${HOSTILE}/bmp_os2_3x2.bmp`)], origin: ORIGIN, cfg: CFG });
  for (const f of refused) {
    expect(r.errors[f.file], f.file).toMatch(new RegExp(f.pattern!));
    expect(Number(r.errors[`${f.file} ms`]), f.file).toBeLessThan(10_000);
  }
  // A 3x2 BMP with the 12-byte OS/2 header: decoded by the browser to Pillow's pixels (compared after the same preprocessing).
  const bmp = { width: 3, height: 2, data: new Uint8Array(Buffer.from(manifest.files.find((f) => f.file === 'bmp_os2_3x2.bmp')!.rgb!, 'hex')) };
  expect(rgbOf(r.bmp)).toEqual(cropOf(bmp));
});

test('Run and Explain views: a notice names the EXIF orientation and a switch applies it, in both languages', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=run');
  await expect(page.getByRole('radiogroup', { name: 'Backend' })).toBeVisible({ timeout: 60_000 });
  await page.getByRole('radio', { name: /^cpu/ }).check();
  await page.getByLabel('Load from file').setInputFiles('fixtures/weights/tiny_resnet.pth');
  await expect(page.getByRole('status').filter({ hasText: 'Loaded' })).toContainText('tiny_resnet.pth', { timeout: 60_000 });
  const top = page.getByRole('list', { name: 'Top-5 classes' });

  // A file without a turn: no notice.
  await page.getByLabel('Choose an image or drop it here').setInputFiles('fixtures/images/test.jpg');
  await expect(top.getByRole('listitem')).toHaveCount(5, { timeout: 60_000 });
  await expect(page.getByRole('note').filter({ hasText: 'EXIF' })).toHaveCount(0);

  await page.getByLabel('Choose an image or drop it here').setInputFiles(`${EXIF}/photo_o6.jpg`);
  const note = page.getByRole('note').filter({ hasText: 'EXIF orientation 6' });
  await expect(note).toContainText('EXIF orientation 6 (rotate 90° clockwise) not applied: read as stored, as Pillow and PyTorch read it', { timeout: 60_000 });
  const crop = page.getByRole('img', { name: /Preprocessed 224×224 crop/ });
  const before = await crop.screenshot();
  const toggle = page.getByLabel('Apply the EXIF orientation (turn the image upright, as a photo viewer shows it)');
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await expect(note).toContainText('EXIF orientation 6 applied (rotate 90° clockwise), as Pillow\'s ImageOps.exif_transpose turns it', { timeout: 60_000 });
  await expect.poll(async () => (await crop.screenshot()).equals(before), { timeout: 30_000 }).toBe(false);
  await page.setViewportSize({ width: 390, height: 844 });
  await note.scrollIntoViewIfNeeded();
  await fullPageShot(page, 'test-results/screens/run-exif-390x844.png');
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh');
  await expect(page.getByRole('note').filter({ hasText: 'EXIF 方向 6' })).toContainText('已应用 EXIF 方向 6（顺时针旋转 90°）');
  await expect(page.getByLabel('应用 EXIF 方向（像看图软件那样把图像转正）')).toBeChecked();
  await page.getByRole('combobox', { name: 'Language' }).selectOption('en');

  // The Explain view uses the weights the engine holds and reads the image the same way.
  await page.getByRole('tab', { name: 'Explain' }).click();
  await page.locator('#xp-image-file').setInputFiles(`${EXIF}/photo_o6.png`);
  const xpNote = page.getByRole('note').filter({ hasText: 'EXIF orientation 6' });
  await expect(xpNote).toContainText('not applied: read as stored', { timeout: 90_000 });
  await page.locator('#xp-exif').check();
  await expect(xpNote).toContainText('EXIF orientation 6 applied', { timeout: 90_000 });
  await fullPageShot(page, 'test-results/screens/explain-exif-1280x800.png');
});
