/**
 * The numbers on the Graph view's nodes, per layer-graph node and summed over a tree item: params and
 * MACs (the layer list's, under its counting convention), the activation bytes a call allocates (the
 * Cost view's batch and precision; in-place calls allocate none) and the predicted time. The time comes
 * from `predictedTimes`, the one adapter over the Cost view's time model: whatever that model becomes,
 * only this function changes. Pure: no DOM, no React.
 */
import { numel, nodeParams, type LayerGraph } from '../model/graph.ts';
import { layerMacs, type Convention } from '../analysis/conventions.ts';
import { costOf, type CostOptions } from '../analysis/cost.ts';
import { DTYPE_BYTES, writesInPlace, type Dtype } from '../analysis/memory.ts';
import type { Precision } from '../analysis/timing/precision.ts';
import type { TreeItem } from './graphTree.ts';

/** What the nodes are coloured by. */
export type Measure = 'macs' | 'params' | 'memory' | 'time';
export const MEASURES: readonly Measure[] = ['macs', 'params', 'memory', 'time'];

/** Predicted time of each node: a kernel's time on its first call, the calls fused into it 0 and pointing at that call. */
export interface NodeTimes {
  ms: number[];
  /** The first call of the kernel that runs each node (itself for a kernel's first call); -1: no kernel (a view). */
  kernelOf: number[];
  /** The precision the times are for (the browser computes in float32 whatever the precision). */
  dtype: Precision;
  total: number;
}

/** The Cost view's time model for the graph's nodes under the Cost view's options (same call, same numbers). */
export function predictedTimes(graph: LayerGraph, options: CostOptions): NodeTimes {
  const dtype: Precision = options.device.kind === 'browser' ? 'float32' : options.dtype;
  const report = costOf(graph, { ...options, dtype });
  const ms = graph.nodes.map(() => 0);
  const kernelOf = graph.nodes.map(() => -1);
  for (const k of report.layers) {
    ms[k.nodes[0]] += k.ms;
    for (const n of k.nodes) kernelOf[n] = k.nodes[0];
  }
  return { ms, kernelOf, dtype, total: report.totals.predictedMs };
}

export interface NodeFigures {
  params: number[];
  macs: number[];
  /** Bytes of the activation a call allocates for the batch (0 for calls that write in place or pass their input on). */
  bytes: number[];
  /** Whether a call writes into its input's memory. */
  inPlace: boolean[];
}

export function nodeFigures(graph: LayerGraph, convention: Convention, batch: number, dtype: Dtype): NodeFigures {
  const s = DTYPE_BYTES[dtype];
  return {
    params: graph.nodes.map((n) => nodeParams(n)),
    macs: graph.nodes.map((n) => layerMacs(n, convention)),
    bytes: graph.nodes.map((n) => (writesInPlace(n) ? 0 : batch * numel(n.outShape) * s)),
    inPlace: graph.nodes.map((n) => writesInPlace(n)),
  };
}

/** One measure of an item: the sum over the nodes it stands for; null where the time is not known. */
export function itemValue(item: TreeItem, measure: Measure, figures: NodeFigures, times: NodeTimes | null): number | null {
  const values = measure === 'time' ? times?.ms : measure === 'memory' ? figures.bytes : figures[measure];
  if (!values) return null;
  let sum = 0;
  for (const n of item.nodes) sum += values[n];
  return sum;
}
