/**
 * The harness worker's requests beyond the app's protocol: raw logits for the parity tests, and the
 * benchmarks' per-layer timings and grouped-method override. Never part of the app's build.
 */
import type { NetworkConfig } from '../../../src/model/config.ts';
import type { GroupedMethod } from '../../../src/model/tfjs/grouped.ts';

export type { LayerTiming } from '../../../bench/layer-bench.ts';
export type { RawResult } from '../../../src/model/engine/protocol.ts';

export type HarnessRequest =
  | { type: 'runRaw'; input: Float32Array; shape: number[] }
  | { type: 'benchLayers'; config: NetworkConfig; stage: number; runs: number }
  | { type: 'setGroupedMethod'; method: GroupedMethod | 'auto' };
