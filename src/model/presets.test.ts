import { describe, expect, it } from 'vitest';
import { totalMacs, totalParams } from '../analysis/counts.ts';
import { buildLayerGraph, stateDictSpec } from './graph.ts';
import { findPreset, matchPreset, presetConfig, PRESETS } from './presets.ts';

// torchvision 0.14's published figures (weights metadata): params and GFLOPS (= conv + linear GMACs).
const TORCHVISION: [string, number, number][] = [
  ['resnet18', 11_689_512, 1.814],
  ['resnet34', 21_797_672, 3.664],
  ['resnet50', 25_557_032, 4.089],
  ['resnet101', 44_549_160, 7.801],
  ['resnet152', 60_192_808, 11.514],
  ['resnext50_32x4d', 25_028_904, 4.23],
  ['resnext101_32x8d', 88_791_336, 16.414],
  ['resnext101_64x4d', 83_455_272, 15.46],
  ['wide_resnet50_2', 68_883_240, 11.398],
  ['wide_resnet101_2', 126_886_696, 22.753],
];

describe('presets', () => {
  it.each(TORCHVISION)('%s has torchvision\'s params and GFLOPS', (name, params, gflops) => {
    const graph = buildLayerGraph(presetConfig(name));
    expect(totalParams(graph)).toBe(params);
    const gmacs = totalMacs(graph) / 1e9;
    const digits = String(gflops).split('.')[1].length;
    expect(gmacs.toFixed(digits)).toBe(gflops.toFixed(digits));
    // and the figure stored with the preset is the same one
    expect(findPreset(name)!.published.find((p) => p.source.startsWith('torchvision'))!.params).toBe(params);
  });

  it('ResNeXt-29 8x64d for CIFAR-10 has 34,426,698 params (paper Table 7: 34.4M)', () => {
    expect(totalParams(buildLayerGraph(presetConfig('resnext29_8x64d')))).toBe(34_426_698);
    expect(totalParams(buildLayerGraph(presetConfig('resnext29_16x64d')))).toBe(68_155_210); // paper: 68.1M
  });

  it('Table 3 variants keep ResNet-50/101 complexity (within a few percent)', () => {
    for (const name of ['resnext50_2x40d', 'resnext50_4x24d', 'resnext50_8x14d']) {
      const g = buildLayerGraph(presetConfig(name));
      expect(Math.abs(totalMacs(g) / 4.089e9 - 1)).toBeLessThan(0.05);
    }
    for (const name of ['resnext101_2x40d', 'resnext101_4x24d', 'resnext101_8x14d', 'resnext101_32x4d']) {
      const g = buildLayerGraph(presetConfig(name));
      expect(Math.abs(totalMacs(g) / 7.801e9 - 1)).toBeLessThan(0.05);
    }
  });

  it('names modules as torchvision\'s state_dict does, in its order', () => {
    const keys = stateDictSpec(buildLayerGraph(presetConfig('resnet50'))).map((t) => t.key);
    expect(keys.length).toBe(320);
    expect(keys.slice(0, 7)).toEqual([
      'conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked', 'layer1.0.conv1.weight',
    ]);
    expect(keys).toContain('layer1.0.downsample.0.weight');
    expect(keys.indexOf('layer1.0.bn3.num_batches_tracked')).toBeLessThan(keys.indexOf('layer1.0.downsample.0.weight'));
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    const conv2 = stateDictSpec(buildLayerGraph(presetConfig('resnext50_32x4d'))).find((t) => t.key === 'layer1.0.conv2.weight');
    expect(conv2!.shape).toEqual([128, 4, 3, 3]);
  });

  it('matches a config back to its preset', () => {
    expect(matchPreset(presetConfig('resnext101_32x8d', { input: [3, 320, 320] }))?.name).toBe('resnext101_32x8d');
    expect(matchPreset(presetConfig('resnet50', { cardinality: 3 }))).toBeUndefined();
    expect(PRESETS.length).toBe(90 + 51);
  });
});

describe('execution orders', () => {
  it('the seed runs the shortcut first, torchvision after bn3; both have the same rows', () => {
    const seed = buildLayerGraph(presetConfig('resnext50_32x4d'), 'seed');
    const tv = buildLayerGraph(presetConfig('resnext50_32x4d'), 'torchvision');
    const names = (g: typeof seed) => g.nodes.filter((n) => n.block === 0 && n.stage === 1).map((n) => n.name);
    expect(names(seed).slice(0, 3)).toEqual(['layer1.0.downsample.0', 'layer1.0.downsample.1', 'layer1.0.conv1']);
    expect(names(tv).slice(7, 11)).toEqual(['layer1.0.bn3', 'layer1.0.downsample.0', 'layer1.0.downsample.1', 'layer1.0.add']);
    expect([...names(seed)].sort()).toEqual([...names(tv)].sort());
    const add = tv.nodes.find((n) => n.name === 'layer1.0.add')!;
    expect(add.inputs.map((i) => tv.nodes[i].name)).toEqual(['layer1.0.bn3', 'layer1.0.downsample.1']);
    const add2 = tv.nodes.find((n) => n.name === 'layer1.1.add')!;
    expect(tv.nodes[add2.inputs[1]].name).toBe('layer1.0');
  });

  it('a basic block calls its ReLU twice, a bottleneck three times', () => {
    const count = (name: string, mod: string) =>
      buildLayerGraph(presetConfig(name)).nodes.filter((n) => n.name === `layer1.1.${mod}`).length;
    expect(count('resnet18', 'relu')).toBe(2);
    expect(count('resnet50', 'relu')).toBe(3);
  });
});
