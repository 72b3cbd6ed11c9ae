/**
 * A checkpoint opened anywhere in the app (dropped on a view, or picked in the masthead): its shapes
 * read (no tensor decoded), the network they are for inferred and checked strictly, and what was found
 * said in one line ("timm SE-ResNeXt-50 (32x4d), 1000 classes, 27.6 M params, 110 MB"). A file
 * whose network is not of the family says what it holds instead. Loaded on first use (the readers stay
 * out of the first page load).
 */
import type { NetworkConfig } from '../model/config.ts';
import { matchPreset } from '../model/presets.ts';
import { formatBytes } from '../model/memory.ts';
import { numel } from '../model/graph.ts';
import { openWeights } from '../model/weights/open.ts';
import { weightsNetwork } from '../model/weights/network.ts';
import { WeightsError } from '../model/weights/common.ts';
import { MessageError, messageFromError, type Message } from '../model/message.ts';
import { totalParams } from '../analysis/counts.ts';
import { humanCount, thousands } from './format.ts';
import { appMessage } from './i18n/translator.ts';

/** What a checkpoint's shapes say: its network, and the figures the one-line description gives. */
interface CheckpointFinding {
  name: string;
  config: NetworkConfig;
  /** Trainable parameters of the inferred network (torchsummary's "Total params"). */
  params: number;
  /** The file's size. */
  bytes: number;
  /** How the app says what it found. */
  found: Message;
  /** What the file cannot tell about its network (anti-aliasing has no weights), or null. */
  notice: Message | null;
}

/** The network's name: the preset's, after its implementation ("timm SE-ResNeXt-50 (32x4d)"), else its depths, C and d. */
function networkName(config: NetworkConfig): Message {
  const preset = matchPreset(config);
  return preset
    ? appMessage('ckpt.preset', { implementation: config.implementation, label: preset.label })
    : appMessage('ckpt.custom', { implementation: config.implementation, block: config.block, depths: config.depths.join(','), c: config.cardinality, d: config.widthPerGroup });
}

/** The file's top-level modules in its order (`conv1, bn1, layer1, ..., fc`), at most `max`. */
function modules(keys: Iterable<string>, max = 8): string {
  const seen = new Set<string>();
  for (const key of keys) seen.add(key.split('.')[0]);
  const list = [...seen];
  return list.length > max ? `${list.slice(0, max).join(', ')}, …` : list.join(', ');
}

/**
 * Reads a checkpoint's shapes and infers its network. Throws the reader's WeightsError for a file that
 * is not a checkpoint, and a MessageError saying what a checkpoint of another network holds (tensors,
 * numbers, top modules) and why it is not of the family.
 */
export function inspectCheckpoint(bytes: Uint8Array, name: string): CheckpointFinding {
  // A file that is not a checkpoint: the reader's own message (it names the file and what it looks like).
  const file = openWeights(bytes, name);
  let network;
  try {
    network = weightsNetwork(file.entries);
  } catch (e) {
    if (!(e instanceof WeightsError)) throw e;
    const numbers = [...file.entries.values()].reduce((s, t) => s + numel(t.shape), 0);
    throw new MessageError(appMessage('ckpt.notFamily', {
      name, format: file.format, tensors: thousands(file.entries.size), numbers: humanCount(numbers, 1), modules: modules(file.entries.keys()),
      bytes: formatBytes(bytes.length), error: messageFromError(e),
    }));
  }
  const { config, graph, notice } = network;
  const params = totalParams(graph);
  const found = appMessage('ckpt.found', {
    network: networkName(config), head: config.includeTop ? appMessage('ckpt.classes', { count: config.classes }) : appMessage('ckpt.noHead'),
    params: humanCount(params, 1), bytes: formatBytes(bytes.length),
  });
  return { name, config, params, bytes: bytes.length, found, notice };
}
