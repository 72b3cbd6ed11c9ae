import { describe, expect, it } from 'vitest';
import { tapTargets } from '../../model/explain.ts';
import { buildLayerGraph } from '../../model/graph.ts';
import { presetConfig } from '../../model/presets.ts';
import { bilinear } from './ExplainCam.tsx';
import { paint, scaleDomain, short } from './ExplainColors.tsx';
import { locate, pickerTree } from './ExplainLayerPicker.tsx';

describe('the layer picker', () => {
  const graph = buildLayerGraph(presetConfig('resnext50_32x4d'));
  const tree = pickerTree(graph, tapTargets(graph));

  it('has the stem and each stage, each stage its blocks, each block its maps in execution order', () => {
    expect(tree.map((s) => s.label)).toEqual(['stem', 'layer1 (conv2)', 'layer2 (conv3)', 'layer3 (conv4)', 'layer4 (conv5)']);
    expect(tree[0].blocks[0].layers.map((t) => t.name)).toEqual(['conv1', 'bn1', 'relu', 'maxpool']);
    expect(tree[3].blocks.map((b) => b.label)).toEqual(['layer3.0', 'layer3.1', 'layer3.2', 'layer3.3', 'layer3.4', 'layer3.5']);
    expect(tree[1].blocks[0].layers.map((t) => t.name)).toEqual([
      'layer1.0.conv1', 'layer1.0.bn1', 'layer1.0.relu:1', 'layer1.0.conv2', 'layer1.0.bn2', 'layer1.0.relu:2', 'layer1.0.conv3', 'layer1.0.bn3',
      'layer1.0.downsample.0', 'layer1.0.downsample.1', 'layer1.0.downsample', 'layer1.0.add', 'layer1.0.relu:3', 'layer1.0',
    ]);
    // The stage's output sits with its last block.
    expect(tree[1].blocks[2].layers.at(-1)!.name).toBe('layer1');
    expect(locate(tree, 'layer4.2.conv2')).toEqual([4, 2, 3]);
    expect(locate(tree, 'fc')).toBeNull();
  });

  it('offers SE\'s output but not its gating product (the same value)', () => {
    const se = buildLayerGraph(presetConfig('seresnext50_32x4d'));
    const names = pickerTree(se, tapTargets(se))[1].blocks[0].layers.map((t) => t.name);
    expect(names).toContain('layer1.0.se');
    expect(names).toContain('layer1.0.se.gate');
    expect(names).not.toContain('layer1.0.se.mul');
  });
});

describe('display helpers', () => {
  it('bilinear upsampling keeps constants, and matches half-pixel sampling with clamped edges', () => {
    expect([...bilinear(new Float32Array([2, 2, 2, 2]), 2, 2, 4, 4)].every((v) => v === 2)).toBe(true);
    // [0, 1] to 4 wide: PyTorch's F.interpolate(bilinear, align_corners=False) gives 0, 0.25, 0.75, 1
    expect([...bilinear(new Float32Array([0, 1]), 1, 2, 1, 4)]).toEqual([0, 0.25, 0.75, 1]);
  });

  it('colour scales: diverging domains are symmetric, sequential ones keep their ends; paint fills RGBA', () => {
    expect(scaleDomain('diverging', -1, 3)).toEqual([-3, 3]);
    expect(scaleDomain('sequential', 0, 5)).toEqual([0, 5]);
    expect(scaleDomain('sequential', 2, 2)).toEqual([2, 3]);
    const out = new Uint8ClampedArray(8);
    paint([0, 1], [0, 1], 'sequential', out);
    expect(out[3]).toBe(255);
    expect([out[0], out[1], out[2]]).toEqual([68, 1, 84]); // viridis(0)
    expect([out[4], out[5], out[6]]).toEqual([253, 231, 37]); // viridis(1)
    expect([short(0.000123), short(123456), short(1.23456), short(-0.5)]).toEqual(['1.23e-4', '1.23e+5', '1.23', '-0.5']);
  });
});
