/**
 * Loading a weights file into a state_dict, checking it against a network like PyTorch's
 * `load_state_dict(strict=True)`, and inferring the network a state_dict belongs to.
 *
 * A `StateDict` is `Map<string, WeightTensor>`: torchvision key -> `{ shape, data: Float32Array, dtype }`,
 * data in row-major order, converted to float32 whatever the file stored (F32, F16, BF16, ...).
 */
import { ConfigError, validateConfig, type NetworkConfig } from '../config.ts';
import { buildLayerGraph, stateDictSpec, type LayerGraph } from '../graph.ts';
import { matchPreset } from '../presets.ts';
import {
  WeightsError,
  formatShape,
  type ShapeMismatch,
  type StateDict,
  type StateDictProblems,
  type StateDictShapes,
} from './common.ts';
import { isLegacyTorchFile, isTorchTar, isZip, parsePth } from './pth.ts';
import { parseSafetensors, toBytes } from './safetensors.ts';

export type WeightsFormat = 'pth' | 'safetensors';

export interface LoadedWeights {
  format: WeightsFormat;
  stateDict: StateDict;
  /** safetensors `__metadata__`, or null (always null for .pth). */
  metadata: Record<string, string> | null;
  /** The wrapper prefix removed from every key (`module.` of DataParallel, `_orig_mod.` of torch.compile), or null. */
  strippedPrefix: string | null;
}

export const ACCEPTED_FORMATS =
  'a PyTorch state_dict saved with torch.save (.pth/.pt, the zip format of PyTorch >= 1.6 or the legacy format before it) or a .safetensors file';

/** Prefixes that wrappers add to every key of the wrapped model's state_dict. */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

/**
 * Removes a wrapper prefix (`module.`, `_orig_mod.`, repeatedly) when every key carries it.
 * Returns a new map (the tensors are shared) and the prefix removed, or the input and null.
 */
export function stripWrapperPrefix<T>(sd: Map<string, T>): { stateDict: Map<string, T>; stripped: string | null } {
  let current = sd;
  let stripped = '';
  for (let changed = true; changed && current.size > 0; ) {
    changed = false;
    for (const prefix of WRAPPER_PREFIXES) {
      if ([...current.keys()].every((k) => k.startsWith(prefix))) {
        current = new Map([...current].map(([k, v]) => [k.slice(prefix.length), v]));
        stripped += prefix;
        changed = true;
      }
    }
  }
  return { stateDict: current, stripped: stripped || null };
}

function sniffHint(bytes: Uint8Array): string {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x48, 0x44, 0x46)) return ' It is an HDF5 file (Keras .h5?).';
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return ' It is a NumPy .npy array.';
  if (starts(0x1f, 0x8b)) return ' It is gzip-compressed: decompress it first.';
  if (bytes.length === 0) return ' It is empty.';
  return '';
}

/**
 * Reads a weights file, recognising the format by its bytes (a zip is a torch.save file, a JSON
 * header after 8 bytes is safetensors; a `.safetensors` name forces safetensors so its errors are
 * precise; a bare pickle is a legacy torch.save file), strips a DataParallel `module.` prefix, and returns the state_dict. Throws WeightsError.
 */
export function loadWeightsFile(input: ArrayBuffer | Uint8Array, fileName?: string): LoadedWeights {
  const bytes = toBytes(input);
  const name = fileName ?? 'the file';
  let format: WeightsFormat;
  let raw: StateDict;
  let metadata: Record<string, string> | null = null;
  if (isZip(bytes)) {
    format = 'pth';
    raw = parsePth(bytes, fileName);
  } else if (/\.safetensors$/i.test(fileName ?? '') || (bytes.length > 8 && bytes[8] === 0x7b)) {
    // Before the legacy check: a safetensors header length of 640 + 256k bytes starts with 0x80 0x02 too.
    format = 'safetensors';
    const file = parseSafetensors(bytes);
    raw = file.tensors;
    metadata = file.metadata;
  } else if (isLegacyTorchFile(bytes) || isTorchTar(bytes)) {
    format = 'pth';
    raw = parsePth(bytes, fileName);
  } else {
    throw new WeightsError('format', `${name} is not a weights file this app reads: expected ${ACCEPTED_FORMATS}.${sniffHint(bytes)}`);
  }
  if (raw.size === 0) throw new WeightsError('unsupported', `${name} holds no tensors`);
  const { stateDict, stripped } = stripWrapperPrefix(raw);
  return { format, stateDict, metadata, strippedPrefix: stripped };
}

/** A short description of a config, for messages: `ResNeXt-50 (32x4d)` or `bottleneck C=4 d=4 depths 1,2,1,1 ...`. */
export function describeConfig(config: NetworkConfig): string {
  const preset = matchPreset(config);
  const head = config.includeTop ? `${config.classes} classes` : 'no classifier';
  const body = `${config.block} blocks, depths ${config.depths.join(',')}, C=${config.cardinality}, d=${config.widthPerGroup}, ` +
    `base width ${config.baseWidth}, ${config.stem} stem, ${config.input[0]} input channels, ${head}`;
  return preset ? `${preset.label}: ${body}` : body;
}

function isIgnorable(key: string): boolean {
  return key.endsWith('.num_batches_tracked');
}

/** Compares a state_dict's keys and shapes with the network's, like `load_state_dict(strict=True)`. */
export function stateDictProblems(graph: LayerGraph, sd: StateDictShapes): StateDictProblems {
  const spec = stateDictSpec(graph);
  const expected = new Map(spec.map((t) => [t.key, t.shape]));
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  for (const t of spec) {
    const got = sd.get(t.key);
    if (!got) {
      if (!isIgnorable(t.key)) missing.push(t.key);
    } else if (!isIgnorable(t.key) && (got.shape.length !== t.shape.length || got.shape.some((d, i) => d !== t.shape[i]))) {
      mismatched.push({ key: t.key, expected: [...t.shape], got: [...got.shape] });
    }
  }
  const unexpected = [...sd.keys()].filter((k) => !expected.has(k));
  return { missing, unexpected, mismatched };
}

const LIST_LIMIT = 12;

function listKeys(keys: string[]): string {
  const shown = keys.slice(0, LIST_LIMIT).join(', ');
  return keys.length > LIST_LIMIT ? `${shown}, ... and ${keys.length - LIST_LIMIT} more` : shown;
}

function problemsMessage(problems: StateDictProblems): string {
  const lines: string[] = [];
  if (problems.missing.length) lines.push(`  missing ${problems.missing.length} key(s): ${listKeys(problems.missing)}`);
  if (problems.unexpected.length) lines.push(`  unexpected ${problems.unexpected.length} key(s): ${listKeys(problems.unexpected)}`);
  if (problems.mismatched.length) {
    const shown = problems.mismatched.slice(0, LIST_LIMIT).map((m) => `${m.key}: the file has ${formatShape(m.got)}, the network expects ${formatShape(m.expected)}`);
    if (problems.mismatched.length > LIST_LIMIT) shown.push(`... and ${problems.mismatched.length - LIST_LIMIT} more`);
    lines.push(`  ${problems.mismatched.length} size mismatch(es):\n    ${shown.join('\n    ')}`);
  }
  return lines.join('\n');
}

export interface StateDictCheck {
  /** Tensors the network takes from the file. */
  tensors: number;
  /** Their elements (parameters and buffers). */
  values: number;
}

function check(graph: LayerGraph, sd: StateDictShapes, hint: boolean): StateDictCheck {
  const problems = stateDictProblems(graph, sd);
  if (problems.missing.length || problems.unexpected.length || problems.mismatched.length) {
    let suggestion = '';
    if (hint) {
      try {
        suggestion = `\nThe file fits this network instead: ${describeConfig(inferConfig(sd))}.`;
      } catch {
        suggestion = '';
      }
    }
    throw new WeightsError(
      'mismatch',
      `the weights do not fit the network (${describeConfig(graph.config)}):\n${problemsMessage(problems)}${suggestion}`,
      problems,
    );
  }
  let tensors = 0;
  let values = 0;
  for (const t of stateDictSpec(graph)) {
    const got = sd.get(t.key);
    if (!got || isIgnorable(t.key)) continue;
    tensors++;
    values += got.shape.reduce((a, b) => a * b, 1);
  }
  return { tensors, values };
}

/**
 * Strict check, as `load_state_dict(strict=True)`: throws one WeightsError (code `mismatch`, with
 * `problems`) listing missing keys, unexpected keys and shape mismatches, and naming the network the
 * file fits when it can be inferred. `num_batches_tracked` may be present or absent.
 */
export function checkStateDict(graph: LayerGraph, sd: StateDictShapes): StateDictCheck {
  return check(graph, sd, true);
}

function notResNet(message: string): WeightsError {
  return new WeightsError('mismatch', `cannot infer the network: ${message}. Expected a torchvision ResNet/ResNeXt state_dict (conv1, bn1, layer1.0..., fc).`);
}

function shapeOf(sd: StateDictShapes, key: string, rank: number): readonly number[] {
  const t = sd.get(key);
  if (!t) throw notResNet(`the file has no ${key}`);
  if (t.shape.length !== rank) throw notResNet(`${key} has shape ${formatShape(t.shape)}, expected ${rank} dimensions`);
  return t.shape;
}

/**
 * Infers the NetworkConfig a torchvision-style state_dict belongs to, from shapes only: block type
 * (conv3 present -> bottleneck), depths (layerN.M), base width and input channels (conv1.weight), stem
 * (7x7 -> imagenet, input 224; 3x3 -> cifar, input 32), cardinality and width per group (each stage's
 * first conv2.weight, [width, width / C, 3, 3]; the smallest d with floor(planes * d / 64) * C = width in
 * every stage), classes (fc.weight; includeTop false without fc). The result passes `checkStateDict`,
 * or a WeightsError says why the file is not such a network.
 */
export function inferConfig(sd: StateDictShapes): NetworkConfig {
  const [baseWidth, inChannels, k, k2] = shapeOf(sd, 'conv1.weight', 4);
  if (k !== k2 || (k !== 7 && k !== 3)) {
    throw notResNet(`conv1.weight has a ${k}x${k2} kernel; the ImageNet stem has 7x7, the CIFAR stem 3x3`);
  }
  const stem = k === 7 ? 'imagenet' : 'cifar';

  const blocks = new Map<number, Set<number>>();
  for (const key of sd.keys()) {
    const m = /^layer(\d+)\.(\d+)\./.exec(key);
    if (!m) continue;
    const stage = Number(m[1]);
    const set = blocks.get(stage) ?? new Set<number>();
    set.add(Number(m[2]));
    blocks.set(stage, set);
  }
  if (blocks.size === 0) throw notResNet('the file has no layer1.0... residual blocks');
  const depths: number[] = [];
  for (let s = 1; s <= blocks.size; s++) {
    const set = blocks.get(s);
    if (!set) throw notResNet(`the file has blocks in ${[...blocks.keys()].sort((a, b) => a - b).map((x) => `layer${x}`).join(', ')} but no layer${s}`);
    for (let b = 0; b < set.size; b++) {
      if (!set.has(b)) throw notResNet(`layer${s} has blocks ${[...set].sort((a, b2) => a - b2).join(', ')}, not 0..${set.size - 1}`);
    }
    depths.push(set.size);
  }

  const block = sd.has('layer1.0.conv3.weight') ? 'bottleneck' : 'basic';
  let cardinality = 1;
  let widthPerGroup = 64;
  if (block === 'bottleneck') {
    let lo = 1;
    let hi = Number.MAX_SAFE_INTEGER;
    depths.forEach((_, s) => {
      const key = `layer${s + 1}.0.conv2.weight`;
      const [width, perGroup] = shapeOf(sd, key, 4);
      if (perGroup <= 0 || width % perGroup !== 0) {
        throw notResNet(`${key} has ${width} output channels and ${perGroup} input channels per group, which is no whole number of groups`);
      }
      const groups = width / perGroup;
      if (s === 0) cardinality = groups;
      else if (groups !== cardinality) {
        throw notResNet(`layer1 has ${cardinality} groups but layer${s + 1} has ${groups}; torchvision uses one cardinality in every stage`);
      }
      // floor(planes * d / 64) = width / C  <=>  64 q / planes <= d < 64 (q + 1) / planes.
      const q = width / cardinality;
      const planes = baseWidth * 2 ** s;
      lo = Math.max(lo, Math.ceil((64 * q) / planes));
      hi = Math.min(hi, Math.ceil((64 * (q + 1)) / planes) - 1);
    });
    if (lo > hi) {
      const widths = depths.map((_, s) => shapeOf(sd, `layer${s + 1}.0.conv2.weight`, 4)[0]);
      throw notResNet(`no width per group d gives the bottleneck widths ${widths.join(', ')} as floor(planes * d / 64) * ${cardinality}`);
    }
    widthPerGroup = lo;
  }
  const fc = sd.get('fc.weight');
  const config: NetworkConfig = {
    block,
    depths,
    cardinality,
    widthPerGroup,
    baseWidth,
    stem,
    input: stem === 'imagenet' ? [inChannels, 224, 224] : [inChannels, 32, 32],
    classes: fc && fc.shape.length === 2 ? fc.shape[0] : stem === 'imagenet' ? 1000 : 10,
    includeTop: fc !== undefined,
  };
  let graph: LayerGraph;
  try {
    validateConfig(config);
    graph = buildLayerGraph(config);
  } catch (err) {
    if (err instanceof ConfigError) throw notResNet(`the shapes give an invalid network (${err.message})`);
    throw err;
  }
  try {
    check(graph, sd, false);
  } catch (err) {
    if (err instanceof WeightsError) {
      throw new WeightsError(
        'mismatch',
        `the file looks like a ResNet/ResNeXt (${describeConfig(config)}) but does not fit it:\n${problemsMessage(err.problems!)}`,
        err.problems,
      );
    }
    throw err;
  }
  return config;
}
