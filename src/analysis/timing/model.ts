/**
 * The time of each kernel on a device, and of a sequence of kernels as eager PyTorch runs them.
 *
 * A matrix kernel (conv, its dgrad and wgrad, the fc) is an implicit GEMM: per group an m x n output over a
 * k-long reduction (kernels.ts). It runs in tiles: along the longer of m and n at most TILE_M wide, along the
 * shorter a multiple of `nTile` (at most TILE_N) that pads it least; k is padded to a multiple of `kTile`. Tiles run in waves over the SMs; a GEMM with fewer tiles than SMs splits k to fill them (split-k,
 * as many ways as leaves the SMs least idle, when k is long enough). So
 *
 *   compute = waves x (tile work) / (the unit's peak per SM x efficiency)
 *
 * which makes a grouped conv with 4 channels per group fill an `nTile`-wide tile (32) an eighth, a layer of
 * 7 x 7 pixels at batch 1 leave SMs idle, and a channel count just past a multiple of the tile cost a whole
 * extra tile. Dense 3x3 stride-1 convs on the FP32 vector units run as Winograd (cuDNN picks it under
 * `cudnn.benchmark`): `winograd` times fewer multiplications. Memory: bytes read + written at
 * `memoryEfficiency` x the bandwidth. A kernel takes max(compute, memory, `minKernelUs`). On tensor cores,
 * an NCHW (channels-first) conv also transposes its image operands to the NHWC the tensor-core kernels
 * read (`nchwPasses` passes over them; a 1x1 stride-1 conv, a plain GEMM on NCHW data, `plainConvPassShare` of
 * them); channels-last needs none.
 *
 * Eager execution: the host spends `launchUs` (the device's) queueing each kernel while the GPU runs the
 * ones already queued; the pass ends when the GPU finishes the last. Small batches are therefore
 * launch-bound, large ones GPU-bound. A CPU runs each op synchronously: launch + kernel time, summed.
 */
import { cpuConvSplit, cpuGroupedFactor, type CpuProbe, type Device } from '../devices.ts';
import type { Gemm, Kernel } from './kernels.ts';
import { matrixPath, type MatrixPath, type Precision } from './precision.ts';

export type Layout = 'nchw' | 'nhwc';
export const LAYOUTS: readonly Layout[] = ['nchw', 'nhwc'];

/** How one kind of arithmetic unit runs an implicit GEMM (fitted, see constants.ts). */
interface UnitConstants {
  efficiency: number;
  nTile: number;
  kTile: number;
  winograd: number;
}

export interface DeviceConstants {
  simt: UnitConstants;
  tensorCores: UnitConstants;
  /** A weight-gradient conv's rate relative to the forward conv's (its reduction runs over batch x pixels). */
  wgradEfficiency: number;
  memoryEfficiency: number;
  /**
   * Share of `memoryEfficiency`'s bandwidth a depthwise conv reaches (timm's BlurPool2d filter: one channel per
   * group, a k x k stencil over each input, no GEMM and no tensor cores).
   */
  depthwiseEfficiency: number;
  /**
   * Share of `memoryEfficiency`'s bandwidth an FP32 vector-unit matrix kernel's (conv, dgrad, wgrad, fc) own reads
   * and writes reach when they, not its arithmetic, bound it: a conv of few channels gathers its NCHW operands
   * into shared-memory tiles at the occupancy its registers allow, it does not stream them as an element-wise
   * kernel does. Tensor-core convs on NCHW data already pay their operands' transposes (`nchwPasses`), which do
   * stream; on them the conv's traffic moves at the element-wise rate.
   */
  matrixMemoryEfficiency: number;
  minKernelUs: number;
  /** Passes over a tensor-core conv's image operands to transpose NCHW to NHWC and back: forward, backward kernels. */
  nchwPasses: number;
  nchwPassesBackward: number;
  /**
   * The share of those passes a plain conv (1x1, stride 1, not grouped) pays. On NCHW data such a conv is a GEMM
   * per image ([C_out, C_in] x [C_in, H x W]) that needs no transpose; `cudnn.benchmark` times the NCHW kernels
   * against the transposing NHWC ones and keeps whichever is faster, shape by shape, so on average it transposes less.
   */
  plainConvPassShare: number;
}

/** Output rows of a tile (pixels), and the widest tile in output channels. */
export const TILE_M = 128;
const TILE_N = 128;
/** Split-k gives each split at least this much of k. */
const SPLIT_K_MIN = 256;

export interface KernelTime {
  /** Seconds of arithmetic at the reachable rate (0 for memory kernels). */
  computeS: number;
  /** Seconds of memory traffic. */
  memoryS: number;
  /** GPU seconds of the kernel: max(compute, memory, minimum), plus its layout transposes. */
  seconds: number;
  /** What the kernel reaches of the unit's peak on its useful FLOPs (compute kernels), for display. */
  efficiency: number;
  unit: MatrixPath['unit'] | 'memory';
  /** The tile-quantization share: useful MACs / padded MACs. */
  tileUse: number;
  /** Whether it runs as Winograd. */
  winograd: boolean;
}

function ceilTo(v: number, q: number): number {
  return Math.ceil(v / q) * q;
}

/**
 * The tile width along the shorter output dimension: among the multiples of `nTile` up to TILE_N, the one
 * that pads `n` least (the widest of equals), as `cudnn.benchmark` picks the kernel whose tiles fit.
 */
function shortTileWidth(n: number, nTile: number): number {
  let best = nTile;
  for (let w = nTile; w <= Math.max(TILE_N, nTile); w += nTile) {
    if (Math.ceil(n / w) * w <= Math.ceil(n / best) * best) best = w;
  }
  return best;
}

/** A GEMM split k at most this many ways (the splits' partial sums are then reduced). */
const SPLIT_K_MAX = 64;

/**
 * How many ways a GEMM of fewer tiles than SMs splits k: the count (each split at least SPLIT_K_MIN of k) whose
 * waves leave the SMs least idle, the fewest of equals. 64 tiles on 82 SMs split 32 ways run in 25 waves
 * (78% of the SMs busy) where unsplit they take one wave of 64 (the same share) at 32 times the length; a split
 * that fills whole waves is taken when k allows it.
 */
function splitK(tiles: number, sms: number, most: number): number {
  let best = 1;
  for (let s = 2; s <= Math.min(most, SPLIT_K_MAX); s++) if (Math.ceil((tiles * s) / sms) / s < Math.ceil((tiles * best) / sms) / best - 1e-9) best = s;
  return best;
}

/** Seconds of one GEMM on a unit (see the top of this file). */
export function gemmSeconds(g: Gemm, path: MatrixPath, unit: UnitConstants, sms: number, speedup: number): { seconds: number; tileUse: number } {
  // The tile's long side runs along the longer output dimension (a library computes C or its transpose).
  const long = Math.max(g.m, g.n);
  const short = Math.min(g.m, g.n);
  const shortTile = shortTileWidth(short, unit.nTile);
  const longTile = Math.min(TILE_M, ceilTo(long, unit.nTile));
  const longTiles = Math.ceil(long / longTile);
  const shortTiles = Math.ceil(short / shortTile);
  const tiles = longTiles * shortTiles * g.groups;
  // The tensor-core MMA steps k by 32 bytes: 16 elements of float16 / bfloat16, 8 of TF32.
  const kTile = path.unit === 'tensor' ? Math.max(1, Math.round((unit.kTile * 2) / path.bytes)) : unit.kTile;
  const kPad = ceilTo(g.k, kTile);
  const splits = tiles >= sms ? 1 : splitK(tiles, sms, Math.floor(kPad / SPLIT_K_MIN));
  const waves = Math.ceil((tiles * splits) / sms);
  const perSm = (path.tflops * 1e12) / 2 / sms; // MAC/s of one SM
  const seconds = (waves * longTile * shortTile * (kPad / splits)) / (perSm * unit.efficiency * speedup);
  const tileUse = (g.m * g.n * g.k) / (longTiles * longTile * shortTiles * shortTile * kPad);
  return { seconds, tileUse };
}

/**
 * A grouped conv with at least this many output channels per group runs as per-group dense convolutions, where
 * cuDNN's Winograd kernels apply (RegNet's wide groups: 56-232 channels); narrower groups (ResNeXt's 4-32) run
 * as one grouped implicit GEMM. Chosen from {32, 48, 64, 96} on pycls's V100 rows (64 and 96 fit alike).
 */
export const WINOGRAD_GROUP_WIDTH = 64;

function usesWinograd(k: Kernel, path: MatrixPath): boolean {
  const g = k.gemm;
  return path.unit === 'simt' && g !== null && g.kernel === 3 && g.stride === 1 && (g.groups === 1 || g.n >= WINOGRAD_GROUP_WIDTH) && (k.role === 'conv' || k.role === 'dgrad');
}

/**
 * Seconds of one GEMM on "this browser" or a probed CPU: the kernels split a conv into work items far more numerous
 * than the threads (the engine's: panels of a few pixels x 8 output channels), so there are no tile waves: the output
 * channels per group padded to the vector width (`nTile`), the output pixels to `pixelTile`, at a measured rate that
 * already holds every thread. In the browser grouped convs run by their own kernel at the grouped probe's rate
 * (useful FLOPs), dense ones at the dense convs'; on a CPU every conv at the arithmetic rate of `cpuConvSplit`.
 */
function probedGemmSeconds(g: Gemm, unit: UnitConstants, gflops: number, pixelTile = BROWSER_PIXEL_TILE): { seconds: number; tileUse: number } {
  const n = ceilTo(g.n, unit.nTile);
  const m = ceilTo(g.m, pixelTile);
  return { seconds: (2 * g.groups * m * n * g.k) / (gflops * 1e9 * unit.efficiency), tileUse: (g.m * g.n) / (m * n) };
}

/**
 * Output pixels per register tile of the engine's GEMM conv kernel (`mr` in src/model/tfjs/kernels/conv-gemm.ts:
 * 6 with relaxed SIMD's FMA): a 7 x 7 map is 9 tiles, 54 pixels.
 */
const BROWSER_PIXEL_TILE = 6;

/**
 * A probed CPU's conv GEMM (`probedGemmSeconds` with no pixel tile): the channels per group padded to the vector
 * width, or, for a grouped conv whose groups oneDNN runs on a slower path (`groupedPath`: smaller channel blocks, or
 * im2col with a GEMM), its unpadded work at that path's measured cost per multiply-add (`cpuGroupedFactor`), whichever
 * is longer. The width per group is the GEMM's output channels (forward), input channels (input gradient) or rows
 * (weight gradient): a ResNeXt's and a RegNet's grouped convs have as many in as out.
 */
function cpuGemmSeconds(k: Kernel, unit: UnitConstants, gflops: number, probe: CpuProbe): { seconds: number; tileUse: number } {
  const g = k.gemm!;
  const padded = probedGemmSeconds(g, unit, gflops, 1);
  if (g.groups === 1) return padded;
  const factor = cpuGroupedFactor(probe, k.role === 'wgrad' ? g.m : g.n);
  const slow = (factor * 2 * g.groups * g.m * g.n * g.k) / (gflops * 1e9 * unit.efficiency);
  return slow > padded.seconds ? { seconds: slow, tileUse: 1 / factor } : padded;
}

const splits = new WeakMap<CpuProbe, ReturnType<typeof cpuConvSplit>>();

function cpuSplitOf(p: CpuProbe): ReturnType<typeof cpuConvSplit> {
  if (!splits.has(p)) splits.set(p, cpuConvSplit(p));
  return splits.get(p)!;
}

/** The probe's two copies move 8 MB (4 MB read, 4 written) and 128 MB. */
const SMALL_COPY_BYTES = 8 * 2 ** 20;
const LARGE_COPY_BYTES = 128 * 2 ** 20;

/**
 * Bytes per second of a kernel moving `bytes`: the device's bandwidth; on a probed CPU the probe's BatchNorm's (else
 * its small copy's) up to 8 MB, the large copy's (at most that) from 128 MB, and log-interpolated between (how much of
 * the traffic the caches hold).
 */
function bandwidthFor(bytes: number, device: Device): number {
  const p = device.measuredCpu;
  if (!p) return device.bandwidthGBs * 1e9;
  const t = Math.min(1, Math.max(0, Math.log(bytes / SMALL_COPY_BYTES) / Math.log(LARGE_COPY_BYTES / SMALL_COPY_BYTES)));
  const small = p.bnGBs ?? p.copyGBs;
  return Math.exp((1 - t) * Math.log(small) + t * Math.log(Math.min(small, p.largeCopyGBs))) * 1e9;
}

/** A 1x1 stride-1 dense conv: on NCHW data a GEMM per image, no gather and no transpose needed. */
export function isPlainConv(g: Gemm): boolean {
  return g.kernel === 1 && g.stride === 1 && g.groups === 1;
}

export function kernelTime(k: Kernel, device: Device, precision: Precision, layout: Layout, c: DeviceConstants): KernelTime {
  const bandwidth = bandwidthFor(k.bytesRead + k.bytesWritten, device) * c.memoryEfficiency;
  const memoryS = (k.bytesRead + k.bytesWritten) / (bandwidth * (k.role === 'depthwise' ? c.depthwiseEfficiency : 1));
  const floor = c.minKernelUs * 1e-6;
  if (!k.gemm) {
    // PyTorch's CPU pooling (max, average, the global mean) runs window by window, far below the bandwidth: its
    // comparisons or additions at the probe's max-pooling rate; its BatchNorm in training mode likewise (below).
    const poolGops = device.measuredCpu?.poolGops;
    // A training BatchNorm's statistics on a CPU: its elements at the probe's rate for that pass.
    const bnTrain = device.measuredCpu?.bnTrain;
    const computeS = k.role === 'pool' && k.phase === 'forward' && poolGops
      ? k.flops / (poolGops * 1e9)
      : k.batchStats && bnTrain
        ? (k.batchStats * (k.phase === 'forward' ? bnTrain.forwardMs : bnTrain.backwardMs)) / 1e3 / bnTrain.elements
        : 0;
    return { computeS, memoryS, seconds: Math.max(computeS, memoryS, floor), efficiency: 0, unit: 'memory', tileUse: 1, winograd: false };
  }
  const path = matrixPath(device, precision);
  const unit = path.unit === 'tensor' ? c.tensorCores : c.simt;
  const matrixMemoryS = path.unit === 'simt' ? memoryS / c.matrixMemoryEfficiency : memoryS;
  const winograd = usesWinograd(k, path) && unit.winograd > 1;
  const speedup = (winograd ? unit.winograd : 1) * (k.role === 'wgrad' ? c.wgradEfficiency : 1);
  const browser = device.measured;
  const split = device.measuredCpu ? cpuSplitOf(device.measuredCpu) : null;
  const reorder = split && (k.role === 'conv' || k.role === 'dgrad' || k.role === 'wgrad');
  const { seconds: computeS, tileUse } = browser
    ? probedGemmSeconds(k.gemm, unit, k.gemm.groups > 1 && k.gemm.n > 1 ? browser.groupedGflops : browser.convGflops)
    : reorder
      ? cpuGemmSeconds(k, unit, device.fp32Tflops * 1000 * speedup, device.measuredCpu!)
      : gemmSeconds(k.gemm, path, unit, device.sms, speedup);
  // A probed CPU's oneDNN call reorders its operands to its blocked layouts and back (`cpuConvSplit`): added.
  let seconds = reorder ? computeS + (k.bytesRead + k.bytesWritten) / (split.reorderGBs * 1e9) : Math.max(computeS, matrixMemoryS, floor);
  if (path.unit === 'tensor' && layout === 'nchw' && k.imageBytes > 0) {
    const share = isPlainConv(k.gemm) ? c.plainConvPassShare : 1;
    seconds += (share * (k.phase === 'forward' ? c.nchwPasses : c.nchwPassesBackward) * k.imageBytes) / bandwidth;
  }
  const efficiency = computeS > 0 ? k.flops / (seconds * path.tflops * 1e12) : 0;
  return { computeS, memoryS: matrixMemoryS, seconds, efficiency, unit: path.unit, tileUse, winograd };
}

/**
 * The host's time to dispatch a kernel: the device's `launchUs`; on a probed CPU a conv's call costs what the
 * probe's tiny Conv2d call took (oneDNN looks up its primitive), every other op a tiny op's; in this browser a
 * conv's or the fc's (the engine runs it as a 1x1 conv) what the probe's tiny conv took, and a conv's also what the
 * probe's conv took more with its data from memory than from the caches (`coldUs`): in a network's pass every layer's
 * weights were last read a pass ago, in a probe's repeated runs they sit in the caches.
 */
export function dispatchSeconds(k: Kernel, device: Device): number {
  const convUs = device.measuredCpu?.convUs ?? device.measured?.convUs;
  const conv = k.role === 'conv' || (device.measured !== undefined && k.role === 'fc');
  // The fc is bound by its weights' bytes at the bandwidth, which already come from memory: no cold term.
  const cold = k.role === 'conv' ? (device.measured?.coldUs ?? 0) : 0;
  const us = convUs !== undefined && conv ? convUs + cold : device.launchUs;
  return k.launches * us * 1e-6;
}

/**
 * Wall time of kernels run in order by eager PyTorch: on a GPU the host queues each in `launchUs` while the
 * GPU runs; on a CPU each op runs synchronously after its dispatch. `gpuSeconds[i]` are kernelTime's.
 */
export function eagerSeconds(kernels: readonly Kernel[], gpuSeconds: readonly number[], device: Device): number {
  if (device.kind === 'cpu' || device.kind === 'browser') {
    let t = 0;
    for (let i = 0; i < kernels.length; i++) t += dispatchSeconds(kernels[i], device) + gpuSeconds[i];
    return t;
  }
  let host = 0;
  let gpu = 0;
  for (let i = 0; i < kernels.length; i++) {
    host += dispatchSeconds(kernels[i], device);
    gpu = Math.max(gpu, host) + gpuSeconds[i];
  }
  return gpu;
}
