/**
 * Memory traffic per module call, the fused ops of this engine, and the row type of the roofline chart and
 * kernel table (the times come from the kernel-level model in timing/).
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
 * - A layer is compute-bound when its arithmetic takes longer than its memory traffic (timing/model.ts), else
 *   memory-bound.
 */
import { fusionPlan, isView } from '../model/fusion.ts';
import { numel, type LayerGraph, type LayerNode } from '../model/graph.ts';
import { blurPoolMacs, conv1dMacs, convMacs, linearMacs } from './counts.ts';
import type { Execution } from './devices.ts';
import { DTYPE_BYTES, type Dtype } from './memory.ts';

/** Traffic of one module call at a batch and dtype; null for calls that move no data (views, wrappers). */
interface NodeTraffic {
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
    case 'silu':
      // x * sigmoid(x)
      return 5 * outs;
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
function isKernel(node: LayerNode): boolean {
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
 * Fused: the engine's fusion plan (`fusionPlan`: a conv takes its BatchNorm and ReLU, an add its ReLU; with
 * `residualFusion`, as the engine's wasm GEMM kernel does, a dense conv also takes the residual add).
 */
export function kernelGroups(graph: LayerGraph, execution: Execution, residualFusion = false): number[][] {
  if (execution === 'eager') return graph.nodes.filter(isKernel).map((n) => [n.index]);
  return fusionPlan(graph, residualFusion ? { residual: (n) => n.conv.groups === 1 } : {}).kernels.map((k) => k.nodes);
}

type Bound = 'compute' | 'memory';

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
  /** Where a matrix layer runs (tensor cores or the vector units); `memory` for element-wise layers. */
  unit: 'tensor' | 'simt' | 'memory';
  /** Tile quantization: useful / computed multiply-accumulates (1 for element-wise layers). */
  tileUse: number;
  /** FLOPs / (time x the dtype's matrix peak): how far below the compute roof the layer runs (0 for element-wise). */
  peakShare: number;
  /** Runs as Winograd (fewer multiplications than its FLOPs say). */
  winograd: boolean;
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
    case 'silu':
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
