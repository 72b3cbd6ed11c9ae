/**
 * The Graph view's hierarchy over the one layer graph: stages (stem, layer1.., head), their blocks, a
 * block's layers and its attention module (SE / ECA, and timm's global pool), each layer a module call
 * of the graph; a grouped conv opens into its C paths. Which items are visible follows from the set of
 * expanded ids; the items a visible edge joins follow from the graph's inputs. Pure: no DOM, no React.
 *
 * Ids are the module paths of the graph (`layer1.0`, `layer1.0.se`, `layer1.0.conv2`), with `stem` and
 * `head` for the two stages that have no module of their own; a module called again is `name:2`, `name:3`
 * (torchvision's blocks call their one ReLU three times).
 */
import { stageDepths } from '../model/config.ts';
import type { LayerGraph, LayerNode } from '../model/graph.ts';

type TreeItemKind = 'stage' | 'block' | 'module' | 'layer';

/** Where an item sits in an opened block: the residual branch, the shortcut, or after the sum. */
type Lane = 'branch' | 'shortcut' | 'merge';

export interface TreeItem {
  id: string;
  kind: TreeItemKind;
  parent: TreeItem | null;
  children: TreeItem[];
  /** Layer-graph nodes it stands for, in execution order (markers of blocks and modules left out). */
  nodes: number[];
  /** A layer's node; a block's or module's marker (its PyTorch class); null for a stage. */
  node: number | null;
  /** For a stage: its index in `graph.stages` (the head: stages.length). */
  stage: number;
  lane: Lane;
  /** 1 for stages. */
  level: number;
  /** A grouped conv's groups (the C paths it opens into); 0 for everything else. */
  paths: number;
  /** Its place in the tree (depth first, 0-based): a number to key it by. */
  seq: number;
  /** Its position among its siblings (1-based) and their number: aria-posinset, aria-setsize. */
  pos: number;
  siblings: number;
}

export interface GraphTree {
  graph: LayerGraph;
  roots: TreeItem[];
  byId: ReadonlyMap<string, TreeItem>;
  /** The layer item of each graph node (a marker's: its block or module). */
  byNode: readonly TreeItem[];
}

/** Whether an item opens: a group with children, or a grouped conv into its paths. */
export function expandable(item: TreeItem): boolean {
  return item.children.length > 0 || item.paths > 1;
}

function isMarker(n: LayerNode): boolean {
  return n.kind === 'block' || n.kind === 'container';
}

function makeItem(id: string, kind: TreeItemKind, parent: TreeItem | null, node: number | null, stage: number, lane: Lane): TreeItem {
  return { id, kind, parent, children: [], nodes: [], node, stage, lane, level: parent ? parent.level + 1 : 1, paths: 0, seq: 0, pos: 0, siblings: 0 };
}

/**
 * The layers of one part (the stem, a block, the head) under `parent`, a module marker's calls
 * (`layer1.0.se.*`) gathered into the module's item, placed where its first call runs; a module that is
 * itself an op (timm's BatchNormAct2d `stem.bn`) is that op's layer, its own calls (`stem.bn.act`) beside it.
 */
function addLayers(parent: TreeItem, nodes: readonly LayerNode[], byId: Map<string, TreeItem>): void {
  // A container that is also an op of its own (timm's BatchNormAct2d: the norm, then its `drop` and `act`) is that op's
  // layer, its calls listed beside it in the enclosing module: one item per name, as the Layers view has one row.
  const ops = new Set(nodes.filter((n) => n.kind !== 'container' && n.kind !== 'block').map((n) => n.name));
  const modules = nodes.filter((n) => n.kind === 'container' && !ops.has(n.name));
  const moduleItems = new Map<string, TreeItem>();
  let merged = false;
  for (const n of nodes) {
    if (n.kind === 'block') continue;
    if (n.kind === 'add' && parent.kind === 'block') merged = true;
    const lane: Lane = parent.kind !== 'block' ? 'branch' : n.shortcut ? 'shortcut' : merged ? 'merge' : 'branch';
    if (n.kind === 'container') {
      const m = moduleItems.get(n.name);
      if (m) m.node = n.index;
      continue;
    }
    const owner = modules.find((m) => n.name.startsWith(`${m.name}.`));
    let into = parent;
    if (owner) {
      let m = moduleItems.get(owner.name);
      if (!m) {
        m = makeItem(owner.name, 'module', parent, owner.index, parent.stage, lane);
        moduleItems.set(owner.name, m);
        parent.children.push(m);
        byId.set(m.id, m);
      }
      into = m;
      m.nodes.push(n.index);
    }
    // A module called more than once (torchvision's one `relu` per block) is one item per call: `name`, `name:2`, ...
    let id = n.name;
    for (let k = 2; byId.has(id); k++) id = `${n.name}:${k}`;
    const item = makeItem(id, 'layer', into, n.index, parent.stage, lane);
    item.nodes.push(n.index);
    if (n.kind === 'conv' && n.conv.groups > 1) item.paths = n.conv.groups;
    into.children.push(item);
    byId.set(item.id, item);
    parent.nodes.push(n.index);
  }
}

const TREES = new WeakMap<LayerGraph, GraphTree>();

/** The hierarchy of a layer graph (built once per graph object). */
export function graphTree(graph: LayerGraph): GraphTree {
  let tree = TREES.get(graph);
  if (!tree) TREES.set(graph, (tree = buildTree(graph)));
  return tree;
}

function buildTree(graph: LayerGraph): GraphTree {
  const byId = new Map<string, TreeItem>();
  const roots: TreeItem[] = [];
  const S = stageDepths(graph.config).length;
  const byStage: LayerNode[][] = Array.from({ length: S + 2 }, () => []);
  for (const n of graph.nodes) byStage[n.stage].push(n);
  for (let s = 0; s <= S + 1; s++) {
    const nodes = byStage[s];
    if (nodes.length === 0) continue;
    const id = s === 0 ? 'stem' : s <= S ? graph.stages[s].module : 'head';
    const stage = makeItem(id, 'stage', null, null, s, 'branch');
    byId.set(id, stage);
    roots.push(stage);
    if (s === 0 || s > S) {
      addLayers(stage, nodes, byId);
      continue;
    }
    const blocks: LayerNode[][] = [];
    for (const n of nodes) (blocks[n.block!] ??= []).push(n);
    for (const blockNodes of blocks) {
      const marker = blockNodes[blockNodes.length - 1];
      const block = makeItem(marker.name, 'block', stage, marker.index, s, 'branch');
      byId.set(block.id, block);
      stage.children.push(block);
      addLayers(block, blockNodes, byId);
      stage.nodes.push(...block.nodes);
    }
  }
  const byNode: TreeItem[] = [];
  let seq = 0;
  for (const item of byId.values()) {
    item.seq = seq++;
    if (item.node !== null) byNode[item.node] = item;
    item.children.forEach((c, k) => {
      c.pos = k + 1;
      c.siblings = item.children.length;
    });
  }
  roots.forEach((r, k) => {
    r.pos = k + 1;
    r.siblings = roots.length;
  });
  return { graph, roots, byId, byNode };
}

/** Ids in tree order (the URL's canonical order), the ones not in the tree left out. */
export function orderedIds(tree: GraphTree, ids: ReadonlySet<string>): string[] {
  return [...tree.byId.keys()].filter((id) => ids.has(id));
}

/** Whether an item is shown: each of its ancestors is expanded. */
export function isVisible(item: TreeItem, expanded: ReadonlySet<string>): boolean {
  for (let p = item.parent; p; p = p.parent) if (!expanded.has(p.id)) return false;
  return true;
}

/** Whether a visible item is drawn open (a frame around its children, or a conv's paths). */
export function isOpen(item: TreeItem, expanded: ReadonlySet<string>): boolean {
  return expandable(item) && expanded.has(item.id);
}

/** The visible items in display order (depth first): the order the keyboard walks. */
export function visibleItems(tree: GraphTree, expanded: ReadonlySet<string>): TreeItem[] {
  const out: TreeItem[] = [];
  const walk = (items: readonly TreeItem[]) => {
    for (const item of items) {
      out.push(item);
      if (item.children.length > 0 && expanded.has(item.id)) walk(item.children);
    }
  };
  walk(tree.roots);
  return out;
}

/**
 * For each graph node, the visible item that draws it: its deepest visible ancestor-or-self that is not
 * open as a frame (a collapsed stage, block or module, or the layer itself).
 */
export function drawnBy(tree: GraphTree, expanded: ReadonlySet<string>): (TreeItem | null)[] {
  const of: (TreeItem | null)[] = tree.graph.nodes.map(() => null);
  const walk = (items: readonly TreeItem[]) => {
    for (const item of items) {
      if (item.children.length > 0 && expanded.has(item.id)) walk(item.children);
      else for (const n of item.nodes) of[n] = item;
    }
  };
  walk(tree.roots);
  // A marker stands for its last call: draw it where that call is drawn.
  for (const n of tree.graph.nodes) if (isMarker(n)) of[n.index] = of[producer(tree.graph, n.index)];
  return of;
}

/** The call that really produces a node's output: a marker's output is its last child's. */
export function producer(graph: LayerGraph, index: number): number {
  let i = index;
  while (i >= 0 && isMarker(graph.nodes[i])) i = graph.nodes[i].inputs[0];
  return i;
}

/** An edge between two visible items: `from` null is the network input, `to` null the output; `node` produces its tensor. */
interface TreeEdge {
  from: TreeItem | null;
  to: TreeItem | null;
  /** The producing node (-1: the input): its output shape is the tensor on the edge. */
  node: number;
}

/** The edges between the visible items: one per pair of items a tensor flows between, in execution order. */
export function treeEdges(tree: GraphTree, expanded: ReadonlySet<string>): TreeEdge[] {
  const { graph } = tree;
  const of = drawnBy(tree, expanded);
  const seen = new Set<number>();
  const edges: TreeEdge[] = [];
  const add = (from: TreeItem | null, to: TreeItem | null, node: number) => {
    if (from === to) return;
    const key = ((from?.seq ?? -1) + 1) * 1_000_000 + (to?.seq ?? -1) + 1;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to, node });
  };
  for (const n of graph.nodes) {
    if (isMarker(n)) continue;
    const to = of[n.index];
    for (const input of n.inputs) {
      const p = producer(graph, input);
      add(p < 0 ? null : of[p], to, p);
    }
  }
  const out = producer(graph, graph.output);
  add(out < 0 ? null : of[out], null, out);
  return edges;
}

/**
 * The expansion that shows an item: every ancestor expanded. A grouped conv is not opened by being
 * revealed; the item itself stays as it was.
 */
export function revealing(item: TreeItem, expanded: ReadonlySet<string>): Set<string> {
  const next = new Set(expanded);
  for (let p = item.parent; p; p = p.parent) next.add(p.id);
  return next;
}

/** The tree item of a module path or a stage id; a functional op or layer name not in the tree gives its nearest group. */
export function findItem(tree: GraphTree, id: string): TreeItem | null {
  let at = id;
  for (;;) {
    const hit = tree.byId.get(at);
    if (hit) return hit;
    const dot = at.lastIndexOf('.');
    if (dot < 0) return null;
    at = at.slice(0, dot);
  }
}

/** Expansion to a level for the whole network: stages closed, stages open (blocks), or blocks open too (layers). */
export function levelExpansion(tree: GraphTree, level: 'stages' | 'blocks' | 'layers'): Set<string> {
  const out = new Set<string>();
  if (level === 'stages') return out;
  for (const stage of tree.roots) {
    if (stage.children.length > 0) out.add(stage.id);
    if (level === 'layers') for (const c of stage.children) if (c.kind === 'block') out.add(c.id);
  }
  return out;
}
