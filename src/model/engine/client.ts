/**
 * The app's only door to inference. Every tfjs module loads inside a module Web Worker
 * (`worker.ts`); this class sends it requests and turns the answers into promises. A worker error
 * arrives as a rejected promise carrying the worker's message.
 */
import type { NetworkConfig } from '../config.ts';
import { messageOf, type Message } from '../message.ts';
import { ENGINE_MESSAGES, engineError } from './messages.ts';
import type { PreprocessConfig } from '../preprocess.ts';
import type { OrientationMode } from '../image/orientation.ts';
import type {
  BackendCapacity,
  BackendName,
  BackendSpeed,
  BackendStatus,
  BenchResult,
  CachedWeights,
  CamMaps,
  ExplainMap,
  ExplainOverview,
  FeatureMaps,
  LayerValues,
  MapEncoding,
  EngineInfo,
  FormsResult,
  LoadedWeights,
  LoadProgress,
  OpTimes,
  Prediction,
  Request,
  ResponseMessage,
} from './protocol.ts';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (p: LoadProgress) => void;
}

export class EngineClient {
  private worker: Worker | null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  /** `startWorker`: the engine worker to talk to (default: the app's, `worker.ts`). */
  constructor(startWorker: () => Worker = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'resnext-engine' })) {
    this.worker = startWorker();
    this.worker.onmessage = (event: MessageEvent<ResponseMessage>) => this.receive(event.data);
    this.worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.failAll(engineError('engine.workerFailed', { why: event.message || messageOf(ENGINE_MESSAGES, 'engine.workerNoStart') }));
    };
    this.worker.onmessageerror = () => this.failAll(engineError('engine.unreadable'));
  }

  /** Each backend of this browser, whether it can run, and why not. */
  backends(): Promise<BackendStatus[]> {
    return this.call({ type: 'backends' });
  }

  /** Selects a backend ('auto': webgpu, else webgl, wasm, cpu); resolves with the one in use. */
  setBackend(name: BackendName | 'auto'): Promise<BackendName> {
    return this.call({ type: 'setBackend', name });
  }

  /**
   * Loads a state dict (.safetensors / .pth, f32/f16/bf16) from a URL or a file, checks it strictly
   * against the config (the catalogue entry's with `pretrained`, inferred from the tensors when
   * neither is given) and builds the network, after checking the backend can hold it (a catalogued
   * download is checked before it starts, and its SHA-256 after). The entry, or `preprocess`, sets how
   * images are preprocessed and which class names are shown. Weights loaded from a URL are cached in
   * Cache Storage once they loaded, so a second load does not download again. Aborting `signal` cancels
   * the download; other requests are answered while it runs.
   */
  loadWeights(
    src: { url: string } | { file: File | Blob; name: string },
    opts: { config?: NetworkConfig; pretrained?: string; preprocess?: PreprocessConfig; onProgress?: (p: LoadProgress) => void; signal?: AbortSignal } = {},
  ): Promise<LoadedWeights> {
    return this.call({ type: 'loadWeights', src, config: opts.config, pretrained: opts.pretrained, preprocess: opts.preprocess }, opts.onProgress, opts.signal);
  }

  /** The weights kept in Cache Storage (URL, name, size, date), newest first; answered even while a download runs. */
  cachedWeights(): Promise<CachedWeights[]> {
    return this.call({ type: 'cachedWeights' });
  }

  /** Forgets one cached URL, or every cached file. */
  clearCachedWeights(url?: string): Promise<void> {
    return this.call({ type: 'clearCachedWeights', url });
  }

  /**
   * Preprocesses an image as the loaded weights' config says (or as `preprocess` says) and classifies
   * it; top-k with softmax. The EXIF orientation is ignored, as Pillow (PyTorch) ignores it, unless
   * `orientation` is 'apply'; the prediction says which.
   */
  classify(image: Blob, topk = 5, preprocess?: PreprocessConfig, orientation: OrientationMode = 'ignore'): Promise<Prediction> {
    return this.call({ type: 'classify', image, topk, preprocess, orientation });
  }

  /** What the backend in use can hold (see memory.ts). */
  capacity(): Promise<BackendCapacity> {
    return this.call({ type: 'capacity' });
  }

  /** Times the loaded network on a random batch-1 input: median/p90 over `runs`, plus per stage. */
  benchmark(runs: number): Promise<BenchResult> {
    return this.call({ type: 'benchmark', runs });
  }

  /**
   * Runs forms (a), (b), (c) of one block of `stage` (1-based) with shared random weights on one input.
   * Aborting `signal` rejects at once and stops the worker's check at its next step.
   */
  checkForms(config: NetworkConfig, stage: number, seed = 1, block = 0, signal?: AbortSignal): Promise<FormsResult> {
    return this.call({ type: 'checkForms', config, stage, seed, block }, undefined, signal);
  }

  /** The worker's state: backend, grouped-conv method, live tensors, wasm threads. */
  info(): Promise<EngineInfo> {
    return this.call({ type: 'info' });
  }

  /** The active backend's matmul throughput, element-wise bandwidth and per-op time ("This browser"). */
  measureSpeed(): Promise<BackendSpeed> {
    return this.call({ type: 'measureSpeed' });
  }

  /** Times every op of `config` with random weights at a batch: median of `runs` passes after a warm-up. */
  timeOps(config: NetworkConfig, batch: number, runs = 3): Promise<OpTimes> {
    return this.call({ type: 'timeOps', config, batch, runs });
  }

  /** Frees the loaded network's tensors. */
  unloadWeights(): Promise<void> {
    return this.call({ type: 'unloadWeights' });
  }

  /** Seeded random weights for `config`: the Explain view's maps then show random weights, and it says so. */
  loadRandomWeights(config: NetworkConfig, seed = 1): Promise<LoadedWeights> {
    return this.call({ type: 'loadRandomWeights', config, seed });
  }

  /** Makes an image the input to explain (preprocessed as `classify` does): its top-k and their class activation maps. */
  explainImage(image: Blob, topk = 5, orientation: OrientationMode = 'ignore'): Promise<ExplainOverview> {
    return this.call({ type: 'explainImage', image, topk, orientation });
  }

  /** Makes a raw float32 NCHW batch the input to explain. */
  explainInput(input: Float32Array, shape: number[], topk = 5): Promise<ExplainOverview> {
    return this.call({ type: 'explainInput', input, shape, topk });
  }

  /** One sample of a layer's output as compact maps: per-map min/max/mean/zeros and uint8 (default), float16 or float32 values. */
  explainLayer(layer: string, encoding: MapEncoding = 'uint8', sample = 0): Promise<FeatureMaps> {
    return this.call({ type: 'explainLayer', layer, encoding, sample });
  }

  /** One map of a layer in float32 (the enlarged map's numbers). */
  explainMap(layer: string, channel: number, sample = 0): Promise<ExplainMap> {
    return this.call({ type: 'explainMap', layer, channel, sample });
  }

  /** Whole outputs of layers in PyTorch's layout (what their forward hooks return). */
  explainValues(layers: string[]): Promise<LayerValues[]> {
    return this.call({ type: 'explainValues', layers });
  }

  /** Class activation maps of given classes, per sample. */
  explainCam(classes: number[][]): Promise<CamMaps> {
    return this.call({ type: 'explainCam', classes });
  }

  /** Stops the worker; pending calls reject. */
  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.failAll(engineError('engine.disposed'));
  }

  private call<T>(request: Request, onProgress?: (p: LoadProgress) => void, signal?: AbortSignal): Promise<T> {
    return this.send<T>(request, onProgress, signal);
  }

  /** Sends any request: a worker started with more handlers (the e2e harness) takes more than `Request`. */
  protected send<T>(request: { type: string }, onProgress?: (p: LoadProgress) => void, signal?: AbortSignal): Promise<T> {
    const worker = this.worker;
    if (!worker) return Promise.reject(engineError('engine.disposed'));
    if (signal?.aborted) return Promise.reject(engineError('engine.cancelled'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      signal?.addEventListener('abort', () => {
        if (!this.pending.delete(id)) return;
        this.worker?.postMessage({ id: this.nextId++, type: 'cancel', target: id });
        reject(engineError('engine.cancelled'));
      }, { once: true });
      try {
        worker.postMessage({ id, ...request });
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private receive(msg: ResponseMessage): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.kind === 'done') p.resolve(msg.result);
    else {
      // The worker's error, with its message as an id and parameters when it has one.
      const error: Error & { msg?: Message } = new Error(msg.message);
      error.name = msg.name;
      if (msg.msg) error.msg = msg.msg;
      p.reject(error);
    }
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}
