/**
 * GroupNorm networks under CUDA autocast (the `amp` precision): what autograd saves, against
 * fixtures/cost/gn_autocast.json, measured with torch 1.13 on the CPU with CUDA autocast's dtype policy
 * emulated (tools/fixtures/cost_fixtures.py: convs and the fc in 16 bits, group_norm in float32, or in 16 bits
 * under timm's --fast-norm).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { fixtureConfig, type FixtureConfig } from '../../test/support/fixture-config.ts';
import { atBatch, inferencePeakBytes, inferencePeakElements, savedActivations } from './memory.ts';
import { peakTrainingMemory } from './peak-memory.ts';

interface Measured {
  saved_bytes: number;
  by_module: Record<string, number>;
  by_dtype: Record<string, number>;
}

interface GnCase {
  name: string;
  preset: string | null;
  config: FixtureConfig | null;
  input: [number, number, number];
  classes: number;
  include_top: boolean;
  batch: number;
  autocast: Measured;
  fast_norm: Measured;
  float32: Measured;
  peak: Record<'autocast' | 'fast_norm' | 'float32', Peak> & { optimizer: 'momentum'; zero_grad: 'zero'; foreach: false };
}

interface Peak {
  start_bytes: number;
  peak_bytes: number;
  phase: 'forward' | 'backward' | 'optimizer';
}

const cases: GnCase[] = JSON.parse(readFileSync('fixtures/cost/gn_autocast.json', 'utf8')).cases;

const graphOf = (c: GnCase) =>
  buildLayerGraph(c.preset ? presetConfig(c.preset, { input: c.input, classes: c.classes, includeTop: c.include_top })
    : fixtureConfig(c.config!, { input: c.input, classes: c.classes, includeTop: c.include_top }));

const byModule = (s: ReturnType<typeof savedActivations>, batch: number) =>
  Object.fromEntries(Object.entries(s.byModule).map(([m, b]) => [m, atBatch(b, batch)]).filter(([, b]) => (b as number) > 0));

describe('saved activations of GroupNorm networks under CUDA autocast equal what PyTorch saves', () => {
  it('covers resnet50_gn at batch 1 and 2, regnety_040_sgn and a custom GroupNorm network', () => {
    expect(cases.map((c) => `${c.name} b${c.batch}`)).toEqual(['resnet50_gn b1', 'resnet50_gn b2', 'regnety_040_sgn b1', 'custom_timm_gn_4x16d b3']);
  });

  it.each(cases.map((c) => [`${c.name} b${c.batch}`, c] as const))('%s', (_label, c) => {
    const graph = graphOf(c);
    // float32: the rules without autocast.
    expect(atBatch(savedActivations(graph, 'float32'), c.batch)).toBe(c.float32.saved_bytes);
    // Autocast: GroupNorm's float32 cast of its input, its float32 output, the next conv's 16-bit copy.
    const amp = savedActivations(graph, 'mixed', { autocast: true });
    expect(atBatch(amp, c.batch)).toBe(c.autocast.saved_bytes);
    expect(byModule(amp, c.batch)).toEqual(c.autocast.by_module);
    // timm's --fast-norm: GroupNorm in 16 bits, its statistics too.
    const fast = savedActivations(graph, 'mixed', { autocast: true, fastNorm: true });
    expect(atBatch(fast, c.batch)).toBe(c.fast_norm.saved_bytes);
    expect(byModule(fast, c.batch)).toEqual(c.fast_norm.by_module);
  });

  it('counting GroupNorm in 16 bits under autocast misses most of it', () => {
    for (const c of cases) {
      const sixteen = atBatch(savedActivations(graphOf(c), 'mixed'), c.batch);
      expect(sixteen).toBeLessThan(0.8 * c.autocast.saved_bytes);
      // Under autocast a GroupNorm network saves more than in float32.
      expect(c.autocast.saved_bytes).toBeGreaterThan(c.float32.saved_bytes);
    }
  });
});

describe('the training step\'s peak of GroupNorm networks under CUDA autocast equals the live bytes PyTorch measures', () => {
  it.each(cases.map((c) => [`${c.name} b${c.batch}`, c] as const))('%s', (_label, c) => {
    const graph = graphOf(c);
    const step = { batch: c.batch, optimizer: c.peak.optimizer, zeroGrad: c.peak.zero_grad, foreach: c.peak.foreach } as const;
    const runs = [
      ['float32', peakTrainingMemory(graph, { ...step, precision: 'float32' })],
      ['autocast', peakTrainingMemory(graph, { ...step, precision: 'mixed', autocast: true })],
      ['fast_norm', peakTrainingMemory(graph, { ...step, precision: 'mixed', autocast: true, fastNorm: true })],
    ] as const;
    for (const [label, peak] of runs) {
      const measured = c.peak[label];
      expect([label, peak.startBytes, peak.phase]).toEqual([label, measured.start_bytes, measured.phase]);
      if (label === 'float32') {
        expect(peak.bytes).toBe(measured.peak_bytes);
      } else {
        // Within 0.1%: the model is up to 28 kB above (the fc's backward, where the emulated step frees its
        // 16-bit bias gradient and input gradient a call earlier than the model; 6 kB of resnet50_gn's 472 MB).
        expect(peak.bytes).toBeGreaterThanOrEqual(measured.peak_bytes);
        expect((peak.bytes - measured.peak_bytes) / measured.peak_bytes).toBeLessThan(1e-3);
      }
    }
    // GroupNorm counted in 16 bits (every activation of a mixed run 16-bit) misses a tenth to a fifth of it.
    const sixteen = peakTrainingMemory(graph, { ...step, precision: 'mixed' }).bytes;
    expect(sixteen).toBeLessThan(0.9 * c.peak.autocast.peak_bytes);
  });
});

describe('the inference peak under autocast', () => {
  const amp = { autocast: true };
  it('of a BatchNorm network is the 16-bit one (the input\'s cast copy does not make the peak)', () => {
    for (const name of ['resnet50', 'resnext29_8x64d', 'seresnext26d_32x4d']) {
      const g = buildLayerGraph(presetConfig(name));
      expect(inferencePeakBytes(g, 'mixed', amp)).toBe(2 * inferencePeakElements(g));
    }
  });

  it('of a GroupNorm network holds float32 GroupNorm outputs and their casts; --fast-norm is the 16-bit one', () => {
    const g = buildLayerGraph(presetConfig('resnet50_gn'));
    const sixteen = 2 * inferencePeakElements(g);
    // At the stem's GroupNorm alone: conv1's 16-bit output, its float32 cast and GroupNorm's float32 output.
    expect(inferencePeakBytes(g, 'mixed', amp)).toBeGreaterThanOrEqual(10 * 64 * 112 * 112);
    expect(inferencePeakBytes(g, 'mixed', amp)).toBeGreaterThan(2 * sixteen);
    expect(inferencePeakBytes(g, 'mixed', { ...amp, fastNorm: true })).toBe(sixteen);
    expect(inferencePeakBytes(g, 'mixed')).toBe(sixteen);
    expect(inferencePeakBytes(g, 'float32')).toBe(4 * inferencePeakElements(g));
  });
});
