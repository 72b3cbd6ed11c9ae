/**
 * What one layer costs: parameters, multiply-accumulates and element counts, per sample.
 * Every convention (paper, fvcore, thop, ptflops) is built from these numbers.
 */
import { nodeParams, numel, type BlurPoolSpec, type Conv1dSpec, type ConvSpec, type LayerGraph, type LayerNode, type LinearSpec } from '../model/graph.ts';

/** Conv MACs = Hout * Wout * Cout * (Cin / groups) * k * k (no bias term). */
export function convMacs(conv: ConvSpec, outShape: readonly number[]): number {
  const [cout, hout, wout] = outShape;
  return hout * wout * cout * (conv.inChannels / conv.groups) * conv.kernel * conv.kernel;
}

/** Conv1d MACs (ECA: one input and one output channel) = output length * kernel. */
export function conv1dMacs(conv: Conv1dSpec, outShape: readonly number[]): number {
  const [channels, length] = outShape;
  return channels * length * conv.kernel;
}

/**
 * BlurPool2d MACs = output numel * k * k: a depthwise convolution (F.conv2d with groups = channels)
 * whose filter is fixed rather than learnt; counted as the conv it is, as fvcore counts it.
 */
export function blurPoolMacs(blur: BlurPoolSpec, outShape: readonly number[]): number {
  return numel(outShape) * blur.kernel * blur.kernel;
}

/** Linear MACs = in_features * out_features (no bias term). */
export function linearMacs(linear: LinearSpec): number {
  return linear.inFeatures * linear.outFeatures;
}

interface LayerCost {
  /** Learnable parameters the called module owns (torchsummary's Param # for the row). */
  params: number;
  /** Multiply-accumulates of conv (BlurPool2d's fixed depthwise filter included) and linear layers; 0 for every other kind. */
  macs: number;
  /** Elements of the input (first input) and of the output, per sample. */
  inElements: number;
  outElements: number;
}

export function layerCost(node: LayerNode): LayerCost {
  let macs = 0;
  if (node.kind === 'conv') macs = convMacs(node.conv, node.outShape);
  if (node.kind === 'conv1d') macs = conv1dMacs(node.conv1d, node.outShape);
  if (node.kind === 'blurpool') macs = blurPoolMacs(node.blur, node.outShape);
  if (node.kind === 'linear') macs = linearMacs(node.linear);
  return { params: nodeParams(node), macs, inElements: numel(node.inShape), outElements: numel(node.outShape) };
}

/** Params of the network: each module once (a ReLU called three times owns nothing anyway). */
export function totalParams(graph: LayerGraph): number {
  return graph.nodes.reduce((sum, n) => sum + nodeParams(n), 0);
}

/** Conv + linear multiply-accumulates per sample: the paper's "FLOPs" and torchvision's "GFLOPS". */
export function totalMacs(graph: LayerGraph): number {
  return graph.nodes.reduce((sum, n) => sum + layerCost(n).macs, 0);
}
