/**
 * Numeric precision of a run, as PyTorch runs it, and the arithmetic each precision gets on a device.
 *
 * - `float32`: float32 tensors, strict FP32 arithmetic (`torch.backends.cudnn.allow_tf32 = False`,
 *   `torch.backends.cuda.matmul.allow_tf32 = False`).
 * - `tf32`: float32 tensors, convolutions and matmuls on TF32 tensor cores (Ampere and later). PyTorch's
 *   default for a float32 model is TF32 for convolutions (`cudnn.allow_tf32` is True by default) and FP32 for
 *   matmuls (`cuda.matmul.allow_tf32` is False by default since 1.12); timm's benchmark sets both to TF32. In
 *   these networks the fc is under 1% of the time, so `tf32` is also what a float32 model gets by default on
 *   Ampere and later. Before Ampere it equals `float32`.
 * - `amp`: `torch.autocast('cuda', torch.float16)` over a float32 model: convolutions and the fc in float16
 *   (FP32 accumulation) on a float16 copy of their weights made at every call, activations float16 after
 *   the first conv, BatchNorm's parameters float32, float32 master weights, gradients and optimizer state.
 * - `float16`, `bfloat16`: the whole model in 16 bits (`model.half()`, `model.bfloat16()`, as timm's benchmark
 *   `--precision float16|bfloat16`); convolutions accumulate in FP32 (cuDNN's compute type for half data).
 */
import type { Device } from '../devices.ts';
import type { LayerGraph } from '../../model/graph.ts';
import type { Dtype } from '../memory.ts';

export type Precision = 'float32' | 'tf32' | 'amp' | 'float16' | 'bfloat16';
export const PRECISIONS: readonly Precision[] = ['float32', 'tf32', 'amp', 'float16', 'bfloat16'];

/** Bytes of an activation element. */
export function activationBytes(p: Precision): number {
  return p === 'float32' || p === 'tf32' ? 4 : 2;
}

/** Bytes of a weight element as the kernels read it (autocast reads its 16-bit copy). */
export function weightBytes(p: Precision): number {
  return activationBytes(p);
}

/** Bytes of a master weight, its gradient and each optimizer state element. */
export function masterBytes(p: Precision): number {
  return p === 'float16' || p === 'bfloat16' ? 2 : 4;
}

/** Autocast: a 16-bit copy of every conv / fc weight at each call, and of the float32 input of the first conv. */
export function autocasts(p: Precision): boolean {
  return p === 'amp';
}

/**
 * Bytes of each node's output element as the precision runs it. Without autocast every activation has the
 * precision's width. Under autocast (`amp`) each op picks its own dtype (PyTorch's autocast op lists): convs and
 * the fc compute in float16; `group_norm` is on the float32 list, so GroupNorm casts its input up and returns
 * float32; BatchNorm and the element-wise ops keep their input's dtype, and a binary op promotes (a float32
 * GroupNorm branch added to a float16 shortcut gives float32). The network input is float32. `fastNorm`: timm's
 * `--fast-norm` (`set_fast_norm()`), whose GroupNorm casts its input to the autocast dtype and runs in float16.
 */
export function elementBytes(graph: LayerGraph, p: Precision, fastNorm = false): number[] {
  const s = activationBytes(p);
  if (!autocasts(p)) return graph.nodes.map(() => s);
  const bytes: number[] = [];
  const of = (i: number) => (i < 0 ? 4 : bytes[i]);
  for (const n of graph.nodes) {
    if (n.kind === 'conv' || n.kind === 'conv1d' || n.kind === 'linear' || n.kind === 'blurpool') bytes.push(2);
    else if (n.kind === 'gn') bytes.push(fastNorm ? 2 : 4);
    else bytes.push(n.inputs.length === 0 ? s : Math.max(...n.inputs.map(of)));
  }
  return bytes;
}

/** The memory model's dtype for a precision (memory.ts: float16 / bfloat16 are its autocast rules). */
export function memoryDtype(p: Precision): Dtype {
  if (p === 'float32' || p === 'tf32') return 'float32';
  return p === 'bfloat16' ? 'bfloat16' : 'float16';
}

/**
 * Where a matrix kernel (conv, fc) runs: `tensor` (tensor cores / matrix units) or `simt` (the vector FMA
 * units), at which peak TFLOPS. `matmul` is the fc (cuBLAS), which `tf32` also moves to TF32.
 */
export interface MatrixPath {
  unit: 'tensor' | 'simt';
  tflops: number;
  /** Element bytes of the operands. */
  bytes: number;
}

export function matrixPath(device: Device, p: Precision): MatrixPath {
  const simt: MatrixPath = { unit: 'simt', tflops: device.fp32Tflops, bytes: activationBytes(p) };
  let rate: number | null = null;
  if (p === 'tf32') rate = device.tf32Tflops;
  else if (p === 'amp' || p === 'float16') rate = device.fp16Tflops;
  else if (p === 'bfloat16') rate = device.bf16Tflops;
  if (rate === null) return simt;
  return { unit: device.tensorCores ? 'tensor' : 'simt', tflops: rate, bytes: activationBytes(p) };
}

/** One line per precision, for the CLI's text and the docs. */
export const PRECISION_TEXT: Readonly<Record<Precision, string>> = {
  float32: 'float32, strict FP32 arithmetic (allow_tf32 off)',
  tf32: 'float32 tensors, convs and matmuls on TF32 tensor cores (PyTorch\'s default for convs on Ampere and later; FP32 before)',
  amp: 'autocast float16 over a float32 model (float32 master weights, float16 convs)',
  float16: 'the whole model in float16 (model.half())',
  bfloat16: 'the whole model in bfloat16 (model.bfloat16())',
};
