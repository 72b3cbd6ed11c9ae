/**
 * Cost beyond FLOPs, for one network at a batch size, precision, layout, optimizer, device and GPU count:
 * RegNet's activations, per-layer memory traffic and predicted time (the kernel-level model of timing/),
 * the training step's time (forward, backward, optimizer, data-parallel all-reduce), training memory
 * (parameters, gradients, optimizer state, what autograd saves, the peak of a training step), training MACs and
 * the inference peak. `memory.ts`, `peak-memory.ts`, `training-flops.ts` and `timing/` hold the rules; this file puts them together, checks the options, and writes the CLI's JSON.
 */
import { stageDepths } from '../model/config.ts';
import { buildLayerGraph, type LayerGraph } from '../model/graph.ts';
import { totalMacs } from './counts.ts';
import { DEVICE_NAMES, findDevice, type Device } from './devices.ts';
import {
  atBatch,
  convActivations,
  DTYPE_BYTES,
  inferencePeakBytes,
  largestBatch,
  OPTIMIZERS,
  parameterCounts,
  trainingBytes,
  trainingMemory,
  trainingPrecision,
  type AutocastOptions,
  type Optimizer,
  type TrainingMemory,
} from './memory.ts';
import { peakTrainingMemory, type GradReset, type PeakTrainingMemory, type TrainingStepOptions } from './peak-memory.ts';
import type { KernelCost } from './roofline.ts';
import { trainingMacs } from './training-flops.ts';
import { layerTimes, timeSetting } from './timing/layers.ts';
import { LAYOUTS, type Layout } from './timing/model.ts';
import { autocasts, matrixPath, memoryDtype, PRECISIONS, type Precision } from './timing/precision.ts';
import { trainingStepTime, type TimeSetting } from './timing/predict.ts';
import { thousands } from './format.ts';
import { catalogue, MessageError } from '../model/message.ts';

/** The cost options' error messages: English templates by id (src/model/message.ts), translated by the app. */
export const COST_MESSAGES = {
  'cost.batchText': 'batch size must be a positive whole number (1, 2, 3, ...), got "{value}"',
  'cost.batch': 'batch size must be a positive whole number (1, 2, 3, ...), got {value}',
  'cost.dtype': 'precision must be {allowed}, got "{value}"',
  'cost.layout': 'layout must be {allowed}, got "{value}"',
  'cost.gpus': 'the number of GPUs must be a whole number from 1 to {most}, got "{value}"',
  'cost.gpusSingle': '{device} is a single device here (no interconnect in the device table): use 1 GPU, got {value}',
  'cost.optimizer': 'optimizer must be {allowed}, got "{value}"',
  'cost.device': 'unknown device "{value}": use one of {allowed}',
  'cost.fastNorm': 'fast-norm runs GroupNorm in float16 under autocast, so it needs the amp precision, got {dtype}: use amp or leave fast-norm off',
  'cost.tooLarge': 'batch {batch} would need {bytes} bytes of training memory (over 1e15): use a batch of at most {most}',
  'cost.tooLargeAtOne': 'batch {batch} would need {bytes} bytes of training memory (over 1e15): this network does not fit even at batch 1',
} as const;

/** Bad cost options; the message names the value and the fix. `msg` is it as an id with parameters. */
export class CostError extends MessageError {
  override readonly name = 'CostError';
}

const { error: costError } = catalogue(COST_MESSAGES, (m) => new CostError(m));

export interface CostOptions {
  /** Per GPU. */
  batch: number;
  /** The precision (timing/precision.ts); memory follows its storage rules. */
  dtype: Precision;
  layout: Layout;
  optimizer: Optimizer;
  device: Device;
  /** Data-parallel GPUs of the training step (inference runs on one). */
  gpus: number;
  /** How `zero_grad` resets the gradients in the training step (peak-memory.ts); default 'zero' (torch 1.x). */
  zeroGrad?: GradReset;
  /** The optimizer's foreach implementation (peak-memory.ts); default false (torch 1.13's single-tensor loop). */
  foreach?: boolean;
  /** GroupNorm in float16 under autocast (timm's `--fast-norm`); default false: autocast runs it in float32. amp only. */
  fastNorm?: boolean;
}

export const DEFAULT_BATCH = 32;
export const DEFAULT_DTYPE: Precision = 'float32';
export const DEFAULT_LAYOUT: Layout = 'nchw';
export const MAX_GPUS = 64;
/** ImageNet-1k's training set: the epoch of the training figures. */
export const IMAGENET_TRAIN_IMAGES = 1_281_167;
export const DEFAULT_OPTIMIZER: Optimizer = 'momentum';
/** Batches whose training memory would pass this many bytes are refused as not meant. */
const MAX_MEMORY_BYTES = 1e15;

interface StageTime {
  stage: number;
  /** conv1 (stem), layer1.., head. */
  module: string;
  ms: number;
  /** Of the whole predicted time. */
  share: number;
  macs: number;
  bytes: number;
}

export interface TrainingTime {
  stepMs: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  /** The ring all-reduce of the gradients, and the part of it the backward pass does not hide. */
  allReduceMs: number;
  exposedAllReduceMs: number;
  imagesPerS: number;
  /** Seconds per epoch of IMAGENET_TRAIN_IMAGES images. */
  epochS: number;
  gpus: number;
}

export interface CostReport {
  graph: LayerGraph;
  options: CostOptions;
  totals: {
    params: number;
    /** Per image (batch 1), paper convention. */
    macs: number;
    /** Per image: forward + backward by FlopCounterMode's rule (training-flops.ts). */
    trainMacs: number;
    /** RegNet's activations: conv output elements per image. */
    convActivations: number;
    /** Everything below is for the whole batch. */
    savedActivationBytes: number;
    paramsBytes: number;
    gradsBytes: number;
    optimizerBytes: number;
    trainingBytes: number;
    /** The peak of live tensor memory in one training step on the device (CUDA's 512-byte blocks), per GPU. */
    peakTrainingBytes: number;
    inferencePeakBytes: number;
    /** Inference (eval forward) of the batch on the device: wall time as eager PyTorch (or this engine) runs it. */
    predictedMs: number;
    /** Sum of the layers' times (below predictedMs when the host's launches are the bottleneck: never on a GPU above it). */
    layersMs: number;
  };
  /** One data-parallel training step at `batch` per GPU on `gpus` GPUs; null where the runtime does not train (this browser). */
  training: TrainingTime | null;
  memory: TrainingMemory & {
    /** Activation bytes per image at the inference peak. */
    inferencePeakPerSample: number;
    /** The weights of an inference pass in the dtype (not in inferencePeakBytes). */
    inferenceWeightBytes: number;
    /** The training step's peak (peak-memory.ts): on the device, with its phase and call. */
    peak: PeakTrainingMemory;
    deviceBytes: number;
    /** The training step's peak fits in the device's memory. */
    fits: boolean;
    /** The largest batch whose training step's peak fits the device (0: not even one image). */
    largestBatch: number;
  };
  layers: KernelCost[];
  stages: StageTime[];
}

function listOf(values: readonly string[]): string {
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/** A batch size from text (CLI flag, URL, the app's field). */
export function parseBatch(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t))) {
    throw costError('cost.batchText', { value: text.slice(0, 40) });
  }
  return Number(t);
}

export function parseDtype(text: string): Precision {
  if (!(PRECISIONS as readonly string[]).includes(text)) throw costError('cost.dtype', { allowed: listOf(PRECISIONS), value: text.slice(0, 40) });
  return text as Precision;
}

export function parseLayout(text: string): Layout {
  if (!(LAYOUTS as readonly string[]).includes(text)) throw costError('cost.layout', { allowed: listOf(LAYOUTS), value: text.slice(0, 40) });
  return text as Layout;
}

/** A GPU count from text: 1 to MAX_GPUS. */
export function parseGpus(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > MAX_GPUS) throw costError('cost.gpus', { most: MAX_GPUS, value: text.slice(0, 40) });
  return Number(t);
}

/** Refuses more than one GPU of a device the table gives no interconnect. */
export function checkGpus(device: Device, gpus: number): void {
  if (!Number.isSafeInteger(gpus) || gpus < 1 || gpus > MAX_GPUS) throw costError('cost.gpus', { most: MAX_GPUS, value: String(gpus) });
  if (gpus > 1 && !device.interconnect) throw costError('cost.gpusSingle', { device: device.name, value: gpus });
}

export function parseOptimizer(text: string): Optimizer {
  if (!(OPTIMIZERS as readonly string[]).includes(text)) throw costError('cost.optimizer', { allowed: listOf(OPTIMIZERS), value: text.slice(0, 40) });
  return text as Optimizer;
}

export function parseDevice(text: string): Device {
  const device = findDevice(text);
  if (!device) throw costError('cost.device', { value: text.slice(0, 40), allowed: DEVICE_NAMES.join(', ') });
  return device;
}

/** Checks a batch against the network: a whole number >= 1 whose training memory stays under MAX_MEMORY_BYTES. */
export function checkBatch(memory: TrainingMemory, batch: number): void {
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw costError('cost.batch', { value: batch });
  }
  const bytes = trainingBytes(memory, batch);
  if (bytes > MAX_MEMORY_BYTES) {
    const most = largestBatch(memory, MAX_MEMORY_BYTES);
    const figures = { batch: thousands(batch), bytes: bytes.toExponential(2) };
    throw most > 0 ? costError('cost.tooLarge', { ...figures, most: thousands(most) }) : costError('cost.tooLargeAtOne', figures);
  }
}

/** How the step's gradients are reset and its optimizer runs: torch 1.x's defaults unless the options say. */
function stepKind(options: Pick<CostOptions, 'zeroGrad' | 'foreach'>): { zeroGrad: GradReset; foreach: boolean } {
  return { zeroGrad: options.zeroGrad ?? 'zero', foreach: options.foreach ?? false };
}

/** The memory model's dtypes: CUDA autocast's per-op dtypes under `amp` (GroupNorm in float32 unless fastNorm). */
function autocastOptions(options: Pick<CostOptions, 'dtype' | 'fastNorm'>): AutocastOptions {
  return { autocast: autocasts(options.dtype), fastNorm: options.fastNorm ?? false };
}

function stepOptions(options: CostOptions, batch: number): TrainingStepOptions {
  const { optimizer, dtype } = options;
  return { batch, optimizer, precision: trainingPrecision(memoryDtype(dtype)), ...autocastOptions(options), ...stepKind(options) };
}

/** The time model's setting for the options: device, precision, layout, and GroupNorm's dtype under amp. */
function costTimeSetting(options: Omit<CostOptions, 'batch'>): TimeSetting {
  return { ...timeSetting(options.device, options.dtype, options.layout), fastNorm: options.fastNorm ?? false };
}

/** The time of the same training step whose peak `stepOptions` describes: its optimizer and its gradients' reset. */
function stepTimeSetting(options: Pick<CostOptions, 'zeroGrad' | 'foreach'>, setting: TimeSetting): TimeSetting {
  const { zeroGrad, foreach } = stepKind(options);
  return { ...setting, optimizerImpl: foreach ? 'foreach' : 'loop', zeroGrad };
}

/**
 * The largest batch whose training step's peak on the device fits in `capacity` bytes (0 when not even one
 * image fits). The peak grows with the batch: gallop from the batch the sum of the parts allows (the peak is
 * a little more), then bisect.
 */
function largestPeakBatch(graph: LayerGraph, options: CostOptions, memory: TrainingMemory, capacity: number): number {
  const fits = (b: number) => b < 1 || peakTrainingMemory(graph, stepOptions(options, b)).cudaBytes <= capacity;
  const guess = Math.max(1, largestBatch(memory, capacity));
  let lo: number;
  let hi: number;
  if (fits(guess)) {
    lo = guess;
    for (let step = 1; ; step *= 2) {
      if (!fits(lo + step)) {
        hi = lo + step;
        break;
      }
      lo += step;
    }
  } else {
    hi = guess;
    for (let step = 1; ; step *= 2) {
      if (fits(hi - step)) {
        lo = hi - step;
        break;
      }
      hi -= step;
    }
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return Math.max(0, lo);
}

/** The cost of one network under the options; throws CostError for a batch beyond MAX_MEMORY_BYTES. */
export function costOf(graph: LayerGraph, options: CostOptions): CostReport {
  const { batch, optimizer, device, gpus } = options;
  const dtype = memoryDtype(options.dtype);
  const memory = trainingMemory(graph, dtype, optimizer, autocastOptions(options));
  checkBatch(memory, batch);
  checkGpus(device, gpus);
  if (options.fastNorm && options.dtype !== 'amp') throw costError('cost.fastNorm', { dtype: options.dtype });
  const setting = costTimeSetting(options);
  const pass = layerTimes(graph, batch, setting);
  const layers = pass.layers;
  const predictedMs = pass.ms;
  const peak = peakTrainingMemory(graph, stepOptions(options, batch));
  const peakPerSample = inferencePeakBytes(graph, trainingPrecision(dtype), autocastOptions(options));
  const { params } = parameterCounts(graph);
  const deviceBytes = device.memoryGB * 1e9;
  const trainingTotal = trainingBytes(memory, batch);

  const stageTotal = stageDepths(graph.config).length;
  const stageCount = stageTotal + (graph.config.includeTop ? 2 : 1);
  const stages: StageTime[] = [];
  for (let i = 0; i < stageCount; i++) {
    stages.push({ stage: i, module: i === 0 ? 'conv1' : i <= stageTotal ? `layer${i}` : 'head', ms: 0, share: 0, macs: 0, bytes: 0 });
  }
  for (const l of layers) {
    const st = stages[l.stage];
    st.ms += l.ms;
    st.macs += l.macs;
    st.bytes += l.bytesRead + l.bytesWritten;
  }
  for (const st of stages) st.share = pass.layersMs > 0 ? st.ms / pass.layersMs : 0;
  let training: TrainingTime | null = null;
  if (device.kind !== 'browser') {
    const step = trainingStepTime(graph, batch, optimizer, gpus, stepTimeSetting(options, setting));
    const imagesPerS = (batch * gpus) / step.seconds;
    training = {
      stepMs: step.seconds * 1000, forwardMs: step.forward.seconds * 1000, backwardMs: step.backward.seconds * 1000,
      optimizerMs: step.optimizer.seconds * 1000, allReduceMs: step.allReduceSeconds * 1000, exposedAllReduceMs: step.exposedAllReduceSeconds * 1000,
      imagesPerS, epochS: IMAGENET_TRAIN_IMAGES / imagesPerS, gpus,
    };
  }

  return {
    graph,
    options,
    totals: {
      params,
      macs: totalMacs(graph),
      trainMacs: trainingMacs(graph).total,
      convActivations: convActivations(graph),
      savedActivationBytes: atBatch(memory.saved, batch),
      paramsBytes: memory.params,
      gradsBytes: memory.grads,
      optimizerBytes: memory.optimizer,
      trainingBytes: trainingTotal,
      peakTrainingBytes: peak.cudaBytes,
      inferencePeakBytes: batch * peakPerSample,
      predictedMs,
      layersMs: pass.layersMs,
    },
    training,
    memory: {
      ...memory,
      inferencePeakPerSample: peakPerSample,
      inferenceWeightBytes: params * DTYPE_BYTES[dtype],
      peak,
      deviceBytes,
      fits: peak.cudaBytes <= deviceBytes,
      largestBatch: largestPeakBatch(graph, options, memory, deviceBytes),
    },
    layers,
    stages,
  };
}

/** The CLI's `--json`: the keys docs/cost-model.md documents, snake_case. */
export function costJson(report: CostReport): unknown {
  const t = report.totals;
  const d = report.options.device;
  return {
    totals: {
      params: t.params,
      macs: t.macs,
      train_macs: t.trainMacs,
      conv_activations: t.convActivations,
      saved_activation_bytes: t.savedActivationBytes,
      params_bytes: t.paramsBytes,
      grads_bytes: t.gradsBytes,
      optimizer_bytes: t.optimizerBytes,
      training_bytes: t.trainingBytes,
      peak_training_bytes: t.peakTrainingBytes,
      inference_peak_bytes: t.inferencePeakBytes,
      predicted_ms: t.predictedMs,
      train_step_ms: report.training ? report.training.stepMs : null,
      train_images_per_s: report.training ? report.training.imagesPerS : null,
    },
    training: report.training && {
      gpus: report.training.gpus,
      forward_ms: report.training.forwardMs,
      backward_ms: report.training.backwardMs,
      all_reduce_ms: report.training.allReduceMs,
      exposed_all_reduce_ms: report.training.exposedAllReduceMs,
      optimizer_ms: report.training.optimizerMs,
      epoch_s: report.training.epochS,
      epoch_images: IMAGENET_TRAIN_IMAGES,
    },
    layers: report.layers.map((l) => ({
      name: l.name,
      type: l.type,
      macs: l.macs,
      bytes_read: l.bytesRead,
      bytes_written: l.bytesWritten,
      intensity: l.intensity,
      bound: l.bound,
      unit: l.unit,
      tile_use: l.tileUse,
      peak_share: l.peakShare,
      predicted_ms: l.ms,
    })),
    device: {
      name: d.name,
      label: d.label,
      batch: report.options.batch,
      dtype: report.options.dtype,
      layout: report.options.layout,
      optimizer: report.options.optimizer,
      gpus: report.options.gpus,
      zero_grad: stepKind(report.options).zeroGrad,
      foreach: stepKind(report.options).foreach,
      fast_norm: report.options.fastNorm ?? false,
      peak_tflops: matrixPath(d, report.options.dtype).tflops,
      fp32_tflops: d.fp32Tflops,
      bandwidth_gbs: d.bandwidthGBs,
      memory_bytes: report.memory.deviceBytes,
      launch_us: d.launchUs,
      fits: report.memory.fits,
      largest_batch: report.memory.largestBatch,
    },
  };
}

/** The ResNet of a ResNeXt: the same network with one group of 64 channels (C = 1, d = 64). */
export function resnetCounterpart(config: LayerGraph['config']): LayerGraph['config'] {
  return { ...config, depths: [...config.depths], input: [...config.input], cardinality: 1, widthPerGroup: 64 };
}

/** Within this relative difference of MACs, two networks are "at the same FLOPs" (the paper's pairs differ by 2-3%). */
const SAME_FLOPS = 0.1;

export interface Counterpart {
  config: LayerGraph['config'];
  /** The plain ResNet (d = 64) was within SAME_FLOPS of the network's MACs; else d is widened to match them. */
  standard: boolean;
  /** MACs of the plain ResNet / the network's (what "at the same FLOPs" would have hidden). */
  resnetMacsRatio: number;
}

/**
 * The dense network a ResNeXt is compared with at the same FLOPs: its ResNet (C = 1, d = 64) when that is
 * within SAME_FLOPS of its MACs (ResNeXt-50 32x4d and ResNet-50); else the C = 1 network whose bottleneck
 * width d gives the closest MACs (the paper's rule for Table 2: keep the complexity, trade C for d).
 */
export function sameFlopsCounterpart(config: LayerGraph['config']): Counterpart {
  const macs = (c: LayerGraph['config']) => totalMacs(buildLayerGraph(c));
  const target = macs(config);
  const resnet = resnetCounterpart(config);
  const ratio = macs(resnet) / target;
  if (Math.abs(ratio - 1) <= SAME_FLOPS) return { config: resnet, standard: true, resnetMacsRatio: ratio };
  // MACs grow with d: bisect over whole d.
  let lo = 1;
  let hi = 64;
  while (macs({ ...resnet, widthPerGroup: hi }) < target) hi *= 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (macs({ ...resnet, widthPerGroup: mid }) < target) lo = mid;
    else hi = mid;
  }
  const d = Math.abs(macs({ ...resnet, widthPerGroup: lo }) - target) <= Math.abs(macs({ ...resnet, widthPerGroup: hi }) - target) ? lo : hi;
  return { config: { ...resnet, widthPerGroup: d }, standard: false, resnetMacsRatio: ratio };
}

interface SweepPoint {
  batch: number;
  /** Inference images per second (one GPU). */
  inferImagesPerS: number;
  /** Training images per second over all GPUs; null where the runtime does not train. */
  trainImagesPerS: number | null;
  /** Training memory per GPU: the peak of a training step in the CUDA allocator's blocks, as the report's. */
  trainingBytes: number;
  /** The peak fits in the device's memory (what the report's `fits` says at that batch). */
  fits: boolean;
}

/**
 * Throughput and training memory against the batch: powers of two from 1 to twice the largest batch whose
 * training step's peak fits (at least 64, at most MAX_SWEEP), so the chart shows where memory runs out.
 */
const MAX_SWEEP = 4096;

export function batchSweep(graph: LayerGraph, options: Omit<CostOptions, 'batch'>): SweepPoint[] {
  const memory = trainingMemory(graph, memoryDtype(options.dtype), options.optimizer, autocastOptions(options));
  const capacity = options.device.memoryGB * 1e9;
  const largest = largestPeakBatch(graph, { ...options, batch: 1 }, memory, capacity);
  const top = Math.min(MAX_SWEEP, Math.max(64, 2 * largest));
  const setting = costTimeSetting(options);
  const out: SweepPoint[] = [];
  for (let b = 1; b <= top; b *= 2) {
    const infer = layerTimes(graph, b, setting).ms;
    const train = options.device.kind === 'browser' ? null : trainingStepTime(graph, b, options.optimizer, options.gpus, stepTimeSetting(options, setting)).seconds;
    const bytes = peakTrainingMemory(graph, stepOptions({ ...options, batch: b }, b)).cudaBytes;
    out.push({ batch: b, inferImagesPerS: (b / infer) * 1000, trainImagesPerS: train === null ? null : (b * options.gpus) / train, trainingBytes: bytes, fits: bytes <= capacity });
  }
  return out;
}

/** Bytes for humans, decimal units like the device table: 1234567890 -> "1.23 GB". */
export function humanBytes(n: number, digits = 2): string {
  const units: [number, string][] = [[1e15, 'PB'], [1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [scale, unit] of units) {
    if (Math.abs(n) >= scale) return `${(n / scale).toFixed(digits)} ${unit}`;
  }
  return `${n} B`;
}
