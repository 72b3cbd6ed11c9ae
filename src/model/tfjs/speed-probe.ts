/**
 * How fast the active tfjs backend runs what a ResNe(X)t runs, as the time model needs it: the float32 rate of
 * dense convs and of grouped convs on a ResNet's own layer shapes, the bandwidth of a memory-bound op (the stem's
 * max pooling), the fixed time of one tiny op and of one tiny conv, and what a conv takes more with its data from
 * memory, as a network's pass reads them, than from the caches. Every conv goes through the network's own
 * path (`prepareConv` / `runConv` with the ReLU fused: the generated GEMM and grouped kernels on wasm, tfjs's
 * conv2d elsewhere), the pooling through the network's (`maxPoolOp`). Each figure is the least time of several
 * runs after a warm-up: a load on the machine only ever adds to a run, so the least is the closest to the op
 * itself (the cold conv's figure, a difference, takes a median instead). Asynchronous backends are waited for.
 *
 * Why these shapes: a 1x1 conv of 1024 -> 1024 channels on 32 x 32 (the product of a 1024 x 1024 matmul, the probe
 * before) runs at less than half the rate of these on wasm even on one thread (18-19 against 33-48 GFLOP/s, measured
 * the same way, docs/time-model.md), so it is the shape, not how the threads share it; likely its 32 KB weight block
 * per 8 output channels with six input pixels 4 KB apart, more than the 48 KB L1 cache holds. A ResNet's own 1x1
 * convs ran at the rate of its 3x3 convs on one thread, except on stage 4's 7 x 7 maps (up to 2x slower; the time
 * model's 6-pixel tile accounts for a tenth of it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposePrepared, prepareConv, runConv, type DenseMethod, type GroupedMethod, type KernelOptions, type PreparedConv } from './grouped.ts';
import { maxPoolOp, ownPooling } from './network.ts';
import { normal, rng } from './random.ts';

export interface SpeedProbe {
  backend: string;
  /** Dense convs (`DENSE_SHAPES`, a ResNet's stage 1-3 shapes at 224): their FLOPs over their summed time, GFLOP/s. */
  convGflops: number;
  /** Grouped 3x3 convs (`GROUPED_SHAPES`, ResNeXt-50's first two stages): useful FLOPs over summed time, GFLOP/s. */
  groupedGflops: number;
  /** The stem's 3x3 stride-2 max pooling of 64 x 112 x 112: bytes read + written per second, GB/s. */
  copyGBs: number;
  /** One 1-element add, microseconds (tfjs dispatch plus the backend's launch). */
  launchUs: number;
  /** One tiny conv (1x1, 8 -> 8 channels, 2 x 2) through the network's conv path, microseconds. */
  convUs: number;
  /**
   * Microseconds a conv takes more when its weights, input and output come from memory, as each layer's do in a
   * network's pass (every layer's data were last touched a pass ago), than run back to back from the caches; 0 if none.
   */
  coldUs: number;
}

/** [input channels, output channels, kernel, output side, groups] at batch 1, stride 1, 'same' padding. */
type Shape = readonly [number, number, number, number, number];

/** ResNet-50's stage-1 1x1 expansion, stage-2 3x3, stage-3 1x1 reduction: 218 M multiply-adds in all. */
const DENSE_SHAPES: readonly Shape[] = [[64, 256, 1, 56, 1], [128, 128, 3, 28, 1], [1024, 256, 1, 14, 1]];
/** ResNeXt-50 32x4d's grouped 3x3 of stages 1 and 2: 32 groups of 4 and of 8 channels, 14.5 M each. */
const GROUPED_SHAPES: readonly Shape[] = [[128, 128, 3, 56, 32], [256, 256, 3, 28, 32]];

/** Bytes written between the runs of the cold conv: more than this CPU's caches hold (a Zen 5 CCD's L3 is 32 MB). */
const SWEEP_BYTES = 64 * 2 ** 20;

/** Max pooling inputs read in turn: 12 x 3.2 MB, more than the caches hold. */
const POOL_INPUTS = 12;

function macs([ci, co, k, hw, g]: Shape): number {
  return (ci / g) * co * k * k * hw * hw;
}

/**
 * Ms of one run of `fn` (which returns the tensor to wait for). On wasm and cpu an op has finished when it returns
 * (as `TfjsNetwork.timeOps` times it): no read-back, whose promise resolves a few milliseconds late in a worker;
 * asynchronous backends are waited for.
 */
async function timeOnce(fn: () => tf.Tensor): Promise<number> {
  const sync = tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
  const t0 = performance.now();
  const y = fn();
  if (!sync) await y.data();
  const dt = performance.now() - t0;
  y.dispose();
  return dt;
}

/** Least ms of `fn` over `runs` runs (`timeOnce`) after `warmupMs` of warm-up. */
async function leastMs(fn: () => tf.Tensor, runs: number, warmupMs: number): Promise<number> {
  // Warm up for `warmupMs` (at least two calls): a freshly compiled wasm kernel runs the engine's baseline code,
  // far slower than its optimized code, until the engine tiers it up.
  const start = performance.now();
  for (let i = 0; i < 2 || performance.now() - start < warmupMs; i++) await timeOnce(fn);
  let least = Infinity;
  for (let i = 0; i < runs; i++) least = Math.min(least, await timeOnce(fn));
  return least;
}

interface Prepared {
  x: tf.Tensor4D;
  conv: PreparedConv;
  macs: number;
}

/** How the network runs its convs (the engine's settings): grouped method, dense method, the own kernels' options. */
interface Build {
  grouped: GroupedMethod;
  dense?: DenseMethod;
  kernels?: KernelOptions;
}

function prepare(shape: Shape, build: Build, seed: number): Prepared {
  const [ci, co, k, hw, g] = shape;
  const next = rng(seed);
  const conv = prepareConv(normal(next, co * (ci / g) * k * k, 0.1), normal(next, co, 0.1), { inChannels: ci, outChannels: co, kernel: k, stride: 1, padding: (k - 1) / 2, groups: g }, build.grouped, build.dense, build.kernels);
  return { x: tf.tensor4d(normal(next, hw * hw * ci), [1, hw, hw, ci]), conv, macs: macs(shape) };
}

/**
 * FLOPs over the summed least times of `list`, GFLOP/s, less each call's fixed cost `callMs` (the time model adds
 * that per op itself; it never takes more than half of a call here).
 */
async function convRate(list: Prepared[], runs: number, callMs: number, warmupMs: number): Promise<number> {
  let ms = 0;
  let flops = 0;
  for (const p of list) {
    const t = await leastMs(() => runConv(p.x, p.conv, true), runs, warmupMs);
    ms += Math.max(t - callMs, t / 2);
    flops += 2 * p.macs;
  }
  return flops / (ms * 1e6);
}

/**
 * Microseconds `p` (the dense probe's stage-2 3x3 conv: 0.6 MB of weights, 0.4 MB in and out) takes more with its data
 * from memory than from the caches. Round by round (a load on the machine hits both alike): the conv run twice in a
 * row and the second run timed, then `SWEEP_BYTES` written and the conv timed again; the median of the differences
 * over `rounds` (odd) rounds: a difference of two least times would let the load decide it. Never below 0.
 */
async function coldConvUs(p: Prepared, rounds: number, warmupMs: number): Promise<number> {
  const sweep = new Float64Array(SWEEP_BYTES / 8);
  const timed = () => timeOnce(() => runConv(p.x, p.conv, true));
  const diffs: number[] = [];
  const start = performance.now();
  while (diffs.length < rounds) {
    await timed();
    const hot = await timed();
    // One write per 64-byte line.
    for (let i = 0; i < sweep.length; i += 8) sweep[i] += 1;
    const cold = await timed();
    // The first rounds warm up (a kernel new to the engine runs baseline code until the engine tiers it up).
    if (performance.now() - start >= warmupMs) diffs.push(cold - hot);
  }
  const median = [...diffs].sort((a, b) => a - b)[diffs.length >> 1];
  return Math.max(0, median * 1000);
}

/**
 * Measures the active backend; `grouped`, `dense` and `kernels` are how the network runs its convs on it (the
 * engine's settings). About 1.5 s on two wasm threads (2026-12-07, quiet), most of it warm-up (`warmupMs` per figure). `scale`
 * (tests) divides every spatial side, to keep a slow backend quick.
 */
export async function probeSpeed(options: Build & { runs?: number; warmupMs?: number; scale?: number }): Promise<SpeedProbe> {
  const runs = options.runs ?? 7;
  const warmupMs = options.warmupMs ?? 100;
  const scale = options.scale ?? 1;
  const shrink = (s: Shape): Shape => [s[0], s[1], s[2], Math.max(1, Math.round(s[3] / scale)), s[4]];
  const dense = DENSE_SHAPES.map((s, i) => prepare(shrink(s), options, 11 + i));
  const grouped = GROUPED_SHAPES.map((s, i) => prepare(shrink(s), options, 21 + i));
  const tiny = prepare([8, 8, 1, 2, 1], options, 31);
  const poolKernels = ownPooling({ dense: options.dense ?? 'auto', kernels: options.kernels ?? {} }, 64);
  const side = Math.max(2, Math.round(112 / scale));
  // Inputs that together outgrow the caches (12 x 3.2 MB), read in turn, as a network's activations come.
  const pooled = Array.from({ length: POOL_INPUTS }, (_, i) => tf.randomNormal([1, side, side, 64], 0, 1, 'float32', 3 + i) as tf.Tensor4D);
  const one = tf.scalar(1);
  try {
    // 50 dependent tiny convs, 200 dependent tiny adds, each chain waited for once: the per-op fixed costs.
    const convChain = 50;
    const convMs = await leastMs(() => tf.tidy(() => {
      let x: tf.Tensor4D = tiny.x;
      for (let i = 0; i < convChain; i++) x = runConv(x, tiny.conv, true);
      return x;
    }), runs, warmupMs);
    const chain = 200;
    const chainMs = await leastMs(() => tf.tidy(() => {
      let x: tf.Tensor = one;
      for (let i = 0; i < chain; i++) x = tf.add(x, one);
      return x;
    }), runs, warmupMs);
    const convUs = (convMs * 1000) / convChain;
    const launchUs = (chainMs * 1000) / chain;
    const convGflops = await convRate(dense, runs, convUs / 1000, warmupMs);
    const groupedGflops = await convRate(grouped, runs, convUs / 1000, warmupMs);
    let turn = 0;
    const poolMs = await leastMs(() => maxPoolOp(pooled[turn++ % POOL_INPUTS], 3, 2, 1, poolKernels), runs * 2, warmupMs);
    const poolOut = Math.ceil(side / 2) ** 2 * 64;
    // Its kernel is tiered up already (convRate warmed it): a short warm-up.
    const coldUs = await coldConvUs(dense[1], 2 * runs - 1, Math.min(warmupMs, 20));
    return {
      backend: tf.getBackend(),
      convGflops,
      groupedGflops,
      copyGBs: ((pooled[0].size + poolOut) * 4) / (Math.max(poolMs - convUs / 1000, poolMs / 2) * 1e6),
      launchUs,
      convUs,
      coldUs,
    };
  } finally {
    for (const p of [...dense, ...grouped, tiny]) {
      p.x.dispose();
      disposePrepared(p.conv);
    }
    for (const t of pooled) t.dispose();
    one.dispose();
  }
}
