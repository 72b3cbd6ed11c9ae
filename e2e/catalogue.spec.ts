/**
 * Run's checkpoint catalogue as a searchable, filterable list (hundreds of tags): the proposed entry (the
 * configured network's) first, search by tag or label, filters by family, licence and input size, "show
 * more", keyboard use, a test-size checkpoint described as such; at phone width the image input stays near
 * the top. Screenshots at 1280x800 and 390x844 in both languages under test-results/screens/.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { offline, shoot } from '../test/support/screenshot.ts';
import { Catalogue, evalPreprocess, type CatalogueJson } from '../src/model/pretrained.ts';

const CATALOGUE = new Catalogue(JSON.parse(readFileSync('src/model/pretrained.json', 'utf8')) as CatalogueJson);

test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

test('the catalogue list: proposed first, search, filters, show more, keyboard, a test-size checkpoint', async ({ page }) => {
  await page.goto('/?view=run&preset=resnet50&backend=cpu');
  const list = page.getByRole('list', { name: /^Checkpoint catalogue/ });
  await expect(list.getByRole('listitem')).toHaveCount(8, { timeout: 60_000 });
  const proposed = CATALOGUE.checkpointsOf('resnet50')[0];
  await expect(list.getByRole('listitem').first()).toHaveAccessibleName(proposed.label);
  await expect(list.getByRole('listitem').first()).toContainText("the configured network's");
  await expect(page.getByLabel('Weights URL (.safetensors or .pth)')).toHaveValue(proposed.url);

  // Show more adds a page; the count says how many there are.
  await page.getByRole('button', { name: 'Show 8 more' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(16);
  await expect(page.getByText(`Showing 16 of ${CATALOGUE.entries.length} matching checkpoints (${CATALOGUE.entries.length} in all).`)).toBeVisible();

  // Filters: RegNetY at 384 (the SWAG and SEER fine-tunes), then only the non-commercial licence of SEER.
  await page.getByLabel('Architecture family').selectOption({ label: 'RegNetY (Radosavovic et al. 2020)' });
  await page.getByLabel('Checkpoint input size').selectOption({ label: '384×384' });
  const at384 = CATALOGUE.entries.filter((e) => e.architecture.startsWith('regnety') && evalPreprocess(e).inputSize === 384);
  await expect(list.getByRole('listitem')).toHaveCount(Math.min(8, at384.length));
  await expect(page.getByText(`of ${at384.length} matching checkpoints`)).toBeVisible();
  await page.getByLabel('Licence', { exact: true }).selectOption({ label: 'SEER License (non-commercial research) (non-commercial)' });
  const seer = at384.filter((e) => e.license.id === 'seer-license');
  await expect(list.getByRole('listitem')).toHaveCount(seer.length);
  for (const e of seer) await expect(list.getByRole('listitem', { name: e.label, exact: true })).toContainText('non-commercial');

  // Search by words of the tag or label, filters reset to any.
  for (const name of ['Architecture family', 'Checkpoint input size']) await page.getByLabel(name).selectOption({ index: 0 });
  await page.getByLabel('Licence', { exact: true }).selectOption({ index: 0 });
  const search = page.getByLabel('Search the catalogue');
  await search.fill('resnet50.a1_in1k');
  const a1 = list.getByRole('listitem', { name: 'ResNet-50, timm A1 (ResNet Strikes Back)', exact: true });
  await expect(a1).toContainText('81.24% / 95.112%');
  await expect(a1).toContainText('235 → 224, bicubic');
  await expect(a1).toContainText('classified at the test size: 288 → 288, bicubic');
  // Keyboard: Tab from the search reaches the filters, then the row's Choose button.
  await search.focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Choose ResNet-50, timm A1 (ResNet Strikes Back)' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Weights URL (.safetensors or .pth)')).toHaveValue(CATALOGUE.require('resnet50.a1_in1k').url);
  await expect(page.locator('#weights-entry')).toContainText('Classification uses its test input size: bicubic resize of the shorter side to 288, centre crop 288×288');
  await search.fill('swsl resnext101');
  await expect(list.getByRole('listitem')).toHaveCount(CATALOGUE.entries.filter((e) => e.tag.includes('swsl') && e.tag.startsWith('resnext101')).length);
  await search.fill('no such thing');
  await expect(page.getByText('No checkpoint matches: change the search or the filters.')).toBeVisible();
});

for (const lang of ['en', 'zh'] as const) {
  for (const [w, h] of [[1280, 800], [390, 844]] as const) {
    test(`catalogue screenshot ${lang} ${w}x${h}: the image input is not pushed below the catalogue`, async ({ page }) => {
      await page.setViewportSize({ width: w, height: h });
      await page.goto(`/?view=run&backend=cpu${lang === 'zh' ? '&lang=zh' : ''}`);
      const list = page.locator('.catalogue ul');
      await expect(list.locator('li')).toHaveCount(8, { timeout: 60_000 });
      const image = page.locator('.drop').first();
      const top = await image.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
      expect(top).toBeLessThan(w < 500 ? 3500 : 2500);
      // No horizontal scrolling of the page at phone width.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(w);
      await shoot(page, `catalogue-${lang}-${w}x${h}.png`);
    });
  }
}
