/**
 * The fusion plan: which module calls of the layer graph run as one kernel. The engine's network
 * (`tfjs/network.ts`) runs one op per planned kernel and the analysis' roofline (`analysis/roofline.ts`)
 * costs one kernel per planned kernel, so the two read the same grouping. Pure: no tfjs.
 *
 * Rules, in graph order:
 * - a conv without bias takes the BatchNorm that is its only consumer (with `fold`);
 * - a conv (after its BatchNorm), a GroupNorm or an add takes the ReLU that is its only consumer;
 * - a conv that fuses residuals (`residual`) and has not taken a ReLU takes the add that is its only
 *   consumer when that add's other operand is already computed, and the add's ReLU with it;
 * - markers (block, container), flatten and Identity pass their input through (aliases), and Identity
 *   placeholders with one consumer are looked through on the way to a BatchNorm, ReLU or add;
 * - no fusion reaches past a node of `taps`: its output stays readable.
 */
import type { ConvNode, LayerGraph, NodeKind } from './graph.ts';

interface FusionOptions {
  /** Fold each BatchNorm into the conv before it (default true). */
  fold?: boolean;
  /** Nodes whose outputs must stay readable: no fusion reaches past them. */
  taps?: readonly number[];
  /** Whether the kernel of this conv can add a residual (default: none can). */
  residual?: (node: ConvNode) => boolean;
}

/** One kernel: a run of module calls executed as one op. */
export interface FusedKernel {
  /** The op's own call (the conv of a conv + BN + ReLU). */
  node: number;
  /** The calls it runs in order, kernels only (no Identity it looked through). */
  nodes: number[];
  /** The values it reads: node indices after aliases (-1: the network's input). A residual conv reads [input, residual]. */
  inputs: number[];
  /** The call whose output it writes (the last of `nodes`). */
  out: number;
  /** The BatchNorm folded into a conv, if any. */
  bn: number | null;
  /** Whether it ends with a ReLU. */
  relu: boolean;
  /** The residual add a conv computes in its epilogue, if any. */
  add: number | null;
}

export interface FusionPlan {
  kernels: FusedKernel[];
  /** Node -> the node whose value it passes through (markers, Identity, flatten). */
  aliases: Map<number, number>;
  /** The node holding the network's output (after aliases). */
  output: number;
}

const VIEWS: ReadonlySet<NodeKind> = new Set<NodeKind>(['block', 'container', 'flatten', 'identity']);

/** Whether a call is a view (marker, flatten, Identity) rather than a kernel. */
export function isView(kind: NodeKind): boolean {
  return VIEWS.has(kind);
}

export function fusionPlan(graph: LayerGraph, options: FusionOptions = {}): FusionPlan {
  const fold = options.fold ?? true;
  const taps = new Set(options.taps ?? []);
  const nodes = graph.nodes;
  const consumers: number[][] = nodes.map(() => []);
  for (const n of nodes) for (const i of n.inputs) if (i >= 0) consumers[i].push(n.index);

  const aliases = new Map<number, number>();
  const resolve = (i: number): number => {
    let r = i;
    while (aliases.has(r)) r = aliases.get(r)!;
    return r;
  };
  const absorbed = new Set<number>();
  /**
   * The one consumer of node i, if it is of `kind`, looking through Identity nodes that have one
   * consumer each; the Identity nodes passed are returned too, to be absorbed with it.
   */
  const single = (i: number, kind: NodeKind): { index: number; through: number[] } | null => {
    const through: number[] = [];
    let at = i;
    for (;;) {
      if (taps.has(at)) return null;
      const c = consumers[at];
      if (c.length !== 1) return null;
      const next = nodes[c[0]];
      if (next.kind === kind) return { index: next.index, through };
      if (next.kind !== 'identity') return null;
      through.push(next.index);
      at = next.index;
    }
  };
  const absorb = (hit: { index: number; through: number[] }): number => {
    for (const t of hit.through) absorbed.add(t);
    absorbed.add(hit.index);
    return hit.index;
  };

  const kernels: FusedKernel[] = [];
  for (const node of nodes) {
    if (absorbed.has(node.index)) continue;
    if (isView(node.kind)) {
      aliases.set(node.index, node.inputs.length ? resolve(node.inputs[0]) : -1);
      continue;
    }
    const inputs = node.inputs.map(resolve);
    if (!inputs.length) inputs.push(-1);
    const k: FusedKernel = { node: node.index, nodes: [node.index], inputs, out: node.index, bn: null, relu: false, add: null };
    if (node.kind === 'conv') {
      const bnHit = fold && !node.conv.bias ? single(node.index, 'bn') : null;
      if (bnHit) {
        k.bn = k.out = absorb(bnHit);
        k.nodes.push(k.bn);
      }
      // Without folding a BatchNorm stays its own kernel, and the ReLU after it too.
      const reluHit = single(k.out, 'relu');
      if (reluHit) {
        k.out = absorb(reluHit);
        k.nodes.push(k.out);
        k.relu = true;
      }
    } else if (node.kind === 'gn') {
      // GroupNorm cannot fold into a conv (its statistics are each input's own); it takes the ReLU after it.
      const reluHit = single(node.index, 'relu');
      if (reluHit) {
        k.out = absorb(reluHit);
        k.nodes.push(k.out);
        k.relu = true;
      }
    } else if (node.kind === 'add') {
      const reluHit = single(node.index, 'relu');
      const [a, b] = inputs;
      // The residual add (and its ReLU) inside the conv computed last, when its kernel fuses it.
      const last = kernels[kernels.length - 1];
      const conv = last && nodes[last.node];
      if (conv?.kind === 'conv' && !last.relu && last.add === null && options.residual?.(conv) && (last.out === a || last.out === b) && a !== b && single(last.out, 'add')?.index === node.index) {
        last.inputs.push(last.out === a ? b : a);
        last.add = node.index;
        last.nodes.push(node.index);
        last.out = node.index;
        if (reluHit) {
          last.out = absorb(reluHit);
          last.nodes.push(last.out);
          last.relu = true;
        }
        continue;
      }
      if (reluHit) {
        k.out = absorb(reluHit);
        k.nodes.push(k.out);
        k.relu = true;
      }
    }
    kernels.push(k);
  }
  // Kernels write `out` = the last node they absorbed; later readers name that node or an alias of it.
  return { kernels, aliases, output: resolve(graph.output) };
}
