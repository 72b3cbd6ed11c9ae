/**
 * The Cost view and the compare view's cost columns, driven by accessible names. Expected figures come
 * from src/analysis (itself checked against PyTorch by the unit tests). Screenshots at 1280x800 and
 * 390x844, light and dark, under test-results/screens/ (and docs/screenshots/ with DOCS_SCREENSHOTS=1).
 */
import { expect, test, type Page } from '@playwright/test';
import { offline, shoot } from '../test/support/screenshot.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { costOf, humanBytes } from '../src/analysis/cost.ts';
import { findDevice } from '../src/analysis/devices.ts';
import { thousands } from '../src/analysis/format.ts';



/** Light and dark, wide and phone (reloaded at phone size, as a phone would open it). */
async function screens(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.reload();
    await expect(page.getByRole('group', { name: /Roofline/ })).toBeVisible();
    await shoot(page, `${name}${scheme === 'dark' ? '-dark' : ''}-1280x800.png`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect(page.getByRole('group', { name: /Roofline/ })).toBeVisible();
    await shoot(page, `${name}${scheme === 'dark' ? '-dark' : ''}-390x844.png`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

const report = (preset: string, batch: number, dtype: 'float32' | 'bfloat16' = 'float32', optimizer: 'momentum' | 'adam' = 'momentum', device = 'v100', layout: 'nchw' | 'nhwc' = 'nchw', gpus = 1) =>
  costOf(buildLayerGraph(presetConfig(preset)), { batch, dtype, layout, optimizer, device: findDevice(device)!, gpus });

test.beforeEach(({ context, baseURL }) => offline(context, baseURL));

test('cost: controls, memory bar, roofline by pointer and keyboard, stages, ResNeXt against ResNet; bad input keeps the last result', async ({ page }) => {
  await page.goto('/?view=cost');
  await expect(page.getByRole('tab', { name: 'Cost' })).toHaveAttribute('aria-selected', 'true');
  for (const name of ['Batch size', 'Precision', 'Memory layout', 'Optimizer', 'Device', 'GPUs']) await expect(page.getByLabel(name, { exact: true })).toBeVisible();
  await expect(page.getByLabel('Batch size', { exact: true })).toHaveValue('32');
  const r32 = report('resnext50_32x4d', 32);
  await expect(page.getByTestId('conv-activations')).toContainText('14,400,512');
  await expect(page.getByTestId('training-bytes')).toContainText(humanBytes(r32.totals.trainingBytes));
  // The peak of a training step decides: it is what the bar's verdict and the largest batch follow.
  await expect(page.getByTestId('peak-training-bytes')).toContainText(humanBytes(r32.totals.peakTrainingBytes));
  await expect(page.getByTestId('train-macs')).toContainText('12.57 G');
  await expect(page.getByTestId('memory-verdict')).toContainText(`${humanBytes(r32.totals.peakTrainingBytes)} at batch 32 fits`);
  await expect(page.getByTestId('largest-batch')).toHaveText(thousands(r32.memory.largestBatch));
  // The time model: inference and one training step, with images/s and the epoch.
  await expect(page.getByTestId('predicted-ms')).toContainText(`${r32.totals.predictedMs.toFixed(2)} ms`);
  await expect(page.getByTestId('train-step-ms')).toContainText(`${r32.training!.stepMs.toFixed(0)} ms`);
  await expect(page.getByTestId('train-step-ms')).toContainText(`${thousands(Math.round(r32.training!.imagesPerS))} images/s`);
  const step = page.getByRole('table', { name: 'Training step by part' });
  const backward = r32.training!.backwardMs;
  await expect(step.getByRole('row', { name: /backward/ })).toContainText(backward >= 100 ? `${backward.toFixed(0)} ms` : `${backward.toFixed(2)} ms`);
  // Throughput and memory against the batch, where training stops fitting marked.
  await expect(page.getByRole('group', { name: 'Images per second against the batch' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Training memory against the batch' }).getByRole('img', { name: /does not fit in 32\.00 GB/ }).first()).toBeAttached();
  // The published measurement of this network, device and setting, beside the prediction at its batch.
  await expect(page.getByTestId('published-row').first()).toContainText('Measured 33.10 ms for an inference pass of 25 images');
  await expect(page.getByTestId('published-row').first()).toContainText('RegNet model zoo: facebookresearch/pycls MODEL_ZOO.md');

  // The roofline: a dot per kernel; hovering or focusing one names it and its numbers.
  const roofline = page.getByRole('group', { name: /Roofline/ });
  const dots = roofline.getByRole('img');
  await expect(dots).toHaveCount(r32.layers.length);
  // Dots of equal intensity and speed overlap: hover one that is on top at its centre (in view: elementFromPoint
  // sees only the viewport).
  await roofline.scrollIntoViewIfNeeded();
  const onTop = await dots.evaluateAll((els) => els.findIndex((el) => {
    const b = el.getBoundingClientRect();
    return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === el;
  }));
  expect(onTop).toBeGreaterThanOrEqual(0);
  await dots.nth(onTop).hover();
  await expect(page.locator('figure.roofline .dot-detail')).toContainText(`${r32.layers[onTop].name} (`);
  await expect(page.locator('figure.roofline .dot-detail')).toContainText('FLOP/byte');
  await dots.first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(dots.nth(1)).toBeFocused();
  await page.keyboard.press('End');
  await expect(dots.last()).toBeFocused();
  await expect(page.locator('figure.roofline .dot-detail')).toContainText(r32.layers.at(-1)!.name);
  await expect(dots.first()).toHaveAttribute('aria-label', /^conv1 \(stem\): .*compute-bound|^conv1 \(stem\): .*memory-bound/);
  // Each matrix layer names its efficiency term: the grouped convs' tiles are partly empty.
  const grouped = r32.layers.findIndex((l) => l.name === 'layer1.0.conv2');
  await expect(dots.nth(grouped)).toHaveAttribute('aria-label', new RegExp(`reaches ${(r32.layers[grouped].peakShare * 100).toFixed(0)}% of the peak on vector units: its tiles are ${(r32.layers[grouped].tileUse * 100).toFixed(0)}% used`));

  const stages = page.getByRole('table', { name: 'Predicted time per stage' });
  await expect(stages.getByRole('row')).toHaveCount(r32.stages.length + 2);
  await expect(stages.getByRole('row', { name: /^layer3/ })).toContainText(`${(r32.stages[3].share * 100).toFixed(1)}%`);

  const why = page.getByRole('table', { name: 'Current network against its ResNet counterpart' });
  await expect(why.getByRole('row', { name: /Activations per image/ })).toContainText('14.40 M');
  await expect(why.getByRole('row', { name: /Activations per image/ })).toContainText('11.11 M');
  await expect(page.getByText('Compared with ResNet-50, a dense network of the same FLOPs class (this network has 1.03× its MACs).')).toBeVisible();
  await expect(page.getByTestId('why-evidence')).toContainText('grouped 3×3 convs do 5.5% of the MACs');
  await expect(page.getByRole('table', { name: 'Predicted time by kind of layer' }).getByRole('row', { name: /grouped 3x3/ })).toBeVisible();
  await expect(page.getByText(/0\.95 s vs ResNet-101 0\.70 s/)).toBeVisible();
  await expect(page.getByText('Xie et al. 2017, Aggregated Residual Transformations for Deep Neural Networks, section 5.1')).toBeVisible();
  await expect(page.getByText(/Designing Network Design Spaces \(RegNet\), Table 3/)).toBeVisible();

  // Bad input: the error next to the control, the last valid result stays.
  const batch = page.getByLabel('Batch size', { exact: true });
  for (const [text, message] of [['0', 'batch size must be a positive whole number'], ['-4', 'got "-4"'], ['2.5', 'got "2.5"'], ['100000000000', 'over 1e15']] as const) {
    await batch.fill(text);
    await expect(page.getByRole('alert').filter({ hasText: message })).toBeVisible();
    await expect(batch).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('training-bytes')).toContainText(humanBytes(r32.totals.trainingBytes));
  }
  await expect(page).not.toHaveURL(/batch=/);

  await batch.fill('64');
  await expect(page).toHaveURL(/batch=64/);
  await page.getByLabel('Precision', { exact: true }).selectOption('bfloat16');
  await page.getByLabel('Memory layout', { exact: true }).selectOption('nhwc');
  await page.getByLabel('Optimizer', { exact: true }).selectOption('adam');
  await page.getByLabel('Device', { exact: true }).selectOption('h100-sxm');
  const gpus = page.getByLabel('GPUs', { exact: true });
  for (const bad of ['0', '65', 'x']) {
    await gpus.fill(bad);
    await expect(page.getByRole('alert').filter({ hasText: `the number of GPUs must be a whole number from 1 to 64, got "${bad}"` })).toBeVisible();
  }
  await gpus.fill('8');
  await expect(page).toHaveURL(/batch=64&dtype=bfloat16&layout=nhwc&opt=adam&device=h100-sxm&gpus=8/);
  const r64 = report('resnext50_32x4d', 64, 'bfloat16', 'adam', 'h100-sxm', 'nhwc', 8);
  await expect(page.getByTestId('train-step-ms')).toContainText(`${thousands(Math.round(r64.training!.imagesPerS))} images/s`);
  await expect(page.getByText(/Training step, batch 64 × 8 GPUs/)).toBeVisible();
  await expect(page.getByTestId('saved-bytes')).toContainText(humanBytes(r64.totals.savedActivationBytes));
  await expect(page.getByTestId('training-bytes')).toContainText(humanBytes(r64.totals.trainingBytes));
  await expect(page.getByRole('group', { name: /Roofline: NVIDIA H100 SXM 80 GB, bfloat16 \(model\.bfloat16\(\)\), batch 64/ })).toBeVisible();

  // A device without an interconnect runs one GPU; a ResNeXt far above its ResNet's FLOPs is compared at equal FLOPs.
  await page.goto('/?view=cost&preset=resnext101_32x8d&device=m2&gpus=8');
  await expect(page.getByLabel('GPUs', { exact: true })).toBeDisabled();
  await expect(page.getByText(/^ResNet-101 has 2\.1× fewer MACs than this network, so it is not at the same FLOPs/)).toBeVisible();

  // GroupNorm under autocast: predicted in float32 (autocast's rule), the published figures of timm's later tables with
  // float16 GroupNorm, and said so beside them.
  await page.goto('/?view=cost&preset=resnet50_gn&batch=256&dtype=amp&device=rtx3090');
  const gn = (fastNorm: boolean) =>
    costOf(buildLayerGraph(presetConfig('resnet50_gn')), { batch: 256, dtype: 'amp', layout: 'nchw', optimizer: 'momentum', device: findDevice('rtx3090')!, gpus: 1, fastNorm }).totals.predictedMs;
  const shownMs = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(2)} ms`;
  await expect(page.getByTestId('predicted-ms')).toContainText(shownMs(gn(false)));
  const fast = page.getByLabel('GroupNorm in float16');
  await expect(fast).not.toBeChecked();
  await fast.check();
  await expect(page).toHaveURL(/fastnorm=1/);
  await expect(page.getByTestId('predicted-ms')).toContainText(shownMs(gn(true)));
  await fast.uncheck();
  await expect(page.getByTestId('published-row').filter({ hasText: 'PyTorch 2.4' }).first()).toContainText('GroupNorm in float16, as timm\'s --fast-norm runs it');
  await expect(page.getByTestId('published-row').filter({ hasText: 'PyTorch 1.12' }).first()).not.toContainText('--fast-norm');

  // Too big for the device: "does not fit", and the largest batch that does.
  await page.goto('/?view=cost&preset=resnext101_32x48d&batch=64&device=m2');
  const big = report('resnext101_32x48d', 64, 'float32', 'momentum', 'm2');
  await expect(page.getByTestId('memory-verdict')).toContainText('does not fit');
  await expect(page.getByTestId('largest-batch')).toHaveText(thousands(big.memory.largestBatch));

  await page.goto('/?view=cost');
  await screens(page, 'cost');
});

test('a malformed cost link falls back with notices', async ({ page }) => {
  await page.goto('/?view=cost&batch=abc&dtype=fp8&opt=lion&device=gtx&layout=nhcw&gpus=99');
  const notice = page.getByRole('status', { name: 'Notice' });
  await expect(notice).toContainText('batch size must be a positive whole number');
  await expect(notice).toContainText('Unknown precision "fp8"');
  await expect(notice).toContainText('Unknown optimizer "lion"');
  await expect(notice).toContainText('Unknown device "gtx"');
  await expect(notice).toContainText('Unknown memory layout "nhcw"');
  await expect(notice).toContainText('the number of GPUs must be a whole number from 1 to 64, got "99" (in the link); using 1 GPU.');
  await expect(page.getByLabel('Batch size', { exact: true })).toHaveValue('32');
  await expect(page).toHaveURL(/\?view=cost$/);
});

test('compare has activations, training memory, inference and training time with deltas at the cost settings, without sideways scrolling', async ({ page }) => {
  await page.goto('/?view=compare&batch=16&device=t4&cmp=resnet50,resnext50_32x4d,resnext101_64x4d,wide_resnet101_2');
  const diff = page.getByRole('table', { name: 'Differences', exact: true });
  await expect(diff.getByRole('columnheader', { name: 'Activations' })).toBeVisible();
  await expect(diff.getByRole('columnheader', { name: 'Training memory, batch 16' })).toBeVisible();
  await expect(diff.getByRole('columnheader', { name: 'Inference, batch 16, NVIDIA T4 16 GB' })).toBeVisible();
  await expect(diff.getByRole('columnheader', { name: 'Training step, batch 16' })).toBeVisible();
  await expect(diff.getByRole('columnheader', { name: 'Δ', exact: true })).toHaveCount(2);
  const base = report('resnet50', 16, 'float32', 'momentum', 't4');
  const r = report('resnext50_32x4d', 16, 'float32', 'momentum', 't4');
  const row = diff.getByRole('row', { name: /ResNeXt-50 \(32x4d\)/ });
  await expect(row).toContainText('14.40 M');
  await expect(row).toContainText(humanBytes(r.totals.trainingBytes));
  const pct = (a: number, b: number) => `+${((a / b - 1) * 100).toFixed(1)} %`;
  await expect(row).toContainText(pct(r.totals.predictedMs, base.totals.predictedMs));
  await expect(row).toContainText(pct(r.training!.stepMs, base.training!.stepMs));
  await expect(diff.getByRole('row', { name: /ResNet-50/ })).toContainText('11.11 M');
  // Eleven columns fit 1280 px: the table does not scroll sideways.
  const frame = page.locator('.table-wrap').filter({ has: diff });
  expect(await frame.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
  await shoot(page, 'compare-cost-1280x800.png');
});

test('this browser as a device: the backend measured, then every layer timed beside its prediction', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?view=cost&device=browser&backend=wasm&preset=resnet18&batch=1');
  await expect(page.getByTestId('conv-gflops')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('group', { name: /Roofline: This browser \(tfjs wasm/ })).toBeVisible();
  await page.getByRole('button', { name: 'Measure', exact: true }).click();
  await expect(page.getByTestId('rank-correlation')).toBeVisible({ timeout: 240_000 });
  const rho = Number(await page.getByTestId('rank-correlation').textContent());
  expect(rho).toBeGreaterThan(-1);
  expect(rho).toBeLessThanOrEqual(1);
  const perStage = page.getByRole('table', { name: 'Measured vs predicted per stage' });
  await expect(perStage.getByRole('row')).toHaveCount(1 + 6);
  await expect(page.getByRole('group', { name: /Measured against predicted time of \d+ layers/ })).toBeVisible();
  // The per-layer table sits in a closed <details>: read it from the DOM.
  const ms = await page.locator('table[aria-label="Measured vs predicted per layer"] tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.measuredMs)));
  expect(ms.length).toBeGreaterThan(10);
  expect(ms.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  await expect(page.getByText('Where the model misses, and why')).toBeVisible();
  await shoot(page, 'cost-browser-1280x800.png');
});

test('a link of 5,000 blocks: the roofline merges repeats into few dots, the kernel table lists 300 rows at a time', async ({ page }) => {
  test.setTimeout(300_000);
  // 67 characters, 50,014 kernels. Before, a dot and a table row each held the page for tens of seconds.
  const started = Date.now();
  await page.goto('/?view=cost&preset=resnet50&depths=1250,1250,1250,1250&input=3x64x64');
  const roofline = page.getByRole('group', { name: /Roofline/ });
  await expect(roofline).toBeVisible({ timeout: 240_000 });
  console.log(`5,000-block cost view shown after ${((Date.now() - started) / 1000).toFixed(1)} s (this machine, under load)`);
  const dots = await roofline.getByRole('img').count();
  expect(dots).toBeGreaterThan(10);
  expect(dots).toBeLessThanOrEqual(2500);
  await expect(page.getByTestId('roofline-merged')).toContainText(`${dots} dots for 50,014 kernels`);
  await expect(roofline.getByRole('img').first()).toHaveAttribute('aria-label', /^conv1 \(stem\)/);
  await expect(roofline.getByRole('img', { name: /^layer1\.0\.conv2 and 1,249 like it \(dense 3x3\)/ })).toHaveCount(1);
  // The kernel table has no rows while closed, then 300 at a time.
  const rows = page.locator('details.kernels tbody tr');
  expect(await rows.count()).toBe(0);
  await page.getByText('All 50014 layers: traffic, intensity, efficiency and predicted time').click();
  await expect(rows).toHaveCount(300);
  await expect(page.getByText('The first 300 of 50,014 kernels.')).toBeVisible();
  await page.getByRole('button', { name: 'Show 300 more' }).click();
  await expect(rows).toHaveCount(600);
  // The page still answers: another view opens.
  await page.getByRole('tab', { name: 'Table' }).click();
  await expect(page.getByRole('tab', { name: 'Table' })).toHaveAttribute('aria-selected', 'true', { timeout: 60_000 });
});
