/**
 * The engine's per-op timing and speed probe, and the analysis' fused execution model against the ops
 * the engine really builds (the roofline of "This browser" predicts per op, so the two must agree).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../graph.ts';
import { defaultConfig, presetConfig } from '../presets.ts';
import type { NetworkConfig } from '../config.ts';
import { kernelGroups } from '../../analysis/roofline.ts';
import { fusionPlan } from '../fusion.ts';
import { useBackend } from './backends.ts';
import { buildNetwork, defaultGroupedMethod } from './network.ts';
import { randomStateDict } from './random.ts';
import { probeSpeed } from './speed-probe.ts';
import { Engine } from '../engine/engine.ts';

const small = (c: Partial<NetworkConfig>): NetworkConfig => ({ ...defaultConfig(), input: [3, 24, 20], classes: 7, ...c });

const CONFIGS: [string, NetworkConfig][] = [
  ['resnext50_32x4d', presetConfig('resnext50_32x4d', { input: [3, 32, 32] })],
  ['basic cifar', small({ block: 'basic', depths: [1, 2, 1], stem: 'cifar', input: [3, 8, 8] })],
  ['timm deep stem, avg-down, SE', small({ depths: [1, 2, 1, 1], cardinality: 8, widthPerGroup: 8, stem: 'deep', avgDown: true, attention: 'se', implementation: 'timm' })],
  ['timm tiered stem, ECA, basic', small({ block: 'basic', depths: [1, 1, 1, 1], stem: 'deep_tiered', avgDown: true, attention: 'eca', implementation: 'timm' })],
  ['timm, no head', small({ depths: [1, 1, 1, 1], attention: 'se', implementation: 'timm', includeTop: false })],
];

describe('per-op timing (cpu backend)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(CONFIGS)('%s: the ops are the fused kernels of the analysis', async (_name, config) => {
    const graph = buildLayerGraph(config);
    const net = buildNetwork(graph, randomStateDict(graph, 3));
    const x = tf.randomNormal([1, ...config.input], 0, 1, 'float32', 5) as tf.Tensor4D;
    try {
      const ops = await net.timeOps(x, 1);
      const groups = kernelGroups(graph, 'fused');
      expect(ops.map((o) => [o.name, o.first, o.last])).toEqual(groups.map((g) => [graph.nodes[g[0]].name, g[0], g[g.length - 1]]));
      expect(ops.every((o) => Number.isFinite(o.ms) && o.ms >= 0)).toBe(true);
    } finally {
      x.dispose();
      net.dispose();
    }
  });

  it('on wasm the ops follow the same plan, the residual add inside the GEMM conv before it', async () => {
    await useBackend('wasm');
    try {
      const graph = buildLayerGraph(CONFIGS[0][1]);
      const net = buildNetwork(graph, randomStateDict(graph, 3));
      const x = tf.randomNormal([1, ...CONFIGS[0][1].input], 0, 1, 'float32', 5) as tf.Tensor4D;
      try {
        const ops = await net.timeOps(x, 1);
        const plan = fusionPlan(graph, { residual: (n) => n.conv.groups === 1 });
        expect(plan.kernels.filter((k) => k.add !== null).length).toBe(16);
        expect(ops.map((o) => [o.name, o.first, o.last])).toEqual(plan.kernels.map((k) => [graph.nodes[k.node].name, k.node, k.out]));
      } finally {
        x.dispose();
        net.dispose();
      }
    } finally {
      await useBackend('cpu');
    }
  });

  it('probes the rates of dense and grouped convs, a memory-bound op\'s bandwidth and the per-op times', async () => {
    const p = await probeSpeed({ grouped: defaultGroupedMethod('cpu'), runs: 1, warmupMs: 0, scale: 14 });
    expect(p.backend).toBe('cpu');
    for (const v of [p.convGflops, p.groupedGflops, p.copyGBs, p.launchUs, p.convUs]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(Number.isFinite(p.chainUs) && p.chainUs >= 0).toBe(true);
  }, 120_000);

  it('the engine refuses batches and networks it cannot time', async () => {
    const e = new Engine({ order: ['cpu'] });
    await e.setBackend('cpu');
    await expect(e.timeOps(presetConfig('resnet18'), 0)).rejects.toThrow('batch must be a whole number from 1 to 256, got 0');
    await expect(e.timeOps(presetConfig('resnet18'), 1, 0)).rejects.toThrow('runs must be a whole number from 1 to 50, got 0');
    await expect(e.timeOps(presetConfig('resnext101_32x48d'), 1)).rejects.toThrow(/weights are 3\.\d GB: too large to time in this browser/);
    const t = await e.timeOps(presetConfig('resnet18', { input: [3, 16, 16] }), 2, 1);
    expect([t.backend, t.batch, t.runs]).toEqual(['cpu', 2, 1]);
    expect(t.ops.map((o) => o.name)).toEqual(kernelGroups(buildLayerGraph(presetConfig('resnet18', { input: [3, 16, 16] })), 'fused').map((g) => buildLayerGraph(presetConfig('resnet18')).nodes[g[0]].name));
  });
});
