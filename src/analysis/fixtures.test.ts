/**
 * The engine against PyTorch: every case in fixtures/summary (made by tools/fixtures/make_fixtures.py
 * with torchvision and a torchsummary 1.5.1 replica) must match byte for byte and value for value.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph, type ExecutionOrder } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { summarize, summaryJson, torchsummaryText } from './summary.ts';
import { trainingMacs } from './training-flops.ts';
import { corePresetNames } from '../../test/support/family-fixtures.ts';
import { caseConfig, type FixtureNetwork } from '../../test/support/fixture-config.ts';

interface FixtureCase extends FixtureNetwork {
  file: string;
  /** The custom (non-preset) cases' name. */
  name?: string;
  order: ExecutionOrder;
}

const DIR = 'fixtures/summary';
const cases: FixtureCase[] = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')).cases;

describe('summaries equal PyTorch fixtures', () => {
  it('covers every preset, several input sizes and both orders', () => {
    // RegNets have their own fixtures (fixtures/regnet, src/analysis/regnet.test.ts).
    expect(new Set(cases.flatMap((c) => (c.preset === null ? [] : [c.preset])))).toEqual(new Set(corePresetNames()));
    expect(cases.filter((c) => c.config.implementation === 'timm' && c.preset === null).length).toBeGreaterThanOrEqual(8);
    expect(new Set(cases.map((c) => c.order))).toEqual(new Set(['seed', 'torchvision']));
    expect(new Set(cases.map((c) => c.input.join('x'))).size).toBeGreaterThan(5);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    // The fixture's config is the preset's, with the case's input size and classes (custom cases have no preset).
    if (c.preset !== null) {
      expect(caseConfig(c)).toEqual(presetConfig(c.preset, { input: c.input, classes: c.classes, includeTop: c.include_top }));
    }
    const graph = buildLayerGraph(caseConfig(c), c.order);
    const summary = summarize(graph);
    expect(torchsummaryText(summary)).toBe(readFileSync(`${DIR}/${c.file}.txt`, 'utf8'));
    // torchsummary knows nothing of training: its fixture has every key but train_macs (checked against
    // FlopCounterMode's rule in training-flops.test.ts).
    const { train_macs: trainMacs, ...totals } = summaryJson(summary).totals;
    expect({ ...summaryJson(summary), totals }).toEqual(JSON.parse(readFileSync(`${DIR}/${c.file}.json`, 'utf8')));
    expect(trainMacs).toBe(trainingMacs(graph).total);
  });
});
