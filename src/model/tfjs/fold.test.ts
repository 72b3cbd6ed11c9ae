import { describe, expect, it } from 'vitest';
import { blockDiagonalHwio, depthwiseHwim, foldBatchNorm, oihwToHwio, transpose2d } from './fold.ts';
import { normal, rng, uniform } from './random.ts';

describe('foldBatchNorm', () => {
  it('gives conv + bias equal to conv then inference BatchNorm', () => {
    const next = rng(3);
    const O = 5, per = 7;
    const w = normal(next, O * per);
    const bn = { weight: uniform(next, O, 0.5, 1.5), bias: uniform(next, O, -1, 1), runningMean: uniform(next, O, -1, 1), runningVar: uniform(next, O, 0.1, 2), eps: 1e-5 };
    const x = normal(next, per);
    const { weight, bias } = foldBatchNorm(w, O, bn);
    for (let o = 0; o < O; o++) {
      let conv = 0, folded = 0;
      for (let i = 0; i < per; i++) {
        conv += w[o * per + i] * x[i];
        folded += weight[o * per + i] * x[i];
      }
      const reference = ((conv - bn.runningMean[o]) / Math.sqrt(bn.runningVar[o] + bn.eps)) * bn.weight[o] + bn.bias[o];
      expect(Math.abs(folded + bias[o] - reference)).toBeLessThan(1e-5);
    }
  });

  it('includes an existing conv bias', () => {
    const bn = { weight: Float32Array.of(2), bias: Float32Array.of(1), runningMean: Float32Array.of(3), runningVar: Float32Array.of(4 - 1e-5), eps: 1e-5 };
    const r = foldBatchNorm(Float32Array.of(1), 1, bn, Float32Array.of(5));
    // s = 2 / sqrt(4) = 1: w' = 1, b' = 1 + (5 - 3) * 1 = 3
    expect(r.weight[0]).toBeCloseTo(1, 6);
    expect(r.bias[0]).toBeCloseTo(3, 5);
  });
});

describe('layouts', () => {
  it('oihwToHwio moves W[o,i,y,x] to [y,x,i,o]', () => {
    const O = 3, I = 2, K = 3;
    const w = Float32Array.from({ length: O * I * K * K }, (_, n) => n);
    const h = oihwToHwio(w, O, I, K, K);
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let y = 0; y < K; y++) for (let x = 0; x < K; x++)
      expect(h[((y * K + x) * I + i) * O + o]).toBe(w[((o * I + i) * K + y) * K + x]);
  });

  it('transpose2d', () => {
    expect([...transpose2d(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3)]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('blockDiagonalHwio is zero outside the groups and equal to the grouped weight inside', () => {
    const O = 4, I = 6, G = 2, K = 1;
    const w = Float32Array.from({ length: O * (I / G) }, (_, n) => n + 1);
    const d = blockDiagonalHwio(w, O, I, G, K);
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) {
      const gi = Math.floor(i / 3), go = Math.floor(o / 2);
      expect(d[i * O + o]).toBe(gi === go ? w[o * 3 + (i % 3)] : 0);
    }
  });

  it('depthwiseHwim puts W[g*opg+m, j] at input g*cpg+j, multiplier m', () => {
    const O = 4, I = 6, G = 2, K = 1;
    const w = Float32Array.from({ length: O * 3 }, (_, n) => n + 1);
    const d = depthwiseHwim(w, O, I, G, K);
    for (let g = 0; g < G; g++) for (let j = 0; j < 3; j++) for (let m = 0; m < 2; m++)
      expect(d[(g * 3 + j) * 2 + m]).toBe(w[(g * 2 + m) * 3 + j]);
  });
});
