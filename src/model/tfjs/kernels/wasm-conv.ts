/**
 * `ResNeXtConv2D` on the tfjs wasm backend: a dense convolution (any kernel, stride, padding) with
 * the folded bias, an optional residual added and an optional ReLU, by the generated GEMM kernels
 * of `conv-gemm.ts`, on every thread of the kernel pool. The filter comes packed
 * (`packGemmWeights`, bias included).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { GEMM_NR, gemmConvWasmBytes, gemmItems, type GemmConvShape } from './conv-gemm.ts';
import { padOnPool } from './pad.ts';
import { kernelFma, kernelFor, kernelThreads, type BackendWasmLike } from './runtime.ts';

export const CONV_KERNEL_NAME = 'ResNeXtConv2D';

export interface WasmConvAttrs {
  kernel: number;
  stride: number;
  pad: number;
  outChannels: number;
  relu: boolean;
  /** Use f32x4.relaxed_madd (default: when the engine has relaxed SIMD). */
  fma?: boolean;
  /** Threads of the kernels' pool (default: tfjs-wasm's). */
  threads?: number;
}

/**
 * Register blocking and work split per shape, as measured on the 2-core test machine (1 thread,
 * GMAC/s of the ResNet/ResNeXt 1x1 and 3x3 shapes): with FMA, 6 pixels x 8 channels (12
 * accumulators, 15 of the 16 SIMD registers) in Chromium 156, 22-28 (4 x 8: 12-27); without FMA the
 * product needs a register of its own, and 4 x 8 is the plan that stays fast on both V8s: Chromium
 * 20-23 (5 x 8: 11-22), Node 20 21-23 (5 x 8: 11-14, 6 x 8: 8-14, spilling). One input channel per
 * step (unrolled steps let the compiler hoist loads and spill); work split by tiles, or by channel
 * blocks when there are too few tiles for every thread to get 16.
 */
export function gemmPlan(mode: GemmConvShape['mode'], pixels: number, rowsOfOutput: number, fma: boolean, threads: number): Pick<GemmConvShape, 'mr' | 'unroll' | 'order'> {
  const mr = fma ? 6 : 4;
  const items = mode === 'flat' ? Math.ceil(pixels / mr) : rowsOfOutput;
  return { mr, unroll: 1, order: items >= 16 * threads ? 'tiles' : 'blocks' };
}

function outSide(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** The kernel function for `tf.registerKernel({ backendName: 'wasm' })`. */
export function wasmConvKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const b = backend as BackendWasmLike;
  const mod = b.wasm;
  const a = attrs as unknown as WasmConvAttrs;
  const { x, filter, residual } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; residual?: tf.TensorInfo };
  const [n, h, w, inC] = x.shape;
  const { kernel: k, stride, pad, outChannels: outC } = a;
  const blocks = Math.ceil(outC / GEMM_NR);
  const rows = 1 + k * k * inC;
  if (filter.shape.length !== 3 || filter.shape[0] !== blocks || filter.shape[1] !== rows || filter.shape[2] !== GEMM_NR) {
    throw new Error(`conv: packed filter [${filter.shape.join(', ')}] does not fit input [${x.shape.join(', ')}] with ${outC} outputs (expected [${blocks}, ${rows}, ${GEMM_NR}])`);
  }
  const ho = outSide(h, k, stride, pad);
  const wo = outSide(w, k, stride, pad);
  if (residual && (residual.shape.length !== 4 || residual.shape.some((d, i) => d !== [n, ho, wo, outC][i]))) {
    throw new Error(`conv: residual [${residual.shape.join(', ')}] does not fit the output [${[n, ho, wo, outC].join(', ')}]`);
  }
  const out = b.makeOutput([n, ho, wo, outC], 'float32');
  const oOff = b.dataIdMap.get(out.dataId).memoryOffset;
  const wOff = b.dataIdMap.get(filter.dataId).memoryOffset;
  const rOff = residual ? b.dataIdMap.get(residual.dataId).memoryOffset : 0;
  let xOff = b.dataIdMap.get(x.dataId).memoryOffset;
  const flat = k === 1 && stride === 1 && pad === 0;
  let hp = h;
  let wp = w;
  let scratch = 0;
  try {
    if (pad > 0) {
      hp = Math.max(h + 2 * pad, (ho - 1) * stride + k);
      wp = Math.max(w + 2 * pad, (wo - 1) * stride + k);
      scratch = mod._malloc(n * hp * wp * inC * 4) >>> 0;
      padOnPool(mod, xOff, scratch, { n, h, w, c: inC, hp, wp, pad }, a.threads);
      xOff = scratch;
    }
    const fma = kernelFma(a.fma);
    const mode: GemmConvShape['mode'] = flat ? 'flat' : 'rows';
    const plan = gemmPlan(mode, n * ho * wo, n * ho, fma, kernelThreads(mod, a.threads));
    const shape: GemmConvShape = { mode, n, hp, wp, inC, ho, wo, outC, k, stride, relu: !!a.relu, residual: !!residual, fma, ...plan };
    const { pool, kernel } = kernelFor(mod, `gemm:${JSON.stringify(shape)}`, (shared) => gemmConvWasmBytes(shape, shared), a.threads);
    pool.run(kernel, [xOff, wOff, oOff, rOff], gemmItems(shape));
    return out;
  } finally {
    if (scratch) mod._free(scratch);
  }
}
