/**
 * Cost beyond FLOPs: RegNet's activations, what PyTorch saves for backward (fixtures/cost, measured with
 * torch 1.13 by tools/fixtures/cost_fixtures.py), optimizer state, the inference peak, memory traffic and
 * the roofline, and the options' errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph, type LayerGraph } from '../model/graph.ts';
import { defaultConfig, presetConfig } from '../model/presets.ts';
import type { NetworkConfig } from '../model/config.ts';
import { corePresetNames } from '../../test/support/family-fixtures.ts';
import { caseConfig, type FixtureNetwork } from '../../test/support/fixture-config.ts';
import { batchSweep, checkBatch, costJson, costOf, CostError, parseBatch, parseDevice, parseDtype, parseGpus, parseLayout, parseOptimizer, resnetCounterpart, sameFlopsCounterpart, type CostOptions } from './cost.ts';
import { DEVICES, findDevice, DEVICE_SOURCES, browserDevice, type Device } from './devices.ts';
import {
  atBatch,
  convActivations,
  inferencePeakElements,
  largestBatch,
  optimizerBytes,
  parameterCounts,
  savedActivations,
  storageOf,
  trainingBytes,
  trainingMemory,
} from './memory.ts';
import { convMemoryAccessCost, kernelGroups, layerCategory, nodeTraffic } from './roofline.ts';
import { spearman, ranks } from './stats.ts';

interface SavedCase extends FixtureNetwork {
  name: string;
  batch: number;
  precision: 'float32' | 'bfloat16-autocast';
  measured_on: string;
  conv_activations: number;
  saved_bytes: number;
  saved_buffer_bytes: number;
  saved_storages: number;
  by_module: Record<string, number>;
}

const saved: SavedCase[] = JSON.parse(readFileSync('fixtures/cost/saved_activations.json', 'utf8')).cases;
const optimizers: (Omit<FixtureNetwork, 'preset' | 'include_top'> & { name: string; params: number; param_tensors: number; state_bytes: Record<string, number> })[] =
  JSON.parse(readFileSync('fixtures/cost/optimizer_state.json', 'utf8')).cases;


const graphOf = (name: string, overrides: Partial<NetworkConfig> = {}): LayerGraph => buildLayerGraph(presetConfig(name, overrides));
const v100 = findDevice('v100')!;
const options = (o: Partial<CostOptions> = {}): CostOptions => ({ batch: 1, dtype: 'float32', layout: 'nchw', optimizer: 'sgd', device: v100, gpus: 1, ...o });

describe('activations (RegNet: output elements of every conv, per image)', () => {
  it('RegNet Table 3, exactly', () => {
    expect(convActivations(graphOf('resnet50'))).toBe(11_113_984);
    expect(convActivations(graphOf('resnext50_32x4d'))).toBe(14_400_512);
    expect(convActivations(graphOf('resnet101'))).toBe(16_231_936);
    expect(convActivations(graphOf('resnext101_32x4d'))).toBe(21_224_448);
  });

  it('equal the conv output elements PyTorch hooks count, for every fixture network', () => {
    for (const c of saved) expect([c.name, convActivations(buildLayerGraph(caseConfig(c)))]).toEqual([c.name, c.conv_activations]);
  });
});

describe('saved activations equal what PyTorch saves for backward', () => {
  it('covers every preset at batch 1 and 8, six or more non-preset networks (timm among them) and mixed precision', () => {
    const presets = (b: number) => new Set(saved.filter((c) => c.preset && c.batch === b && c.precision === 'float32').map((c) => c.preset));
    expect(presets(1)).toEqual(new Set(corePresetNames()));
    expect(presets(8)).toEqual(new Set(corePresetNames()));
    const custom = saved.filter((c) => c.preset === null && c.precision === 'float32');
    expect(custom.length).toBeGreaterThanOrEqual(6);
    expect(custom.some((c) => c.config.stem === 'deep' || c.config.stem === 'deep_tiered')).toBe(true);
    expect(custom.some((c) => c.config.avg_down)).toBe(true);
    expect(custom.some((c) => c.config.attention === 'se')).toBe(true);
    expect(custom.some((c) => c.config.attention === 'eca')).toBe(true);
    expect(new Set(custom.map((c) => c.batch)).size).toBeGreaterThan(3);
    expect(saved.filter((c) => c.precision === 'bfloat16-autocast').length).toBeGreaterThanOrEqual(4);
  });

  it.each(saved.map((c) => [`${c.name} b${c.batch} ${c.precision}`, c] as const))('%s', (_label, c) => {
    const graph = buildLayerGraph(caseConfig(c));
    const s = savedActivations(graph, c.precision === 'float32' ? 'float32' : 'mixed');
    const total = atBatch(s, c.batch);
    expect(Math.abs(total - c.saved_bytes) / c.saved_bytes).toBeLessThanOrEqual(0.01);
    // Not only within 1%: byte for byte, and attributed to the same modules.
    expect(total).toBe(c.saved_bytes);
    const byModule = Object.fromEntries(Object.entries(s.byModule).map(([m, b]) => [m, atBatch(b, c.batch)]).filter(([, b]) => (b as number) > 0));
    expect(byModule).toEqual(c.by_module);
  });

  it('the fixtures config of a preset case is the preset', () => {
    for (const c of saved.filter((x) => x.preset)) expect(caseConfig(c)).toEqual(presetConfig(c.preset!));
  });
});

describe('optimizer state equals torch.optim after one step', () => {
  it.each(optimizers.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const graph = buildLayerGraph(caseConfig({ ...c, include_top: true }));
    const { params, tensors } = parameterCounts(graph);
    expect([params, tensors]).toEqual([c.params, c.param_tensors]);
    expect(optimizerBytes('sgd', params, tensors)).toBe(c.state_bytes.sgd);
    expect(optimizerBytes('none', params, tensors)).toBe(0);
    expect(optimizerBytes('momentum', params, tensors)).toBe(c.state_bytes.momentum);
    expect(optimizerBytes('adam', params, tensors)).toBe(c.state_bytes.adam);
    expect(optimizerBytes('adam', params, tensors)).toBe(c.state_bytes.adamw);
  });
});

describe('storage and the inference peak', () => {
  it('in-place ReLU and add share their input storage; BN writes a new one', () => {
    const g = graphOf('resnet18');
    const of = storageOf(g);
    const byName = (n: string) => g.nodes.findIndex((x) => x.name === n);
    expect(of[byName('bn1')]).toBe(byName('bn1'));
    expect(of[byName('relu')]).toBe(byName('bn1'));
    const add = byName('layer1.0.add');
    expect(of[add]).toBe(byName('layer1.0.bn2'));
  });

  it('a hand-counted peak: resnet18 at 3x32x32 without the head', () => {
    // Stem at 32x32: conv1 (input 3072 live + 64x16x16 = 16384 out): 19456; bn1 reads conv1's 16384, writes 16384
    // (input freed after conv1): 32768; relu in place; maxpool reads 16384, writes 64x8x8 = 4096: 20480. In the
    // first block: the block input (4096) stays for the add while conv1, bn1, conv2, bn2 each hold their input and
    // output (4096 each): 12288, the add (in place) holds 8192. So the peak is bn1 of the stem: 32768.
    const g = buildLayerGraph(presetConfig('resnet18', { input: [3, 32, 32], includeTop: false }));
    expect(inferencePeakElements(g)).toBe(32768);
  });

  it('grows linearly with the batch and with the element size', () => {
    const g = graphOf('resnext50_32x4d');
    const a = costOf(g, options({ batch: 1 })).totals.inferencePeakBytes;
    expect(costOf(g, options({ batch: 7 })).totals.inferencePeakBytes).toBe(7 * a);
    expect(costOf(g, options({ batch: 7, dtype: 'bfloat16' })).totals.inferencePeakBytes).toBe((7 * a) / 2);
  });
});

describe('training memory', () => {
  it('is params + grads + optimizer + saved, float32 master weights under mixed precision', () => {
    const g = graphOf('resnet50');
    const { params } = parameterCounts(g);
    const m = trainingMemory(g, 'float16', 'adam');
    expect(m.params).toBe(4 * params);
    expect(m.grads).toBe(4 * params);
    expect(m.optimizer).toBe(8 * params + 4 * parameterCounts(g).tensors);
    const r = costOf(g, options({ batch: 16, dtype: 'float16', optimizer: 'adam' }));
    expect(r.totals.trainingBytes).toBe(r.totals.paramsBytes + r.totals.gradsBytes + r.totals.optimizerBytes + r.totals.savedActivationBytes);
    expect(trainingBytes(m, 16)).toBe(r.totals.trainingBytes);
  });

  it('the largest batch that fits is the last one whose training step peak fits the device memory', () => {
    const g = graphOf('resnext50_32x4d');
    const r = costOf(g, options({ batch: 64, optimizer: 'momentum' }));
    const n = r.memory.largestBatch;
    const peakAt = (b: number) => costOf(g, options({ batch: b, optimizer: 'momentum' })).totals.peakTrainingBytes;
    expect(peakAt(n)).toBeLessThanOrEqual(32e9);
    expect(peakAt(n + 1)).toBeGreaterThan(32e9);
    expect(r.memory.fits).toBe(64 <= n);
    expect(r.totals.peakTrainingBytes).toBe(r.memory.peak.cudaBytes);
    // The peak is more than the sum of its parts (the gradients of the step are live on top), and it decides.
    expect(n).toBeLessThan(largestBatch(r.memory, 32e9));
    expect(largestBatch(r.memory, 1)).toBe(0);
    const tiny = { ...v100, memoryGB: 0.05 };
    expect(costOf(g, options({ device: tiny })).memory).toMatchObject({ largestBatch: 0, fits: false });
  });
});

describe('memory traffic and the roofline', () => {
  const g = graphOf('resnext50_32x4d');
  const conv2 = g.nodes.find((n) => n.name === 'layer1.0.conv2')!;

  it('a grouped 3x3 conv: read = input + weights, written = output; ShuffleNet V2 MAC generalised to k x k', () => {
    // 128 -> 128 channels, 32 groups, 56x56, stride 1: weights 128 x 4 x 3 x 3 = 4,608.
    const t = nodeTraffic(g, conv2, 2, 'float32')!;
    expect(t.bytesRead).toBe((2 * 128 * 56 * 56 + 4608) * 4);
    expect(t.bytesWritten).toBe(2 * 128 * 56 * 56 * 4);
    expect(t.macs).toBe(2 * 14_450_688);
    expect(t.flops).toBe(2 * 2 * 14_450_688);
    expect(convMemoryAccessCost(conv2)).toBe(56 * 56 * 128 + 56 * 56 * 128 + (9 * 128 * 128) / 32);
    expect(nodeTraffic(g, conv2, 2, 'bfloat16')!.bytesRead).toBe(t.bytesRead / 2);
  });

  it('eager runs every module call; fused follows the engine\'s fusion plan', () => {
    const eager = kernelGroups(g, 'eager');
    const fused = kernelGroups(g, 'fused');
    expect(eager.every((k) => k.length === 1)).toBe(true);
    const names = (k: number[]) => k.map((i) => g.nodes[i].name);
    expect(names(fused[0])).toEqual(['conv1', 'bn1', 'relu']);
    expect(fused.map(names)).toContainEqual(['layer1.0.downsample.0', 'layer1.0.downsample.1']);
    // Eager: one layer per module call (BN not folded); fused: a conv reads its input once and writes its last call's output once.
    expect(costOf(g, options()).layers.length).toBe(eager.length);
    const dev = { ...v100, execution: 'fused' as const };
    const k = costOf(g, options({ device: dev })).layers[0];
    expect(k.nodes.map((i) => g.nodes[i].name)).toEqual(['conv1', 'bn1', 'relu']);
    expect(k.bytesWritten).toBe(64 * 112 * 112 * 4);
  });

  it('colours every layer by kind', () => {
    const se = graphOf('seresnext50_32x4d');
    const cats = new Set(costOf(se, options()).layers.map((k) => layerCategory(se.nodes[k.nodes[0]])));
    for (const c of ['stem', 'dense 1x1', 'grouped 3x3', 'BN', 'ReLU', 'add', 'pool', 'fc', 'SE/ECA']) expect(cats.has(c as never)).toBe(true);
    const r50 = graphOf('resnet50');
    const resnet = new Set(costOf(r50, options()).layers.map((k) => layerCategory(r50.nodes[k.nodes[0]])));
    expect(resnet.has('dense 3x3')).toBe(true);
  });

  it('predicted time is the sum of its layers (GPU-bound at batch 64) and of its stages', () => {
    const r = costOf(g, options({ batch: 64 }));
    const sum = r.layers.reduce((s, l) => s + l.ms, 0);
    expect(r.totals.layersMs).toBeCloseTo(sum, 9);
    expect(r.totals.predictedMs).toBeGreaterThanOrEqual(sum * (1 - 1e-12));
    expect(r.totals.predictedMs).toBeLessThan(sum * 1.01);
    expect(r.stages.reduce((s, x) => s + x.ms, 0)).toBeCloseTo(sum, 9);
    expect(r.stages.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 12);
    expect(r.stages.map((s) => s.module)).toEqual(['conv1', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
  });
});

describe('devices', () => {
  it('has the required devices, every figure positive and sourced', () => {
    for (const name of ['m40', 'v100', 't4', 'a100-40gb', 'h100-sxm', 'h200', 'l4', 'rtx3090', 'rtx4090', 'rtx5090', 'm2', 'xeon-8480']) expect(findDevice(name)).toBeDefined();
    for (const d of DEVICES) {
      for (const v of [d.fp32Tflops, d.bandwidthGBs, d.memoryGB, d.launchUs]) expect(v).toBeGreaterThan(0);
      for (const v of [d.fp16Tflops, d.bf16Tflops]) if (v !== null) expect(v).toBeGreaterThan(0);
      for (const key of Object.values(d.sources)) expect(DEVICE_SOURCES[key], `${d.name}: ${key}`).toBeTruthy();
    }
  });

  it('"This browser" predicts with what was measured, fused', () => {
    const d: Device = browserDevice({ backend: 'wasm', threads: 2, convGflops: 50, groupedGflops: 20, copyGBs: 5, launchUs: 20, convUs: 30, coldUs: 0, residualFusion: false, memoryBytes: 2 ** 32, memoryNote: 'x', memoryNoteMessage: { id: '', params: {}, text: 'x' } });
    expect([d.fp32Tflops, d.bandwidthGBs, d.launchUs, d.execution]).toEqual([0.05, 5, 20, 'fused']);
    const r = costOf(graphOf('resnet50'), options({ device: d }));
    expect(r.layers.length).toBe(kernelGroups(graphOf('resnet50'), 'fused').length);
    expect(r.training).toBeNull();
  });
});

describe('options and errors', () => {
  it('parses and refuses with the value and the fix', () => {
    expect(parseBatch(' 64 ')).toBe(64);
    for (const bad of ['0', '-3', '2.5', 'abc', '']) expect(() => parseBatch(bad)).toThrow(/batch size must be a positive whole number .* got/);
    expect(() => parseDtype('fp8')).toThrow('precision must be float32, tf32, amp, float16 or bfloat16, got "fp8"');
    expect(parseDtype('amp')).toBe('amp');
    expect(() => parseLayout('nhcw')).toThrow('layout must be nchw or nhwc, got "nhcw"');
    expect(parseGpus('8')).toBe(8);
    for (const bad of ['0', '65', '1.5', 'two']) expect(() => parseGpus(bad)).toThrow(/the number of GPUs must be a whole number from 1 to 64/);
    expect(() => costOf(graphOf('resnet18'), options({ device: findDevice('m2')!, gpus: 2 }))).toThrow('m2 is a single device here (no interconnect in the device table): use 1 GPU, got 2');
    expect(() => parseOptimizer('lion')).toThrow('optimizer must be none, sgd, momentum or adam, got "lion"');
    expect(() => parseDevice('gtx')).toThrow(/unknown device "gtx": use one of m40, v100/);
    const m = trainingMemory(graphOf('resnet50'), 'float32', 'sgd');
    expect(() => checkBatch(m, 1e10)).toThrow(CostError);
    expect(() => checkBatch(m, 1e10)).toThrow(/batch 10,000,000,000 would need .* bytes of training memory \(over 1e15\): use a batch of at most [\d,]+/);
    expect(() => costOf(graphOf('resnet50'), options({ batch: 0 }))).toThrow(/positive whole number/);
  });

  it('the CLI JSON has exactly the documented keys', () => {
    const j = costJson(costOf(graphOf('resnet18'), options())) as { totals: object; layers: object[]; device: object };
    expect(Object.keys(j)).toEqual(['totals', 'training', 'layers', 'device']);
    expect(Object.keys(j.totals)).toEqual([
      'params', 'macs', 'train_macs', 'conv_activations', 'saved_activation_bytes', 'params_bytes', 'grads_bytes', 'optimizer_bytes',
      'training_bytes', 'peak_training_bytes', 'inference_peak_bytes', 'predicted_ms', 'train_step_ms', 'train_images_per_s',
    ]);
    expect(Object.keys(j.layers[0])).toEqual(['name', 'type', 'macs', 'bytes_read', 'bytes_written', 'intensity', 'bound', 'unit', 'tile_use', 'peak_share', 'predicted_ms']);
  });

  it('the ResNet counterpart has one group of 64 channels and the same depths', () => {
    const c = resnetCounterpart(presetConfig('resnext101_32x4d'));
    expect(c).toEqual(presetConfig('resnet101'));
    expect(resnetCounterpart(defaultConfig())).toEqual(defaultConfig());
  });

  it('the same-FLOPs counterpart is the ResNet within 10% of the MACs, else the dense network widened to them', () => {
    const a = sameFlopsCounterpart(presetConfig('resnext50_32x4d'));
    expect(a.standard).toBe(true);
    expect(a.config).toEqual(presetConfig('resnet50'));
    const b = sameFlopsCounterpart(presetConfig('resnext101_32x8d'));
    expect(b.standard).toBe(false);
    expect(b.resnetMacsRatio).toBeCloseTo(7.80 / 16.41, 2);
    expect(b.config.cardinality).toBe(1);
    const macs = (c: NetworkConfig) => costOf(buildLayerGraph(c), options()).totals.macs;
    const target = macs(presetConfig('resnext101_32x8d'));
    expect(Math.abs(macs(b.config) / target - 1)).toBeLessThan(0.02);
    expect(Math.abs(macs({ ...b.config, widthPerGroup: b.config.widthPerGroup + 2 }) / target - 1)).toBeGreaterThan(Math.abs(macs(b.config) / target - 1));
  });

  it('the batch sweep grows memory linearly, throughput saturates, and marks where memory runs out', () => {
    const points = batchSweep(graphOf('resnet50'), { dtype: 'amp', layout: 'nhwc', optimizer: 'momentum', device: findDevice('rtx3090')!, gpus: 1 });
    expect(points.map((p) => p.batch).slice(0, 4)).toEqual([1, 2, 4, 8]);
    const firstOver = points.findIndex((p) => !p.fits);
    expect(firstOver).toBeGreaterThan(0);
    expect(points.slice(firstOver).every((p) => !p.fits)).toBe(true);
    const last = points[points.length - 1];
    expect(last.batch).toBeGreaterThanOrEqual(2 * points[firstOver - 1].batch);
    for (let i = 1; i < points.length; i++) {
      expect(points[i].trainingBytes).toBeGreaterThan(points[i - 1].trainingBytes);
      expect(points[i].inferImagesPerS).toBeGreaterThan(points[i - 1].inferImagesPerS * 0.98);
    }
    expect(last.inferImagesPerS / points[points.length - 2].inferImagesPerS).toBeLessThan(1.05);
  });

  it('the batch sweep takes the same GroupNorm dtype as the report: its time and memory follow --fast-norm', () => {
    const graph = graphOf('resnet50_gn');
    for (const fastNorm of [false, true]) {
      const sweep = { dtype: 'amp', layout: 'nchw', optimizer: 'momentum', device: findDevice('rtx3090')!, gpus: 1, fastNorm } as const;
      const p = batchSweep(graph, sweep).find((x) => x.batch === 64)!;
      const report = costOf(graph, { ...sweep, batch: 64 });
      expect(p.trainingBytes).toBe(report.totals.peakTrainingBytes);
      expect(p.inferImagesPerS).toBeCloseTo((64 / report.totals.predictedMs) * 1000, 6);
    }
  });

  it("the batch sweep's memory is the report's peak of a training step, and it stops fitting where the report does", () => {
    const graph = graphOf('resnext50_32x4d');
    const sweep = { dtype: 'float32', layout: 'nchw', optimizer: 'adam', device: findDevice('rtx3090')!, gpus: 1 } as const;
    const points = batchSweep(graph, sweep);
    for (const p of points.filter((x) => x.batch <= 256)) {
      const report = costOf(graph, { ...sweep, batch: p.batch });
      expect(p.trainingBytes).toBe(report.totals.peakTrainingBytes);
      expect(p.fits).toBe(report.memory.fits);
    }
    const largest = costOf(graph, { ...sweep, batch: 1 }).memory.largestBatch;
    expect(points.filter((p) => p.fits).every((p) => p.batch <= largest)).toBe(true);
    expect(points.some((p) => !p.fits && p.batch > largest)).toBe(true);
  });
});

describe('rank correlation', () => {
  it('Spearman with ties', () => {
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
  });
});
