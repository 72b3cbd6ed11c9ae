import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from './graph.ts';
import { presetConfig } from './presets.ts';
import { camHead, channelGroups, editDistance, nearestNames, resolveTap, TapError, tapTargets } from './explain.ts';
import { explainModels, readExplain } from '../../test/support/explain-fixtures.ts';

const tv = buildLayerGraph(presetConfig('resnext50_32x4d'));
const timm = buildLayerGraph(presetConfig('seresnext50_32x4d'));
const basic = buildLayerGraph(presetConfig('resnet18'));

function error(graph: typeof tv, name: string): string {
  try {
    resolveTap(graph, name);
  } catch (e) {
    expect(e).toBeInstanceOf(TapError);
    return (e as Error).message;
  }
  throw new Error(`${name} resolved`);
}

describe('names', () => {
  it('every name is unique, and every module with tensors has one', () => {
    for (const g of [tv, timm, basic]) {
      const names = tapTargets(g).map((t) => t.name);
      expect(new Set(names).size).toBe(names.length);
      for (const n of g.nodes.filter((m) => m.tensors.length > 0)) expect(names).toContain(n.name);
    }
  });

  it('a module name is its call, a block its marker, a stage its last block, a Sequential its last call', () => {
    const node = (name: string) => tv.nodes[resolveTap(tv, name).node];
    expect(node('layer1.0.conv2')).toMatchObject({ kind: 'conv', name: 'layer1.0.conv2' });
    expect(node('layer2.0.bn3')).toMatchObject({ kind: 'bn' });
    expect(node('layer3.0.downsample.0')).toMatchObject({ kind: 'conv', shortcut: true });
    expect(node('layer1.1')).toMatchObject({ kind: 'block', name: 'layer1.1' });
    expect(node('layer4')).toMatchObject({ kind: 'block', name: 'layer4.2' });
    expect(node('layer1.0.downsample')).toMatchObject({ kind: 'bn', name: 'layer1.0.downsample.1' });
    expect(resolveTap(tv, 'layer4').outShape).toEqual([2048, 7, 7]);
    expect(resolveTap(tv, 'layer4').block).toBeNull();
    // timm's deep stem is a Sequential `conv1` ending in conv1.6
    const deep = buildLayerGraph(presetConfig('resnet50d'));
    expect(deep.nodes[resolveTap(deep, 'conv1').node].name).toBe('conv1.6');
  });

  it('the shared ReLU of torchvision\'s block: one name per call, the bare name refused with the calls listed', () => {
    const calls = ['layer1.0.relu:1', 'layer1.0.relu:2', 'layer1.0.relu:3'].map((n) => tv.nodes[resolveTap(tv, n).node]);
    expect(calls.map((n) => tv.nodes[n.inputs[0]].name)).toEqual(['layer1.0.bn1', 'layer1.0.bn2', 'layer1.0.add']);
    expect(error(tv, 'layer1.0.relu')).toMatch(/^layer1\.0\.relu is one module called 3 times .*layer1\.0\.relu:1 \(ReLU after layer1\.0\.bn1\), layer1\.0\.relu:2 .*layer1\.0\.relu:3 \(ReLU after layer1\.0\.add: the block's output\)$/);
    expect(error(tv, 'layer1.0.relu:4')).toBe('layer1.0.relu is called 3 times; layer1.0.relu:4 does not exist (use layer1.0.relu:1, layer1.0.relu:2, layer1.0.relu:3)');
    expect(error(tv, 'conv1:1')).toBe('conv1 is called once: name it without ":1"');
    // basic blocks call it twice; the stem's relu is another module, called once
    expect(tapTargets(basic).filter((t) => t.name.startsWith('layer1.0.relu')).map((t) => t.name)).toEqual(['layer1.0.relu:1', 'layer1.0.relu:2']);
    expect(resolveTap(tv, 'relu').what).toBe('call');
  });

  it('unknown names get the nearest names and, for another network\'s layer, why', () => {
    expect(error(tv, 'layer1.0.conv9')).toBe('this network has no layer "layer1.0.conv9"; nearest names: layer1.0.conv1, layer1.0.conv2, layer1.0.conv3, layer1.1.conv1, layer1.1.conv2');
    expect(error(tv, 'layer5.0.conv1')).toMatch(/: this network has 4 stages \(layer1\.\.layer4\); nearest names: /);
    expect(error(tv, 'layer1.3')).toMatch(/: layer1 has 3 blocks \(layer1\.0\.\.layer1\.2\);/);
    expect(error(tv, 'layer1.0.act2')).toMatch(/act1\.\.act3 are timm's names; .*layer1\.0\.relu:2;/);
    expect(error(timm, 'layer1.0.relu:2')).toMatch(/timm's layout, whose block ReLUs are layer1\.0\.act1, layer1\.0\.act2 and layer1\.0\.act3/);
    expect(error(tv, 'layer2.0.se')).toMatch(/no attention modules/);
    expect(error(basic, 'layer1.0.conv3')).toMatch(/basic blocks \(conv1, bn1, conv2, bn2\)/);
    expect(error(tv, 'layer1.1.downsample.0')).toMatch(/layer1\.1 has no downsample/);
    expect(error(tv, 'global_pool')).toMatch(/global_pool is timm's/);
    expect(error(timm, 'avgpool')).toMatch(/global_pool\.pool/);
    expect(error(tv, 'conv1.3')).toMatch(/timm's deep stem/);
    expect(error(tv, '  ')).toMatch(/the layer name is empty/);
    expect(error(tv, 'lyer1.0.conv2').split('nearest names: ')[1].split(', ')[0]).toBe('layer1.0.conv2');
    expect(error(tv, 'x'.repeat(500)).length).toBeLessThan(300);
  });

  it('edit distance and nearest names', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(nearestNames(['aaa', 'abc', 'abd', 'xyz'], 'abc', 2)).toEqual(['abc', 'abd']);
  });

  it('every layer of the fixtures resolves to a node of the same PyTorch shape', () => {
    for (const model of explainModels()) {
      const { doc, config } = readExplain(model);
      const g = buildLayerGraph(config);
      for (const l of doc.layers) expect([doc.input_shape[0], ...resolveTap(g, l.name).outShape], `${model} ${l.name}`).toEqual(l.shape);
    }
  });
});

describe('channel groups', () => {
  it('conv1 .. relu:2 of a ResNeXt block are arranged by its C = 32 paths; conv3, shortcuts and blocks are not', () => {
    for (const name of ['layer1.0.conv1', 'layer1.0.bn1', 'layer1.0.relu:1', 'layer1.0.conv2', 'layer1.0.bn2', 'layer1.0.relu:2']) {
      expect(channelGroups(tv, resolveTap(tv, name)), name).toEqual({ groups: 32, perGroup: 4, conv: 'layer1.0.conv2' });
    }
    expect(channelGroups(tv, resolveTap(tv, 'layer3.1.conv2'))).toEqual({ groups: 32, perGroup: 16, conv: 'layer3.1.conv2' });
    for (const name of ['layer1.0.conv3', 'layer1.0.bn3', 'layer1.0.relu:3', 'layer1.0.add', 'layer1.0', 'layer1', 'layer1.0.downsample.0', 'conv1', 'fc']) {
      expect(channelGroups(tv, resolveTap(tv, name)), name).toBeNull();
    }
    // timm's Identity placeholders between bn2 and conv3 are inside the paths too
    expect(channelGroups(timm, resolveTap(timm, 'layer2.0.aa'))?.groups).toBe(32);
    // ResNet: one group, nothing to arrange
    expect(channelGroups(basic, resolveTap(basic, 'layer1.0.conv2'))).toBeNull();
    const r50 = buildLayerGraph(presetConfig('resnet50'));
    expect(channelGroups(r50, resolveTap(r50, 'layer1.0.conv2'))).toBeNull();
  });
});

describe('CAM head', () => {
  it('is the last stage and fc for torchvision and timm heads, the last of three stages for CIFAR', () => {
    expect(camHead(tv)).toMatchObject({ features: { name: 'layer4' }, classes: 1000, channels: 2048 });
    expect(camHead(timm)).toMatchObject({ features: { name: 'layer4' }, classes: 1000, channels: 2048 });
    expect(camHead(buildLayerGraph(presetConfig('resnext29_8x64d')))).toMatchObject({ features: { name: 'layer3' }, classes: 10 });
  });

  it('refuses a network without its head', () => {
    for (const preset of ['resnext50_32x4d', 'seresnext50_32x4d']) {
      const g = buildLayerGraph({ ...presetConfig(preset), includeTop: false });
      expect(() => camHead(g)).toThrow(/class activation maps need the classifier: this network has no head/);
    }
  });
});
