/**
 * Training MACs against the ops torch really runs in a forward and backward pass, counted by FlopCounterMode's
 * rule (fixtures/training/train_flops.json, tools/fixtures/training_fixtures.py), and by hand.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { defaultConfig, presetConfig, PRESET_NAMES } from '../model/presets.ts';
import { corePresetNames } from '../../test/support/family-fixtures.ts';
import { caseConfig, type FixtureNetwork } from '../../test/support/fixture-config.ts';
import { convMacs, totalMacs } from './counts.ts';
import { trainingMacs } from './training-flops.ts';

/** What the fixture script recorded of one backward pass (FLOPs of the whole batch, FlopCounterMode's rule). */
interface FlopCounts {
  batch: number;
  forward_flops: number;
  backward_flops: number;
  backward_flops_torch21: number;
  conv_input_grad_flops: number;
  conv_weight_grad_flops: number;
  ops: Record<string, number>;
}

interface FlopCase extends FixtureNetwork, FlopCounts {
  name: string;
  input_requires_grad: boolean;
}

const cases: FlopCase[] = JSON.parse(readFileSync('fixtures/training/train_flops.json', 'utf8')).cases;

describe('training MACs equal FlopCounterMode on the ops of a real backward pass', () => {
  it('covers every preset at batch 1 and 2 at two sizes, grouped, SE and ECA networks, and an input that needs a gradient', () => {
    for (const b of [1, 2]) expect(new Set(cases.filter((c) => c.preset && c.batch === b).map((c) => c.preset))).toEqual(new Set(corePresetNames()));
    expect(new Set(cases.map((c) => c.input.join('x'))).size).toBeGreaterThanOrEqual(6);
    expect(cases.some((c) => c.config.cardinality > 1 && c.preset === null)).toBe(true);
    expect(cases.some((c) => c.config.attention === 'se' && c.preset === null)).toBe(true);
    expect(cases.some((c) => c.config.attention === 'eca' && c.preset === null)).toBe(true);
    expect(cases.filter((c) => c.input_requires_grad).length).toBeGreaterThanOrEqual(2);
  });

  it.each(cases.map((c) => [`${c.name} b${c.batch} ${c.input.join('x')}${c.input_requires_grad ? ' input requires grad' : ''}`, c] as const))('%s', (_label, c) => {
    const graph = buildLayerGraph(caseConfig(c));
    const t = trainingMacs(graph, { inputRequiresGrad: c.input_requires_grad });
    // FlopCounterMode counts FLOPs = 2 x MACs for the whole batch.
    expect(2 * c.batch * t.forward).toBe(c.forward_flops);
    expect(t.forward).toBe(totalMacs(graph));
    expect(2 * c.batch * (t.inputGrad + t.weightGrad)).toBe(c.backward_flops);
    expect(2 * c.batch * t.total).toBe(c.forward_flops + c.backward_flops);
    // Convolutions alone (the fc's two mm are the rest): input and weight gradients as recorded.
    const fc = graph.nodes.filter((n) => n.kind === 'linear').reduce((s, n) => s + (n.kind === 'linear' ? n.linear.inFeatures * n.linear.outFeatures : 0), 0);
    expect(2 * c.batch * (t.inputGrad - fc)).toBe(c.conv_input_grad_flops);
    expect(2 * c.batch * (t.weightGrad - fc)).toBe(c.conv_weight_grad_flops);
    // torch 2.1's FlopCounterMode formula: a grouped conv's weight gradient counted `groups` times.
    const grouped = graph.nodes.reduce((s, n) => s + (n.kind === 'conv' ? (n.conv.groups - 1) * convMacs(n.conv, n.outShape) : 0), 0);
    expect(2 * c.batch * (t.inputGrad + t.weightGrad + grouped)).toBe(c.backward_flops_torch21);
    // Exactly one conv (the first) computes no input gradient, unless the input needs one.
    expect(c.ops['backward:convolution_backward(no input grad)'] ?? 0).toBe(c.input_requires_grad ? 0 : 1);
  });
});

interface FamilyFlopCase extends FlopCounts {
  preset: string;
  input: [number, number, number];
}

// The presets the cases above leave out (timm's resnet.py family: GroupNorm, BlurPool, average-pool anti-aliasing,
// ResNet-RS, SENet-154, the pruned ECA nets...; the RegNets), built by timm and torchvision themselves.
const familyCases: FamilyFlopCase[] = JSON.parse(readFileSync('fixtures/training/family_flops.json', 'utf8'));

describe("training MACs of timm's resnet.py family and the RegNets equal FlopCounterMode's rule", () => {
  it('covers, with the cases above, every preset at batch 1 and 8, and some at 224 x 224', () => {
    const covered = new Set([...cases.filter((c) => c.preset).map((c) => c.preset!), ...familyCases.map((c) => c.preset)]);
    expect([...covered].sort()).toEqual([...PRESET_NAMES].sort());
    for (const b of [1, 8]) expect(new Set(familyCases.filter((c) => c.batch === b).map((c) => c.preset)).size).toBe(PRESET_NAMES.length - corePresetNames().length);
    expect(familyCases.filter((c) => c.input[1] === 224).length).toBeGreaterThanOrEqual(8);
  });

  it.each(familyCases.map((c) => [`${c.preset} b${c.batch} ${c.input.join('x')}`, c] as const))('%s', (_label, c) => {
    const graph = buildLayerGraph(presetConfig(c.preset, { input: c.input }));
    const t = trainingMacs(graph);
    expect(2 * c.batch * t.forward).toBe(c.forward_flops);
    expect(2 * c.batch * (t.inputGrad + t.weightGrad)).toBe(c.backward_flops);
    const fc = graph.nodes.reduce((s, n) => s + (n.kind === 'linear' ? n.linear.inFeatures * n.linear.outFeatures : 0), 0);
    expect(2 * c.batch * (t.inputGrad - fc)).toBe(c.conv_input_grad_flops);
    expect(2 * c.batch * (t.weightGrad - fc)).toBe(c.conv_weight_grad_flops);
    const grouped = graph.nodes.reduce((s, n) => s + (n.kind === 'conv' ? (n.conv.groups - 1) * convMacs(n.conv, n.outShape) : 0), 0);
    expect(2 * c.batch * (t.inputGrad + t.weightGrad + grouped)).toBe(c.backward_flops_torch21);
    expect(c.ops['backward:convolution_backward(no input grad)']).toBe(1);
  });
});

describe('training MACs by hand', () => {
  it('a tiny network: conv 1->2 3x3, a BasicBlock of two 2->2 3x3 convs, fc 2->3 at 1x2x2', () => {
    // Forward: 4 positions x 2 x 1 x 9 = 72, 2 x (4 x 2 x 2 x 9) = 288, fc 6: 366. Backward: the first conv's weight
    // gradient 72 (its input is the batch: no input gradient), the block convs' input and weight gradients 2 x 288,
    // the fc's 2 x 6: 72 + 576 + 12 = 660. Total 1026.
    const g = buildLayerGraph({ ...defaultConfig('cifar'), block: 'basic', depths: [1], baseWidth: 2, input: [1, 2, 2], classes: 3 });
    expect(trainingMacs(g)).toEqual({ forward: 366, inputGrad: 288 + 6, weightGrad: 72 + 288 + 6, total: 1026 });
    expect(trainingMacs(g, { inputRequiresGrad: true }).total).toBe(1026 + 72);
  });

  it('ResNet-50 at 224: three times the forward, less the stem conv input gradient', () => {
    const g = buildLayerGraph(presetConfig('resnet50'));
    const stem = 112 * 112 * 64 * 3 * 7 * 7;
    expect(trainingMacs(g).total).toBe(3 * 4_089_184_256 - stem);
    expect(trainingMacs(g).total).toBe(12_149_538_816);
  });

  it('timm deep stems: only the first of the three stem convs skips the input gradient', () => {
    const g = buildLayerGraph(presetConfig('resnet50d'));
    const first = g.nodes.find((n) => n.name === 'conv1.0')!;
    expect(first.kind).toBe('conv');
    const macs = first.kind === 'conv' ? convMacs(first.conv, first.outShape) : 0;
    const t = trainingMacs(g);
    expect(t.inputGrad).toBe(t.forward - macs);
    expect(t.weightGrad).toBe(t.forward);
  });
});
