import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convOutSize } from '../../graph.ts';
import { useBackend } from '../backends.ts';
import { oihwToHwio } from '../fold.ts';
import { GROUPED_KERNEL_NAME, disposePrepared, prepareConv, runConv, type ConvGeometry } from '../grouped.ts';
import { normal, rng } from '../random.ts';
import { randomConv, referenceConv } from '../../../../test/support/reference-conv.ts';
import { groupedConvWasmBytes, groupedInputMargin, groupedItems, groupParts, packWasmGroupedFilter, wasmGroupedConvKernel, wasmGroupedPlan } from './wasm-grouped.ts';

type Case = ConvGeometry & { hw: number; batch: number };
const g = (inChannels: number, outChannels: number, kernel: number, stride: number, padding: number, groups: number, hw: number, batch = 1): Case =>
  ({ inChannels, outChannels, kernel, stride, padding, groups, hw, batch });

// Output channels per group of 1..32 (whole vectors, pairs of vectors, partial last vectors), input
// channels per group 1..32, stride 1 and 2, padding 0..2, kernels 1, 3, 5, widths that leave a tail
// of 1..3 pixels after the 4-pixel blocks, batch 2; both loop orders (weights over / under 24 KiB).
const CASES: Case[] = [
  g(2, 2, 3, 1, 1, 2, 5),
  g(4, 8, 3, 2, 1, 4, 9),
  g(8, 12, 3, 1, 1, 2, 6),
  g(12, 20, 3, 2, 1, 4, 11),
  g(16, 16, 3, 1, 1, 4, 7, 2),
  g(24, 48, 3, 2, 1, 3, 10),
  g(32, 32, 1, 1, 0, 8, 6),
  g(32, 16, 1, 2, 0, 4, 7),
  g(64, 64, 3, 1, 1, 2, 6),
  g(64, 64, 3, 2, 1, 32, 8),
  g(48, 36, 3, 1, 2, 4, 7),
  g(6, 9, 5, 2, 2, 3, 9),
  g(5, 5, 3, 1, 0, 5, 6),
  g(3, 6, 3, 1, 1, 3, 1),
  g(96, 60, 3, 2, 1, 2, 9),
];

function maxDiff(ref: Float64Array, got: Float32Array | Int32Array | Uint8Array): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i] - got[i]));
  return m;
}

describe('grouped convolution with the WebAssembly SIMD kernel (wasm backend)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(CASES.map((c) => [`${c.inChannels}->${c.outChannels} k${c.kernel} s${c.stride} p${c.padding} G${c.groups} ${c.hw}x${c.hw} N${c.batch}`, c] as const))(
    '%s equals the float64 reference (packed filter, with and without bias and ReLU, FMA and plain SIMD)',
    async (_name, c) => {
      const { xShape, x, w, bias } = randomConv(c, c.inChannels * 131 + c.outChannels);
      const start = tf.memory().numTensors;
      const xt = tf.tensor4d(x, xShape);
      for (const [b, relu, fma] of [[bias, false, true], [bias, true, false], [null, false, false], [null, true, true]] as const) {
        {
          const ref = referenceConv(x, xShape, w, b, c, relu);
          const p = prepareConv(w, b, c, 'kernel', 'auto', { fma });
          expect(p.packed).toBe(true);
          const y = runConv(xt, p, relu);
          expect(y.shape).toEqual([c.batch, convOutSize(c.hw, c.kernel, c.stride, c.padding), convOutSize(c.hw, c.kernel, c.stride, c.padding), c.outChannels]);
          const got = await y.data();
          expect(got.length).toBe(ref.length);
          const scale = Math.max(1, ...Array.from(ref, Math.abs));
          expect(maxDiff(ref, got) / scale, `bias=${!!b} relu=${relu} fma=${fma}`).toBeLessThan(1e-5);
          y.dispose();
          disposePrepared(p);
        }
      }
      xt.dispose();
      expect(tf.memory().numTensors).toBe(start);
    },
  );

  it.each([g(1, 1, 3, 1, 1, 1, 5), g(1, 3, 3, 2, 1, 1, 6), g(12, 20, 3, 2, 1, 4, 11), g(64, 64, 3, 1, 1, 2, 5, 2)].map((c, i) => [i, c] as const))(
    'case %i: an unpacked [K, K, I/G, O] filter and a bias tensor (packed per call) give the same result',
    async (_i, c) => {
      const { xShape, x, w, bias } = randomConv(c, 7, 0.3);
      const cpg = c.inChannels / c.groups;
      const ref = referenceConv(x, xShape, w, bias, c, true);
      const start = tf.memory().numTensors;
      const y = tf.tidy(() =>
        tf.engine().runKernel(
          GROUPED_KERNEL_NAME,
          { x: tf.tensor4d(x, xShape), filter: tf.tensor4d(oihwToHwio(w, c.outChannels, cpg, c.kernel, c.kernel), [c.kernel, c.kernel, cpg, c.outChannels]), bias: tf.tensor1d(bias) },
          { stride: c.stride, pad: c.padding, groups: c.groups, relu: true } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      );
      expect(maxDiff(ref, await y.data())).toBeLessThan(1e-5);
      y.dispose();
      expect(tf.memory().numTensors).toBe(start);
    },
  );

  it('refuses a packed filter that does not fit the input', () => {
    const c = g(8, 8, 3, 1, 1, 2, 5);
    const p = prepareConv(new Float32Array(8 * 4 * 9), null, c, 'kernel');
    const x = tf.zeros([1, 5, 5, 12]) as tf.Tensor4D;
    expect(() => runConv(x, p, false)).toThrow(/does not fit/);
    x.dispose();
    disposePrepared(p);
  });
});

describe('packWasmGroupedFilter and the generated module', () => {
  it('pads each group to whole vectors with zeros and puts the bias in the last row', () => {
    // 2 groups, 1 input and 3 outputs each, 1x1: HWIO [1, 1, 1, 6].
    const { data, shape, plan } = packWasmGroupedFilter(Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([10, 20, 30, 40, 50, 60]), 1, 1, 6, 2);
    expect(plan).toEqual({ v: 1, p: 8, chunks: 1, blockOuter: true, unroll: true });
    expect(shape).toEqual([2, 1, 2, 4]);
    expect([...data]).toEqual([1, 2, 3, 0, 10, 20, 30, 0, 4, 5, 6, 0, 40, 50, 60, 0]);
  });

  it('chooses pairs of vectors (5 pixels, 4 in short rows) when a group has an even number of them, else 8 pixels of one vector, the dot form for 4 x 4 channels; blocks outside groups when the weights are small; unrolls the channel loop of <= 8 channels', () => {
    expect(wasmGroupedPlan(4, 32, 4, 3, 56)).toEqual({ v: 1, p: 2, chunks: 1, blockOuter: true, dot: true });
    expect(wasmGroupedPlan(4, 32, 8, 3, 56)).toEqual({ v: 1, p: 8, chunks: 1, blockOuter: false, unroll: true });
    expect(wasmGroupedPlan(8, 32, 8, 3, 28)).toEqual({ v: 2, p: 5, chunks: 1, blockOuter: false, unroll: true });
    expect(wasmGroupedPlan(32, 32, 32, 3, 7)).toEqual({ v: 2, p: 4, chunks: 4, blockOuter: false, unroll: false });
    expect(wasmGroupedPlan(12, 2, 8, 3)).toEqual({ v: 1, p: 8, chunks: 3, blockOuter: true, unroll: true });
  });

  it.each([g(8, 8, 3, 1, 1, 2, 9, 2), g(16, 32, 3, 2, 1, 2, 7), g(12, 24, 3, 1, 2, 3, 5), g(4, 8, 5, 2, 2, 1, 6)].map((c, i) => [i, c] as const))(
    'case %i: every register block (1-8 pixels, 1-2 vectors), loop order and channel loop (rolled, unrolled), with the edge taps skipped, equals the reference',
    (_i, c) => {
      const { xShape, x, w, bias } = randomConv(c, 11, 0.3);
      const cpg = c.inChannels / c.groups;
      const opg = c.outChannels / c.groups;
      const ref = referenceConv(x, xShape, w, bias, c, true);
      const hwio = oihwToHwio(w, c.outChannels, cpg, c.kernel, c.kernel);
      const ho = convOutSize(c.hw, c.kernel, c.stride, c.padding);
      const base = { h: c.hw, w: c.hw, inC: c.inChannels, ho, wo: ho, outC: c.outChannels, k: c.kernel, stride: c.stride, pad: c.padding, groups: c.groups, relu: true, fma: true };
      const X = groupedInputMargin(base) + 64;
      const W = X + x.length * 4 + 64;
      const O = W + c.outChannels * (cpg * c.kernel * c.kernel + 1) * 4 + 64;
      const mem = new WebAssembly.Memory({ initial: Math.ceil((O + ref.length * 4 + 64) / 65536) + 1 });
      const f = new Float32Array(mem.buffer);
      f.set(x, X / 4);
      for (const v of opg % 8 === 0 ? [1, 2] : [1]) {
        for (let p = 1; p <= 8; p++) {
          for (const [blockOuter, parts, unroll] of [[false, 1, false], [true, 1, true], [false, c.groups, true], [true, 2, false]] as const) {
            const plan = { v, p, chunks: Math.ceil(opg / 4) / v, blockOuter, parts, unroll };
            f.set(packWasmGroupedFilter(hwio, bias, c.kernel, cpg, c.outChannels, c.groups, plan).data, W / 4);
            f.fill(NaN, O / 4, O / 4 + ref.length);
            const run = new WebAssembly.Instance(new WebAssembly.Module(groupedConvWasmBytes({ ...base, plan }, false)), { env: { mem } }).exports.run as (...a: number[]) => void;
            const items = groupedItems(c.batch * ho, plan);
            run(X, W, O, 1, items);
            run(X, W, O, 0, 1);
            expect(maxDiff(ref, f.subarray(O / 4, O / 4 + ref.length)), JSON.stringify(plan)).toBeLessThan(1e-5);
          }
        }
      }
    },
  );

  it.each([g(16, 16, 3, 1, 1, 4, 9, 2), g(32, 32, 3, 2, 1, 8, 9), g(8, 8, 3, 1, 2, 2, 6), g(8, 8, 1, 1, 0, 2, 5)].map((c, i) => [i, c] as const))(
    'case %i: the dot form (4 inputs as one vector, a lane sum per pixel) in every block size and loop order, FMA and plain SIMD, equals the reference',
    (_i, c) => {
      const { xShape, x, w, bias } = randomConv(c, 13, 0.3);
      const ref = referenceConv(x, xShape, w, bias, c, true);
      const refLinear = referenceConv(x, xShape, w, bias, c, false);
      const hwio = oihwToHwio(w, c.outChannels, 4, c.kernel, c.kernel);
      const ho = convOutSize(c.hw, c.kernel, c.stride, c.padding);
      const base = { h: c.hw, w: c.hw, inC: c.inChannels, ho, wo: ho, outC: c.outChannels, k: c.kernel, stride: c.stride, pad: c.padding, groups: c.groups };
      const X = groupedInputMargin(base) + 64;
      const W = X + x.length * 4 + 64;
      const O = W + c.outChannels * (4 * c.kernel * c.kernel + 1) * 4 + 64;
      const mem = new WebAssembly.Memory({ initial: Math.ceil((O + ref.length * 4 + 64) / 65536) + 1 });
      const f = new Float32Array(mem.buffer);
      f.set(x, X / 4);
      expect(wasmGroupedPlan(4, c.groups, 4, c.kernel, ho).dot).toBe(true);
      for (let p = 1; p <= 4; p++) {
        for (const [blockOuter, parts, relu, fma] of [[false, 1, true, true], [true, 1, false, false], [false, c.groups, false, true], [true, 2, true, false]] as const) {
          const plan = { v: 1, p, chunks: 1, blockOuter, parts, dot: true };
          f.set(packWasmGroupedFilter(hwio, bias, c.kernel, 4, c.outChannels, c.groups, plan).data, W / 4);
          f.fill(NaN, O / 4, O / 4 + ref.length);
          const run = new WebAssembly.Instance(new WebAssembly.Module(groupedConvWasmBytes({ ...base, relu, fma, plan }, false)), { env: { mem } }).exports.run as (...a: number[]) => void;
          run(X, W, O, 1, groupedItems(c.batch * ho, plan));
          run(X, W, O, 0, 1);
          expect(maxDiff(relu ? ref : refLinear, f.subarray(O / 4, O / 4 + ref.length)), JSON.stringify({ plan, relu, fma })).toBeLessThan(1e-5);
        }
      }
    },
  );

  it('copies an input that lies lower in memory than the addresses the kernel forms before it', () => {
    const c = g(8, 8, 3, 1, 1, 2, 6);
    const next = rng(3);
    const xShape = [1, 6, 6, 8];
    const x = normal(next, 6 * 6 * 8);
    const w = normal(next, 8 * 4 * 9, 0.3);
    const ref = referenceConv(x, xShape, w, null, c, false);
    const mem = new WebAssembly.Memory({ initial: 4 });
    let top = 4096;
    const malloc = (n: number) => ((top = Math.ceil(top / 64) * 64 + n), top - n);
    const ids = new Map<object, { memoryOffset: number }>();
    const tensor = (shape: number[], offset: number): tf.TensorInfo => {
      const dataId = {};
      ids.set(dataId, { memoryOffset: offset });
      return { dataId, shape, dtype: 'float32' } as tf.TensorInfo;
    };
    new Float32Array(mem.buffer).set(x, 0);
    const hwio = oihwToHwio(w, 8, 4, 3, 3);
    const wOff = malloc(hwio.length * 4);
    new Float32Array(mem.buffer).set(hwio, wOff / 4);
    const backend = {
      wasm: { wasmMemory: mem, _malloc: malloc, _free: () => undefined },
      dataIdMap: { get: (id: object) => ids.get(id)! },
      makeOutput: (shape: number[]) => tensor(shape, malloc(shape.reduce((a, b) => a * b) * 4)),
    };
    const out = wasmGroupedConvKernel({ inputs: { x: tensor(xShape, 0), filter: tensor([3, 3, 4, 8], wOff) }, backend, attrs: { stride: 1, pad: 1, groups: 2, relu: false } as unknown as tf.NamedAttrMap });
    expect(groupedInputMargin({ w: 6, inC: 8, pad: 1 })).toBeGreaterThan(0);
    expect(maxDiff(ref, new Float32Array(mem.buffer, ids.get(out.dataId)!.memoryOffset, ref.length))).toBeLessThan(1e-5);
  });

  it('splits the groups of a row when the rows alone do not make 16 items per thread', () => {
    expect(groupParts(56, 32, 2)).toBe(1);
    expect(groupParts(7, 32, 2)).toBe(5);
    expect(groupParts(1, 2, 4)).toBe(2);
    expect(groupedItems(7, { v: 2, p: 4, chunks: 4, blockOuter: false, parts: 3 })).toBe(21);
  });

  it('emits a valid module for plain and shared memories', () => {
    const shape = { h: 7, w: 7, inC: 16, ho: 7, wo: 7, outC: 16, k: 3, stride: 1, pad: 1, groups: 4, relu: true, plan: wasmGroupedPlan(4, 4, 4, 3), fma: false };
    for (const [blockOuter, fma] of [[false, false], [true, false], [false, true], [true, true]]) {
      const s = { ...shape, fma, plan: { ...shape.plan, blockOuter } };
      expect(WebAssembly.validate(groupedConvWasmBytes(s, false))).toBe(true);
      expect(WebAssembly.validate(groupedConvWasmBytes(s, true))).toBe(true);
    }
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(groupedConvWasmBytes(shape, true)), { env: { mem: shared } });
    expect(typeof inst.exports.run).toBe('function');
  });
});

afterAll(async () => {
  await useBackend('cpu');
});
