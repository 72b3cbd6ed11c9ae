/**
 * `ResNeXtConv2D` on the tfjs wasm backend: a dense convolution (any kernel, stride, padding) with
 * the folded bias, an optional residual added and an optional ReLU, by the generated GEMM kernels
 * of `conv-gemm.ts`, on every thread of the kernel pool. The filter comes packed
 * (`packGemmWeights`, bias included).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { convOutSize } from '../../graph.ts';
import { GEMM_NR, gemmConvWasmBytes, gemmItems, type GemmConvShape } from './conv-gemm.ts';
import { padOnPool } from './pad.ts';
import { kernelFma, kernelFor, kernelThreads, wasmKernelCall, type KernelCall } from './runtime.ts';

export const CONV_KERNEL_NAME = 'ResNeXtConv2D';

interface WasmConvAttrs {
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
 * Register blocking, cache blocking and work split per shape. Registers, as measured on the 2-core test
 * machine (1 thread, GMAC/s of the ResNet/ResNeXt 1x1 and 3x3 shapes): with FMA, 6 pixels x 8 channels
 * (12 accumulators, 15 of the 16 SIMD registers) in Chromium 156, 22-28 (4 x 8: 12-27); without FMA the
 * product needs a register of its own, and 4 x 8 is the plan that stays fast on both V8s: Chromium
 * 20-23 (5 x 8: 11-22), Node 20 21-23 (5 x 8: 11-14, 6 x 8: 8-14, spilling). Caches: a group of channel
 * blocks holds about 128 KiB of weights and a panel's input with what an item writes of its output up to
 * `panelBytes` (448 KiB: with the group's weights in a 1 MiB L2, Zen 4 and 5's); panels, then groups, are
 * halved until every thread has 16 items to take (the threads finish an op about half an item apart: with 8
 * a thread, N items on two threads keep them busy about N / (N + 1) of the time, 96-97% over ResNet-50's and
 * ResNeXt-50's convs at batch 1, with 16 98%; timed on one thread, the plans for 16 items a thread cost the
 * same as those for 8: 115.3 against 115.2 ms for every dense conv shape, load 12). Before, 160 KiB of input alone (for a 512 KiB L2) split
 * stage 4's 7x7 outputs with 1024-2048 input channels into 2-3 panels, each reading all the weights again:
 * on the AMD EPYC Zen 5 (Chromium 156, 1 thread, load 13-17, `npm run bench:kernels`, four runs) those convs
 * ran at 80-95% of the FMA ceiling with one panel against 71-91%, at batch 1 and 8; 448 KiB of input alone
 * slowed the stem at batch 8 in one run (its output, 256 B a pixel, is most of its panel), the output counted did not;
 * the other shapes within the noise.
 */
export function gemmPlan(shape: Pick<GemmConvShape, 'mode' | 'n' | 'ho' | 'wo' | 'inC' | 'outC' | 'k' | 'stride'>, fma: boolean, threads: number, panelBytes = 448 * 1024): Pick<GemmConvShape, 'mr' | 'panel' | 'group'> {
  const { mode, n, ho, wo, inC, outC, k, stride } = shape;
  const mr = fma ? 6 : 4;
  const blocks = Math.ceil(outC / GEMM_NR);
  const blockBytes = (1 + k * k * inC) * GEMM_NR * 4;
  const tiles = Math.ceil(((mode === 'flat' ? n : 1) * ho * wo) / mr);
  const images = mode === 'flat' ? 1 : n;
  let group = Math.max(1, Math.min(blocks, Math.floor((128 * 1024) / blockBytes)));
  // Input read per output pixel: its own pixel for a 1x1, about stride^2 pixels for a k x k window.
  const pixelBytes = (k === 1 ? 1 : stride * stride) * inC * 4;
  // A panel's input and what an item writes of its output (the group's channels of the panel's pixels).
  const tileBytes = mr * (pixelBytes + Math.min(group * GEMM_NR, outC) * 4);
  let panel = Math.max(1, Math.min(tiles, Math.floor(panelBytes / tileBytes)));
  const items = () => images * Math.ceil(tiles / panel) * Math.ceil(blocks / group);
  while (items() < 16 * threads && (panel > 1 || group > 1)) {
    if (panel > 1) panel = Math.ceil(panel / 2);
    else group = Math.ceil(group / 2);
  }
  return { mr, panel, group };
}

/** The kernel function for `tf.registerKernel({ backendName: 'wasm' })`. */
export function wasmConvKernel(call: KernelCall): tf.TensorInfo {
  const { b, mod, a, inputs: { x, filter, residual } } = wasmKernelCall<WasmConvAttrs, { x: tf.TensorInfo; filter: tf.TensorInfo; residual?: tf.TensorInfo }>(call);
  const [n, h, w, inC] = x.shape;
  const { kernel: k, stride, pad, outChannels: outC } = a;
  const blocks = Math.ceil(outC / GEMM_NR);
  const rows = 1 + k * k * inC;
  if (filter.shape.length !== 3 || filter.shape[0] !== blocks || filter.shape[1] !== rows || filter.shape[2] !== GEMM_NR) {
    throw new Error(`conv: packed filter [${filter.shape.join(', ')}] does not fit input [${x.shape.join(', ')}] with ${outC} outputs (expected [${blocks}, ${rows}, ${GEMM_NR}])`);
  }
  const ho = convOutSize(h, k, stride, pad);
  const wo = convOutSize(w, k, stride, pad);
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
    const geometry = { mode, n, hp, wp, inC, ho, wo, outC, k, stride };
    const shape: GemmConvShape = { ...geometry, relu: !!a.relu, residual: !!residual, fma, ...gemmPlan(geometry, fma, kernelThreads(mod, a.threads)) };
    const { pool, kernel } = kernelFor(mod, `gemm:${JSON.stringify(shape)}`, (shared) => gemmConvWasmBytes(shape, shared), a.threads);
    pool.run(kernel, [xOff, wOff, oOff, rOff], gemmItems(shape));
    return out;
  } finally {
    if (scratch) mod._free(scratch);
  }
}
