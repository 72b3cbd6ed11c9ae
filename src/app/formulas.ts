/**
 * Each layer's params and MACs written out as the formula that gives them, with the layer's own
 * sizes, so a number in a table can be checked by hand. Pure; the values come from
 * src/analysis (layerCost), the formulas restate how it counts.
 */
import type { LayerNode } from '../model/graph.ts';
import type { Message } from '../model/message.ts';
import { layerCost } from '../analysis/counts.ts';
import { thousands } from '../analysis/format.ts';
import { appMessage } from './i18n/translator.ts';

interface LayerFormula {
  params: string;
  macs: string;
}

interface LayerFormulaMessages {
  params: Message;
  macs: Message;
}

/** Formulas for conv, Conv1d, BatchNorm and linear layers, as messages; null for layers that own nothing and compute no MACs. */
export function layerFormulaMessages(node: LayerNode): LayerFormulaMessages | null {
  const cost = layerCost(node);
  if (node.kind === 'conv') {
    const { outChannels: co, inChannels: ci, groups: g, kernel: k, bias } = node.conv;
    const [, h, w] = node.outShape;
    const per = g > 1 ? `${ci}/${g}` : `${ci}`;
    const weights = (co * ci * k * k) / g;
    if (bias) {
      return {
        params: appMessage('formula.convBias', { co, per, k, params: thousands(cost.params) }),
        macs: appMessage('formula.convBiasMacs', { h, w, weights: thousands(weights), macs: thousands(cost.macs), bias: thousands(h * w * co) }),
      };
    }
    return {
      params: appMessage('formula.conv', { co, per, k, params: thousands(cost.params) }),
      macs: appMessage('formula.convMacs', { h, w, params: thousands(cost.params), macs: thousands(cost.macs) }),
    };
  }
  if (node.kind === 'conv1d') {
    const k = node.conv1d.kernel;
    const [, length] = node.outShape;
    return {
      params: appMessage('formula.conv1d', { k }),
      macs: appMessage('formula.conv1dMacs', { length, k, macs: thousands(cost.macs) }),
    };
  }
  if (node.kind === 'bn') {
    return {
      params: appMessage('formula.bn', { channels: node.bn.channels, params: thousands(cost.params) }),
      macs: appMessage('formula.bnMacs'),
    };
  }
  if (node.kind === 'linear') {
    const { inFeatures: i, outFeatures: o } = node.linear;
    return {
      params: appMessage('formula.linear', { i, o, params: thousands(cost.params) }),
      macs: appMessage('formula.linearMacs', { i, o, macs: thousands(cost.macs) }),
    };
  }
  return null;
}

/** The same formulas in English. */
export function layerFormula(node: LayerNode): LayerFormula | null {
  const f = layerFormulaMessages(node);
  return f && { params: f.params.text, macs: f.macs.text };
}
