/**
 * Inferring the network a state_dict belongs to, from its keys and shapes only, and describing a
 * config in one line for messages.
 */
import { ConfigError, validateConfig, type NetworkConfig } from '../config.ts';
import { buildLayerGraph, type LayerGraph } from '../graph.ts';
import { matchPreset } from '../presets.ts';
import { WeightsError, formatShape, type StateDictShapes } from './common.ts';
import { problemsMessage, verifyStateDict, type StateDictCheck } from './state_dict.ts';

/** A short description of a config, for messages: `ResNeXt-50 (32x4d)` or `bottleneck C=4 d=4 depths 1,2,1,1 ...`. */
export function describeConfig(config: NetworkConfig): string {
  const preset = matchPreset(config);
  const head = config.includeTop ? `${config.classes} classes` : 'no classifier';
  const body = `${config.block} blocks, depths ${config.depths.join(',')}, C=${config.cardinality}, d=${config.widthPerGroup}, ` +
    `base width ${config.baseWidth}, ${config.stem} stem, ${config.input[0]} input channels, ${head}`;
  return preset ? `${preset.label}: ${body}` : body;
}

/**
 * Strict check, as `load_state_dict(strict=True)`: throws one WeightsError (code `mismatch`, with
 * `problems`) listing missing keys, unexpected keys and shape mismatches, and naming the network the
 * file fits when it can be inferred. `num_batches_tracked` may be present or absent.
 */
export function checkStateDict(graph: LayerGraph, sd: StateDictShapes): StateDictCheck {
  return verifyStateDict(graph, sd, describeConfig, () => {
    try {
      return `\nThe file fits this network instead: ${describeConfig(inferConfig(sd))}.`;
    } catch {
      return '';
    }
  });
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
    verifyStateDict(graph, sd, describeConfig);
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
