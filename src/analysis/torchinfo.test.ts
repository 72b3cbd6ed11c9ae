/**
 * torchinfo's text against torchinfo 1.8.0 itself: every case in fixtures/torchinfo (made by
 * tools/fixtures/torchinfo_fixtures.py running the unmodified torchinfo on torchvision's and timm's
 * models) must match byte for byte, from the analysis and from the CLI's flags.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { run } from '../cli/main.ts';
import { moduleCalls, torchinfoText, TORCHINFO_COLUMNS, type TorchinfoColumn, type TorchinfoRowSetting } from './torchinfo.ts';
import { corePresetNames } from '../../test/support/family-fixtures.ts';
import { fixtureConfig, type FixtureConfig } from '../../test/support/fixture-config.ts';

interface TorchinfoCase {
  file: string;
  preset: string | null;
  config: FixtureConfig & { input: [number, number, number]; classes: number; include_top: boolean; implementation: 'torchvision' | 'timm' };
  depth: number;
  columns: TorchinfoColumn[];
  row_settings: TorchinfoRowSetting[];
  batch: number;
  /** The summary command's arguments for the case. */
  cli: string[];
}

const DIR = 'fixtures/torchinfo';
const cases: TorchinfoCase[] = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')).cases;
const expected = (c: TorchinfoCase) => readFileSync(`${DIR}/${c.file}.txt`, 'utf8');

describe('torchinfo text equals torchinfo 1.8.0', () => {
  it('covers every preset in both layouts, depths 1 to 4, every column, batches, row settings and input sizes', () => {
    // RegNets have their own fixtures (fixtures/regnet, src/analysis/regnet.test.ts).
    expect(new Set(cases.flatMap((c) => (c.preset ? [c.preset] : [])))).toEqual(new Set(corePresetNames()));
    expect(new Set(cases.map((c) => c.config.implementation))).toEqual(new Set(['torchvision', 'timm']));
    for (const d of [1, 2, 3, 4]) expect(cases.some((c) => c.depth === d)).toBe(true);
    expect(new Set(cases.flatMap((c) => c.columns))).toEqual(new Set(TORCHINFO_COLUMNS));
    expect(new Set(cases.flatMap((c) => c.row_settings))).toEqual(new Set(['depth', 'var_names', 'ascii_only', 'hide_recursive_layers']));
    expect(cases.some((c) => c.row_settings.length === 0)).toBe(true);
    expect(new Set(cases.map((c) => c.batch)).size).toBeGreaterThan(3);
    expect(new Set(cases.map((c) => c.config.input.join('x'))).size).toBeGreaterThan(8);
    expect(cases.some((c) => c.preset === null)).toBe(true);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    const config = fixtureConfig(c.config);
    if (c.preset !== null) {
      expect(config).toEqual(presetConfig(c.preset, { input: c.config.input, classes: c.config.classes, implementation: c.config.implementation }));
    }
    const text = torchinfoText(buildLayerGraph(config), { depth: c.depth, columns: c.columns, rowSettings: c.row_settings, batch: c.batch });
    expect(text).toBe(expected(c));
  });

  it('the CLI prints the same text from the flags of each case', async () => {
    for (const c of cases) expect(await run(['summary', ...c.cli]), c.cli.join(' ')).toBe(expected(c));
  });
});

describe('torchinfo module tree', () => {
  it('derives torchvision\'s hierarchy and repeated ReLU calls from the layer graph', () => {
    const calls = moduleCalls(buildLayerGraph(presetConfig('resnext50_32x4d')));
    const block = calls.filter((c) => c.path.startsWith('layer1.0'));
    expect(block.map((c) => `${c.className}:${c.depth}`)).toEqual([
      'Bottleneck:2', 'Conv2d:3', 'BatchNorm2d:3', 'ReLU:3', 'Conv2d:3', 'BatchNorm2d:3', 'ReLU:3', 'Conv2d:3', 'BatchNorm2d:3',
      'Sequential:3', 'Conv2d:4', 'BatchNorm2d:4', 'ReLU:3',
    ]);
    expect(block.filter((c) => c.recursive).map((c) => c.path)).toEqual(['layer1.0.relu', 'layer1.0.relu']);
    expect(calls[0]).toMatchObject({ className: 'ResNet', depth: 0, params: 25_028_904, groups: 32 });
    expect(calls.find((c) => c.path === 'layer1')).toMatchObject({ className: 'Sequential', inShape: [64, 56, 56], outShape: [256, 56, 56] });
  });

  it('derives timm\'s containers: deep-stem Sequential, SEModule, global_pool', () => {
    const calls = moduleCalls(buildLayerGraph(presetConfig('seresnext26d_32x4d')));
    const cls = (path: string) => calls.find((c) => c.path === path)?.className;
    expect([cls('conv1'), cls('layer1.0.se'), cls('layer1.0.downsample'), cls('global_pool'), cls('global_pool.flatten')])
      .toEqual(['Sequential', 'SEModule', 'Sequential', 'SelectAdaptivePool2d', 'Flatten']);
    expect(calls.some((c) => c.recursive)).toBe(false);
    expect(calls[0].groups).toBeNull();
  });

  it('refuses the seed order and bad settings with one line', () => {
    const graph = buildLayerGraph(presetConfig('resnet18'));
    expect(() => moduleCalls(buildLayerGraph(presetConfig('resnet18'), 'seed'))).toThrow(/torchvision order/);
    expect(() => torchinfoText(graph, { depth: 0 })).toThrow('torchinfo depth must be a positive integer, got 0');
    expect(() => torchinfoText(graph, { batch: 1.5 })).toThrow('batch must be a positive integer');
    expect(() => torchinfoText(graph, { columns: ['params' as TorchinfoColumn] })).toThrow(/unknown torchinfo column "params"/);
    expect(() => torchinfoText(graph, { batch: 2 ** 40 })).toThrow(/too large to count exactly/);
  });
});
