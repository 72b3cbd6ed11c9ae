/**
 * Feature maps as compact data for the page: one sample of a layer's output, per channel its exact
 * float32 statistics (min, max, mean, share of values <= 0, i.e. the zeros after a ReLU) and its
 * values as uint8 (quantized between the map's own min and max: 1/255 of its range), float16 or
 * float32, channel-major. Also the layer's histogram. Pure TypeScript: the worker encodes, the page
 * decodes; no tfjs, no DOM.
 */

export type MapEncoding = 'uint8' | 'float16' | 'float32';
export const MAP_ENCODINGS: readonly MapEncoding[] = ['uint8', 'float16', 'float32'];

export interface Histogram {
  /** Bin edges: `bins` equal bins from lo to hi (the layer's min and max). */
  lo: number;
  hi: number;
  counts: number[];
  /** Values <= 0: what a ReLU sets to zero (for a ReLU's output, its exact zeros). */
  nonPositive: number;
  total: number;
}

export interface FeatureMaps {
  /** Canonical layer name (`layer1.0.relu:2`). */
  layer: string;
  /** Shape of the whole output in PyTorch's layout ([N, C, H, W], [N, F]). */
  shape: number[];
  /** The sample (batch index) these maps are of. */
  sample: number;
  channels: number;
  height: number;
  width: number;
  encoding: MapEncoding;
  min: Float32Array;
  max: Float32Array;
  mean: Float32Array;
  /** Share of the map's values <= 0 (zeros after ReLU). */
  zeros: Float32Array;
  /** channels * height * width values, channel-major, in `encoding`. */
  data: Uint8Array | Uint16Array | Float32Array;
  histogram: Histogram;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE half precision bits of a float (round to nearest, ties to even; overflow to infinity). */
export function toFloat16(v: number): number {
  F32[0] = v;
  const x = U32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** The float a half-precision bit pattern stands for. */
export function fromFloat16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** [N, C, H, W] of a PyTorch-layout shape: [N, F] is F maps of 1x1, ECA's [N, 1, C] one map of 1xC. */
export function mapGeometry(shape: readonly number[]): { n: number; c: number; h: number; w: number } {
  if (shape.length === 4) return { n: shape[0], c: shape[1], h: shape[2], w: shape[3] };
  if (shape.length === 3) return { n: shape[0], c: shape[1], h: 1, w: shape[2] };
  if (shape.length === 2) return { n: shape[0], c: shape[1], h: 1, w: 1 };
  throw new Error(`feature maps need a [N, C, H, W], [N, C, L] or [N, F] output, got [${shape.join(', ')}]`);
}

const HISTOGRAM_BINS = 48;

/**
 * Encodes sample `sample` of a layer's output. `values` are in the layout `layout` says: 'nchw'
 * (PyTorch's) or 'nhwc' (the engine's, read straight from the backend without a transpose).
 */
export function encodeFeatureMaps(
  layer: string, values: Float32Array, shape: readonly number[], layout: 'nchw' | 'nhwc', sample: number, encoding: MapEncoding, bins = HISTOGRAM_BINS,
): FeatureMaps {
  const { n, c, h, w } = mapGeometry(shape);
  if (values.length !== n * c * h * w) throw new Error(`internal: ${values.length} values for shape [${shape.join(', ')}]`);
  if (!Number.isInteger(sample) || sample < 0 || sample >= n) throw new RangeError(`sample must be 0..${n - 1}, got ${sample}`);
  const hw = h * w;
  const base = sample * c * hw;
  // index of (channel k, position p) in `values`
  const at = layout === 'nchw' ? (k: number, p: number) => base + k * hw + p : (k: number, p: number) => base + p * c + k;
  const min = new Float32Array(c).fill(Infinity);
  const max = new Float32Array(c).fill(-Infinity);
  const sum = new Float64Array(c);
  const nonPos = new Uint32Array(c);
  if (layout === 'nhwc') {
    for (let p = 0; p < hw; p++) {
      const row = base + p * c;
      for (let k = 0; k < c; k++) {
        const v = values[row + k];
        if (v < min[k]) min[k] = v;
        if (v > max[k]) max[k] = v;
        sum[k] += v;
        if (v <= 0) nonPos[k]++;
      }
    }
  } else {
    for (let k = 0; k < c; k++) {
      let lo = Infinity, hi = -Infinity, s = 0, z = 0;
      const row = base + k * hw;
      for (let p = 0; p < hw; p++) {
        const v = values[row + p];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        s += v;
        if (v <= 0) z++;
      }
      min[k] = lo;
      max[k] = hi;
      sum[k] = s;
      nonPos[k] = z;
    }
  }
  const mean = new Float32Array(c);
  const zeros = new Float32Array(c);
  let lo = Infinity, hi = -Infinity, nonPositive = 0;
  for (let k = 0; k < c; k++) {
    mean[k] = sum[k] / hw;
    zeros[k] = nonPos[k] / hw;
    if (min[k] < lo) lo = min[k];
    if (max[k] > hi) hi = max[k];
    nonPositive += nonPos[k];
  }

  const counts = new Array<number>(bins).fill(0);
  const binScale = hi > lo ? bins / (hi - lo) : 0;
  let data: Uint8Array | Uint16Array | Float32Array;
  if (encoding === 'uint8') data = new Uint8Array(c * hw);
  else if (encoding === 'float16') data = new Uint16Array(c * hw);
  else data = new Float32Array(c * hw);
  for (let k = 0; k < c; k++) {
    const span = max[k] - min[k];
    const q = span > 0 ? 255 / span : 0;
    const m0 = min[k];
    const out = k * hw;
    for (let p = 0; p < hw; p++) {
      const v = values[at(k, p)];
      const bin = Math.floor((v - lo) * binScale);
      if (bin >= 0) counts[Math.min(bins - 1, bin)]++; // NaN lands in no bin
      if (encoding === 'uint8') data[out + p] = Math.round((v - m0) * q);
      else if (encoding === 'float16') data[out + p] = toFloat16(v);
      else data[out + p] = v;
    }
  }
  return {
    layer, shape: [...shape], sample, channels: c, height: h, width: w, encoding, min, max, mean, zeros, data,
    histogram: { lo, hi, counts, nonPositive, total: c * hw },
  };
}

/** Map `k`'s values as float32 (uint8: min + q / 255 * (max - min), within half a step of the truth). */
export function decodeMap(maps: FeatureMaps, k: number): Float32Array {
  const hw = maps.height * maps.width;
  const out = new Float32Array(hw);
  const src = maps.data.subarray(k * hw, (k + 1) * hw);
  if (maps.encoding === 'float32') out.set(src);
  else if (maps.encoding === 'float16') for (let p = 0; p < hw; p++) out[p] = fromFloat16(src[p]);
  else {
    const step = (maps.max[k] - maps.min[k]) / 255;
    for (let p = 0; p < hw; p++) out[p] = maps.min[k] + src[p] * step;
  }
  return out;
}

/** Largest error decoding can make for map `k`: half a uint8 step, float16's rounding, or 0. */
export function decodeTolerance(maps: FeatureMaps, k: number): number {
  if (maps.encoding === 'float32') return 0;
  if (maps.encoding === 'uint8') return (maps.max[k] - maps.min[k]) / 510;
  return Math.max(Math.abs(maps.min[k]), Math.abs(maps.max[k])) * 2 ** -11 + 2 ** -25;
}

/** Channel indices by mean activation, highest first (ties by index). */
export function channelsByMean(maps: Pick<FeatureMaps, 'mean'>): number[] {
  return [...maps.mean.keys()].sort((a, b) => maps.mean[b] - maps.mean[a] || a - b);
}

export interface GroupStats {
  group: number;
  /** Channels first..first + size - 1. */
  first: number;
  size: number;
  mean: number;
  max: number;
  /** Share of the group's values <= 0 (zeros after ReLU). */
  zeros: number;
}

/** Per-group statistics of `groups` equal contiguous channel groups (the C paths of form (a)). */
export function groupStats(maps: Pick<FeatureMaps, 'mean' | 'max' | 'zeros' | 'channels'>, groups: number): GroupStats[] {
  if (!Number.isInteger(groups) || groups < 1 || maps.channels % groups !== 0) throw new Error(`${maps.channels} channels do not split into ${groups} groups`);
  const size = maps.channels / groups;
  const out: GroupStats[] = [];
  for (let g = 0; g < groups; g++) {
    let mean = 0, max = -Infinity, zeros = 0;
    for (let k = g * size; k < (g + 1) * size; k++) {
      mean += maps.mean[k];
      max = Math.max(max, maps.max[k]);
      zeros += maps.zeros[k];
    }
    out.push({ group: g, first: g * size, size, mean: mean / size, max, zeros: zeros / size });
  }
  return out;
}

/** The ArrayBuffers of an encoded result, to transfer (not copy) through postMessage. */
export function transferables(maps: FeatureMaps): ArrayBuffer[] {
  return [maps.data.buffer, maps.min.buffer, maps.max.buffer, maps.mean.buffer, maps.zeros.buffer] as ArrayBuffer[];
}
