import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { graphTree } from './graphTree.ts';
import { layoutGraph } from './graphLayout.ts';
import { boxText, fit, itemShape, measureText } from './graphLabels.ts';
import { boxLooks } from './graphColours.ts';
import { nodeFigures } from './graphFigures.ts';
import { translator } from './i18n/translator.ts';

describe('the graph\'s words and colours', () => {
  const graph = buildLayerGraph(presetConfig('resnext50_32x4d'));
  const tree = graphTree(graph);
  const en = translator('en');
  const zh = translator('zh');

  it('names a box and writes its module as PyTorch does, or a group by its size and output', () => {
    const layout = layoutGraph(tree, new Set(['layer2', 'layer2.0', 'layer2.0.conv2']));
    const text = (id: string, t = en) => boxText(t, graph, layout.byId.get(id)!);
    expect(text('@input').name).toBe('Input 3×224×224');
    expect(text('@output').name).toBe('Output 1000');
    expect(text('stem')).toMatchObject({ name: 'Stem', detail: '4 layers · 64×56×56' });
    expect(text('layer1')).toMatchObject({ name: 'layer1 (conv2)', detail: '3 blocks · 256×56×56', label: 'layer1 (conv2): 3 blocks · 256×56×56' });
    expect(text('layer2.1')).toMatchObject({ name: 'layer2.1', detail: 'Bottleneck · 512×28×28' });
    expect(text('layer2.0.conv2')).toMatchObject({ name: 'conv2', detail: 'Conv2d 3×3 /2 · 256→256 · C=32', caption: '32 paths of 8 channels, each 3×3' });
    expect(text('layer2.0.downsample.1').detail).toBe('BatchNorm2d · 512');
    expect(text('layer2.0.add').detail).toBe('residual sum');
    expect(text('layer2.0.relu:3').label).toBe('layer2.0.relu:3: ReLU');
    expect(text('layer2.0.add', zh).detail).toBe('残差求和');
    expect(text('stem', zh)).toMatchObject({ name: '起始层', detail: '4 层 · 64×56×56' });
    expect(itemShape(graph, tree.byId.get('head')!)).toEqual([1000]);
  });

  it('writes values with three figures, bytes and times as the Cost view does', () => {
    expect(measureText('macs', 118_013_952)).toBe('118 M');
    expect(measureText('macs', 4_230_479_872)).toBe('4.23 G');
    expect(measureText('params', 9536)).toBe('9.54 k');
    expect(measureText('params', 512)).toBe('512');
    expect(measureText('memory', 51_380_224)).toBe('51.4 MB');
    expect(measureText('time', 0.119)).toBe('119 µs');
  });

  it('cuts a long line with an ellipsis, Chinese counted wider', () => {
    expect(fit('short', 200, 12)).toBe('short');
    expect(fit('x'.repeat(100), 100, 10)).toMatch(/^x+…$/);
    expect(fit('x'.repeat(100), 100, 10).length).toBeLessThan(20);
    expect(fit('汉'.repeat(20), 100, 10).length).toBeLessThan(fit('x'.repeat(20), 100, 10).length);
  });

  it('colours the boxes on a log scale over the boxes shown, frames and zero values left neutral', () => {
    const layout = layoutGraph(tree, new Set(['layer1']));
    const figures = nodeFigures(graph, 'paper', 1, 'float32');
    const { look, scale } = boxLooks(en, tree, layout, 'macs', figures, null, new Map());
    expect(scale!.high).toBe(Math.max(...['stem', 'layer1.0', 'layer1.1', 'layer1.2', 'layer2', 'layer3', 'layer4', 'head'].map((id) => tree.byId.get(id)!.nodes.reduce((s, n) => s + figures.macs[n], 0))));
    expect(look(layout.byId.get('layer1')!).fill).toBe(null);
    expect(look(layout.byId.get('layer3')!).fill).toBe(scale!.colour(scale!.high));
    expect(look(layout.byId.get('layer3')!).ink).toBe('#ffffff');
    // Time without a device: no value, no colour.
    const time = boxLooks(en, tree, layout, 'time', figures, null, new Map());
    expect(time.scale).toBe(null);
    expect(time.look(layout.byId.get('layer3')!)).toMatchObject({ value: '', fill: null });
  });
});
