import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { layerCost } from '../analysis/counts.ts';
import { layerFormula } from './formulas.ts';

describe('layer formulas', () => {
  const graph = buildLayerGraph(presetConfig('resnext50_32x4d'));
  const node = (name: string) => graph.nodes.find((n) => n.name === name)!;

  it('writes out a grouped conv', () => {
    expect(layerFormula(node('layer1.0.conv2'))).toEqual({
      params: 'Cout × Cin/groups × k × k = 128 × 128/32 × 3 × 3 = 4,608',
      macs: 'Hout × Wout × params = 56 × 56 × 4,608 = 14,450,688',
    });
  });

  it('writes out BatchNorm and the classifier', () => {
    expect(layerFormula(node('bn1'))!.params).toBe('weight + bias = 2 × 64 = 128 (running mean and var are buffers)');
    expect(layerFormula(node('fc'))!.params).toBe('in × out + out = 2048 × 1000 + 1000 = 2,049,000');
    expect(layerFormula(node('relu'))).toBeNull();
  });

  it('ends every formula with the value the analysis counts', () => {
    for (const n of graph.nodes) {
      const f = layerFormula(n);
      if (!f) continue;
      const cost = layerCost(n);
      expect(f.params.split(' = ').pop()!.split(' ')[0].replace(/,/g, '')).toBe(String(cost.params));
      if (n.kind !== 'bn') expect(f.macs.split(' = ').pop()!.split(' ')[0].replace(/,/g, '')).toBe(String(cost.macs));
    }
  });
});
