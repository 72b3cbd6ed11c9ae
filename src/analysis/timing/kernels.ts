/**
 * The kernels eager PyTorch launches for a network, read off the layer graph: an inference (eval) forward
 * pass, or a training step (training-mode forward, loss, backward, optimizer update). Device-free: what each
 * kernel computes and moves; `model.ts` turns that into time on a device.
 *
 * What eager PyTorch fuses and what it does not (torchvision / timm modules, cuDNN, PyTorch >= 2.0):
 * - Every module call and functional op is its own kernel: eval BatchNorm is not folded into the conv (that is
 *   a TorchScript / TensorRT / torch.compile optimization), ReLU runs in place but still reads and writes its
 *   tensor, the residual add reads both inputs and writes one.
 * - Training-mode BatchNorm reads its input twice (statistics, then normalization) and writes once; its
 *   backward reads input and output gradient twice (the two reductions, then the input gradient) and writes once.
 * - A conv's backward is two convolutions: the input gradient (dgrad, an implicit GEMM over input pixels) and
 *   the weight gradient (wgrad, reducing over batch x output pixels); the conv that reads the network input
 *   has no input gradient. The fc likewise (two GEMMs).
 * - Where one tensor feeds two branches (a block's input: residual branch and shortcut; SE's input: squeeze
 *   and gate), autograd adds the two gradients: one element-wise add.
 * - autocast (`amp`) casts every conv / fc weight to float16 at each call (a kernel reading 4 and writing 2
 *   bytes per weight; in training its backward casts the gradient back), and the float32 network input once.
 * - The optimizer update is a memory-bound pass over parameters, gradients and state (PyTorch 2's foreach
 *   kernels: a few launches per list of up to 64 tensors; before 2.0 a loop over the parameters, a few kernels
 *   each). Gradients freed between steps (`zero_grad(set_to_none=True)`, the default since PyTorch 2.0) are
 *   handed over by autograd; gradients zeroed in place (`set_to_none=False`, the default before) are added to:
 *   one add kernel per parameter tensor in the backward (AccumulateGrad's `grad += new_grad`).
 */
import { numel, type LayerGraph, type LayerNode } from '../../model/graph.ts';
import type { Optimizer } from '../memory.ts';
import type { GradReset } from '../peak-memory.ts';
import { activationBytes, autocasts, elementBytes, masterBytes, weightBytes, type Precision } from './precision.ts';

/** A matrix product: per group an (m x k) by (k x n) GEMM, `groups` of them. */
export interface Gemm {
  m: number;
  n: number;
  k: number;
  groups: number;
  /** Spatial kernel side of a conv (3 for 3x3), 0 for the fc and ECA's conv1d. */
  kernel: number;
  stride: number;
}

type KernelRole =
  | 'conv' | 'dgrad' | 'wgrad' | 'fc'
  | 'bn' | 'relu' | 'add' | 'pool' | 'depthwise' | 'reduce' | 'attention'
  | 'cast' | 'layout' | 'accumulate' | 'loss' | 'optimizer';

type Phase = 'forward' | 'backward' | 'optimizer';

export interface Kernel {
  /** Graph node the kernel belongs to (-1: the loss and the optimizer). */
  node: number;
  phase: Phase;
  role: KernelRole;
  gemm: Gemm | null;
  flops: number;
  bytesRead: number;
  bytesWritten: number;
  /** Activation bytes of the GEMM's image-shaped operand and result (for a layout change), 0 for the rest. */
  imageBytes: number;
  /** Kernel launches this entry stands for (the optimizer's foreach lists). */
  launches: number;
  /**
   * Elements whose per-channel batch statistics the kernel reduces: a BatchNorm in training mode (its forward's mean
   * and variance, its backward's sums of the gradient), which a CPU runs far below its bandwidth (model.ts).
   */
  batchStats?: number;
}

export type Mode = 'inference' | 'training';

function conv2dGemm(node: Extract<LayerNode, { kind: 'conv' }>, batch: number): Gemm {
  const { inChannels, outChannels, kernel, stride, groups } = node.conv;
  const [, ho, wo] = node.outShape;
  return { m: batch * ho * wo, n: outChannels / groups, k: (inChannels / groups) * kernel * kernel, groups, kernel, stride };
}

function macs(g: Gemm): number {
  return g.m * g.n * g.k * g.groups;
}

function paramElements(node: LayerNode): number {
  let n = 0;
  for (const t of node.tensors) if (t.kind === 'parameter') n += numel(t.shape);
  return n;
}

function stateElements(node: LayerNode): number {
  let n = 0;
  for (const t of node.tensors) if (t.shape.length > 0) n += numel(t.shape);
  return n;
}

/** Views and wrappers: no kernel, their output is their input. */
function isView(node: LayerNode): boolean {
  return node.kind === 'identity' || node.kind === 'flatten' || node.kind === 'block' || node.kind === 'container';
}

/** The real producer of a node's input: looks through views. -1 is the network input. */
function source(graph: LayerGraph, i: number): number {
  let at = i;
  while (at >= 0 && isView(graph.nodes[at])) at = graph.nodes[at].inputs[0];
  return at;
}

/** How many kernels read each producer's output (views looked through); index producer + 1 (0 = the input). */
function readers(graph: LayerGraph): number[] {
  const count = new Array<number>(graph.nodes.length + 1).fill(0);
  for (const n of graph.nodes) {
    if (isView(n)) continue;
    for (const i of n.inputs) count[source(graph, i) + 1]++;
  }
  return count;
}

function matrixKernel(node: number, phase: Phase, role: KernelRole, gemm: Gemm, read: number, written: number, image: number): Kernel {
  return { node, phase, role, gemm, flops: 2 * macs(gemm), bytesRead: read, bytesWritten: written, imageBytes: image, launches: 1 };
}

function memoryKernel(node: number, phase: Phase, role: KernelRole, read: number, written: number, flops: number): Kernel {
  return { node, phase, role, gemm: null, flops, bytesRead: read, bytesWritten: written, imageBytes: 0, launches: 1 };
}

function inputElements(graph: LayerGraph, node: LayerNode, which = 0): number {
  const i = node.inputs[which];
  return numel(i < 0 ? graph.inputShape : graph.nodes[i].outShape);
}

/** What the software does that the graph does not say. */
export interface KernelOptions {
  /** timm's `--fast-norm` (`set_fast_norm()`): GroupNorm casts its input to the autocast dtype and runs in float16. */
  fastNorm?: boolean;
  /** A channels-last model on CUDA (`model.to(memory_format=torch.channels_last)`): GroupNorm's layout copies. */
  cudaChannelsLast?: boolean;
}

/**
 * Which nodes' outputs are NCHW-contiguous in a channels-last model on CUDA. PyTorch's `group_norm` makes its
 * input contiguous on CUDA (`input.contiguous()`, a copy of a channels-last tensor; on the CPU it keeps the
 * input's format) and returns NCHW; the ops after it keep that format (an add or multiply its first operand's,
 * timm's `x += shortcut` included) until a conv, which, its weight being channels-last, copies its input back to
 * channels-last (cuDNN's `suggest_memory_format`) and returns channels-last. Without `cudaChannelsLast`: none.
 */
function nchwOutputs(graph: LayerGraph, opts: KernelOptions): boolean[] {
  if (!opts.cudaChannelsLast) return graph.nodes.map(() => false);
  const nchw: boolean[] = [];
  for (const n of graph.nodes) {
    if (n.kind === 'gn') nchw.push(true);
    else if (n.kind === 'conv' || n.kind === 'conv1d' || n.kind === 'linear' || n.kind === 'blurpool') nchw.push(false);
    else nchw.push(n.inputs.length > 0 && n.inputs[0] >= 0 ? nchw[n.inputs[0]] : false);
  }
  return nchw;
}

/** Per node: whether one of the kernels reading its output (views looked through) is a GroupNorm. */
function feedsGroupNorm(graph: LayerGraph): boolean[] {
  const feeds = graph.nodes.map(() => false);
  for (const n of graph.nodes) if (n.kind === 'gn' && n.inputs[0] >= 0) { const at = source(graph, n.inputs[0]); if (at >= 0) feeds[at] = true; }
  return feeds;
}

/**
 * How each node runs: its output element bytes and, in a channels-last model on CUDA, which outputs are NCHW,
 * which GroupNorms copy a channels-last input to NCHW (and their output gradient back, in the backward), and which
 * nodes feed a GroupNorm (a conv among them gets its output gradient back NCHW).
 */
interface Formats {
  bytes: number[];
  nchw: boolean[];
  gnCopiesInput: boolean[];
  feedsGn: boolean[];
}

function formatsOf(graph: LayerGraph, p: Precision, opts: KernelOptions): Formats {
  const nchw = nchwOutputs(graph, opts);
  const gnCopiesInput = graph.nodes.map((n) => n.kind === 'gn' && nchw[n.index] && !(n.inputs[0] >= 0 && nchw[n.inputs[0]]));
  return { bytes: elementBytes(graph, p, opts.fastNorm), nchw, gnCopiesInput, feedsGn: opts.cudaChannelsLast ? feedsGroupNorm(graph) : graph.nodes.map(() => false) };
}

/** Element bytes of a node's (first, or `which`) input: the network input is float32 unless the model is 16-bit. */
function inputBytes(node: LayerNode, bytes: readonly number[], p: Precision, which = 0): number {
  const i = node.inputs[which];
  return i >= 0 ? bytes[i] : autocasts(p) ? 4 : activationBytes(p);
}

/** The forward kernels of one node (eval or training mode); `bytes`: each node's output element bytes. */
function forwardKernels(graph: LayerGraph, node: LayerNode, batch: number, p: Precision, mode: Mode, fmt: Formats): Kernel[] {
  const bytes = fmt.bytes;
  // `cs`: the element bytes a conv or the fc computes in; `si`, `so`: this node's input and output elements.
  const cs = activationBytes(p);
  const so = bytes[node.index];
  const si = node.inputs.length > 0 ? inputBytes(node, bytes, p) : so;
  const out = batch * numel(node.outShape);
  const inp = node.inputs.length > 0 ? batch * inputElements(graph, node) : 0;
  const i = node.index;
  const casts: Kernel[] = [];
  const castWeights = () => {
    if (autocasts(p)) casts.push(memoryKernel(i, 'forward', 'cast', 4 * paramElements(node), 2 * paramElements(node), 0));
  };
  // Autocast casts a float32 input of a float16 op down at every call (its cache keeps only the weights' copies).
  const castInput = () => {
    if (autocasts(p) && si !== cs) casts.push(memoryKernel(i, 'forward', 'cast', si * inp, cs * inp, 0));
    // An NCHW input (after a GroupNorm) of a conv in a channels-last model: copied back to channels-last.
    if (node.inputs[0] >= 0 && fmt.nchw[node.inputs[0]] && node.kind === 'conv') casts.push(memoryKernel(i, 'forward', 'layout', cs * inp, cs * inp, 0));
  };
  switch (node.kind) {
    case 'conv': {
      castWeights();
      castInput();
      const g = conv2dGemm(node, batch);
      const w = paramElements(node) * weightBytes(p);
      return [...casts, matrixKernel(i, 'forward', 'conv', g, inp * cs + w, out * cs, (inp + out) * cs)];
    }
    case 'conv1d': {
      castWeights();
      castInput();
      const g: Gemm = { m: batch * node.outShape[1], n: 1, k: node.conv1d.kernel, groups: 1, kernel: 0, stride: 1 };
      return [...casts, matrixKernel(i, 'forward', 'attention', g, inp * cs, out * cs, 0)];
    }
    case 'linear': {
      castWeights();
      castInput();
      const g: Gemm = { m: batch, n: node.linear.outFeatures, k: node.linear.inFeatures, groups: 1, kernel: 0, stride: 1 };
      return [...casts, matrixKernel(i, 'forward', 'fc', g, inp * cs + paramElements(node) * weightBytes(p), out * cs, 0)];
    }
    case 'bn': {
      const vectors = 4 * stateElements(node);
      return mode === 'training'
        ? [{ ...memoryKernel(i, 'forward', 'bn', 2 * out * si + vectors, out * so + vectors, 6 * out), batchStats: out }]
        : [memoryKernel(i, 'forward', 'bn', out * si + vectors, out * so, 2 * out)];
    }
    case 'gn': {
      // PyTorch's GroupNorm: one pass for each group's moments, one that normalises, scales and shifts; under
      // autocast on a float32 copy of its input (`group_norm` is on autocast's float32 list).
      const up = si !== so ? [memoryKernel(i, 'forward', 'cast', out * si, out * so, 0)] : [];
      // A channels-last input is made NCHW-contiguous first (`nchwOutputs`).
      if (fmt.gnCopiesInput[i]) up.push(memoryKernel(i, 'forward', 'layout', out * so, out * so, 0));
      return [...up, memoryKernel(i, 'forward', 'bn', out * so, 0, 2 * out), memoryKernel(i, 'forward', 'bn', out * so + 8 * node.gn.channels, out * so, 3 * out)];
    }
    case 'blurpool': {
      // timm's BlurPool2d: F.pad(reflect) makes a padded copy, then a depthwise F.conv2d with the fixed filter.
      const [c, h, w] = node.inShape;
      const padded = batch * c * (h + 2 * node.blur.padding) * (w + 2 * node.blur.padding);
      castInput();
      return [...casts, memoryKernel(i, 'forward', 'pool', inp * cs, padded * cs, 0), memoryKernel(i, 'forward', 'depthwise', padded * cs, out * cs, 2 * node.blur.kernel ** 2 * out)];
    }
    case 'relu':
      return [memoryKernel(i, 'forward', 'relu', out * si, out * so, out)];
    case 'sigmoid':
      return [memoryKernel(i, 'forward', 'attention', out * si, out * so, 4 * out)];
    case 'silu': {
      const silu = memoryKernel(i, 'forward', 'relu', out * si, out * so, 5 * out);
      // In place under autograd, its gradient needs the input it overwrites: autograd clones it first (aten::clone before
      // aten::silu_ in the profiler), a copy the memory model counts too (peak-memory.ts).
      return mode === 'training' && node.inplace ? [memoryKernel(i, 'forward', 'relu', out * si, out * si, 0), silu] : [silu];
    }
    case 'add':
      return [memoryKernel(i, 'forward', 'add', out * (si + inputBytes(node, bytes, p, 1)), out * so, out)];
    case 'mul':
      return [memoryKernel(i, 'forward', 'attention', out * si + batch * inputElements(graph, node, 1) * inputBytes(node, bytes, p, 1), out * so, out)];
    case 'maxpool': {
      const k = node.pool.kernel;
      // Its FLOPs are the window's comparisons, an average pooling's its additions: what a CPU's pooling spends its
      // time on (model.ts).
      return [memoryKernel(i, 'forward', 'pool', inp * si, out * so + (mode === 'training' ? 8 * out : 0), (k * k - 1) * out)];
    }
    case 'avgpool':
      return [memoryKernel(i, 'forward', 'pool', inp * si, out * so, node.pool.kernel ** 2 * out)];
    case 'adaptiveavgpool':
    case 'mean':
      return [memoryKernel(i, 'forward', node.kind === 'mean' ? 'attention' : 'pool', inp * si, out * so, inp)];
    case 'concat':
      return [memoryKernel(i, 'forward', 'add', out * si, out * so, 0)];
    default:
      return [];
  }
}

/** The backward kernels of one node, in the order autograd runs them (reverse of the forward). */
function backwardKernels(graph: LayerGraph, node: LayerNode, batch: number, p: Precision, fmt: Formats): Kernel[] {
  const bytes = fmt.bytes;
  // Gradients have their tensor's dtype: `cs` for what a conv or the fc computes, `si` / `so` for this node's input and output.
  const cs = activationBytes(p);
  const so = bytes[node.index];
  const si = node.inputs.length > 0 ? inputBytes(node, bytes, p) : so;
  const out = batch * numel(node.outShape);
  const inp = node.inputs.length > 0 ? batch * inputElements(graph, node) : 0;
  const i = node.index;
  const fromInput = node.inputs.length > 0 && source(graph, node.inputs[0]) < 0;
  const params = paramElements(node);
  const gradCast = autocasts(p) && params > 0 ? [memoryKernel(i, 'backward', 'cast', 2 * params, 4 * params, 0)] : [];
  // The backward of autocast's cast of a float32 input: the float16 gradient cast back up (none for the network input).
  const inputCast = autocasts(p) && si !== cs && !fromInput ? [memoryKernel(i, 'backward', 'cast', cs * inp, si * inp, 0)] : [];
  switch (node.kind) {
    case 'conv': {
      const f = conv2dGemm(node, batch);
      const { inChannels, outChannels, kernel, stride, groups } = node.conv;
      const [, hi, wi] = node.inShape;
      const w = params * weightBytes(p);
      const ks: Kernel[] = [];
      if (!fromInput) {
        const dgrad: Gemm = { m: batch * hi * wi, n: inChannels / groups, k: (outChannels / groups) * kernel * kernel, groups, kernel, stride };
        // Same multiply-accumulates as the forward (FlopCounterMode's rule); the GEMM is over input pixels.
        const scaled = { ...dgrad, k: (f.m * f.n * f.k) / (dgrad.m * dgrad.n) };
        ks.push(matrixKernel(i, 'backward', 'dgrad', scaled, out * cs + w, inp * cs, (inp + out) * cs));
      }
      const wgrad: Gemm = { m: outChannels / groups, n: (inChannels / groups) * kernel * kernel, k: f.m, groups, kernel, stride };
      ks.push(matrixKernel(i, 'backward', 'wgrad', wgrad, (out + inp) * cs, w, (inp + out) * cs));
      // Its output gradient comes back NCHW from a GroupNorm: cuDNN copies it to channels-last first.
      const layout = fmt.feedsGn[i] ? [memoryKernel(i, 'backward', 'layout', out * cs, out * cs, 0)] : [];
      return [...layout, ...ks, ...gradCast, ...inputCast];
    }
    case 'conv1d': {
      const g: Gemm = { m: batch * node.outShape[1], n: 1, k: node.conv1d.kernel, groups: 1, kernel: 0, stride: 1 };
      return [
        matrixKernel(i, 'backward', 'attention', g, out * cs, inp * cs, 0),
        matrixKernel(i, 'backward', 'attention', { m: 1, n: node.conv1d.kernel, k: g.m, groups: 1, kernel: 0, stride: 1 }, (out + inp) * cs, params * cs, 0),
        ...gradCast,
        ...inputCast,
      ];
    }
    case 'linear': {
      const { inFeatures, outFeatures } = node.linear;
      const w = params * weightBytes(p);
      return [
        matrixKernel(i, 'backward', 'fc', { m: batch, n: inFeatures, k: outFeatures, groups: 1, kernel: 0, stride: 1 }, out * cs + w, inp * cs, 0),
        matrixKernel(i, 'backward', 'fc', { m: outFeatures, n: inFeatures, k: batch, groups: 1, kernel: 0, stride: 1 }, (out + inp) * cs, w, 0),
        ...gradCast,
        ...inputCast,
      ];
    }
    case 'bn':
      return [{ ...memoryKernel(i, 'backward', 'bn', 2 * out * so + 2 * out * si, out * si + 2 * 4 * node.bn.channels, 8 * out), batchStats: out }];
    case 'gn': {
      // The group sums of dy and dy * x, then the input gradient (and the scale's and shift's), in float32 under
      // autocast, whose cast's backward then casts the input gradient back down.
      const down = si !== so ? [memoryKernel(i, 'backward', 'cast', out * so, out * si, 0)] : [];
      // Its backward takes `grad.contiguous()`: a channels-last output gradient is copied to NCHW.
      const layout = fmt.gnCopiesInput[i] ? [memoryKernel(i, 'backward', 'layout', out * so, out * so, 0)] : [];
      return [...layout, memoryKernel(i, 'backward', 'bn', 2 * out * so, 0, 2 * out), memoryKernel(i, 'backward', 'bn', 2 * out * so, out * so + 2 * 4 * node.gn.channels, 6 * out), ...down];
    }
    case 'blurpool': {
      // The depthwise conv's input gradient (no weight gradient: the filter is a buffer), then the padding's.
      const [c, h, w] = node.inShape;
      const padded = batch * c * (h + 2 * node.blur.padding) * (w + 2 * node.blur.padding);
      return [memoryKernel(i, 'backward', 'depthwise', out * cs, padded * cs, 2 * node.blur.kernel ** 2 * out), memoryKernel(i, 'backward', 'pool', padded * cs, inp * cs, 0), ...inputCast];
    }
    case 'relu':
      return [memoryKernel(i, 'backward', 'relu', 2 * out * so, out * si, out)];
    case 'sigmoid':
      return [memoryKernel(i, 'backward', 'attention', 2 * out * so, out * si, 3 * out)];
    case 'silu':
      return [memoryKernel(i, 'backward', 'relu', out * so + out * si, out * si, 7 * out)];
    case 'mul': {
      const gate = batch * inputElements(graph, node, 1);
      const sg = inputBytes(node, bytes, p, 1);
      return [
        memoryKernel(i, 'backward', 'attention', out * so + gate * sg, out * si, out),
        memoryKernel(i, 'backward', 'attention', out * so + out * si, gate * sg, 2 * out),
      ];
    }
    case 'maxpool':
      return [
        memoryKernel(i, 'backward', 'pool', 0, inp * si, 0),
        memoryKernel(i, 'backward', 'pool', out * so + 8 * out, inp * si, out),
      ];
    case 'avgpool':
    case 'adaptiveavgpool':
    case 'mean':
      return [memoryKernel(i, 'backward', node.kind === 'mean' ? 'attention' : 'pool', out * so, inp * si, inp)];
    case 'concat':
      return [memoryKernel(i, 'backward', 'add', out * so, out * si, 0)];
    default:
      return [];
  }
}

/** Cross-entropy on the logits: log-softmax and NLL forward, their two backward kernels. */
function lossKernels(graph: LayerGraph, batch: number, s: number): { forward: Kernel[]; backward: Kernel[] } {
  const logits = batch * numel(graph.nodes[graph.output].outShape);
  return {
    forward: [memoryKernel(-1, 'forward', 'loss', logits * s, logits * 4, 4 * logits), memoryKernel(-1, 'forward', 'loss', logits * 4, 4, logits)],
    backward: [memoryKernel(-1, 'backward', 'loss', 4, logits * 4, logits), memoryKernel(-1, 'backward', 'loss', 2 * logits * 4, logits * s, 4 * logits)],
  };
}

/** Element-wise passes of one optimizer step per parameter: [arrays read, arrays written, foreach ops]. */
const OPTIMIZER_PASSES: Readonly<Record<Optimizer, [number, number, number]>> = {
  none: [0, 0, 0],
  sgd: [2, 1, 1],
  momentum: [3, 2, 3],
  adam: [4, 3, 8],
};

/**
 * The same step as PyTorch before 2.0 runs it by default (`foreach=False`): a Python loop over the parameters,
 * one kernel per tensor operation, [arrays read, arrays written] per kernel (torch/optim/sgd.py and adam.py,
 * `_single_tensor_*`). SGD: `param.add_(grad)`; SGD with momentum: `buf.mul_(m).add_(grad)`, `param.add_(buf)`;
 * Adam: `exp_avg.mul_().add_()`, `exp_avg_sq.mul_().addcmul_()`, `sqrt`, the division, `add_(eps)`, `param.addcdiv_()`.
 */
const OPTIMIZER_LOOP: Readonly<Record<Optimizer, readonly (readonly [number, number])[]>> = {
  none: [],
  sgd: [[2, 1]],
  momentum: [[1, 1], [2, 1], [2, 1]],
  adam: [[1, 1], [2, 1], [1, 1], [2, 1], [1, 1], [1, 1], [1, 1], [3, 1]],
};

/** PyTorch's multi_tensor_apply takes at most this many tensors per launch (its depth limit for 3-4 lists). */
const FOREACH_TENSORS = 64;

/**
 * How the framework runs the optimizer step: PyTorch 2's foreach kernels (the default on CUDA since 2.0), or
 * the per-parameter loop of earlier releases (`torch.optim` before 2.0 defaults to `foreach=False`).
 */
export type OptimizerImpl = 'foreach' | 'loop';

/**
 * The optimizer implementation a PyTorch release runs by default, from its version ("1.13.0a0", "2.4.1+cu121"):
 * the per-parameter loop before 2.0, the foreach kernels from 2.0 (PyTorch 2.0 release notes).
 */
export function optimizerImplOf(pytorchVersion: string): OptimizerImpl {
  return beforeTwo(pytorchVersion) ? 'loop' : 'foreach';
}

/**
 * What a plain `optimizer.zero_grad()` does in a PyTorch release: zeroes the gradients in place before 2.0
 * (`set_to_none=False`), frees them from 2.0 (PyTorch 2.0 release notes: `set_to_none=True` became the default).
 */
export function zeroGradOf(pytorchVersion: string): GradReset {
  return beforeTwo(pytorchVersion) ? 'zero' : 'none';
}

function beforeTwo(pytorchVersion: string): boolean {
  const major = /^\s*(\d+)\./.exec(pytorchVersion);
  return major !== null && Number(major[1]) < 2;
}

function optimizerKernels(graph: LayerGraph, optimizer: Optimizer, p: Precision, impl: OptimizerImpl): Kernel[] {
  const [reads, writes, ops] = OPTIMIZER_PASSES[optimizer];
  if (ops === 0) return [];
  const b = masterBytes(p);
  const tensors: number[] = [];
  for (const n of graph.nodes) for (const t of n.tensors) if (t.kind === 'parameter') tensors.push(numel(t.shape));
  if (impl === 'loop') {
    return tensors.flatMap((elements) => OPTIMIZER_LOOP[optimizer].map(([r, w]) => memoryKernel(-1, 'optimizer', 'optimizer', r * elements * b, w * elements * b, elements)));
  }
  const params = tensors.reduce((a, e) => a + e, 0);
  const k = memoryKernel(-1, 'optimizer', 'optimizer', reads * params * b, writes * params * b, 2 * ops * params);
  k.launches = ops * Math.ceil(tensors.length / FOREACH_TENSORS);
  return [k];
}

/** The kernels of an inference (eval) forward pass of a batch. */
export function inferenceKernels(graph: LayerGraph, batch: number, p: Precision, opts: KernelOptions = {}): Kernel[] {
  const f = formatsOf(graph, p, opts);
  return graph.nodes.flatMap((n) => forwardKernels(graph, n, batch, p, 'inference', f));
}

interface TrainingKernels {
  forward: Kernel[];
  backward: Kernel[];
  /** The optimizer step's kernels (none for `none`). */
  optimizer: Kernel[];
}

/**
 * The kernels of one training step of a batch: forward (training mode) + loss, backward, optimizer. `impl` and
 * `zeroGrad` say how the step's optimizer runs and how its gradients were reset (PyTorch 2's defaults unless told).
 */
export function trainingKernels(graph: LayerGraph, batch: number, p: Precision, optimizer: Optimizer, impl: OptimizerImpl = 'foreach', zeroGrad: GradReset = 'none', opts: KernelOptions = {}): TrainingKernels {
  const f = formatsOf(graph, p, opts);
  const bytes = f.bytes;
  const loss = lossKernels(graph, batch, bytes[graph.output]);
  const forward = [...graph.nodes.flatMap((n) => forwardKernels(graph, n, batch, p, 'training', f)), ...loss.forward];
  const count = readers(graph);
  const backward: Kernel[] = [...loss.backward];
  for (let j = graph.nodes.length - 1; j >= 0; j--) {
    const node = graph.nodes[j];
    if (isView(node)) continue;
    // The gradient of this node's output is complete once its readers have run: add the extra ones.
    const extra = count[j + 1] - 1;
    const size = batch * numel(node.outShape) * bytes[j];
    for (let e = 0; e < extra; e++) backward.push(memoryKernel(j, 'backward', 'accumulate', 2 * size, size, size / bytes[j]));
    backward.push(...backwardKernels(graph, node, batch, p, f));
    // Gradients kept (zeroed) from the last step: AccumulateGrad adds each new one into its parameter's .grad.
    if (zeroGrad === 'zero') {
      for (const t of node.tensors) {
        if (t.kind !== 'parameter') continue;
        const e = numel(t.shape);
        backward.push(memoryKernel(j, 'backward', 'accumulate', 2 * e * masterBytes(p), e * masterBytes(p), e));
      }
    }
  }
  return { forward, backward, optimizer: optimizerKernels(graph, optimizer, p, impl) };
}

/** Multiply-accumulates of the matrix kernels (forward conv + fc: the paper's count times the batch). */
export function kernelMacs(kernels: readonly Kernel[]): number {
  let sum = 0;
  for (const k of kernels) if (k.gemm) sum += macs(k.gemm);
  return sum;
}
