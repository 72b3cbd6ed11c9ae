/**
 * Cost beyond FLOPs, for one network at a batch size, dtype, optimizer and device: RegNet's activations,
 * per-kernel memory traffic and roofline time, training memory (parameters, gradients, optimizer state,
 * what autograd saves) and the inference peak. `memory.ts` and `roofline.ts` hold the rules; this file
 * puts them together, checks the options, and writes the CLI's JSON.
 */
import { stageDepths } from '../model/config.ts';
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
  type Dtype,
  type Optimizer,
  type TrainingMemory,
} from './memory.ts';
import { roofline, type KernelCost } from './roofline.ts';
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
    /** RegNet's activations: conv output elements per image. */
    convActivations: number;
    /** Everything below is for the whole batch. */
    savedActivationBytes: number;
    paramsBytes: number;
    gradsBytes: number;
    optimizerBytes: number;
    trainingBytes: number;
    inferencePeakBytes: number;
    /** Inference (eval forward) of the batch on the device. */
    predictedMs: number;
  };
  memory: TrainingMemory & {
    /** Activation bytes per image at the inference peak. */
    inferencePeakPerSample: number;
    /** The weights of an inference pass in the dtype (not in inferencePeakBytes). */
    inferenceWeightBytes: number;
    deviceBytes: number;
    fits: boolean;
    /** The largest batch whose training memory fits the device (0: not even one image). */
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

/** The cost of one network under the options; throws CostError for a batch beyond MAX_MEMORY_BYTES. */
export function costOf(graph: LayerGraph, options: CostOptions): CostReport {
  const { batch, dtype, optimizer, device } = options;
  const memory = trainingMemory(graph, dtype, optimizer);
  checkBatch(memory, batch);
  const layers = roofline(graph, batch, dtype, device);
  const predictedMs = layers.reduce((s, l) => s + l.ms, 0);
  const peakPerSample = inferencePeakElements(graph) * DTYPE_BYTES[dtype];
  const { params } = parameterCounts(graph);
  const deviceBytes = device.memoryGB * 1e9;
  const training = trainingBytes(memory, batch);

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
  for (const st of stages) st.share = predictedMs > 0 ? st.ms / predictedMs : 0;

  return {
    graph,
    options,
    totals: {
      params,
      macs: totalMacs(graph),
      convActivations: convActivations(graph),
      savedActivationBytes: atBatch(memory.saved, batch),
      paramsBytes: memory.params,
      gradsBytes: memory.grads,
      optimizerBytes: memory.optimizer,
      trainingBytes: training,
      inferencePeakBytes: batch * peakPerSample,
      predictedMs,
    },
    memory: {
      ...memory,
      inferencePeakPerSample: peakPerSample,
      inferenceWeightBytes: params * DTYPE_BYTES[dtype],
      deviceBytes,
      fits: training <= deviceBytes,
      largestBatch: largestBatch(memory, deviceBytes),
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
      conv_activations: t.convActivations,
      saved_activation_bytes: t.savedActivationBytes,
      params_bytes: t.paramsBytes,
      grads_bytes: t.gradsBytes,
      optimizer_bytes: t.optimizerBytes,
      training_bytes: t.trainingBytes,
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
