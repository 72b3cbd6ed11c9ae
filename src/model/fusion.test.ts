import { describe, expect, it } from 'vitest';
import { fusionPlan, type FusionPlan } from './fusion.ts';
import { buildLayerGraph, type LayerGraph } from './graph.ts';
import { presetConfig } from './presets.ts';

const names = (g: LayerGraph, plan: FusionPlan) => plan.kernels.map((k) => k.nodes.map((i) => g.nodes[i].name));
const find = (g: LayerGraph, name: string) => g.nodes.find((n) => n.name === name)!.index;

describe('the fusion plan', () => {
  const g = buildLayerGraph(presetConfig('resnet50'));

  it('folds BN into the conv before it and the ReLU into the conv or add; views are aliases', () => {
    const plan = fusionPlan(g);
    const ks = names(g, plan);
    expect(ks[0]).toEqual(['conv1', 'bn1', 'relu']);
    expect(ks[1]).toEqual(['maxpool']);
    expect(ks).toContainEqual(['layer1.0.conv3', 'layer1.0.bn3']);
    expect(ks).toContainEqual(['layer1.0.add', 'layer1.0.relu']);
    expect(ks[ks.length - 1]).toEqual(['fc']);
    // 53 convs (BN folded), 16 adds (ReLU fused), max pool, global average pool, fc.
    expect(plan.kernels.length).toBe(53 + 16 + 3);
    expect(plan.kernels.every((k) => k.add === null)).toBe(true);
    // Every kernel reads values some earlier kernel wrote (or the input), never a view or an absorbed call.
    const written = new Set([-1]);
    for (const k of plan.kernels) {
      for (const i of k.inputs) expect(written.has(i), g.nodes[k.node].name).toBe(true);
      written.add(k.out);
    }
    expect(written.has(plan.output)).toBe(true);
    expect(g.nodes[plan.output].name).toBe('fc');
    const flatten = g.nodes.find((n) => n.kind === 'flatten')!;
    expect(plan.aliases.get(flatten.index)).toBe(find(g, 'avgpool'));
  });

  it('without folding, BN and its ReLU stay their own kernels', () => {
    const ks = names(g, fusionPlan(g, { fold: false }));
    expect(ks.slice(0, 4)).toEqual([['conv1'], ['bn1'], ['relu'], ['maxpool']]);
  });

  it('a conv that fuses residuals takes the add that follows it and that add\'s ReLU', () => {
    const plan = fusionPlan(g, { residual: (n) => n.conv.groups === 1 });
    const ks = names(g, plan);
    // layer1.0: the shortcut's conv runs last in torchvision's order, so it takes the add.
    expect(ks).toContainEqual(['layer1.0.downsample.0', 'layer1.0.downsample.1', 'layer1.0.add', 'layer1.0.relu']);
    expect(ks).toContainEqual(['layer1.1.conv3', 'layer1.1.bn3', 'layer1.1.add', 'layer1.1.relu']);
    expect(plan.kernels.length).toBe(53 + 3);
    const k = plan.kernels.find((x) => x.add === find(g, 'layer1.1.add'))!;
    // It reads its own input and the previous block's output (the block marker is an alias of its last ReLU).
    expect(k.inputs).toEqual([g.nodes[find(g, 'layer1.1.conv3')].inputs[0], g.nodes[find(g, 'layer1.0')].inputs[0]]);
    expect(k.out).toBe(g.nodes[find(g, 'layer1.1')].inputs[0]);
    expect(k.relu).toBe(true);
    // A conv that cannot (here: none) leaves the add alone.
    expect(names(g, fusionPlan(g, { residual: () => false }))).toEqual(names(g, fusionPlan(g)));
  });

  it('no fusion reaches past a tapped node', () => {
    const conv3 = find(g, 'layer1.1.conv3');
    const bn3 = find(g, 'layer1.1.bn3');
    const ks = names(g, fusionPlan(g, { taps: [conv3, bn3], residual: () => true }));
    expect(ks).toContainEqual(['layer1.1.conv3']);
    expect(ks).toContainEqual(['layer1.1.bn3']);
    expect(ks).toContainEqual(['layer1.1.add', 'layer1.1.relu']);
  });
});
