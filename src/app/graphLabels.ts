/**
 * The words on the Graph view's boxes (and in its exports and accessible names): a short name, a
 * detail line (the module and its hyper-parameters, or a group's size and output shape) and the value
 * of the measure it is coloured by. Module classes and hyper-parameters are written as PyTorch names
 * them; the rest goes through the catalogue. Pure: no DOM, no React.
 */
import type { LayerGraph, LayerNode } from '../model/graph.ts';
import { humanBytes } from '../analysis/cost.ts';
import { humanCount } from './format.ts';
import { msText } from './components/RooflineChart.tsx';
import { producer, type TreeItem } from './graphTree.ts';
import type { LayoutBox } from './graphLayout.ts';
import type { Measure } from './graphFigures.ts';
import type { Translator } from './i18n/translator.ts';

export function shapeText(shape: readonly number[]): string {
  return shape.join('×');
}

/** The output shape of an item: its last call's (a marker's is its last child's). */
export function itemShape(graph: LayerGraph, item: TreeItem): number[] {
  const last = item.node !== null && item.kind !== 'layer' ? item.node : item.nodes[item.nodes.length - 1];
  const p = producer(graph, last);
  return p < 0 ? graph.inputShape : graph.nodes[p].outShape;
}

/** A module call in PyTorch's words: class and hyper-parameters (a functional op in the interface's). */
function layerDetail(i18n: Translator, node: LayerNode): string {
  const stride = (s: number) => (s > 1 ? ` /${s}` : '');
  switch (node.kind) {
    case 'conv': {
      const c = node.conv;
      return `Conv2d ${c.kernel}×${c.kernel}${stride(c.stride)} · ${c.inChannels}→${c.outChannels}${c.groups > 1 ? ` · C=${c.groups}` : ''}`;
    }
    case 'conv1d':
      return `Conv1d k=${node.conv1d.kernel}`;
    case 'bn':
      return `BatchNorm2d · ${node.bn.channels}`;
    case 'maxpool':
    case 'avgpool':
      return `${node.module} ${node.pool.kernel}×${node.pool.kernel}${stride(node.pool.stride)}`;
    case 'adaptiveavgpool':
      return `AdaptiveAvgPool2d → ${shapeText(node.outShape.slice(1))}`;
    case 'linear':
      return `Linear ${node.linear.inFeatures}→${node.linear.outFeatures}`;
    case 'mean':
      return i18n.t('graph.mean');
    case 'flatten':
      return node.module ?? i18n.t('graph.flatten');
    case 'add':
      return i18n.t('graph.sum');
    case 'mul':
      return i18n.t('graph.gate');
    default:
      return node.module ?? node.kind;
  }
}

/** An item's name on its box: a stage's name, a block's path, a layer's path below its group. */
function itemName(i18n: Translator, graph: LayerGraph, item: TreeItem): string {
  if (item.kind === 'stage') {
    if (item.id === 'stem') return i18n.t('graph.stem');
    if (item.id === 'head') return i18n.t('graph.head');
    return i18n.t('graph.stage', { module: item.id, paper: graph.stages[item.stage].paperName });
  }
  const parent = item.parent;
  if (item.kind === 'block' || !parent || parent.kind === 'stage') return item.id;
  return item.id.startsWith(`${parent.id}.`) ? item.id.slice(parent.id.length + 1) : item.id;
}

function itemDetail(i18n: Translator, graph: LayerGraph, item: TreeItem): string {
  const shape = shapeText(itemShape(graph, item));
  if (item.kind === 'stage') {
    return item.children.some((c) => c.kind === 'block')
      ? i18n.t('graph.blocks', { count: item.children.length, shape })
      : i18n.t('graph.layers', { count: item.children.length, shape });
  }
  if (item.kind === 'layer') return layerDetail(i18n, graph.nodes[item.node!]);
  return `${graph.nodes[item.node!].module} · ${shape}`;
}

/** Decimals that leave three significant figures after the k / M / G prefix. */
function threeFigures(value: number): number {
  const mantissa = value / 1000 ** Math.floor(Math.log10(value) / 3);
  return mantissa >= 100 ? 0 : mantissa >= 10 ? 1 : 2;
}

/** A measure's value as it is written on a box and in the legend. */
export function measureText(measure: Measure, value: number): string {
  switch (measure) {
    case 'macs':
    case 'params':
      return value < 1e3 ? String(value) : humanCount(value, threeFigures(value));
    case 'memory':
      return humanBytes(value, 1);
    case 'time':
      return msText(value);
  }
}

export interface BoxText {
  name: string;
  detail: string;
  /** An open grouped conv's line under its paths. */
  caption?: string;
  /** The accessible name: the full module path and the detail. */
  label: string;
}

export function boxText(i18n: Translator, graph: LayerGraph, box: LayoutBox): BoxText {
  if (!box.item) {
    const name = box.id === '@input'
      ? i18n.t('graph.input', { shape: shapeText(graph.inputShape) })
      : i18n.t('graph.output', { shape: shapeText(graph.output < 0 ? graph.inputShape : graph.nodes[producer(graph, graph.output)].outShape) });
    return { name, detail: '', label: name };
  }
  const item = box.item;
  const name = itemName(i18n, graph, item);
  const detail = itemDetail(i18n, graph, item);
  const node = item.node !== null ? graph.nodes[item.node] : null;
  const caption = box.shape === 'paths' && node?.kind === 'conv'
    ? i18n.t('graph.paths', { count: item.paths, width: node.conv.inChannels / item.paths, kernel: node.conv.kernel })
    : undefined;
  return { name, detail, caption, label: i18n.t('graph.itemName', { name: item.kind === 'stage' ? name : item.id, detail: caption ? `${detail} · ${caption}` : detail }) };
}

/** Text cut to about `width` pixels at `size` px (CJK counted double), with an ellipsis. */
export function fit(text: string, width: number, size: number): string {
  const budget = width / (size * 0.58);
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    used += text.charCodeAt(i) > 0x2e80 ? 1.8 : 1;
    if (used > budget) return `${text.slice(0, Math.max(0, i - 1))}…`;
  }
  return text;
}
