/**
 * Memory traffic and a roofline per kernel. One kernel is one module call (eager execution) or a conv /
 * add with the BatchNorm and ReLU folded into it (fused execution, see `Execution` in devices.ts).
 *
 * Formulas (B = batch, s = bytes per element of the dtype, weights and activations in the same dtype):
 * - bytes read = B x input elements x s (both inputs of an add or multiply) + parameter and buffer
 *   elements x s (conv and fc weights and biases; BatchNorm's weight, bias, running mean and variance);
 *   bytes written = B x output elements x s. Every tensor is read or written once: caches, im2col and
 *   workspaces are not modelled.
 * - FLOPs: conv / fc = 2 x multiply-accumulates (+ 1 per output element for a bias); BatchNorm 2 per
 *   element (scale, shift); ReLU, add, multiply 1; Sigmoid 4; max pool k^2 - 1 comparisons and average
 *   pool k^2 additions per output element; a mean 1 per input element. Intensity = FLOPs / (read + written).
 * - ShuffleNet V2's memory access cost (Ma et al. 2018, guideline G2), generalised to a k x k conv with
 *   stride: MAC = Hin Win Cin + Hout Wout Cout + k^2 Cin Cout / g elements per image (for a 1x1 conv at
 *   stride 1: hw(c1 + c2) + c1 c2 / g). It is the conv's read + written elements at batch 1.
 * - time = max(FLOPs / peak, bytes / bandwidth) + the device's launch overhead, per memory pass (see
 *   `passes`: a fused conv is one pass, an add with its ReLU two). The peak is the dtype's matrix rate for
 *   convs and the fc (the FP32 rate where the device has none), the FP32 rate otherwise. A kernel is
 *   compute-bound when FLOPs / peak >= bytes / bandwidth, else memory-bound.
 */
import { fusionPlan, isView } from '../model/fusion.ts';
import { numel, type LayerGraph, type LayerNode } from '../model/graph.ts';
import { blurPoolMacs, conv1dMacs, convMacs, linearMacs } from './counts.ts';
import type { Device, Execution } from './devices.ts';
import { DTYPE_BYTES, type Dtype } from './memory.ts';

/** Traffic of one module call at a batch and dtype; null for calls that move no data (views, wrappers). */
export interface NodeTraffic {
  macs: number;
  flops: number;
  bytesRead: number;
  bytesWritten: number;
}

/** Parameter and buffer elements a call reads (conv/fc weights and biases; BN's four vectors). */
function stateElements(node: LayerNode): number {
  let n = 0;
  for (const t of node.tensors) if (t.shape.length > 0) n += numel(t.shape);
  return n;
}

/** Multiply-accumulates per sample (conv, ECA's conv1d and the fc; 0 for the rest), as counts.ts counts them. */
function macsPerSample(node: LayerNode): number {
  if (node.kind === 'conv') return convMacs(node.conv, node.outShape);
  if (node.kind === 'conv1d') return conv1dMacs(node.conv1d, node.outShape);
  if (node.kind === 'linear') return linearMacs(node.linear);
  if (node.kind === 'blurpool') return blurPoolMacs(node.blur, node.outShape);
  return 0;
}

function flopsPerSample(node: LayerNode, macs: number): number {
  const outs = numel(node.outShape);
  const ins = numel(node.inShape);
  switch (node.kind) {
    case 'conv':
      return 2 * macs + (node.conv.bias ? outs : 0);
    case 'conv1d':
      return 2 * macs;
    case 'linear':
      return 2 * macs + (node.linear.bias ? outs : 0);
    case 'bn':
      return 2 * outs;
    case 'gn':
      // the mean and variance of each group (2 passes), then normalise, scale and shift
      return 7 * outs;
    case 'blurpool':
      return 2 * macs;
    case 'relu':
    case 'add':
    case 'mul':
      return outs;
    case 'sigmoid':
      return 4 * outs;
    case 'maxpool':
      return (node.pool.kernel ** 2 - 1) * outs;
    case 'avgpool':
      return node.pool.kernel ** 2 * outs;
    case 'adaptiveavgpool':
    case 'mean':
      return ins;
    default:
      return 0;
  }
}

/** Whether a call is a kernel at all (identity, flatten and wrapper rows are views). */
export function isKernel(node: LayerNode): boolean {
  return !isView(node.kind);
}

export function nodeTraffic(graph: LayerGraph, node: LayerNode, batch: number, dtype: Dtype): NodeTraffic | null {
  if (!isKernel(node)) return null;
  const s = DTYPE_BYTES[dtype];
  const macs = macsPerSample(node);
  let inputs = 0;
  for (const i of node.inputs) inputs += numel(i < 0 ? graph.config.input : graph.nodes[i].outShape);
  return {
    macs: batch * macs,
    flops: batch * flopsPerSample(node, macs),
    bytesRead: (batch * inputs + stateElements(node)) * s,
    bytesWritten: batch * numel(node.outShape) * s,
  };
}

/** ShuffleNet V2's memory access cost of a conv in elements per image (the generalisation above). */
export function convMemoryAccessCost(node: LayerNode): number | null {
  if (node.kind !== 'conv') return null;
  const { inChannels, outChannels, kernel, groups } = node.conv;
  const [, hin, win] = node.inShape;
  const [, hout, wout] = node.outShape;
  return hin * win * inChannels + hout * wout * outChannels + (kernel * kernel * inChannels * outChannels) / groups;
}

/**
 * The kernels a runtime launches, as lists of node indices in execution order. Eager: one per call.
 * Fused: the engine's fusion plan (`fusionPlan`: a conv takes its BatchNorm and ReLU, an add its ReLU).
 */
export function kernelGroups(graph: LayerGraph, execution: Execution): number[][] {
  if (execution === 'eager') return graph.nodes.filter(isKernel).map((n) => [n.index]);
  return fusionPlan(graph).kernels.map((k) => k.nodes);
}

export type Bound = 'compute' | 'memory';

export interface KernelCost {
  /** The first call's name (the conv of a fused conv + BN + ReLU). */
  name: string;
  /** Module type of the first call, or the functional op (`add`, `mul`, `mean`). */
  type: string;
  /** The calls this kernel runs. */
  nodes: number[];
  stage: number;
  macs: number;
  flops: number;
  bytesRead: number;
  bytesWritten: number;
  /** FLOPs / (bytes read + written). */
  intensity: number;
  computeMs: number;
  memoryMs: number;
  /** max(computeMs, memoryMs) + launch overhead. */
  ms: number;
  bound: Bound;
  /** ShuffleNet V2's MAC of a conv, elements per image; null for other kernels. */
  memoryAccessCost: number | null;
}

/** Peak FLOP/s a kernel can reach on a device at a dtype. */
export function peakFlops(device: Device, dtype: Dtype, matrix: boolean): number {
  const tflops = !matrix || dtype === 'float32' ? device.fp32Tflops : (dtype === 'float16' ? device.fp16Tflops : device.bf16Tflops) ?? device.fp32Tflops;
  return tflops * 1e12;
}

interface Pass {
  macs: number;
  flops: number;
  bytesRead: number;
  bytesWritten: number;
  matrix: boolean;
}

/**
 * The memory passes of one op. A conv runs as one pass whatever it absorbed: the folded BatchNorm is in
 * its weights and bias (their vectors read once more here, for the folding), the ReLU in its epilogue, so
 * it reads its input and weights once and writes its last call's output once. Any other op runs each of
 * its calls as its own pass (an add and its ReLU: two element-wise passes, as TensorFlow.js runs them).
 */
function passes(graph: LayerGraph, group: number[], batch: number, dtype: Dtype): Pass[] {
  const isMatrix = (n: LayerNode) => n.kind === 'conv' || n.kind === 'conv1d' || n.kind === 'linear';
  const first = graph.nodes[group[0]];
  if (first.kind !== 'conv' || group.length === 1) {
    return group.map((i) => {
      const n = graph.nodes[i];
      const t = nodeTraffic(graph, n, batch, dtype)! as Pass;
      t.matrix = isMatrix(n);
      return t;
    });
  }
  const head = nodeTraffic(graph, first, batch, dtype)!;
  let flops = head.flops;
  let state = 0;
  for (let k = 1; k < group.length; k++) {
    const n = graph.nodes[group[k]];
    flops += batch * flopsPerSample(n, 0);
    state += stateElements(n);
  }
  const last = graph.nodes[group[group.length - 1]];
  return [{
    macs: head.macs,
    flops,
    bytesRead: head.bytesRead + state * DTYPE_BYTES[dtype],
    bytesWritten: batch * numel(last.outShape) * DTYPE_BYTES[dtype],
    matrix: true,
  }];
}

/** The roofline of every kernel (op) of a batch-B forward pass on a device. */
export function roofline(graph: LayerGraph, batch: number, dtype: Dtype, device: Device): KernelCost[] {
  const bandwidth = device.bandwidthGBs * 1e9;
  const launchMs = device.launchUs / 1000;
  return kernelGroups(graph, device.execution).map((group) => {
    const first = graph.nodes[group[0]];
    let macs = 0;
    let flops = 0;
    let bytesRead = 0;
    let bytesWritten = 0;
    let computeMs = 0;
    let memoryMs = 0;
    let ms = 0;
    for (const p of passes(graph, group, batch, dtype)) {
      const c = (p.flops / peakFlops(device, dtype, p.matrix)) * 1000;
      const m = ((p.bytesRead + p.bytesWritten) / bandwidth) * 1000;
      macs += p.macs;
      flops += p.flops;
      bytesRead += p.bytesRead;
      bytesWritten += p.bytesWritten;
      computeMs += c;
      memoryMs += m;
      ms += Math.max(c, m) + launchMs;
    }
    return {
      name: first.name,
      type: first.module ?? first.kind,
      nodes: group,
      stage: first.stage,
      macs,
      flops,
      bytesRead,
      bytesWritten,
      intensity: flops / (bytesRead + bytesWritten),
      computeMs,
      memoryMs,
      ms,
      bound: computeMs >= memoryMs ? 'compute' : 'memory',
      memoryAccessCost: convMemoryAccessCost(first),
    };
  });
}

/** What a dot on the roofline chart is, by colour. */
export type LayerCategory = 'stem' | 'dense 1x1' | 'grouped 3x3' | 'dense 3x3' | 'BN' | 'ReLU' | 'add' | 'pool' | 'fc' | 'SE/ECA';
export const LAYER_CATEGORIES: readonly LayerCategory[] = ['stem', 'dense 1x1', 'grouped 3x3', 'dense 3x3', 'BN', 'ReLU', 'add', 'pool', 'fc', 'SE/ECA'];

export function layerCategory(node: LayerNode): LayerCategory {
  if (node.name.includes('.se.')) return 'SE/ECA';
  switch (node.kind) {
    case 'conv':
      if (node.stage === 0) return 'stem';
      if (node.conv.groups > 1) return 'grouped 3x3';
      return node.conv.kernel === 1 ? 'dense 1x1' : 'dense 3x3';
    case 'bn':
    case 'gn':
      return 'BN';
    case 'relu':
      return 'ReLU';
    case 'add':
      return 'add';
    case 'linear':
      return 'fc';
    case 'maxpool':
    case 'avgpool':
    case 'blurpool':
    case 'adaptiveavgpool':
      return 'pool';
    default:
      return 'SE/ECA';
  }
}
