import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convOutSize } from '../../graph.ts';
import { useBackend } from '../backends.ts';
import { disposePrepared, prepareConv, runConv, type ConvGeometry } from '../grouped.ts';
import { buildNetwork } from '../network.ts';
import { normal, rng } from '../random.ts';
import { maxAbsDiff, readParityFixture } from '../../../../test/support/fixture-io.ts';
import { randomConv, referenceConv } from '../../../../test/support/reference-conv.ts';
import { CONV_KERNEL_NAME } from './wasm-conv.ts';

type Case = ConvGeometry & { hw: number; batch: number };
const g = (inChannels: number, outChannels: number, kernel: number, stride: number, padding: number, hw: number, batch = 1): Case =>
  ({ inChannels, outChannels, kernel, stride, padding, groups: 1, hw, batch });

const CASES: Case[] = [
  g(3, 8, 7, 2, 3, 17), g(16, 16, 1, 1, 0, 7, 2), g(16, 32, 1, 2, 0, 9), g(12, 12, 3, 1, 1, 8), g(24, 20, 3, 2, 1, 11, 2), g(5, 3, 3, 1, 0, 6),
];

describe('dense conv by the own GEMM kernel on the wasm backend', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(CASES.map((c) => [`${c.batch}x${c.hw}x${c.hw}x${c.inChannels} -> ${c.outChannels} k${c.kernel} s${c.stride} p${c.padding}`, c] as const))(
    '%s: FMA and plain SIMD equal the float64 reference, with bias, residual and ReLU, no tensor leaks',
    async (_name, c) => {
      const ho = convOutSize(c.hw, c.kernel, c.stride, c.padding);
      const { next, xShape, x, w, bias } = randomConv(c, c.inChannels * 17 + c.outChannels);
      const res = normal(next, c.batch * ho * ho * c.outChannels);
      const start = tf.memory().numTensors;
      const xt = tf.tensor4d(x, xShape);
      const rt = tf.tensor4d(res, [c.batch, ho, ho, c.outChannels]);
      for (const fma of [true, false]) {
        for (const [b, residual, relu] of [[bias, true, true], [null, false, false], [bias, false, true]] as const) {
          const ref = referenceConv(x, xShape, w, b, c, false).map((v, i) => {
            const s = residual ? v + res[i] : v;
            return relu ? Math.max(0, s) : s;
          });
          const p = prepareConv(w, b, c, 'kernel', 'gemm', { fma });
          expect(p.method).toBe('gemm');
          const y = runConv(xt, p, relu, residual ? rt : undefined);
          expect(y.shape).toEqual([c.batch, ho, ho, c.outChannels]);
          expect(maxAbsDiff(await y.data(), ref), `fma=${fma} bias=${!!b} residual=${residual} relu=${relu}`).toBeLessThan(1e-5);
          y.dispose();
          disposePrepared(p);
        }
      }
      xt.dispose();
      rt.dispose();
      expect(tf.memory().numTensors).toBe(start);
    },
  );

  it('agrees with XNNPACK (tfjs conv2d) on the same conv', async () => {
    const c = g(32, 48, 3, 1, 1, 10);
    const next = rng(3);
    const x = tf.tensor4d(normal(next, 10 * 10 * 32), [1, 10, 10, 32]);
    const w = normal(next, 48 * 32 * 9, 0.05);
    const bias = normal(next, 48);
    const a = prepareConv(w, bias, c, 'kernel', 'gemm');
    const b = prepareConv(w, bias, c, 'kernel', 'xnnpack');
    expect([a.method, b.method]).toEqual(['gemm', 'dense']);
    const ya = runConv(x, a, true);
    const yb = runConv(x, b, true);
    expect(maxAbsDiff(await ya.data(), await yb.data())).toBeLessThan(1e-5);
    for (const t of [x, ya, yb]) t.dispose();
    disposePrepared(a);
    disposePrepared(b);
  });

  it('refuses a packed filter or a residual that does not fit', () => {
    const p = prepareConv(new Float32Array(8 * 4), null, g(4, 8, 1, 1, 0, 5), 'kernel', 'gemm');
    const x = tf.zeros([1, 5, 5, 6]) as tf.Tensor4D;
    expect(() => runConv(x, p, false)).toThrow(/packed filter \[1, 5, 8\] does not fit input \[1, 5, 5, 6\]/);
    const x4 = tf.zeros([1, 5, 5, 4]) as tf.Tensor4D;
    const r = tf.zeros([1, 4, 4, 8]) as tf.Tensor4D;
    expect(() => runConv(x4, p, false, r)).toThrow(/residual \[1, 4, 4, 8\] does not fit the output \[1, 5, 5, 8\]/);
    for (const t of [x, x4, r]) t.dispose();
    disposePrepared(p);
    expect(tf.getKernel(CONV_KERNEL_NAME, 'wasm')).toBeDefined();
  });
});

describe('whole networks on wasm through every kernel path', () => {
  const DIR = 'fixtures/weights';
  it.each(['tiny_resnext', 'tiny_resnet', 'tiny_cifar'])('%s: PyTorch logits within 1e-4 by XNNPACK and by the GEMM kernels (FMA, plain), no leaks', async (name) => {
    await useBackend('wasm');
    const { m, sd: stateDict, graph, x, ref } = readParityFixture(DIR, name);
    const start = tf.memory().numTensors;
    for (const [dense, fma] of [['xnnpack', true], ['gemm', true], ['gemm', false]] as const) {
      const net = buildNetwork(graph, stateDict, { dense, kernels: { fma } });
      for (let i = 0; i < 3; i++) {
        const y = await net.run(x, m.inputShape);
        expect(maxAbsDiff(y.data, ref), `${dense} fma=${fma}`).toBeLessThanOrEqual(1e-4);
        expect(tf.memory().numTensors).toBe(start + net.weightTensors);
      }
      net.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
  });
});
