/**
 * Inferring the network a state_dict belongs to, from its keys and shapes only (torchvision's and
 * timm's ResNet family), and describing a config in one line for messages.
 */
import { ConfigError, deepStemWidths, isRegNet, regnetOf, stagePlanes, usesStemWidth, validateConfig, type NetworkConfig } from '../config.ts';
import { inferRegNet, isRegNetStateDict } from './infer-regnet.ts';
import { SINGLE_CONV_STEMS } from '../graph.ts';
import { defaultConfig, matchPreset } from '../presets.ts';
import { WeightsError, formatShape, type StateDictShapes } from './common.ts';
import type { Message } from '../message.ts';
import { weightsMessage } from './messages.ts';

/** A short description of a config, for messages: `ResNeXt-50 (32x4d): bottleneck blocks, ...`. */
export function describeConfig(config: NetworkConfig): string {
  return describeConfigMessage(config).text;
}

/** The same description as a message. */
export function describeConfigMessage(config: NetworkConfig): Message {
  const preset = matchPreset(config);
  const head = config.includeTop ? weightsMessage('weights.describe.classes', { count: config.classes }) : weightsMessage('weights.describe.noClassifier');
  if (isRegNet(config)) {
    const stages = regnetOf(config).stages;
    const body = weightsMessage('weights.describe.regnet', {
      d: config.regnetDepth, w0: config.w0, wa: config.wa, wm: config.wm, g: config.groupWidth, se: config.seRatio,
      widths: stages.map((s) => s.width).join(','), depths: stages.map((s) => s.depth).join(','), stemWidth: config.stemWidth,
      impl: config.implementation, channels: config.input[0], head,
    });
    return preset ? weightsMessage('weights.describePreset', { preset: preset.label, body }) : body;
  }
  const stem = usesStemWidth(config)
    ? weightsMessage('weights.describe.stemWidth', { stem: config.stem, width: config.stemWidth })
    : weightsMessage('weights.describe.stem', { stem: config.stem });
  const extras = [
    config.avgDown ? weightsMessage('weights.describe.avgDown') : null,
    config.attention === 'se' ? weightsMessage('weights.describe.se') : config.attention === 'eca' ? weightsMessage('weights.describe.eca') : null,
    config.implementation === 'timm' ? weightsMessage('weights.describe.timm') : null,
  ].filter((x) => x !== null);
  const body = weightsMessage('weights.describe', {
    block: config.block, depths: config.depths.join(','), c: config.cardinality, d: config.widthPerGroup, base: config.baseWidth, stem,
    extras: extras.length ? weightsMessage('weights.describe.extras', { items: extras }) : weightsMessage('weights.describe.noExtras'),
    channels: config.input[0], head,
  });
  return preset ? weightsMessage('weights.describePreset', { preset: preset.label, body }) : body;
}

/** Why the shapes are not a ResNet: a message, or (for the rarer, detailed reasons) English text. */
function notResNet(reason: string | Message): WeightsError {
  return new WeightsError('mismatch', weightsMessage('weights.cannotInfer', { reason: typeof reason === 'string' ? weightsMessage('weights.reason', { text: reason }) : reason }));
}

function shapeOf(sd: StateDictShapes, key: string, rank: number): readonly number[] {
  const t = sd.get(key);
  if (!t) throw notResNet(weightsMessage('weights.reason.noKey', { key }));
  if (t.shape.length !== rank) throw notResNet(`${key} has shape ${formatShape(t.shape)}, expected ${rank} dimensions`);
  return t.shape;
}

/**
 * Modules of timm's ResNet family (and relatives) that this lab does not build, recognised by their
 * keys, so that such a checkpoint is named instead of refused with a wall of missing keys.
 */
const UNSUPPORTED: readonly { test: RegExp; what: string }[] = [
  { test: /^layer\d+\.\d+\.conv2\.(paths|attn)\./, what: "selective-kernel convolution (timm's SelectiveKernel: skresnet, skresnext) is not supported" },
  { test: /^layer\d+\.\d+\.conv2\.(conv|fc1|rsoftmax)/, what: 'split-attention convolution (ResNeSt) is not supported' },
  { test: /^layer\d+\.\d+\.aa\./, what: 'anti-aliased downsampling (timm aa_layer, blur pool) is not supported' },
  { test: /^layer\d+\.\d+\.se\.conv2\./, what: "ECA with an MLP (timm 'ecam') is not supported; plain ECA (se.conv) is" },
  { test: /^layer\d+\.\d+\.se\.(?!fc1\.|fc2\.|conv\.)/, what: "this attention module is not supported; only timm's SEModule (se.fc1, se.fc2) and EcaModule (se.conv) are" },
  { test: /^layer\d+\.\d+\.(attn|cbam|sa|gc)\./, what: 'this attention module is not supported; only SE and ECA are' },
  { test: /^maxpool\.\d+\./, what: 'a stem whose max pool is replaced by a conv (timm replace_stem_pool) is not supported' },
];

/** What a file holds that this lab does not build, one line per kind (`layer1.0.conv2 has paths.0.conv.weight ... keys: ...`), or null. */
function unsupportedModules(sd: StateDictShapes): string | null {
  const found = new Map<string, string>();
  for (const key of sd.keys()) {
    for (const u of UNSUPPORTED) {
      if (found.has(u.what) || !u.test.test(key)) continue;
      const module = key.split('.').slice(0, 3).join('.');
      found.set(u.what, `${module} has ${key.slice(module.length + 1)} ... keys: ${u.what}`);
    }
  }
  return found.size ? [...found.values()].join('; ') : null;
}

/** The stem: kind, stem width, input channels and output channels, from conv1 (single conv) or conv1.0/.3/.6 (deep). */
function inferStem(sd: StateDictShapes): { stem: NetworkConfig['stem']; stemWidth: number; inChannels: number; outChannels: number } {
  if (sd.has('conv1.0.weight')) {
    const [w0, inChannels, k] = shapeOf(sd, 'conv1.0.weight', 4);
    const [w1] = shapeOf(sd, 'conv1.3.weight', 4);
    const [w2] = shapeOf(sd, 'conv1.6.weight', 4);
    if (k !== 3) throw notResNet(`conv1.0.weight has a ${k}x${k} kernel; timm's deep stems start with a 3x3 conv`);
    for (const stem of ['deep', 'deep_tiered'] as const) {
      const widths = deepStemWidths({ stem, stemWidth: w1 });
      if (widths && widths[0] === w0 && widths[2] === w2) return { stem, stemWidth: w1, inChannels, outChannels: w2 };
    }
    throw notResNet(`the deep stem has ${w0}, ${w1}, ${w2} channels; timm's deep stem has w, w, 2w and its deep_tiered stem 3 x floor(w / 4), w, 2w`);
  }
  const [outChannels, inChannels, k, k2] = shapeOf(sd, 'conv1.weight', 4);
  const stem = (['imagenet', 'cifar'] as const).find((s) => SINGLE_CONV_STEMS[s].kernel === k && k === k2);
  if (!stem) {
    const { imagenet, cifar } = SINGLE_CONV_STEMS;
    throw notResNet(`conv1.weight has a ${k}x${k2} kernel; the ImageNet stem has ${imagenet.kernel}x${imagenet.kernel}, the CIFAR stem ${cifar.kernel}x${cifar.kernel}`);
  }
  return { stem, stemWidth: defaultConfig().stemWidth, inChannels, outChannels };
}

/**
 * Infers the NetworkConfig a torchvision- or timm-style state_dict belongs to, from shapes only: the
 * stem (conv1: 7x7 -> imagenet, input 224; 3x3 -> cifar, input 32; conv1.0 / conv1.3 / conv1.6 ->
 * timm's deep or deep_tiered stem and its stem width), block type (conv3 present -> bottleneck),
 * depths (layerN.M), base width (the planes of layer1), cardinality and width per group (each stage's
 * first conv2.weight, [width, width / C, 3, 3]; the smallest d with floor(planes * d / 64) * C = width in
 * every stage), attention (se.fc1 -> SE, se.conv -> ECA), the average-pool shortcut (downsample.1 is
 * the conv), timm's module layout when any of these is timm's (or its 7x7 stem has 64 channels while
 * the planes differ), and classes (fc.weight; includeTop false without fc). The result is a valid
 * config, or a WeightsError says why the file is not such a network; whether every tensor fits it is
 * the strict check's to say (`weightsNetwork` runs both).
 */
export function inferConfig(sd: StateDictShapes): NetworkConfig {
  if (isRegNetStateDict(sd)) return inferRegNet(sd);
  const unsupported = unsupportedModules(sd);
  if (unsupported) throw new WeightsError('unsupported', `cannot build this network: ${unsupported}`);
  const { stem, stemWidth, inChannels, outChannels: stemOut } = inferStem(sd);

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
  // Planes of layer1: the output of a bottleneck's conv3 is 4 x planes, a basic block's conv1 has planes.
  const baseWidth = block === 'bottleneck' ? shapeOf(sd, 'layer1.0.conv3.weight', 4)[0] / 4 : shapeOf(sd, 'layer1.0.conv1.weight', 4)[0];
  if (!Number.isInteger(baseWidth) || baseWidth <= 0) {
    throw notResNet(`layer1.0.conv3.weight has ${4 * baseWidth} output channels, not 4 x planes`);
  }
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
        throw notResNet(`layer1 has ${cardinality} groups but layer${s + 1} has ${groups}; torchvision and timm use one cardinality in every stage`);
      }
      // floor(planes * d / 64) = width / C  <=>  64 q / planes <= d < 64 (q + 1) / planes.
      const q = width / cardinality;
      const planes = stagePlanes({ baseWidth }, s);
      lo = Math.max(lo, Math.ceil((64 * q) / planes));
      hi = Math.min(hi, Math.ceil((64 * (q + 1)) / planes) - 1);
    });
    if (lo > hi) {
      const widths = depths.map((_, s) => shapeOf(sd, `layer${s + 1}.0.conv2.weight`, 4)[0]);
      throw notResNet(`no width per group d gives the bottleneck widths ${widths.join(', ')} as floor(planes * d / 64) * ${cardinality}`);
    }
    widthPerGroup = lo;
  }
  const attention = sd.has('layer1.0.se.fc1.weight') ? 'se' : sd.has('layer1.0.se.conv.weight') ? 'eca' : 'none';
  const avgDown = [...sd.keys()].some((k) => /^layer\d+\.0\.downsample\.2\.weight$/.test(k));
  const timm = stem === 'deep' || stem === 'deep_tiered' || attention !== 'none' || avgDown || (stem === 'imagenet' && stemOut !== baseWidth);
  const fc = sd.get('fc.weight');
  const base = defaultConfig(stem);
  const config: NetworkConfig = {
    ...base,
    block,
    depths,
    cardinality,
    widthPerGroup,
    baseWidth,
    stem,
    stemWidth,
    avgDown,
    attention,
    implementation: timm ? 'timm' : 'torchvision',
    input: [inChannels, base.input[1], base.input[2]],
    classes: fc && fc.shape.length === 2 ? fc.shape[0] : base.classes,
    includeTop: fc !== undefined,
  };
  try {
    validateConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) throw notResNet(weightsMessage('weights.reason.invalid', { error: err.msg ?? err.message }));
    throw err;
  }
  return config;
}
