/**
 * NaN and overflow, reported instead of shown as a prediction. PyTorch propagates a NaN to every
 * logit; tfjs does not always: wasm's fused conv + ReLU turns NaN into 0 and its max pool skips NaN
 * (maxPool([NaN, 1, -1, 2]) is -Infinity there, 2 on cpu), so a network that overflowed inside can
 * still print an ordinary top-5. Checking the logits alone is not enough. The guard:
 * - at load, refuses BatchNorm statistics that make the network undefined (running_var + eps <= 0) or
 *   whose scale gamma / sqrt(running_var + eps) takes a weight past float32, naming the key;
 * - at each run, refuses an input with NaN or Inf (it would be washed out just the same);
 * - bounds every value the network computes, PyTorch's unfolded BatchNorm included: from the largest
 *   input magnitude m, a conv's outputs are at most sum|w| * m per channel, a BatchNorm's at most
 *   (c + |mean|) * |gamma| / sqrt(var + eps) + |beta|, an add the sum, a pool its input. The bound is
 *   restarted at each residual block's output from the largest magnitude observed there (one max
 *   reduction per block, read back with the logits; the op that computes it, through Identity views such
 *   as a linear-output block's `act3`). While every bound stays under half the largest
 *   float32, no sum anywhere can overflow, so no Inf and no NaN exists in the network and none was
 *   washed out; a bound past it is refused, as PyTorch would compute Inf or NaN there;
 * - finally checks the logits themselves.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isView } from '../fusion.ts';
import type { LayerGraph, LayerNode } from '../graph.ts';
import type { TfjsNetwork } from '../tfjs/network.ts';
import { WeightsError, clip, type StateDict } from '../weights/common.ts';
import { catalogue, OptionalMessageError, type Message } from '../message.ts';
import { FINITE_MESSAGES } from './finite-messages.ts';

const { message: text } = catalogue(FINITE_MESSAGES);

/** The network computed (or would compute) NaN or Inf: there is no prediction to show. */
export class NonFiniteError extends OptionalMessageError {
  override readonly name = 'NonFiniteError';
}

const FLOAT32_MAX = 3.4028234663852886e38;
/** Every bound must stay below this: half the largest float32, room for the rounding of long sums. */
const SAFE = FLOAT32_MAX / 2;

/** The first NaN or infinity of `data`, or null. */
function firstNonFinite(data: ArrayLike<number>): { index: number; value: number } | null {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return { index: i, value: v };
  }
  return null;
}

function nonFiniteName(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Infinity' : '-Infinity';
}

/** Refuses an input holding NaN or an infinity; returns its largest magnitude. */
export function checkInput(input: ArrayLike<number>, what: string | Message = text('finite.theInput')): number {
  const bad = firstNonFinite(input);
  if (bad) throw new NonFiniteError(text('finite.input', { what, value: nonFiniteName(bad.value), index: bad.index, length: input.length }));
  let m = 0;
  for (let i = 0; i < input.length; i++) m = Math.max(m, Math.abs(input[i]));
  return m;
}

/** Per-output-channel sums of |weight| of an [out, ...] tensor, in float64. */
function rowL1(data: Float32Array, out: number): Float64Array {
  const per = data.length / out;
  const sums = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    for (let i = o * per; i < (o + 1) * per; i++) s += Math.abs(data[i]);
    sums[o] = s;
  }
  return sums;
}

function rowMaxAbs(data: Float32Array, out: number): Float64Array {
  const per = data.length / out;
  const m = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    for (let i = o * per; i < (o + 1) * per; i++) s = Math.max(s, Math.abs(data[i]));
    m[o] = s;
  }
  return m;
}

interface BatchNormBound {
  /** |gamma| / sqrt(var + eps). */
  scale: Float64Array;
  invStd: Float64Array;
  absMean: Float64Array;
  absBeta: Float64Array;
}

/** What a loaded network can compute, for the run-time bound; made once per weights. */
export class FiniteGuard {
  private readonly graph: LayerGraph;
  private readonly l1 = new Map<number, Float64Array>();
  private readonly bn = new Map<number, BatchNormBound>();
  private readonly bias = new Map<number, Float64Array>();
  /** GroupNorm: the largest |scale| and |shift|. */
  private readonly gn = new Map<number, { gamma: number; beta: number }>();
  /**
   * Graph nodes whose outputs a run observes: the op computing each residual block's output (its ReLU, or, where the
   * block ends in a view such as timm's linear-output `act3 = Identity`, the op behind it: views are never computed).
   */
  readonly watched: ReadonlySet<number>;

  /**
   * Reads the weights' magnitudes; throws a `nonfinite` WeightsError, naming the key, for BatchNorm
   * statistics that make the network undefined or overflow a folded weight.
   */
  constructor(graph: LayerGraph, sd: StateDict) {
    this.graph = graph;
    const get = (key: string): Float32Array => {
      const t = sd.get(key);
      if (!t) throw new Error(`internal: ${key} missing after the strict check`);
      return t.data;
    };
    const nodes = graph.nodes;
    for (const node of nodes) {
      if (node.kind === 'conv') {
        this.l1.set(node.index, rowL1(get(`${node.name}.weight`), node.conv.outChannels));
        if (node.conv.bias) this.bias.set(node.index, Float64Array.from(get(`${node.name}.bias`), Math.abs));
      } else if (node.kind === 'conv1d') {
        // One output channel: the sum of |kernel| bounds each output by the input's largest value.
        this.l1.set(node.index, rowL1(get(`${node.name}.weight`), 1));
      } else if (node.kind === 'linear') {
        this.l1.set(node.index, rowL1(get(`${node.name}.weight`), node.linear.outFeatures));
        if (node.linear.bias) this.bias.set(node.index, Float64Array.from(get(`${node.name}.bias`), Math.abs));
      } else if (node.kind === 'gn') {
        const absMax = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        this.gn.set(node.index, { gamma: absMax(get(`${node.name}.weight`)), beta: absMax(get(`${node.name}.bias`)) });
      } else if (node.kind === 'bn') {
        const c = node.bn.channels;
        const eps = node.bn.eps;
        const gamma = get(`${node.name}.weight`);
        const beta = get(`${node.name}.bias`);
        const mean = get(`${node.name}.running_mean`);
        const variance = get(`${node.name}.running_var`);
        const from = nodes[node.inputs[0]];
        const weightMax = from?.kind === 'conv' ? rowMaxAbs(get(`${from.name}.weight`), c) : null;
        const b: BatchNormBound = { scale: new Float64Array(c), invStd: new Float64Array(c), absMean: new Float64Array(c), absBeta: new Float64Array(c) };
        for (let o = 0; o < c; o++) {
          const v = variance[o] + eps;
          if (!(v > 0)) {
            throw new WeightsError('nonfinite', text('finite.variance', { key: clip(`${node.name}.running_var`), value: variance[o], index: o, sum: v }));
          }
          const invStd = 1 / Math.sqrt(v);
          const scale = Math.abs(gamma[o]) * invStd;
          const folded = weightMax ? weightMax[o] * scale : 0;
          if (!(scale < SAFE) || !(Math.abs(beta[o]) + Math.abs(mean[o]) * scale < FLOAT32_MAX)) {
            throw new WeightsError('nonfinite', text('finite.bnScale', {
              layer: clip(node.name), channel: o, gamma: gamma[o], variance: variance[o], mean: mean[o], scale: scale.toExponential(2),
            }));
          }
          if (!(folded < FLOAT32_MAX)) {
            throw new WeightsError('nonfinite', text('finite.folded', {
              key: clip(`${from.name}.weight`), weight: weightMax![o].toExponential(2), channel: o, layer: clip(node.name), scale: scale.toExponential(2),
            }));
          }
          b.scale[o] = scale;
          b.invStd[o] = invStd;
          b.absMean[o] = Math.abs(mean[o]);
          b.absBeta[o] = Math.abs(beta[o]);
        }
        this.bn.set(node.index, b);
      }
    }
    const computedAt = (i: number): number => {
      while (i >= 0 && isView(nodes[i].kind)) i = nodes[i].inputs[0];
      return i;
    };
    this.watched = new Set(nodes.filter((n) => n.kind === 'block').map((n) => computedAt(n.inputs[0])).filter((i) => i >= 0));
  }

  /**
   * Throws a NonFiniteError unless every value of the run was provably finite: `inputMax` is the
   * largest input magnitude, `observed` the largest value at each watched node, `logits` the output.
   */
  check(inputMax: number, observed: ReadonlyMap<number, number>, logits: ArrayLike<number>): void {
    const nodes = this.graph.nodes;
    const bound = new Float64Array(nodes.length);
    const at = (i: number): number => (i < 0 ? inputMax : bound[i]);
    const overflow = (node: LayerNode, value: number): never => {
      throw new NonFiniteError(text('finite.overflow', { layer: node.name, value: value.toExponential(2) }));
    };
    for (const node of nodes) {
      const m = at(node.inputs[0] ?? -1);
      let b = m;
      switch (node.kind) {
        case 'conv':
        case 'conv1d': {
          const l1 = this.l1.get(node.index)!;
          const bias = this.bias.get(node.index);
          b = 0;
          for (let o = 0; o < l1.length; o++) b = Math.max(b, l1[o] * m + (bias ? bias[o] : 0));
          break;
        }
        case 'bn': {
          const p = this.bn.get(node.index)!;
          const from = nodes[node.inputs[0]];
          const l1 = from?.kind === 'conv' ? this.l1.get(from.index)! : null;
          const mIn = from?.kind === 'conv' ? at(from.inputs[0]) : m;
          b = 0;
          for (let o = 0; o < p.scale.length; o++) {
            const c = (l1 ? l1[o] * mIn : mIn) + p.absMean[o];
            const y = c * p.scale[o] + p.absBeta[o];
            b = Math.max(b, y, c * p.invStd[o]);
          }
          break;
        }
        case 'gn': {
          // A value standardised within its group of n is at most sqrt(n - 1) from the mean in standard deviations;
          // the group's sum of squares must stay finite on the way.
          const p = this.gn.get(node.index)!;
          const [c, h, w] = node.inShape;
          const n = (c / node.gn.groups) * h * w;
          if (m * m * n >= SAFE) overflow(node, m * m * n);
          b = p.gamma * Math.sqrt(n) + p.beta;
          break;
        }
        case 'add':
          b = at(node.inputs[0]) + at(node.inputs[1]);
          break;
        case 'mul':
          // Attention's gating: the value times a sigmoid gate (at most 1).
          b = at(node.inputs[0]) * at(node.inputs[1]);
          break;
        case 'sigmoid':
          b = 1;
          break;
        case 'concat':
          b = Math.max(...node.inputs.map(at));
          break;
        case 'adaptiveavgpool':
        case 'mean':
        case 'avgpool': {
          // An average is no larger than its inputs, but its sum must stay finite before the division.
          const [, h, w] = node.inShape;
          const window = node.kind === 'avgpool' ? node.pool.kernel * node.pool.kernel : h * (w ?? 1);
          if (m * window >= SAFE) overflow(node, m * window);
          break;
        }
        case 'linear': {
          const l1 = this.l1.get(node.index)!;
          const bias = this.bias.get(node.index);
          b = 0;
          for (let o = 0; o < l1.length; o++) b = Math.max(b, l1[o] * m + (bias ? bias[o] : 0));
          break;
        }
        default:
          // relu, maxpool, blur pool (weights summing to 1), identity, flatten, block and container markers: never larger than the input.
          break;
      }
      if (!(b < SAFE)) overflow(node, b);
      const seen = observed.get(node.index);
      if (seen !== undefined) {
        if (!Number.isFinite(seen)) {
          throw new NonFiniteError(text('finite.producedAt', { layer: node.name }));
        }
        b = Math.min(b, seen);
      }
      bound[node.index] = b;
    }
    const bad = firstNonFinite(logits);
    if (bad) {
      throw new NonFiniteError(text('finite.logit', { index: bad.index, value: nonFiniteName(bad.value) }));
    }
  }
}

/**
 * The observer that collects, for each watched node of a run, the largest magnitude of its output (a block may end
 * without a ReLU: RegNetZ's linear output, negative values included).
 */
export function observeMaxima(guard: FiniteGuard, maxima: [number, tf.Scalar][]): (node: number, value: tf.Tensor) => void {
  return (node, value) => {
    if (guard.watched.has(node)) maxima.push([node, tf.tidy(() => tf.max(tf.abs(value))) as tf.Scalar]);
  };
}

/**
 * Runs the network on a float32 NCHW batch under the guard: refuses a non-finite input, observes the
 * block outputs' maxima, and throws a NonFiniteError instead of returning logits that are not
 * provably what PyTorch computes.
 */
export async function runGuarded(
  net: TfjsNetwork,
  guard: FiniteGuard,
  input: Float32Array,
  shape: readonly number[],
): Promise<{ data: Float32Array; shape: number[] }> {
  const inputMax = checkInput(input);
  const maxima: [number, tf.Scalar][] = [];
  try {
    const out = await net.run(input, shape, observeMaxima(guard, maxima));
    const observed = new Map<number, number>();
    if (maxima.length > 0) {
      const all = tf.stack(maxima.map(([, t]) => t));
      try {
        const values = await all.data();
        maxima.forEach(([node], i) => observed.set(node, values[i]));
      } finally {
        all.dispose();
      }
    }
    guard.check(inputMax, observed, out.data);
    return out;
  } finally {
    for (const [, t] of maxima) t.dispose();
  }
}
