/**
 * A plain float64 grouped convolution, the reference every tfjs conv method is checked against (tests only).
 */
import { convOutSize } from '../../src/model/graph.ts';
import type { ConvGeometry } from '../../src/model/tfjs/grouped.ts';
import { normal, rng } from '../../src/model/tfjs/random.ts';

/** Float64 reference: NHWC input, OIHW grouped weight, like torch.nn.functional.conv2d(groups=G). */
export function referenceConv(x: Float32Array, [n, h, w, inC]: number[], wt: Float32Array, bias: Float32Array | null, g: ConvGeometry, relu: boolean): Float64Array {
  const { outChannels: O, kernel: k, stride: s, padding: p, groups: G } = g;
  const cpg = inC / G, opg = O / G;
  const ho = convOutSize(h, k, s, p), wo = convOutSize(w, k, s, p);
  const out = new Float64Array(n * ho * wo * O);
  for (let b = 0; b < n; b++) for (let y = 0; y < ho; y++) for (let xx = 0; xx < wo; xx++) for (let o = 0; o < O; o++) {
    const grp = Math.floor(o / opg);
    let acc = bias ? bias[o] : 0;
    for (let j = 0; j < cpg; j++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
      const iy = y * s - p + ky, ix = xx * s - p + kx;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      acc += x[((b * h + iy) * w + ix) * inC + grp * cpg + j] * wt[((o * cpg + j) * k + ky) * k + kx];
    }
    out[((b * ho + y) * wo + xx) * O + o] = relu ? Math.max(0, acc) : acc;
  }
  return out;
}

/**
 * A random conv case from `seed`, drawn in this order: the NHWC input, the OIHW weight (std `std`, else
 * 1 / sqrt(fan-in)), the bias. `next` draws on from there.
 */
export function randomConv(c: ConvGeometry & { hw: number; batch: number }, seed: number, std?: number) {
  const next = rng(seed);
  const xShape: [number, number, number, number] = [c.batch, c.hw, c.hw, c.inChannels];
  const x = normal(next, xShape.reduce((a, b) => a * b));
  const fanIn = (c.inChannels / c.groups) * c.kernel * c.kernel;
  const w = normal(next, c.outChannels * fanIn, std ?? 1 / Math.sqrt(fanIn));
  const bias = normal(next, c.outChannels);
  return { next, xShape, x, w, bias };
}
