/**
 * Inferring the network a state_dict belongs to, from its keys and shapes only (torchvision's and
 * timm's ResNet family), and describing a config in one line for messages.
 */
import { ConfigError, deepStemWidths, isRegNet, regnetOf, seChannels, stagePlanes, timmOnlyFeatures, usesStemWidth, validateConfig, type NetworkConfig } from '../config.ts';
import { inferRegNet, isRegNetStateDict } from './infer-regnet.ts';
import { sameArchitecture } from '../config-fields.ts';
import { buildLayerGraph, SINGLE_CONV_STEMS, stateDictSpec } from '../graph.ts';
import { defaultConfig, matchPreset, PRESETS } from '../presets.ts';
import { WeightsError, formatShape, type StateDictShapes } from './common.ts';
import type { Message } from '../message.ts';
import { weightsMessage } from './messages.ts';

/** The timm-only features a description names in the words of the config's messages (the older ones have their own words). */
const FAMILY_FEATURES = new Set(['config.feature.groupNorm', 'config.feature.aa', 'config.feature.stemPool', 'config.feature.downKernel',
  'config.feature.reduceFirst', 'config.feature.seReduction', 'config.feature.convWidths']);

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
    ...timmOnlyFeatures(config).filter((m) => FAMILY_FEATURES.has(m.id)),
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
  { test: /^layer\d+\.\d+\.aa\./, what: "a blur pool whose filter was saved as a tensor (aa.filt, an old timm's BlurPool2d) is not read: the filter is fixed, so remove those keys and load with --aa blur" },
  { test: /^layer\d+\.\d+\.se\.conv2\./, what: "ECA with an MLP (timm 'ecam') is not supported; plain ECA (se.conv) is" },
  { test: /^layer\d+\.\d+\.se\.(?!fc1\.|fc2\.|conv\.)/, what: "this attention module is not supported; only timm's SEModule (se.fc1, se.fc2) and EcaModule (se.conv) are" },
  { test: /^layer\d+\.\d+\.(attn|cbam|sa|gc)\./, what: 'this attention module is not supported; only SE and ECA are' },
  { test: /^maxpool\.\d+\.(?!weight$|bias$|running_mean$|running_var$|num_batches_tracked$)/, what: 'this stem pool is not supported; only a max pool or ResNet-RS\'s conv + norm (maxpool.0, maxpool.1 or .2) is' },
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

/** SE reductions r tried, most common first (16: SE-Nets; 4: ResNet-RS). */
const SE_REDUCTIONS = [16, 4, 8, 2, 32, 1, 64];

/**
 * Infers the NetworkConfig a torchvision- or timm-style state_dict belongs to, from shapes only: the
 * stem (conv1: 7x7 -> imagenet, input 224; 3x3 -> cifar, input 32; conv1.0 / conv1.3 / conv1.6 ->
 * timm's deep or deep_tiered stem and its stem width; maxpool.0 a conv -> ResNet-RS's conv stem pool,
 * with a norm at maxpool.2 rather than .1 -> anti-aliased), block type (conv3 present -> bottleneck),
 * depths (layerN.M), base width (the planes of layer1), timm's reduce-first factor (the first conv's
 * width against the block's), cardinality and width per group (each stage's first conv2.weight,
 * [width, first / C, 3, 3]; the smallest d with floor(planes * d / 64) * C = width in every stage),
 * the norm (a norm without running statistics is GroupNorm), attention (se.fc1 -> SE with the
 * reduction its squeeze gives, se.conv -> ECA), the shortcut (downsample.1 is the conv: avg-down; the
 * strided conv's kernel), timm's module layout when any of these is timm's (or its 7x7 stem has 64
 * channels while the planes differ), and classes (fc.weight; includeTop false without fc). A file of
 * narrowed convs (timm's pruned networks) is read as a preset's architecture with the widths it has
 * (`inferNarrowed`). Anti-aliasing of the blocks leaves no trace in a file: it is inferred as none
 * (`inferenceNotice` says which variants share the keys). The result is a valid config, or a
 * WeightsError says why the file is not such a network; whether every tensor fits it is the strict
 * check's to say (`weightsNetwork` runs both).
 */
export function inferConfig(sd: StateDictShapes): NetworkConfig {
  if (isRegNetStateDict(sd)) return inferRegNet(sd);
  const unsupported = unsupportedModules(sd);
  if (unsupported) throw new WeightsError('unsupported', `cannot build this network: ${unsupported}`);
  try {
    return inferPlain(sd);
  } catch (err) {
    if (!(err instanceof WeightsError)) throw err;
    const narrowed = inferNarrowed(sd);
    if (narrowed) return narrowed;
    throw err;
  }
}

function inferPlain(sd: StateDictShapes): NetworkConfig {
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
  // Planes of layer1: the output of a bottleneck's conv3 is 4 x planes, a basic block's conv2 has planes.
  const baseWidth = block === 'bottleneck' ? shapeOf(sd, 'layer1.0.conv3.weight', 4)[0] / 4 : shapeOf(sd, 'layer1.0.conv2.weight', 4)[0];
  if (!Number.isInteger(baseWidth) || baseWidth <= 0) {
    throw notResNet(`layer1.0.conv3.weight has ${4 * baseWidth} output channels, not 4 x planes`);
  }
  // timm's block_reduce_first r: each block's first conv has floor(width / r) channels.
  const full = block === 'bottleneck' ? shapeOf(sd, 'layer1.0.conv2.weight', 4)[0] : baseWidth;
  const first = shapeOf(sd, 'layer1.0.conv1.weight', 4)[0];
  const r = first > 0 ? Math.round(full / first) : 1;
  const reduceFirst = r > 1 && Math.floor(full / r) === first ? r : 1;
  let cardinality = 1;
  let widthPerGroup = 64;
  if (block === 'bottleneck') {
    let lo = 1;
    let hi = Number.MAX_SAFE_INTEGER;
    depths.forEach((_, s) => {
      const key = `layer${s + 1}.0.conv2.weight`;
      const [width, perGroup] = shapeOf(sd, key, 4);
      const inWidth = shapeOf(sd, `layer${s + 1}.0.conv1.weight`, 4)[0];
      if (perGroup <= 0 || inWidth % perGroup !== 0) {
        throw notResNet(`${key} has ${inWidth} input channels and ${perGroup} per group, which is no whole number of groups`);
      }
      const groups = inWidth / perGroup;
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
  // A norm with a scale but no running statistics is timm's GroupNorm.
  const norm = sd.has('layer1.0.bn1.weight') && !sd.has('layer1.0.bn1.running_mean') ? 'groupnorm' : 'batchnorm';
  const stemPool = sd.has('maxpool.0.weight') ? 'conv' : 'maxpool';
  // The conv stem pool keeps a trace of anti-aliasing: its norm moves from maxpool.1 to maxpool.2. Which kind is not saved.
  const aa = stemPool === 'conv' && sd.has('maxpool.2.weight') ? 'blur' : 'none';
  const strided = depths.map((_, s) => `layer${s + 1}.0.downsample.0.weight`).slice(1).find((k) => sd.get(k)?.shape.length === 4);
  const downKernel = !avgDown && strided ? shapeOf(sd, strided, 4)[2] : 1;
  const fc = sd.get('fc.weight');
  const base = defaultConfig(stem);
  let config: NetworkConfig = {
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
    norm,
    aa,
    stemPool,
    downKernel,
    reduceFirst,
    input: [inChannels, base.input[1], base.input[2]],
    classes: fc && fc.shape.length === 2 ? fc.shape[0] : base.classes,
    includeTop: fc !== undefined,
  };
  if (attention === 'se') config = { ...config, seReduction: inferSeReduction(sd, config) };
  const timm = timmOnlyFeatures(config).length > 0 || (stem === 'imagenet' && stemOut !== baseWidth);
  config = { ...config, implementation: timm ? 'timm' : 'torchvision' };
  try {
    validateConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) throw notResNet(weightsMessage('weights.reason.invalid', { error: err.msg ?? err.message }));
    throw err;
  }
  return config;
}

/** The SE reduction r whose squeeze, make_divisible(C / r, 8), is every stage's first se.fc1 (16 where none fits: the strict check says why). */
function inferSeReduction(sd: StateDictShapes, config: NetworkConfig): number {
  const expansion = config.block === 'bottleneck' ? 4 : 1;
  const squeezes = config.depths.map((_, s) => [sd.get(`layer${s + 1}.0.se.fc1.weight`)?.shape[0], stagePlanes(config, s) * expansion] as const);
  return SE_REDUCTIONS.find((r) => squeezes.every(([got, channels]) => got === seChannels(channels, r))) ?? 16;
}

/**
 * A file whose convs are narrowed (timm's pruned networks, or any per-conv widths): the architecture of
 * a preset with the same modules, each conv at the width the file gives it (`convWidths`, only where it
 * differs; SE's fc2 follows what it gates), when then every tensor has its shape; else null.
 */
export function inferNarrowed(sd: StateDictShapes): NetworkConfig | null {
  const keys = [...sd.keys()].filter((k) => !k.endsWith('num_batches_tracked'));
  const fc = sd.get('fc.weight');
  const inChannels = (sd.get('conv1.weight') ?? sd.get('conv1.0.weight'))?.shape[1];
  if (inChannels === undefined) return null;
  const depths = new Map<number, number>();
  for (const key of keys) {
    const m = /^layer(\d+)\.(\d+)\./.exec(key);
    if (m) depths.set(Number(m[1]), Math.max(depths.get(Number(m[1])) ?? 0, Number(m[2]) + 1));
  }
  const tried = new Set<string>();
  for (const preset of PRESETS) {
    if (preset.config.depths.length !== depths.size || preset.config.depths.some((d, s) => depths.get(s + 1) !== d)) continue;
    const planned: NetworkConfig = {
      ...preset.config, convWidths: {}, input: [inChannels, preset.config.input[1], preset.config.input[2]],
      classes: fc?.shape[0] ?? preset.config.classes, includeTop: fc !== undefined,
    };
    const id = JSON.stringify(planned);
    if (tried.has(id)) continue;
    tried.add(id);
    try {
      const plain = buildLayerGraph(planned);
      const specs = stateDictSpec(plain).filter((t) => !t.key.endsWith('num_batches_tracked'));
      if (specs.length !== keys.length || specs.some((t) => !sd.has(t.key))) continue;
      const convWidths: Record<string, number> = {};
      for (const node of plain.nodes) {
        if (node.kind !== 'conv' || node.name.endsWith('.se.fc2')) continue;
        const got = sd.get(`${node.name}.weight`)!.shape[0];
        if (got !== node.conv.outChannels) convWidths[node.name] = got;
      }
      if (Object.keys(convWidths).length === 0) continue;
      const config = { ...planned, convWidths };
      const narrowed = stateDictSpec(buildLayerGraph(config));
      if (narrowed.every((t) => t.key.endsWith('num_batches_tracked') || sameShape(sd.get(t.key)?.shape, t.shape))) return config;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
  }
  return null;
}

function sameShape(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * What a RegNet file could not tell (`inferRegNet`): its activation, GroupNorm's group size and whether blocks end
 * without an activation have no weights; for timm's options the values of timm's own networks were taken. Null for a
 * plain RegNetX/Y, or when the flags that completed the network set them all.
 */
function regnetNotice(config: NetworkConfig, complete: Partial<NetworkConfig>): Message | null {
  const assumed: string[] = [];
  if (config.activation !== 'relu' && complete.activation === undefined) assumed.push(`--activation ${config.activation}`);
  if (config.gnGroupSize > 0 && complete.gnGroupSize === undefined) assumed.push(`--gn-group-size ${config.gnGroupSize}`);
  if (config.linearOut && complete.linearOut === undefined) assumed.push('--linear-out');
  if (!assumed.length) return null;
  return weightsMessage('weights.notice.regnet', { assumed: assumed.join(' '), preset: matchPreset(config)?.name ?? 'none' });
}

/**
 * What a file cannot tell about the network inferred from it, or null: anti-aliasing has no weights
 * (BlurPool2d's filter is fixed, average pooling has none), so a file of an anti-aliased network
 * (resnetblur50) has exactly the keys and shapes of the plain one (resnet50) and loads as it; the
 * notice names the presets that share the keys and how to choose one. With the conv stem pool the
 * presence of anti-aliasing shows, its kind does not.
 */
export function inferenceNotice(config: NetworkConfig, complete: Partial<NetworkConfig> = {}): Message | null {
  if (isRegNet(config)) return regnetNotice(config, complete);
  if (complete.aa !== undefined) return null;
  const variants = (['blur', 'avgpool'] as const)
    .flatMap((aa) => PRESETS.filter((p) => sameArchitecture(p.config, { ...config, aa, implementation: 'timm' })).map((p) => ({ aa, name: p.name })))
    .filter((v) => v.aa !== config.aa);
  if (config.aa === 'none' && variants.length === 0) return null;
  const names = variants.map((v) => v.name);
  if (config.aa !== 'none') return weightsMessage('weights.notice.aaKind', { aa: config.aa, other: config.aa === 'blur' ? 'avgpool' : 'blur' });
  return weightsMessage('weights.notice.aa', { names: names.join(', '), flags: [...new Set(variants.map((v) => v.aa))].join('|') });
}
