import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { layerCost } from './counts.ts';
import { blockForms, formsOf } from './forms.ts';

describe('block forms (a), (b), (c)', () => {
  const rx50 = buildLayerGraph(presetConfig('resnext50_32x4d'));

  it('gives the paper\'s figures for a conv2 block of ResNeXt-50 (32x4d)', () => {
    const f = blockForms(rx50, 1);
    expect(f.module).toBe('layer1.2');
    const [a, b, c] = f.forms;
    // First layer: 256x1x1x4 in each of 32 paths, or one 256x1x1x128.
    for (const form of [a, b]) {
      expect(form.layers[0].weightShape).toBe('256x1x1x4');
      expect(form.layers[0].weightCopies).toBe(32);
      expect(form.layers[0].params).toBe(32_768);
      expect(form.layers[0].formula).toBe('32 x (256 x 1 x 1 x 4) = 32,768');
    }
    expect(c.layers[0].weightShape).toBe('256x1x1x128');
    expect(c.layers[0].weightCopies).toBe(1);
    expect(c.layers[0].params).toBe(32_768);
    // The 3x3 layer: 4,608 in every form.
    const t = (form: typeof a) => form.layers.find((l) => l.role === 'transform')!;
    for (const form of [a, b, c]) expect(t(form).params).toBe(4_608);
    expect(t(c).groups).toBe(32);
    expect(t(c).label).toBe('128, 3x3, 128, groups=32');
    expect(t(c).formula).toBe('32 x (4 x 3 x 3 x 4) = 4,608');
    // The last layer: 32,768 in every form.
    const e = (form: typeof a) => form.layers.find((l) => l.role === 'expand')!;
    for (const form of [a, b, c]) expect(e(form).params).toBe(32_768);
    expect(e(a).weightShape).toBe('4x1x1x256');
    expect(e(b).weightShape).toBe('128x1x1x256');
    expect(a.params).toBe(70_144);
    expect(b.params).toBe(70_144);
    expect(c.params).toBe(70_144);
  });

  it('form (c) equals the conv layers the graph holds for that block (params and MACs)', () => {
    for (const stage of [1, 2, 3, 4]) {
      const f = blockForms(rx50, stage, 0);
      const convs = rx50.nodes.filter((n) => n.name.startsWith(`layer${stage}.0.conv`));
      const params = convs.reduce((s, n) => s + layerCost(n).params, 0);
      const macs = convs.reduce((s, n) => s + layerCost(n).macs, 0);
      expect(f.forms[2].params).toBe(params);
      expect(f.forms[2].macs).toBe(macs);
    }
  });

  it('the three forms have equal params and MACs for any bottleneck config', () => {
    const configs = [
      presetConfig('resnet50'),
      presetConfig('resnext101_64x4d'),
      presetConfig('wide_resnet50_2'),
      presetConfig('resnext29_8x64d'),
      presetConfig('resnext50_8x14d', { input: [3, 97, 131] }),
      presetConfig('resnext50_32x4d', { cardinality: 3, widthPerGroup: 7, baseWidth: 48 }),
    ];
    for (const config of configs) {
      const graph = buildLayerGraph(config);
      for (let stage = 1; stage <= config.depths.length; stage++) {
        for (const block of [0, config.depths[stage - 1] - 1]) {
          const [a, b, c] = blockForms(graph, stage, block).forms;
          expect(b.params).toBe(a.params);
          expect(c.params).toBe(a.params);
          expect(b.macs).toBe(a.macs);
          expect(c.macs).toBe(a.macs);
          expect(a.params).toBeGreaterThan(0);
        }
      }
    }
    for (let c = 1; c <= 64; c += 7) {
      for (const d of [1, 3, 4, 14, 40]) {
        const [fa, fb, fc] = formsOf({ inChannels: 256, cardinality: c, channelsPerGroup: d, outChannels: 256, stride: 2, height: 15, width: 9 }).forms;
        expect(fb.params).toBe(fa.params);
        expect(fc.params).toBe(fa.params);
        expect(fc.macs).toBe(fa.macs);
        expect(fa.params).toBe(c * (256 * d + 9 * d * d + d * 256));
      }
    }
  });

  it('applies the stride of the 3x3 to the later layers\' output sizes', () => {
    const f = blockForms(rx50, 2, 0);
    expect(f.spec).toMatchObject({ inChannels: 256, cardinality: 32, channelsPerGroup: 8, outChannels: 512, stride: 2, height: 56, width: 56 });
    expect(f.forms[2].layers[0].outShape).toEqual([256, 56, 56]);
    expect(f.forms[2].layers[1].outShape).toEqual([256, 28, 28]);
  });

  it('refuses basic blocks and stages out of range with a message', () => {
    expect(() => blockForms(buildLayerGraph(presetConfig('resnet18')), 1)).toThrow(/bottleneck/);
    expect(() => blockForms(rx50, 5)).toThrow(/stage must be between 1 and 4/);
    expect(() => blockForms(rx50, 1, 3)).toThrow(/block must be between 0 and 2/);
  });
});
