import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from './backends.ts';
import { GROUPED_METHODS, groupedKernelAvailable, prepareConv, disposePrepared, runConv, type ConvGeometry } from './grouped.ts';
import { normal, rng } from './random.ts';
import { referenceConv } from '../../../test/support/reference-conv.ts';

const CASES: (ConvGeometry & { hw: number; batch: number })[] = [
  { inChannels: 8, outChannels: 8, kernel: 3, stride: 1, padding: 1, groups: 4, hw: 7, batch: 2 },
  { inChannels: 12, outChannels: 6, kernel: 3, stride: 2, padding: 1, groups: 3, hw: 9, batch: 1 },
  { inChannels: 16, outChannels: 32, kernel: 1, stride: 1, padding: 0, groups: 8, hw: 5, batch: 1 },
  { inChannels: 6, outChannels: 6, kernel: 3, stride: 1, padding: 1, groups: 6, hw: 4, batch: 1 },
  { inChannels: 4, outChannels: 8, kernel: 3, stride: 1, padding: 1, groups: 1, hw: 5, batch: 1 },
];

describe.each(['cpu', 'wasm'] as const)('grouped convolution on %s', (backend) => {
  it.each(CASES.map((c, i) => [i, c] as const))('case %i: every method equals the float64 reference', async (_i, c) => {
    await useBackend(backend);
    const next = rng(11);
    const xShape = [c.batch, c.hw, c.hw, c.inChannels];
    const x = normal(next, xShape.reduce((a, b) => a * b));
    const w = normal(next, c.outChannels * (c.inChannels / c.groups) * c.kernel * c.kernel);
    const bias = normal(next, c.outChannels);
    const start = tf.memory().numTensors;
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    for (const method of GROUPED_METHODS) {
      if (method === 'kernel' && !groupedKernelAvailable(backend)) continue;
      for (const relu of [false, true]) {
        const ref = referenceConv(x, xShape, w, bias, c, relu);
        const p = prepareConv(w, bias, c, method);
        const y = runConv(xt, p, relu);
        const got = await y.data();
        let m = 0;
        for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i] - got[i]));
        expect(got.length, `${method}`).toBe(ref.length);
        expect(m, `${method} relu=${relu}`).toBeLessThan(1e-5);
        y.dispose();
        disposePrepared(p);
      }
    }
    xt.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('the kernel method exists on both Node backends', async () => {
    await useBackend(backend);
    expect(groupedKernelAvailable(backend)).toBe(true);
  });
});

describe('prepareConv', () => {
  it('refuses channels that do not divide into the groups', () => {
    expect(() => prepareConv(new Float32Array(9 * 6), null, { inChannels: 7, outChannels: 6, kernel: 3, stride: 1, padding: 1, groups: 2 }, 'split')).toThrow(/divide/);
  });
  it('refuses a weight of the wrong size', () => {
    expect(() => prepareConv(new Float32Array(10), null, { inChannels: 4, outChannels: 4, kernel: 3, stride: 1, padding: 1, groups: 2 }, 'split')).toThrow(/weight has 10 values/);
  });
});

afterAll(async () => {
  await useBackend('cpu');
});
