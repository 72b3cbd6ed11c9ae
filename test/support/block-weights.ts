/**
 * The weights of the full-width block fixtures (tools/fixtures/block_fixtures.py), drawn by the same
 * seeded mulberry32 generator and the same distributions, key by key in state_dict order. Test-only.
 */
import { numel, stateDictSpec, type LayerGraph } from '../../src/model/graph.ts';
import { rng, uniform } from '../../src/model/tfjs/random.ts';
import type { StateDict } from '../../src/model/weights/common.ts';

/** One tensor, as `block_tensor` in block_fixtures.py. */
function blockTensor(next: () => number, key: string, shape: readonly number[]): Float32Array {
  const n = numel(shape);
  if (key.endsWith('num_batches_tracked')) return new Float32Array(n);
  if (key.endsWith('running_var') || (shape.length === 1 && key.endsWith('.weight') && !key.includes('se.'))) return uniform(next, n, 0.5, 1.5);
  if (shape.length === 1) return uniform(next, n, -0.2, 0.2);
  const bound = Math.sqrt(6 / numel(shape.slice(1)));
  return uniform(next, n, -bound, bound);
}

/** The block graph's state dict with the fixture's weights (keys in state_dict order, as torch iterates them). */
export function blockStateDict(graph: LayerGraph, seed: number): StateDict {
  const next = rng(seed);
  const sd: StateDict = new Map();
  for (const t of stateDictSpec(graph)) sd.set(t.key, { shape: [...t.shape], data: blockTensor(next, t.key, t.shape), dtype: 'F32' });
  return sd;
}

/** The fixture's input: uniform in [-1, 1) from rng(seed + 1), as the script draws it. */
export function blockInput(seed: number, n: number): Float32Array {
  return uniform(rng(seed + 1), n, -1, 1);
}
