/**
 * The engine in headless Chromium, through the app's EngineClient and engine worker code (page
 * e2e-harness.html of `vite build --mode e2e`, whose worker adds the tests' requests such as
 * runRaw to the app's): PyTorch parity on every backend (whole logits, and every explain fixture
 * layer and CAM), tensor leaks, wasm
 * threads under cross-origin isolation, weights cache, and the error paths. Weights are served by
 * page.route from fixtures/weights; nothing reaches the network.
 */
import { expect, test, type Page } from '@playwright/test';
import type { NetworkConfig } from '../src/model/config.ts';
import { defaultConfig } from '../src/model/presets.ts';
import { readFileSync } from 'node:fs';

import { parityModels } from '../test/support/fixture-config.ts';
import { readF32 } from '../test/support/fixture-io.ts';
import { numbers, openHarness } from '../test/support/harness/open.ts';
const W = 'fixtures/weights';
const X = 'fixtures/explain';
const ORIGIN = 'https://weights.test';
const MODELS = parityModels();
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** The models with explain fixtures: every layer the fixture names and every class's CAM. */
const EXPLAINED = (JSON.parse(readFileSync(`${X}/index.json`, 'utf8')) as { models: string[] }).models;

interface ExplainDoc { weights: string; input: string; input_shape: number[]; layers: { name: string; shape: number[]; offset: number }[]; cam: { shape: number[]; offset: number; top1: number[] } }

test.describe('engine parity with PyTorch', () => {
  for (const backend of BACKENDS) {
    // One page a backend for both checks: the explain networks reuse the whole network's compiled
    // programs (on SwiftShader most of the time is shader compilation).
    test(`${backend}: whole logit vectors, every explain layer and every class's CAM within 1e-4, no tensor leaks`, async ({ page }) => {
      test.setTimeout(240_000);
      await openHarness(page, ORIGIN, W);
      const statuses = await page.evaluate(() => window.__engine.backends());
      expect(statuses.find((s) => s.name === backend)?.available, JSON.stringify(statuses)).toBe(true);
      for (const name of MODELS) {
        const manifest = JSON.parse(readFileSync(`${W}/${name}.json`, 'utf8')) as { input_shape: number[] };
        const result = await page.evaluate(async ({ backend, name, input, shape, origin }) => {
          const e = window.__engine;
          const used = await e.setBackend(backend);
          const loaded = await e.loadWeights({ url: `${origin}/${name}.safetensors` });
          const x = new Float32Array(input);
          const first = await e.runRaw(x, shape);
          const counts: number[] = [];
          for (let i = 0; i < 5; i++) counts.push((await e.runRaw(x, shape)).numTensors);
          return { used, tensors: loaded.tensors, logits: [...first.logits], counts, first: first.numTensors, info: await e.info() };
        }, { backend, name, input: numbers(`${W}/${name}.input.bin`), shape: manifest.input_shape, origin: ORIGIN });
        expect(result.used).toBe(backend);
        const ref = numbers(`${W}/${name}.logits.bin`);
        expect(result.logits).toHaveLength(ref.length);
        const diff = Math.max(...ref.map((v, i) => Math.abs(v - result.logits[i])));
        console.log(`${backend} ${name}: max |diff| ${diff.toExponential(2)} (grouped conv: ${result.info.groupedMethod})`);
        expect(diff).toBeLessThanOrEqual(1e-4);
        expect(result.counts.every((c) => c === result.first)).toBe(true);
        if (EXPLAINED.includes(name)) await explainParity(page, backend, name);
      }
    });
  }
});

/**
 * The engine's intermediate outputs and CAMs against PyTorch's forward hooks (fixtures/explain),
 * through the app's EngineClient and worker, the weights from the .pth file.
 */
async function explainParity(page: Page, backend: (typeof BACKENDS)[number], model: string): Promise<void> {
  const doc = JSON.parse(readFileSync(`${X}/${model}.explain.json`, 'utf8')) as ExplainDoc;
  const [n, classes] = doc.cam.shape;
  const r = await page.evaluate(async ({ backend, weights, input, shape, names, classes, n, origin }) => {
    const e = window.__engine;
    const used = await e.setBackend(backend);
    await e.loadWeights({ url: `${origin}/${weights}` });
    const o = await e.explainInput(new Float32Array(input), shape, 1);
    // One layer a request, as the view asks (a value hidden by a fusion is computed by its block alone).
    const values = [];
    for (const name of names) values.push(...(await e.explainValues([name])));
    const all = Array.from({ length: n }, () => Array.from({ length: classes }, (_, c) => c));
    const cam = await e.explainCam(all);
    return { used, top1: o.top!.map((t) => t[0].index), values: values.map((v) => ({ name: v.name, shape: v.shape, data: [...v.data] })), cam: [...cam.maps], camShape: cam.shape };
  }, { backend, weights: doc.weights, input: numbers(`${W}/${doc.input}`), shape: doc.input_shape, names: doc.layers.map((l) => l.name), classes, n, origin: ORIGIN });
  expect(r.used).toBe(backend);
  const data = readF32(`${X}/${model}.explain.bin`);
  let worst = 0;
  for (const [i, l] of doc.layers.entries()) {
    expect(r.values[i].shape, l.name).toEqual(l.shape);
    const ref = data.subarray(l.offset, l.offset + r.values[i].data.length);
    const d = Math.max(...r.values[i].data.map((v, j) => Math.abs(v - ref[j])));
    expect(d, `${backend} ${model} ${l.name}`).toBeLessThanOrEqual(1e-4);
    worst = Math.max(worst, d);
  }
  const camRef = data.subarray(doc.cam.offset, doc.cam.offset + r.cam.length);
  const camDiff = Math.max(...r.cam.map((v, j) => Math.abs(v - camRef[j])));
  expect(r.camShape).toEqual(doc.cam.shape);
  expect(camDiff).toBeLessThanOrEqual(1e-4);
  expect(r.top1).toEqual(doc.cam.top1);
  console.log(`${backend} ${model} explain: ${doc.layers.length} layers max |diff| ${worst.toExponential(2)}, CAM ${camDiff.toExponential(2)}`);
}

test('wasm: the own kernels by FMA and by plain SIMD, and XNNPACK, all within 1e-4 of PyTorch, on every core, no leaks', async ({ page }) => {
  await openHarness(page, ORIGIN, W);
  for (const name of MODELS) {
    const manifest = JSON.parse(readFileSync(`${W}/${name}.json`, 'utf8')) as { input_shape: number[] };
    const r = await page.evaluate(async ({ name, input, shape, origin }) => {
      const e = window.__engine;
      await e.setBackend('wasm');
      const out: { path: string; logits: number[]; counts: number[] }[] = [];
      for (const [path, options] of [['gemm fma', { fma: true, dense: 'gemm' }], ['gemm plain', { fma: false, dense: 'gemm' }], ['xnnpack', { fma: null, dense: 'xnnpack' }]] as const) {
        await e.setKernelOptions(options);
        await e.loadWeights({ url: `${origin}/${name}.safetensors` });
        const x = new Float32Array(input);
        const first = await e.runRaw(x, shape);
        const counts = [first.numTensors];
        for (let i = 0; i < 3; i++) counts.push((await e.runRaw(x, shape)).numTensors);
        out.push({ path, logits: [...first.logits], counts });
      }
      await e.setKernelOptions({ fma: null, dense: 'auto' });
      return { out, info: await e.info() };
    }, { name, input: numbers(`${W}/${name}.input.bin`), shape: manifest.input_shape, origin: ORIGIN });
    const ref = numbers(`${W}/${name}.logits.bin`);
    for (const o of r.out) {
      const diff = Math.max(...ref.map((v, i) => Math.abs(v - o.logits[i])));
      console.log(`wasm ${o.path} ${name}: max |diff| ${diff.toExponential(2)}`);
      expect(diff, o.path).toBeLessThanOrEqual(1e-4);
      expect(new Set(o.counts).size, o.path).toBe(1);
    }
    // The kernels' pool has as many threads as tfjs-wasm's (every core), and its helpers took work.
    expect(r.info.wasmKernels!.threads).toBe(r.info.wasmThreads);
    expect(r.info.wasmKernels!.threads).toBeGreaterThanOrEqual(2);
    expect(r.info.wasmKernels!.helpersStarted).toBe(r.info.wasmKernels!.threads - 1);
    expect(r.info.wasmKernels!.helperItems).toBeGreaterThan(0);
  }
});

test('wasm runs multi-threaded SIMD in the built app with every core', async ({ page }) => {
  await openHarness(page, ORIGIN, W);
  const r = await page.evaluate(async () => {
    await window.__engine.setBackend('wasm');
    return { info: await window.__engine.info(), cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated };
  });
  expect(r.isolated).toBe(true);
  expect(r.info.crossOriginIsolated).toBe(true);
  expect(r.info.wasmThreads).toBe(r.cores);
  expect(r.info.wasmThreads).toBeGreaterThanOrEqual(2);
});

test('a second load of the same URL comes from Cache Storage; progress is reported', async ({ page }) => {
  await openHarness(page, ORIGIN, W);
  const r = await page.evaluate(async (origin) => {
    const e = window.__engine;
    await e.setBackend('wasm');
    const progress: { loaded: number; total: number | null }[] = [];
    const a = await e.loadWeights({ url: `${origin}/tiny_resnet.safetensors` }, { onProgress: (p) => progress.push(p) });
    const b = await e.loadWeights({ url: `${origin}/tiny_resnet.safetensors` });
    await caches.delete('resnext-lab-weights-v1');
    return { a, b, progress };
  }, ORIGIN);
  expect(r.a.cached).toBe(false);
  expect(r.b.cached).toBe(true);
  expect(r.a.config).toMatchObject({ block: 'basic', depths: [1, 1, 1, 1] });
  const last = r.progress[r.progress.length - 1];
  expect(last.loaded).toBe(last.total);
  expect(last.loaded).toBe(r.a.bytes);
});

test('classify an image; refuse non-images, huge images, and classifying without weights', async ({ page }) => {
  await openHarness(page, ORIGIN, W);
  const png = [...readFileSync('fixtures/images/test.png')];
  const notImage = [...readFileSync('fixtures/images/not-an-image.jpg')];
  const r = await page.evaluate(async ({ png, notImage, origin }) => {
    const e = window.__engine;
    await e.setBackend('wasm');
    const errors: string[] = [];
    const fail = async (p: Promise<unknown>) => p.then(() => errors.push('no error'), (err: Error) => errors.push(err.message));
    await fail(e.classify(new Blob([new Uint8Array(png)], { type: 'image/png' })));
    await e.loadWeights({ url: `${origin}/tiny_resnext.safetensors` });
    const prediction = await e.classify(new Blob([new Uint8Array(png)], { type: 'image/png' }));
    await fail(e.classify(new Blob([new Uint8Array(notImage)], { type: 'image/jpeg' })));
    // A real PNG header claiming 10000 x 5100 pixels (51 MP): refused before decoding.
    const huge = new Uint8Array(png.slice(0, 64));
    new DataView(huge.buffer).setUint32(16, 10000);
    new DataView(huge.buffer).setUint32(20, 5100);
    await fail(e.classify(new Blob([huge], { type: 'image/png' })));
    return { errors, top: prediction.top, crop: [prediction.crop.width, prediction.crop.height, prediction.crop instanceof ImageData], backend: prediction.backend };
  }, { png, notImage, origin: ORIGIN });
  expect(r.errors[0]).toMatch(/no weights are loaded/);
  expect(r.errors[1]).toMatch(/not an image/);
  expect(r.errors[2]).toMatch(/51\.0 megapixels; at most 50 megapixels/);
  expect(r.top).toHaveLength(5);
  expect(r.crop).toEqual([224, 224, true]);
  expect(r.backend).toBe('wasm');
});

test('bad weights: a clear error, the previous network stays loaded, no tensor leaks', async ({ page }) => {
  await openHarness(page, ORIGIN, W);
  const truncated = [...readFileSync(`${W}/tiny_resnext.safetensors`).subarray(0, 4000)];
  const r = await page.evaluate(async ({ truncated, origin }) => {
    const e = window.__engine;
    await e.setBackend('webgl');
    await e.loadWeights({ url: `${origin}/tiny_resnext.safetensors` });
    const before = (await e.info()).numTensors;
    const errors: string[] = [];
    await e.loadWeights({ file: new Blob([new Uint8Array(truncated)]), name: 'cut.safetensors' }).catch((err: Error) => errors.push(err.message));
    const config = { block: 'bottleneck', depths: [3, 4, 6, 3], cardinality: 32, widthPerGroup: 4, baseWidth: 64, stem: 'imagenet', stemWidth: 32, avgDown: false, attention: 'none', seReduction: 16, norm: 'batchnorm', aa: 'none', stemPool: 'maxpool', downKernel: 1, reduceFirst: 1, implementation: 'torchvision', input: [3, 224, 224], classes: 1000, includeTop: true, regnetDepth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16, bottleneckRatio: 1, seRatio: 0, widthRounding: 'divisible', preact: false, linearOut: false, shortcut: 'conv1x1', headFeatures: 0, activation: 'relu', gnGroupSize: 0 } as const;
    await e.loadWeights({ url: `${origin}/tiny_resnext.safetensors` }, { config: { ...config, depths: [...config.depths], input: [...config.input], convWidths: {} } }).catch((err: Error) => errors.push(err.message));
    await e.loadWeights({ url: `${origin}/missing.safetensors` }).catch((err: Error) => errors.push(err.message));
    const after = await e.info();
    return { errors, before, after };
  }, { truncated, origin: ORIGIN });
  expect(r.errors[0]).toMatch(/truncated/);
  expect(r.errors[1]).toMatch(/do not fit the network/);
  expect(r.errors[2]).toMatch(/could not download .*missing\.safetensors: the server answered 404/);
  expect(r.after.numTensors).toBe(r.before);
  expect(r.after.weights?.source).toMatch(/tiny_resnext\.safetensors$/);
});

test('forms (a), (b), (c) agree on every backend', async ({ page }) => {
  await openHarness(page, ORIGIN, W);
  const config: NetworkConfig = { ...defaultConfig(), depths: [1, 1, 1, 1], cardinality: 8, widthPerGroup: 4, baseWidth: 32, input: [3, 64, 64], classes: 10 };
  for (const backend of BACKENDS) {
    const r = await page.evaluate(async ({ backend, config }) => {
      await window.__engine.setBackend(backend);
      return window.__engine.checkForms(config as never, 2, 4);
    }, { backend, config });
    expect(r.backend).toBe(backend);
    expect(new Set(r.forms.map((f) => f.params)).size).toBe(1);
    expect(Math.max(r.maxAbsDiff.ab, r.maxAbsDiff.ac, r.maxAbsDiff.bc)).toBeLessThan(1e-4);
  }
});

test('auto never picks a software GPU: on SwiftShader it selects wasm, and the webgpu card names the adapter', async ({ page }) => {
  await openHarness(page, ORIGIN, W);
  const r = await page.evaluate(async () => {
    const statuses = await window.__engine.backends();
    const used = await window.__engine.setBackend('auto');
    const forced = await window.__engine.setBackend('webgpu');
    await window.__engine.setBackend('auto');
    return { statuses, used, forced };
  });
  const gpu = r.statuses.find((s) => s.name === 'webgpu')!;
  const gl = r.statuses.find((s) => s.name === 'webgl')!;
  // This machine has no GPU: Chromium's only adapters are SwiftShader (WebGPU and WebGL through ANGLE).
  expect(gpu).toMatchObject({ available: true, software: 'SwiftShader' });
  expect(gpu.reason).toMatch(/^software adapter: slow \(SwiftShader\)/);
  expect(gl).toMatchObject({ available: true, software: 'SwiftShader' });
  expect(r.used).toBe('wasm');
  expect(r.forced).toBe('webgpu');

  // The Run view's backend card shows the same reason.
  await page.goto('/?view=run');
  const group = page.getByRole('radiogroup', { name: 'Backend' });
  await expect(group).toBeVisible({ timeout: 60_000 });
  await expect(group.locator('.backend').filter({ hasText: /^webgpu/ })).toContainText('software adapter: slow (SwiftShader)');
  await expect(page.getByRole('heading', { name: /^Backend/ })).toContainText('in use: wasm');
});
