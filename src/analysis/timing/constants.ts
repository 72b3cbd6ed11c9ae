/**
 * The time model's constants, in one table: what each means, its value, and where it comes from. The
 * GPU values are fitted by `npx tsx bench/fit-time.ts --fit --write` (which writes fitted.json) to the
 * calibration tables only (fixtures/timing/published.json: pycls's V100 float32 inference rows, timm's
 * RTX 3090 autocast NCHW inference and training rows; the NHWC tables are compared, not fitted);
 * docs/time-model.md has the fit's errors.
 * CPUs and the browser take their rates from a probe (a ResNet's own conv shapes, a pooling, tiny ops) and these few rules.
 */
import { cpuWgradEfficiency, type Device } from '../devices.ts';
import type { DeviceConstants } from './model.ts';
import fitted from './fitted.json' with { type: 'json' };

/** NVIDIA GPUs (and the Apple GPU, uncalibrated): the fitted constants. */
export const GPU_CONSTANTS: DeviceConstants = fitted;

export interface ConstantRow {
  key: string;
  value: number;
  what: string;
  /** Where the value comes from: the fit (and which data constrain it) or a fixed rule. */
  source: string;
}

const FIT_SIMT = 'fitted to pycls V100 float32 inference (ResNet-50/101/152, ResNeXt-50/101/152 32x4d, 24 RegNets)';
const FIT_TENSOR = 'fitted to timm RTX 3090 autocast NCHW tables (inference and training)';
const FIT_ALL = 'fitted to all calibration tables';

/** The GPU constants with their meaning and source (the Cost view and docs/time-model.md show this table). */
export const GPU_CONSTANT_TABLE: readonly ConstantRow[] = [
  { key: 'simt.efficiency', value: fitted.simt.efficiency, what: 'share of the FP32 vector peak a large conv GEMM reaches', source: FIT_SIMT },
  { key: 'simt.nTile', value: fitted.simt.nTile, what: 'narrowest tile of FP32 conv kernels, in output channels per group', source: `grid search {32, 64}, ${FIT_SIMT}` },
  { key: 'simt.kTile', value: fitted.simt.kTile, what: 'reduction (k) granularity of FP32 conv kernels', source: 'fixed: CUTLASS SIMT kernels step k by 8' },
  { key: 'simt.winograd', value: fitted.simt.winograd, what: 'fewer multiplications of Winograd on dense 3x3 stride-1 FP32 convs (F(2x2, 3x3): at most 2.25)', source: 'fixed at F(2x2, 3x3)\'s 2.25 (`--fix simt.winograd`): fitted, it sat at that bound until the FP32 convs\' memory term came in, then drifted to 1.86 and moved the V100 ResNeXt-50 / ResNet-50 ratio from 1.47 to 1.42' },
  { key: 'tensorCores.efficiency', value: fitted.tensorCores.efficiency, what: 'share of the tensor-core peak a large conv GEMM reaches', source: `${FIT_TENSOR}; bounded by 1 (GeForce cards run above their rated boost clock)` },
  { key: 'tensorCores.nTile', value: fitted.tensorCores.nTile, what: 'narrowest tensor-core conv tile, in output channels per group', source: `grid search {16, 32}, ${FIT_TENSOR}` },
  { key: 'tensorCores.kTile', value: fitted.tensorCores.kTile, what: 'reduction (k) granularity of tensor-core MMA, in 16-bit elements (32 bytes: 8 TF32 elements)', source: 'fixed: PTX ISA, mma.m16n8k16 for float16 / bfloat16, mma.m16n8k8 for TF32' },
  { key: 'wgradEfficiency', value: fitted.wgradEfficiency, what: 'rate of a weight-gradient conv relative to the forward conv', source: 'fitted to the timm RTX 3090 NCHW training table; bounded by 1' },
  { key: 'memoryEfficiency', value: fitted.memoryEfficiency, what: 'share of the memory bandwidth an element-wise kernel reaches', source: `${FIT_ALL}; bounded by 0.9 (a streaming kernel reaches about 90% of the DRAM peak at most: V100, 750 of 900 GB/s measured by Jia et al., "Dissecting the NVIDIA Volta GPU Architecture via Microbenchmarking", 2018)` },
  { key: 'matrixMemoryEfficiency', value: fitted.matrixMemoryEfficiency, what: 'share of that bandwidth an FP32 vector-unit conv\'s own reads and writes reach when they bound it (few channels: NCHW operands gathered into shared-memory tiles, not streamed)', source: `${FIT_SIMT}; the small RegNets (24-56 channels at 56 x 56 and 28 x 28) constrain it` },
  { key: 'depthwiseEfficiency', value: fitted.depthwiseEfficiency, what: 'share of that bandwidth a depthwise conv (the blur pool\'s fixed filter) reaches', source: 'fitted to the timm RTX 3090 NCHW tables (the resnetblur rows constrain it)' },
  { key: 'minKernelUs', value: fitted.minKernelUs, what: 'shortest kernel on the GPU, microseconds (launch latency on the device)', source: 'fitted to all calibration tables within 2-10 us (a launch takes a few microseconds: NVIDIA Technical Blog, "Getting Started with CUDA Graphs"; a cuDNN call may run 2-3 kernels)' },
  { key: 'nchwPasses', value: fitted.nchwPasses, what: 'passes over a forward tensor-core conv\'s input and output to convert NCHW to NHWC and back', source: 'fitted to the timm RTX 3090 NCHW inference tables (the NHWC ones, compared only, check it)' },
  { key: 'nchwPassesBackward', value: fitted.nchwPassesBackward, what: 'the same for the input- and weight-gradient convs', source: 'fitted to the timm RTX 3090 NCHW training table (the NHWC one, compared only, checks it)' },
  { key: 'plainConvPassShare', value: fitted.plainConvPassShare, what: 'the share of those passes a 1x1 stride-1 conv pays: on NCHW data it is a GEMM per image that needs no transpose, and cudnn.benchmark keeps the NCHW kernel where it is faster', source: `${FIT_TENSOR}; within 0-1 (1: every conv transposes; 0: no plain conv does)` },
];

/**
 * CPU rules (PyTorch's oneDNN convolutions; this engine's WebAssembly kernels for the browser): the rates
 * and bandwidth are the probe's (a probed CPU's forward convs at its conv's arithmetic rate plus oneDNN's layout
 * reorders, its weight gradients at its timed weight gradients' (older probes: its GEMM's); the browser's dense and grouped convs at their probes' rates:
 * model.ts), so the efficiencies are 1; output channels per group are padded to
 * the vector width (oneDNN's blocked layouts pad channel blocks to 8 floats with AVX2, 16 with AVX-512;
 * WebAssembly SIMD has 4); no Winograd; no layout transposes; kernels run synchronously after their dispatch.
 */
function cpuConstants(vectorLanes: number, efficiency = 1, wgradEfficiency = 1): DeviceConstants {
  const unit = { efficiency, nTile: vectorLanes, kTile: 1, winograd: 1 };
  return { simt: unit, tensorCores: unit, wgradEfficiency, memoryEfficiency: 1, depthwiseEfficiency: 1, matrixMemoryEfficiency: 1, minKernelUs: 0, nchwPasses: 0, nchwPassesBackward: 0, plainConvPassShare: 1 };
}

/** WebAssembly SIMD's float32 lanes. */
const WASM_LANES = 4;

/**
 * A datasheet CPU (no probe): the share of its peak oneDNN's convolutions are assumed to reach. Not
 * calibrated: no published CPU timing is in the calibration set.
 */
const DATASHEET_CPU_EFFICIENCY = 0.7;

export function constantsFor(device: Device): DeviceConstants {
  const probe = device.measuredCpu;
  // A probed CPU: forward convs at the conv probe's rate (the device's), weight gradients at the rate of the probe's
  // timed weight gradients (older probes: its GEMM's).
  if (device.kind === 'cpu') {
    if (!probe) return cpuConstants(device.vectorLanes ?? 16, DATASHEET_CPU_EFFICIENCY);
    return cpuConstants(device.vectorLanes ?? 8, 1, cpuWgradEfficiency(probe) ?? probe.gemmGflops / (device.fp32Tflops * 1000));
  }
  if (device.kind === 'browser') return cpuConstants(WASM_LANES);
  return GPU_CONSTANTS;
}
