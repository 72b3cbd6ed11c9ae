/**
 * How fast the active tfjs backend is, as a roofline needs it: float32 matmul throughput, the bandwidth
 * of an element-wise op over a tensor far larger than any cache, and the fixed time of one tiny op.
 * Each figure is the median of several timed runs after a warm-up; asynchronous backends are waited for.
 * The matmul is tf.matMul and the same product as a 1x1 convolution on the network's own conv path
 * (`prepareConv` / `runConv`: the generated GEMM kernels on wasm, tfjs's conv2d elsewhere); a given layer's
 * rate can still differ (Measure shows by how much).
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposePrepared, prepareConv, runConv } from './grouped.ts';

interface SpeedProbe {
  backend: string;
  /**
   * float32 matmul throughput, GFLOP/s: the faster of tf.matMul [n x n] x [n x n] and the same product run
   * as a 1x1 convolution ([1, n/32, 32, n] by n x n) through the path every conv of the network takes
   * (`runConv`); 2 n^3 FLOPs either way.
   */
  matmulGflops: number;
  /** The two rates it is the better of. */
  matMulGflops: number;
  conv1x1Gflops: number;
  /**
   * A chain of ReLUs over a 4 MB tensor (by default): bytes read + written per second, GB/s. 4 MB is the
   * size of a ResNet's largest activation at batch 1 (56 x 56 x 256 floats = 3.2 MB): the rate such layers see.
   */
  copyGBs: number;
  /** One 1-element add, microseconds (tfjs dispatch plus the backend's launch). */
  launchUs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median ms of `fn` (which returns the tensor to wait for) over `runs` runs after `warmup` runs. */
async function timeOp(fn: () => tf.Tensor, runs: number, warmup = 2): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const y = fn();
    await y.data();
    const dt = performance.now() - t0;
    y.dispose();
    if (i >= warmup) times.push(dt);
  }
  return median(times);
}

/**
 * Measures the active backend. `matmulSize` (a multiple of 32; 1024: 2.1 GFLOP) keeps one run near 20-50 ms
 * on two wasm threads; the read-back of its 4 MB result is part of each run (about 1% of it).
 */
export async function probeSpeed(options: { matmulSize?: number; copyElements?: number; runs?: number } = {}): Promise<SpeedProbe> {
  const n = options.matmulSize ?? 1024;
  if (n % 32 !== 0) throw new Error(`matmulSize must be a multiple of 32, got ${n}`);
  const runs = options.runs ?? 7;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const image = tf.reshape(a, [1, n / 32, 32, n]) as tf.Tensor4D;
  // b as an OIHW 1x1 filter, prepared as the network prepares its convs.
  const conv = prepareConv((await b.data()) as Float32Array, null, { inChannels: n, outChannels: n, kernel: 1, stride: 1, padding: 0, groups: 1 }, 'kernel');
  const big = tf.randomNormal([options.copyElements ?? 1 << 20], 0, 1, 'float32', 3);
  const one = tf.scalar(1);
  try {
    const matMulMs = await timeOp(() => tf.matMul(a, b), runs);
    const convMs = await timeOp(() => runConv(image, conv, false), runs);
    // 16 dependent ReLUs, each freed when the next has read it, then a one-element read-back.
    const passes = 16;
    const chainOfRelus = await timeOp(() => {
      let y: tf.Tensor = big;
      for (let i = 0; i < passes; i++) {
        const z = tf.relu(y);
        if (y !== big) y.dispose();
        y = z;
      }
      const first = tf.slice(y, [0], [1]);
      y.dispose();
      return first;
    }, runs);
    // 200 dependent tiny adds, waited for once: the per-op fixed cost.
    const chain = 200;
    const chainMs = await timeOp(() => tf.tidy(() => {
      let x: tf.Tensor = one;
      for (let i = 0; i < chain; i++) x = tf.add(x, one);
      return x;
    }), runs, 3);
    return {
      backend: tf.getBackend(),
      matmulGflops: (2 * n ** 3) / (Math.min(matMulMs, convMs) * 1e6),
      matMulGflops: (2 * n ** 3) / (matMulMs * 1e6),
      conv1x1Gflops: (2 * n ** 3) / (convMs * 1e6),
      copyGBs: (passes * 2 * big.size * 4) / (chainOfRelus * 1e6),
      launchUs: (chainMs * 1000) / chain,
    };
  } finally {
    for (const t of [a, b, image, big, one]) t.dispose();
    disposePrepared(conv);
  }
}
