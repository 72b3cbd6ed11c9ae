import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../graph.ts';
import { useBackend } from './backends.ts';
import { fixturePath, maxAbsDiff, readF32, readFixtureManifest, readParityFixture } from '../../../test/support/fixture-io.ts';
import { GROUPED_METHODS, groupedKernelAvailable } from './grouped.ts';
import { buildNetwork, WeightsShapeError } from './network.ts';
import { randomStateDict } from './random.ts';

import { parityModels } from '../../../test/support/fixture-config.ts';
const DIR = 'fixtures/weights';
const MODELS = parityModels();
const TOLERANCE = 1e-4;

describe.each(['cpu', 'wasm'] as const)('parity with PyTorch on %s', (backend) => {
  it.each(MODELS)('%s: whole logit vectors within 1e-4, every grouped method, folded and unfolded', async (name) => {
    await useBackend(backend);
    const { m, sd, graph, x, ref } = readParityFixture(DIR, name);
    const start = tf.memory().numTensors;
    for (const grouped of GROUPED_METHODS) {
      if (grouped === 'kernel' && !groupedKernelAvailable(backend)) continue;
      for (const fold of [true, false]) {
        const net = buildNetwork(graph, sd, { grouped, fold });
        const y = await net.run(x, m.inputShape);
        net.dispose();
        expect(y.shape).toEqual([m.inputShape[0], m.config.classes]);
        expect(maxAbsDiff(y.data, ref), `${grouped} fold=${fold}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it.each(MODELS)('%s: .pth, f16 and bf16 files give their own reference logits', async (name) => {
    await useBackend(backend);
    for (const [file, logits] of [[`${name}.pth`, `${name}.logits.bin`], [`${name}.f16.safetensors`, `${name}.f16.logits.bin`], [`${name}.bf16.safetensors`, `${name}.bf16.logits.bin`]]) {
      const { m, sd, graph, x } = readParityFixture(DIR, name, file);
      const net = buildNetwork(graph, sd);
      const y = await net.run(x, m.inputShape);
      net.dispose();
      expect(maxAbsDiff(y.data, readF32(fixturePath(DIR, logits))), file).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});

describe('memory', () => {
  it.each(['cpu', 'wasm'] as const)('numTensors returns to its start after each of 30 runs on %s', async (backend) => {
    await useBackend(backend);
    const { m, sd, graph, x } = readParityFixture(DIR, 'tiny_resnext');
    const before = tf.memory().numTensors;
    const net = buildNetwork(graph, sd);
    const withWeights = tf.memory().numTensors;
    expect(withWeights - before).toBe(net.weightTensors);
    let first: Float32Array | null = null;
    for (let i = 0; i < 30; i++) {
      const y = await net.run(x, m.inputShape);
      first ??= y.data;
      expect(y.data).toEqual(first);
      expect(tf.memory().numTensors).toBe(withWeights);
    }
    const xt = tf.tensor4d(x, m.inputShape as [number, number, number, number]);
    const staged = await net.runStaged(xt);
    expect(staged.stages.map((s) => s.stage)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    staged.output.dispose();
    xt.dispose();
    expect(tf.memory().numTensors).toBe(withWeights);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad weights', () => {
  it('a missing tensor is a clear error and leaves no tensor behind', async () => {
    await useBackend('cpu');
    const { sd, graph } = readParityFixture(DIR, 'tiny_resnext');
    const broken = new Map(sd);
    broken.delete('layer3.0.conv2.weight');
    const before = tf.memory().numTensors;
    expect(() => buildNetwork(graph, broken)).toThrow(WeightsShapeError);
    expect(() => buildNetwork(graph, broken)).toThrow(/layer3\.0\.conv2\.weight/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a tensor of the wrong shape is refused with both shapes', async () => {
    await useBackend('cpu');
    const { sd, graph } = readParityFixture(DIR, 'tiny_resnext');
    const broken = new Map(sd);
    broken.set('fc.weight', { shape: [5, 3], data: new Float32Array(15), dtype: 'F32' });
    expect(() => buildNetwork(graph, broken)).toThrow('tensor "fc.weight" has shape [5, 3], the network needs [10, 512]');
  });

  it('an input of the wrong channel count is refused', async () => {
    await useBackend('cpu');
    const graph = buildLayerGraph(readFixtureManifest(DIR, 'tiny_resnet').config);
    const net = buildNetwork(graph, randomStateDict(graph, 5));
    await expect(net.run(new Float32Array(4 * 8 * 8), [1, 4, 8, 8])).rejects.toThrow(/expected \[N, 3, H, W\]/);
    net.dispose();
    await expect(net.run(new Float32Array(3 * 8 * 8), [1, 3, 8, 8])).rejects.toThrow(/disposed/);
  });
});

describe('without the classifier', () => {
  it('returns NCHW features of the last stage', async () => {
    await useBackend('cpu');
    const m = readFixtureManifest(DIR, 'tiny_cifar');
    const graph = buildLayerGraph({ ...m.config, includeTop: false });
    const net = buildNetwork(graph, randomStateDict(graph, 2));
    const [c, h, w] = m.config.input;
    const y = await net.run(new Float32Array(c * h * w), [1, c, h, w]);
    expect(y.shape).toEqual([1, ...graph.nodes[graph.output].outShape]);
    net.dispose();
  });
});
