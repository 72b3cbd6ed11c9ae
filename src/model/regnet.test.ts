import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import { regnetDesign, type RegNetParams } from './regnet.ts';

interface Record {
  name: string;
  library: string;
  depth: number;
  w0: number;
  wa: number;
  wm: number;
  group_width: number;
  bottleneck_ratio: number;
  rounding: 'divisible' | 'quantize';
  block_widths: number[];
  stages: { width: number; depth: number; group_width: number }[];
}

const { models } = JSON.parse(readFileSync('fixtures/regnet/generator.json', 'utf8')) as { models: Record[] };

function params(r: Record): RegNetParams {
  return { depth: r.depth, w0: r.w0, wa: r.wa, wm: r.wm, groupWidth: r.group_width, bottleneckRatio: r.bottleneck_ratio, rounding: r.rounding };
}

describe('the quantized linear rule', () => {
  it('covers every torchvision and timm RegNet of the fixtures (timm RegNetV, RegNetZ and regnety_040_sgn included)', () => {
    expect(models.filter((m) => m.library === 'torchvision')).toHaveLength(15);
    expect(models.filter((m) => m.library === 'timm').length).toBe(36);
  });

  it.each(models.map((m) => [m.name, m] as const))('%s: per-block widths, stage widths, depths and group widths as the library builds them', (_, m) => {
    const design = regnetDesign(params(m));
    expect(design.quantized).toEqual(m.block_widths);
    expect(design.stages.map((s) => [s.width, s.depth, s.groupWidth])).toEqual(m.stages.map((s) => [s.width, s.depth, s.group_width]));
  });

  it('names the bad value and the fix', () => {
    const ok: RegNetParams = { depth: 13, w0: 24, wa: 36.44, wm: 2.49, groupWidth: 8, bottleneckRatio: 1, rounding: 'quantize' };
    const message = (p: Partial<RegNetParams>): string => {
      try {
        regnetDesign({ ...ok, ...p });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(message({ wm: 1 })).toMatch(/wm .*more than 1, got 1/);
    expect(message({ wm: 0.5 })).toMatch(/got 0\.5/);
    expect(message({ wa: -1 })).toMatch(/wa .*0 or more, got -1/);
    expect(message({ w0: 20 })).toMatch(/multiple of 8.*got 20/);
    expect(message({ w0: 0 })).toMatch(/got 0/);
    expect(message({ depth: 0 })).toMatch(/depth d .*got 0/);
    expect(message({ bottleneckRatio: 0.01 })).toMatch(/bottleneck width int\(width \* b\) is 0/);
    expect(message({ groupWidth: 16, bottleneckRatio: 0.7 })).toMatch(/group width 16 divides no grouped conv/);
    for (const m of [message({ wm: 1 }), message({ groupWidth: 16, bottleneckRatio: 0.7 })]) expect(m.split('\n')).toHaveLength(1);
  });
});

describe('config inference of a RegNet checkpoint', () => {
  it('finds every preset from its keys and shapes, in both layouts', async () => {
    const { buildLayerGraph, stateDictSpec } = await import('./graph.ts');
    const { presetConfig, PRESETS } = await import('./presets.ts');
    const { inferConfig } = await import('./weights/index.ts');
    for (const p of PRESETS.filter((x) => x.config.block === 'regnet')) {
      const config = presetConfig(p.name);
      const shapes = new Map(stateDictSpec(buildLayerGraph(config)).map((t) => [t.key, { shape: [...t.shape] }]));
      const inferred = inferConfig(shapes);
      expect(buildLayerGraph(inferred).stages, p.name).toEqual(buildLayerGraph(config).stages);
      expect(inferred.implementation).toBe(config.implementation);
    }
  });

  it('finds numbers that generate a RegNet no preset has', async () => {
    const { buildLayerGraph, stateDictSpec } = await import('./graph.ts');
    const { presetConfig } = await import('./presets.ts');
    const { inferConfig } = await import('./weights/index.ts');
    for (const over of [{ regnetDepth: 9, w0: 32, wa: 17.3, wm: 1.9, groupWidth: 8, seRatio: 0.25 }, { regnetDepth: 20, w0: 64, wa: 40.5, wm: 2.3, groupWidth: 32 }]) {
      for (const base of ['regnet_y_400mf', 'regnety_004']) {
        const config = presetConfig(base, { ...over, classes: 7, input: [1, 224, 224] });
        const shapes = new Map(stateDictSpec(buildLayerGraph(config)).map((t) => [t.key, { shape: [...t.shape] }]));
        const inferred = inferConfig(shapes);
        expect(stateDictSpec(buildLayerGraph(inferred))).toEqual(stateDictSpec(buildLayerGraph(config)));
        expect(inferred.classes).toBe(7);
        expect(inferred.input[0]).toBe(1);
      }
    }
  });
});
