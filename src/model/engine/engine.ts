/**
 * The inference engine behind the worker, free of browser APIs so that Node tests and the CLI run
 * the same code: backend choice, loading and checking weights, building the tfjs network,
 * classifying preprocessed images, benchmarking, and the block-forms check.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../config.ts';
import { buildLayerGraph, type LayerGraph } from '../graph.ts';
import { ENGINE_MESSAGES, engineError } from './messages.ts';
import { messageOf } from '../message.ts';
import { classNames, hasClassNames, IMAGENET_CLASSES } from '../classes.ts';
import { checkImageSize, sniffImage, type ImageInfo } from '../image/sniff.ts';
import type { PixelImage } from '../image/rgb.ts';
import { backendCapacity, checkMemory, memoryNeed, type BackendCapacity } from '../memory.ts';
import { DEFAULT_PREPROCESS, preprocessImage, validatePreprocess, type PreprocessConfig } from '../preprocess.ts';
import { evalPreprocess, pretrainedConfig, type PretrainedEntry } from '../pretrained.ts';
import { aboutFile, checkStateDict, openWeights, weightsNetwork } from '../weights/index.ts';
import { probeBackends, useBackend, useBestBackend, wasmKernelInfo, wasmThreadsInUse, type BackendName } from '../tfjs/backends.ts';
import { checkForms } from '../tfjs/forms.ts';
import { fusesResidual, groupedKernelAvailable, type GroupedMethod } from '../tfjs/grouped.ts';
import { buildNetwork, defaultGroupedMethod, type NetworkOptions, type TfjsNetwork } from '../tfjs/network.ts';
import type { StateDict } from '../weights/common.ts';
import { probeSpeed } from '../tfjs/speed-probe.ts';
import { randomStateDict } from '../tfjs/random.ts';
import type { BackendSpeed, BenchResult, EngineInfo, FormsResult, LoadedWeights, OpTimes, BackendStatus, WeightsMeta } from './protocol.ts';
import { FiniteGuard, runGuarded } from './finite.ts';
import type { CamMaps, ExplainMap, ExplainOverview, FeatureMaps, LayerValues, MapEncoding } from './protocol.ts';
import { Explainer } from './explainer.ts';

interface TopEntry {
  index: number;
  label: string;
  prob: number;
}

/** Softmax over one logit vector (in float64, max subtracted), then the k most probable classes ("class i" without names). */
export function topK(logits: ArrayLike<number>, k: number, names: readonly string[] | null): TopEntry[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += e[i] = Math.exp(logits[i] - max);
  const order = [...e.keys()].sort((a, b) => e[b] - e[a] || a - b).slice(0, Math.max(0, Math.min(k, logits.length)));
  const useNames = names !== null && names.length === logits.length;
  return order.map((index) => ({ index, label: useNames ? names[index] : `class ${index}`, prob: e[index] / sum }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

/**
 * What a checkpoint says about its use: its catalogue entry (which gives the network, the preprocessing
 * and the class names), or, for any other file, the preprocessing to use and whether its outputs are
 * ImageNet-1k's classes (assumed for 1000 outputs, and said so).
 */
function weightsMeta(config: NetworkConfig, opts: { pretrained?: PretrainedEntry; preprocess?: PreprocessConfig } = {}): WeightsMeta {
  const entry = opts.pretrained;
  if (entry) return { pretrained: entry.tag, preprocess: validatePreprocess(opts.preprocess ?? evalPreprocess(entry)), classes: hasClassNames(entry.classes.id) ? entry.classes.id : null, classesAssumed: false };
  const assumed = config.classes === IMAGENET_CLASSES.length;
  return { pretrained: null, preprocess: validatePreprocess(opts.preprocess ?? DEFAULT_PREPROCESS), classes: assumed ? 'imagenet-1k' : null, classesAssumed: assumed };
}

/** A weights file handed to `Engine.loadWeights`: its name (which tells the format of an odd file), where it came from. */
export interface WeightsBytes {
  bytes: Uint8Array;
  name: string;
  /** What `LoadedWeights.source` says: a URL or a path (default: the name). */
  source?: string;
  /** It came from Cache Storage. */
  cached?: boolean;
}

/** What `Engine.loadWeights` is told about the weights besides their bytes. */
interface LoadOptions {
  /** The network they must fit; else the catalogue entry's; else inferred from the shapes. */
  config?: NetworkConfig;
  /** The catalogue entry: its network, preprocessing and class names. */
  pretrained?: PretrainedEntry;
  /** The preprocessing `classify` applies (default: the entry's, else timm's default). */
  preprocess?: PreprocessConfig;
  /** The [C, H, W] the network is built for when it is not the config's (the CLI's input tensor). */
  input?: readonly [number, number, number];
  /** Without `config` or an entry: fields that complete the inferred network, those a file cannot tell (`aa`). */
  complete?: Partial<NetworkConfig>;
}

/** Logits of a float32 NCHW batch (`Engine.logits`). */
export interface Logits {
  logits: Float32Array;
  shape: number[];
  ms: number;
  backend: BackendName;
}

export interface EngineOptions {
  /** Backends tried by `auto`, in order. */
  order?: BackendName[];
  /**
   * How the networks it builds run their dense convs and their own kernels (`NetworkOptions`), asked
   * at every build (default: the measured choices). The benchmarks and tests compare the paths.
   */
  network?: () => Pick<NetworkOptions, 'dense' | 'kernels'>;
}

/** Milliseconds of each of `runs` predictions of `x` (until its data is read back), after one untimed warm-up. */
export async function predictionTimes(net: TfjsNetwork, x: tf.Tensor4D, runs: number): Promise<number[]> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const y = net.predict(x);
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return times;
}

export class Engine {
  private backend: BackendName | null = null;
  private net: TfjsNetwork | null = null;
  /** The loaded network's graph and state dict, kept to rebuild it on another backend or grouped method. */
  private graph: LayerGraph | null = null;
  private sd: StateDict | null = null;
  private weights: LoadedWeights | null = null;
  /** Bounds the loaded network's values, so that NaN/Inf is reported, never shown as a top-5 (finite.ts). */
  private guard: FiniteGuard | null = null;
  private readonly options: EngineOptions;
  private grouped: GroupedMethod | null = null;
  private readonly explainer = new Explainer();

  constructor(options: EngineOptions = {}) {
    this.options = options;
  }

  async backends(): Promise<BackendStatus[]> {
    const all = await probeBackends();
    return this.options.order ? all.filter((b) => this.options.order!.includes(b.name)) : all;
  }

  /** Selects a backend; a loaded network is rebuilt on it. */
  async setBackend(name: BackendName | 'auto'): Promise<BackendName> {
    const before = this.backend;
    this.disposeNetwork();
    try {
      this.backend = name === 'auto' ? await useBestBackend(this.options.order) : await useBackend(name);
    } catch (e) {
      if (before) this.backend = await useBackend(before);
      if (this.grouped === 'kernel' && this.backend && !groupedKernelAvailable(this.backend)) this.grouped = null;
      this.rebuild();
      throw e;
    }
    if (this.grouped === 'kernel' && !groupedKernelAvailable(this.backend)) this.grouped = null;
    this.rebuild();
    return this.backend;
  }

  async ensureBackend(): Promise<BackendName> {
    return this.backend ?? (await this.setBackend('auto'));
  }

  /**
   * Loads a weights file, in one straight line: its shapes (nothing decoded), the network (`config`,
   * else the catalogue entry's, else inferred from the shapes), its layer graph and the strict check,
   * once each; whether the backend can hold it; then the tensors are decoded and the network built.
   * So a file for another network, or too large, is refused before it is decoded. The entry (or
   * `opts.preprocess`) sets the preprocessing and class names `classify` uses. On failure the previous
   * network stays and nothing new is kept.
   */
  async loadWeights(file: WeightsBytes, opts: LoadOptions = {}): Promise<LoadedWeights> {
    await this.ensureBackend();
    const opened = openWeights(file.bytes, file.name);
    const given = opts.config ?? (opts.pretrained ? pretrainedConfig(opts.pretrained) : undefined);
    const { config, graph, check, notice } = aboutFile(opened, () => weightsNetwork(opened.entries, given, opts.input, opts.complete));
    const memory = memoryNeed(graph, file.bytes.byteLength);
    checkMemory(memory, this.capacity());
    const stateDict = opened.read();
    const loaded = { config, source: file.source ?? file.name, tensors: check.tensors, bytes: file.bytes.byteLength, cached: file.cached === true, memory, ...weightsMeta(config, opts), ...(notice ? { notice } : {}) };
    return this.install(graph, stateDict, loaded);
  }

  /** Builds the network from an in-memory state dict (tests, random weights). */
  async loadStateDict(sd: StateDict, config: NetworkConfig, source: string): Promise<LoadedWeights> {
    return this.loadChecked(buildLayerGraph(config), sd, { source });
  }

  /** Checks an in-memory state dict strictly against its graph and the backend's capacity, then builds it. */
  private async loadChecked(graph: LayerGraph, sd: StateDict, about: Pick<LoadedWeights, 'source' | 'random' | 'seed'>): Promise<LoadedWeights> {
    await this.ensureBackend();
    checkStateDict(graph, sd);
    const bytes = [...sd.values()].reduce((s, t) => s + t.data.byteLength, 0);
    const memory = memoryNeed(graph, bytes);
    checkMemory(memory, this.capacity());
    return this.install(graph, sd, { config: graph.config, ...about, tensors: sd.size, bytes, cached: false, memory, ...weightsMeta(graph.config) });
  }

  /** Builds a checked state dict's network and makes it the loaded one (the previous one stays if building fails). */
  private install(graph: LayerGraph, sd: StateDict, weights: LoadedWeights): LoadedWeights {
    const guard = new FiniteGuard(graph, sd);
    const net = buildNetwork(graph, sd, this.netOptions());
    this.disposeNetwork();
    this.net = net;
    this.guard = guard;
    this.graph = graph;
    this.sd = sd;
    this.weights = weights;
    return weights;
  }

  /** Builds the loaded network again (another backend, another grouped method); the old one is disposed after. */
  private rebuild(): void {
    if (!this.graph || !this.sd) return;
    const net = buildNetwork(this.graph, this.sd, this.netOptions());
    this.disposeNetwork();
    this.net = net;
  }

  /** What the current backend can hold (wasm's heap; the largest buffer or texture of a GPU device). */
  capacity(): BackendCapacity {
    const backend = this.backend ?? 'cpu';
    const device: { maxBufferBytes?: number; maxTextureSize?: number } = {};
    try {
      if (backend === 'webgpu') {
        const limits = (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }).device?.limits;
        if (limits?.maxStorageBufferBindingSize) device.maxBufferBytes = limits.maxStorageBufferBindingSize;
      } else if (backend === 'webgl') {
        device.maxTextureSize = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
      }
    } catch {
      // A device that does not report its limits is checked against none.
    }
    return backendCapacity(backend, device);
  }

  unloadWeights(): void {
    this.disposeNetwork();
    this.graph = null;
    this.sd = null;
    this.weights = null;
    this.guard = null;
  }

  /**
   * Reads an encoded image's kind, size (the largest its headers state) and EXIF orientation before
   * decoding: throws a clear error for non-images, damaged headers, > 50 MP or too many JPEG scans.
   */
  inspectImage(bytes: Uint8Array): ImageInfo {
    const info = sniffImage(bytes);
    checkImageSize(info.width, info.height);
    return info;
  }

  /**
   * Preprocesses an image as the loaded weights' config says (or as `preprocess` says) and returns the
   * top-k classes, named by the weights' class set.
   */
  async classify(image: PixelImage, topk = 5, preprocess?: PreprocessConfig): Promise<{ top: TopEntry[]; ms: number; backend: BackendName; crop: { width: number; height: number; data: Uint8ClampedArray }; preprocess: PreprocessConfig }> {
    const net = this.requireNetwork();
    const pre = validatePreprocess(preprocess ?? this.weights!.preprocess);
    const t0 = performance.now();
    const { tensor, crop } = preprocessImage(image, pre);
    const out = await runGuarded(net, this.guard!, tensor, [1, 3, pre.inputSize, pre.inputSize]);
    const ms = performance.now() - t0;
    const names = this.weights!.classes ? classNames(this.weights!.classes) : null;
    return { top: topK(out.data, topk, names), ms, backend: this.backend!, crop, preprocess: pre };
  }

  /** The loaded network's logits of a preprocessed float32 NCHW batch, under the finite guard (the CLI's `predict --input`). */
  async logits(input: Float32Array, shape: readonly number[]): Promise<Logits> {
    const net = this.requireNetwork();
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.length !== 4 || input.length !== n) throw new Error(`input holds ${input.length} values, shape [${shape.join(', ')}] needs ${n}`);
    const t0 = performance.now();
    const out = await runGuarded(net, this.guard!, input, shape);
    return { logits: out.data, shape: out.shape, ms: performance.now() - t0, backend: this.backend! };
  }

  async benchmark(runs: number): Promise<BenchResult> {
    const net = this.requireNetwork();
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new Error(`runs must be an integer 1..1000, got ${runs}`);
    const [c, h, w] = net.graph.config.input;
    const x = tf.randomNormal([1, c, h, w], 0, 1, 'float32', 7) as tf.Tensor4D;
    try {
      const times = await predictionTimes(net, x, runs);
      const staged = await net.runStaged(x);
      staged.output.dispose();
      return { runs, medianMs: median(times), p90Ms: percentile(times, 0.9), perStageMs: staged.stages, backend: this.backend! };
    } finally {
      x.dispose();
    }
  }

  async checkForms(config: NetworkConfig, stage: number, seed = 1, block = 0, signal?: AbortSignal): Promise<FormsResult> {
    const backend = await this.ensureBackend();
    const r = await checkForms(config, stage, seed, defaultGroupedMethod(backend), 3, block, signal);
    return { ...r, backend };
  }

  async info(): Promise<EngineInfo> {
    return {
      backend: this.backend,
      groupedMethod: this.net?.grouped ?? this.grouped ?? (this.backend ? defaultGroupedMethod(this.backend) : null),
      numTensors: tf.memory().numTensors,
      wasmThreads: this.backend === 'wasm' ? await wasmThreadsInUse() : null,
      crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
      wasmKernels: this.backend === 'wasm' ? wasmKernelInfo() : null,
      weights: this.weights ? { source: this.weights.source, tensors: this.weights.tensors } : null,
    };
  }

  get network(): TfjsNetwork | null {
    return this.net;
  }

  /** Forces a grouped-conv method ('auto': the backend's measured default); rebuilds a loaded network. */
  async setGroupedMethod(method: GroupedMethod | 'auto'): Promise<GroupedMethod> {
    const backend = await this.ensureBackend();
    if (method === 'kernel' && !groupedKernelAvailable(backend)) throw new Error(`the grouped conv kernel exists on cpu, wasm and webgpu only, not on ${backend}`);
    this.grouped = method === 'auto' ? null : method;
    this.rebuild();
    return this.grouped ?? defaultGroupedMethod(backend);
  }

  /** The active backend's speed for the roofline; the memory it can hold (wasm: 32-bit memory). */
  async measureSpeed(): Promise<BackendSpeed> {
    const backend = await this.ensureBackend();
    const o = this.netOptions();
    const p = await probeSpeed({ grouped: o.grouped ?? defaultGroupedMethod(backend), dense: o.dense, kernels: o.kernels });
    const deviceGiB = (globalThis as { navigator?: { deviceMemory?: number } }).navigator?.deviceMemory;
    const wasm = backend === 'wasm';
    const note = wasm
      ? messageOf(ENGINE_MESSAGES, 'engine.memory.wasm')
      : deviceGiB ? messageOf(ENGINE_MESSAGES, 'engine.memory.device', { gib: deviceGiB }) : messageOf(ENGINE_MESSAGES, 'engine.memory.assumed');
    return {
      backend,
      threads: backend === 'wasm' ? await wasmThreadsInUse() : null,
      convGflops: p.convGflops,
      groupedGflops: p.groupedGflops,
      copyGBs: p.copyGBs,
      launchUs: p.launchUs,
      convUs: p.convUs,
      chainUs: p.chainUs,
      residualFusion: fusesResidual({ inChannels: 64, outChannels: 64, kernel: 1, stride: 1, padding: 0, groups: 1 }),
      memoryBytes: wasm ? 4 * 2 ** 30 : (deviceGiB ?? 4) * 2 ** 30,
      memoryNote: note.text,
      memoryNoteMessage: note,
    };
  }

  /**
   * Times every op of a network with seeded random weights at a batch (median of `runs` after a warm-up).
   * Refuses networks whose float32 weights and batch-B input pass 1 GB: timing them would not fit the
   * backend's memory beside their activations.
   */
  async timeOps(config: NetworkConfig, batch: number, runs = 3): Promise<OpTimes> {
    const backend = await this.ensureBackend();
    if (!Number.isInteger(batch) || batch < 1 || batch > 256) throw new Error(`batch must be a whole number from 1 to 256, got ${batch}`);
    if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`runs must be a whole number from 1 to 50, got ${runs}`);
    const graph = buildLayerGraph(config);
    const weights = graph.nodes.reduce((s, n) => s + n.tensors.reduce((t, x) => t + x.shape.reduce((a, b) => a * b, 1), 0), 0) * 4;
    if (weights > 1e9) throw engineError('engine.tooLargeToTime', { gb: (weights / 1e9).toFixed(1) });
    const net = buildNetwork(graph, randomStateDict(graph, 11), this.netOptions());
    const [c, h, w] = config.input;
    const x = tf.randomNormal([batch, c, h, w], 0, 1, 'float32', 13) as tf.Tensor4D;
    try {
      return { backend, batch, runs, ops: await net.timeOps(x, runs) };
    } finally {
      x.dispose();
      net.dispose();
    }
  }

  /** Seeded random weights for a config (He-normal convs, BN statistics around 1 and 0): the Explain view's "random weights". */
  async loadRandomWeights(config: NetworkConfig, seed = 1): Promise<LoadedWeights> {
    const graph = buildLayerGraph(config);
    return this.loadChecked(graph, randomStateDict(graph, seed), { source: `random weights (seed ${seed})`, random: true, seed });
  }

  /**
   * Sets the Explain view's input to an image, preprocessed as `classify` does (the weights' config, or
   * `preprocess`), and answers its overview.
   */
  async explainImage(image: PixelImage, topk = 5, preprocess?: PreprocessConfig): Promise<ExplainOverview> {
    this.requireNetwork();
    const pre = validatePreprocess(preprocess ?? this.weights!.preprocess);
    const { tensor, crop } = preprocessImage(image, pre);
    this.explainer.setInput(tensor, [1, 3, pre.inputSize, pre.inputSize], crop);
    return this.explainOverview(topk);
  }

  /** Sets the Explain view's input to a raw float32 NCHW batch and answers its overview. */
  async explainInput(input: Float32Array, shape: number[], topk = 5): Promise<ExplainOverview> {
    this.requireNetwork();
    this.explainer.setInput(input, shape);
    return this.explainOverview(topk);
  }

  /** Top-k and CAMs under the finite guard; an input the guard refuses is not kept for the layer requests. */
  private async explainOverview(topk: number): Promise<ExplainOverview> {
    const net = this.requireNetwork();
    const names = this.weights!.classes ? classNames(this.weights!.classes) : null;
    try {
      return await this.explainer.overview(net, this.sd!, this.guard!, topk, (l, k) => topK(l, k, names), this.backend!, this.weights?.random === true);
    } catch (e) {
      this.explainer.clear();
      throw e;
    }
  }

  /** One sample of a layer's output of the current input, as compact maps. */
  async explainLayer(layer: string, encoding: MapEncoding = 'uint8', sample = 0): Promise<FeatureMaps> {
    return this.explainer.layer(this.requireNetwork(), this.sd!, layer, encoding, sample);
  }

  /** One map of a layer of the current input, in float32. */
  async explainMap(layer: string, channel: number, sample = 0): Promise<ExplainMap> {
    return this.explainer.map(this.requireNetwork(), this.sd!, layer, channel, sample);
  }

  /** Whole outputs of layers of the current input in PyTorch's layout. */
  async explainValues(layers: string[]): Promise<LayerValues[]> {
    return this.explainer.values(this.requireNetwork(), this.sd!, layers);
  }

  /** CAMs of given classes per sample of the current input. */
  async explainCam(classes: number[][]): Promise<CamMaps> {
    return this.explainer.cam(this.requireNetwork(), this.sd!, classes);
  }

  private netOptions(): NetworkOptions {
    const chosen = this.options.network?.() ?? {};
    return this.grouped ? { ...chosen, grouped: this.grouped } : chosen;
  }

  private requireNetwork(): TfjsNetwork {
    if (!this.net) throw engineError('engine.noWeights');
    return this.net;
  }

  private disposeNetwork(): void {
    this.net?.dispose();
    this.net = null;
  }
}
