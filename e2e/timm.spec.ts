/**
 * timm's family in the app: the configure panel's Stem, Stem width, Avg-down, Attention and
 * Implementation controls, the preset picker's families, and the timm modules in the block table,
 * the layer list and the forms view. Expected figures come from the same engine the CLI runs
 * (checked against timm by the fixture tests).
 */
import { offline } from '../test/support/screenshot.ts';
import { expect, test } from '@playwright/test';
import { analyze } from '../src/analysis/analyze.ts';
import { thousands } from '../src/analysis/format.ts';
import { presetConfig } from '../src/model/presets.ts';

test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

test('stem, stem width, avg-down and attention build timm networks; the views show SE and the deep stem', async ({ page }) => {
  await page.goto('/');
  const total = page.getByTestId('total-params');
  await expect(total).toHaveText('25,028,904');

  // The picker groups the families; choosing a timm preset sets every timm control.
  const picker = page.getByLabel('Preset');
  await expect(picker.locator('optgroup')).toHaveText([/ResNet-18/, /ResNeXt-50 \(2x40d\)/, /ResNet-50-D/, /SE-ResNeXt-50/, /ECA-ResNet-50-D/, /ResNet-Blur-50/, /ResNet-RS-50/, /32x48d/, /ResNeXt-29/, /RegNetX-400MF/, /RegNetY-400MF/, /RegNetV-4.0GF/, /RegNetZ-500MF/]);
  await picker.selectOption('seresnext26d_32x4d');
  await expect(total).toHaveText('16,809,512');
  await expect(page.getByLabel('Stem', { exact: true })).toHaveValue('deep');
  await expect(page.getByLabel('Stem width')).toHaveValue('32');
  await expect(page.getByLabel('Avg-down')).toBeChecked();
  await expect(page.getByLabel('Attention')).toHaveValue('se');
  await expect(page.getByLabel('Implementation')).toHaveValue('timm');
  await expect(page.getByRole('cell', { name: /3×3, 32, stride 2/ })).toBeVisible();
  await expect(page.getByText('SE, fc [16, 256]')).toBeVisible();

  // Editing: a wider deep stem, then ECA instead of SE.
  await page.getByLabel('Stem width').fill('48');
  const wide = presetConfig('seresnext26d_32x4d', { stemWidth: 48 });
  await expect(total).toHaveText(thousands(analyze(wide).params));
  await page.getByLabel('Attention').selectOption('eca');
  await expect(total).toHaveText(thousands(analyze({ ...wide, attention: 'eca' }).params));
  await expect(page).toHaveURL(/sw=48/);
  await expect(page).toHaveURL(/attn=eca/);

  // Back to torchvision's modules: the timm-only parts say why they need timm.
  await page.getByLabel('Implementation').selectOption('torchvision');
  await expect(page.getByRole('status').filter({ hasText: "exist only in timm's ResNet" })).toBeVisible();
  await page.getByLabel('Implementation').selectOption('timm');

  // The layer list has timm's module rows.
  await page.getByRole('tab', { name: 'Layers' }).click();
  await page.getByLabel('Filter layers').fill('EcaModule');
  await expect(page.getByText(/^\d+ of \d+ rows match$/)).toHaveText(/^8 of \d+ rows match$/);

  // The stem width applies to the deep stems only.
  await page.getByLabel('Stem', { exact: true }).selectOption('imagenet');
  await expect(page.getByLabel('Stem width')).toBeDisabled();

  // The forms view names the attention and the shortcut that follow the aggregation.
  await page.getByLabel('Preset').selectOption('seresnext50_32x4d');
  await page.getByRole('tab', { name: 'Forms' }).click();
  await expect(page.getByText(/Squeeze-and-excitation after bn3 \(layer1\.2\.se\)/)).toBeVisible();
  await page.getByLabel('Preset').selectOption('resnext50d_32x4d');
  await page.getByLabel('Block', { exact: true }).selectOption('0');
  await expect(page.getByText(/Shortcut \(layer1\.0\.downsample\): no pooling at stride 1/)).toBeVisible();
  await page.getByLabel('Stage', { exact: true }).selectOption('2');
  await page.getByLabel('Block', { exact: true }).selectOption('0');
  await expect(page.getByText(/Shortcut \(layer2\.0\.downsample\): 2×2 average pool, stride 2/)).toBeVisible();
});

test('the family\'s controls: norm, anti-aliasing, stem pool, SE reduction, shortcut kernel, reduce-first, conv widths', async ({ page }) => {
  await page.goto('/');
  const total = page.getByTestId('total-params');
  const picker = page.getByLabel('Preset');
  const expectParams = (name: string) => expect(total).toHaveText(thousands(analyze(presetConfig(name)).params));

  await picker.selectOption('resnetblur50');
  await expectParams('resnetblur50');
  await expect(page.getByLabel('Anti-aliasing')).toHaveValue('blur');
  await expect(page).toHaveURL(/preset=resnetblur50/);
  await page.getByRole('tab', { name: 'Layers' }).click();
  await page.getByLabel('Filter layers').fill('BlurPool2d');
  // The stem's pool and the first block of stages 2 to 4.
  await expect(page.getByText(/^\d+ of \d+ rows match$/)).toHaveText(/^4 of \d+ rows match$/);
  await page.getByRole('tab', { name: 'Block table' }).click();

  await picker.selectOption('resnet50_gn');
  await expectParams('resnet50_gn');
  await expect(page.getByLabel('Norm', { exact: true })).toHaveValue('groupnorm');

  await picker.selectOption('resnetrs50');
  await expectParams('resnetrs50');
  await expect(page.getByLabel('Stem pool')).toHaveValue('conv');
  await expect(page.getByLabel('SE reduction r')).toHaveValue('4');

  await picker.selectOption('senet154');
  await expectParams('senet154');
  await expect(page.getByLabel('Shortcut kernel')).toHaveValue('3');
  await expect(page.getByLabel('Reduce first')).toHaveValue('2');

  await picker.selectOption('ecaresnet50d_pruned');
  await expectParams('ecaresnet50d_pruned');
  await expect(page.getByLabel('Conv widths')).toHaveValue(/^layer1\.0\.conv1=47,layer1\.0\.conv2=18,/);

  // Anti-aliasing by average pool on a plain ResNet-50: timm's resnetaa50.
  await picker.selectOption('resnet50');
  await page.getByLabel('Anti-aliasing').selectOption('avgpool');
  await expectParams('resnetaa50');
  await expect(page.getByLabel('Implementation')).toHaveValue('timm');
  await expect(picker).toHaveValue('resnetaa50');
});
