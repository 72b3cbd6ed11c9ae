import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../presets.ts';
import { fixturePath, maxAbsDiff, readBytes, readF32, readFixtureManifest } from '../../../test/support/fixture-io.ts';
import { IMAGENET_CLASSES } from '../classes.ts';
import { Engine, topK } from './engine.ts';

const DIR = 'fixtures/weights';

async function engineWith(name = 'tiny_resnext', backend: 'cpu' | 'wasm' = 'cpu'): Promise<Engine> {
  const e = new Engine({ order: ['wasm', 'cpu'] });
  await e.setBackend(backend);
  await e.loadWeights({ bytes: readBytes(fixturePath(DIR, `${name}.safetensors`)), name: `${name}.safetensors`, source: name });
  return e;
}

describe('topK', () => {
  it('softmax probabilities, most probable first, ImageNet labels for 1000 classes', () => {
    const logits = new Float32Array(1000);
    logits[207] = 10;
    logits[1] = 9;
    const top = topK(logits, 3, IMAGENET_CLASSES);
    expect(top.map((t) => t.index)).toEqual([207, 1, 0]);
    expect(top[0].label).toBe('golden retriever');
    expect(top[1].label).toBe('goldfish');
    const z = Math.exp(10) + Math.exp(9) + 998;
    expect(top[0].prob).toBeCloseTo(Math.exp(10) / z, 12);
  });
  it('numbers the classes of other classifiers', () => {
    expect(topK([0, 2, 1], 5, null).map((t) => t.label)).toEqual(['class 1', 'class 2', 'class 0']);
  });
  it('has the 1000 torchvision class names', () => {
    expect(IMAGENET_CLASSES.length).toBe(1000);
    expect(IMAGENET_CLASSES).toEqual(JSON.parse(readFileSync('fixtures/imagenet_classes.json', 'utf8')));
  });
});

describe('Engine', () => {
  it('infers the config from the file and matches PyTorch logits (wasm)', async () => {
    const e = await engineWith('tiny_cifar', 'wasm');
    const m = readFixtureManifest(DIR, 'tiny_cifar');
    const r = await e.logits(readF32(fixturePath(DIR, 'tiny_cifar.input.bin')), m.inputShape);
    expect(r.backend).toBe('wasm');
    expect(maxAbsDiff(r.logits, readF32(fixturePath(DIR, 'tiny_cifar.logits.bin')))).toBeLessThanOrEqual(1e-4);
    e.unloadWeights();
  });

  it('classifies a decoded image: top-5 probabilities sum below 1, crop is 224x224', async () => {
    const e = await engineWith('tiny_resnext');
    const png = PNG.sync.read(readFileSync('fixtures/images/test.png'));
    const r = await e.classify({ width: png.width, height: png.height, data: png.data }, 5);
    expect(r.top).toHaveLength(5);
    const sum = r.top.reduce((s, t) => s + t.prob, 0);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-9);
    expect(r.top[0].label).toMatch(/^class \d$/);
    expect(r.crop.width * r.crop.height * 4).toBe(r.crop.data.length);
    e.unloadWeights();
  });

  it('keeps no tensor after switching backends, benchmarking and unloading', async () => {
    const start = tf.memory().numTensors;
    const e = await engineWith('tiny_resnext', 'cpu');
    const bench = await e.benchmark(3);
    expect(bench.runs).toBe(3);
    expect(bench.perStageMs.map((s) => s.stage)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    expect(bench.p90Ms).toBeGreaterThanOrEqual(bench.medianMs);
    await e.setBackend('wasm');
    const info = await e.info();
    expect(info.backend).toBe('wasm');
    expect(info.groupedMethod).toBe('kernel');
    expect(info.wasmThreads).toBeGreaterThanOrEqual(1);
    await e.benchmark(2);
    e.unloadWeights();
    await e.setBackend('cpu');
    expect(tf.memory().numTensors).toBe(start);
  });

  it('runs the forms check with the backend reported', async () => {
    const e = new Engine();
    await e.setBackend('cpu');
    const r = await e.checkForms(presetConfig('resnext50_32x4d'), 4, 2);
    expect(r.backend).toBe('cpu');
    expect(Math.max(r.maxAbsDiff.ab, r.maxAbsDiff.ac, r.maxAbsDiff.bc)).toBeLessThan(1e-4);
  });
});

describe('Engine refuses bad input, keeping nothing half-loaded', () => {
  it('no weights loaded', async () => {
    const e = new Engine();
    await e.setBackend('cpu');
    await expect(e.classify({ width: 1, height: 1, data: new Uint8Array(4) })).rejects.toThrow(/no weights are loaded/);
    await expect(e.benchmark(1)).rejects.toThrow(/no weights are loaded/);
  });

  it.each([
    ['truncated', 'bad.safetensors', (b: Uint8Array) => b.subarray(0, Math.floor(b.length / 2)), /truncated/i],
    ['corrupt header', 'bad.safetensors', (b: Uint8Array) => { const c = b.slice(); c.fill(0x20, 8, 40); return c; }, /header/],
    ['not a weights file', 'notes.bin', () => new TextEncoder().encode('hello, I am not a tensor file at all'), /not a weights file/],
  ] as const)('%s weights: a clear error, the previous network stays, no tensor leaks', async (_what, name, mangle, message) => {
    const e = await engineWith('tiny_resnext');
    const before = tf.memory().numTensors;
    const bytes = mangle(readBytes(fixturePath(DIR, 'tiny_resnet.safetensors')));
    const error = await e.loadWeights({ bytes, name, source: 'bad' }).then(() => null, (err: Error) => err);
    expect(error?.message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
    expect((await e.info()).weights?.source).toBe('tiny_resnext');
    e.unloadWeights();
  });

  it('weights of another architecture than the config: the strict check names the keys', async () => {
    const e = new Engine();
    await e.setBackend('cpu');
    const before = tf.memory().numTensors;
    const config = readFixtureManifest(DIR, 'tiny_resnext').config;
    await expect(e.loadWeights({ bytes: readBytes(fixturePath(DIR, 'tiny_resnet.safetensors')), name: 'tiny_resnet.safetensors', source: 'x' }, { config })).rejects.toThrow(/missing|unexpected|mismatch/);
    expect(tf.memory().numTensors).toBe(before);
    expect(e.network).toBeNull();
  });

  it('a non-image and a 50-megapixel image are refused before decoding', () => {
    const e = new Engine();
    expect(() => e.inspectImage(new Uint8Array(readFileSync('fixtures/images/not-an-image.jpg')))).toThrow(/not an image/);
    const header = new Uint8Array(readFileSync('fixtures/images/test.png').subarray(0, 33));
    new DataView(header.buffer, header.byteOffset).setUint32(16, 8000);
    new DataView(header.buffer, header.byteOffset).setUint32(20, 7000);
    expect(() => e.inspectImage(header)).toThrow(/56\.0 megapixels/);
  });
});
