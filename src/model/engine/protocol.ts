/**
 * Messages between `EngineClient` (main thread) and the engine worker. Every request carries an id;
 * the worker answers each with exactly one `done` or `error` message, preceded by any number of
 * `progress` messages for the same id.
 */
import type { NetworkConfig } from '../config.ts';
import type { FeatureMaps, MapEncoding } from '../feature-maps.ts';
import type { BackendCapacity, MemoryNeed } from '../memory.ts';
import type { PreprocessConfig } from '../preprocess.ts';
import type { OrientationMode, OrientationNote } from '../image/orientation.ts';
import type { BackendName, BackendStatus } from '../tfjs/backend-name.ts';
import type { SpeedProbe } from '../tfjs/speed-probe.ts';
import type { Message } from '../message.ts';
import type { CachedWeights } from './weights-cache.ts';

export { type BackendName, type BackendStatus };
export type { FeatureMaps, MapEncoding, CachedWeights };

export interface LoadProgress {
  loaded: number;
  total: number | null;
  /** The bytes are all here and the engine builds the network: too late to cancel. */
  building?: boolean;
}
/** How loaded weights are used: their catalogue tag, the preprocessing `classify` applies, their class set. */
export interface WeightsMeta {
  pretrained: string | null;
  preprocess: PreprocessConfig;
  /** Class set id (`imagenet-1k`), or null: outputs are shown as "class i". */
  classes: string | null;
  /** The class set was assumed from the number of outputs (a file outside the catalogue). */
  classesAssumed: boolean;
  /** Where the preprocessing of weights outside the catalogue came from (a timm hub repository's config.json), if anywhere. */
  preprocessSource?: Message;
}
export interface LoadedWeights extends WeightsMeta {
  config: NetworkConfig; source: string; tensors: number; bytes: number; cached: boolean; memory: MemoryNeed;
  /** Drawn at random (`loadRandomWeights`), not trained: what they compute shows nothing learned. */
  random?: boolean;
  /** The seed random weights were drawn with. */
  seed?: number;
  /** What the file could not tell about the network inferred from it (anti-aliasing has no weights). */
  notice?: Message;
}
export interface Prediction {
  top: { index: number; label: string; prob: number }[]; ms: number; backend: BackendName; crop: ImageData; preprocess: PreprocessConfig;
  /** The image's EXIF orientation and whether it was applied (null: the file asks for no turn). */
  orientation: OrientationNote | null;
}
export type { BackendCapacity };
export interface BenchResult { runs: number; medianMs: number; p90Ms: number; perStageMs: { stage: string; ms: number }[]; backend: BackendName }
export interface FormsResult {
  forms: { form: 'a' | 'b' | 'c'; ms: number; params: number }[];
  maxAbsDiff: { ab: number; ac: number; bc: number };
  backend: BackendName;
}
/** What the worker holds: backend, grouped-convolution method, live tensors, wasm threads. */
export interface EngineInfo {
  backend: BackendName | null;
  groupedMethod: string | null;
  numTensors: number;
  wasmThreads: number | null;
  crossOriginIsolated: boolean;
  /**
   * The own wasm kernels (null off wasm): threads of their pool, helper workers started and work
   * items they did, and whether the kernels use relaxed-SIMD FMA.
   */
  wasmKernels: { threads: number; helpersStarted: number; helperItems: number; fma: boolean } | null;
  weights: { source: string; tensors: number } | null;
}

/**
 * What the Explain view needs first for an input: its top-k per sample and, for each, the class
 * activation maps of those classes ([N, k, H', W'], the last stage's output times fc.weight, no bias,
 * no upsampling). `cam` is null, with `camError` saying why, for a network without its head.
 */
export interface ExplainOverview {
  shape: number[];
  /** The preprocessed crop of an image input (RGBA), null for a raw tensor. */
  crop: ImageData | { width: number; height: number; data: Uint8ClampedArray } | null;
  top: { index: number; label: string; prob: number }[][] | null;
  cam: { layer: string; maps: Float32Array; shape: [number, number, number, number]; classes: number[][] } | null;
  /** Why there are no CAMs, as a message (id, parameters and English text). */
  camError: Message | null;
  ms: number;
  backend: BackendName;
  random: boolean;
  /** An image input's EXIF orientation and whether it was applied (null: none asks for a turn; absent for a raw tensor). */
  orientation?: OrientationNote | null;
}
/** One map of a layer in float32 with its statistics (the enlarged map). */
export interface ExplainMap { layer: string; channel: number; sample: number; height: number; width: number; values: Float32Array; min: number; max: number; mean: number; zeros: number }
/** A layer's whole output in PyTorch's layout (what its forward hook returns). */
export interface LayerValues { name: string; shape: number[]; data: Float32Array }
/** Class activation maps of given classes per sample, [N, k, H', W']. */
export interface CamMaps { layer: string; maps: Float32Array; shape: [number, number, number, number]; classes: number[][]; logits: Float32Array }
/** The active backend's speed for the roofline ("This browser"): the probe's figures (tfjs/speed-probe.ts) and what the backend is. */
export interface BackendSpeed extends Omit<SpeedProbe, 'backend'> {
  backend: BackendName;
  threads: number | null;
  /** Whether the network's dense convs add the block's residual inside their kernel (the own GEMM kernel on wasm). */
  residualFusion: boolean;
  /** What the backend can hold: 4 GiB for wasm (32-bit memory), else navigator.deviceMemory. */
  memoryBytes: number;
  memoryNote: string;
  memoryNoteMessage: Message;
}
/** Per-op times of a random-weight network at a batch (first / last: the layer-graph nodes the op runs). */
export interface OpTimes { backend: BackendName; batch: number; runs: number; ops: { name: string; first: number; last: number; ms: number }[] }

type WeightsSource = { url: string } | { file: File | Blob; name: string };

export type Request =
  | { type: 'backends' }
  | { type: 'setBackend'; name: BackendName | 'auto' }
  | { type: 'loadWeights'; src: WeightsSource; config?: NetworkConfig; pretrained?: string; preprocess?: PreprocessConfig }
  | { type: 'classify'; image: Blob; topk: number; preprocess?: PreprocessConfig; orientation?: OrientationMode }
  | { type: 'capacity' }
  | { type: 'benchmark'; runs: number }
  | { type: 'checkForms'; config: NetworkConfig; stage: number; seed: number; block: number }
  | { type: 'info' }
  | { type: 'unloadWeights' }
  | { type: 'measureSpeed' }
  | { type: 'timeOps'; config: NetworkConfig; batch: number; runs: number }
  | { type: 'loadRandomWeights'; config: NetworkConfig; seed: number }
  | { type: 'explainImage'; image: Blob; topk: number; orientation?: OrientationMode }
  | { type: 'explainInput'; input: Float32Array; shape: number[]; topk: number }
  | { type: 'explainLayer'; layer: string; encoding: MapEncoding; sample: number }
  | { type: 'explainMap'; layer: string; channel: number; sample: number }
  | { type: 'explainValues'; layers: string[] }
  | { type: 'explainCam'; classes: number[][] }
  /** The weights kept in Cache Storage (answered at once, never queued behind the engine's work). */
  | { type: 'cachedWeights' }
  /** Forgets one cached URL, or every cached file (answered at once). */
  | { type: 'clearCachedWeights'; url?: string }
  /** Stops request `target` (queued, or at its next step where it takes one: the forms check); never queued, never answered. */
  | { type: 'cancel'; target: number };

export type RequestMessage = { id: number } & Request;

export type ResponseMessage =
  | { id: number; kind: 'done'; result: unknown }
  | { id: number; kind: 'error'; message: string; name: string; msg?: Message }
  | { id: number; kind: 'progress'; progress: LoadProgress };
