/**
 * Each layer's params and MACs written out as the formula that gives them, with the layer's own
 * sizes, so a number in a table can be checked by hand. Pure; the values come from
 * src/analysis (layerCost), the formulas restate how it counts.
 */
import type { LayerNode } from '../model/graph.ts';
import { layerCost } from '../analysis/counts.ts';
import { thousands } from '../analysis/format.ts';

export interface LayerFormula {
  params: string;
  macs: string;
}

/** Formulas for conv, Conv1d, BatchNorm and linear layers; null for layers that own nothing and compute no MACs. */
export function layerFormula(node: LayerNode): LayerFormula | null {
  const cost = layerCost(node);
  if (node.kind === 'conv') {
    const { outChannels: co, inChannels: ci, groups: g, kernel: k, bias } = node.conv;
    const [, h, w] = node.outShape;
    const per = g > 1 ? `${ci}/${g}` : `${ci}`;
    const weights = (co * ci * k * k) / g;
    if (bias) {
      return {
        params: `Cout × Cin/groups × k × k + Cout (bias) = ${co} × ${per} × ${k} × ${k} + ${co} = ${thousands(cost.params)}`,
        macs: `Hout × Wout × weights = ${h} × ${w} × ${thousands(weights)} = ${thousands(cost.macs)} (thop and ptflops add the ${thousands(h * w * co)} bias additions)`,
      };
    }
    return {
      params: `Cout × Cin/groups × k × k = ${co} × ${per} × ${k} × ${k} = ${thousands(cost.params)}`,
      macs: `Hout × Wout × params = ${h} × ${w} × ${thousands(cost.params)} = ${thousands(cost.macs)}`,
    };
  }
  if (node.kind === 'conv1d') {
    const k = node.conv1d.kernel;
    const [, length] = node.outShape;
    return {
      params: `kernel = ${k} (one input and one output channel, no bias)`,
      macs: `channels × kernel = ${length} × ${k} = ${thousands(cost.macs)}`,
    };
  }
  if (node.kind === 'bn') {
    return {
      params: `weight + bias = 2 × ${node.bn.channels} = ${thousands(cost.params)} (running mean and var are buffers)`,
      macs: 'none in the paper convention (fvcore: 2, thop: 4 per output element)',
    };
  }
  if (node.kind === 'linear') {
    const { inFeatures: i, outFeatures: o } = node.linear;
    return {
      params: `in × out + out = ${i} × ${o} + ${o} = ${thousands(cost.params)}`,
      macs: `in × out = ${i} × ${o} = ${thousands(cost.macs)} (ptflops adds the ${o} bias additions)`,
    };
  }
  return null;
}
