/**
 * Intermediate outputs and class activation maps against PyTorch (fixtures/explain: forward hooks on
 * the committed parity networks, torchvision and timm), on Node's cpu and wasm backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resolveTap, tapTargets } from '../explain.ts';
import { buildLayerGraph } from '../graph.ts';
import { openWeights } from '../weights/open.ts';
import { useBackend } from './backends.ts';
import { buildNetwork } from './network.ts';
import { normal, randomStateDict, rng } from './random.ts';
import { camMaps, classActivationMaps, layerOutputs, prefixGraph, runTaps, segmentGraph } from './taps.ts';
import { explainModels, maxDiff, readExplain, slice, WEIGHTS_DIR } from '../../../test/support/explain-fixtures.ts';
import { readBytes, readF32 } from '../../../test/support/fixture-io.ts';

const TOLERANCE = 1e-4;
const MODELS = explainModels();

function setup(model: string) {
  const fx = readExplain(model);
  const stateDict = openWeights(readBytes(`${WEIGHTS_DIR}/${fx.doc.weights}`), fx.doc.weights).read();
  return { ...fx, sd: stateDict, graph: buildLayerGraph(fx.config) };
}

describe.each(['cpu', 'wasm'] as const)('forward-hook outputs on %s', (backend) => {
  it.each(MODELS)('%s: every fixture layer and the CAM of every class within 1e-4; no tensor leaks', async (model) => {
    await useBackend(backend);
    const { doc, data, sd, graph } = setup(model);
    const net = buildNetwork(graph, sd);
    const before = tf.memory().numTensors;
    const x = readF32(`${WEIGHTS_DIR}/${doc.input}`);
    const outs = await layerOutputs(net, sd, x, doc.input_shape, doc.layers.map((l) => l.name));
    let worst = 0;
    for (const [i, l] of doc.layers.entries()) {
      // All at once (one prefix network) and one at a time (a hidden value from its block alone).
      const [one] = await layerOutputs(net, sd, x, doc.input_shape, [l.name]);
      for (const out of [outs[i], one]) {
        expect(out.name).toBe(l.name);
        expect(out.shape, l.name).toEqual(l.shape);
        const d = maxDiff(out.data, slice(data, l.offset, l.shape));
        expect(d, `${l.name} max |diff|`).toBeLessThanOrEqual(TOLERANCE);
        worst = Math.max(worst, d);
      }
    }
    const [n, classes] = doc.cam.shape;
    const all = Array.from({ length: n }, () => [...Array(classes).keys()]);
    const cam = await classActivationMaps(net, sd, x, doc.input_shape, () => all[0]);
    expect(cam.shape).toEqual(doc.cam.shape);
    expect(cam.layer).toBe(doc.cam.layer);
    const camDiff = maxDiff(cam.maps, slice(data, doc.cam.offset, doc.cam.shape));
    expect(camDiff, 'CAM').toBeLessThanOrEqual(TOLERANCE);
    console.log(`${backend} ${model}: ${doc.layers.length} layers max |diff| ${worst.toExponential(2)}, CAM ${camDiff.toExponential(2)}`);
    const top1 = await classActivationMaps(net, sd, x, doc.input_shape);
    expect(top1.classes.map((c) => c[0])).toEqual(doc.cam.top1);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});

describe('the image case (test.png through torchvision preprocessing)', () => {
  it.each(MODELS.filter((m) => readExplain(m).doc.image))('%s on wasm', async (model) => {
    await useBackend('wasm');
    const { doc, data, sd, config } = setup(model);
    const image = doc.image!;
    const net = buildNetwork(buildLayerGraph({ ...config, input: [3, 224, 224] }), sd);
    const x = readF32(`fixtures/images/${image.preprocessed}`);
    const outs = await layerOutputs(net, sd, x, image.input_shape, image.layers.map((l) => l.name));
    for (const [i, l] of image.layers.entries()) expect(maxDiff(outs[i].data, slice(data, l.offset, l.shape)), l.name).toBeLessThanOrEqual(TOLERANCE);
    const cam = await classActivationMaps(net, sd, x, image.input_shape, () => [...Array(image.cam.shape[1]).keys()]);
    expect(maxDiff(cam.maps, slice(data, image.cam.offset, image.cam.shape))).toBeLessThanOrEqual(TOLERANCE);
    net.dispose();
  });
});

describe('taps and fusion', () => {
  const config = readExplain('tiny_resnext').config;
  const graph = buildLayerGraph(config);
  const sd = randomStateDict(graph, 3);
  const input = normal(rng(5), 3 * 64 * 64);
  const shape = [1, 3, 64, 64];

  it('reads block outputs from the network itself, and rebuilds for what a fusion hides', async () => {
    await useBackend('cpu');
    const net = buildNetwork(graph, sd);
    const x = tf.tensor4d(input, [1, 3, 64, 64]);
    const targets = tapTargets(graph);
    const pick = (name: string) => resolveTap(graph, name, targets);
    for (const name of ['layer1.0', 'layer1', 'layer1.0.relu:1', 'layer1.0.relu:3', 'layer4', 'fc', 'layer1.0.bn3']) {
      // bn3 is folded into conv3 and followed by the add, so its output is computed as is.
      const run = runTaps(net, sd, x, [pick(name)], false);
      expect(run.rebuilt, name).toBe(false);
      run.taps.forEach((t) => t.dispose());
    }
    for (const name of ['layer1.0.conv1', 'layer1.0.bn1', 'layer1.0.add', 'layer1.0.downsample.0']) {
      const run = runTaps(net, sd, x, [pick(name)], false);
      expect(run.rebuilt, name).toBe(true);
      run.taps.forEach((t) => t.dispose());
    }
    x.dispose();
    net.dispose();
  });

  it('equals the unfolded network everywhere (folded and tapped builds agree with running every BatchNorm)', async () => {
    await useBackend('cpu');
    const net = buildNetwork(graph, sd);
    const unfolded = buildNetwork(graph, sd, { fold: false, taps: graph.nodes.map((n) => n.index) });
    const targets = tapTargets(graph).filter((t) => t.outShape.length === 3);
    const ours = await layerOutputs(net, sd, input, shape, targets.map((t) => t.name));
    const ref = await layerOutputs(unfolded, sd, input, shape, targets.map((t) => t.name));
    for (let i = 0; i < targets.length; i++) expect(maxDiff(ours[i].data, ref[i].data), targets[i].name).toBeLessThanOrEqual(1e-4);
    net.dispose();
    unfolded.dispose();
  });

  it('a prefix network stops at its last node; a block segment reads one outside value as its input', () => {
    const p = prefixGraph(graph, 10);
    expect(p.nodes).toHaveLength(11);
    expect(p.output).toBe(10);
    const first = graph.nodes.findIndex((n) => n.name === 'layer1.1.conv1');
    const marker = graph.nodes.findIndex((n) => n.name === 'layer1.1');
    const seg = segmentGraph(graph, first, marker);
    expect(seg.nodes.map((n) => n.index)).toEqual([...seg.nodes.keys()]);
    expect(seg.nodes.filter((n) => n.inputs.includes(-1)).map((n) => n.name)).toEqual(['layer1.1.conv1', 'layer1.1.add']);
    expect(seg.inputShape).toEqual(graph.nodes[marker].inShape);
    expect(seg.nodes[seg.output].name).toBe('layer1.1');
    expect(() => segmentGraph(graph, first + 1, marker)).toThrow(/read 2 outside values/);
  });

  it('logit = spatial mean of its CAM + bias, on real and random weights', async () => {
    await useBackend('cpu');
    const net = buildNetwork(graph, sd);
    const cam = await classActivationMaps(net, sd, input, shape, () => [...Array(config.classes).keys()]);
    const bias = sd.get('fc.bias')!.data;
    const [, m, h, w] = cam.shape;
    for (let c = 0; c < m; c++) {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += cam.maps[c * h * w + p];
      expect(Math.abs(s / (h * w) + bias[c] - cam.logits[c])).toBeLessThan(1e-4);
    }
    net.dispose();
  });

  it('camMaps picks each sample\'s own classes from one product', async () => {
    await useBackend('cpu');
    // A = [2 samples, 1 x 2, K = 2]; w = [[1, 0], [0, 1], [1, 1]]
    const A = tf.tensor4d([1, 2, 3, 4, 10, 20, 30, 40], [2, 1, 2, 2]);
    const maps = await camMaps(A, new Float32Array([1, 0, 0, 1, 1, 1]), [[2, 0], [1, 2]]);
    A.dispose();
    expect([...maps]).toEqual([3, 7, 1, 3, 20, 40, 30, 70]);
  });
});
