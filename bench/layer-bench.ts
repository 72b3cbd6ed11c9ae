/**
 * Per-layer-kind timing: the grouped 3x3 conv of a stage against the dense 1x1 convs of the same
 * block (conv1, conv3), each as the network runs it (folded bias + ReLU, the backend's grouped
 * method), with random weights. Reports ms and GMAC/s counting real multiply-accumulates only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../src/model/config.ts';
import { buildLayerGraph, convNode, type ConvNode } from '../src/model/graph.ts';
import { disposePrepared, prepareConv, runConv, type GroupedMethod } from '../src/model/tfjs/grouped.ts';
import type { NetworkOptions } from '../src/model/tfjs/network.ts';
import { normal, rng } from '../src/model/tfjs/random.ts';

export interface LayerTiming {
  layer: string;
  kind: 'grouped 3x3' | 'dense 1x1';
  macs: number;
  ms: number;
  gmacPerS: number;
}

function convMacs(n: ConvNode): number {
  const c = n.conv;
  const [, h, w] = n.outShape;
  return h * w * c.outChannels * (c.inChannels / c.groups) * c.kernel * c.kernel;
}

/** Times conv1 (1x1), conv2 (grouped 3x3), conv3 (1x1) of block 1 (stride 1) of `stage`, median of `runs`. */
export async function benchLayers(config: NetworkConfig, stage: number, method: GroupedMethod, runs = 10, options: Pick<NetworkOptions, 'dense' | 'kernels'> = {}): Promise<LayerTiming[]> {
  const graph = buildLayerGraph(config);
  const block = config.depths[stage - 1] > 1 ? 1 : 0;
  const names = ['conv1', 'conv2', 'conv3'].map((c) => `layer${stage}.${block}.${c}`);
  const next = rng(5);
  const out: LayerTiming[] = [];
  for (const name of names) {
    const node = convNode(graph, name);
    const spec = node.conv;
    const [c, h, w] = node.inShape;
    const p = prepareConv(normal(next, spec.outChannels * (spec.inChannels / spec.groups) * spec.kernel ** 2, 0.1), normal(next, spec.outChannels), spec, method, options.dense, options.kernels);
    const x = tf.tensor4d(normal(next, c * h * w), [1, h, w, c]);
    try {
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        const y = runConv(x, p, true);
        await y.data();
        y.dispose();
        if (i > 0) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)];
      const macs = convMacs(node);
      out.push({ layer: name, kind: spec.groups > 1 || spec.kernel === 3 ? 'grouped 3x3' : 'dense 1x1', macs, ms, gmacPerS: macs / ms / 1e6 });
    } finally {
      x.dispose();
      disposePrepared(p);
    }
  }
  return out;
}
