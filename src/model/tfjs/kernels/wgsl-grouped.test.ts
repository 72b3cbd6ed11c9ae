/**
 * The tiled WGSL grouped conv against the reference WGSL kernel and the float64 reference, on
 * tfjs-backend-webgpu in Node through Dawn (SwiftShader's Vulkan driver on a machine without a GPU).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convOutSize } from '../../graph.ts';
import { disposePrepared, prepareConv, registerGroupedKernels, runConv, type ConvGeometry } from '../grouped.ts';
import { installDawn } from '../../../../test/support/dawn.ts';
import { randomConv, referenceConv } from '../../../../test/support/reference-conv.ts';
import { groupedConvWgslTiledProgram, tiledGroupedFits } from './wgsl-grouped.ts';

type Case = ConvGeometry & { hw: number; batch: number };
const g = (inChannels: number, outChannels: number, stride: number, groups: number, hw: number, batch = 1, kernel = 3, padding = 1): Case =>
  ({ inChannels, outChannels, kernel, stride, padding, groups, hw, batch });

// ResNeXt's channels per group (4..32), strides 1 and 2, sizes that leave partial 8x8 tiles, batch 2,
// a 1x1 and a 5x5 kernel, unequal inputs and outputs per group.
const CASES: Case[] = [g(16, 16, 1, 4, 9), g(64, 64, 2, 16, 13), g(128, 128, 1, 32, 7, 2), g(32, 64, 2, 4, 10), g(8, 8, 1, 2, 5, 1, 1, 0), g(12, 24, 1, 3, 11, 1, 5, 2)];

describe('tiled WGSL grouped conv (webgpu through Dawn)', () => {
  beforeAll(async () => {
    await installDawn(true);
    await import('@tensorflow/tfjs-backend-webgpu');
    expect(await tf.setBackend('webgpu')).toBe(true);
    await tf.ready();
    registerGroupedKernels(['webgpu']);
  }, 60_000);

  it.each(CASES.map((c) => [`${c.batch}x${c.hw}x${c.hw}x${c.inChannels} -> ${c.outChannels} k${c.kernel} s${c.stride} G${c.groups}`, c] as const))(
    '%s: tiled and reference kernels equal the float64 reference, with and without bias and ReLU, no leaks',
    async (_name, c) => {
      const { xShape, x, w, bias } = randomConv(c, c.inChannels + c.groups);
      const start = tf.memory().numTensors;
      const xt = tf.tensor4d(x, xShape);
      for (const variant of ['tiled', 'reference'] as const) {
        for (const [b, relu] of [[bias, true], [null, false]] as const) {
          const ref = referenceConv(x, xShape, w, b, c, relu);
          const p = prepareConv(w, b, c, 'kernel', 'auto', { wgsl: variant });
          const y = runConv(xt, p, relu);
          const ho = convOutSize(c.hw, c.kernel, c.stride, c.padding);
          expect(y.shape).toEqual([c.batch, ho, ho, c.outChannels]);
          const got = await y.data();
          let d = 0;
          for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - got[i]));
          expect(d, `${variant} bias=${!!b} relu=${relu}`).toBeLessThan(1e-5);
          y.dispose();
          disposePrepared(p);
        }
      }
      xt.dispose();
      expect(tf.memory().numTensors).toBe(start);
    },
  );

  it('serves whole vec4s of channels per group only, and says so', () => {
    expect(tiledGroupedFits(128, 128, 32)).toBe(true);
    expect(tiledGroupedFits(6, 6, 3)).toBe(false);
    expect(() => groupedConvWgslTiledProgram({ n: 1, h: 4, w: 4, inC: 6, ho: 4, wo: 4, outC: 6, k: 3, stride: 1, pad: 1, groups: 3, relu: false, bias: false })).toThrow(/not whole vec4s/);
    const p = prepareConv(new Float32Array(6 * 2 * 9), null, g(6, 6, 1, 3, 4), 'kernel', 'auto', { wgsl: 'tiled' });
    const x = tf.zeros([1, 4, 4, 6]) as tf.Tensor4D;
    expect(() => runConv(x, p, false)).toThrow(/needs whole vec4s of channels per group, not 2 in and 2 out/);
    x.dispose();
    disposePrepared(p);
  });
});
