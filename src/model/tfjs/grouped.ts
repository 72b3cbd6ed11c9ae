/**
 * Grouped convolution for tfjs, which has none (`tf.conv2d` asserts input depth == filter depth).
 * Four exact methods, all in NHWC with PyTorch's OIHW weights prepared once:
 *  - `split`: split the input channels into G slices, one conv per group, concat;
 *  - `blockdiag`: one dense conv with a block-diagonal filter (zeros between groups: G x the MACs);
 *  - `depthwise`: depthwise conv with channel multiplier O/G, then a sum over each group's inputs;
 *  - `kernel`: a kernel of our own, `ResNeXtGroupedConv2D` (WGSL on webgpu: tiled in
 *    `kernels/wgsl-grouped.ts`, the reference below; plain JS on cpu; generated WebAssembly SIMD
 *    on wasm: `wasm-grouped.ts`).
 * Every method also applies the folded bias and the optional ReLU.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convOutSize, type ConvSpec } from '../graph.ts';
import { blockDiagonalHwio, depthwiseHwim, oihwToHwio } from './fold.ts';
import { packWasmGroupedFilter, wasmGroupedConvKernel } from './kernels/wasm-grouped.ts';
import { GEMM_NR, packGemmWeights } from './kernels/conv-gemm.ts';
import type { WasmKernelOptions } from './kernels/runtime.ts';
import { CONV_KERNEL_NAME, wasmConvKernel } from './kernels/wasm-conv.ts';
import { MAX_POOL_KERNEL_NAME, SPATIAL_MEAN_KERNEL_NAME, wasmMaxPoolKernel, wasmSpatialMeanKernel } from './kernels/wasm-pooling.ts';
import { groupedConvWgslTiledProgram, tiledGroupedFits } from './kernels/wgsl-grouped.ts';

export type GroupedMethod = 'split' | 'blockdiag' | 'depthwise' | 'kernel';
export const GROUPED_METHODS: readonly GroupedMethod[] = ['split', 'blockdiag', 'depthwise', 'kernel'];
export const GROUPED_KERNEL_NAME = 'ResNeXtGroupedConv2D';

/** A conv's geometry: the layer graph's ConvSpec without the bias flag (a folded BN supplies the bias). */
export type ConvGeometry = Omit<ConvSpec, 'bias'>;

/**
 * How a dense (groups = 1) conv runs: `xnnpack` is tfjs's fused conv2d (XNNPACK on wasm), `gemm`
 * the own generated WebAssembly GEMM kernel (`kernels/wasm-conv.ts`, wasm only), `auto` the
 * measured choice of `denseMethod`.
 */
export type DenseMethod = 'xnnpack' | 'gemm' | 'auto';

/**
 * The measured choice for a dense conv on `backend`: the own GEMM kernel on wasm, which ran every
 * conv shape of ResNet-50 and ResNeXt-50 (1x1, 3x3, the 7x7 stem, strides 1 and 2) faster than
 * XNNPACK in Chromium on this project's 2-core machine (`npm run bench` prints both per shape);
 * tfjs's conv2d on every other backend.
 */
export function denseMethod(backend: string, requested: DenseMethod = 'auto'): 'dense' | 'gemm' {
  if (requested === 'gemm' && backend !== 'wasm') throw new Error(`the own GEMM conv kernel runs on wasm only, not on ${backend}`);
  return requested === 'xnnpack' || backend !== 'wasm' || !tf.getKernel(CONV_KERNEL_NAME, 'wasm') ? 'dense' : 'gemm';
}

/**
 * Which WGSL grouped conv runs on webgpu: 'auto' the tiled one (`kernels/wgsl-grouped.ts`) where
 * it fits, else the reference; 'tiled' or 'reference' to compare them (benchmarks, tests).
 */
export type WgslGroupedVariant = 'auto' | 'tiled' | 'reference';

/**
 * Settings of the own kernels for one network (`NetworkOptions.kernels`), carried by each prepared
 * conv to its kernel calls: the wasm kernels' FMA and threads, the WGSL grouped conv's variant.
 * Unset, each is the measured default; tests and benchmarks set them to compare the paths.
 */
export interface KernelOptions extends WasmKernelOptions {
  wgsl?: WgslGroupedVariant;
}

/** A conv ready to run: filters in the method's layout, optional bias, the geometry. */
export interface PreparedConv {
  geometry: ConvGeometry;
  /** `dense`: tfjs conv2d; `gemm`: the own wasm kernel (filters[0] packed, bias included). */
  method: GroupedMethod | 'dense' | 'gemm';
  filters: tf.Tensor4D[];
  bias: tf.Tensor1D | null;
  biasSlices: tf.Tensor1D[];
  /** `kernel` on wasm: filters[0] is packed for the SIMD kernel, bias included (`packWasmGroupedFilter`). */
  packed?: boolean;
  /** The own kernels' settings, passed to every call. */
  kernels: KernelOptions;
}

/** Backends on which `kernel` is registered (see `registerGroupedKernels`). */
const kernelBackends = new Set<string>();

export function groupedKernelAvailable(backend: string): boolean {
  return kernelBackends.has(backend);
}

/**
 * Prepares an OIHW weight (and optional per-output bias) for `method`. Dense (groups = 1) convs
 * always use `tf.conv2d`. The returned tensors belong to the caller (`disposePrepared`).
 */
export function prepareConv(
  weight: Float32Array,
  bias: Float32Array | null,
  geometry: ConvGeometry,
  method: GroupedMethod,
  dense: DenseMethod = 'auto',
  kernels: KernelOptions = {},
): PreparedConv {
  const { inChannels: inC, outChannels: outC, kernel: k, groups: G } = geometry;
  const cpg = inC / G;
  const opg = outC / G;
  if (!Number.isInteger(cpg) || !Number.isInteger(opg)) {
    throw new Error(`grouped conv: ${inC} inputs and ${outC} outputs do not divide into ${G} groups`);
  }
  if (weight.length !== outC * cpg * k * k) {
    throw new Error(`grouped conv: weight has ${weight.length} values, expected ${outC}x${cpg}x${k}x${k}`);
  }
  const created: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (created.push(t), t);
  try {
    if (fusesResidual(geometry, dense)) {
      const packed = packGemmWeights(weight, bias, outC, inC, k);
      return { geometry, method: 'gemm', filters: [keep(tf.tensor3d(packed, [Math.ceil(outC / GEMM_NR), 1 + k * k * inC, GEMM_NR]) as unknown as tf.Tensor4D)], bias: null, biasSlices: [], packed: true, kernels };
    }
    const biasT = bias ? keep(tf.tensor1d(bias)) : null;
    if (G === 1) {
      return { geometry, method: 'dense', filters: [keep(tf.tensor4d(oihwToHwio(weight, outC, inC, k, k), [k, k, inC, outC]))], bias: biasT, biasSlices: [], kernels };
    }
    switch (method) {
      case 'split': {
        const filters: tf.Tensor4D[] = [];
        const biasSlices: tf.Tensor1D[] = [];
        const per = opg * cpg * k * k;
        for (let g = 0; g < G; g++) {
          filters.push(keep(tf.tensor4d(oihwToHwio(weight.subarray(g * per, (g + 1) * per), opg, cpg, k, k), [k, k, cpg, opg])));
          if (bias) biasSlices.push(keep(tf.tensor1d(bias.subarray(g * opg, (g + 1) * opg))));
        }
        return { geometry, method, filters, bias: biasT, biasSlices, kernels };
      }
      case 'blockdiag':
        return { geometry, method, filters: [keep(tf.tensor4d(blockDiagonalHwio(weight, outC, inC, G, k), [k, k, inC, outC]))], bias: biasT, biasSlices: [], kernels };
      case 'depthwise':
        return { geometry, method, filters: [keep(tf.tensor4d(depthwiseHwim(weight, outC, inC, G, k), [k, k, inC, opg]))], bias: biasT, biasSlices: [], kernels };
      case 'kernel': {
        // [K, K, I/G, O]: HWIO with the group's inputs only.
        const hwio = oihwToHwio(weight, outC, cpg, k, k);
        if (tf.getBackend() === 'wasm') {
          // The packed filter carries the bias.
          if (biasT) created.splice(created.indexOf(biasT), 1)[0].dispose();
          const packed = packWasmGroupedFilter(hwio, bias, k, cpg, outC, G);
          return { geometry, method, filters: [keep(tf.tensor4d(packed.data, packed.shape))], bias: null, biasSlices: [], packed: true, kernels };
        }
        return { geometry, method, filters: [keep(tf.tensor4d(hwio, [k, k, cpg, outC]))], bias: biasT, biasSlices: [], kernels };
      }
      default:
        throw new Error(`unknown grouped conv method ${JSON.stringify(method)}`);
    }
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
}

export function disposePrepared(p: PreparedConv): void {
  for (const t of p.filters) t.dispose();
  p.bias?.dispose();
  for (const t of p.biasSlices) t.dispose();
}

/** Whether `runConv` adds a residual inside the kernel of a conv of this geometry (else after it, as tfjs ops): the own GEMM kernel does. */
export function fusesResidual(geometry: ConvGeometry, dense: DenseMethod = 'auto'): boolean {
  return geometry.groups === 1 && denseMethod(tf.getBackend(), dense) === 'gemm';
}

/**
 * Runs a prepared conv on NHWC `x` (not disposed): conv + bias, plus `residual` when given (same
 * shape as the output), then the ReLU when `relu`.
 */
export function runConv(x: tf.Tensor4D, p: PreparedConv, relu: boolean, residual?: tf.Tensor4D): tf.Tensor4D {
  const { stride, padding: pad, groups: G, outChannels: outC, inChannels: inC, kernel } = p.geometry;
  if (residual && p.method !== 'gemm') {
    return tf.tidy(() => {
      const y = tf.add(runConv(x, p, false), residual);
      return (relu ? tf.relu(y) : y) as tf.Tensor4D;
    });
  }
  const activation = relu ? 'relu' : 'linear';
  return tf.tidy((): tf.Tensor4D => {
    switch (p.method) {
      case 'gemm': {
        const inputs: tf.NamedTensorMap = { x, filter: p.filters[0] };
        if (residual) inputs.residual = residual;
        const attrs = { kernel, stride, pad, outChannels: outC, relu, ...p.kernels };
        return tf.engine().runKernel(CONV_KERNEL_NAME, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      }
      case 'dense':
      case 'blockdiag':
        return tf.fused.conv2d({ x, filter: p.filters[0], strides: stride, pad, bias: p.bias ?? undefined, activation }) as tf.Tensor4D;
      case 'split': {
        const parts = tf.split(x, G, 3) as tf.Tensor4D[];
        const outs = parts.map((part, g) =>
          tf.fused.conv2d({ x: part, filter: p.filters[g], strides: stride, pad, bias: p.biasSlices[g], activation }) as tf.Tensor4D,
        );
        return tf.concat(outs, 3) as tf.Tensor4D;
      }
      case 'depthwise': {
        const d = tf.depthwiseConv2d(x, p.filters[0], stride, pad);
        const [n, h, w] = d.shape;
        const cpg = inC / G;
        const opg = outC / G;
        let y: tf.Tensor = cpg === 1 ? d : tf.sum(tf.reshape(d, [n * h * w * G, cpg, opg]), 1);
        y = tf.reshape(y, [n, h, w, outC]);
        if (p.bias) y = tf.add(y, p.bias);
        return (relu ? tf.relu(y) : y) as tf.Tensor4D;
      }
      case 'kernel': {
        if (!groupedKernelAvailable(tf.getBackend())) {
          throw new Error(`grouped conv kernel is not registered for backend ${tf.getBackend()}`);
        }
        const inputs: tf.NamedTensorMap = { x, filter: p.filters[0] };
        if (p.bias) inputs.bias = p.bias;
        const attrs = { stride, pad, groups: G, relu, packed: !!p.packed, outChannels: outC, ...p.kernels };
        return tf.engine().runKernel(GROUPED_KERNEL_NAME, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      }
    }
  });
}

interface KernelAttrs {
  stride: number;
  pad: number;
  groups: number;
  relu: boolean;
  wgsl?: WgslGroupedVariant;
}

/** Plain-JS grouped conv on NHWC float32 data with a [K, K, I/G, O] filter. */
function groupedConvJs(
  x: Float32Array,
  xShape: readonly number[],
  w: Float32Array,
  wShape: readonly number[],
  bias: Float32Array | null,
  { stride, pad, groups, relu }: KernelAttrs,
): { values: Float32Array; shape: [number, number, number, number] } {
  const [n, h, wd, inC] = xShape;
  const [k, , cpg, outC] = wShape;
  const opg = outC / groups;
  if (cpg * groups !== inC) throw new Error(`grouped conv: input has ${inC} channels, filter expects ${cpg} x ${groups}`);
  const ho = convOutSize(h, k, stride, pad);
  const wo = convOutSize(wd, k, stride, pad);
  const out = new Float32Array(n * ho * wo * outC);
  const acc = new Float32Array(outC);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        if (bias) acc.set(bias);
        else acc.fill(0);
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox * stride - pad + kx;
            if (ix < 0 || ix >= wd) continue;
            const xBase = ((b * h + iy) * wd + ix) * inC;
            const wTap = (ky * k + kx) * cpg * outC;
            for (let g = 0; g < groups; g++) {
              const o0 = g * opg;
              for (let j = 0; j < cpg; j++) {
                const xv = x[xBase + g * cpg + j];
                if (xv === 0) continue;
                const wRow = wTap + j * outC + o0;
                for (let m = 0; m < opg; m++) acc[o0 + m] += xv * w[wRow + m];
              }
            }
          }
        }
        const oBase = ((b * ho + oy) * wo + ox) * outC;
        if (relu) for (let o = 0; o < outC; o++) out[oBase + o] = acc[o] > 0 ? acc[o] : 0;
        else out.set(acc, oBase);
      }
    }
  }
  return { values: out, shape: [n, ho, wo, outC] };
}

/** WGSL grouped conv, the reference: one invocation per output element, NHWC in and out. */
function groupedConvWgslProgram(
  outShape: [number, number, number, number],
  attrs: KernelAttrs,
  hasBias: boolean,
): {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  uniforms: string;
  size: boolean;
  getUserCode: () => string;
} {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  const total = outShape.reduce((a, b) => a * b, 1);
  const variableNames = hasBias ? ['x', 'W', 'bias'] : ['x', 'W'];
  return {
    outputShape: outShape,
    shaderKey: `resnext_grouped_conv_${hasBias}_${attrs.relu}`,
    dispatchLayout: { x: [0, 1, 2, 3] },
    dispatch: [Math.ceil(total / workgroupSize[0]), 1, 1],
    variableNames,
    workgroupSize,
    uniforms: 'pad : i32, stride : i32, kernel : i32, cpg : i32, opg : i32,',
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getOutputCoords();
          let b = coords[0];
          let o = coords[3];
          let g = o / uniforms.opg;
          let cBase = g * uniforms.cpg;
          let y0 = coords[1] * uniforms.stride - uniforms.pad;
          let x0 = coords[2] * uniforms.stride - uniforms.pad;
          var value = 0.0;
          for (var ky = 0; ky < uniforms.kernel; ky = ky + 1) {
            let iy = y0 + ky;
            if (iy < 0 || iy >= uniforms.xShape[1]) { continue; }
            for (var kx = 0; kx < uniforms.kernel; kx = kx + 1) {
              let ix = x0 + kx;
              if (ix < 0 || ix >= uniforms.xShape[2]) { continue; }
              for (var j = 0; j < uniforms.cpg; j = j + 1) {
                value = value + getX(b, iy, ix, cBase + j) * getW(ky, kx, j, o);
              }
            }
          }
          ${hasBias ? 'value = value + getBias(o);' : ''}
          ${attrs.relu ? 'value = max(value, 0.0);' : ''}
          setOutputAtIndex(index, value);
        }
      }
    `,
  };
}

/**
 * Registers `ResNeXtGroupedConv2D` for the cpu backend (plain JS) and, when it is registered with
 * tfjs, the webgpu backend (WGSL run through `WebGPUBackend.runWebGPUProgram`). Idempotent.
 */
export function registerGroupedKernels(backends: readonly string[]): void {
  for (const backendName of backends) {
    if (kernelBackends.has(backendName)) continue;
    if (tf.getKernel(GROUPED_KERNEL_NAME, backendName)) {
      kernelBackends.add(backendName);
      continue;
    }
    if (backendName === 'cpu') {
      tf.registerKernel({
        kernelName: GROUPED_KERNEL_NAME,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const cpu = backend as unknown as {
            data: { get(id: object): { values: Float32Array } };
            makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
          };
          const { x, filter, bias } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo };
          const r = groupedConvJs(
            cpu.data.get(x.dataId).values,
            x.shape,
            cpu.data.get(filter.dataId).values,
            filter.shape,
            bias ? cpu.data.get(bias.dataId).values : null,
            attrs as unknown as KernelAttrs,
          );
          return cpu.makeTensorInfo(r.shape, 'float32', r.values);
        },
      });
      kernelBackends.add(backendName);
    } else if (backendName === 'webgpu') {
      tf.registerKernel({
        kernelName: GROUPED_KERNEL_NAME,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const gpu = backend as unknown as {
            runWebGPUProgram(program: unknown, inputs: tf.TensorInfo[], dtype: 'float32', uniforms: { type: 'int32'; data: number[] }[]): tf.TensorInfo;
          };
          const a = attrs as unknown as KernelAttrs;
          const { x, filter, bias } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo };
          const [n, h, w, inC] = x.shape;
          const [k, , cpg, outC] = filter.shape;
          const outShape: [number, number, number, number] = [n, convOutSize(h, k, a.stride, a.pad), convOutSize(w, k, a.stride, a.pad), outC];
          const variant = a.wgsl ?? 'auto';
          if (variant !== 'reference' && tiledGroupedFits(inC, outC, a.groups)) {
            const tiled = groupedConvWgslTiledProgram({ n, h, w, inC, ho: outShape[1], wo: outShape[2], outC, k, stride: a.stride, pad: a.pad, groups: a.groups, relu: a.relu, bias: !!bias });
            return gpu.runWebGPUProgram(tiled, bias ? [x, filter, bias] : [x, filter], 'float32', []);
          }
          if (variant === 'tiled') throw new Error(`the tiled WGSL grouped conv needs whole vec4s of channels per group, not ${inC / a.groups} in and ${outC / a.groups} out`);
          const program = groupedConvWgslProgram(outShape, a, !!bias);
          const uniforms = [a.pad, a.stride, k, cpg, outC / a.groups].map((v) => ({ type: 'int32' as const, data: [v] }));
          return gpu.runWebGPUProgram(program, bias ? [x, filter, bias] : [x, filter], 'float32', uniforms);
        },
      });
      kernelBackends.add(backendName);
    } else if (backendName === 'wasm') {
      tf.registerKernel({ kernelName: GROUPED_KERNEL_NAME, backendName, kernelFunc: wasmGroupedConvKernel as unknown as tf.KernelFunc });
      if (!tf.getKernel(CONV_KERNEL_NAME, backendName)) tf.registerKernel({ kernelName: CONV_KERNEL_NAME, backendName, kernelFunc: wasmConvKernel as unknown as tf.KernelFunc });
      if (!tf.getKernel(MAX_POOL_KERNEL_NAME, backendName)) tf.registerKernel({ kernelName: MAX_POOL_KERNEL_NAME, backendName, kernelFunc: wasmMaxPoolKernel as unknown as tf.KernelFunc });
      if (!tf.getKernel(SPATIAL_MEAN_KERNEL_NAME, backendName)) tf.registerKernel({ kernelName: SPATIAL_MEAN_KERNEL_NAME, backendName, kernelFunc: wasmSpatialMeanKernel as unknown as tf.KernelFunc });
      kernelBackends.add(backendName);
    }
  }
}
