/**
 * The engine against timm on the networks of fixtures/family/weights: one tiny random-init timm network per
 * new module (GroupNorm, blur pool and average-pool anti-aliasing, the conv stem pool, SE reduction 4, the 3x3
 * shortcut with reduce-first, per-conv widths), logits within 1e-4 on the cpu and wasm backends, folded and
 * not, every grouped-conv method.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../graph.ts';
import { useBackend } from './backends.ts';
import { GROUPED_METHODS, groupedKernelAvailable } from './grouped.ts';
import { blurFilter, buildNetwork } from './network.ts';
import { maxAbsDiff, readFixtureManifest, readParityFixture } from '../../../test/support/fixture-io.ts';
import { familyIndex, FAMILY_DIR } from '../../../test/support/family-fixtures.ts';

const DIR = `${FAMILY_DIR}/weights`;
const MODELS = familyIndex().weights;
const TOLERANCE = 1e-4;

describe('the family\'s parity networks', () => {
  it('cover every new module kind', () => {
    const graphs = MODELS.map((name) => buildLayerGraph(readFixtureManifest(DIR, name).config));
    const kinds = new Set(graphs.flatMap((g) => g.nodes.map((n) => n.module)));
    for (const m of ['GroupNorm', 'BlurPool2d', 'AvgPool2d', 'Conv1d', 'SEModule']) expect(kinds.has(m as never), m).toBe(true);
    const configs = graphs.map((g) => g.config);
    expect(configs.some((c) => c.stemPool === 'conv' && c.aa !== 'none')).toBe(true);
    expect(configs.some((c) => c.downKernel === 3 && c.reduceFirst === 2)).toBe(true);
    expect(configs.some((c) => c.seReduction === 4)).toBe(true);
    expect(configs.filter((c) => Object.keys(c.convWidths).length > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('BlurPool2d\'s filter is timm\'s [1, 2, 1] x [1, 2, 1] / 16 for every channel', () => {
    const f = blurFilter(3, 2);
    expect(Array.from(f.filter((_, i) => i % 2 === 0))).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16));
    expect(Array.from(f.filter((_, i) => i % 2 === 1))).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16));
  });
});

describe.each(['cpu', 'wasm'] as const)('parity with timm on %s', (backend) => {
  it.each(MODELS)('%s: logits within 1e-4, every grouped method, folded and unfolded', async (name) => {
    await useBackend(backend);
    const { m, sd: stateDict, graph, x, ref } = readParityFixture(DIR, name);
    const start = tf.memory().numTensors;
    const grouped = m.config.cardinality > 1 ? GROUPED_METHODS.filter((g) => g !== 'kernel' || groupedKernelAvailable(backend)) : [undefined];
    for (const method of grouped) {
      for (const fold of [true, false]) {
        const net = buildNetwork(graph, stateDict, { grouped: method, fold });
        const y = await net.run(x, m.inputShape);
        net.dispose();
        expect(y.shape).toEqual([m.inputShape[0], m.config.classes]);
        expect(maxAbsDiff(y.data, ref), `${method ?? 'default'} fold=${fold}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
    expect(tf.memory().numTensors).toBe(start);
  });
});
