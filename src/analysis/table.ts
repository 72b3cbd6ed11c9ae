/**
 * The paper's Table 1 for any config: per stage the output size, the block template
 * `[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3`, params and MACs; totals.
 */
import { isRegNet, stageDepths } from '../model/config.ts';
import type { LayerGraph, LayerNode } from '../model/graph.ts';
import { analyzeGraph } from './analyze.ts';
import type { Convention } from './conventions.ts';

/**
 * One layer of a block template: a conv `3x3, 128, C=32`, or the block's attention as the SENet
 * paper writes it, `SE, fc [16, 256]`, or `ECA, k=5`.
 */
type TemplateLayer =
  | { kind: 'conv'; kernel: number; channels: number; groups: number }
  | { kind: 'se'; reduced: number; channels: number }
  | { kind: 'eca'; kernel: number };

interface BlockTableRow {
  /** The paper's stage name: conv1, conv2, ... and `head`. */
  stage: string;
  /** Module that holds it: conv1 (stem), layer1.., head. */
  module: string;
  /** Output height x width of the stage. */
  outputSize: [number, number] | null;
  /** Text of the stage as the paper prints it. */
  description: string;
  /** Block template (residual stages only). */
  template: TemplateLayer[] | null;
  /** The stem's max pool, which the paper prints at the top of conv2 (its output is conv2's size): `3x3 max pool, stride 2`. */
  pool: string | null;
  blocks: number;
  params: number;
  macs: number;
}

export interface BlockTable {
  rows: BlockTableRow[];
  params: number;
  macs: number;
  flops: number;
  convention: Convention;
}

export function templateLayerText(l: TemplateLayer): string {
  if (l.kind === 'se') return `SE, fc [${l.reduced}, ${l.channels}]`;
  if (l.kind === 'eca') return `ECA, k=${l.kernel}`;
  return `${l.kernel}x${l.kernel}, ${l.channels}${l.groups > 1 ? `, C=${l.groups}` : ''}`;
}

/** `[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3` */
function templateText(template: TemplateLayer[], blocks: number): string {
  return `[${template.map(templateLayerText).join('; ')}] x ${blocks}`;
}

function blockTemplate(nodes: LayerNode[]): TemplateLayer[] {
  // The template of a stage is its last block's residual branch (the first may differ only in stride).
  const layers: TemplateLayer[] = [];
  for (const n of nodes) {
    if (n.shortcut) continue;
    if (n.kind === 'conv' && n.name.endsWith('.se.fc1')) layers.push({ kind: 'se', reduced: n.conv.outChannels, channels: n.conv.inChannels });
    else if (n.kind === 'conv' && !n.name.includes('.se.')) layers.push({ kind: 'conv', kernel: n.conv.kernel, channels: n.conv.outChannels, groups: n.conv.groups });
    else if (n.kind === 'conv1d') layers.push({ kind: 'eca', kernel: n.conv1d.kernel });
  }
  return layers;
}

/**
 * The stem as the paper's Table 1 writes it: its convs (`7x7, 64, stride 2`) with the output size
 * before the max pool (112x112), and the max pool apart: the paper prints it at the top of conv2.
 */
function stemOf(graph: LayerGraph): { text: string; outputSize: [number, number]; pool: string | null } {
  const parts: string[] = [];
  let pool: string | null = null;
  let size: [number, number] = [graph.inputShape[1], graph.inputShape[2]];
  for (const n of graph.nodes) {
    if (n.stage !== 0) break;
    if (n.kind === 'conv') parts.push(`${n.conv.kernel}x${n.conv.kernel}, ${n.conv.outChannels}, stride ${n.conv.stride}`);
    if (n.kind === 'maxpool') pool = `${n.pool.kernel}x${n.pool.kernel} max pool, stride ${n.pool.stride}`;
    else size = [n.outShape[1], n.outShape[2]];
  }
  return { text: parts.join('; '), outputSize: size, pool };
}

export function blockTable(graph: LayerGraph, convention: Convention = 'paper'): BlockTable {
  const analysis = analyzeGraph(graph, convention);
  const { config } = graph;
  const stem = stemOf(graph);
  // Without the top (timm keeps its head as Identity modules) there is no head row.
  const stages = analysis.stages.filter((cost) => cost.stage <= stageDepths(config).length || config.includeTop);
  const rows: BlockTableRow[] = stages.map((cost) => {
    const info = graph.stages[cost.stage];
    if (cost.stage === 0) {
      return {
        stage: 'conv1', module: 'conv1', outputSize: stem.outputSize, description: stem.text,
        template: null, pool: null, blocks: 0, params: cost.params, macs: cost.macs,
      };
    }
    if (info) {
      const last = graph.nodes.filter((n) => n.stage === cost.stage && n.block === info.blocks - 1);
      const template = blockTemplate(last);
      const pool = cost.stage === 1 ? stem.pool : null;
      return {
        stage: info.paperName, module: info.module, outputSize: [info.outShape[1], info.outShape[2]],
        description: `${pool ? `${pool}; ` : ''}${templateText(template, info.blocks)}`, template, pool,
        blocks: info.blocks, params: cost.params, macs: cost.macs,
      };
    }
    return {
      stage: 'head', module: 'head', outputSize: [1, 1],
      description: `${isRegNet(config) && config.headFeatures > 0 ? `1×1, ${config.headFeatures}; ` : ''}global average pool, ${config.classes}-d fc, softmax`, template: null, pool: null, blocks: 0,
      params: cost.params, macs: cost.macs,
    };
  });
  return { rows, params: analysis.params, macs: analysis.macs, flops: analysis.flops, convention };
}
