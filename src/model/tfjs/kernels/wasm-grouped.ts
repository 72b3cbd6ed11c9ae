/**
 * Grouped convolution for the tfjs `wasm` backend: a small WebAssembly SIMD (128-bit f32x4) module
 * generated here, per layer shape, that imports the backend's own memory (zero copy; a shared
 * memory in the threaded build) and reads the input and writes the output in place in its heap.
 * Output rows are the work items of the kernel pool (`kernels/pool.ts`: every core); with relaxed
 * SIMD each multiply-add is one f32x4.relaxed_madd.
 *
 * Per output row and group, a block of P output pixels x V vectors of 4 output channels is kept in
 * registers; every (tap, input channel) step loads V weight vectors and P broadcast inputs and does
 * P x V multiply-adds. Every shape constant is baked into the code (loads use immediate offsets).
 * The (ky, kx, channel) steps are real loops, one step per iteration: fully unrolled, V8's TurboFan
 * schedules all loads of the block first and spills (measured 2-5x slower).
 * Output channels per group that do not fill whole vectors are zero-padded in the packed weights and
 * stored lane by lane, so any (in, out) per group works. Padding: the input is copied once into a
 * zero-bordered scratch buffer in the same heap, so the inner loops have no bounds checks.
 *
 * Packed filter (one tensor, made once per layer by `packWasmGroupedFilter`): [G, chunks, K*K*cpg + 1,
 * V*4]: for group g and chunk c (V vectors of output channels), the weights by (tap, input channel),
 * then one row of bias. Summation order per output: bias, then taps in (ky, kx, j) order.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { padOnPool } from './pad.ts';
import { kernelFma, kernelFor, memoryOf, type BackendWasmLike } from './runtime.ts';
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
}

/**
 * Register blocking for `opg` output channels per group: 4 pixels x 2 vectors when the group's
 * vectors pair up, else 4 x 1; blocks of pixels outside the groups when every group's weights fit in
 * L1 (<= 24 KiB). Measured in Node (V8 TurboFan, 1 thread) on ResNeXt-50 32x4d conv2 shapes, GMAC/s
 * (noisy): opg 4: P=4 17-19, P=6 17, P=8 8-12 (spills), two groups per block (8 x 1 vectors) 11-13,
 * channel loop unrolled x2 / x4 15 / 10; opg 8..32: V=2 P=4 24-28, V=2 P=3 23-27, V=4 P=2 14-26,
 * V=2 P=5 13-19, V=1 P=4 18-20. Chromium 156, 1 thread, ResNeXt-50 stage 1 (opg 4): P=4 16.1,
 * P=6 18.1, P=8 20.6 with FMA (14.5 / 14.5 / 16.1 without): 8 pixels when a group has one vector.
 */
export function wasmGroupedPlan(opg: number, groups: number, cpg: number, k: number): WasmGroupedPlan {
  const nv = Math.ceil(opg / 4);
  const v = nv % 2 === 0 ? 2 : 1;
  return { v, p: v === 1 ? 8 : 4, chunks: nv / v, blockOuter: groups * nv * 16 * (k * k * cpg + 1) <= 24 * 1024 };
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
): { data: Float32Array; shape: [number, number, number, number]; plan: WasmGroupedPlan } {
  const opg = outC / groups;
  const plan = wasmGroupedPlan(opg, groups, cpg, k);
  const lanes = plan.v * 4;
  const rows = k * k * cpg + 1;
  const data = new Float32Array(groups * plan.chunks * rows * lanes);
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

/** Everything a generated kernel bakes in. */
export interface KernelShape {
  /** Padded input rows / columns actually read, and channels. */
  hp: number;
  wp: number;
  inC: number;
  ho: number;
  wo: number;
  outC: number;
  k: number;
  stride: number;
  groups: number;
  relu: boolean;
  plan: WasmGroupedPlan;
  /** f32x4.relaxed_madd instead of f32x4.mul + f32x4.add. */
  fma: boolean;
}

/**
 * `run(x, w, out, begin, end)`: output rows [begin, end) of the batch (row r: image r / ho, row
 * r % ho); x padded NHWC [n, hp, wp, inC], w packed, out NHWC [n, ho, wo, outC].
 */
export function groupedConvWasmBytes(s: KernelShape, shared: boolean): Uint8Array<ArrayBuffer> {
  const { hp, wp, inC, ho, wo, outC, k, stride, groups, relu, plan, fma } = s;
  const cpg = inC / groups;
  const opg = outC / groups;
  const { v: V, p: P, chunks } = plan;
  const lanes = V * 4;
  const rows = k * k * cpg + 1;
  const chunkBytes = rows * lanes * 4;
  const c = new Code(5);
  const [X, W, OUT, BEGIN, END] = [0, 1, 2, 3, 4];
  const bX = c.local(I32), bO = c.local(I32);
  const oy = c.local(I32), gi = c.local(I32), ci = c.local(I32), bi = c.local(I32);
  const rowX = c.local(I32), rowO = c.local(I32), gX = c.local(I32), gO = c.local(I32), wc = c.local(I32), px = c.local(I32), po = c.local(I32);
  const acc: number[] = [];
  for (let i = 0; i < P * V; i++) acc.push(c.local(V128));
  const wv: number[] = [];
  for (let i = 0; i < V; i++) wv.push(c.local(V128));
  const sv = c.local(V128);
  const cy = c.local(I32), cx = c.local(I32), cj = c.local(I32), xk = c.local(I32), xt = c.local(I32), xq = c.local(I32), wq = c.local(I32);
  const zero = c.local(V128);

  /** P' pixels of one chunk; `lastLanes` = output lanes kept in the chunk's last vector (4 = all). */
  const block = (pb: number, lastLanes: number) => {
    for (let p = 0; p < pb; p++) for (let v = 0; v < V; v++) c.get(wc).load((rows - 1) * lanes * 4 + v * 16).set(acc[p * V + v]);
    // Taps and input channels as loops: one (tap, channel) step per iteration keeps TurboFan from
    // hoisting every load of an unrolled body ahead of the arithmetic (and spilling).
    c.get(wc).set(wq).get(px).set(xk);
    c.loop(cy, k, () => {
      c.get(xk).set(xt);
      c.loop(cx, k, () => {
        c.get(xt).set(xq);
        c.loop(cj, cpg, () => {
          for (let v = 0; v < V; v++) c.get(wq).load(v * 16).set(wv[v]);
          for (let p = 0; p < pb; p++) {
            c.get(xq).splat(p * stride * inC * 4);
            if (V > 1) c.set(sv);
            for (let v = 0; v < V; v++) {
              const a = acc[p * V + v];
              if (V > 1) c.get(sv);
              if (fma) c.get(wv[v]).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
              else c.get(wv[v]).simd(SIMD.f32x4Mul).get(a).simd(SIMD.f32x4Add).set(a);
            }
          }
          c.inc(wq, V * 16).inc(xq, 4);
        });
        c.inc(xt, inC * 4);
      });
      c.inc(xk, wp * inC * 4);
    });
    for (let p = 0; p < pb; p++) {
      for (let v = 0; v < V; v++) {
        const a = acc[p * V + v];
        const off = (p * outC + v * 4) * 4;
        const value = () => (relu ? c.get(zero).get(a).simd(0xeb) : c.get(a));
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
    c.inc(px, pb * stride * inC * 4).inc(po, pb * outC * 4);
  };

  /** All output pixels of the row for the chunk at wc / gX / (po base given). */
  const chunkRow = (oBase: () => void, lastLanes: number) => {
    c.get(gX).set(px);
    oBase();
    c.set(po);
    const full = Math.floor(wo / P);
    if (full > 0) c.loop(bi, full, () => block(P, lastLanes));
    if (wo % P) block(wo % P, lastLanes);
    c.inc(wc, chunkBytes);
  };

  const lastLanes = opg % 4 === 0 ? 4 : opg % 4;
  if (relu) c.zero().set(zero);
  /** rowX / rowO of output row `oy` of the batch. */
  const rowStart = () => {
    c.get(X).get(oy).i32(ho).divU().i32(hp * wp * inC * 4).mul().add();
    c.get(oy).i32(ho).remU().i32(stride * wp * inC * 4).mul().add().set(rowX);
    c.get(OUT).get(oy).i32(wo * outC * 4).mul().add().set(rowO);
  };
  if (plan.blockOuter) {
    // Per block of pixels, every group: the block's input stays in L1 (the weights too, being small).
    const pass = (pb: number) => {
      c.get(W).set(wc).get(bX).set(gX).get(bO).set(gO);
      c.loop(gi, groups, () => {
        if (chunks > 1) {
          c.loop(ci, chunks - 1, () => {
            c.get(gX).set(px).get(gO).get(ci).i32(lanes * 4).op(0x6c).add().set(po);
            block(pb, 4);
            c.inc(wc, chunkBytes);
          });
        }
        c.get(gX).set(px).get(gO).i32((chunks - 1) * lanes * 4).add().set(po);
        block(pb, lastLanes);
        c.inc(wc, chunkBytes);
        c.inc(gX, cpg * 4).inc(gO, opg * 4);
      });
      c.inc(bX, pb * stride * inC * 4).inc(bO, pb * outC * 4);
    };
    c.loopRange(oy, BEGIN, END, () => {
      rowStart();
      c.get(rowX).set(bX).get(rowO).set(bO);
      const full = Math.floor(wo / P);
      if (full > 0) c.loop(bi, full, () => pass(P));
      if (wo % P) pass(wo % P);
    });
  } else c.loopRange(oy, BEGIN, END, () => {
    rowStart();
    c.get(W).set(wc).get(rowX).set(gX).get(rowO).set(gO);
    c.loop(gi, groups, () => {
      // Chunks but the last store whole vectors; the last keeps only the group's channels.
      if (chunks > 1) {
        c.loop(ci, chunks - 1, () => chunkRow(() => c.get(gO).get(ci).i32(lanes * 4).op(0x6c).add(), 4));
      }
      chunkRow(() => c.get(gO).i32((chunks - 1) * lanes * 4).add(), lastLanes);
      c.inc(gX, cpg * 4).inc(gO, opg * 4);
    });
  });
  return moduleBytes([{ name: 'run', params: 5, code: c }], shared);
}

// ---------------------------------------------------------------- the tfjs kernel

export interface WasmKernelAttrs {
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

function outSide(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** The kernel function for `tf.registerKernel({ backendName: 'wasm' })`. */
export function wasmGroupedConvKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const b = backend as BackendWasmLike;
  const mod = b.wasm;
  const a = attrs as unknown as WasmKernelAttrs;
  const { x, filter, bias } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo };
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
      plan = wasmGroupedPlan(outC / G, G, cpg, k);
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
      plan = packed.plan;
      wOff = mod._malloc(packed.data.byteLength) >>> 0;
      scratch.push(wOff);
      heap().set(packed.data, wOff >>> 2);
    }
    const { stride, pad } = a;
    const ho = outSide(h, k, stride, pad);
    const wo = outSide(w, k, stride, pad);
    const out = b.makeOutput([n, ho, wo, outC], 'float32');
    const oOff = b.dataIdMap.get(out.dataId).memoryOffset;
    let xOff = b.dataIdMap.get(x.dataId).memoryOffset;
    let hp = h;
    let wp = w;
    if (pad > 0) {
      hp = Math.max(h + 2 * pad, (ho - 1) * stride + k);
      wp = Math.max(w + 2 * pad, (wo - 1) * stride + k);
      const p = mod._malloc(n * hp * wp * inC * 4) >>> 0;
      scratch.push(p);
      padOnPool(mod, xOff, p, { n, h, w, c: inC, hp, wp, pad }, a.threads);
      xOff = p;
    }
    const shape: KernelShape = { hp, wp, inC, ho, wo, outC, k, stride, groups: G, relu: !!a.relu, plan, fma: kernelFma(a.fma) };
    const { pool, kernel } = kernelFor(mod, `grouped:${JSON.stringify(shape)}`, (shared) => groupedConvWasmBytes(shape, shared), a.threads);
    pool.run(kernel, [xOff, wOff, oOff], n * ho);
    return out;
  } finally {
    for (const p of scratch) mod._free(p);
  }
}
