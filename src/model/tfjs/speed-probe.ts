/**
 * How fast the active tfjs backend is, as a roofline needs it: float32 matmul throughput, the bandwidth
 * of an element-wise op over a tensor far larger than any cache, and the fixed time of one tiny op.
 * Each figure is the median of several timed runs after a warm-up; asynchronous backends are waited for.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface SpeedProbe {
  backend: string;
  /** float32 [n x n] x [n x n] matmul, GFLOP/s (2 n^3 FLOPs). */
  matmulGflops: number;
  /** ReLU over a 64 MB tensor (by default): bytes read + written per second, GB/s. */
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
 * Measures the active backend. `matmulSize` 1024 (2.1 GFLOP) keeps one run near 20-50 ms on two wasm
 * threads; the read-back of its 4 MB result is part of each matmul run (about 1% of it).
 */
export async function probeSpeed(options: { matmulSize?: number; copyElements?: number; runs?: number } = {}): Promise<SpeedProbe> {
  const n = options.matmulSize ?? 1024;
  const runs = options.runs ?? 7;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  // 16 M floats = 64 MB: far beyond any cache. Its output is summed to one number before the read-back,
  // so what is timed is the ReLU (64 MB read, 64 MB written) plus a sum that reads the 64 MB once more.
  const big = tf.randomNormal([options.copyElements ?? 16 * 1024 * 1024], 0, 1, 'float32', 3);
  const one = tf.scalar(1);
  try {
    const matmulMs = await timeOp(() => tf.matMul(a, b), runs);
    // The sum's own time is measured alone and subtracted, leaving the ReLU's.
    const reluAndSum = await timeOp(() => tf.tidy(() => tf.sum(tf.relu(big))), runs);
    const sumOnly = await timeOp(() => tf.sum(big), runs);
    const reluMs = Math.max(reluAndSum - sumOnly, 1e-3);
    // 200 dependent tiny adds, waited for once: the per-op fixed cost.
    const chain = 200;
    const chainMs = await timeOp(() => tf.tidy(() => {
      let x: tf.Tensor = one;
      for (let i = 0; i < chain; i++) x = tf.add(x, one);
      return x;
    }), Math.max(3, Math.floor(runs / 2)));
    return {
      backend: tf.getBackend(),
      matmulGflops: (2 * n ** 3) / (matmulMs * 1e6),
      copyGBs: (2 * big.size * 4) / (reluMs * 1e6),
      launchUs: (chainMs * 1000) / chain,
    };
  } finally {
    for (const t of [a, b, big, one]) t.dispose();
  }
}
