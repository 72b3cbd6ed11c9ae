/**
 * The harness worker's requests beyond the app's protocol: raw logits for the parity tests, and the
 * benchmarks' per-layer timings and grouped-method override. Never part of the app's build.
 */
import type { NetworkConfig } from '../../../src/model/config.ts';
import type { DenseMethod, GroupedMethod } from '../../../src/model/tfjs/grouped.ts';

export type { LayerTiming } from '../../../bench/layer-bench.ts';
export type { ConvShapeTiming } from '../../../bench/conv-bench.ts';
import type { Ceiling } from '../../../bench/simd-ceiling.ts';
import type { Logits } from '../../../src/model/engine/engine.ts';

export type { Ceiling };

/** The WASM SIMD ceiling in this browser: mul + add always, FMA where relaxed SIMD validates. */
export interface CeilingResult {
  threads: number;
  mulAdd: Ceiling;
  fma: Ceiling | null;
}

/** The loaded network on a random batch: median ms of `runs` after a warm-up, images per second. */
export interface BatchTiming {
  batch: number;
  runs: number;
  medianMs: number;
  imagesPerS: number;
}
export type { OpTiming } from '../../../src/model/tfjs/network.ts';
/** The loaded network's logits of a raw NCHW batch (`Engine.logits`), and the live tensors after it (the leak tests). */
export interface RawResult extends Logits {
  numTensors: number;
}

export type HarnessRequest =
  | { type: 'runRaw'; input: Float32Array; shape: number[] }
  | { type: 'benchLayers'; config: NetworkConfig; stage: number; runs: number }
  | { type: 'setGroupedMethod'; method: GroupedMethod | 'auto' }
  | { type: 'setKernelOptions'; options: KernelOptions }
  | { type: 'benchConvShapes'; config: NetworkConfig; runs: number; batch: number; stages?: number[] }
  | { type: 'simdCeiling' }
  | { type: 'benchBatch'; batch: number; runs: number }
  | { type: 'timeLoadedOps'; batch: number; runs: number }
  | { type: 'opGap'; config: NetworkConfig; runs: number };

/**
 * The own wasm kernels' settings for the networks built next: threads of the pool (null: tfjs-wasm's),
 * FMA (null: where relaxed SIMD validates), and what 'auto' picks for dense convs.
 */
export interface KernelOptions {
  threads?: number | null;
  fma?: boolean | null;
  dense?: DenseMethod;
}
