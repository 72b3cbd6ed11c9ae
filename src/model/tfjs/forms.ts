/**
 * The three equivalent forms of one ResNeXt block (Xie et al. 2017, Fig. 3) as executable tfjs
 * networks sharing one set of weights:
 *  (a) C branches, each 1x1 -> 3x3 -> 1x1, outputs summed (aggregated transformations);
 *  (b) C branches of 1x1 -> 3x3, concatenated, one 1x1;
 *  (c) one 1x1, one grouped 3x3 (C groups), one 1x1: the network's own block.
 * Each form is a layer graph (`formGraph`: the same builders as the network, its attention and its
 * shortcut) run by the network's own builder (`buildNetwork`), so form (c) is exactly the block the
 * network runs. The weights are drawn for form (a) and re-arranged for (b) and (c) by the small
 * functions below.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../config.ts';
import { formGraph, nodeParams, numel, type LayerGraph } from '../graph.ts';
import type { StateDict, WeightTensor } from '../weights/common.ts';
import type { BatchNormParams } from './fold.ts';
import type { GroupedMethod } from './grouped.ts';
import { buildNetwork } from './network.ts';
import { normal, randomStateDict, rng } from './random.ts';
import { formsCheckRefusal } from '../forms-check.ts';

type Form = 'a' | 'b' | 'c';
const FORMS: readonly Form[] = ['a', 'b', 'c'];

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

const f32 = (shape: number[], data: Float32Array): WeightTensor => ({ shape, data, dtype: 'F32' });

/**
 * The state dicts of the three forms of block `prefix` from random weights of form (a): the paths'
 * 1x1s and 3x3s stacked into (c)'s first 1x1 and grouped 3x3, their BNs concatenated, the paths' last
 * 1x1s side by side in (b)'s and (c)'s last 1x1; bn3, attention and shortcut shared unchanged.
 */
function formStateDicts(graphA: LayerGraph, prefix: string, cardinality: number, seed: number): Record<Form, StateDict> {
  const a = randomStateDict(graphA, seed);
  const get = (key: string): WeightTensor => a.get(key)!;
  const paths = Array.from({ length: cardinality }, (_, i) => `${prefix}.branches.${i}`);
  const [cout, d] = get(`${paths[0]}.conv3.weight`).shape;
  const cin = get(`${paths[0]}.conv1.weight`).shape[1];
  const width = cardinality * d;
  const shared = new Map([...a].filter(([k]) => !k.startsWith(`${prefix}.branches.`)));
  const branchPart = new Map([...a].filter(([k]) => k.startsWith(`${prefix}.branches.`) && !k.includes('.conv3.')));
  const conv3 = lastConvOfBC(paths.map((p) => get(`${p}.conv3.weight`).data), cout);
  const bnOf = (p: string, bn: string): BatchNormParams => ({
    weight: get(`${p}.${bn}.weight`).data, bias: get(`${p}.${bn}.bias`).data,
    runningMean: get(`${p}.${bn}.running_mean`).data, runningVar: get(`${p}.${bn}.running_var`).data, eps: 1e-5,
  });
  const c: StateDict = new Map(shared);
  c.set(`${prefix}.conv1.weight`, f32([width, cin, 1, 1], firstConvOfC(paths.map((p) => get(`${p}.conv1.weight`).data))));
  c.set(`${prefix}.conv2.weight`, f32([width, d, 3, 3], groupedConvOfC(paths.map((p) => get(`${p}.conv2.weight`).data))));
  c.set(`${prefix}.conv3.weight`, f32([cout, width, 1, 1], conv3));
  for (const bn of ['bn1', 'bn2']) {
    const cat = concatBatchNorm(paths.map((p) => bnOf(p, bn)));
    c.set(`${prefix}.${bn}.weight`, f32([width], cat.weight));
    c.set(`${prefix}.${bn}.bias`, f32([width], cat.bias));
    c.set(`${prefix}.${bn}.running_mean`, f32([width], cat.runningMean));
    c.set(`${prefix}.${bn}.running_var`, f32([width], cat.runningVar));
  }
  const b: StateDict = new Map([...shared, ...branchPart]);
  b.set(`${prefix}.conv3.weight`, f32([cout, width, 1, 1], conv3));
  return { a, b, c };
}

interface FormsReport {
  /** The block that ran: `layer1.0`. */
  module: string;
  forms: { form: Form; ms: number; params: number }[];
  maxAbsDiff: { ab: number; ac: number; bc: number };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Lets the worker read its messages (a cancel) between steps: a resolved promise alone would not. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Builds the three forms of block `block` (0-based) of `stage` with shared random weights (seeded),
 * runs each on one random input (a warm-up, then the median of `runs` timed runs) and compares outputs.
 * Refuses a block beyond FORMS_CHECK_LIMITS before building form (a); `signal` stops it between runs.
 */
export async function checkForms(
  config: NetworkConfig, stage: number, seed = 1, method: GroupedMethod = 'split', runs = 3, block = 0, signal?: AbortSignal,
): Promise<FormsReport> {
  const c = formGraph(config, stage, block, 'c');
  const refusal = formsCheckRefusal(config, c, stage, block);
  if (refusal) throw refusal;
  const step = async () => {
    await yieldToMessages();
    signal?.throwIfAborted();
  };
  await step();
  const graphs = { a: formGraph(config, stage, block, 'a'), b: formGraph(config, stage, block, 'b'), c };
  await step();
  const prefix = `layer${stage}.${block}`;
  const sds = formStateDicts(graphs.a, prefix, config.cardinality, seed);
  const inShape = graphs.c.inputShape;
  const x = tf.tensor4d(normal(rng(seed + 1), numel(inShape)), [1, ...inShape] as [number, number, number, number]);
  const outs = {} as Record<Form, Float32Array>;
  const report: FormsReport['forms'] = [];
  try {
    for (const form of FORMS) {
      await step();
      const net = buildNetwork(graphs[form], sds[form], { grouped: method });
      try {
        const times: number[] = [];
        for (let r = 0; r <= runs; r++) {
          await step();
          const t0 = performance.now();
          const y = net.predict(x);
          const data = (await y.data()) as Float32Array;
          const ms = performance.now() - t0;
          y.dispose();
          if (r > 0) times.push(ms);
          else outs[form] = Float32Array.from(data);
        }
        times.sort((p, q) => p - q);
        const params = graphs[form].nodes.reduce((sum, n) => sum + nodeParams(n), 0);
        report.push({ form, ms: times[Math.floor(times.length / 2)], params });
      } finally {
        net.dispose();
      }
    }
    return { module: prefix, forms: report, maxAbsDiff: { ab: maxAbs(outs.a, outs.b), ac: maxAbs(outs.a, outs.c), bc: maxAbs(outs.b, outs.c) } };
  } finally {
    x.dispose();
  }
}
