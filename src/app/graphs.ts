/**
 * The layer graph of the current network, built once per config and order and shared by every view
 * (and the state's validity check): views ask for it instead of building their own.
 */
import type { NetworkConfig } from '../model/config.ts';
import { buildLayerGraph, type ExecutionOrder, type LayerGraph } from '../model/graph.ts';

const CACHE_SIZE = 8;
const cache = new Map<string, LayerGraph>();

/** The graph of `config` in `order`; the same object for equal configs (a small most-recently-used cache). */
export function graphOf(config: NetworkConfig, order: ExecutionOrder = 'torchvision'): LayerGraph {
  const key = `${order}:${JSON.stringify(config)}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const graph = buildLayerGraph(config, order);
  cache.set(key, graph);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return graph;
}
