/**
 * Seeded random weights: a whole state dict for a layer graph (bench without fixtures, tests) or
 * single tensors. Conv and linear weights ~ N(0, 2 / fan_in) (He), BatchNorm affine and running
 * statistics drawn around 1 and 0 so that folding them changes the numbers.
 */
import { numel, stateDictSpec, type LayerGraph } from '../graph.ts';
import type { StateDict } from '../weights/common.ts';

export { rng } from '../rng.ts';
import { rng } from '../rng.ts';

/** Standard normal samples (Box-Muller). */
export function normal(next: () => number, n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export function uniform(next: () => number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** A random tensor for a state-dict key, by its name and shape. */
function randomTensor(next: () => number, key: string, shape: readonly number[]): Float32Array {
  const n = numel(shape);
  if (key.endsWith('running_var')) return uniform(next, n, 0.5, 1.5);
  if (key.endsWith('running_mean')) return uniform(next, n, -0.2, 0.2);
  if (key.endsWith('num_batches_tracked')) return new Float32Array(n);
  if (shape.length === 1) return key.endsWith('.weight') ? uniform(next, n, 0.5, 1.5) : uniform(next, n, -0.2, 0.2);
  const fanIn = numel(shape.slice(1));
  // BN after the last conv of a block is drawn small in torchvision's zero-init variant; keep He here.
  return normal(next, n, Math.sqrt(2 / fanIn));
}

export function randomStateDict(graph: LayerGraph, seed = 1): StateDict {
  const next = rng(seed);
  const sd: StateDict = new Map();
  for (const t of stateDictSpec(graph)) sd.set(t.key, { shape: [...t.shape], data: randomTensor(next, t.key, t.shape), dtype: 'F32' });
  return sd;
}
