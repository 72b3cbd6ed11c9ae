/**
 * NaN and overflow on every browser backend, through the app's EngineClient and worker (page
 * e2e-harness.html): an input with a NaN pixel, and tiny_resnet with one conv scaled by 1e38, where
 * PyTorch's logits are NaN but a backend whose ReLU or max pool drops NaN would print ordinary numbers.
 * The engine must refuse both, and then still classify normally.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';

const W = 'fixtures/weights';
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

function f32(path: string): number[] {
  const b = readFileSync(path);
  return [...new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
}

/** tiny_resnet.safetensors with every weight of `key` multiplied by `factor`. */
function scaled(key: string, factor: number): number[] {
  const bytes = new Uint8Array(readFileSync(`${W}/tiny_resnet.safetensors`));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: [number, number] }>;
  const [begin, end] = header[key].data_offsets;
  for (let at = 8 + n + begin; at < 8 + n + end; at += 4) view.setFloat32(at, view.getFloat32(at, true) * factor, true);
  return [...bytes];
}

test('NaN input and an overflowing network are refused on every backend, and a good run still works', async ({ page }) => {
  await page.goto('/e2e-harness.html');
  await page.waitForFunction(() => window.__engineReady === true);
  const manifest = JSON.parse(readFileSync(`${W}/tiny_resnet.json`, 'utf8')) as { input_shape: number[] };
  const input = f32(`${W}/tiny_resnet.input.bin`);
  const results = await page.evaluate(async ({ backends, good, bad, input, shape }) => {
    const e = window.__engine;
    const out: Record<string, string[]> = {};
    for (const backend of backends) {
      const messages: string[] = [];
      await e.setBackend(backend);
      await e.loadWeights({ file: new Blob([new Uint8Array(good)]), name: 'tiny_resnet.safetensors' });
      const x = new Float32Array(input);
      x[5] = NaN;
      await e.runRaw(x, shape).catch((err: Error) => messages.push(err.message));
      await e.loadWeights({ file: new Blob([new Uint8Array(bad)]), name: 'scaled.safetensors' });
      await e.runRaw(new Float32Array(input), shape).catch((err: Error) => messages.push(err.message));
      await e.loadWeights({ file: new Blob([new Uint8Array(good)]), name: 'tiny_resnet.safetensors' });
      const ok = await e.runRaw(new Float32Array(input), shape);
      messages.push(`ok ${ok.logits.every((v) => Number.isFinite(v))}`);
      out[backend] = messages;
    }
    return out;
  }, { backends: [...BACKENDS], good: [...readFileSync(`${W}/tiny_resnet.safetensors`)], bad: scaled('layer2.0.conv1.weight', 1e38), input, shape: manifest.input_shape });
  for (const backend of BACKENDS) {
    const [nanInput, overflow, ok] = results[backend];
    expect(nanInput, backend).toMatch(/the input holds NaN at element 5 of \d+: the network would produce NaN\/Inf/);
    expect(overflow, backend).toMatch(/the network overflows float32 at layer2\.0\.conv1/);
    expect(ok, backend).toBe('ok true');
  }
});
