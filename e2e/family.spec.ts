/**
 * The family's new modules on every backend (GroupNorm, blur pool, average-pool anti-aliasing, the conv stem
 * pool, SENet-154's shortcut, pruned widths): the engine in headless Chromium against timm's logits of the tiny
 * random-init networks of fixtures/family/weights, given their config (anti-aliasing and a narrowed net that
 * is no preset cannot be inferred from a file). Weights are served by page.route; nothing reaches the network.
 */
import { expect, test } from '@playwright/test';
import { readFixtureManifest } from '../test/support/fixture-io.ts';
import { readFileSync } from 'node:fs';
import { numbers, openHarness, serveFolder } from '../test/support/harness/open.ts';

const W = 'fixtures/family/weights';
const ORIGIN = 'https://family.test';
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
// One network per new module kind, small enough for SwiftShader.
const MODELS = ['fam_gn', 'fam_blur_d_se', 'fam_aa_avg', 'fam_rs_blur_gn', 'fam_senet', 'fam_pruned_eca'];
const R = 'fixtures/regnet/weights';
const REGNET_ORIGIN = 'https://regnet.test';
const REGNETS = (JSON.parse(readFileSync(`${R}/index.json`, 'utf8')) as { models: { name: string; input: number[] }[] }).models
  .filter((m) => ['tiny_regnetv_timm', 'tiny_regnetz_timm', 'tiny_regnety_sgn_timm'].includes(m.name));

for (const backend of BACKENDS) {
  test(`${backend}: the family's modules within 1e-4 of timm, no tensor leaks`, async ({ page }) => {
    await openHarness(page, ORIGIN, W);
    for (const name of MODELS) {
      const m = readFixtureManifest(W, name);
      const result = await page.evaluate(async ({ backend, name, config, input, shape, origin }) => {
        const e = window.__engine;
        const used = await e.setBackend(backend);
        await e.loadWeights({ url: `${origin}/${name}.safetensors` }, { config });
        const x = new Float32Array(input);
        const first = await e.runRaw(x, shape);
        const again = await e.runRaw(x, shape);
        return { used, logits: [...first.logits], counts: [first.numTensors, again.numTensors] };
      }, { backend, name, config: m.config, input: numbers(`${W}/${name}.input.bin`), shape: m.inputShape, origin: ORIGIN });
      expect(result.used).toBe(backend);
      const ref = numbers(`${W}/${name}.logits.bin`);
      expect(result.logits).toHaveLength(ref.length);
      const diff = Math.max(...ref.map((v, i) => Math.abs(v - result.logits[i])));
      console.log(`${backend} ${name}: max |diff| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-4);
      expect(result.counts[1]).toBe(result.counts[0]);
    }
    // timm's RegNetV (pre-activation, average-pool shortcut), RegNetZ (no shortcut, head conv) and GroupNorm + SiLU,
    // inferred from the file (fixtures/regnet/weights): on WebGPU, whose grouped conv is the engine's own kernel (cpu and
    // wasm are checked in vitest; WebGL runs tfjs's stock ops, and each backend here costs CI about 10 s).
    if (backend === 'webgpu') {
      await serveFolder(page, REGNET_ORIGIN, R);
      for (const m of REGNETS) {
        const result = await page.evaluate(async ({ backend, name, input, shape, origin }) => {
          const e = window.__engine;
          await e.setBackend(backend);
          await e.loadWeights({ url: `${origin}/${name}.safetensors` });
          return [...(await e.runRaw(new Float32Array(input), shape)).logits];
        }, { backend, name: m.name, input: numbers(`${R}/${m.name}.input.bin`), shape: m.input, origin: REGNET_ORIGIN });
        const ref = numbers(`${R}/${m.name}.logits.bin`);
        const diff = Math.max(...ref.map((v, i) => Math.abs(v - result[i])));
        console.log(`${backend} ${m.name}: max |diff| ${diff.toExponential(2)}`);
        expect(diff).toBeLessThanOrEqual(1e-4);
      }
    }
  });
}
