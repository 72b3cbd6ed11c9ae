/**
 * Where a conv of the network spends more than the same conv run back to back (the speed probe's way): every conv
 * layer of a network timed by `TfjsNetwork.timeOps` (as the Cost view's "Measure" does, seeded random weights) and
 * the same layer's shape alone, through the network's conv path with its ReLU fused, the least and the median of
 * `runs` after 100 ms of warm-up, under four conditions:
 * - hot: back to back, as the probe times it (input, weights and output in the caches, the pool's helpers spinning);
 * - idle: 2 ms of sleep before each run (the pool's helpers spin 0.3 ms after a job, then sleep in Atomics.wait);
 * - cold: a 64 MB sweep before each run, so the weights, the input and the output come from memory (the sweep
 *   takes milliseconds: the helpers are asleep too);
 * - fresh: back to back, but each output kept alive until the runs end (tfjs-wasm's malloc hands out a new block
 *   each time, as in the network, instead of the one just freed).
 * Runs in the e2e harness's engine worker (bench/op-gap-run.ts drives it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../src/model/config.ts';
import { buildLayerGraph, type ConvNode } from '../src/model/graph.ts';
import { disposePrepared, prepareConv, runConv, type DenseMethod, type GroupedMethod, type KernelOptions, type PreparedConv } from '../src/model/tfjs/grouped.ts';
import { buildNetwork, type OpTiming } from '../src/model/tfjs/network.ts';
import { normal, randomStateDict, rng } from '../src/model/tfjs/random.ts';

export interface OpGapRow {
  layer: string;
  shape: string;
  macs: number;
  weightBytes: number;
  /** The op's median and least ms in the network's passes. */
  net: number;
  netMin: number;
  /** Least ms of the op alone, back to back, with the network's weights and input values (and its residual). */
  own: number;
  /** [least, median] ms of the shape alone under each condition. */
  hot: [number, number];
  idle: [number, number];
  cold: [number, number];
  fresh: [number, number];
}

export interface OpGapResult {
  /** Every op of the network (median ms, first pass of `runs` after one warm-up, then a second call). */
  ops: OpTiming[];
  opsAgain: OpTiming[];
  rows: OpGapRow[];
}

const SWEEP = new Float64Array((64 * 2 ** 20) / 8);
const SLEEP = new Int32Array(new SharedArrayBuffer(4));

function sweep(): void {
  for (let i = 0; i < SWEEP.length; i += 8) SWEEP[i] += 1;
}

function stats(t: number[]): [number, number] {
  const s = [...t].sort((a, b) => a - b);
  return [s[0], s[Math.floor(s.length / 2)]];
}

export async function measureOpGap(config: NetworkConfig, runs: number, build: { grouped: GroupedMethod; dense?: DenseMethod; kernels?: KernelOptions }): Promise<OpGapResult> {
  const graph = buildLayerGraph(config);
  const net = buildNetwork(graph, randomStateDict(graph, 11), { grouped: build.grouped, dense: build.dense, kernels: build.kernels });
  const [c, h, w] = config.input;
  const x0 = tf.randomNormal([1, c, h, w], 0, 1, 'float32', 13) as tf.Tensor4D;
  let ops: OpTiming[];
  let opsAgain: OpTiming[];
  /** Each conv op alone, back to back, with the network's own weights and its own input values: least ms by name. */
  const own = new Map<string, number>();
  try {
    ops = await net.timeOps(x0, 3);
    opsAgain = await net.timeOps(x0, runs);
    const inner = net as unknown as { ops: { kind: string; node: { name: string }; input: number; out: number; residual?: number; conv: PreparedConv; relu: boolean }[] };
    const values = new Map<number, tf.Tensor>();
    net.predict(x0, (node, value) => values.set(node, value.clone())).dispose();
    for (const op of inner.ops) {
      if (op.kind !== 'conv' || !values.has(op.input)) continue;
      const xin = values.get(op.input) as tf.Tensor4D;
      const res = op.residual === undefined ? undefined : (values.get(op.residual) as tf.Tensor4D);
      const until = performance.now() + 100;
      for (let i = 0; i < 3 || performance.now() < until; i++) runConv(xin, op.conv, op.relu, res).dispose();
      let least = Infinity;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const y = runConv(xin, op.conv, op.relu, res);
        least = Math.min(least, performance.now() - t0);
        y.dispose();
      }
      own.set(op.node.name, least);
    }
    for (const v of values.values()) v.dispose();
  } finally {
    x0.dispose();
    net.dispose();
  }
  const byName = new Map(opsAgain.map((o) => [o.name, o]));
  const rows: OpGapRow[] = [];
  const next = rng(5);
  for (const n of graph.nodes) {
    if (n.kind !== 'conv') continue;
    const node = n as ConvNode;
    const op = byName.get(node.name);
    if (!op) continue;
    await new Promise((r) => setTimeout(r, 0));
    const spec = node.conv;
    const [ci, hi, wi] = node.inShape;
    const [co, ho, wo] = node.outShape;
    const nw = spec.outChannels * (spec.inChannels / spec.groups) * spec.kernel ** 2;
    const p = prepareConv(normal(next, nw, 0.1), normal(next, spec.outChannels), spec, build.grouped, build.dense, build.kernels);
    const x = tf.tensor4d(normal(next, ci * hi * wi), [1, hi, wi, ci]);
    const conditions: Record<'hot' | 'idle' | 'cold' | 'fresh', number[]> = { hot: [], idle: [], cold: [], fresh: [] };
    const kept: tf.Tensor[] = [];
    const once = (before: () => void): number => {
      before();
      const t0 = performance.now();
      const y = runConv(x, p, true);
      const dt = performance.now() - t0;
      y.dispose();
      return dt;
    };
    try {
      const until = performance.now() + 100;
      for (let i = 0; i < 3 || performance.now() < until; i++) runConv(x, p, true).dispose();
      // Round by round, the conditions interleaved: a load on the machine hits them alike.
      for (let i = 0; i < runs; i++) {
        runConv(x, p, true).dispose();
        conditions.hot.push(once(() => {}));
        conditions.idle.push(once(() => Atomics.wait(SLEEP, 0, 0, 2)));
        conditions.cold.push(once(sweep));
        runConv(x, p, true).dispose();
        const t0 = performance.now();
        kept.push(runConv(x, p, true));
        conditions.fresh.push(performance.now() - t0);
      }
      for (const y of kept) y.dispose();
      const [hot, idle, cold, fresh] = (['hot', 'idle', 'cold', 'fresh'] as const).map((k) => stats(conditions[k]));
      rows.push({ layer: node.name, shape: `${ci}x${hi}x${wi} -> ${co}x${ho}x${wo} k${spec.kernel} s${spec.stride} g${spec.groups}`, macs: ho * wo * co * (spec.inChannels / spec.groups) * spec.kernel ** 2, weightBytes: nw * 4, net: op.ms, netMin: op.minMs, own: own.get(node.name) ?? NaN, hot, idle, cold, fresh });
    } finally {
      x.dispose();
      disposePrepared(p);
    }
  }
  return { ops, opsAgain, rows };
}
