/**
 * The kernel-level time model, term by term: each test isolates one efficiency term (grouped channels,
 * tile quantization, waves, Winograd, layout, bandwidth, launches, precision paths, backward, all-reduce)
 * and checks what it must do, so that a change that removes or inverts the term fails; and the committed
 * constants against the calibration tables (the acceptance figures of docs/time-model.md).
 */
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../../model/graph.ts';
import { presetConfig } from '../../model/presets.ts';
import { browserDevice, cpuConvSplit, cpuGroupedFactor, cpuWgradEfficiency, findDevice, cpuDevice, groupedPath, type CpuProbe, type Device } from '../devices.ts';
import { spearman } from '../stats.ts';
import { constantsFor, GPU_CONSTANTS, GPU_CONSTANT_TABLE } from './constants.ts';
import { inferenceKernels, trainingKernels, kernelMacs, optimizerImplOf, zeroGradOf, type Gemm, type Kernel } from './kernels.ts';
import { dispatchSeconds, eagerSeconds, gemmSeconds, isPlainConv, kernelTime, TILE_M, WINOGRAD_GROUP_WIDTH } from './model.ts';
import { elementBytes, matrixPath } from './precision.ts';
import { inferenceTime, kernelOptions, ringAllReduceSeconds, trainingStepTime } from './predict.ts';
import { fastNorm, optimizerImpl, PUBLISHED_TIMINGS, predictPublished, zeroGrad } from './published.ts';
import { layerTimes, timeSetting } from './layers.ts';

const v100 = findDevice('v100')!;
const rtx3090 = findDevice('rtx3090')!;
const a100 = findDevice('a100-40gb')!;
const C = GPU_CONSTANTS;

function conv(m: number, cin: number, cout: number, groups: number, k = 3, stride = 1): Kernel {
  const g: Gemm = { m, n: cout / groups, k: (cin / groups) * k * k, groups, kernel: k, stride };
  const bytes = 4 * m * (cin + cout);
  return { node: 0, phase: 'forward', role: 'conv', gemm: g, flops: 2 * m * (cout / groups) * (cin / groups) * k * k * groups, bytesRead: bytes / 2, bytesWritten: bytes / 2, imageBytes: bytes, launches: 1 };
}

const seconds = (k: Kernel, d: Device, p: 'float32' | 'tf32' | 'amp' = 'float32', layout: 'nchw' | 'nhwc' = 'nhwc') => kernelTime(k, d, p, layout, constantsFor(d));

describe('grouped convolution', () => {
  it('its efficiency falls with the channels per group, at equal MACs and bytes', () => {
    // 256 -> 256 channels of 3x3 on 56x56 x 32 images, in 1..64 groups: MACs fall with the groups, so compare rates.
    const m = 32 * 56 * 56;
    const rate = (groups: number) => {
      const k = conv(m, 256, 256, groups);
      return k.flops / seconds(k, rtx3090, 'amp').computeS;
    };
    const rates = [64, 32, 16, 8, 4].map((cpg) => rate(256 / cpg));
    // Never faster with fewer channels per group (waves may differ by a few percent), and strictly slower below a tile's width.
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1] * 1.03);
    for (const cpg of [16, 8, 4].filter((x) => x < C.tensorCores.nTile)) expect(rate(256 / cpg)).toBeLessThan(rate(256 / (2 * cpg)) / 1.5);
    expect(rates[rates.length - 1]).toBeLessThan(rates[0] / 4);
    // The tiles' use is what falls: 4 output channels in a tile of nTile, a k of 4 x 9 padded to the MMA step.
    expect(seconds(conv(m, 256, 256, 64), rtx3090, 'amp').tileUse).toBeCloseTo((4 / C.tensorCores.nTile) * (36 / (Math.ceil(36 / C.tensorCores.kTile) * C.tensorCores.kTile)), 6);
  });

  it('a depthwise-like 1 channel per group is far below the dense rate on every unit', () => {
    const m = 8 * 28 * 28;
    for (const d of [v100, rtx3090]) {
      const dense = conv(m, 128, 128, 1);
      const dw = conv(m, 128, 128, 128);
      const r = (k: Kernel) => k.flops / seconds(k, d, 'amp').computeS;
      expect(r(dw)).toBeLessThan(r(dense) / 8);
    }
  });
});

describe('tile and wave quantization', () => {
  it('a channel count one past a tile boundary costs a whole extra tile', () => {
    const path = matrixPath(rtx3090, 'amp');
    const at = (n: number) => gemmSeconds({ m: 1 << 20, n, k: 576, groups: 1, kernel: 3, stride: 1 }, path, C.tensorCores, rtx3090.sms, 1).seconds;
    const q = C.tensorCores.nTile;
    expect(at(q + 1) / at(q)).toBeGreaterThan(1.2);
    expect(at(2 * q) / at(q + 1)).toBeCloseTo(1, 6);
    // Past the widest tile, by the narrowest step the tiles allow.
    expect(at(129) / at(128)).toBeCloseTo(((128 + C.tensorCores.nTile) / 128), 2);
  });

  it('k is padded to the MMA step', () => {
    const path = matrixPath(rtx3090, 'amp');
    const at = (k: number) => gemmSeconds({ m: 1 << 20, n: 64, k, groups: 1, kernel: 1, stride: 1 }, path, C.tensorCores, rtx3090.sms, 1).seconds;
    expect(at(C.tensorCores.kTile + 1)).toBeCloseTo(at(2 * C.tensorCores.kTile), 12);
    expect(at(C.tensorCores.kTile)).toBeLessThan(at(C.tensorCores.kTile + 1));
  });

  it('fewer tiles than SMs leave SMs idle: a small GEMM is no faster than one wave', () => {
    const path = matrixPath(v100, 'float32');
    const tiles = (m: number) => gemmSeconds({ m, n: 128, k: 64, groups: 1, kernel: 1, stride: 1 }, path, C.simt, v100.sms, 1).seconds;
    expect(tiles(TILE_M)).toBeCloseTo(tiles(TILE_M * v100.sms), 12);
    expect(tiles(TILE_M * (v100.sms + 1))).toBeCloseTo(2 * tiles(TILE_M), 12);
  });
});

describe('split-k', () => {
  it('a GEMM of fewer tiles than SMs splits its long k to fill them, never beyond the SMs\' share', () => {
    const path = matrixPath(rtx3090, 'amp');
    const sms = rtx3090.sms;
    // A weight gradient's shape: 16 x 4 tiles of output, a reduction over 128 images of 14 x 14 pixels.
    const g = (k: number): Gemm => ({ m: 2048, n: 512, k, groups: 1, kernel: 1, stride: 1 });
    const t = (k: number) => gemmSeconds(g(k), path, C.tensorCores, sms, 1).seconds;
    const tiles = 16 * 4;
    expect(tiles).toBeLessThan(sms);
    const k = 128 * 14 * 14;
    // Unsplit, 64 of the SMs would each run a whole k; split, the work spreads over all of them.
    const oneWave = t(C.tensorCores.kTile) * (k / C.tensorCores.kTile);
    expect(t(k)).toBeLessThan(oneWave * 0.9);
    expect(t(k)).toBeGreaterThanOrEqual(oneWave * (tiles / sms) - 1e-12);
    // A short k cannot be split: one wave of its tiles.
    expect(t(256) / t(16)).toBeCloseTo(256 / 16, 6);
  });
});

describe('memory-bound kernels', () => {
  it('an FP32 conv bound by its own traffic moves it at matrixMemoryEfficiency of the element-wise bandwidth; a tensor-core conv at the element-wise rate', () => {
    // 16 -> 16 channels of 1x1 on 112 x 112 x 256 images: a few MACs per byte.
    const k = conv(256 * 112 * 112, 16, 16, 1, 1);
    const bytes = k.bytesRead + k.bytesWritten;
    const simt = seconds(k, v100);
    expect(C.matrixMemoryEfficiency).toBeLessThan(1);
    expect(simt.memoryS).toBeGreaterThan(simt.computeS);
    expect(simt.seconds).toBeCloseTo(bytes / (900e9 * C.memoryEfficiency * C.matrixMemoryEfficiency), 12);
    const tensor = seconds(k, rtx3090, 'amp');
    expect(tensor.memoryS).toBeCloseTo(bytes / (936e9 * C.memoryEfficiency), 12);
  });

  it('element-wise time scales with the bytes at the achievable bandwidth', () => {
    const ew = (bytes: number): Kernel => ({ node: 0, phase: 'forward', role: 'relu', gemm: null, flops: bytes / 8, bytesRead: bytes / 2, bytesWritten: bytes / 2, imageBytes: 0, launches: 1 });
    const t1 = seconds(ew(64e6), v100).seconds;
    const t2 = seconds(ew(128e6), v100).seconds;
    expect(t2 / t1).toBeCloseTo(2, 9);
    expect(t1).toBeCloseTo(64e6 / (900e9 * C.memoryEfficiency), 12);
    // Tiny kernels cost the GPU's minimum kernel time.
    expect(seconds(ew(1000), v100).seconds).toBeCloseTo(C.minKernelUs * 1e-6, 12);
  });
});

describe('precision, layout and the device\'s arithmetic', () => {
  it('reads each device\'s matrix rate: FP32-accumulate on GeForce, TF32 only from Ampere', () => {
    expect(matrixPath(rtx3090, 'amp')).toMatchObject({ unit: 'tensor', tflops: 71 });
    expect(matrixPath(findDevice('rtx4090')!, 'amp').tflops).toBe(165.2);
    expect(matrixPath(a100, 'amp').tflops).toBe(312);
    // Data-center cards do not halve FP16 with FP32 accumulation (Ada's L4 included, unlike the GeForce 4090).
    expect(matrixPath(findDevice('l4')!, 'amp').tflops).toBe(121);
    expect(matrixPath(findDevice('t4')!, 'amp').tflops).toBe(65);
    expect(matrixPath(findDevice('h100-sxm')!, 'amp').tflops).toBe(989.5);
    expect(matrixPath(findDevice('h200')!, 'bfloat16').tflops).toBe(989.5);
    expect(matrixPath(findDevice('h200')!, 'tf32').tflops).toBe(494.7);
    expect(matrixPath(a100, 'tf32')).toMatchObject({ unit: 'tensor', tflops: 156 });
    expect(matrixPath(v100, 'tf32')).toMatchObject({ unit: 'simt', tflops: 15.7 });
    expect(matrixPath(v100, 'bfloat16')).toMatchObject({ unit: 'simt', tflops: 15.7 });
    expect(matrixPath(findDevice('m40')!, 'amp')).toMatchObject({ unit: 'simt', tflops: 7 });
  });

  it('Winograd speeds up dense 3x3 stride-1 convs on the FP32 vector units only', () => {
    const m = 64 * 28 * 28;
    const w = seconds(conv(m, 256, 256, 1), v100);
    expect(w.winograd).toBe(C.simt.winograd > 1);
    expect(seconds(conv(m, 256, 256, 1, 3, 2), v100).winograd).toBe(false);
    expect(seconds(conv(m, 256, 256, 32), v100).winograd).toBe(false);
    expect(seconds(conv(m, 256, 256, 1), a100, 'tf32').winograd).toBe(false);
  });

  it('a grouped conv with wide groups (RegNet\'s) runs per group as dense convs, Winograd included; ResNeXt\'s narrow ones do not', () => {
    const m = 64 * 14 * 14;
    expect(seconds(conv(m, 1024, 1024, 1024 / WINOGRAD_GROUP_WIDTH), v100).winograd).toBe(C.simt.winograd > 1);
    expect(seconds(conv(m, 1024, 1024, 2 * 1024 / WINOGRAD_GROUP_WIDTH), v100).winograd).toBe(false);
    expect(seconds(conv(m, 1024, 1024, 1024 / WINOGRAD_GROUP_WIDTH), rtx3090, 'amp').winograd).toBe(false);
  });

  it('NCHW costs tensor-core convs a layout transpose; channels-last and FP32 vector convs none', () => {
    const transpose = (k: Kernel) => seconds(k, rtx3090, 'amp', 'nchw').seconds - seconds(k, rtx3090, 'amp', 'nhwc').seconds;
    const pass = (k: Kernel) => k.imageBytes / (936e9 * C.memoryEfficiency);
    const k = conv(64 * 56 * 56, 64, 64, 1, 3);
    expect(transpose(k)).toBeCloseTo(C.nchwPasses * pass(k), 12);
    expect(seconds(k, v100, 'float32', 'nchw').seconds).toBe(seconds(k, v100, 'float32', 'nhwc').seconds);
    // A 1x1 stride-1 dense conv is a GEMM per image on NCHW data: it pays its share of the passes; strided or
    // grouped 1x1 convs gather like any other and pay them all.
    expect(C.plainConvPassShare).toBeGreaterThan(0);
    expect(C.plainConvPassShare).toBeLessThan(1);
    const plain = conv(64 * 56 * 56, 64, 64, 1, 1);
    expect(isPlainConv(plain.gemm!)).toBe(true);
    expect(transpose(plain)).toBeCloseTo(C.plainConvPassShare * C.nchwPasses * pass(plain), 12);
    const strided = conv(64 * 28 * 28, 64, 64, 1, 1, 2);
    expect(isPlainConv(strided.gemm!)).toBe(false);
    expect(transpose(strided)).toBeCloseTo(C.nchwPasses * pass(strided), 12);
    const grouped = conv(64 * 56 * 56, 64, 64, 4, 1);
    expect(isPlainConv(grouped.gemm!)).toBe(false);
    expect(transpose(grouped)).toBeCloseTo(C.nchwPasses * pass(grouped), 12);
  });

  it('autocast casts each conv and fc weight at every call, and the input once', () => {
    const g = buildLayerGraph(presetConfig('resnet18'));
    const amp = inferenceKernels(g, 1, 'amp');
    const half = inferenceKernels(g, 1, 'float16');
    const casts = amp.filter((k) => k.role === 'cast');
    const convs = g.nodes.filter((n) => n.kind === 'conv' || n.kind === 'linear').length;
    expect(casts.length).toBe(convs + 1);
    expect(half.some((k) => k.role === 'cast')).toBe(false);
  });
});

describe('GroupNorm under autocast', () => {
  const gn = buildLayerGraph(presetConfig('resnet50_gn'));
  const bn = buildLayerGraph(presetConfig('resnet50'));
  const bytesOf = (ks: Kernel[]) => ks.reduce((a, k) => a + k.bytesRead + k.bytesWritten, 0);
  const gnCount = gn.nodes.filter((n) => n.kind === 'gn').length;

  it('runs in float32 (autocast lists group_norm as float32): cast up before it, its consumers promote, convs cast down', () => {
    const bytes = elementBytes(gn, 'amp');
    for (const n of gn.nodes) {
      if (n.kind === 'gn') expect(bytes[n.index], n.name).toBe(4);
      if (n.kind === 'conv' || n.kind === 'linear') expect(bytes[n.index], n.name).toBe(2);
    }
    // The ReLU after a GroupNorm and the residual add (float32 branch + any shortcut) stay float32.
    expect(gn.nodes.filter((n) => n.kind === 'add').every((n) => bytes[n.index] === 4)).toBe(true);
    const k = inferenceKernels(gn, 8, 'amp');
    const casts = k.filter((x) => x.role === 'cast');
    const convs = gn.nodes.filter((n) => n.kind === 'conv' || n.kind === 'linear').length;
    // Each weight, the input, each GroupNorm's input up, and every conv or fc but the first reading a float32 tensor down.
    expect(casts.length).toBe(convs + 1 + gnCount + (convs - 1));
    // float16 GroupNorm (timm's --fast-norm): none of those, and less traffic; a BatchNorm network is the same either way.
    const fast = inferenceKernels(gn, 8, 'amp', { fastNorm: true });
    expect(fast.filter((x) => x.role === 'cast').length).toBe(convs + 1);
    expect(bytesOf(k)).toBeGreaterThan(1.5 * bytesOf(fast));
    expect(inferenceKernels(bn, 8, 'amp', { fastNorm: true })).toEqual(inferenceKernels(bn, 8, 'amp'));
    // Without autocast nothing changes: a float16 model runs GroupNorm in float16.
    expect(elementBytes(gn, 'float16').every((b) => b === 2)).toBe(true);
  });

  it('in training its backward runs in float32 too, and the casts have backwards', () => {
    const t = trainingKernels(gn, 8, 'amp', 'momentum');
    const fast = trainingKernels(gn, 8, 'amp', 'momentum', 'foreach', 'none', { fastNorm: true });
    const backCasts = (ks: Kernel[]) => ks.filter((x) => x.role === 'cast').length;
    // Each weight's gradient cast, plus the cast-down and cast-up backwards (every conv but the first, every GroupNorm).
    expect(backCasts(t.backward) - backCasts(fast.backward)).toBe(gnCount + gn.nodes.filter((n) => n.kind === 'conv' || n.kind === 'linear').length - 1);
    expect(bytesOf(t.backward)).toBeGreaterThan(1.4 * bytesOf(fast.backward));
  });

  it('which published tables ran it in float16: timm from PyTorch 1.13 on, inferred from the data', () => {
    const table = (id: string) => PUBLISHED_TIMINGS.find((r) => r.table.id === id)!.table;
    expect(fastNorm(table('timm-train-nchw-pt112-rtx3090'))).toBe(false);
    expect(fastNorm(table('timm-infer-nchw-pt112-rtx3090'))).toBe(false);
    expect(fastNorm(table('timm-infer-nchw-pt113-rtx3090'))).toBe(true);
    expect(fastNorm(table('timm-infer-nhwc-pt240-rtx3090'))).toBe(true);
    expect(fastNorm(table('pycls-v100'))).toBe(false);
    // The evidence: resnet50_gn with float32 GroupNorm on the 1.12 tables, float16 on the later ones, each within 15%.
    for (const r of PUBLISHED_TIMINGS.filter((x) => x.model === 'resnet50_gn' && x.table.layout === 'nchw')) {
      expect(Math.abs(predictPublished(r) / r.ms - 1), `${r.table.id} ${r.imageSize}`).toBeLessThanOrEqual(0.15);
    }
  });

  it('a channels-last model on CUDA copies around it: its input to NCHW, the next conv\'s input back; not on a CPU', () => {
    const s = timeSetting(rtx3090, 'amp', 'nhwc');
    const cl = inferenceKernels(gn, 8, 'amp', kernelOptions(s));
    const plain = inferenceKernels(gn, 8, 'amp');
    const layoutCopies = cl.filter((x) => x.role === 'layout');
    const gnInputsCl = gn.nodes.filter((n) => n.kind === 'gn').length;
    expect(layoutCopies.length).toBeGreaterThanOrEqual(gnInputsCl + 1);
    expect(cl.length - plain.length).toBe(layoutCopies.length);
    // A copy reads and writes its tensor once.
    for (const c of layoutCopies) expect(c.bytesRead).toBe(c.bytesWritten);
    expect(inferenceTime(gn, 64, s).seconds).toBeGreaterThan(inferenceTime(gn, 64, { ...s, layout: 'nchw' }).seconds * 0.9);
    // In training the backward copies too.
    const back = trainingKernels(gn, 8, 'amp', 'momentum', 'foreach', 'none', kernelOptions(s)).backward.filter((x) => x.role === 'layout');
    expect(back.length).toBeGreaterThanOrEqual(gnInputsCl);
    // NCHW, a BatchNorm network, or a CPU: none.
    expect(inferenceKernels(gn, 8, 'amp', kernelOptions(timeSetting(rtx3090, 'amp', 'nchw'))).some((x) => x.role === 'layout')).toBe(false);
    expect(inferenceKernels(bn, 8, 'amp', kernelOptions(s)).some((x) => x.role === 'layout')).toBe(false);
    const cpu = cpuDevice({ cpu: 'x', threads: 2, gemmGflops: 100, copyGBs: 10, largeCopyGBs: 5, opUs: 20, convGflops: 150, groupedConvGflops: 30, convUs: 20, vectorLanes: 8, memoryBytes: 8e9 });
    expect(kernelOptions(timeSetting(cpu, 'float32', 'nhwc')).cudaChannelsLast).toBe(false);
  });
});

describe('eager execution', () => {
  it('small batches are launch-bound: the host queues each kernel in launchUs', () => {
    const g = buildLayerGraph(presetConfig('resnet50'));
    const s = timeSetting(a100, 'amp', 'nhwc');
    const one = inferenceTime(g, 1, s);
    const kernels = one.kernels.length;
    expect(one.seconds).toBeGreaterThanOrEqual((kernels * a100.launchUs) / 1e6);
    expect(one.seconds).toBeGreaterThan(one.deviceSeconds);
    const big = inferenceTime(g, 256, s);
    expect(big.seconds).toBeCloseTo(big.deviceSeconds, 3);
  });

  it('a CPU runs its ops synchronously: dispatch + kernel, summed', () => {
    const cpu = cpuDevice({ cpu: 'x', threads: 2, gemmGflops: 100, copyGBs: 10, largeCopyGBs: 5, opUs: 20, convGflops: 150, groupedConvGflops: 30, convUs: 20, vectorLanes: 8, memoryBytes: 8e9 });
    const k = inferenceKernels(buildLayerGraph(presetConfig('resnet18')), 1, 'float32');
    const times = k.map((x) => kernelTime(x, cpu, 'float32', 'nchw', constantsFor(cpu)).seconds);
    expect(eagerSeconds(k, times, cpu)).toBeCloseTo(times.reduce((a, b) => a + b, 0) + k.length * 20e-6, 12);
    // A conv's call costs what the probe's tiny Conv2d call took, every other op a tiny op's.
    const slowConvs = cpuDevice({ cpu: 'x', threads: 2, gemmGflops: 100, copyGBs: 10, largeCopyGBs: 5, opUs: 20, convGflops: 150, groupedConvGflops: 30, convUs: 50, vectorLanes: 8, memoryBytes: 8e9 });
    const convs = k.filter((x) => x.role === 'conv').length;
    expect(eagerSeconds(k, times, slowConvs) - eagerSeconds(k, times, cpu)).toBeCloseTo(convs * 30e-6, 12);
  });

  it('a probed CPU runs forward convs at its conv probe\'s rate and weight gradients at its GEMM\'s', () => {
    const cpu = cpuDevice({ cpu: 'x', threads: 2, gemmGflops: 100, copyGBs: 1000, largeCopyGBs: 1000, opUs: 0, convGflops: 200, groupedConvGflops: 40, convUs: 0, vectorLanes: 16, memoryBytes: 8e9 });
    const g = buildLayerGraph(presetConfig('resnet50'));
    const fwd = inferenceKernels(g, 8, 'float32').find((x) => x.role === 'conv' && x.gemm!.n === 256 && x.gemm!.k === 64)!;
    const wgrad = trainingKernels(g, 8, 'float32', 'none').backward.find((x) => x.role === 'wgrad' && x.gemm!.m === 256 && x.gemm!.n === 64)!;
    const rate = (x: Kernel) => x.flops / kernelTime(x, cpu, 'float32', 'nchw', constantsFor(cpu)).computeS / 1e9;
    expect(rate(fwd)).toBeCloseTo(200, 0);
    expect(rate(wgrad)).toBeCloseTo(100, 0);
  });
});

describe('a probed CPU (PyTorch, oneDNN)', () => {
  // Three dense convs timed as t = MACs / 300 GFLOP/s x 2 + bytes / 12 GB/s: the split recovers both.
  const shapes = [[64, 64, 3, 56], [64, 256, 1, 56], [512, 512, 3, 7]];
  const ms = ([ci, co, k, hw]: number[]) => 1000 * ((2 * ci * co * k * k * hw * hw) / 300e9 + (4 * (ci * hw * hw + co * ci * k * k + co * hw * hw)) / 12e9);
  const base: CpuProbe = { cpu: 'x', threads: 2, gemmGflops: 150, copyGBs: 100, largeCopyGBs: 50, opUs: 1, convGflops: 200, groupedConvGflops: 50, convUs: 5, vectorLanes: 16, memoryBytes: 8e9 };
  const probe: CpuProbe = { ...base, poolGops: 0.5, bnGBs: 80, denseConvs: shapes.map((s) => ({ inChannels: s[0], outChannels: s[1], kernel: s[2], side: s[3], ms: ms(s) })) };
  const cpu = cpuDevice(probe);

  it('splits the probe\'s conv times into the rate of the arithmetic and the bandwidth of oneDNN\'s layout reorders', () => {
    const split = cpuConvSplit(probe)!;
    expect(split.gflops).toBeCloseTo(300, 6);
    expect(split.reorderGBs).toBeCloseTo(12, 6);
    expect(cpu.fp32Tflops).toBeCloseTo(0.3, 9);
    // Without per-conv times (an older probe), or times no split explains, every conv runs at the summed rate.
    expect(cpuConvSplit(base)).toBeNull();
    expect(cpuDevice(base).fp32Tflops).toBe(0.2);
  });

  it('a conv costs its MACs at that rate plus its input, weights and output at the reorder bandwidth: a 7 x 7 layer\'s large weights weigh', () => {
    // A conv kernel as kernels.ts makes it: it reads its input and weights, writes its output.
    const withWeights = (m: number, ci: number, co: number, k: number): Kernel => ({ ...conv(m, ci, co, 1, k), bytesRead: 4 * (m * ci + co * ci * k * k), bytesWritten: 4 * m * co });
    for (const s of shapes) {
      const [ci, co, k, hw] = s;
      expect(seconds(withWeights(hw * hw, ci, co, k), cpu).seconds * 1000).toBeCloseTo(ms(s), 9);
    }
    // At batch 8 the weights are reordered once for 8 images: the 7 x 7 layer runs closer to the rate.
    const rate = (m: number) => { const x = withWeights(m, 512, 512, 3); return x.flops / seconds(x, cpu).seconds / 1e9; };
    expect(rate(49)).toBeLessThan(0.6 * 300);
    expect(rate(8 * 49)).toBeGreaterThan(0.85 * 300);
  });

  it('ten shapes from 2 to 83 MACs per byte hold the split where three did not: with 5% of noise on each conv the reorder rate moves a quarter as far', () => {
    // A CPU of this kind (Zen 4, two cores): 230 GFLOP/s of arithmetic, reorders at 30 GB/s, a small share of each conv.
    const real = ([ci, co, k, hw]: number[]) => 1000 * ((2 * ci * co * k * k * hw * hw) / 230e9 + (4 * (ci * hw * hw + co * ci * k * k + co * hw * hw)) / 30e9);
    const ten = [[16, 16, 1, 112], [32, 32, 1, 112], [64, 64, 3, 56], [64, 256, 1, 56], [256, 64, 1, 56], [128, 128, 3, 28], [256, 256, 1, 14], [1024, 256, 1, 14], [512, 512, 3, 7], [2048, 512, 1, 7]];
    // The 90th percentile over 200 probes of how far (as a factor) the split's reorder rate lands from 30 GB/s.
    const p90 = (set: number[][]) => {
      let seed = 1;
      const uniform = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const off: number[] = [];
      for (let draw = 0; draw < 200; draw++) {
        const convs = set.map((s) => ({ inChannels: s[0], outChannels: s[1], kernel: s[2], side: s[3], ms: real(s) * (1 + 0.1 * (uniform() - 0.5)) }));
        const split = cpuConvSplit({ ...base, denseConvs: convs });
        off.push(split ? Math.abs(Math.log(split.reorderGBs / 30)) : Infinity);
      }
      return Math.exp(off.sort((x, y) => x - y)[180]);
    };
    expect(p90(ten)).toBeLessThan(1.1);
    expect(p90(shapes)).toBeGreaterThan(1.2);
    expect(Math.log(p90(shapes))).toBeGreaterThan(3 * Math.log(p90(ten)));
  });

  it('weight gradients run at the rate their timed probes give (older probes: the GEMM\'s), with their bytes at the reorder bandwidth', () => {
    const shapesW = [[64, 64, 3, 56], [64, 256, 1, 56], [128, 128, 3, 28], [512, 512, 3, 7], [2048, 512, 1, 7]];
    const wgradMs = ([ci, co, k, hw]: number[], eff: number) => {
      const px = 4 * hw * hw;
      return 1000 * ((2 * ci * co * k * k * px) / (300e9 * eff) + (4 * (ci * px + co * ci * k * k + co * px)) / 12e9);
    };
    const withWgrad = (eff: number): CpuProbe => ({ ...probe, wgradConvs: shapesW.map((s) => ({ inChannels: s[0], outChannels: s[1], kernel: s[2], side: s[3], batch: 4, ms: wgradMs(s, eff) })) });
    expect(cpuWgradEfficiency(withWgrad(0.8))).toBeCloseTo(0.8, 9);
    expect(cpuWgradEfficiency(withWgrad(0.55))).toBeCloseTo(0.55, 9);
    const dev = cpuDevice(withWgrad(0.8));
    expect(constantsFor(dev).wgradEfficiency).toBeCloseTo(0.8, 9);
    const g = buildLayerGraph(presetConfig('resnet50'));
    const wgrad = trainingKernels(g, 8, 'float32', 'none').backward.find((x) => x.role === 'wgrad' && x.gemm!.m === 256 && x.gemm!.n === 64)!;
    expect(wgrad.flops / seconds(wgrad, dev).computeS / 1e9).toBeCloseTo(240, 6);
    // Without them, the GEMM probe's rate over the convs' (150 / 300); absurd times are held within 0.25-1.5.
    expect(constantsFor(cpu).wgradEfficiency).toBeCloseTo(0.5, 9);
    expect(cpuWgradEfficiency({ ...withWgrad(0.8), wgradConvs: withWgrad(0.8).wgradConvs!.map((c) => ({ ...c, ms: c.ms * 100 })) })).toBe(0.25);
    expect(cpuWgradEfficiency({ ...withWgrad(0.8), wgradConvs: withWgrad(0.8).wgradConvs!.map((c) => ({ ...c, ms: 1e-6 })) })).toBe(1.5);
    expect(cpuWgradEfficiency(base)).toBeNull();
  });

  it('a grouped conv whose channels per group oneDNN cannot block by the vector width takes its path\'s measured cost per MAC, unpadded, when that is longer than padding', () => {
    expect([32, 24, 28, 14, 4, 8, 64].map((w) => groupedPath(w, 16))).toEqual(['lanes', 8, 4, 'gemm', 4, 8, 'lanes']);
    expect([32, 24, 28, 14, 4, 8].map((w) => groupedPath(w, 8))).toEqual(['lanes', 'lanes', 4, 'gemm', 4, 'lanes']);
    // Per MAC: the 8-channel blocks 1.1x the vector path, the 4-channel ones 2x, im2col + GEMM 2.5x.
    const perMac = (w: number) => 8 * w * w * 9 * 56 * 56 * 1e-8;
    const paths = [[32, 1], [24, 1.1], [28, 2], [14, 2.5]].map(([width, f]) => ({ width, groups: 8, side: 56, ms: perMac(width) * f }));
    const probed = cpuDevice({ ...probe, groupedPaths: paths });
    expect(cpuGroupedFactor(probed.measuredCpu!, 14)).toBeCloseTo(2.5, 9);
    expect(cpuGroupedFactor(probed.measuredCpu!, 60)).toBeCloseTo(2, 9);
    expect(cpuGroupedFactor(probed.measuredCpu!, 48)).toBe(1);
    expect(cpuGroupedFactor(probe, 14)).toBe(1);
    const compute = (k: Kernel, d: Device) => seconds(k, d).computeS;
    // 8 groups of 14 (ResNeXt-50 8x14d's stage 1): 2.5x its unpadded MACs, not 16 / 14 of them.
    const g14 = conv(56 * 56, 112, 112, 8);
    expect(compute(g14, probed) / compute(g14, cpu)).toBeCloseTo(2.5 / (16 / 14), 6);
    // 60 per group: the 4-channel blocks' 2x; 24 per group: padding to 32 (1.33x) outweighs the 8-channel blocks' 1.1x.
    expect(compute(conv(28 * 28, 240, 240, 4), probed) / compute(conv(28 * 28, 240, 240, 4), cpu)).toBeCloseTo(2 / (64 / 60), 6);
    expect(compute(conv(56 * 56, 96, 96, 4), probed)).toBeCloseTo(compute(conv(56 * 56, 96, 96, 4), cpu), 12);
    // 4 per group (ResNeXt's 32x4d): padding to 16 lanes (4x) outweighs the 4-channel blocks' 2x; a dense conv is untouched.
    expect(compute(conv(56 * 56, 128, 128, 32), probed)).toBeCloseTo(compute(conv(56 * 56, 128, 128, 32), cpu), 12);
    expect(compute(conv(56 * 56, 112, 112, 1), probed)).toBeCloseTo(compute(conv(56 * 56, 112, 112, 1), cpu), 12);
  });

  it('a BatchNorm in training mode reduces its statistics at the probe\'s rate for each pass, far below the bandwidth; in eval mode it streams', () => {
    const g = buildLayerGraph(presetConfig('resnet18'));
    const t = trainingKernels(g, 8, 'float32', 'none');
    const fwd = t.forward.filter((x) => x.role === 'bn');
    const bwd = t.backward.filter((x) => x.role === 'bn');
    const bnNodes = g.nodes.filter((n) => n.kind === 'bn');
    expect(fwd.map((x) => x.batchStats)).toEqual(bnNodes.map((n) => 8 * n.outShape.reduce((a, b) => a * b, 1)));
    expect(bwd.length).toBe(bnNodes.length);
    expect(inferenceKernels(g, 8, 'float32').filter((x) => x.role === 'bn').every((x) => x.batchStats === undefined)).toBe(true);
    // 1 ms per million elements forward, 0.3 ms backward.
    const trained = cpuDevice({ ...probe, bnTrain: { elements: 1e6, forwardMs: 1, backwardMs: 0.3 } });
    const stage1 = fwd[1];
    expect(seconds(stage1, trained).seconds).toBeCloseTo(stage1.batchStats! * 1e-9, 12);
    expect(seconds(stage1, trained).seconds).toBeGreaterThan(3 * seconds(stage1, cpu).seconds);
    // The backward streams more bytes than it reduces at that rate when its tensors leave the caches: the larger of the two.
    for (const k of bwd) expect(seconds(k, trained).seconds).toBeCloseTo(Math.max(k.batchStats! * 0.3e-9, seconds(k, cpu).seconds), 12);
    expect(bwd.some((k) => k.batchStats! * 0.3e-9 > seconds(k, cpu).seconds)).toBe(true);
    expect(bwd.some((k) => k.batchStats! * 0.3e-9 < seconds(k, cpu).seconds)).toBe(true);
    // A GPU takes no such rate: the same kernel moves its bytes.
    expect(seconds(stage1, a100).seconds).toBeCloseTo(seconds({ ...stage1, batchStats: undefined }, a100).seconds, 15);
  });

  it('pooling (max, global mean) runs at the probe\'s pooling rate, far below the bandwidth; element-wise ops move bytes at the probe BatchNorm\'s', () => {
    const g = buildLayerGraph(presetConfig('resnet18'));
    const pools = inferenceKernels(g, 1, 'float32').filter((x) => x.role === 'pool');
    expect(pools.map((x) => x.flops)).toEqual([8 * 64 * 56 * 56, 512 * 7 * 7]);
    for (const pool of pools) expect(seconds(pool, cpu).seconds).toBeCloseTo(pool.flops / 0.5e9, 12);
    const bn = inferenceKernels(g, 1, 'float32').find((x) => x.role === 'bn' && x.bytesRead + x.bytesWritten < 8 * 2 ** 20)!;
    expect(seconds(bn, cpu).seconds).toBeCloseTo((bn.bytesRead + bn.bytesWritten) / 80e9, 12);
  });
});

describe('this browser (the engine\'s probe)', () => {
  const browser = browserDevice({
    backend: 'wasm', threads: 2, convGflops: 90, groupedGflops: 60, copyGBs: 15, launchUs: 3, convUs: 8, coldUs: 0, residualFusion: true,
    memoryBytes: 2 ** 32, memoryNote: 'x', memoryNoteMessage: { id: '', params: {}, text: 'x' },
  });
  const rate = (k: Kernel) => k.flops / seconds(k, browser).computeS / 1e9;

  it('dense convs run at the dense probe\'s rate, grouped ones at the grouped probe\'s, with no tile waves over the threads', () => {
    // 28 x 28 = 784 pixels: a GPU's 128-pixel tiles in waves over 2 "SMs" would pad it to 1024 and slow it by 30%.
    expect(rate(conv(28 * 28, 128, 128, 1))).toBeCloseTo(90 * (784 / 786), 6);
    expect(rate(conv(14 * 14, 1024, 256, 1, 1))).toBeCloseTo(90 * (196 / 198), 6);
    expect(rate(conv(28 * 28, 256, 256, 32))).toBeCloseTo(60 * (784 / 786), 6);
  });

  it('a 7 x 7 map fills the GEMM kernel\'s 6-pixel tiles to 49 of 54 pixels', () => {
    expect(rate(conv(7 * 7, 512, 512, 1))).toBeCloseTo(90 * (49 / 54), 6);
    expect(seconds(conv(7 * 7, 512, 512, 1), browser).tileUse).toBeCloseTo(49 / 54, 6);
  });

  it('memory-bound kernels move their bytes at the probe\'s bandwidth; a conv or the fc costs the tiny conv\'s dispatch, other ops a tiny op\'s', () => {
    const pool: Kernel = { node: 0, phase: 'forward', role: 'pool', gemm: null, flops: 0, bytesRead: 3e6, bytesWritten: 1e6, imageBytes: 0, launches: 1 };
    expect(seconds(pool, browser).seconds).toBeCloseTo(4e6 / 15e9, 12);
    expect(dispatchSeconds(pool, browser)).toBeCloseTo(3e-6, 12);
    expect(dispatchSeconds(conv(49, 8, 8, 1), browser)).toBeCloseTo(8e-6, 12);
    expect(dispatchSeconds({ ...conv(1, 2048, 1000, 1, 1), role: 'fc' }, browser)).toBeCloseTo(8e-6, 12);
  });

  it('every conv op of a network takes what the probe\'s conv took more from memory than from the caches; the fc (bound by its weights\' bytes) and other ops do not', () => {
    const cold = browserDevice({ ...browser.measured!, coldUs: 90 });
    const pool: Kernel = { node: 0, phase: 'forward', role: 'pool', gemm: null, flops: 0, bytesRead: 3e6, bytesWritten: 1e6, imageBytes: 0, launches: 1 };
    expect(dispatchSeconds(conv(49, 8, 8, 1), cold)).toBeCloseTo(98e-6, 12);
    expect(dispatchSeconds({ ...conv(1, 2048, 1000, 1, 1), role: 'fc' }, cold)).toBeCloseTo(8e-6, 12);
    expect(dispatchSeconds(pool, cold)).toBeCloseTo(3e-6, 12);
    // ResNet-18 on wasm: 20 convs (the residual adds fused into them) that take 0.09 ms more each.
    const g = buildLayerGraph(presetConfig('resnet18'));
    const total = (d: Device) => layerTimes(g, 1, timeSetting(d, 'float32', 'nchw')).ms;
    expect(total(cold) - total(browser)).toBeCloseTo(20 * 0.09, 9);
  });
});

describe('training', () => {
  it('the backward pass is input- and weight-gradient convs (none for the first conv\'s input): twice the forward MACs less one', () => {
    const g = buildLayerGraph(presetConfig('resnext50_32x4d'));
    const b = 4;
    const t = trainingKernels(g, b, 'float32', 'momentum');
    const fwd = kernelMacs(t.forward);
    const stem = g.nodes[0];
    const stemMacs = stem.kind === 'conv' ? b * stem.outShape[1] * stem.outShape[2] * stem.conv.outChannels * stem.conv.inChannels * 49 : 0;
    expect(kernelMacs(t.backward)).toBeCloseTo(2 * fwd - stemMacs, -3);
    expect(t.backward.filter((k) => k.role === 'dgrad').length).toBe(g.nodes.filter((n) => n.kind === 'conv').length - 1);
  });

  it('an in-place SiLU under autograd is cloned first (its gradient needs the input): one more copy of its tensor in training only', () => {
    const g = buildLayerGraph(presetConfig('regnetz_005'));
    const silus = g.nodes.filter((n): n is Extract<typeof n, { kind: 'silu' }> => n.kind === 'silu' && n.inplace);
    expect(silus.length).toBeGreaterThan(0);
    const forward = trainingKernels(g, 2, 'float32', 'none').forward;
    const of = (ks: Kernel[], n: number) => ks.filter((k) => k.node === n);
    for (const n of silus) {
      const eval1 = of(inferenceKernels(g, 2, 'float32'), n.index);
      const train = of(forward, n.index);
      expect(eval1.length, n.name).toBe(1);
      expect(train.length, n.name).toBe(2);
      const bytes = 2 * 4 * 2 * n.outShape.reduce((a, b) => a * b, 1);
      expect(train[0].bytesRead + train[0].bytesWritten, n.name).toBe(bytes);
      expect(train[0].flops, n.name).toBe(0);
    }
  });

  it('the optimizer is a memory-bound pass over params, grads and state; Adam moves more than SGD', () => {
    const g = buildLayerGraph(presetConfig('resnet50'));
    const bytes = (ks: Kernel[]) => ks.reduce((a, k) => a + k.bytesRead + k.bytesWritten, 0);
    const sgd = trainingKernels(g, 8, 'float32', 'sgd').optimizer;
    const adam = trainingKernels(g, 8, 'float32', 'adam').optimizer;
    expect(sgd.length).toBe(1);
    expect(bytes(sgd)).toBe(3 * 4 * 25_557_032);
    expect(bytes(adam)).toBe(7 * 4 * 25_557_032);
    expect(trainingKernels(g, 8, 'float32', 'none').optimizer).toEqual([]);
  });

  it('before PyTorch 2.0 the optimizer loops over the parameters: kernels per tensor, each at least the shortest kernel', () => {
    const g = buildLayerGraph(presetConfig('resnet50'));
    const tensors = g.nodes.reduce((a, n) => a + n.tensors.filter((t) => t.kind === 'parameter').length, 0);
    const loop = trainingKernels(g, 8, 'amp', 'momentum', 'loop').optimizer;
    expect(loop.length).toBe(3 * tensors);
    const s = timeSetting(a100, 'amp', 'nchw');
    const step = (impl: 'loop' | 'foreach') => trainingStepTime(g, 64, 'momentum', 1, { ...s, optimizerImpl: impl }).optimizer.seconds;
    expect(step('loop')).toBeGreaterThanOrEqual((loop.length * C.minKernelUs) / 1e6);
    expect(step('loop')).toBeGreaterThan(2 * step('foreach'));
    // A published table is predicted with its PyTorch's default: the loop before 2.0, foreach from 2.0.
    const impl = (id: string) => optimizerImpl(PUBLISHED_TIMINGS.find((r) => r.table.id === id)!.table);
    expect(impl('timm-train-nchw-pt112-rtx3090')).toBe('loop');
    expect(impl('timm-infer-nchw-pt240-rtx3090')).toBe('foreach');
    // The same rule for a measuring PyTorch's own version string (the CPU and GPU benches').
    expect(optimizerImplOf('1.13.0a0')).toBe('loop');
    expect(optimizerImplOf('2.4.1+cu121')).toBe('foreach');
    expect(optimizerImplOf('10.0')).toBe('foreach');
  });

  it('gradients zeroed in place (zero_grad before PyTorch 2.0) cost one add per parameter tensor in the backward; freed ones none', () => {
    const g = buildLayerGraph(presetConfig('resnet18'));
    const tensors = g.nodes.flatMap((n) => n.tensors.filter((t) => t.kind === 'parameter'));
    const params = tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
    const freed = trainingKernels(g, 8, 'amp', 'momentum', 'foreach', 'none').backward;
    const zeroed = trainingKernels(g, 8, 'amp', 'momentum', 'foreach', 'zero').backward;
    const adds = zeroed.length - freed.length;
    expect(adds).toBe(tensors.length);
    // Each reads its float32 .grad and the new gradient and writes the .grad: 12 bytes per parameter under autocast.
    const bytes = (ks: Kernel[]) => ks.reduce((a, k) => a + k.bytesRead + k.bytesWritten, 0);
    expect(bytes(zeroed) - bytes(freed)).toBe(12 * params);
    const s = timeSetting(a100, 'amp', 'nchw');
    const step = (zeroGrad: 'zero' | 'none') => trainingStepTime(g, 64, 'momentum', 1, { ...s, zeroGrad }).backward.seconds;
    expect(step('zero')).toBeGreaterThanOrEqual(step('none') + (tensors.length * C.minKernelUs) / 1e6 - 1e-12);
    // The release's default, as for the optimizer: a published table's plain zero_grad(), a bench's version string.
    const reset = (id: string) => zeroGrad(PUBLISHED_TIMINGS.find((r) => r.table.id === id)!.table);
    expect(reset('timm-train-nchw-pt112-rtx3090')).toBe('zero');
    expect(zeroGradOf('1.13.0a0')).toBe('zero');
    expect(zeroGradOf('2.1.0')).toBe('none');
  });

  it('data parallel: a ring all-reduce of the gradients, hidden behind the backward except its last bucket', () => {
    expect(ringAllReduceSeconds(100e6, 8, a100)).toBeCloseTo((2 * 7 / 8) * 100e6 / 300e9, 12);
    expect(ringAllReduceSeconds(100e6, 16, a100)).toBeCloseTo((2 * 15 / 16) * 100e6 / 25e9, 12);
    expect(ringAllReduceSeconds(100e6, 1, a100)).toBe(0);
    const g = buildLayerGraph(presetConfig('resnet50'));
    const s = timeSetting(a100, 'amp', 'nhwc');
    const one = trainingStepTime(g, 64, 'momentum', 1, s);
    const eight = trainingStepTime(g, 64, 'momentum', 8, s);
    expect(eight.exposedAllReduceSeconds).toBeGreaterThan(0);
    expect(eight.exposedAllReduceSeconds).toBeLessThan(eight.allReduceSeconds);
    expect(eight.seconds - one.seconds).toBeCloseTo(eight.exposedAllReduceSeconds, 12);
    const slow = trainingStepTime(g, 64, 'momentum', 64, s);
    expect(slow.exposedAllReduceSeconds).toBeGreaterThan(eight.exposedAllReduceSeconds);
  });
});

describe('the constants', () => {
  it('are one documented table, each with a meaning and a source', () => {
    for (const r of GPU_CONSTANT_TABLE) {
      expect(r.what.length, r.key).toBeGreaterThan(20);
      expect(r.source.length, r.key).toBeGreaterThan(10);
      expect(Number.isFinite(r.value), r.key).toBe(true);
    }
    expect(C.simt.efficiency).toBeLessThanOrEqual(1);
    expect(C.tensorCores.efficiency).toBeLessThanOrEqual(1);
    expect(C.memoryEfficiency).toBeLessThanOrEqual(1);
    expect(C.simt.winograd).toBeLessThanOrEqual(2.25);
  });
});

describe('against the calibration tables (pycls V100, timm RTX 3090 NCHW)', () => {
  // Every row of the calibration tables that a preset builds: the RegNets and the family's modules included.
  const rows = PUBLISHED_TIMINGS.filter((r) => r.config && r.use === 'calibration');
  // The rows the model misses by more than 20% (docs/time-model.md, "Where it misses"): each is named, and stays
  // within 35%; any other row past 20% fails.
  const KNOWN_MISSES = new Set([
    'timm-infer-nchw-pt113-rtx3090 regnety_320@224', 'timm-infer-nchw-pt113-rtx3090 regnety_640@224',
    'timm-train-nchw-pt112-rtx3090 resnext101_64x4d@224',
  ]);
  const tables = [...new Set(rows.map((r) => r.table.id))];
  const predicted = new Map(rows.map((r) => [r, predictPublished(r)]));

  it('matches every table: MAPE <= 8%, Spearman >= 0.97 over time per image, no network off by more than 20% but the known misses', { timeout: 120_000 }, () => {
    expect(tables.length).toBe(5);
    expect(rows.length).toBeGreaterThanOrEqual(600);
    for (const id of tables) {
      const mine = rows.filter((r) => r.table.id === id);
      const err = mine.map((r) => predicted.get(r)! / r.ms - 1);
      const mape = err.reduce((s, e) => s + Math.abs(e), 0) / err.length;
      expect(mape, id).toBeLessThanOrEqual(0.08);
      mine.forEach((r, i) => {
        const name = `${id} ${r.model}@${r.imageSize}`;
        expect(Math.abs(err[i]), name).toBeLessThanOrEqual(KNOWN_MISSES.has(name) ? 0.35 : 0.2);
      });
      const rho = spearman(mine.map((r) => predicted.get(r)! / r.batch), mine.map((r) => r.ms / r.batch));
      expect(rho, id).toBeGreaterThanOrEqual(0.97);
    }
  });

  it('the V100 ResNeXt / ResNet ratios (RegNet: 1.47 and 1.52) within 10%', () => {
    const v = rows.filter((r) => r.table.id === 'pycls-v100');
    const ms = (preset: string) => {
      const r = v.find((x) => x.preset === preset)!;
      return predicted.get(r)! / r.batch;
    };
    expect(Math.abs(ms('resnext50_32x4d') / ms('resnet50') / 1.47 - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(ms('resnext101_32x4d') / ms('resnet101') / 1.52 - 1)).toBeLessThanOrEqual(0.1);
  });
});
