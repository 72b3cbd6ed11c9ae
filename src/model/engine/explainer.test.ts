/**
 * The Explain requests of the engine (what the worker answers), in Node: against PyTorch's hooks and
 * CAMs (fixtures/explain), the compact maps within their decoding tolerance, random weights, errors.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeMap, decodeTolerance } from '../feature-maps.ts';
import { presetConfig } from '../presets.ts';
import { Engine } from './engine.ts';
import { maxDiff, readExplain, slice, WEIGHTS_DIR } from '../../../test/support/explain-fixtures.ts';
import { readBytes, readF32 } from '../../../test/support/fixture-io.ts';

async function engineWith(model: string, backend: 'cpu' | 'wasm'): Promise<Engine> {
  const e = new Engine({ order: ['wasm', 'cpu'] });
  await e.setBackend(backend);
  const { doc } = readExplain(model);
  await e.loadWeights({ bytes: readBytes(`${WEIGHTS_DIR}/${doc.weights}`), name: doc.weights, source: model });
  return e;
}

describe.each(['cpu', 'wasm'] as const)('Explain requests on %s', (backend) => {
  it('overview: top-5 per sample and their CAMs from one pass; layers as compact maps; one map in float32', async () => {
    const model = 'tiny_seresnext_d';
    const e = await engineWith(model, backend);
    const { doc, data } = readExplain(model);
    const before = tf.memory().numTensors;
    const o = await e.explainInput(readF32(`${WEIGHTS_DIR}/${doc.input}`), doc.input_shape, 5);
    expect(o.random).toBe(false);
    expect(o.top!.map((t) => t[0].index)).toEqual(doc.cam.top1);
    const [n, classes, h, w] = doc.cam.shape;
    expect(o.cam!.shape).toEqual([n, 5, h, w]);
    const all = slice(data, doc.cam.offset, doc.cam.shape);
    for (let s = 0; s < n; s++) {
      for (const [j, c] of o.cam!.classes[s].entries()) {
        const got = o.cam!.maps.subarray((s * 5 + j) * h * w, (s * 5 + j + 1) * h * w);
        expect(maxDiff(got, all.subarray((s * classes + c) * h * w, (s * classes + c + 1) * h * w))).toBeLessThanOrEqual(1e-4);
      }
    }
    for (const l of doc.layers.filter((x) => x.shape.length === 4)) {
      const ref = slice(data, l.offset, l.shape);
      const [, c, lh, lw] = l.shape;
      for (const sample of [0, 1]) {
        const maps = await e.explainLayer(l.name, 'uint8', sample);
        expect([maps.channels, maps.height, maps.width]).toEqual([c, lh, lw]);
        for (let k = 0; k < c; k++) {
          const truth = ref.subarray((sample * c + k) * lh * lw, (sample * c + k + 1) * lh * lw);
          expect(maxDiff(decodeMap(maps, k), truth), `${l.name} map ${k}`).toBeLessThanOrEqual(decodeTolerance(maps, k) + 1e-4);
          expect(Math.abs(maps.max[k] - Math.max(...truth))).toBeLessThanOrEqual(1e-4);
        }
        const k = c - 1;
        const one = await e.explainMap(l.name, k, sample);
        expect(maxDiff(one.values, ref.subarray((sample * c + k) * lh * lw, (sample * c + k + 1) * lh * lw))).toBeLessThanOrEqual(1e-4);
      }
    }
    const values = await e.explainValues(doc.layers.map((l) => l.name));
    doc.layers.forEach((l, i) => expect(maxDiff(values[i].data, slice(data, l.offset, l.shape)), l.name).toBeLessThanOrEqual(1e-4));
    const cam = await e.explainCam([[0, 3], [9, 1]]);
    expect(cam.classes).toEqual([[0, 3], [9, 1]]);
    expect(maxDiff(cam.maps.subarray(3 * h * w, 4 * h * w), all.subarray((classes + 1) * h * w, (classes + 2) * h * w))).toBeLessThanOrEqual(1e-4);
    expect(tf.memory().numTensors).toBe(before);
    e.unloadWeights();
  });
});

describe('Explain requests', () => {
  it('an image input: its crop, the ImageNet-style top-5, CAM on the 7x7 (224 / 32) grid', async () => {
    const e = await engineWith('tiny_resnext', 'wasm');
    const png = PNG.sync.read(readFileSync('fixtures/images/test.png'));
    const o = await e.explainImage({ width: png.width, height: png.height, data: png.data });
    expect(o.crop).toMatchObject({ width: 224, height: 224 });
    expect(o.shape).toEqual([1, 3, 224, 224]);
    expect(o.top![0]).toHaveLength(5);
    expect(o.cam!.shape).toEqual([1, 5, 7, 7]);
    const { doc, data } = readExplain('tiny_resnext');
    const cam = doc.image!.cam;
    const c = o.cam!.classes[0][0];
    expect(c).toBe(cam.top1[0]);
    expect(maxDiff(o.cam!.maps.subarray(0, 49), slice(data, cam.offset + c * 49, [49]))).toBeLessThanOrEqual(1e-4);
    e.unloadWeights();
  });

  it('random weights say so; a network without its head has no CAM and says why', async () => {
    const e = new Engine({ order: ['cpu'] });
    await e.setBackend('cpu');
    const config = { ...readExplain('tiny_resnet').config, includeTop: false };
    const loaded = await e.loadRandomWeights(config, 2);
    expect(loaded.random).toBe(true);
    expect(loaded.source).toBe('random weights (seed 2)');
    expect((await e.info()).weights).toEqual({ source: 'random weights (seed 2)', tensors: loaded.tensors });
    const x = new Float32Array(3 * 40 * 40).fill(0.5);
    const o = await e.explainInput(x, [1, 3, 40, 40]);
    expect(o.random).toBe(true);
    expect(o.cam).toBeNull();
    expect(o.camError?.text).toMatch(/no head/);
    expect(o.camError?.id).toBe('explain.camNoHead');
    const maps = await e.explainLayer('layer1.0.relu:2', 'float16');
    expect(maps.encoding).toBe('float16');
    expect(maps.zeros.every((z) => z >= 0 && z <= 1)).toBe(true);
    await expect(e.explainCam([[0]])).rejects.toThrow(/no head/);
    e.unloadWeights();
    expect((await e.info()).weights).toBeNull();
  });

  it('errors: no weights, no input, unknown layer, channel and class out of range', async () => {
    const e = new Engine({ order: ['cpu'] });
    await e.setBackend('cpu');
    await expect(e.explainInput(new Float32Array(12), [1, 3, 2, 2])).rejects.toThrow(/no weights are loaded/);
    await e.loadRandomWeights(presetConfig('resnet18'), 1);
    await expect(e.explainLayer('layer1')).rejects.toThrow(/no input to explain/);
    await e.explainInput(new Float32Array(3 * 32 * 32), [1, 3, 32, 32]);
    await expect(e.explainLayer('layer1.0.conv3')).rejects.toThrow(/basic blocks .*nearest names: /);
    await expect(e.explainMap('layer1', 64)).rejects.toThrow(/channel must be 0\.\.63, got 64/);
    await expect(e.explainCam([[1000]])).rejects.toThrow(/class 1000 is out of range: this network has 1000 classes/);
    await expect(e.explainCam([[1], [2]])).rejects.toThrow(/for each of the 1 samples/);
    // The finite guard: a NaN input gets no maps, and the input is not kept for later requests.
    const bad = new Float32Array(3 * 32 * 32);
    bad[5] = NaN;
    await expect(e.explainInput(bad, [1, 3, 32, 32])).rejects.toThrow(/holds NaN at element 5 .*no prediction/);
    await expect(e.explainLayer('layer1')).rejects.toThrow(/no input to explain/);
    e.unloadWeights();
  });
});
