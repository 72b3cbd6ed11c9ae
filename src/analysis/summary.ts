/**
 * torchsummary 1.5.1, reproduced: one row per module call (a forward hook on every module that is
 * not a container), `Conv2d-1`, `BatchNorm2d-2`, ..., batch printed as -1, and the four size lines.
 * The totals also carry the training MACs per image (training-flops.ts), which torchsummary does not print.
 */
import { numel, SEQUENTIAL_MODULES, type LayerGraph } from '../model/graph.ts';
import { layerMacs, type Convention } from './conventions.ts';
import { layerCost } from './counts.ts';
import { pyFixed, pyList, rjust, thousands } from './format.ts';
import { trainingMacs } from './training-flops.ts';

export interface SummaryRow {
  /** torchsummary's key: `Conv2d-1`. */
  key: string;
  /** Module path / state_dict prefix: `layer1.0.conv2`. */
  name: string;
  /** PyTorch class: `Conv2d`. */
  type: string;
  /** With the batch as -1: [-1, 64, 112, 112]. */
  outputShape: number[];
  params: number;
  macs: number;
  groups: number | null;
  /** Index of the node in the layer graph. */
  node: number;
  stage: number;
  block: number | null;
}

interface SummaryTotals {
  params: number;
  trainable_params: number;
  macs: number;
  flops: number;
  /** Per image: forward + backward, FlopCounterMode's rule (training-flops.ts), whatever the convention. */
  train_macs: number;
  input_mb: number;
  forward_backward_mb: number;
  params_mb: number;
  total_mb: number;
}

export interface Summary {
  rows: SummaryRow[];
  totals: SummaryTotals;
}

const MB = 1024 ** 2;

export function summarize(graph: LayerGraph, convention: Convention = 'paper'): Summary {
  const rows: SummaryRow[] = [];
  for (const node of graph.nodes) {
    if (node.module === null || SEQUENTIAL_MODULES.has(node.module)) continue;
    const cost = layerCost(node);
    rows.push({
      key: `${node.module}-${rows.length + 1}`,
      name: node.name,
      type: node.module,
      outputShape: [-1, ...node.outShape],
      params: cost.params,
      macs: layerMacs(node, convention),
      groups: node.kind === 'conv' ? node.conv.groups : null,
      node: node.index,
      stage: node.stage,
      block: node.block,
    });
  }
  const params = rows.reduce((s, r) => s + r.params, 0);
  // Every row with parameters has a weight that requires grad, as in torchvision's models.
  const trainable = rows.reduce((s, r) => s + r.params, 0);
  // Functional ops (add, flatten) count zero in every convention, so the rows hold every MAC.
  const macs = rows.reduce((s, r) => s + r.macs, 0);
  // torchsummary: np.prod of shapes that carry -1 as batch (negative), abs() at the end; batch_size = -1.
  const totalOutput = rows.reduce((s, r) => s + numel(r.outputShape), 0);
  const inputMb = Math.abs((numel(graph.config.input) * -1 * 4) / MB);
  const outputMb = Math.abs((2 * totalOutput * 4) / MB);
  const paramsMb = Math.abs((params * 4) / MB);
  const totalMb = paramsMb + outputMb + inputMb;
  return {
    rows,
    totals: {
      params,
      trainable_params: trainable,
      macs,
      flops: 2 * macs,
      train_macs: trainingMacs(graph).total,
      input_mb: inputMb,
      forward_backward_mb: outputMb,
      params_mb: paramsMb,
      total_mb: totalMb,
    },
  };
}

const RULE = '-'.repeat(64);
const DOUBLE = '='.repeat(64);

function row(a: string, b: string, c: string): string {
  return `${rjust(a, 20)}  ${rjust(b, 25)} ${rjust(c, 15)}`;
}

/** Exactly what `torchsummary.summary(model, (C, H, W))` prints (1.5.1), newline-terminated lines. */
export function torchsummaryText(summary: Summary): string {
  const t = summary.totals;
  const lines = [
    RULE,
    row('Layer (type)', 'Output Shape', 'Param #'),
    DOUBLE,
    ...summary.rows.map((r) => row(r.key, pyList(r.outputShape), thousands(r.params))),
    DOUBLE,
    `Total params: ${thousands(t.params)}`,
    `Trainable params: ${thousands(t.trainable_params)}`,
    `Non-trainable params: ${thousands(t.params - t.trainable_params)}`,
    RULE,
    `Input size (MB): ${pyFixed(t.input_mb)}`,
    `Forward/backward pass size (MB): ${pyFixed(t.forward_backward_mb)}`,
    `Params size (MB): ${pyFixed(t.params_mb)}`,
    `Estimated Total Size (MB): ${pyFixed(t.total_mb)}`,
    RULE,
  ];
  return lines.map((l) => `${l}\n`).join('');
}

/** The CLI's `--json` object: totals and one entry per torchsummary row. */
export function summaryJson(summary: Summary): {
  totals: SummaryTotals;
  layers: { name: string; type: string; output_shape: number[]; params: number; macs: number; groups: number | null }[];
} {
  return {
    totals: summary.totals,
    layers: summary.rows.map((r) => ({
      name: r.name,
      type: r.type,
      output_shape: r.outputShape,
      params: r.params,
      macs: r.macs,
      groups: r.groups,
    })),
  };
}

/** CSV of the layer list (name, key, type, output shape, params, MACs, groups). */
export function summaryCsv(summary: Summary): string {
  const header = 'key,name,type,output_shape,params,macs,groups';
  const lines = summary.rows.map((r) =>
    [r.key, r.name, r.type, `"${pyList(r.outputShape)}"`, r.params, r.macs, r.groups ?? ''].join(','),
  );
  return [header, ...lines].join('\n') + '\n';
}
