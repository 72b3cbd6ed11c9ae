/**
 * The app's EngineClient talking to the harness worker (`worker.ts`), with its extra requests.
 */
import { EngineClient } from '../../../src/model/engine/client.ts';
import type { NetworkConfig } from '../../../src/model/config.ts';
import type { GroupedMethod } from '../../../src/model/tfjs/grouped.ts';
import type { OpGapResult } from '../../../bench/op-gap.ts';
import type { BatchTiming, CeilingResult, ConvShapeTiming, HarnessRequest, KernelOptions, LayerTiming, OpTiming, RawResult } from './protocol.ts';

export class HarnessClient extends EngineClient {
  constructor() {
    super(() => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'resnext-engine-harness' }));
  }

  /** Raw logits for a float32 NCHW batch (parity checks). */
  runRaw(input: Float32Array, shape: number[]): Promise<RawResult> {
    return this.request({ type: 'runRaw', input, shape });
  }

  /** Grouped 3x3 vs dense 1x1 convs of one stage (random weights) as the network runs them, ms and GMAC/s. */
  benchLayers(config: NetworkConfig, stage: number, runs = 10): Promise<LayerTiming[]> {
    return this.request({ type: 'benchLayers', config, stage, runs });
  }

  /** Forces a grouped-convolution method (rebuilding the loaded network), or the backend's default ('auto'). */
  setGroupedMethod(method: GroupedMethod | 'auto'): Promise<GroupedMethod> {
    return this.request({ type: 'setGroupedMethod', method });
  }

  /** Settings of the own wasm kernels for the networks built next (see `KernelOptions`). */
  setKernelOptions(options: KernelOptions): Promise<void> {
    return this.request({ type: 'setKernelOptions', options });
  }

  /** Every distinct conv shape of `config`, by each method of the active backend (bench/conv-bench.ts). */
  benchConvShapes(config: NetworkConfig, runs = 10, batch = 1, stages?: number[]): Promise<ConvShapeTiming[]> {
    return this.request({ type: 'benchConvShapes', config, runs, batch, stages });
  }

  /** The WASM SIMD ceiling (bench/simd-ceiling.ts) on one thread and on the kernels' pool (wasm). */
  simdCeiling(): Promise<CeilingResult> {
    return this.request({ type: 'simdCeiling' });
  }

  /** The loaded network on a random batch of `batch` images: median ms and images/s. */
  benchBatch(batch: number, runs = 10): Promise<BatchTiming> {
    return this.request({ type: 'benchBatch', batch, runs });
  }

  /** Every op of the loaded network on a random batch, median ms of `runs` after a warm-up (`TfjsNetwork.timeOps`). */
  timeLoadedOps(batch: number, runs = 10): Promise<OpTiming[]> {
    return this.request({ type: 'timeLoadedOps', batch, runs });
  }

  /** Each conv of `config` in the network and alone under four conditions (bench/op-gap.ts). */
  opGap(config: NetworkConfig, runs = 7): Promise<OpGapResult> {
    return this.request({ type: 'opGap', config, runs });
  }

  private request<T>(req: HarnessRequest): Promise<T> {
    return this.send<T>(req);
  }
}
