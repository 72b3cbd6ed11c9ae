/**
 * The ways between the Graph view and the other views: the state that shows an item in the graph
 * (selected, its groups open), and where the graph's selection is in the layer list, the block table
 * and the Cost view's kernel table.
 */
import { stageDepths } from '../model/config.ts';
import type { LayerGraph } from '../model/graph.ts';
import type { Summary, SummaryRow } from '../analysis/summary.ts';
import type { KernelCost } from '../analysis/roofline.ts';
import { graphOf } from './graphs.ts';
import { findItem, graphTree, orderedIds, revealing, type TreeItem } from './graphTree.ts';
import type { AppState } from './state.ts';

/** The state that shows `id` (a module path or stage id) in the graph view, selected, every group around it open. */
export function revealInGraph(state: AppState, id: string): AppState {
  const tree = graphTree(graphOf(state.config));
  const item = findItem(tree, id);
  if (!item) return { ...state, view: 'graph' };
  return { ...state, view: 'graph', layer: item.id, graphOpen: orderedIds(tree, revealing(item, new Set(state.graphOpen))) };
}

/** The tree id of a graph node (the item a kernel of the Cost view starts at). */
export function nodeId(graph: LayerGraph, index: number): string {
  return graphTree(graph).byNode[index].id;
}

/** The tree id of a layer-list row: its module path, `:k` for the k-th call of a module called again. */
export function rowId(summary: Summary, row: SummaryRow): string {
  let k = 0;
  for (const r of summary.rows) {
    if (r.name === row.name) k++;
    if (r === row) break;
  }
  return k <= 1 ? row.name : `${row.name}:${k}`;
}

/**
 * Where an id is in the layer list: its row (the k-th call of a module for `name:k`), else the nearest
 * enclosing row (a block's for its residual sum) or group (`s0` for the stem, `s1`.. for a stage).
 */
export function layerListTarget(graph: LayerGraph, summary: Summary, id: string): { row: SummaryRow } | { group: string } | null {
  const item = findItem(graphTree(graph), id);
  if (!item) return null;
  for (let it: TreeItem | null = item; it; it = it.parent) {
    if (it.kind === 'stage') return { group: `s${it.stage}` };
    const [name, call] = it.id.split(':');
    const rows = summary.rows.filter((r) => r.name === name);
    const row = rows[call ? Number(call) - 1 : 0];
    if (row) return { row };
  }
  return null;
}

/** The Table 1 row (its module: conv1, layer1.., head) of the stage an id is in. */
export function tableRowOf(graph: LayerGraph, id: string): string | null {
  const item = findItem(graphTree(graph), id);
  if (!item) return null;
  const s = item.stage;
  return s === 0 ? 'conv1' : s <= stageDepths(graph.config).length ? `layer${s}` : 'head';
}

/** The stage id (graph) of a Table 1 row's module. */
export function stageIdOfTableRow(module: string): string {
  return module === 'conv1' ? 'stem' : module;
}

/** The kernel (row of the Cost view's kernel table) that runs the first call of an id that has one; -1 for none. */
export function kernelRowOf(graph: LayerGraph, kernels: readonly KernelCost[], id: string): number {
  const item = findItem(graphTree(graph), id);
  if (!item) return -1;
  const nodes = new Set(item.nodes);
  return kernels.findIndex((k) => k.nodes.some((n) => nodes.has(n)));
}
