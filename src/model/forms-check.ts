/**
 * What the numerical check of a block's forms (a), (b), (c) will run, and where it stops: form (a) is
 * built as C separate paths (C = 65,536 made a graph of half a million nodes that never finished), and
 * each form runs four times, so both the paths and the block's multiply-accumulates are bounded. The
 * app asks before it sends the check (and says why it cannot run); the engine asks again before it builds.
 * Pure: no tfjs.
 */
import type { NetworkConfig } from './config.ts';
import { numel, type LayerGraph } from './graph.ts';
import { engineError } from './engine/messages.ts';
import type { MessageError } from './message.ts';

export const FORMS_CHECK_LIMITS = {
  /** Paths of form (a): C. */
  maxPaths: 1024,
  /** Convolution multiply-accumulates of the block, per run of one form. */
  maxMacs: 2e10,
};

/** Multiply-accumulates of the convolutions of block `prefix` (`layer1.0`) in `graph`, per image. */
function blockMacs(graph: LayerGraph, prefix: string): number {
  let macs = 0;
  for (const n of graph.nodes) {
    if (n.kind !== 'conv' || !n.name.startsWith(`${prefix}.`)) continue;
    macs += numel(n.outShape) * (n.conv.inChannels / n.conv.groups) * n.conv.kernel * n.conv.kernel;
  }
  return macs;
}

/**
 * Why the forms check of block `block` of `stage` is refused, or null when it can run. `graph` is the
 * network's graph or the block's own (form (c), `formGraph`): the block's nodes are the same in both.
 */
export function formsCheckRefusal(config: NetworkConfig, graph: LayerGraph, stage: number, block: number): MessageError | null {
  const { maxPaths, maxMacs } = FORMS_CHECK_LIMITS;
  if (config.cardinality > maxPaths) return engineError('engine.formsPaths', { paths: config.cardinality, max: maxPaths });
  const macs = blockMacs(graph, `layer${stage}.${block}`);
  if (macs > maxMacs) return engineError('engine.formsWork', { macs, max: maxMacs });
  return null;
}
