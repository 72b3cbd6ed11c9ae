import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig, PRESETS } from '../model/presets.ts';
import { costOf } from '../analysis/cost.ts';
import { DEVICES, findDevice } from '../analysis/devices.ts';
import { layerCategory, type KernelCost } from '../analysis/roofline.ts';
import { extent, kernelPoints, ROOFLINE_DOTS } from './kernelPoints.ts';

const report = (preset: string, depths?: number[]) => {
  const graph = buildLayerGraph({ ...presetConfig(preset), ...(depths ? { depths } : {}) });
  const r = costOf(graph, { batch: 32, dtype: 'float32', layout: 'nchw', gpus: 1, optimizer: 'momentum', device: findDevice('v100')! });
  return { kernels: r.layers, categories: r.layers.map((k) => layerCategory(graph.nodes[k.nodes[0]])) };
};

describe('the roofline\'s dots', () => {
  it('are one per kernel for the catalogue\'s networks', () => {
    // Eager execution (no fusion) gives the most kernels.
    const device = DEVICES.find((d) => d.execution === 'eager')!;
    const most = Math.max(...PRESETS.map((p) =>
      costOf(buildLayerGraph(presetConfig(p.name)), { batch: 1, dtype: 'float32', layout: 'nchw', gpus: 1, optimizer: 'momentum', device }).layers.length));
    expect(most).toBeLessThanOrEqual(ROOFLINE_DOTS);
    const { kernels, categories } = report('resnet152');
    const { points, left } = kernelPoints(kernels, categories);
    expect(points.map((p) => p.kernels)).toEqual(kernels.map((_, i) => [i]));
    expect(left).toBe(0);
  });

  it('are at most ROOFLINE_DOTS for thousands of blocks: repeats share a dot that counts them', () => {
    const { kernels, categories } = report('resnet18', [500, 500, 500, 500]);
    expect(kernels.length).toBeGreaterThan(3 * ROOFLINE_DOTS);
    const { points, left } = kernelPoints(kernels, categories);
    expect(points.length).toBeLessThanOrEqual(ROOFLINE_DOTS);
    expect(left).toBe(0);
    // Every kernel is in exactly one dot, and a dot's kernels are at its point.
    const all = points.flatMap((p) => p.kernels).sort((a, b) => a - b);
    expect(all).toEqual(kernels.map((_, i) => i));
    const misplaced = points.flatMap((p) => p.kernels.filter((i) => kernels[i].intensity !== p.x || categories[i] !== p.category));
    expect(misplaced).toEqual([]);
  });

  it('keep the slowest points when even the distinct points are too many, and count the rest', () => {
    const n = 3 * ROOFLINE_DOTS;
    const kernels = Array.from({ length: n }, (_, i) => ({ name: `k${i}`, intensity: 1 + i, flops: 1e6, ms: 1 + (i % 7) } as KernelCost));
    const { points, left } = kernelPoints(kernels, kernels.map(() => 'dense 1x1' as const));
    expect(points).toHaveLength(ROOFLINE_DOTS);
    expect(left).toBe(n - ROOFLINE_DOTS);
    const slowestLeftOut = Math.max(...kernels.filter((_, i) => !points.some((p) => p.kernels[0] === i)).map((k) => k.ms));
    expect(Math.min(...points.map((p) => kernels[p.kernels[0]].ms))).toBeGreaterThanOrEqual(slowestLeftOut);
  });

  it('extent reads arrays too long for Math.min(...xs)', () => {
    const xs = Array.from({ length: 500_000 }, (_, i) => i - 7);
    expect(extent(xs)).toEqual([-7, 500_000 - 8]);
  });
});
