/**
 * The three equivalent forms of one ResNeXt block (Xie et al. 2017, Fig. 3) as executable tfjs
 * networks sharing one set of weights:
 *  (a) C branches, each 1x1 -> 3x3 -> 1x1, outputs summed (aggregated transformations);
 *  (b) C branches of 1x1 -> 3x3, concatenated, one 1x1;
 *  (c) one 1x1, one grouped 3x3 (C groups), one 1x1: the torchvision Bottleneck.
 * BatchNorm follows each conv, except that the last BN comes after the aggregation, as the paper's
 * implementation note says; ReLU after each BN but the last, and after the shortcut addition.
 * The weights are made in form (a) and re-arranged for (b) and (c) by the small functions below.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../config.ts';
import { buildLayerGraph, convNode } from '../graph.ts';
import { oihwToHwio, type BatchNormParams } from './fold.ts';
import { prepareConv, runConv, disposePrepared, type GroupedMethod } from './grouped.ts';
import { normal, rng, uniform } from './random.ts';

export type Form = 'a' | 'b' | 'c';
export const FORMS: readonly Form[] = ['a', 'b', 'c'];

export interface BlockGeometry {
  /** Input [C, H, W] of the block. */
  inShape: [number, number, number];
  cardinality: number;
  /** Channels per branch d (= width / C). */
  channelsPerGroup: number;
  outChannels: number;
  stride: number;
  downsample: boolean;
}

export interface BranchWeights {
  /** [d, Cin] (a 1x1 conv, OIHW with H = W = 1). */
  conv1: Float32Array;
  bn1: BatchNormParams;
  /** [d, d, 3, 3] */
  conv2: Float32Array;
  bn2: BatchNormParams;
  /** [Cout, d] */
  conv3: Float32Array;
}

export interface BlockWeights {
  branches: BranchWeights[];
  /** BN after aggregation, Cout channels. */
  bn3: BatchNormParams;
  shortcut: { conv: Float32Array; bn: BatchNormParams } | null;
}

/** First 1x1 of (c) = the C branch 1x1s of (a)/(b) stacked along the output channels: [C*d, Cin]. */
export function firstConvOfC(branchConv1: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(branchConv1.reduce((s, w) => s + w.length, 0));
  let at = 0;
  for (const w of branchConv1) {
    out.set(w, at);
    at += w.length;
  }
  return out;
}

/** Grouped 3x3 of (c) = the C branch 3x3s of (a)/(b), group i = branch i: [C*d, d, 3, 3]. */
export function groupedConvOfC(branchConv2: readonly Float32Array[]): Float32Array {
  return firstConvOfC(branchConv2);
}

/**
 * Last 1x1 of (b)/(c): [Cout, C*d] whose column block i is branch i's [Cout, d], so that
 * W * concat(h_1..h_C) = sum_i W_i * h_i, the sum of (a)'s branch 1x1s.
 */
export function lastConvOfBC(branchConv3: readonly Float32Array[], outChannels: number): Float32Array {
  const c = branchConv3.length;
  const d = branchConv3[0].length / outChannels;
  const out = new Float32Array(outChannels * c * d);
  for (let i = 0; i < c; i++) {
    const w = branchConv3[i];
    for (let o = 0; o < outChannels; o++) for (let j = 0; j < d; j++) out[o * c * d + i * d + j] = w[o * d + j];
  }
  return out;
}

/** The BN of concatenated channels = the branch BNs' parameters concatenated. */
export function concatBatchNorm(bns: readonly BatchNormParams[]): BatchNormParams {
  const cat = (pick: (b: BatchNormParams) => Float32Array): Float32Array => firstConvOfC(bns.map(pick));
  return { weight: cat((b) => b.weight), bias: cat((b) => b.bias), runningMean: cat((b) => b.runningMean), runningVar: cat((b) => b.runningVar), eps: bns[0].eps };
}

/** The geometry of block `block` of stage `stage` (1-based), read from the layer graph. */
export function blockGeometry(config: NetworkConfig, stage: number, block = 0): BlockGeometry {
  if (config.block !== 'bottleneck') throw new Error('forms (a), (b), (c) exist for bottleneck blocks only; this network has basic blocks');
  if (!Number.isInteger(stage) || stage < 1 || stage > config.depths.length) {
    throw new Error(`stage must be 1..${config.depths.length}, got ${stage}`);
  }
  const graph = buildLayerGraph(config);
  const prefix = `layer${stage}.${block}`;
  const marker = graph.nodes.find((n) => n.kind === 'block' && n.name === prefix);
  if (!marker) throw new Error(`the network has no block ${prefix}`);
  const conv2 = convNode(graph, `${prefix}.conv2`);
  const conv3 = convNode(graph, `${prefix}.conv3`);
  const [c, h, w] = marker.inShape;
  return {
    inShape: [c, h, w],
    cardinality: conv2.conv.groups,
    channelsPerGroup: conv2.conv.outChannels / conv2.conv.groups,
    outChannels: conv3.conv.outChannels,
    stride: conv2.conv.stride,
    downsample: graph.nodes.some((n) => n.name === `${prefix}.downsample.0`),
  };
}

function randomBn(next: () => number, c: number): BatchNormParams {
  return { weight: uniform(next, c, 0.5, 1.5), bias: uniform(next, c, -0.2, 0.2), runningMean: uniform(next, c, -0.2, 0.2), runningVar: uniform(next, c, 0.5, 1.5), eps: 1e-5 };
}

/** Random weights in form (a). */
export function randomBlockWeights(g: BlockGeometry, seed: number): BlockWeights {
  const next = rng(seed);
  const cin = g.inShape[0];
  const d = g.channelsPerGroup;
  const branches: BranchWeights[] = [];
  for (let i = 0; i < g.cardinality; i++) {
    branches.push({
      conv1: normal(next, d * cin, Math.sqrt(2 / cin)),
      bn1: randomBn(next, d),
      conv2: normal(next, d * d * 9, Math.sqrt(2 / (d * 9))),
      bn2: randomBn(next, d),
      conv3: normal(next, g.outChannels * d, Math.sqrt(2 / (d * g.cardinality))),
    });
  }
  const shortcut = g.downsample ? { conv: normal(next, g.outChannels * cin, Math.sqrt(2 / cin)), bn: randomBn(next, g.outChannels) } : null;
  return { branches, bn3: randomBn(next, g.outChannels), shortcut };
}

interface TfBn {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  offset: tf.Tensor1D;
  scale: tf.Tensor1D;
  eps: number;
}

/** The three forms, built on the current backend; `run` takes NHWC and returns NHWC. */
export class FormNetworks {
  readonly geometry: BlockGeometry;
  private tensors: tf.Tensor[] = [];
  private readonly counts: Record<Form, number> = { a: 0, b: 0, c: 0 };
  private readonly runners: Record<Form, (x: tf.Tensor4D) => tf.Tensor4D>;
  private readonly grouped: ReturnType<typeof prepareConv>;

  constructor(g: BlockGeometry, w: BlockWeights, method: GroupedMethod) {
    this.geometry = g;
    const cin = g.inShape[0];
    const d = g.channelsPerGroup;
    const C = g.cardinality;
    const cout = g.outChannels;
    const t4 = (data: Float32Array, o: number, i: number, k: number): tf.Tensor4D => this.keep(tf.tensor4d(oihwToHwio(data, o, i, k, k), [k, k, i, o]));
    const bn = (p: BatchNormParams): TfBn => ({
      mean: this.keep(tf.tensor1d(p.runningMean)), variance: this.keep(tf.tensor1d(p.runningVar)),
      offset: this.keep(tf.tensor1d(p.bias)), scale: this.keep(tf.tensor1d(p.weight)), eps: p.eps,
    });
    const applyBn = (x: tf.Tensor4D, p: TfBn): tf.Tensor4D => tf.batchNorm(x, p.mean, p.variance, p.offset, p.scale, p.eps);
    const conv = (x: tf.Tensor4D, f: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D => tf.conv2d(x, f, stride, pad);

    // Shared by every form: the post-aggregation BN and the shortcut.
    const bn3 = bn(w.bn3);
    const sc = w.shortcut ? { conv: t4(w.shortcut.conv, cout, cin, 1), bn: bn(w.shortcut.bn) } : null;
    const shortcutParams = w.shortcut ? w.shortcut.conv.length + 2 * cout : 0;
    const finish = (x: tf.Tensor4D, aggregated: tf.Tensor4D): tf.Tensor4D => {
      const s = sc ? applyBn(conv(x, sc.conv, g.stride, 0), sc.bn) : x;
      return tf.relu(tf.add(applyBn(aggregated, bn3), s)) as tf.Tensor4D;
    };
    const bnParams = (p: BatchNormParams): number => p.weight.length + p.bias.length;

    // (a) and (b): per-branch 1x1 and 3x3.
    const branches = w.branches.map((b) => ({
      conv1: t4(b.conv1, d, cin, 1), bn1: bn(b.bn1), conv2: t4(b.conv2, d, d, 3), bn2: bn(b.bn2), conv3: t4(b.conv3, cout, d, 1),
    }));
    const branchHidden = (x: tf.Tensor4D, b: (typeof branches)[number]): tf.Tensor4D =>
      tf.relu(applyBn(conv(tf.relu(applyBn(conv(x, b.conv1, 1, 0), b.bn1)), b.conv2, g.stride, 1), b.bn2));
    const branchParams = w.branches.reduce((s, b) => s + b.conv1.length + bnParams(b.bn1) + b.conv2.length + bnParams(b.bn2), 0);

    // (b) and (c): the last 1x1 as one conv over the concatenation.
    const conv3Data = lastConvOfBC(w.branches.map((b) => b.conv3), cout);
    const conv3 = t4(conv3Data, cout, C * d, 1);

    // (c): first 1x1 and grouped 3x3 from the branches.
    const conv1Data = firstConvOfC(w.branches.map((b) => b.conv1));
    const conv2Data = groupedConvOfC(w.branches.map((b) => b.conv2));
    const bn1c = concatBatchNorm(w.branches.map((b) => b.bn1));
    const bn2c = concatBatchNorm(w.branches.map((b) => b.bn2));
    const conv1c = t4(conv1Data, C * d, cin, 1);
    const bn1t = bn(bn1c);
    const bn2t = bn(bn2c);
    this.grouped = prepareConv(conv2Data, null, { inChannels: C * d, outChannels: C * d, kernel: 3, stride: g.stride, padding: 1, groups: C }, method);
    this.tensors.push(...this.grouped.filters);

    const common = bnParams(w.bn3) + shortcutParams;
    this.counts.a = branchParams + w.branches.reduce((s, b) => s + b.conv3.length, 0) + common;
    this.counts.b = branchParams + conv3Data.length + common;
    this.counts.c = conv1Data.length + bnParams(bn1c) + conv2Data.length + bnParams(bn2c) + conv3Data.length + common;

    this.runners = {
      // Pairwise adds: tfjs-webgpu 4.22's AddN gives wrong sums for 8 inputs (measured: max diff 13.5).
      a: (x) => finish(x, branches.map((b) => conv(branchHidden(x, b), b.conv3, 1, 0)).reduce((s, t) => tf.add(s, t))),
      b: (x) => finish(x, conv(tf.concat(branches.map((b) => branchHidden(x, b)), 3) as tf.Tensor4D, conv3, 1, 0)),
      c: (x) => {
        const h1 = tf.relu(applyBn(conv(x, conv1c, 1, 0), bn1t));
        const h2 = tf.relu(applyBn(runConv(h1, this.grouped, false), bn2t));
        return finish(x, conv(h2, conv3, 1, 0));
      },
    };
  }

  /** Learnable parameters of a form (conv weights + BN affine), counted from the arrays it uses. */
  params(form: Form): number {
    return this.counts[form];
  }

  run(form: Form, x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.runners[form](x));
  }

  dispose(): void {
    disposePrepared(this.grouped);
    for (const t of this.tensors) t.dispose();
    this.tensors = [];
  }

  private keep<T extends tf.Tensor>(t: T): T {
    this.tensors.push(t);
    return t;
  }
}

export interface FormsReport {
  forms: { form: Form; ms: number; params: number }[];
  maxAbsDiff: { ab: number; ac: number; bc: number };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Builds the three forms of block `block` (0-based) of `stage` with shared random weights (seeded),
 * runs each on one random input (a warm-up, then the median of `runs` timed runs) and compares outputs.
 */
export async function checkForms(
  config: NetworkConfig, stage: number, seed = 1, method: GroupedMethod = 'split', runs = 3, block = 0,
): Promise<FormsReport> {
  const g = blockGeometry(config, stage, block);
  const forms = new FormNetworks(g, randomBlockWeights(g, seed), method);
  const next = rng(seed + 1);
  const [c, h, w] = g.inShape;
  const x = tf.tensor4d(normal(next, c * h * w), [1, h, w, c]);
  try {
    const outs: Record<Form, Float32Array> = { a: new Float32Array(), b: new Float32Array(), c: new Float32Array() };
    const report: FormsReport['forms'] = [];
    for (const form of FORMS) {
      const times: number[] = [];
      for (let r = 0; r <= runs; r++) {
        const t0 = performance.now();
        const y = forms.run(form, x);
        const data = (await y.data()) as Float32Array;
        const ms = performance.now() - t0;
        y.dispose();
        if (r > 0) times.push(ms);
        else outs[form] = Float32Array.from(data);
      }
      times.sort((p, q) => p - q);
      report.push({ form, ms: times[Math.floor(times.length / 2)], params: forms.params(form) });
    }
    return { forms: report, maxAbsDiff: { ab: maxAbs(outs.a, outs.b), ac: maxAbs(outs.a, outs.c), bc: maxAbs(outs.b, outs.c) } };
  } finally {
    x.dispose();
    forms.dispose();
  }
}
