/**
 * Whole-network time from the kernel model: an inference pass, or a training step (forward, backward,
 * optimizer, and the data-parallel all-reduce of the gradients), on a device at a precision and layout.
 */
import type { LayerGraph } from '../../model/graph.ts';
import type { Device } from '../devices.ts';
import type { Optimizer } from '../memory.ts';
import type { GradReset } from '../peak-memory.ts';
import { inferenceKernels, trainingKernels, type Kernel, type KernelOptions, type OptimizerImpl } from './kernels.ts';
import { eagerSeconds, kernelTime, type DeviceConstants, type KernelTime, type Layout } from './model.ts';
import { masterBytes, type Precision } from './precision.ts';

interface TimedKernel {
  kernel: Kernel;
  time: KernelTime;
}

interface PassTime {
  kernels: TimedKernel[];
  /** Wall seconds of the pass as eager PyTorch runs it (launch-bound or GPU-bound). */
  seconds: number;
  /** Sum of the kernels' GPU seconds (what the pass takes when the host keeps ahead). */
  deviceSeconds: number;
}

export interface TimeSetting {
  device: Device;
  precision: Precision;
  layout: Layout;
  constants: DeviceConstants;
  /** How the framework runs the optimizer step (default `foreach`: PyTorch 2; `loop` before 2.0). */
  optimizerImpl?: OptimizerImpl;
  /** How the step's gradients were reset (default `none`: PyTorch 2's `zero_grad`; `zero` before 2.0). */
  zeroGrad?: GradReset;
  /** GroupNorm in float16 under autocast (timm's `--fast-norm`); default false: autocast runs it in float32. */
  fastNorm?: boolean;
}

/** What the setting's software does that the graph does not say, for the kernel list. */
export function kernelOptions(s: Pick<TimeSetting, 'device' | 'layout' | 'fastNorm'>): KernelOptions {
  return { fastNorm: s.fastNorm, cudaChannelsLast: s.layout === 'nhwc' && s.device.kind === 'gpu' };
}

function timePass(kernels: readonly Kernel[], s: TimeSetting): PassTime {
  const timed = kernels.map((kernel) => ({ kernel, time: kernelTime(kernel, s.device, s.precision, s.layout, s.constants) }));
  const gpu = timed.map((t) => t.time.seconds);
  return { kernels: timed, seconds: eagerSeconds(kernels, gpu, s.device), deviceSeconds: gpu.reduce((a, b) => a + b, 0) };
}

export function inferenceTime(graph: LayerGraph, batch: number, s: TimeSetting): PassTime {
  return timePass(inferenceKernels(graph, batch, s.precision, kernelOptions(s)), s);
}

interface StepTime {
  forward: PassTime;
  backward: PassTime;
  optimizer: PassTime;
  /** Seconds of the gradients' ring all-reduce over the interconnect (0 on one GPU). */
  allReduceSeconds: number;
  /** The part of it the backward pass does not hide. */
  exposedAllReduceSeconds: number;
  /** One data-parallel step: forward, backward and optimizer back to back (eager), + the exposed all-reduce. */
  seconds: number;
}

/** PyTorch DistributedDataParallel's default gradient bucket (bucket_cap_mb = 25). */
const DDP_BUCKET_BYTES = 25 * 1024 * 1024;

/**
 * Ring all-reduce of `bytes` over `gpus` GPUs: each GPU sends and receives 2 (N - 1) / N of the bytes over
 * its slowest link (the node's NVLink / PCIe inside a node, the network adapter between nodes).
 */
export function ringAllReduceSeconds(bytes: number, gpus: number, device: Device): number {
  if (gpus <= 1) return 0;
  const link = device.interconnect;
  if (!link) return Infinity;
  const gbs = gpus > link.perNode ? Math.min(link.intraGBs, link.interGBs) : link.intraGBs;
  return (2 * (gpus - 1) / gpus) * bytes / (gbs * 1e9);
}

/**
 * One training step per GPU at `batch` images per GPU. Data parallel (DDP): gradients are all-reduced in
 * 25 MB buckets as the backward pass produces them, overlapping it; what is left when the backward ends
 * (at least the last bucket) is exposed.
 */
export function trainingStepTime(graph: LayerGraph, batch: number, optimizer: Optimizer, gpus: number, s: TimeSetting): StepTime {
  const k = trainingKernels(graph, batch, s.precision, optimizer, s.optimizerImpl, s.zeroGrad, kernelOptions(s));
  const forward = timePass(k.forward, s);
  const backward = timePass(k.backward, s);
  const optimizerPass = timePass(k.optimizer, s);
  let params = 0;
  for (const n of graph.nodes) for (const t of n.tensors) if (t.kind === 'parameter') params += t.shape.reduce((a, b) => a * b, 1);
  const gradBytes = params * masterBytes(s.precision);
  const allReduce = ringAllReduceSeconds(gradBytes, gpus, s.device);
  const lastBucket = ringAllReduceSeconds(Math.min(gradBytes, DDP_BUCKET_BYTES), gpus, s.device);
  const exposed = gpus <= 1 ? 0 : Math.max(allReduce - backward.seconds, lastBucket);
  // The step runs its passes back to back: the host queues the backward's and the optimizer's kernels while the GPU
  // still runs the ones before (autograd returns once the backward is queued), so a loop of small optimizer kernels
  // hides behind the backward's tail. On a CPU, where ops run synchronously, this is the sum of the parts.
  const all = [...forward.kernels, ...backward.kernels, ...optimizerPass.kernels];
  const passes = eagerSeconds(all.map((t) => t.kernel), all.map((t) => t.time.seconds), s.device);
  return {
    forward, backward, optimizer: optimizerPass, allReduceSeconds: allReduce, exposedAllReduceSeconds: exposed,
    seconds: passes + exposed,
  };
}
