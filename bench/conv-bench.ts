/**
 * Every distinct conv shape of a network, timed by each way this engine can run it on the active
 * backend, in blocks of runs ordered A B B A so that a load on the machine hits all methods alike: dense convs
 * by tfjs's conv2d (XNNPACK on wasm) and by the own GEMM kernel, grouped convs by the own kernel.
 * Folded bias + ReLU as the network runs them, random weights, batch `batch`. On wasm every op has
 * finished when it returns, so no read-back is timed. Reports the median and the minimum.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../src/model/config.ts';
import { buildLayerGraph, type ConvNode } from '../src/model/graph.ts';
import { denseMethod, disposePrepared, prepareConv, runConv, type DenseMethod, type GroupedMethod, type PreparedConv } from '../src/model/tfjs/grouped.ts';
import type { NetworkOptions } from '../src/model/tfjs/network.ts';
import { normal, rng } from '../src/model/tfjs/random.ts';

export interface ConvShapeTiming {
  /** The first layer of this shape, and how many layers of the network have it. */
  layer: string;
  count: number;
  /** 0 = stem, 1..4 = layer1..layer4. */
  stage: number;
  /** The method the network uses for this shape (one of `methods`). */
  chosen: string;
  shape: string;
  kind: 'dense 1x1' | 'dense 3x3' | 'stem' | 'grouped 3x3';
  macs: number;
  methods: { method: string; medianMs: number; minMs: number; gmacPerS: number }[];
}

function convMacs(n: ConvNode, batch: number): number {
  const c = n.conv;
  const [, h, w] = n.outShape;
  return batch * h * w * c.outChannels * (c.inChannels / c.groups) * c.kernel * c.kernel;
}

function kindOf(n: ConvNode): ConvShapeTiming['kind'] {
  const c = n.conv;
  if (c.groups > 1) return 'grouped 3x3';
  if (n.stage === 0) return 'stem';
  return c.kernel === 1 ? 'dense 1x1' : 'dense 3x3';
}

/**
 * Times each distinct conv shape of `config`; `stageFilter` limits to stages (0 = stem). `options`: the
 * network's dense choice (which method is `chosen`) and kernel settings, as the network is built with.
 */
export async function benchConvShapes(config: NetworkConfig, runs = 10, batch = 1, grouped: GroupedMethod = 'kernel', stageFilter?: readonly number[], options: Pick<NetworkOptions, 'dense' | 'kernels'> = {}): Promise<ConvShapeTiming[]> {
  const graph = buildLayerGraph(config);
  const byShape = new Map<string, ConvNode[]>();
  for (const n of graph.nodes) {
    if (n.kind !== 'conv' || (stageFilter && !stageFilter.includes(n.stage))) continue;
    const c = n.conv;
    const key = `${n.inShape.join('x')} -> ${c.outChannels} k${c.kernel} s${c.stride} g${c.groups}`;
    byShape.set(key, [...(byShape.get(key) ?? []), n]);
  }
  const next = rng(5);
  const out: ConvShapeTiming[] = [];
  for (const [shape, nodes] of byShape) {
    // Let the event loop turn between shapes (a worker's nested workers need it).
    await new Promise((r) => setTimeout(r, 0));
    const node = nodes[0];
    const spec = node.conv;
    const [c, h, w] = node.inShape;
    const weight = normal(next, spec.outChannels * (spec.inChannels / spec.groups) * spec.kernel ** 2, 0.1);
    const bias = normal(next, spec.outChannels);
    const dense: DenseMethod[] = spec.groups > 1 ? ['auto'] : tf.getBackend() === 'wasm' ? ['xnnpack', 'gemm'] : ['xnnpack'];
    const prepared: { method: string; p: PreparedConv }[] = dense.map((d) => ({ method: spec.groups > 1 ? grouped : d === 'xnnpack' ? (tf.getBackend() === 'wasm' ? 'xnnpack' : 'tfjs') : 'gemm', p: prepareConv(weight, bias, spec, grouped, d, options.kernels) }));
    const x = tf.tensor4d(normal(next, batch * c * h * w), [batch, h, w, c]);
    const times = prepared.map(() => [] as number[]);
    try {
      // Two blocks of runs per method, in the order A B B A: interleaving run by run would hand each
      // method the other's leftovers (XNNPACK's pthreads spin for a while after its op and hold the
      // second core the own kernels' helper needs).
      const half = Math.ceil(runs / 2);
      // A warm-up of at least 100 ms per method first: a freshly generated kernel starts in V8's baseline tier and
      // is tiered up in the background; ten runs of a 0.4 ms conv can all land before that (one calm run timed
      // stage 1's grouped conv at 0.74 ms where the runs beside it took 0.37-0.40), and the network runs tiered code.
      for (const { p } of prepared) {
        const until = performance.now() + 100;
        for (let i = 0; i < 3 || performance.now() < until; i++) runConv(x, p, true).dispose();
      }
      for (const m of [...prepared.keys(), ...[...prepared.keys()].reverse()]) {
        const { p } = prepared[m];
        for (let i = 0; i <= half; i++) {
          const t0 = performance.now();
          runConv(x, p, true).dispose();
          if (i > 0) times[m].push(performance.now() - t0);
        }
      }
    } finally {
      x.dispose();
      for (const { p } of prepared) disposePrepared(p);
    }
    const macs = convMacs(node, batch);
    const backend = tf.getBackend();
    const chosen = spec.groups > 1 ? grouped : denseMethod(backend, options.dense) === 'gemm' ? 'gemm' : backend === 'wasm' ? 'xnnpack' : 'tfjs';
    out.push({
      layer: node.name, count: nodes.length, stage: node.stage, chosen, shape, kind: kindOf(node), macs,
      methods: prepared.map(({ method }, m) => {
        const s = [...times[m]].sort((a, b) => a - b);
        const medianMs = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return { method, medianMs, minMs: s[0], gmacPerS: macs / medianMs / 1e6 };
      }),
    });
  }
  return out;
}
