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
    expect(summaryJson(summary)).toEqual(JSON.parse(readFileSync(`fixtures/regnet/summary/${c.file}.json`, 'utf8')));
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
