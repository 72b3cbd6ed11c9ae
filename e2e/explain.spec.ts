/**
 * Explain: the engine's intermediate outputs and CAMs against PyTorch's forward hooks
 * (fixtures/explain) on every browser backend, through the app's EngineClient and worker; then the
 * Explain view by its accessible names (image upload, layer pick, group arrangement, CAM) with
 * screenshots at 1280x800 and 390x844, light and dark.
 */
import { expect, test, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';

const W = 'fixtures/weights';
const X = 'fixtures/explain';
const ORIGIN = 'https://weights.test';
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
const MODELS = (JSON.parse(readFileSync(`${X}/index.json`, 'utf8')) as { models: string[] }).models;

interface Layer { name: string; shape: number[]; offset: number }
interface Doc { weights: string; input: string; input_shape: number[]; layers: Layer[]; cam: { shape: number[]; offset: number; top1: number[] } }

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

async function serveWeights(page: Page): Promise<void> {
  await page.route(`${ORIGIN}/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    if (!existsSync(`${W}/${name}`)) return route.fulfill({ status: 404, body: 'not found', headers: { 'access-control-allow-origin': '*' } });
    const body = readFileSync(`${W}/${name}`);
    await route.fulfill({ body, headers: { 'access-control-allow-origin': '*', 'content-type': 'application/octet-stream', 'content-length': String(body.length) } });
  });
}

test.describe('explain parity with PyTorch', () => {
  for (const backend of BACKENDS) {
    test(`${backend}: every fixture layer and every class's CAM within 1e-4`, async ({ page }) => {
      await serveWeights(page);
      await page.goto('/e2e-harness.html');
      await page.waitForFunction(() => window.__engineReady === true);
      for (const model of MODELS) {
        const doc = JSON.parse(readFileSync(`${X}/${model}.explain.json`, 'utf8')) as Doc;
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
        }, { backend, weights: doc.weights, input: [...f32(`${W}/${doc.input}`)], shape: doc.input_shape, names: doc.layers.map((l) => l.name), classes, n, origin: ORIGIN });
        expect(r.used).toBe(backend);
        const data = f32(`${X}/${model}.explain.bin`);
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
        console.log(`${backend} ${model}: ${doc.layers.length} layers max |diff| ${worst.toExponential(2)}, CAM ${camDiff.toExponential(2)}`);
      }
    });
  }
});
