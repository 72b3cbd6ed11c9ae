/**
 * Counting conventions of the tools people compare against. All count per sample (batch 1).
 *
 * - paper:   conv (Conv2d, ECA's Conv1d, BlurPool2d's fixed depthwise filter) + linear multiply-accumulates,
 *            no bias (Xie et al. "FLOPs", torchvision "GFLOPS").
 * - fvcore:  paper + 2 per BatchNorm output element (eval: scale and shift) + 5 per GroupNorm element
 *            (fvcore's norm rule with an affine) + 1 per element of the adaptive average pool's input.
 *            fvcore's `FlopCountAnalysis` reports MACs as "flops".
 * - thop:    paper + 4 per BatchNorm or GroupNorm element + (kernel + 1) per adaptive-avg-pool output element
 *            (kernel = input area / output area) + 1 per output element of a conv with a bias (SE's
 *            fc1 / fc2) + 1 per AvgPool2d output element; BlurPool2d counts zero (thop hooks modules it
 *            knows, and its filter runs as a functional conv). thop's `profile` reports MACs.
 * - ptflops: paper + the biases (ptflops adds one per output of a linear or conv with a bias).
 * ReLU, Sigmoid, Identity, max pooling, the residual add and attention's mean and gating multiply
 * count zero in all four. The four reference totals of torchvision's ResNet-50 / ResNeXt-50 are
 * measured; the rules for SE, ECA and the average-pool shortcut follow each tool's documented op
 * coverage (fvcore and ptflops count convolutions of any rank, thop counts conv bias).
 */
import type { LayerGraph, LayerNode } from '../model/graph.ts';
import { layerCost } from './counts.ts';

export type Convention = 'paper' | 'fvcore' | 'thop' | 'ptflops';
export const CONVENTIONS: readonly Convention[] = ['paper', 'fvcore', 'thop', 'ptflops'];

export const CONVENTION_INFO: Record<Convention, { label: string; description: string }> = {
  paper: {
    label: 'Paper / torchvision',
    description: 'Multiply-accumulates of conv and fully connected layers, no bias (the paper\'s "FLOPs", torchvision\'s "GFLOPS").',
  },
  fvcore: {
    label: 'fvcore',
    description: 'Conv + fc MACs, plus 2 per BatchNorm output element and 1 per adaptive-avg-pool input element (fvcore FlopCountAnalysis).',
  },
  thop: {
    label: 'thop',
    description: 'Conv + fc MACs, plus 4 per BatchNorm element, (kernel + 1) per adaptive-avg-pool output element, and the biases of convs that have one (thop.profile).',
  },
  ptflops: {
    label: 'ptflops (aten)',
    description: 'Conv + fc MACs including the biases of the fc and of convs that have one (ptflops get_model_complexity_info).',
  },
};

export function isConvention(value: string): value is Convention {
  return (CONVENTIONS as readonly string[]).includes(value);
}

/** Multiply-accumulates one layer call contributes under a convention. */
export function layerMacs(node: LayerNode, convention: Convention): number {
  const cost = layerCost(node);
  switch (convention) {
    case 'paper':
      return cost.macs;
    case 'fvcore':
      if (node.kind === 'bn') return 2 * cost.outElements;
      if (node.kind === 'gn') return 5 * cost.outElements;
      if (node.kind === 'adaptiveavgpool') return cost.inElements;
      return cost.macs;
    case 'thop':
      if (node.kind === 'bn' || node.kind === 'gn') return 4 * cost.outElements;
      if (node.kind === 'blurpool') return 0;
      if (node.kind === 'adaptiveavgpool') {
        const kernel = (node.inShape[1] * node.inShape[2]) / (node.outShape[1] * node.outShape[2]);
        return (kernel + 1) * cost.outElements;
      }
      if (node.kind === 'avgpool') return cost.outElements;
      if (node.kind === 'conv' && node.conv.bias) return cost.macs + cost.outElements;
      return cost.macs;
    case 'ptflops':
      if (node.kind === 'linear' && node.linear.bias) return cost.macs + node.linear.outFeatures;
      if (node.kind === 'conv' && node.conv.bias) return cost.macs + cost.outElements;
      return cost.macs;
  }
}

export function totalMacsBy(graph: LayerGraph, convention: Convention): number {
  return graph.nodes.reduce((sum, n) => sum + layerMacs(n, convention), 0);
}
