/**
 * Cost beyond FLOPs, for one network at a batch size, dtype, optimizer and device: RegNet's activations,
 * training MACs, per-kernel memory traffic and roofline time, training memory (parameters, gradients,
 * optimizer state, what autograd saves, the peak of a training step) and the inference peak. `memory.ts`,
 * `peak-memory.ts`, `training-flops.ts` and `roofline.ts` hold the rules; this file puts them together,
 * checks the options, and writes the CLI's JSON.
 */
import type { LayerGraph } from '../model/graph.ts';
import { totalMacs } from './counts.ts';
import { DEVICE_NAMES, findDevice, type Device } from './devices.ts';
import {
  atBatch,
  convActivations,
  DTYPE_BYTES,
  DTYPES,
  inferencePeakElements,
  largestBatch,
  OPTIMIZERS,
  parameterCounts,
  trainingBytes,
  trainingMemory,
  trainingPrecision,
  type Dtype,
  type Optimizer,
  type TrainingMemory,
} from './memory.ts';
import { peakTrainingMemory, type GradReset, type PeakTrainingMemory, type TrainingStepOptions } from './peak-memory.ts';
import { roofline, type KernelCost } from './roofline.ts';
import { trainingMacs } from './training-flops.ts';
import { thousands } from './format.ts';
import { messageOf, type Message, type ParamsArg } from '../model/message.ts';

/** The cost options' error messages: English templates by id (src/model/message.ts), translated by the app. */
export const COST_MESSAGES = {
  'cost.batchText': 'batch size must be a positive whole number (1, 2, 3, ...), got "{value}"',
  'cost.batch': 'batch size must be a positive whole number (1, 2, 3, ...), got {value}',
  'cost.dtype': 'precision must be {allowed}, got "{value}"',
  'cost.optimizer': 'optimizer must be {allowed}, got "{value}"',
  'cost.device': 'unknown device "{value}": use one of {allowed}',
  'cost.tooLarge': 'batch {batch} would need {bytes} bytes of training memory (over 1e15): use a batch of at most {most}',
  'cost.tooLargeAtOne': 'batch {batch} would need {bytes} bytes of training memory (over 1e15): this network does not fit even at batch 1',
} as const;
export type CostMessageId = keyof typeof COST_MESSAGES;

/** Bad cost options; the message names the value and the fix. `msg` is it as an id with parameters. */
export class CostError extends Error {
  readonly msg: Message;

  constructor(msg: Message) {
    super(msg.text);
    this.name = 'CostError';
    this.msg = msg;
  }
}

function costError<K extends CostMessageId>(id: K, ...params: ParamsArg<(typeof COST_MESSAGES)[K]>): CostError {
  return new CostError(messageOf(COST_MESSAGES, id, ...params));
}

export interface CostOptions {
  batch: number;
  dtype: Dtype;
  optimizer: Optimizer;
  device: Device;
  /** How `zero_grad` resets the gradients in the training step (peak-memory.ts); default 'zero' (torch 1.x). */
  zeroGrad?: GradReset;
  /** The optimizer's foreach implementation (peak-memory.ts); default false (torch 1.13's single-tensor loop). */
  foreach?: boolean;
}

export const DEFAULT_BATCH = 32;
export const DEFAULT_DTYPE: Dtype = 'float32';
export const DEFAULT_OPTIMIZER: Optimizer = 'momentum';
/** Batches whose training memory would pass this many bytes are refused as not meant. */
export const MAX_MEMORY_BYTES = 1e15;

export interface StageTime {
  stage: number;
  /** conv1 (stem), layer1.., head. */
  module: string;
  ms: number;
  /** Of the whole predicted time. */
  share: number;
  macs: number;
  bytes: number;
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
    /** Inference (eval forward) of the batch on the device. */
    predictedMs: number;
  };
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

export function parseDtype(text: string): Dtype {
  if (!(DTYPES as readonly string[]).includes(text)) throw costError('cost.dtype', { allowed: listOf(DTYPES), value: text.slice(0, 40) });
  return text as Dtype;
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

function stepOptions(options: CostOptions, batch: number): TrainingStepOptions {
  const { optimizer, dtype, zeroGrad = 'zero', foreach = false } = options;
  return { batch, optimizer, precision: trainingPrecision(dtype), zeroGrad, foreach };
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
  const { batch, dtype, optimizer, device } = options;
  const memory = trainingMemory(graph, dtype, optimizer);
  checkBatch(memory, batch);
  const peak = peakTrainingMemory(graph, stepOptions(options, batch));
  const layers = roofline(graph, batch, dtype, device);
  const predictedMs = layers.reduce((s, l) => s + l.ms, 0);
  const peakPerSample = inferencePeakElements(graph) * DTYPE_BYTES[dtype];
  const { params } = parameterCounts(graph);
  const deviceBytes = device.memoryGB * 1e9;
  const training = trainingBytes(memory, batch);

  const stageCount = graph.config.depths.length + (graph.config.includeTop ? 2 : 1);
  const stages: StageTime[] = [];
  for (let i = 0; i < stageCount; i++) {
    stages.push({ stage: i, module: i === 0 ? 'conv1' : i <= graph.config.depths.length ? `layer${i}` : 'head', ms: 0, share: 0, macs: 0, bytes: 0 });
  }
  for (const l of layers) {
    const st = stages[l.stage];
    st.ms += l.ms;
    st.macs += l.macs;
    st.bytes += l.bytesRead + l.bytesWritten;
  }
  for (const st of stages) st.share = predictedMs > 0 ? st.ms / predictedMs : 0;

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
      trainingBytes: training,
      peakTrainingBytes: peak.cudaBytes,
      inferencePeakBytes: batch * peakPerSample,
      predictedMs,
    },
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

/** The CLI's `--json`: the keys the README documents, snake_case. */
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
    },
    layers: report.layers.map((l) => ({
      name: l.name,
      type: l.type,
      macs: l.macs,
      bytes_read: l.bytesRead,
      bytes_written: l.bytesWritten,
      intensity: l.intensity,
      bound: l.bound,
      predicted_ms: l.ms,
    })),
    device: {
      name: d.name,
      label: d.label,
      batch: report.options.batch,
      dtype: report.options.dtype,
      optimizer: report.options.optimizer,
      zero_grad: report.options.zeroGrad ?? 'zero',
      foreach: report.options.foreach ?? false,
      peak_tflops: report.options.dtype === 'float32' ? d.fp32Tflops : (report.options.dtype === 'float16' ? d.fp16Tflops : d.bf16Tflops) ?? d.fp32Tflops,
      fp32_tflops: d.fp32Tflops,
      bandwidth_gbs: d.bandwidthGBs,
      memory_bytes: report.memory.deviceBytes,
      launch_us: d.launchUs,
      fits: report.memory.fits,
      largest_batch: report.memory.largestBatch,
    },
  };
}

/** The ResNet a ResNeXt is compared with: the same network with one group of 64 channels (C = 1, d = 64). */
export function resnetCounterpart(config: LayerGraph['config']): LayerGraph['config'] {
  return { ...config, depths: [...config.depths], input: [...config.input], cardinality: 1, widthPerGroup: 64 };
}

/** Bytes for humans, decimal units like the device table: 1234567890 -> "1.23 GB". */
export function humanBytes(n: number, digits = 2): string {
  const units: [number, string][] = [[1e15, 'PB'], [1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [scale, unit] of units) {
    if (Math.abs(n) >= scale) return `${(n / scale).toFixed(digits)} ${unit}`;
  }
  return `${n} B`;
}
