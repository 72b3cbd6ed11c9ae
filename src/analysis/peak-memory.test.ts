/**
 * The peak of live tensor memory in a training step against PyTorch: fixtures/training/peak_memory.json,
 * measured with torch 1.13's profiler on the CPU by tools/fixtures/training_fixtures.py, and a case counted by hand.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph, type ExecutionOrder } from '../model/graph.ts';
import { defaultConfig, presetConfig, PRESET_NAMES } from '../model/presets.ts';
import type { NetworkConfig } from '../model/config.ts';
import { caseConfig, type FixtureNetwork } from '../../test/support/fixture-config.ts';
import { cudaBlockBytes, peakTrainingMemory, type GradReset, type TrainingStepOptions } from './peak-memory.ts';
import { parameterCounts, savedActivations, atBatch, type Optimizer } from './memory.ts';

interface PeakCase extends FixtureNetwork {
  name: string;
  order?: ExecutionOrder;
  batch: number;
  optimizer: Optimizer;
  zero_grad: GradReset;
  foreach: boolean;
  precision: 'float32' | 'bfloat16-autocast';
  start_bytes: number;
  peak_bytes: number;
  raw_peak_bytes: number;
  phase: 'forward' | 'backward' | 'optimizer';
}

const cases: PeakCase[] = JSON.parse(readFileSync('fixtures/training/peak_memory.json', 'utf8')).cases;

const optionsOf = (c: PeakCase): TrainingStepOptions => ({
  batch: c.batch, optimizer: c.optimizer, zeroGrad: c.zero_grad, foreach: c.foreach, precision: c.precision === 'float32' ? 'float32' : 'mixed',
});

const step = (o: Partial<TrainingStepOptions> = {}): TrainingStepOptions => ({ batch: 1, optimizer: 'none', zeroGrad: 'zero', foreach: false, precision: 'float32', ...o });

describe('peak training memory equals the live tensor bytes PyTorch measures', () => {
  it('covers every preset at batch 1 and 8, full 224 x 224 for some, every optimizer, both zero_grad modes, foreach, autocast', () => {
    // The 39 presets of the ResNet/ResNeXt family the fixtures were made for (torchvision's, the paper's, timm's D,
    // SE and ECA networks, the WSL networks, CIFAR ResNeXt-29), each at both batches; the rest of timm's resnet.py
    // (GroupNorm, BlurPool, ResNet-RS stems...) and the RegNets have their own file (below).
    const measured = new Set(cases.filter((c) => c.preset).map((c) => c.preset!));
    expect(measured.size).toBeGreaterThanOrEqual(39);
    for (const name of measured) expect(PRESET_NAMES).toContain(name);
    for (const b of [1, 8]) expect(new Set(cases.filter((c) => c.preset && c.batch === b).map((c) => c.preset))).toEqual(measured);
    // The full size is slow on the CPU: five networks at batch 1, three of them at batch 8.
    expect(cases.filter((c) => c.preset && c.batch === 1 && c.input[1] === 224).length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((c) => c.preset && c.batch === 8 && c.input[1] === 224).length).toBeGreaterThanOrEqual(3);
    expect(new Set(cases.map((c) => c.optimizer))).toEqual(new Set(['none', 'sgd', 'momentum', 'adam']));
    expect(new Set(cases.map((c) => c.zero_grad))).toEqual(new Set(['zero', 'none']));
    expect(cases.some((c) => c.foreach && c.optimizer === 'adam')).toBe(true);
    expect(cases.filter((c) => c.precision === 'bfloat16-autocast').length).toBeGreaterThanOrEqual(6);
    expect(cases.some((c) => !c.include_top)).toBe(true);
    expect(cases.some((c) => c.order === 'seed')).toBe(true);
    // The peak falls in backward for some cases and in the optimizer step for others.
    expect(new Set(cases.map((c) => c.phase))).toEqual(new Set(['backward', 'optimizer']));
  });

  it.each(cases.map((c) => [`${c.name} b${c.batch} ${c.input.join('x')} ${c.optimizer} ${c.zero_grad}${c.foreach ? ' foreach' : ''} ${c.precision}${c.order ? ` ${c.order}` : ''}`, c] as const))('%s', (_label, c) => {
    const graph = buildLayerGraph(caseConfig(c), c.order ?? 'torchvision');
    const peak = peakTrainingMemory(graph, optionsOf(c));
    expect(peak.startBytes).toBe(c.start_bytes);
    // Within 5% (the acceptance line), and in fact byte for byte, in the same phase.
    expect(Math.abs(peak.bytes - c.peak_bytes) / c.peak_bytes).toBeLessThanOrEqual(0.05);
    expect(peak.bytes).toBe(c.peak_bytes);
    expect(peak.phase).toBe(c.phase);
  });

  it('the fixtures config of a preset case is the preset', () => {
    for (const c of cases.filter((x) => x.preset)) expect(caseConfig(c)).toEqual(presetConfig(c.preset!, { input: c.input }));
  });
});

interface FamilyPeakCase {
  preset: string;
  batch: number;
  input: [number, number, number];
  optimizer: Optimizer;
  zero_grad: GradReset;
  start_bytes: number;
  peak_bytes: number;
  raw_peak_bytes: number;
  phase: 'forward' | 'backward' | 'optimizer';
}

// The presets the cases above leave out (timm's resnet.py family, the RegNets), built by timm and torchvision.
const familyCases: FamilyPeakCase[] = JSON.parse(readFileSync('fixtures/training/family_peak_memory.json', 'utf8'));

describe("the peak of timm's resnet.py family and the RegNets equals the live tensor bytes PyTorch measures", () => {
  it('covers, with the cases above, every preset at batch 1 and 8, and some at 224 x 224', () => {
    const covered = new Set([...cases.filter((c) => c.preset).map((c) => c.preset!), ...familyCases.map((c) => c.preset)]);
    expect([...covered].sort()).toEqual([...PRESET_NAMES].sort());
    for (const b of [1, 8]) expect(new Set(familyCases.filter((c) => c.batch === b).map((c) => c.preset))).toEqual(new Set(familyCases.map((c) => c.preset)));
    expect(familyCases.filter((c) => c.input[1] === 224).length).toBeGreaterThanOrEqual(8);
  });

  // timm's RegNets of more than 250 M parameters (plain SGD, gradients set to None) measure 0.03-0.04% above the model
  // at the end of backward (torchvision's regnet_y_128gf, the same network, agrees to the byte): not explained yet.
  const NOT_EXACT = new Set(['regnety_640', 'regnety_1280', 'regnety_2560']);

  it.each(familyCases.map((c) => [`${c.preset} b${c.batch} ${c.input.join('x')} ${c.optimizer} ${c.zero_grad}`, c] as const))('%s', (_label, c) => {
    const graph = buildLayerGraph(presetConfig(c.preset, { input: c.input }));
    const peak = peakTrainingMemory(graph, step({ batch: c.batch, optimizer: c.optimizer, zeroGrad: c.zero_grad }));
    expect(peak.startBytes).toBe(c.start_bytes);
    // Within 5% (the acceptance line), and in fact byte for byte, in the same phase.
    expect(Math.abs(peak.bytes - c.peak_bytes) / c.peak_bytes).toBeLessThanOrEqual(0.05);
    if (NOT_EXACT.has(c.preset)) expect(Math.abs(peak.bytes - c.peak_bytes) / c.peak_bytes).toBeLessThan(0.001);
    else expect(peak.bytes).toBe(c.peak_bytes);
    expect(peak.phase).toBe(c.phase);
  });
});

describe('the live set, by hand', () => {
  // CIFAR stem, one BasicBlock, base width 2, input 1x2x2, 3 classes, batch 1: every activation is 2 x 2 x 2
  // floats = 32 bytes; BN saves 2 x 2 floats of statistics (16 bytes).
  const tiny: NetworkConfig = { ...defaultConfig('cifar'), block: 'basic', depths: [1], baseWidth: 2, input: [1, 2, 2], classes: 3 };

  it('a tiny network without optimizer, gradients kept: 1,392 bytes in the backward of layer1.0.conv2', () => {
    // Start: 111 parameters (conv1 18, three BNs 4 each, two 3x3 convs 36 each, fc 6 + 3) = 444 bytes, their
    // gradients 444, BN buffers 3 x (16 + 8) = 72, the batch 16 and its label 8: 984.
    // Forward: conv1 32, bn1 32 + 16, conv 32, bn 48, conv 32, bn 48 (all saved), pool 8, fc 12: 1244; loss:
    // log_softmax 12, total_weight 4, loss 4, the logits freed: 1252.
    // Backward: ones 4; nll's gradient 12 (total_weight freed), log_softmax's 12 (both 12s freed); the fc's input,
    // weight and bias gradients 8 + 24 + 12 (incoming and the saved pool output freed, weight and bias gradients
    // added into .grad and freed): 1240; the mean's 32 (incoming 8 freed); the block ReLU's 32 (incoming and its
    // saved output freed): 1232; the add passes its gradient on to bn2 and to the stem's ReLU; bn2: 32 + 8 + 8
    // (its saved input and statistics freed, its gradients added and freed): 1216; then layer1.0.conv2's input
    // and weight gradients, 32 + 144, on top: 1392.
    const peak = peakTrainingMemory(buildLayerGraph(tiny), step());
    expect(peak).toEqual({ bytes: 1392, cudaBytes: peak.cudaBytes, phase: 'backward', at: 'layer1.0.conv2', startBytes: 984 });
  });

  it('start: parameters, buffers, kept gradients, optimizer state, batch, labels', () => {
    const g = buildLayerGraph(tiny);
    const { params, tensors } = parameterCounts(g);
    const base = 4 * params + 72 + 16 + 8;
    expect(peakTrainingMemory(g, step({ zeroGrad: 'none' })).startBytes).toBe(base);
    expect(peakTrainingMemory(g, step({ optimizer: 'momentum' })).startBytes).toBe(base + 8 * params);
    expect(peakTrainingMemory(g, step({ optimizer: 'adam', zeroGrad: 'none' })).startBytes).toBe(base + 8 * params + 4 * tensors);
    expect(peakTrainingMemory(g, step({ batch: 5 })).startBytes).toBe(base + 4 * params + 4 * (16 + 8));
  });

  it("Adam's temporaries: two parameter-sized tensors at a time, or two sets at once with foreach", () => {
    // At 32 x 32 the activations are small and the optimizer step is the peak.
    const g = buildLayerGraph(presetConfig('resnet50', { input: [3, 32, 32] }));
    const single = peakTrainingMemory(g, step({ optimizer: 'adam' }));
    const foreach = peakTrainingMemory(g, step({ optimizer: 'adam', foreach: true }));
    const { params } = parameterCounts(g);
    expect([single.phase, foreach.phase]).toEqual(['optimizer', 'optimizer']);
    // Between steps the live set is what the step started with; foreach adds sqrt and denom for every parameter.
    expect(foreach.bytes - foreach.startBytes).toBe(8 * params);
    // The single-tensor loop's largest moment: a layer4 3x3 conv weight (512 x 512 x 9), its sqrt and quotient,
    // the previous parameter's denom (that block's bn1 bias, 512 floats) and the 8-byte wrapped divisor.
    expect(single.bytes - single.startBytes).toBe(8 * 512 * 512 * 9 + 4 * 512 + 8);
  });

  it('set_to_none frees the gradients until backward makes them: a lower peak', () => {
    const g = buildLayerGraph(presetConfig('resnext50_32x4d'));
    const zero = peakTrainingMemory(g, step({ batch: 8, optimizer: 'momentum' }));
    const none = peakTrainingMemory(g, step({ batch: 8, optimizer: 'momentum', zeroGrad: 'none' }));
    expect(none.bytes).toBeLessThan(zero.bytes);
    expect(zero.startBytes - none.startBytes).toBe(4 * parameterCounts(g).params);
  });

  it('is at least params + grads + state + what autograd saves (gradients kept), and grows with the batch', () => {
    for (const name of ['resnet18', 'resnext50_32x4d', 'seresnext26d_32x4d']) {
      const g = buildLayerGraph(presetConfig(name));
      const { params } = parameterCounts(g);
      const saved = savedActivations(g);
      let previous = 0;
      for (const batch of [1, 4, 16]) {
        const peak = peakTrainingMemory(g, step({ batch, optimizer: 'momentum' }));
        expect(peak.bytes).toBeGreaterThan(12 * params + atBatch(saved, batch));
        expect(peak.bytes).toBeGreaterThan(previous);
        previous = peak.bytes;
      }
    }
  });
});

describe("the CUDA caching allocator's rounding", () => {
  it('tools/gpu/peak_predictions.json (what tools/gpu/peak_memory.py measures against) is what the model predicts now', () => {
    const { cases: gpu } = JSON.parse(readFileSync('tools/gpu/peak_predictions.json', 'utf8')) as {
      cases: { name: string; input: number[]; batch: number; optimizer: Optimizer; zero_grad: GradReset; precision: 'float32' | 'mixed'; predicted_bytes: number; predicted_cuda_bytes: number; phase: string; at: string }[];
    };
    expect(gpu.length).toBeGreaterThanOrEqual(10);
    for (const c of gpu) {
      const graph = buildLayerGraph(presetConfig(c.name));
      expect(graph.config.input).toEqual(c.input);
      const peak = peakTrainingMemory(graph, step({ batch: c.batch, optimizer: c.optimizer, zeroGrad: c.zero_grad, precision: c.precision, autocast: c.precision === 'mixed' }));
      expect([peak.bytes, peak.cudaBytes, peak.phase, peak.at]).toEqual([c.predicted_bytes, c.predicted_cuda_bytes, c.phase, c.at]);
    }
  });

  it('rounds every allocation up to a multiple of 512 bytes', () => {
    expect([1, 511, 512, 513, 1024, 1_048_577].map(cudaBlockBytes)).toEqual([512, 512, 512, 1024, 1024, 1_049_088]);
  });

  it('counts each tensor in whole blocks: small tensors (BN statistics, biases) weigh more', () => {
    const tiny = buildLayerGraph({ ...defaultConfig('cifar'), block: 'basic', depths: [1], baseWidth: 2, input: [1, 2, 2], classes: 3 });
    const peak = peakTrainingMemory(tiny, step());
    // Every tensor of the tiny network is under 512 bytes: the device peak is 512 bytes per live tensor.
    expect(peak.cudaBytes % 512).toBe(0);
    expect(peak.cudaBytes).toBeGreaterThan(peak.bytes);
    const big = peakTrainingMemory(buildLayerGraph(presetConfig('resnet50')), step({ batch: 32, optimizer: 'momentum' }));
    expect(big.cudaBytes).toBeGreaterThan(big.bytes);
    expect((big.cudaBytes - big.bytes) / big.bytes).toBeLessThan(0.001);
  });

  it("Adam with foreach at its peak, in whole blocks, without the step counters (they stay on the CPU)", () => {
    // Gradients set to None, batch 1 at 32 x 32: the peak is the optimizer step, where parameters, gradients,
    // both moments and both temporaries are live (6 tensors per parameter), with the buffers, batch and label.
    const g = buildLayerGraph(presetConfig('resnet18', { input: [3, 32, 32] }));
    const peak = peakTrainingMemory(g, step({ optimizer: 'adam', zeroGrad: 'none', foreach: true }));
    const tensors = g.nodes.flatMap((n) => n.tensors);
    const size = (t: { shape: number[] }) => (t.shape.length === 0 ? 8 : 4 * t.shape.reduce((a, b) => a * b, 1));
    const params = tensors.filter((t) => t.kind === 'parameter').map(size);
    const buffers = tensors.filter((t) => t.kind === 'buffer').map(size);
    const sum = (xs: number[], f: (b: number) => number = (b) => b) => xs.reduce((s, b) => s + f(b), 0);
    expect(peak.phase).toBe('optimizer');
    expect(peak.bytes).toBe(6 * sum(params) + 4 * params.length + sum(buffers) + 4 * 3 * 32 * 32 + 8);
    expect(peak.cudaBytes).toBe(6 * sum(params, cudaBlockBytes) + sum(buffers, cudaBlockBytes) + cudaBlockBytes(4 * 3 * 32 * 32) + 512);
  });
});
