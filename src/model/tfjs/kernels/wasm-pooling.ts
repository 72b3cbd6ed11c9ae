/**
 * Max pooling and the mean over H and W (the global average pool of the head, SE's squeeze) on the
 * tfjs wasm backend, as generated WebAssembly SIMD kernels on the kernel pool (`pool.ts`), like the
 * convs: the forward pass of a ResNet then calls no XNNPACK op between its convs, whose worker
 * threads spin after each op and take the core the kernels' helper needs. NHWC, channels in vectors
 * of 4 (a multiple of 4 channels; other shapes stay with tfjs's ops).
 *
 * Max pool (PyTorch's: padding never wins, a window is clipped to the input): one output row per work
 * item; per output pixel, the taps inside the input (bounds computed per row and per pixel), 8 vectors
 * of channels at a time. Mean: one (image, 32 channels) pair per work item, pixels summed in order,
 * then times 1 / (H W).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { convOutSize } from '../../graph.ts';
import { kernelFor, wasmKernelCall, type KernelCall } from './runtime.ts';
import { Code, I32, moduleBytes, SIMD, V128 } from './wasm-encoder.ts';

export const MAX_POOL_KERNEL_NAME = 'ResNeXtMaxPool';
export const SPATIAL_MEAN_KERNEL_NAME = 'ResNeXtSpatialMean';

/** Vectors of 4 channels a kernel keeps in registers at once. */
const VECTORS = 8;

interface MaxPoolShape {
  n: number;
  h: number;
  w: number;
  c: number;
  ho: number;
  wo: number;
  k: number;
  stride: number;
  pad: number;
}

/** `[lo, hi)` as i32 locals: lo = max(0, a - x * s), hi = min(k, b - x * s), x a local. */
function clipped(c: Code, lo: number, hi: number, x: number, a: number, b: number, s: number, k: number): void {
  c.i32(a).get(x).i32(s).mul().op(0x6b).set(lo);
  c.get(lo).i32(0).op(0x48).op(0x04, 0x40).i32(0).set(lo).op(0x0b);
  c.i32(b).get(x).i32(s).mul().op(0x6b).set(hi);
  c.get(hi).i32(k).op(0x4a).op(0x04, 0x40).i32(k).set(hi).op(0x0b);
}

/** `run(x, out, begin, end)`: output rows [begin, end) of the batch; x [n, h, w, c], out [n, ho, wo, c]. */
function maxPoolWasmBytes(s: MaxPoolShape, shared: boolean): Uint8Array<ArrayBuffer> {
  const { h, w, c: C, ho, wo, k, stride, pad } = s;
  if (C % 4 !== 0) throw new Error(`max pool kernel: ${C} channels are not whole vectors of 4`);
  const F = 4;
  const vectors = C / 4;
  const c = new Code(4);
  const [X, OUT, BEGIN, END] = [0, 1, 2, 3];
  const r = c.local(I32), oy = c.local(I32), ox = c.local(I32), ky0 = c.local(I32), ky1 = c.local(I32), kx0 = c.local(I32), kx1 = c.local(I32);
  const rowX = c.local(I32), colX = c.local(I32), po = c.local(I32), xk = c.local(I32), xt = c.local(I32), cy = c.local(I32), cx = c.local(I32);
  const acc: number[] = [];
  for (let i = 0; i < VECTORS; i++) acc.push(c.local(V128));
  const low = c.local(V128);
  // -Infinity in every lane: the identity of max, which any tap (even -Infinity or NaN) replaces.
  c.simd(0x0c, ...[0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff]).set(low);
  c.loopRange(r, BEGIN, END, () => {
    c.get(r).i32(ho).remU().set(oy);
    clipped(c, ky0, ky1, oy, pad, h + pad, stride, k);
    // rowX = first input row inside the window of this output row, column 0.
    c.get(X).get(r).i32(ho).divU().i32(h * w * C * F).mul().add();
    c.get(oy).i32(stride).mul().get(ky0).add().i32(pad).op(0x6b).i32(w * C * F).mul().add().set(rowX);
    c.get(OUT).get(r).i32(wo * C * F).mul().add().set(po);
    c.loop(ox, wo, () => {
      clipped(c, kx0, kx1, ox, pad, w + pad, stride, k);
      c.get(rowX).get(ox).i32(stride).mul().get(kx0).add().i32(pad).op(0x6b).i32(C * F).mul().add().set(colX);
      for (let v0 = 0; v0 < vectors; v0 += VECTORS) {
        const m = Math.min(VECTORS, vectors - v0);
        for (let i = 0; i < m; i++) c.get(low).set(acc[i]);
        c.get(colX).set(xk);
        c.loopRange(cy, ky0, ky1, () => {
          c.get(xk).set(xt);
          c.loopRange(cx, kx0, kx1, () => {
            for (let i = 0; i < m; i++) c.get(acc[i]).get(xt).load((v0 + i) * 16).simd(SIMD.f32x4Max).set(acc[i]);
            c.inc(xt, C * F);
          });
          c.inc(xk, w * C * F);
        });
        for (let i = 0; i < m; i++) c.get(po).get(acc[i]).store((v0 + i) * 16);
      }
      c.inc(po, C * F);
    });
  });
  return moduleBytes([{ name: 'run', params: 4, code: c }], shared);
}

/** `run(x, out, begin, end)`: items [begin, end) = (image, 32 channels); x [n, hw, c], out [n, c]. */
function meanWasmBytes(s: { hw: number; c: number }, shared: boolean): Uint8Array<ArrayBuffer> {
  const { hw, c: C } = s;
  if (C % 4 !== 0) throw new Error(`mean kernel: ${C} channels are not whole vectors of 4`);
  const F = 4;
  const vectors = C / 4;
  const chunks = Math.ceil(vectors / VECTORS);
  const tail = vectors - (chunks - 1) * VECTORS;
  const c = new Code(4);
  const [X, OUT, BEGIN, END] = [0, 1, 2, 3];
  const item = c.local(I32), ch = c.local(I32), px = c.local(I32), po = c.local(I32), i = c.local(I32);
  const acc: number[] = [];
  for (let v = 0; v < VECTORS; v++) acc.push(c.local(V128));
  const scale = c.local(V128);
  const f32 = new Uint8Array(new Float32Array([1 / hw]).buffer);
  c.simd(0x0c, ...f32, ...f32, ...f32, ...f32).set(scale);
  const sum = (m: number) => {
    for (let v = 0; v < m; v++) c.zero().set(acc[v]);
    c.loop(i, hw, () => {
      for (let v = 0; v < m; v++) c.get(acc[v]).get(px).load(v * 16).simd(SIMD.f32x4Add).set(acc[v]);
      c.inc(px, C * F);
    });
    for (let v = 0; v < m; v++) c.get(po).get(acc[v]).get(scale).simd(SIMD.f32x4Mul).store(v * 16);
  };
  c.loopRange(item, BEGIN, END, () => {
    c.get(item).i32(chunks).remU().set(ch);
    // px = x + image * hw * C + ch * 32 channels; po = out + image * C + ch * 32.
    c.get(X).get(item).i32(chunks).divU().i32(hw * C * F).mul().add().get(ch).i32(VECTORS * 16).mul().add().set(px);
    c.get(OUT).get(item).i32(chunks).divU().i32(C * F).mul().add().get(ch).i32(VECTORS * 16).mul().add().set(po);
    if (tail === VECTORS) sum(VECTORS);
    else {
      c.get(ch).i32(chunks - 1).op(0x46).op(0x04, 0x40);
      sum(tail);
      c.op(0x05);
      sum(VECTORS);
      c.op(0x0b);
    }
  });
  return moduleBytes([{ name: 'run', params: 4, code: c }], shared);
}

interface PoolAttrs {
  k: number;
  stride: number;
  pad: number;
  threads?: number;
}

/** `ResNeXtMaxPool` for `tf.registerKernel({ backendName: 'wasm' })`: x NHWC, attrs k, stride, pad. */
export function wasmMaxPoolKernel(call: KernelCall): tf.TensorInfo {
  const { b, a, inputs: { x } } = wasmKernelCall<PoolAttrs, { x: tf.TensorInfo }>(call);
  const [n, h, w, c] = x.shape;
  const ho = convOutSize(h, a.k, a.stride, a.pad);
  const wo = convOutSize(w, a.k, a.stride, a.pad);
  if (!(ho >= 1 && wo >= 1) || a.pad * 2 > a.k) throw new Error(`max pool: a ${a.k}x${a.k} window with stride ${a.stride} and padding ${a.pad} does not fit [${x.shape.join(', ')}]`);
  const out = b.makeOutput([n, ho, wo, c], 'float32');
  const shape: MaxPoolShape = { n, h, w, c, ho, wo, k: a.k, stride: a.stride, pad: a.pad };
  const { pool, kernel } = kernelFor(b.wasm, `maxpool:${JSON.stringify(shape)}`, (shared) => maxPoolWasmBytes(shape, shared), a.threads);
  pool.run(kernel, [b.dataIdMap.get(x.dataId).memoryOffset, b.dataIdMap.get(out.dataId).memoryOffset], n * ho);
  return out;
}

/** `ResNeXtSpatialMean` for the wasm backend: x NHWC [n, h, w, c] -> [n, c]. */
export function wasmSpatialMeanKernel(call: KernelCall): tf.TensorInfo {
  const { b, a, inputs: { x } } = wasmKernelCall<{ threads?: number } | undefined, { x: tf.TensorInfo }>(call);
  const [n, h, w, c] = x.shape;
  const out = b.makeOutput([n, c], 'float32');
  const shape = { hw: h * w, c };
  const { pool, kernel } = kernelFor(b.wasm, `mean:${JSON.stringify(shape)}`, (shared) => meanWasmBytes(shape, shared), a?.threads);
  pool.run(kernel, [b.dataIdMap.get(x.dataId).memoryOffset, b.dataIdMap.get(out.dataId).memoryOffset], n * Math.ceil(c / 4 / VECTORS));
  return out;
}
