/**
 * Training multiply-accumulates: one forward and one backward pass, counted by the rule of PyTorch's
 * `torch.utils.flop_counter.FlopCounterMode` (torch >= 2.1), which counts convolutions and matrix
 * products only (BatchNorm, ReLU, pooling, the residual add and the loss count nothing):
 *
 * - a convolution (Conv2d, ECA's Conv1d) costs its forward MACs (`convMacs`), and in backward
 *   (`convolution_backward`) as much again for the input gradient when its input needs one (the network's
 *   first conv reads the batch, which needs no gradient) and as much again for the weight gradient;
 * - the fc (`addmm`) costs in x out per image, and in backward two `mm` of the same size: the input
 *   gradient and the weight gradient (the bias gradient is a sum: nothing).
 *
 * FlopCounterMode reports FLOPs = 2 x MACs for the whole batch; these are MACs per image. Checked against
 * the ops torch really runs in a backward pass (tools/fixtures/training_fixtures.py, fixtures/training/).
 * FlopCounterMode's own formula for the weight gradient of a grouped conv, from torch 2.1, transposes the
 * shapes and loses the division by the groups, so it reports `groups` times these MACs for that term; see
 * docs/memory-and-flops.md.
 */
import type { LayerGraph, LayerNode } from '../model/graph.ts';
import { layerCost } from './counts.ts';

interface TrainingMacs {
  /** Per image: the forward pass (conv + fc, no bias: the paper's count). */
  forward: number;
  /** Per image: the backward pass's input gradients. */
  inputGrad: number;
  /** Per image: the backward pass's weight gradients. */
  weightGrad: number;
  /** forward + inputGrad + weightGrad. */
  total: number;
}

interface TrainingMacsOptions {
  /** The batch itself needs a gradient (e.g. adversarial training): the first conv computes an input gradient too. */
  inputRequiresGrad?: boolean;
}

/** Whether the call's (first) input depends on a parameter, through views and wrappers, or is the batch. */
function readsTheBatch(graph: LayerGraph, node: LayerNode): boolean {
  let p = node.inputs[0];
  while (p >= 0) {
    const n = graph.nodes[p];
    if (n.tensors.some((t) => t.kind === 'parameter')) return false;
    p = n.inputs[0];
  }
  return true;
}

/** Training MACs per image: forward + backward (see the rule at the top). */
export function trainingMacs(graph: LayerGraph, options: TrainingMacsOptions = {}): TrainingMacs {
  const sum: TrainingMacs = { forward: 0, inputGrad: 0, weightGrad: 0, total: 0 };
  for (const node of graph.nodes) {
    // BlurPool2d runs F.conv2d with a fixed filter (a buffer): forward and input gradient, no weight gradient.
    const fixed = node.kind === 'blurpool';
    if (!fixed && node.kind !== 'conv' && node.kind !== 'conv1d' && node.kind !== 'linear') continue;
    const forward = layerCost(node).macs;
    sum.forward += forward;
    if (options.inputRequiresGrad || !readsTheBatch(graph, node)) sum.inputGrad += forward;
    if (!fixed) sum.weightGrad += forward;
  }
  sum.total = sum.forward + sum.inputGrad + sum.weightGrad;
  return sum;
}
