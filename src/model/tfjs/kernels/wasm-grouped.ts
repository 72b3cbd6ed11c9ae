/**
 * Grouped convolution for the tfjs `wasm` backend: a small WebAssembly SIMD (128-bit f32x4) module
 * generated here, per layer shape, that imports the backend's own memory (zero copy; a shared
 * memory in the threaded build) and reads the input and writes the output in place in its heap.
 * Output rows are the work items of the kernel pool (`kernels/pool.ts`: every core); with relaxed
 * SIMD each multiply-add is one f32x4.relaxed_madd.
 *
 * Per output row and group, a block of P output pixels x V vectors of 4 output channels is kept in
 * registers; every (tap, input channel) step loads V weight vectors and P broadcast inputs and does
 * P x V multiply-adds. With 4 input and 4 output channels per group (the dot form) a step is a tap: a
 * pixel's 4 inputs are loaded as one vector and multiplied by 4 weight vectors (one per output channel,
 * by input channel) into 4 accumulators, which are summed across lanes once per pixel at the end. Every shape constant is baked into the code (loads use immediate offsets).
 * The (ky, kx, channel) steps are real loops, one step per iteration: fully unrolled, V8's TurboFan
 * schedules all loads of the block first and spills (measured 2-5x slower).
 * Output channels per group that do not fill whole vectors are zero-padded in the packed weights and
 * stored lane by lane, so any (in, out) per group works. Padding: the input is copied once into a
 * zero-bordered scratch buffer in the same heap, so the inner loops have no bounds checks.
 *
 * Packed filter (one tensor, made once per layer by `packWasmGroupedFilter`): [G, chunks, K*K*cpg + 1,
 * V*4]: for group g and chunk c (V vectors of output channels), the weights by (tap, input channel),
 * then one row of bias (the dot form: by (tap, output channel), lanes by input channel). Summation
 * order per output: bias, then taps in (ky, kx, j) order (the dot form: per input lane over the taps,
 * then the lanes, then the bias).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { kernelFma, kernelFor, kernelThreads, memoryOf, wasmKernelCall, type KernelCall } from './runtime.ts';
import { convOutSize } from '../../graph.ts';
import type { PaddedConvKernelShape } from './conv-shape.ts';
import { Code, I32, moduleBytes, SIMD, V128 } from './wasm-encoder.ts';

export interface WasmGroupedPlan {
  /** Vectors of 4 output channels per chunk. */
  v: number;
  /** Output pixels per register block. */
  p: number;
  /** Chunks per group. */
  chunks: number;
  /** Loop order per output row: blocks of pixels, then groups (else groups, then blocks of pixels). */
  blockOuter: boolean;
  /** Parts the groups of a row are split into: a work item is one row x one part (so that a 7-row layer still makes items for every thread). */
  parts?: number;
  /** Unroll the loop over a group's input channels (one copy of the step per channel). */
  unroll?: boolean;
  /**
   * 4 input and 4 output channels per group: a pixel's 4 inputs are one vector, multiplied by the tap's 4 x 4
   * weights (a vector of 4 inputs per output channel) into 4 accumulators per pixel, summed across lanes at the end.
   */
  dot?: boolean;
}

/**
 * Register blocking for `opg` output channels per group and `wo` output columns: 2 vectors x 5 pixels
 * when the group's vectors pair up (x 4 in rows of up to 8 pixels: 7 = 4 + 3, not 5 + 2), else 1 x 8;
 * blocks of pixels outside the groups when every group's weights fit in L1 (<= 24 KiB). Measured in
 * Chromium 156 on the AMD EPYC Zen 3, 1 thread, FMA, ResNeXt-50 32x4d conv2 shapes, GMAC/s (busy
 * machine: the sum of per-chunk minima): opg 8 (28x28) V=2 P=4 17.7, P=5 18.8, P=6 19.0; opg 16
 * (14x14) P=4 18.6, P=5 21.7, P=6 21.1; opg 32 (7x7) P=4 19.7, P=5 18.0, P=6 18.4; the stride-2 convs
 * alike. Earlier, in Node: opg 4 P=8 spilled (8-12); Chromium, stage 1 (opg 4): P=4 16.1, P=6 18.1,
 * P=8 20.6 with FMA: 8 pixels when a group has one vector.
 * The channel loop is unrolled where a group has at most 8 input channels: on the AMD EPYC Zen 5
 * (Chromium 156, 1 thread, loaded machine, two runs) ResNeXt-50's stage 2 grouped 3x3 went from
 * 21-22 to 33 GMAC/s (28x28) and from 17-21 to 23-24 (stride 2), stage 1 from 19-20 to 20-21; with 16
 * and 32 channels (stages 3, 4) unrolled ran 5-20% slower.
 * With 4 input and 4 output channels per group (ResNeXt-50 32x4d's stage 1) the dot form (`dot`), 2 pixels
 * (8 accumulators, 4 weight vectors: more spill): on the AMD EPYC Zen 5 (Chromium 156, 1 thread, load 9-10,
 * two runs) 23.1-24.1 GMAC/s (86-90% of the FMA ceiling) against 18.1-19.9 for 8 pixels of broadcasts;
 * 3 pixels 19.4, 1 pixel 19.7.
 */
export function wasmGroupedPlan(opg: number, groups: number, cpg: number, k: number, wo = Infinity): WasmGroupedPlan {
  const nv = Math.ceil(opg / 4);
  const v = nv % 2 === 0 ? 2 : 1;
  const blockOuter = groups * nv * 16 * (k * k * cpg + 1) <= 24 * 1024;
  if (cpg === 4 && opg === 4) return { v: 1, p: 2, chunks: 1, blockOuter, dot: true };
  return { v, p: v === 1 ? 8 : wo <= 8 ? 4 : 5, chunks: nv / v, blockOuter, unroll: cpg <= 8 };
}

/**
 * Packs a [K, K, cpg, outC] (HWIO with the group's inputs) filter and an optional bias into the
 * layout the kernel reads: [G, chunks, K*K*cpg + 1, V*4], zeros where output channels are padding.
 */
export function packWasmGroupedFilter(
  hwio: Float32Array,
  bias: Float32Array | null,
  k: number,
  cpg: number,
  outC: number,
  groups: number,
  plan: WasmGroupedPlan = wasmGroupedPlan(outC / groups, groups, cpg, k),
): { data: Float32Array; shape: [number, number, number, number]; plan: WasmGroupedPlan } {
  const opg = outC / groups;
  const lanes = plan.v * 4;
  const rows = k * k * cpg + 1;
  const data = new Float32Array(groups * plan.chunks * rows * lanes);
  if (plan.dot) {
    // Per group and tap, row o holds output channel o's weights by input channel (the 4 x 4 block transposed).
    for (let g = 0; g < groups; g++) {
      const base = g * rows * 4;
      for (let t = 0; t < k * k; t++) {
        for (let o = 0; o < 4; o++) for (let j = 0; j < 4; j++) data[base + (t * 4 + o) * 4 + j] = hwio[(t * 4 + j) * outC + g * 4 + o];
      }
      if (bias) for (let o = 0; o < 4; o++) data[base + (rows - 1) * 4 + o] = bias[g * 4 + o];
    }
    return { data, shape: [groups, 1, rows, 4], plan };
  }
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < plan.chunks; c++) {
      const base = (g * plan.chunks + c) * rows * lanes;
      for (let l = 0; l < lanes; l++) {
        const m = c * lanes + l;
        if (m >= opg) continue;
        const o = g * opg + m;
        for (let t = 0; t < k * k; t++) {
          for (let j = 0; j < cpg; j++) data[base + (t * cpg + j) * lanes + l] = hwio[(t * cpg + j) * outC + o];
        }
        if (bias) data[base + (rows - 1) * lanes + l] = bias[o];
      }
    }
  }
  return { data, shape: [groups, plan.chunks, rows, lanes], plan };
}

/** Everything a generated kernel bakes in: the layer's shape (taps in the padding are skipped), its groups and plan. */
export interface KernelShape extends PaddedConvKernelShape {
  groups: number;
  plan: WasmGroupedPlan;
  /** f32x4.relaxed_madd instead of f32x4.mul + f32x4.add. */
  fma: boolean;
}

/**
 * The blocks of one output row: `x0` first column, `pb` pixels; `kx[p]` = the taps [from, to) of
 * pixel p that fall inside the input (null: every tap, for every pixel), `repeat` identical blocks.
 */
interface RowBlock {
  x0: number;
  pb: number;
  repeat: number;
  kx: [number, number][] | null;
}

function rowBlocks(s: Pick<KernelShape, 'w' | 'wo' | 'k' | 'stride' | 'pad'>, P: number): RowBlock[] {
  const { w, wo, k, stride, pad } = s;
  const range = (ox: number): [number, number] => [Math.max(0, pad - ox * stride), Math.min(k, w + pad - ox * stride)];
  const out: RowBlock[] = [];
  for (let x0 = 0; x0 < wo; x0 += P) {
    const pb = Math.min(P, wo - x0);
    const kx: [number, number][] = [];
    for (let p = 0; p < pb; p++) kx.push(range(x0 + p));
    const inside = kx.every(([a, b]) => a === 0 && b === k);
    const last = out[out.length - 1];
    if (inside && last && !last.kx && last.pb === pb) last.repeat++;
    else out.push({ x0, pb, repeat: 1, kx: inside ? null : kx });
  }
  return out;
}

/** Bytes before the input a kernel may address (never read): the tensor must not start lower. */
export function groupedInputMargin(s: Pick<KernelShape, 'w' | 'inC' | 'pad'>): number {
  return (s.pad * (s.w + 1)) * s.inC * 4;
}

/** Parts to split each row's groups into: enough items (rows x parts) for 16 per thread (the threads end about half an item apart), at most the groups. */
export function groupParts(rows: number, groups: number, threads: number): number {
  return Math.max(1, Math.min(groups, Math.ceil((16 * threads) / rows)));
}

/** Work items of a kernel over `rows` output rows (the batch's): rows x parts of the groups. */
export function groupedItems(rows: number, plan: WasmGroupedPlan): number {
  return rows * (plan.parts ?? 1);
}

/**
 * `run(x, w, out, begin, end)`: items [begin, end), item = row * parts + part (row r: image r / ho,
 * row r % ho; part p: groups [p G / parts, (p + 1) G / parts)); x NHWC [n, h, w, inC] (not padded),
 * w packed, out NHWC [n, ho, wo, outC]. Zero padding
 * is never materialised: per output row the kernel runs the vertical taps that fall inside the input
 * (bounds computed once a row), and blocks of pixels at the left and right edges have their
 * horizontal taps unrolled, each with the pixels it reaches.
 */
export function groupedConvWasmBytes(s: KernelShape, shared: boolean): Uint8Array<ArrayBuffer> {
  const { h, w, inC, ho, wo, outC, k, stride, pad, groups, relu, plan, fma } = s;
  const cpg = inC / groups;
  const opg = outC / groups;
  const { v: V, p: P, chunks } = plan;
  const lanes = V * 4;
  const rows = k * k * cpg + 1;
  const chunkBytes = rows * lanes * 4;
  const tapBytes = cpg * lanes * 4;
  const F = 4;
  const c = new Code(5);
  const [X, W, OUT, BEGIN, END] = [0, 1, 2, 3, 4];
  const parts = plan.parts ?? 1;
  const item = c.local(I32), r = c.local(I32), oy = c.local(I32), ky0 = c.local(I32), ky1 = c.local(I32), g0 = c.local(I32), g1 = c.local(I32);
  const rowX = c.local(I32), rowO = c.local(I32), bX = c.local(I32), bO = c.local(I32), gX = c.local(I32), gO = c.local(I32);
  const gi = c.local(I32), ci = c.local(I32), bi = c.local(I32), wc = c.local(I32), px = c.local(I32), po = c.local(I32);
  if (plan.dot && (cpg !== 4 || opg !== 4 || V !== 1 || chunks !== 1)) throw new Error(`grouped conv: the dot form needs 4 input and 4 output channels per group, not ${cpg} and ${opg}`);
  const acc: number[] = [];
  for (let i = 0; i < P * (plan.dot ? 4 : V); i++) acc.push(c.local(V128));
  const wv: number[] = [];
  for (let i = 0; i < (plan.dot ? 4 : V); i++) wv.push(c.local(V128));
  const sv = c.local(V128);
  const cy = c.local(I32), cx = c.local(I32), cj = c.local(I32), xk = c.local(I32), xt = c.local(I32), xq = c.local(I32), wq = c.local(I32), wk = c.local(I32);
  const zero = c.local(V128);

  /** One step: V weight vectors at wq, the pixels `pix` (input at xq + offset), their multiply-adds. */
  const step = (pix: number[]) => {
    for (let v = 0; v < V; v++) c.get(wq).load(v * 16).set(wv[v]);
    for (const p of pix) {
      c.get(xq).splat(p * stride * inC * F);
      if (V > 1) c.set(sv);
      for (let v = 0; v < V; v++) {
        const a = acc[p * V + v];
        if (V > 1) c.get(sv);
        if (fma) c.get(wv[v]).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
        else c.get(wv[v]).simd(SIMD.f32x4Mul).get(a).simd(SIMD.f32x4Add).set(a);
      }
    }
    c.inc(wq, V * 16).inc(xq, F);
  };

  /** Every input channel of the group for the pixels `pix`, a step each. */
  const channels = (pix: number[]) => {
    if (plan.unroll) for (let j = 0; j < cpg; j++) step(pix);
    else c.loop(cj, cpg, () => step(pix));
  };

  /**
   * pb pixels of one chunk, input of the block's first pixel at column offset -pad at px (row ky0),
   * output at po, weights at wc; `kx` as in RowBlock; `lastLanes` = lanes kept in the last vector.
   */
  const block = (pb: number, kx: [number, number][] | null, lastLanes: number) => {
    if (plan.dot) return dotBlock(pb, kx);
    for (let p = 0; p < pb; p++) for (let v = 0; v < V; v++) c.get(wc).load((rows - 1) * lanes * F + v * 16).set(acc[p * V + v]);
    // Vertical taps [ky0, ky1) of this row; the weights of tap (ky, kx) start at wc + (ky k + kx) cpg lanes.
    c.get(wc).get(ky0).i32(k * tapBytes).mul().add().set(wk).get(px).set(xk);
    c.loopRange(cy, ky0, ky1, () => {
      if (!kx) {
        const all = [...Array(pb).keys()];
        c.get(xk).set(xt).get(wk).set(wq);
        c.loop(cx, k, () => {
          c.get(xt).set(xq);
          channels(all);
          c.inc(xt, inC * F);
        });
      } else {
        for (let t = 0; t < k; t++) {
          const pix = [...Array(pb).keys()].filter((p) => kx[p][0] <= t && t < kx[p][1]);
          if (!pix.length) continue;
          c.get(xk).i32(t * inC * F).add().set(xq).get(wk).i32(t * tapBytes).add().set(wq);
          channels(pix);
        }
      }
      c.inc(xk, w * inC * F).inc(wk, k * tapBytes);
    });
    for (let p = 0; p < pb; p++) {
      for (let v = 0; v < V; v++) {
        const a = acc[p * V + v];
        const off = (p * outC + v * 4) * F;
        const value = () => (relu ? c.get(zero).get(a).simd(SIMD.f32x4Max) : c.get(a));
        if (v === V - 1 && lastLanes < 4) {
          for (let l = 0; l < lastLanes; l++) {
            c.get(po);
            value();
            c.storeLane(off + l * 4, l);
          }
        } else {
          c.get(po);
          value();
          c.store(off);
        }
      }
    }
  };

  /**
   * The dot form (`plan.dot`): pb pixels of one group, input of the block's first pixel at column -pad at px
   * (row ky0), output at po, weights at wc. acc[p * 4 + o] holds output o of pixel p by input lane.
   */
  const dotBlock = (pb: number, kx: [number, number][] | null) => {
    for (let i = 0; i < pb * 4; i++) c.get(zero).set(acc[i]);
    c.get(wc).get(ky0).i32(k * 64).mul().add().set(wk).get(px).set(xk);
    c.loopRange(cy, ky0, ky1, () => {
      for (let t = 0; t < k; t++) {
        const pix = [...Array(pb).keys()].filter((p) => !kx || (kx[p][0] <= t && t < kx[p][1]));
        if (!pix.length) continue;
        for (let o = 0; o < 4; o++) c.get(wk).load(t * 64 + o * 16).set(wv[o]);
        for (const p of pix) {
          c.get(xk).load((t + p * stride) * inC * F).set(sv);
          for (let o = 0; o < 4; o++) {
            const a = acc[p * 4 + o];
            if (fma) c.get(sv).get(wv[o]).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
            else c.get(sv).get(wv[o]).simd(SIMD.f32x4Mul).get(a).simd(SIMD.f32x4Add).set(a);
          }
        }
      }
      c.inc(xk, w * inC * F).inc(wk, k * 64);
    });
    for (let p = 0; p < pb; p++) {
      const [a0, a1, a2, a3] = acc.slice(p * 4, p * 4 + 4);
      // [sum a0, sum a1, sum a2, sum a3] by two rounds of interleave-and-add, then the bias.
      c.get(a0).get(a1).shuffle32([0, 4, 1, 5]).get(a0).get(a1).shuffle32([2, 6, 3, 7]).simd(SIMD.f32x4Add).set(a0);
      c.get(a2).get(a3).shuffle32([0, 4, 1, 5]).get(a2).get(a3).shuffle32([2, 6, 3, 7]).simd(SIMD.f32x4Add).set(a2);
      c.get(a0).get(a2).shuffle32([0, 1, 4, 5]).get(a0).get(a2).shuffle32([2, 3, 6, 7]).simd(SIMD.f32x4Add);
      c.get(wc).load((rows - 1) * 16).simd(SIMD.f32x4Add);
      if (relu) c.set(a0).get(zero).get(a0).simd(SIMD.f32x4Max);
      c.set(a0).get(po).get(a0).store(p * outC * F);
    }
  };

  const lastLanes = opg % 4 === 0 ? 4 : opg % 4;
  const segments = rowBlocks(s, P);
  /** A run of identical blocks from column x0: `body` per block at px / po, advanced by pb pixels each. */
  const blocksOf = (seg: RowBlock, body: () => void) => {
    if (seg.repeat === 1) body();
    else c.loop(bi, seg.repeat, () => {
      body();
      c.inc(px, seg.pb * stride * inC * F).inc(po, seg.pb * outC * F);
    });
  };
  /** All chunks of the group at gX / gO for the pixels of the block at bX / bO. */
  const groupChunks = (pb: number, kx: [number, number][] | null) => {
    if (chunks > 1) {
      c.loop(ci, chunks - 1, () => {
        c.get(gX).set(px).get(gO).get(ci).i32(lanes * F).mul().add().set(po);
        block(pb, kx, 4);
        c.inc(wc, chunkBytes);
      });
    }
    c.get(gX).set(px).get(gO).i32((chunks - 1) * lanes * F).add().set(po);
    block(pb, kx, lastLanes);
    c.inc(wc, chunkBytes);
  };

  if (relu || plan.dot) c.zero().set(zero);
  c.loopRange(item, BEGIN, END, () => {
    // Groups [g0, g1) of row r.
    c.get(item).i32(parts).divU().set(r);
    c.get(item).i32(parts).remU().i32(groups).mul().i32(parts).divU().set(g0);
    c.get(item).i32(parts).remU().i32(1).add().i32(groups).mul().i32(parts).divU().set(g1);
    // oy = r % ho; taps ky in [max(0, pad - oy s), min(k, h + pad - oy s)).
    c.get(r).i32(ho).remU().set(oy);
    c.i32(pad).get(oy).i32(stride).mul().op(0x6b).set(ky0);
    c.get(ky0).i32(0).op(0x48).op(0x04, 0x40).i32(0).set(ky0).op(0x0b);
    c.i32(h + pad).get(oy).i32(stride).mul().op(0x6b).set(ky1);
    c.get(ky1).i32(k).op(0x4a).op(0x04, 0x40).i32(k).set(ky1).op(0x0b);
    // rowX = x + image + (oy s - pad + ky0) w inC - pad inC: column -pad of the first input row read.
    c.get(X).get(r).i32(ho).divU().i32(h * w * inC * F).mul().add();
    c.get(oy).i32(stride).mul().get(ky0).add().i32(w * inC * F).mul().add();
    c.i32(pad * (w + 1) * inC * F).op(0x6b).get(g0).i32(cpg * F).mul().add().set(rowX);
    c.get(OUT).get(r).i32(wo * outC * F).mul().add().get(g0).i32(opg * F).mul().add().set(rowO);
    // The weights of group g0.
    const firstWeights = () => c.get(W).get(g0).i32(chunks * chunkBytes).mul().add().set(wc);
    if (plan.blockOuter) {
      // Per block of pixels, every group: the block's input stays in L1 (the weights too, being small).
      for (const seg of segments) {
        c.get(rowX).i32(seg.x0 * stride * inC * F).add().set(bX).get(rowO).i32(seg.x0 * outC * F).add().set(bO);
        const pass = () => {
          firstWeights();
          c.get(bX).set(gX).get(bO).set(gO);
          c.loopRange(gi, g0, g1, () => {
            groupChunks(seg.pb, seg.kx);
            c.inc(gX, cpg * F).inc(gO, opg * F);
          });
        };
        if (seg.repeat === 1) pass();
        else c.loop(bi, seg.repeat, () => {
          pass();
          c.inc(bX, seg.pb * stride * inC * F).inc(bO, seg.pb * outC * F);
        });
      }
    } else {
      // Per group and chunk, every block of the row: the chunk's weights stay in L1.
      firstWeights();
      c.get(rowX).set(gX).get(rowO).set(gO);
      const chunkRow = (chunkOffset: () => void, kept: number) => {
        for (const seg of segments) {
          c.get(gX).i32(seg.x0 * stride * inC * F).add().set(px);
          chunkOffset();
          c.i32(seg.x0 * outC * F).add().set(po);
          blocksOf(seg, () => block(seg.pb, seg.kx, kept));
        }
        c.inc(wc, chunkBytes);
      };
      c.loopRange(gi, g0, g1, () => {
        // Chunks but the last store whole vectors; the last keeps only the group's channels.
        if (chunks > 1) c.loop(ci, chunks - 1, () => chunkRow(() => c.get(gO).get(ci).i32(lanes * F).mul().add(), 4));
        chunkRow(() => c.get(gO).i32((chunks - 1) * lanes * F).add(), lastLanes);
        c.inc(gX, cpg * F).inc(gO, opg * F);
      });
    }
  });
  return moduleBytes([{ name: 'run', params: 5, code: c }], shared);
}

// ---------------------------------------------------------------- the tfjs kernel

interface WasmKernelAttrs {
  stride: number;
  pad: number;
  groups: number;
  relu: boolean;
  /** The filter is packed (`packWasmGroupedFilter`, bias included); otherwise it is [K, K, cpg, O]. */
  packed?: boolean;
  /** Output channels (with `packed`). */
  outChannels?: number;
  /** Use f32x4.relaxed_madd (default: when the engine has relaxed SIMD). */
  fma?: boolean;
  /** Threads of the kernels' pool (default: tfjs-wasm's). */
  threads?: number;
}

/** The kernel function for `tf.registerKernel({ backendName: 'wasm' })`. */
export function wasmGroupedConvKernel(call: KernelCall): tf.TensorInfo {
  const { b, mod, a, inputs: { x, filter, bias } } = wasmKernelCall<WasmKernelAttrs, { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo }>(call);
  const [n, h, w, inC] = x.shape;
  const G = a.groups;
  const cpg = inC / G;
  let k: number;
  let outC: number;
  let plan: WasmGroupedPlan;
  const mem = memoryOf(mod);
  const heap = () => new Float32Array(mem.buffer);
  const scratch: number[] = [];
  try {
    let wOff = b.dataIdMap.get(filter.dataId).memoryOffset;
    if (a.packed) {
      const [fg, chunks, rows, lanes] = filter.shape;
      k = Math.round(Math.sqrt((rows - 1) / cpg));
      if (fg !== G || k * k * cpg + 1 !== rows) throw new Error(`grouped conv: packed filter [${filter.shape.join(', ')}] does not fit input [${x.shape.join(', ')}]`);
      outC = a.outChannels ?? 0;
      plan = wasmGroupedPlan(outC / G, G, cpg, k, convOutSize(w, k, a.stride, a.pad));
      if (!(outC > 0) || plan.v * 4 !== lanes || plan.chunks !== chunks) throw new Error(`grouped conv: packed filter [${filter.shape.join(', ')}] does not fit ${outC} outputs`);
      if (bias) throw new Error('grouped conv: a packed filter carries its bias');
    } else {
      const [fk, , fcpg, fo] = filter.shape;
      if (fcpg !== cpg) throw new Error(`grouped conv: input has ${inC} channels, filter expects ${fcpg} x ${G}`);
      k = fk;
      outC = fo;
      const hwio = heap().slice(wOff >>> 2, (wOff >>> 2) + filter.shape.reduce((s, d) => s * d, 1));
      const biasValues = bias ? heap().slice(b.dataIdMap.get(bias.dataId).memoryOffset >>> 2, (b.dataIdMap.get(bias.dataId).memoryOffset >>> 2) + outC) : null;
      const packed = packWasmGroupedFilter(hwio, biasValues, k, cpg, outC, G);
      plan = wasmGroupedPlan(outC / G, G, cpg, k, convOutSize(w, k, a.stride, a.pad));
      wOff = mod._malloc(packed.data.byteLength) >>> 0;
      scratch.push(wOff);
      heap().set(packed.data, wOff >>> 2);
    }
    const { stride, pad } = a;
    const ho = convOutSize(h, k, stride, pad);
    const wo = convOutSize(w, k, stride, pad);
    const out = b.makeOutput([n, ho, wo, outC], 'float32');
    const oOff = b.dataIdMap.get(out.dataId).memoryOffset;
    let xOff = b.dataIdMap.get(x.dataId).memoryOffset;
    const parts = groupParts(n * ho, G, kernelThreads(mod, a.threads));
    const shape: KernelShape = { h, w, inC, ho, wo, outC, k, stride, pad, groups: G, relu: !!a.relu, plan: { ...plan, parts }, fma: kernelFma(a.fma) };
    // The kernel forms addresses up to `margin` bytes before the input (never reading them): an input
    // lower in memory (never seen: tfjs's heap starts past static data) is copied higher first.
    const margin = groupedInputMargin(shape);
    if (xOff < margin) {
      const bytes = n * h * w * inC * 4;
      const p = mod._malloc(bytes + margin) >>> 0;
      scratch.push(p);
      new Uint8Array(mem.buffer, p + margin, bytes).set(new Uint8Array(mem.buffer, xOff, bytes));
      xOff = p + margin;
    }
    const { pool, kernel } = kernelFor(mod, `grouped:${JSON.stringify(shape)}`, (shared) => groupedConvWasmBytes(shape, shared), a.threads);
    pool.run(kernel, [xOff, wOff, oOff], groupedItems(n * ho, shape.plan));
    return out;
  } finally {
    for (const p of scratch) mod._free(p);
  }
}
