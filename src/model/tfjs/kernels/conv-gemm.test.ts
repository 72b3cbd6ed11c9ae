import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { convOutSize } from '../../graph.ts';
import { normal, rng } from '../random.ts';
import { referenceConv } from '../../../../test/support/reference-conv.ts';
import { GEMM_NR, gemmConvWasmBytes, gemmItems, packGemmWeights, type GemmConvShape } from './conv-gemm.ts';
import { KernelPool, type HelperHandle } from './pool.ts';
import { relaxedSimdSupported } from './wasm-encoder.ts';
import { padReference } from '../../../../test/support/pad.ts';
import { padWasmBytes } from './pad.ts';

interface Case { n: number; hw: number; inC: number; outC: number; k: number; stride: number; pad: number }
const c = (n: number, hw: number, inC: number, outC: number, k: number, stride: number, pad: number): Case => ({ n, hw, inC, outC, k, stride, pad });

// 1x1 (flat), strided 1x1 and kxk (rows) convs; output channels that fill whole blocks of 8, half
// blocks and 1..7 lanes; rows of 1..13 pixels, so that tiles run on into the next row (and the next
// two) and the last tile of an image is partial; batch 2.
const CASES: Case[] = [
  c(1, 5, 3, 5, 3, 1, 1), c(2, 7, 8, 12, 1, 1, 0), c(1, 9, 6, 9, 3, 2, 1), c(1, 11, 4, 16, 7, 2, 3), c(1, 6, 16, 20, 1, 2, 0),
  c(2, 4, 12, 8, 1, 1, 0), c(1, 13, 2, 1, 3, 1, 1), c(1, 8, 24, 36, 3, 1, 1), c(2, 10, 5, 7, 3, 2, 0), c(1, 3, 32, 64, 1, 1, 0),
  c(2, 7, 16, 24, 3, 1, 1), c(2, 3, 8, 16, 3, 1, 1), c(1, 2, 8, 8, 1, 1, 0), c(2, 5, 8, 16, 3, 2, 1),
  // Tiles of one pixel (the reduction split over 4 pairs of accumulators): an fc layer, and the last of 49 pixels.
  c(1, 1, 64, 20, 1, 1, 0), c(1, 7, 12, 8, 1, 1, 0),
];

interface Memory {
  mem: WebAssembly.Memory;
  f: Float32Array;
}

/** Lays out x (padded), w, out, residual in a fresh memory; returns their byte offsets. */
function layout(m: Memory, parts: Float32Array[]): number[] {
  const offs: number[] = [];
  let at = 64;
  for (const p of parts) {
    offs.push(at);
    new Float32Array(m.mem.buffer).set(p, at / 4);
    at += p.length * 4 + 64;
  }
  return offs;
}

function memory(floats: number, shared = false): Memory {
  const pages = Math.ceil((floats * 4 + 4096) / 65536) + 1;
  const mem = shared ? new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true }) : new WebAssembly.Memory({ initial: pages });
  return { mem, f: new Float32Array(mem.buffer) };
}

function setup(t: Case, seed: number) {
  const next = rng(seed);
  const ho = convOutSize(t.hw, t.k, t.stride, t.pad);
  const x = normal(next, t.n * t.hw * t.hw * t.inC);
  const w = normal(next, t.outC * t.inC * t.k * t.k, 1 / Math.sqrt(t.inC * t.k * t.k));
  const bias = normal(next, t.outC);
  const res = normal(next, t.n * ho * ho * t.outC);
  const hp = t.hw + 2 * t.pad;
  const xp = padReference(x, t.n, t.hw, t.hw, t.inC, hp, hp, t.pad);
  return { ho, x, w, bias, res, hp, xp };
}

function shapeOf(t: Case, hp: number, ho: number, plan: Partial<GemmConvShape>): GemmConvShape {
  const mode = t.k === 1 && t.stride === 1 && t.pad === 0 ? 'flat' : 'rows';
  return { mode, n: t.n, hp, wp: hp, inC: t.inC, ho, wo: ho, outC: t.outC, k: t.k, stride: t.stride, relu: true, residual: true, mr: 6, panel: 1000, group: 1000, fma: false, ...plan };
}

function expected(t: Case, s: ReturnType<typeof setup>, bias: boolean, residual: boolean, relu: boolean): Float64Array {
  const ref = referenceConv(s.x, [t.n, t.hw, t.hw, t.inC], s.w, bias ? s.bias : null, { inChannels: t.inC, outChannels: t.outC, kernel: t.k, stride: t.stride, padding: t.pad, groups: 1 }, false);
  for (let i = 0; i < ref.length; i++) {
    if (residual) ref[i] += s.res[i];
    if (relu) ref[i] = Math.max(0, ref[i]);
  }
  return ref;
}

function maxDiff(ref: Float64Array, got: Float32Array): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i] - got[i]));
  return m;
}

describe('packGemmWeights', () => {
  it('puts the bias row first, then (ky, kx, input) rows of 8 lanes, zeros past the last channel', () => {
    // O = 3, I = 2, 1x1: OIHW [[1, 2], [3, 4], [5, 6]].
    const p = packGemmWeights(Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([7, 8, 9]), 3, 2, 1);
    expect(p.length).toBe(3 * GEMM_NR);
    expect([...p.subarray(0, 8)]).toEqual([7, 8, 9, 0, 0, 0, 0, 0]);
    expect([...p.subarray(8, 16)]).toEqual([1, 3, 5, 0, 0, 0, 0, 0]);
    expect([...p.subarray(16, 24)]).toEqual([2, 4, 6, 0, 0, 0, 0, 0]);
  });
});

describe('generated GEMM conv kernels equal the float64 reference', () => {
  it('relaxed SIMD validates here (Node >= 22, or Node 20 with the flag vite.config.ts passes)', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });

  const plans: Partial<GemmConvShape>[] = [];
  // Whole-batch items, and panels and groups of 1 and 2 (items that end inside an image or a row, a last group short of blocks).
  for (const fma of [false, true]) for (const [panel, group] of [[1000, 1000], [1, 1], [2, 2]]) for (const mr of [1, 4, 5, 6]) plans.push({ fma, panel, group, mr });
  it.each(CASES.map((t) => [`${t.n}x${t.hw}x${t.hw}x${t.inC} -> ${t.outC} k${t.k} s${t.stride} p${t.pad}`, t] as const))('%s, every plan, with and without bias, residual and ReLU', (_name, t) => {
    const s = setup(t, t.inC * 31 + t.outC);
    for (const plan of plans) {
      for (const [bias, residual, relu] of [[true, true, true], [false, false, false], [true, false, true], [false, true, false]]) {
        const shape = shapeOf(t, s.hp, s.ho, { ...plan, residual, relu });
        const m = memory(s.xp.length + s.w.length * 2 + 2 * s.res.length + 64);
        const packed = packGemmWeights(s.w, bias ? s.bias : null, t.outC, t.inC, t.k);
        const out = new Float32Array(s.res.length).fill(NaN);
        const [X, W, O, R] = layout(m, [shape.mode === 'flat' ? s.x : s.xp, packed, out, s.res]);
        const run = new WebAssembly.Instance(new WebAssembly.Module(gemmConvWasmBytes(shape, false)), { env: { mem: m.mem } }).exports.run as (...a: number[]) => void;
        // Items in two calls, as two threads would take them.
        const items = gemmItems(shape);
        const half = Math.floor(items / 2);
        run(X, W, O, R, half, items);
        run(X, W, O, R, 0, half);
        const got = new Float32Array(m.mem.buffer, O, out.length);
        expect(maxDiff(expected(t, s, bias, residual, relu), got), JSON.stringify({ plan, bias, residual, relu })).toBeLessThan(1e-5);
      }
    }
  });

  it('refuses a plan it cannot generate', () => {
    const t = c(1, 4, 6, 8, 1, 1, 0);
    expect(() => gemmConvWasmBytes(shapeOf(t, 4, 4, { mr: 7 }), false)).toThrow(/bad plan/);
    expect(() => gemmConvWasmBytes(shapeOf(t, 4, 4, { panel: 0 }), false)).toThrow(/bad plan/);
    expect(() => gemmConvWasmBytes({ ...shapeOf(t, 4, 4, {}), mode: 'flat', k: 3 }, false)).toThrow(/flat mode/);
  });
});

describe('the pad kernel', () => {
  it.each([[1, 5, 4, 3, 1], [2, 7, 6, 2, 1], [1, 4, 9, 1, 3], [2, 3, 5, 8, 0]])('n %i, %ix%i, %i channels, pad %i: equals the JS reference, borders zeroed', (n, hw, wd, ch, pad) => {
    const next = rng(hw * 7 + ch);
    const x = normal(next, n * hw * wd * ch);
    // One spare row and column after the padding, as a stride may need.
    const hp = hw + 2 * pad + 1;
    const wp = wd + 2 * pad + 1;
    const ref = padReference(x, n, hw, wd, ch, hp, wp, pad);
    const m = memory(x.length + ref.length + 64);
    const [SRC, DST] = layout(m, [x, new Float32Array(ref.length).fill(NaN)]);
    const run = new WebAssembly.Instance(new WebAssembly.Module(padWasmBytes({ n, h: hw, w: wd, c: ch, hp, wp, pad }, false)), { env: { mem: m.mem } }).exports.run as (...a: number[]) => void;
    run(SRC, DST, 1, n * hp);
    run(SRC, DST, 0, 1);
    expect([...new Float32Array(m.mem.buffer, DST, ref.length)]).toEqual([...ref]);
  });
});

describe('the kernel pool on worker threads with a shared memory', () => {
  const pools: KernelPool[] = [];
  afterAll(() => {
    for (const p of pools) p.dispose();
  });
  // V8 flags such as relaxed SIMD are the process's: a worker thread gets them without asking.
  const startHelper = (): HelperHandle => new Worker(new URL('../../../../test/support/pool-helper-node.mjs', import.meta.url));

  it.each([2, 3])('%i threads compute the same output as one, and the helpers take items', async (threads) => {
    const t = c(2, 28, 32, 40, 3, 1, 1);
    const s = setup(t, 99);
    const shape = shapeOf(t, s.hp, s.ho, { panel: 2, group: 1, fma: true });
    const m = memory(s.xp.length + s.w.length * 2 + 3 * s.res.length, true);
    const packed = packGemmWeights(s.w, s.bias, t.outC, t.inC, t.k);
    const [X, W, O, R, CODE] = layout(m, [s.xp, packed, new Float32Array(s.res.length), s.res, new Float32Array(8192)]);
    const code = gemmConvWasmBytes(shape, true);
    new Uint8Array(m.mem.buffer, CODE, code.byteLength).set(code);
    const run = new WebAssembly.Instance(new WebAssembly.Module(code), { env: { mem: m.mem } }).exports.run as (...a: number[]) => void;
    const pool = new KernelPool(m.mem, threads, startHelper);
    pools.push(pool);
    expect(pool.threads).toBe(threads);
    for (let i = 0; i < 200 && pool.stats().helpersStarted < threads - 1; i++) await new Promise((r) => setTimeout(r, 25));
    expect(pool.stats().helpersStarted).toBe(threads - 1);
    const ref = expected(t, s, true, true, true);
    for (let rep = 0; rep < 20; rep++) {
      new Float32Array(m.mem.buffer, O, s.res.length).fill(NaN);
      pool.run({ codePtr: CODE, codeLen: code.byteLength, run }, [X, W, O, R], gemmItems(shape), 1);
      expect(maxDiff(ref, new Float32Array(m.mem.buffer, O, s.res.length))).toBeLessThan(1e-5);
    }
    expect(pool.stats().helperItems).toBeGreaterThan(0);
  });

  it('runs everything on the calling thread without shared memory', () => {
    const pool = new KernelPool(new WebAssembly.Memory({ initial: 1 }), 4, () => {
      throw new Error('no helper should start');
    });
    expect(pool.threads).toBe(1);
    const seen: number[][] = [];
    pool.run({ codePtr: 0, codeLen: 0, run: (...a: number[]) => void seen.push(a) }, [7], 5);
    expect(seen).toEqual([[7, 0, 5]]);
  });
});
