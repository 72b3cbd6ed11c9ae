/**
 * Intermediate outputs and class activation maps of a built network (`buildNetwork`).
 *
 * A value the network computes anyway (a block or stage output, a ReLU's output, a BN's output where
 * the BN is folded into its conv and no ReLU follows) is read from the network itself, which can stop
 * after the last op it needs. A value a fusion hides (a conv whose BN is folded into it, a BN or a
 * residual sum whose ReLU is fused) is computed by a small network built for it with that node as a
 * tap (`NetworkOptions.taps`: no folding or fusion past it, everything else folded and fused as usual),
 * disposed after the run: inside a block, that block alone, fed with the block's input read from the
 * network; elsewhere (the stem), the network's prefix up to the node. `bench/explain.ts` measures this
 * against building the whole prefix, folded or not.
 */
import * as tf from '@tensorflow/tfjs-core';
import { camHead, resolveTap, tapTargets, TapError, type TapTarget } from '../explain.ts';
import type { LayerGraph } from '../graph.ts';
import type { StateDict } from '../weights/common.ts';
import { buildNetwork, type TfjsNetwork } from './network.ts';

/** The network up to node `last` (nodes run in execution order, so every input of a kept node is kept). */
export function prefixGraph(graph: LayerGraph, last: number): LayerGraph {
  return { ...graph, nodes: graph.nodes.slice(0, last + 1), output: last };
}

interface TapRun {
  /** One tensor per target, in the engine's layout (NHWC, or [N, F]); the caller disposes them. */
  taps: tf.Tensor[];
  /** The network's output (logits) when asked for. */
  output: tf.Tensor | null;
  /** Whether a prefix network was built because a fusion hides a target. */
  rebuilt: boolean;
}

/**
 * Nodes first..last of a graph as a graph of their own, whose input (-1) is the one value they read
 * from outside: a block (its input feeds conv1, the shortcut and the identity of the add).
 */
export function segmentGraph(graph: LayerGraph, first: number, last: number): LayerGraph {
  const outside = new Set<number>();
  for (let i = first; i <= last; i++) for (const j of graph.nodes[i].inputs) if (j < first) outside.add(j);
  if (outside.size !== 1) throw new Error(`internal: nodes ${first}..${last} read ${outside.size} outside values`);
  const input = [...outside][0];
  const nodes = graph.nodes.slice(first, last + 1).map((n) => ({ ...n, index: n.index - first, inputs: n.inputs.map((j) => (j === input ? -1 : j - first)) })) as LayerGraph['nodes'];
  const inputShape = input < 0 ? graph.inputShape : graph.nodes[input].outShape;
  return { ...graph, inputShape: [...inputShape], nodes, output: last - first };
}

/** The block that holds node `i`: its first node, its marker, the value it reads. Null outside blocks. */
function blockOf(graph: LayerGraph, i: number): { first: number; last: number; input: number } | null {
  const n = graph.nodes[i];
  if (n.block === null) return null;
  const marker = graph.nodes.find((m) => m.kind === 'block' && m.stage === n.stage && m.block === n.block);
  const first = graph.nodes.findIndex((m) => m.stage === n.stage && m.block === n.block);
  if (!marker || first < 0) return null;
  return { first, last: marker.index, input: graph.nodes[first].inputs[0] };
}

/** A node hidden by a fusion, computed by its block alone from the block's input (read from `net`). */
function runInBlock(net: TfjsNetwork, sd: StateDict, x: tf.Tensor4D, node: number, block: { first: number; last: number; input: number }): tf.Tensor {
  const local = node - block.first;
  const blockNet = buildNetwork(segmentGraph(net.graph, block.first, block.last), sd, { fold: net.fold, grouped: net.grouped, dense: net.dense, kernels: net.kernels, taps: [local] });
  try {
    const { taps: [input] } = net.predictTaps(x, [block.input], false);
    const nchw = tf.transpose(input, [0, 3, 1, 2]) as tf.Tensor4D;
    input.dispose();
    try {
      return blockNet.predictTaps(nchw, [local], false).taps[0];
    } finally {
      nchw.dispose();
    }
  } finally {
    blockNet.dispose();
  }
}

/** Sees each op's output of the network (by the last graph node the op computes) while it is alive. */
type Observe = (node: number, value: tf.Tensor) => void;

/** Forward pass of `net` on the NCHW batch `x`, keeping the outputs of `targets`; `observe` needs no rebuild (main network only). */
export function runTaps(net: TfjsNetwork, sd: StateDict, x: tf.Tensor4D, targets: readonly TapTarget[], withOutput: boolean, observe?: Observe): TapRun {
  const nodes = targets.map((t) => t.node);
  if (nodes.every((n) => net.valueOf(n) !== null)) return { ...net.predictTaps(x, nodes, withOutput, observe), rebuilt: false };
  if (observe) throw new Error('internal: observing a rebuilt network is not supported');
  const blocks = nodes.map((n) => blockOf(net.graph, n));
  const blockInputReadable = (b: ReturnType<typeof blockOf>) => b !== null && b.input >= 0 && net.valueOf(b.input) !== null;
  if (!withOutput && nodes.length === 1 && blockInputReadable(blocks[0])) {
    return { taps: [runInBlock(net, sd, x, nodes[0], blocks[0]!)], output: null, rebuilt: true };
  }
  const last = withOutput ? net.graph.output : Math.max(...nodes);
  const graph = withOutput ? net.graph : prefixGraph(net.graph, last);
  const tapNet = buildNetwork(graph, sd, { fold: net.fold, grouped: net.grouped, dense: net.dense, kernels: net.kernels, taps: nodes });
  try {
    return { ...tapNet.predictTaps(x, nodes, withOutput), rebuilt: true };
  } finally {
    tapNet.dispose();
  }
}

/** A tapped value in PyTorch's layout: NCHW maps, [N, C, 1, 1] pools, ECA's [N, 1, C] signal, [N, F] vectors. */
export function torchLayout(t: tf.Tensor, target: TapTarget): tf.Tensor {
  const n = t.shape[0];
  const shape = [n, ...target.outShape];
  if (t.rank === 4 && shape.length === 4) return tf.transpose(t, [0, 3, 1, 2]);
  // The remaining layouts differ from PyTorch's only by dimensions of size 1 ([N, C] for [N, C, 1, 1], [N, C, 1] for [N, 1, C]).
  if (t.size !== shape.reduce((a, b) => a * b, 1)) throw new Error(`internal: ${target.name} has ${t.shape} for ${shape}`);
  return tf.reshape(t, shape);
}

interface TapValue {
  name: string;
  /** PyTorch's layout. */
  shape: number[];
  data: Float32Array;
}

/** The outputs of the named layers for a float32 NCHW batch, in PyTorch's layout (what a forward hook returns). */
export async function layerOutputs(net: TfjsNetwork, sd: StateDict, input: Float32Array, shape: readonly number[], names: readonly string[]): Promise<TapValue[]> {
  const all = tapTargets(net.graph);
  const targets = names.map((name) => resolveTap(net.graph, name, all));
  const x = tf.tensor4d(input, shape as [number, number, number, number]);
  let run: TapRun | null = null;
  try {
    run = runTaps(net, sd, x, targets, false);
    const out: TapValue[] = [];
    for (let i = 0; i < targets.length; i++) {
      const t = torchLayout(run.taps[i], targets[i]);
      try {
        out.push({ name: targets[i].name, shape: t.shape, data: Float32Array.from((await t.data()) as Float32Array) });
      } finally {
        t.dispose();
      }
    }
    return out;
  } finally {
    x.dispose();
    for (const t of run?.taps ?? []) t.dispose();
  }
}

/** Checks class indices against the classifier: integers 0..classes-1. */
export function checkClasses(ids: readonly number[], classes: number): void {
  for (const c of ids) {
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new TapError(`class ${c} is out of range: this network has ${classes} classes (0..${classes - 1})`);
  }
}

/**
 * Class activation maps (Zhou et al. 2016) from the last stage's output A (NHWC [N, H, W, K]) and
 * fc.weight ([classes, K], PyTorch's layout): CAM_c(h, w) = sum_k w[c, k] A_k(h, w), no bias, no
 * upsampling. `classes[n]` lists the classes of sample n (the same count for every sample); the
 * result is [N, m, H, W] row-major.
 */
export async function camMaps(features: tf.Tensor4D, fcWeight: Float32Array, classes: readonly (readonly number[])[]): Promise<Float32Array> {
  const [n, h, w, k] = features.shape;
  const m = classes[0]?.length ?? 0;
  if (classes.length !== n || classes.some((c) => c.length !== m) || m === 0) throw new Error(`internal: CAM classes for ${n} samples: ${JSON.stringify(classes)}`);
  const union = [...new Set(classes.flat())];
  const column = new Map(union.map((c, i) => [c, i]));
  const rows = new Float32Array(union.length * k);
  union.forEach((c, i) => rows.set(fcWeight.subarray(c * k, (c + 1) * k), i * k));
  const prod = tf.tidy(() => tf.matMul(tf.reshape(features, [n * h * w, k]), tf.tensor2d(rows, [union.length, k]), false, true));
  let flat: Float32Array;
  try {
    flat = (await prod.data()) as Float32Array;
  } finally {
    prod.dispose();
  }
  const hw = h * w;
  const out = new Float32Array(n * m * hw);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < m; j++) {
      const col = column.get(classes[s][j])!;
      const dst = (s * m + j) * hw;
      for (let p = 0; p < hw; p++) out[dst + p] = flat[(s * hw + p) * union.length + col];
    }
  }
  return out;
}

interface CamResult {
  /** [N, m, H', W'] row-major: sample n's maps for classes[n]. */
  maps: Float32Array;
  shape: [number, number, number, number];
  classes: number[][];
  /** Logits [N, classes], from the same forward pass. */
  logits: Float32Array;
  /** The layer the maps are computed from (the last stage, after its final ReLU). */
  layer: string;
}

/**
 * CAMs of a float32 NCHW batch: for each sample the classes `pick` chooses from its logits (default:
 * its top-1). Refuses a network without global average pooling + fc.
 */
export async function classActivationMaps(
  net: TfjsNetwork, sd: StateDict, input: Float32Array, shape: readonly number[],
  pick: (logits: Float32Array, sample: number) => number[] = (l) => [argmax(l)],
  observe?: Observe,
): Promise<CamResult> {
  const head = camHead(net.graph);
  const weight = sd.get(`${head.fc.name}.weight`);
  if (!weight || weight.data.length !== head.classes * head.channels) throw new Error(`the weights have no ${head.fc.name}.weight of [${head.classes}, ${head.channels}]`);
  const x = tf.tensor4d(input, shape as [number, number, number, number]);
  let run: TapRun | null = null;
  try {
    run = runTaps(net, sd, x, [head.features], true, observe);
    const logits = Float32Array.from((await run.output!.data()) as Float32Array);
    const n = shape[0];
    const classes: number[][] = [];
    for (let s = 0; s < n; s++) {
      const ids = pick(logits.subarray(s * head.classes, (s + 1) * head.classes), s);
      checkClasses(ids, head.classes);
      classes.push(ids);
    }
    const A = run.taps[0] as tf.Tensor4D;
    const maps = await camMaps(A, weight.data, classes);
    return { maps, shape: [n, classes[0].length, A.shape[1], A.shape[2]], classes, logits, layer: head.features.name };
  } finally {
    x.dispose();
    run?.output?.dispose();
    for (const t of run?.taps ?? []) t.dispose();
  }
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
