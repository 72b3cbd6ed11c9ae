/**
 * The paper's Table 1 for any config: per stage the output size, the block template
 * `[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3`, params and MACs; totals.
 */
import type { LayerGraph, LayerNode } from '../model/graph.ts';
import { analyzeGraph } from './analyze.ts';
import type { Convention } from './conventions.ts';

/** One layer of a block template: `3x3, 128, C=32`. */
export interface TemplateLayer {
  kernel: number;
  channels: number;
  groups: number;
}

export interface BlockTableRow {
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
  return `${l.kernel}x${l.kernel}, ${l.channels}${l.groups > 1 ? `, C=${l.groups}` : ''}`;
}

/** `[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3` */
export function templateText(template: TemplateLayer[], blocks: number): string {
  return `[${template.map(templateLayerText).join('; ')}] x ${blocks}`;
}

function blockTemplate(nodes: LayerNode[]): TemplateLayer[] {
  // The template of a stage is its last block's residual branch (the first may differ only in stride).
  return nodes
    .filter((n) => n.kind === 'conv' && !n.shortcut)
    .map((n) => ({ kernel: n.conv!.kernel, channels: n.conv!.outChannels, groups: n.conv!.groups }));
}

export function blockTable(graph: LayerGraph, convention: Convention = 'paper'): BlockTable {
  const analysis = analyzeGraph(graph, convention);
  const { config } = graph;
  const rows: BlockTableRow[] = analysis.stages.map((cost) => {
    const info = graph.stages[cost.stage];
    if (cost.stage === 0) {
      const conv = graph.nodes.find((n) => n.name === 'conv1')!.conv!;
      const parts = [`${conv.kernel}x${conv.kernel}, ${conv.outChannels}, stride ${conv.stride}`];
      if (config.stem === 'imagenet') parts.push('3x3 max pool, stride 2');
      return {
        stage: 'conv1', module: 'conv1', outputSize: [info.outShape[1], info.outShape[2]], description: parts.join('; '),
        template: null, blocks: 0, params: cost.params, macs: cost.macs,
      };
    }
    if (info) {
      const last = graph.nodes.filter((n) => n.stage === cost.stage && n.block === info.blocks - 1);
      const template = blockTemplate(last);
      return {
        stage: info.paperName, module: info.module, outputSize: [info.outShape[1], info.outShape[2]],
        description: templateText(template, info.blocks), template, blocks: info.blocks, params: cost.params, macs: cost.macs,
      };
    }
    return {
      stage: 'head', module: 'head', outputSize: [1, 1],
      description: `global average pool, ${config.classes}-d fc, softmax`, template: null, blocks: 0,
      params: cost.params, macs: cost.macs,
    };
  });
  return { rows, params: analysis.params, macs: analysis.macs, flops: analysis.flops, convention };
}
