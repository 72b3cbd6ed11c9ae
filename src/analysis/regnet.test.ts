/**
 * RegNet presets against the real torchvision and timm (fixtures/regnet, tools/fixtures/regnet_fixtures.py):
 * params, MACs and conv activations of every RegNet at 224x224, and torchsummary's text and JSON of a few
 * in both module layouts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig, PRESETS } from '../model/presets.ts';
import { totalMacs, totalParams } from './counts.ts';
import { summarize, summaryJson, torchsummaryText } from './summary.ts';
import { torchinfoText, type TorchinfoColumn, type TorchinfoRowSetting } from './torchinfo.ts';

interface Model { name: string; library: string; params: number; macs: number; activations: number }
const { models } = JSON.parse(readFileSync('fixtures/regnet/generator.json', 'utf8')) as { models: Model[] };
const { cases } = JSON.parse(readFileSync('fixtures/regnet/summary/index.json', 'utf8')) as { cases: { file: string; preset: string; input: [number, number, number] }[] };

describe('RegNet presets', () => {
  it('are every torchvision and timm RegNet of the fixtures, by the libraries\' names', () => {
    const regnets = PRESETS.filter((p) => p.config.block === 'regnet').map((p) => p.name);
    expect(new Set(regnets)).toEqual(new Set(models.map((m) => m.name)));
    for (const m of models) expect(PRESETS.find((p) => p.name === m.name)!.config.implementation).toBe(m.library);
  });

  it.each(models.map((m) => [m.name, m] as const))('%s has the library\'s params, MACs and conv activations', (name, m) => {
    const graph = buildLayerGraph(presetConfig(name));
    expect(totalParams(graph)).toBe(m.params);
    expect(totalMacs(graph)).toBe(m.macs);
    const activations = graph.nodes.filter((n) => n.kind === 'conv').reduce((s, n) => s + n.outShape.reduce((a, b) => a * b, 1), 0);
    expect(activations).toBe(m.activations);
  });

  it.each(cases.map((c) => [c.file, c] as const))('torchsummary of %s, byte for byte', (_, c) => {
    const summary = summarize(buildLayerGraph(presetConfig(c.preset, { input: c.input })));
    expect(torchsummaryText(summary)).toBe(readFileSync(`fixtures/regnet/summary/${c.file}.txt`, 'utf8'));
    // torchsummary knows nothing of training: the fixture has every key but train_macs (src/analysis/fixtures.test.ts).
    const { train_macs: trainMacs, ...totals } = summaryJson(summary).totals;
    expect({ ...summaryJson(summary), totals }).toEqual(JSON.parse(readFileSync(`fixtures/regnet/summary/${c.file}.json`, 'utf8')));
    expect(trainMacs).toBeGreaterThan(totals.macs);
  });
});

interface InfoCase { file: string; preset: string; input: [number, number, number]; depth: number; columns: TorchinfoColumn[]; row_settings: TorchinfoRowSetting[]; batch: number }
const infoCases = (JSON.parse(readFileSync('fixtures/regnet/torchinfo/index.json', 'utf8')) as { cases: InfoCase[] }).cases;

describe('RegNet torchinfo text', () => {
  it.each(infoCases.map((c) => [c.file, c] as const))('%s equals torchinfo 1.8.0', (_, c) => {
    const text = torchinfoText(buildLayerGraph(presetConfig(c.preset, { input: c.input })), { depth: c.depth, columns: c.columns, rowSettings: c.row_settings, batch: c.batch });
    expect(text).toBe(readFileSync(`fixtures/regnet/torchinfo/${c.file}.txt`, 'utf8'));
  });
});

describe('RegNets in the other analyses', () => {
  it('the block table, the cost report and the comparison take a RegNet of either layout like any preset', async () => {
    const { blockTable } = await import('./table.ts');
    const { costOf } = await import('./cost.ts');
    const { compare } = await import('./compare.ts');
    const { findDevice } = await import('./devices.ts');
    for (const name of ['regnet_y_400mf', 'regnety_002', 'regnetx_002']) {
      const graph = buildLayerGraph(presetConfig(name));
      const table = blockTable(graph);
      expect(table.rows.filter((r) => r.blocks > 0).map((r) => r.blocks)).toEqual(graph.stages.slice(1).map((s) => s.blocks));
      const cost = costOf(graph, { batch: 8, dtype: 'float32', layout: 'nchw', optimizer: 'momentum', device: findDevice('v100')!, gpus: 1 });
      expect(cost.totals.macs).toBe(totalMacs(graph));
      expect(cost.stages.length).toBe(graph.stages.length + 1);
    }
    const c = compare([{ label: 'a', config: presetConfig('regnetx_004') }, { label: 'b', config: presetConfig('resnext50_32x4d') }], 'paper');
    expect(c.entries[0].analysis.params).toBe(models.find((m) => m.name === 'regnetx_004')!.params);
  });
});

describe('RegNet as PyTorch code', () => {
  const { cases: codeCases } = JSON.parse(readFileSync('fixtures/regnet/code/index.json', 'utf8')) as { cases: { id: string; args: string[] }[] };
  it.each(codeCases.map((c) => [c.id, c] as const))('%s: the snippet the fixture script ran, and the network torch built from it', async (_, c) => {
    const { run } = await import('../cli/main.ts');
    const { stateDictSpec } = await import('../model/graph.ts');
    const { configFromArgs, parseArgs, NETWORK_FLAGS } = await import('../cli/args.ts');
    const snippet = readFileSync(`fixtures/regnet/code/${c.id}.py`, 'utf8');
    expect(await run(['code', ...c.args])).toBe(snippet);
    const built = JSON.parse(readFileSync(`fixtures/regnet/code/${c.id}.json`, 'utf8')) as { params: number; state_dict: [string, number[]][] };
    const framework = c.args[c.args.indexOf('--framework') + 1] as 'torchvision' | 'timm';
    const at = c.args.indexOf('--framework');
    const parsed = parseArgs([...c.args.slice(0, at), ...c.args.slice(at + 2)], [NETWORK_FLAGS]);
    const config = configFromArgs(parsed, parsed.positional[0]);
    const graph = buildLayerGraph({ ...config, implementation: framework });
    expect(totalParams(graph)).toBe(built.params);
    expect(stateDictSpec(graph).map((t) => [t.key, t.shape])).toEqual(built.state_dict);
  });
});
