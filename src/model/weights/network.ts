/**
 * The network a weights file is for: its config (given, else inferred from the shapes), its layer
 * graph and the strict check of `load_state_dict(strict=True)`, each made once, from the shapes alone
 * (an opened file's `entries`: nothing needs decoding).
 */
import { impliedImplementation, type NetworkConfig } from '../config.ts';
import type { Message } from '../message.ts';
import { buildLayerGraph, type LayerGraph } from '../graph.ts';
import { WeightsError, type StateDictShapes } from './common.ts';
import { describeConfigMessage, inferConfig, inferenceNotice, inferNarrowed } from './infer.ts';
import { weightsMessage } from './messages.ts';
import { problemLines, verifyStateDict, type StateDictCheck } from './state_dict.ts';

/**
 * Strict check, as `load_state_dict(strict=True)`: throws one WeightsError (code `mismatch`, with
 * `problems`) listing missing keys, unexpected keys and shape mismatches, and naming the network the
 * file fits when it can be inferred. `num_batches_tracked` may be present or absent.
 */
export function checkStateDict(graph: LayerGraph, sd: StateDictShapes): StateDictCheck {
  return verifyStateDict(graph, sd, describeConfigMessage, () => {
    try {
      return weightsMessage('weights.suggestion', { network: describeConfigMessage(weightsNetwork(sd).config) });
    } catch {
      return weightsMessage('weights.noSuggestion');
    }
  });
}

/** The network of a file, built and checked. */
interface WeightsNetwork {
  config: NetworkConfig;
  graph: LayerGraph;
  check: StateDictCheck;
  /** What the file could not tell about an inferred network (anti-aliasing), or null. */
  notice: Message | null;
}

/**
 * The network the shapes are for, in one straight line: the config (`given`, else inferred once and
 * completed by `complete`, the fields a file cannot tell, such as `aa`), the layer graph (built once,
 * for `input` when given: the [C, H, W] a caller feeds, whose channels must be the network's), the
 * strict check (once). A file that does not fit the given network is refused naming the one it fits;
 * one that does not fit the network its own shapes suggest is tried as that network with narrowed
 * convs (`inferNarrowed`), else refused as such.
 */
export function weightsNetwork(
  shapes: StateDictShapes, given?: NetworkConfig, input?: readonly [number, number, number], complete?: Partial<NetworkConfig>,
): WeightsNetwork {
  const inferred = given ? undefined : inferConfig(shapes);
  const base = given ?? (complete ? impliedImplementation(inferred!, { ...inferred!, ...complete }) : inferred!);
  if (input && input[0] !== base.input[0]) throw new RangeError(`the input has ${input[0]} channels; the network takes ${base.input[0]}`);
  const sized = (c: NetworkConfig): NetworkConfig => (input ? { ...c, input: [...input] } : c);
  const config = sized(base);
  const graph = buildLayerGraph(config);
  if (given) return { config, graph, check: checkStateDict(graph, shapes), notice: null };
  const notice = inferenceNotice(config, complete);
  try {
    return { config, graph, check: verifyStateDict(graph, shapes, describeConfigMessage), notice };
  } catch (err) {
    if (err instanceof WeightsError && err.problems) {
      const narrowed = inferNarrowed(shapes);
      if (narrowed) {
        const c = sized(complete ? impliedImplementation(narrowed, { ...narrowed, ...complete }) : narrowed);
        const g = buildLayerGraph(c);
        return { config: c, graph: g, check: verifyStateDict(g, shapes, describeConfigMessage), notice: inferenceNotice(c, complete) };
      }
      throw new WeightsError('mismatch', weightsMessage('weights.looksLike', { network: describeConfigMessage(config), problems: problemLines(err.problems) }), err.problems);
    }
    throw err;
  }
}
