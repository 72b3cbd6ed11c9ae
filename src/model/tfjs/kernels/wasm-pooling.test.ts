import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backends.ts';
import { normal, rng } from '../random.ts';
import { MAX_POOL_KERNEL_NAME, SPATIAL_MEAN_KERNEL_NAME } from './wasm-pooling.ts';

/** PyTorch's max pool (windows clipped to the input), NHWC. */
function maxPoolReference(x: Float32Array, [n, h, w, c]: number[], k: number, s: number, p: number): { data: Float32Array; shape: number[] } {
  const ho = Math.floor((h + 2 * p - k) / s) + 1;
  const wo = Math.floor((w + 2 * p - k) / s) + 1;
  const out = new Float32Array(n * ho * wo * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * s - p + ky;
              const ix = ox * s - p + kx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x[((b * h + iy) * w + ix) * c + ch]);
            }
          }
          out[((b * ho + oy) * wo + ox) * c + ch] = m;
        }
      }
    }
  }
  return { data: out, shape: [n, ho, wo, c] };
}

describe('max pool and spatial mean kernels (wasm backend)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  // ResNet's 3x3 / 2 / 1 on odd and even sides, 2x2 / 2 / 0, 3x3 / 1 / 1; 4 to 36 channels (8-vector
  // chunks and a partial one), batch 2.
  it.each([
    [1, 9, 9, 64, 3, 2, 1], [2, 8, 8, 4, 3, 2, 1], [1, 7, 5, 36, 2, 2, 0], [2, 6, 6, 8, 3, 1, 1], [1, 4, 4, 12, 3, 2, 0], [1, 1, 1, 4, 3, 2, 1],
  ])('max pool %ix%ix%ix%i, %ix%i window, stride %i, padding %i: equals PyTorch\'s clipped windows', async (n, h, w, c, k, s, p) => {
    const x = normal(rng(h * 31 + c), n * h * w * c);
    const ref = maxPoolReference(x, [n, h, w, c], k, s, p);
    const start = tf.memory().numTensors;
    const y = tf.tidy(() => tf.engine().runKernel(MAX_POOL_KERNEL_NAME, { x: tf.tensor4d(x, [n, h, w, c]) }, { k, stride: s, pad: p } as unknown as tf.NamedAttrMap) as tf.Tensor);
    expect(y.shape).toEqual(ref.shape);
    expect([...(await y.data())]).toEqual([...ref.data]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('max pool refuses padding past half the window', () => {
    const x = tf.zeros([1, 4, 4, 4]);
    expect(() => tf.engine().runKernel(MAX_POOL_KERNEL_NAME, { x }, { k: 2, stride: 2, pad: 2 } as unknown as tf.NamedAttrMap)).toThrow(/does not fit/);
    x.dispose();
  });

  it.each([[1, 7, 7, 2048], [2, 3, 5, 36], [1, 1, 1, 4], [3, 4, 4, 32]])('mean over H and W of %ix%ix%ix%i equals the float64 mean', async (n, h, w, c) => {
    const x = normal(rng(c), n * h * w * c);
    const y = tf.tidy(() => tf.engine().runKernel(SPATIAL_MEAN_KERNEL_NAME, { x: tf.tensor4d(x, [n, h, w, c]) }, {}) as tf.Tensor);
    expect(y.shape).toEqual([n, c]);
    const got = await y.data();
    y.dispose();
    let worst = 0;
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let i = 0; i < h * w; i++) sum += x[(b * h * w + i) * c + ch];
        worst = Math.max(worst, Math.abs(sum / (h * w) - got[b * c + ch]));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });
});
