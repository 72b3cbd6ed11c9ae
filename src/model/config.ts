/**
 * The one configurable network: torchvision's `ResNet(block, layers, groups, width_per_group)`,
 * the CIFAR stem of the paper's section 5.3, and timm's `ResNet` options (deep stems, average-pool
 * shortcut, squeeze-and-excitation / ECA attention). Every preset, every view and the tfjs builder
 * start from a `NetworkConfig`.
 */

import { catalogue, OptionalMessageError, type Catalogue, type Message } from './message.ts';
import { regnetDesign, REGNET_ROUNDINGS, type RegNetDesign, type RegNetRounding } from './regnet.ts';

/**
 * `basic` (two 3x3 convs), `bottleneck` (1x1, grouped 3x3, 1x1: ResNet/ResNeXt), or `regnet`: RegNet's
 * X/Y block (1x1, 3x3 of fixed group width, [SE], 1x1, no expansion) in stages that the quantized linear
 * rule generates from d, w0, wa, wm (src/model/regnet.ts), with RegNet's 3x3/2 stem and no max pool.
 */
type BlockKind = 'basic' | 'bottleneck' | 'regnet';
export const BLOCK_KINDS: readonly BlockKind[] = ['bottleneck', 'basic', 'regnet'];
/**
 * `imagenet`: 7x7/2 conv + BN + ReLU + 3x3/2 max pool. `cifar`: 3x3/1 conv + BN + ReLU.
 * `deep` (timm `stem_type='deep'`): three 3x3 convs of stemWidth, stemWidth, 2 x stemWidth channels (the
 * first with stride 2), BN + ReLU between, then BN + ReLU + max pool. `deep_tiered`: the same with
 * 3 x (stemWidth / 4), stemWidth, 2 x stemWidth.
 */
type StemKind = 'imagenet' | 'deep' | 'deep_tiered' | 'cifar';
export const STEM_KINDS: readonly StemKind[] = ['imagenet', 'deep', 'deep_tiered', 'cifar'];
/** Channel attention after the block's last BN: none, timm's SEModule, or timm's EcaModule. */
type AttentionKind = 'none' | 'se' | 'eca';
export const ATTENTION_KINDS: readonly AttentionKind[] = ['none', 'se', 'eca'];
/** The normalisation layer after every conv (timm's `norm_layer`): BatchNorm2d, or timm's GroupNorm of 32 groups (never folded into the conv). */
type NormKind = 'batchnorm' | 'groupnorm';
export const NORM_KINDS: readonly NormKind[] = ['batchnorm', 'groupnorm'];
/** timm's GroupNorm: `num_groups` 32 (its default, which resnet50_gn uses), eps 1e-5. */
export const GROUP_NORM_GROUPS = 32;
/**
 * Anti-aliased downsampling (timm's `aa_layer`): none; `blur`, BlurPool2d (reflect-pad 1, a fixed
 * [1, 2, 1] x [1, 2, 1] / 16 filter per channel, stride 2); `avgpool`, nn.AvgPool2d(2). Where a block
 * has stride 2 the blur follows its strided conv (which then runs with stride 1); the stem's pool gets
 * it too. The shortcut has none (timm puts none there).
 */
type AntiAliasKind = 'none' | 'blur' | 'avgpool';
export const ANTI_ALIAS_KINDS: readonly AntiAliasKind[] = ['none', 'blur', 'avgpool'];
/** The stem's downsampling after its conv(s): 3x3/2 max pool, or ResNet-RS's strided 3x3 conv + norm + ReLU (timm `replace_stem_pool`). */
type StemPoolKind = 'maxpool' | 'conv';
export const STEM_POOL_KINDS: readonly StemPoolKind[] = ['maxpool', 'conv'];
/**
 * Whose module structure the network follows (module names, which ReLUs are shared, Identity
 * placeholders, the head): torchvision's `ResNet` or timm's `timm.models.resnet.ResNet`. The same
 * config in both has the same parameters and state_dict keys; only its module calls differ.
 */
export type Implementation = 'torchvision' | 'timm';
export const IMPLEMENTATIONS: readonly Implementation[] = ['torchvision', 'timm'];
/** A RegNet's activation (timm's `act_layer`): ReLU, or SiLU (x * sigmoid(x)) in timm's RegNetV, RegNetZ and regnety_040_sgn. */
type ActivationKind = 'relu' | 'silu';
export const ACTIVATION_KINDS: readonly ActivationKind[] = ['relu', 'silu'];
/**
 * A RegNet block's shortcut where its shape changes (timm's `downsample`): a 1x1 conv + norm (`conv1x1`, every
 * RegNetX/Y), AvgPool2d(2, ceil_mode, count_include_pad=False) + 1x1 conv + norm (`avg`, regnetv_064), or none:
 * the block adds no residual at all (`none`, the RegNetZ). Where the shape stays, the shortcut is the identity.
 */
type RegNetShortcutKind = 'conv1x1' | 'avg' | 'none';
export const REGNET_SHORTCUTS: readonly RegNetShortcutKind[] = ['conv1x1', 'avg', 'none'];

export interface NetworkConfig {
  /** `basic` (ResNet-18/34: two 3x3 convs) or `bottleneck` (1x1, grouped 3x3, 1x1). */
  block: BlockKind;
  /** Blocks per stage: 4 stages for ImageNet networks, 3 for CIFAR. */
  depths: number[];
  /** Cardinality C: the number of groups of the 3x3 convolution. */
  cardinality: number;
  /** Bottleneck width d: channels per group when planes = 64 (torchvision's `width_per_group`). */
  widthPerGroup: number;
  /**
   * Planes of the first stage (stage i has baseWidth x 2^i; 64 in every published model) and the
   * output channels of the 7x7 and CIFAR stems of torchvision (timm's 7x7 stem always has 64).
   */
  baseWidth: number;
  stem: StemKind;
  /** timm's `stem_width`: the channels of the deep stems' first convs (32 in every timm model); unused by the other stems. */
  stemWidth: number;
  /** timm's `avg_down`: the shortcut is AvgPool2d(2, stride, ceil_mode, count_include_pad=False) + 1x1 conv + BN. */
  avgDown: boolean;
  attention: AttentionKind;
  /** SE's reduction r (timm `rd_ratio` = 1 / r): the squeeze has make_divisible(C / r, 8) channels; 16 in SE-Nets, 4 in ResNet-RS. */
  seReduction: number;
  norm: NormKind;
  aa: AntiAliasKind;
  stemPool: StemPoolKind;
  /** timm's `down_kernel_size`: the kernel of the strided shortcut conv (3 in SENet-154), padded to keep the size; stride-1 shortcuts stay 1x1. */
  downKernel: number;
  /** timm's `block_reduce_first`: every block's first conv has width / r channels (2 in SENet-154). */
  reduceFirst: number;
  /**
   * Output channels of individual convs by module name (`layer1.0.conv2`: 18), over the widths the
   * other fields give: the pruned networks (timm's `_pruned/*.txt`) or any narrowed layer. The layers
   * that read a conv's output follow it; attention modules keep the sizes of the unpruned network, as
   * timm builds them before narrowing its convs. Empty for every unpruned network.
   */
  convWidths: Record<string, number>;
  implementation: Implementation;
  /** Input channels, height, width (one sample; the batch dimension is separate). */
  input: [number, number, number];
  /** Classifier outputs. */
  classes: number;
  /** With the global average pool and the fully connected classifier. */
  includeTop: boolean;
  // RegNet (block "regnet"): the design-space numbers of the quantized linear rule (src/model/regnet.ts).
  /** d: blocks in all. */
  regnetDepth: number;
  /** w0: the first block's width (a multiple of 8). */
  w0: number;
  /** wa: the slope of the per-block widths u_j = w0 + wa * j. */
  wa: number;
  /** wm: the width multiplier between stages. */
  wm: number;
  /** g: channels per group of the 3x3 conv. */
  groupWidth: number;
  /** b: bottleneck ratio. */
  bottleneckRatio: number;
  /** Squeeze-and-excitation: reduced channels = round(seRatio x block input channels); 0 = RegNetX, 0.25 = RegNetY. */
  seRatio: number;
  /** How a stage's bottleneck width becomes a multiple of its group width: torchvision's way, or timm's `quantize_float`. */
  widthRounding: RegNetRounding;
  /** timm's `preact` (RegNetV): norm + activation before each conv (PreBottleneck), a bare conv stem, the activation after the last stage. */
  preact: boolean;
  /** timm's `linear_out` (RegNetZ): no activation after a block's residual sum. */
  linearOut: boolean;
  /** timm's `downsample`: the shortcut of a block whose shape changes. */
  shortcut: RegNetShortcutKind;
  /** timm's `num_features`: a 1x1 conv + norm + activation of this many channels before the head (RegNetZ); 0 for none. */
  headFeatures: number;
  /** timm's `act_layer`: the activation of the convs, the SE module and the head. */
  activation: ActivationKind;
  /** timm's `norm_layer=partial(GroupNormAct, group_size=N)`: GroupNorm of N channels per group instead of BatchNorm; 0 for BatchNorm. */
  gnGroupSize: number;
}

/** Whether a config is a RegNet (the generator's fields apply, the ResNet ones do not). */
export function isRegNet(config: Pick<NetworkConfig, 'block'>): boolean {
  return config.block === 'regnet';
}

/** The stages a RegNet config's numbers generate (throws the generator's ConfigError for bad numbers). */
export function regnetOf(config: NetworkConfig): RegNetDesign {
  return regnetDesign({
    depth: config.regnetDepth, w0: config.w0, wa: config.wa, wm: config.wm, groupWidth: config.groupWidth,
    bottleneckRatio: config.bottleneckRatio, rounding: config.widthRounding,
  });
}

/** Blocks per residual stage: the config's depths, or the stages a RegNet's rule generates. */
export function stageDepths(config: NetworkConfig): number[] {
  return isRegNet(config) ? regnetOf(config).stages.map((s) => s.depth) : config.depths;
}

/**
 * The validator's messages: English templates (src/model/message.ts) by id. The app translates them by
 * the same ids; `ConfigError.message` is the English text, which the CLI prints.
 */
export const CONFIG_MESSAGES = {
  'config.notObject': 'config must be an object',
  'config.block': 'block must be "basic", "bottleneck" or "regnet", got {value}',
  'config.stem': 'stem must be one of {allowed}, got {value}',
  'config.implementation': 'implementation must be "torchvision" or "timm", got {value}',
  'config.attention': 'attention must be one of {allowed}, got {value}',
  'config.avgDown': 'avgDown must be true or false, got {value}',
  'config.oneOf': '{what} must be one of {allowed}, got {value}',
  'config.atMost': '{what} must be at most {max}, got {value}',
  'config.convWidths': 'convWidths must be an object of conv names and channel counts, such as "layer1.0.conv2": 18, got {value}',
  'config.convWidthName': 'conv widths: "{name}" is no conv module name: write names such as conv1, layer1.0.conv2 or layer2.0.downsample.0',
  'config.convWidthUnknown': 'conv widths name {names}, which this network has no conv of: its convs are conv1 (conv1.0, .3, .6 in a deep stem), layerN.M.conv1..conv3, layerN.M.downsample.0 (.1 with avg-down), layerN.M.se.fc1/fc2 and maxpool.0',
  'config.groupNormChannels': '{name} has {channels} channels, which GroupNorm cannot split into {groups} groups (PyTorch refuses it): use widths that are multiples of {groups}, or norm batchnorm',
  'config.groupedWidths': '{name} has {inChannels} input and {outChannels} output channels, which {groups} groups do not divide: set widths that are multiples of the cardinality {groups}',
  'config.noChannels': '{name} gets no channels ({why}): lower the reduce-first factor or raise the widths',
  'config.residualShapes': 'block {block} cannot add its residual branch ({branch}) to its shortcut ({shortcut}): {why}',
  'config.residualWhy.aa': 'the anti-aliasing pool {pool} rounds an odd side down while the shortcut rounds it up; timm\'s model fails on this input too: use an input whose stages keep even sides (e.g. 224, 256 or 288)',
  'config.residualWhy.widths': 'the conv widths leave the two with different channels; the last conv of the branch and the shortcut conv must have the same width',
  'config.residualWhy.other': 'the two paths give different shapes for this input',
  'config.blurTooSmall': '{name} (BlurPool2d) reflect-pads by 1, which PyTorch refuses on a side of {side} pixel: use an input of at least {min} pixels a side',
  'config.poolEmpty': '{name} ({module} {kernel}x{kernel}) leaves no output on a {side}-pixel side, as PyTorch refuses: use a larger input',
  'config.notNumber': '{what} must be a number, got {value}',
  'config.tooLarge': '{what} is too large ({value}): use a positive integer below {max}',
  'config.notPositive': '{what} must be a positive integer, got {value}',
  'config.stemWidthTooLarge': 'stem width {value} is too large (at most {max})',
  'config.stemWidthTiered': 'stem width {value} is too small for the deep_tiered stem, whose first conv has 3 x floor(width / 4) channels: use at least 4',
  'config.timmOnly': '{features, list} {count, plural, one {exists only} other {exist only}} in timm\'s ResNet, not in torchvision\'s: set implementation "timm"',
  'config.timmStages': 'timm\'s ResNet runs exactly four stages (its forward calls layer1..layer4), got {stages}: use 4 depths, or implementation "torchvision" for other stage counts',
  'config.timmCifar': 'timm\'s ResNet has no CIFAR stem (its stems are imagenet, deep and deep_tiered): use implementation "torchvision" for a CIFAR network',
  'config.depthsEmpty': 'depths must list the number of blocks of each stage, e.g. 3,4,6,3',
  'config.depthsTooMany': 'depths has {stages} stages; at most 8 are supported (ImageNet networks have 4, CIFAR 3)',
  'config.tooManyBlocks': 'the network has {blocks, number} blocks; at most {max, number} are supported',
  'config.baseWidthTooLarge': 'base width {value} is too large (at most {max})',
  'config.basicGroups':
    'a basic block supports only cardinality 1 and width per group 64 (got C={c}, d={d}): ' +
    'its two 3x3 convs have no bottleneck to widen or group, exactly as torchvision\'s BasicBlock refuses groups != 1 or base_width != 64. ' +
    'Use block "bottleneck" for a ResNeXt.',
  'config.inputShape': 'input must be channels x height x width, e.g. 3x224x224, got {value}',
  'config.inputTooLarge': 'input {c}x{h}x{w} is too large (at most {maxChannels} channels and {maxSide} pixels a side)',
  'config.includeTop': 'includeTop must be true or false, got {value}',
  'config.zeroWidth': 'bottleneck width floor(planes * d / 64) * C is 0 for planes={planes}, d={d}: raise the width per group d or the base width',
  'config.regnet.depth': 'RegNet depth d must be a positive integer (blocks in all), got {value}: the published RegNets have 13 to 27',
  'config.regnet.depthTooLarge': 'RegNet depth d = {value} is too large (at most {max}): the paper samples d < 64',
  'config.regnet.w0': 'w0 must be a positive multiple of 8 (the rule quantizes widths to multiples of 8), got {value}: use e.g. 24, 48 or 96',
  'config.regnet.wa': 'wa (the slope of the widths u_j = w0 + wa * j) must be 0 or more, got {value}: the paper samples 0 < wa < 256',
  'config.regnet.wm': 'wm (the width multiplier between stages) must be more than 1, got {value}: the paper samples 1.5 < wm < 3',
  'config.regnet.groupWidth': 'group width g must be a positive integer, got {value}: the published RegNets use 8 to 328',
  'config.regnet.bottleneckRatio': 'bottleneck ratio b must be a number above 0 (1 in RegNetX/Y, 4 in timm\'s RegNetZ), got {value}',
  'config.regnet.zeroBottleneck': 'stage {stage} has width {width} and bottleneck ratio {b}: its bottleneck width int(width * b) is 0; raise b or w0',
  'config.regnet.groupsDivide': 'group width {g} divides no grouped conv of stage {stage} (its bottleneck width round(width * {b}) = {width} is no multiple of {g}): use bottleneck ratio 1 or a group width that divides {width}',
  'config.regnet.rounding': 'width rounding must be one of {allowed}, got {value}',
  'config.regnet.seRatio': 'SE ratio must be a number from 0 (RegNetX: no squeeze-and-excitation) to 1 (RegNetY: 0.25), got {value}',
  'config.regnet.timmStages': 'the width rule gives {stages} {stages, plural, one {stage} other {stages}} (widths {widths}); timm\'s RegNet runs exactly four: change wa, wm or d, or use implementation "torchvision", which runs any number',
  'config.regnet.tooManyStages': 'the width rule gives {stages} stages (widths {widths}); at most 8 are supported: raise wm or lower wa',
  'config.regnet.quantizeTorchvision': 'torchvision\'s RegNet rounds bottleneck widths to multiples of the group width its own way (width rounding "divisible"): use width rounding "divisible", or implementation "timm"',
  'config.regnet.timmOnly': '{features, list} {count, plural, one {exists only} other {exist only}} in timm\'s RegNet, not in torchvision\'s: set implementation "timm"',
  'config.regnet.headFeatures': 'head features must be 0 (no head conv) or a positive integer of at most {max}, got {value}: timm\'s RegNetZ use 1024 or 1536',
  'config.regnet.gnGroupSize': 'GroupNorm group size must be 0 (BatchNorm) or a positive integer of at most {max}, got {value}: regnety_040_sgn uses 16',
  'config.regnet.gnChannels': '{name} has {channels} channels, which GroupNorm groups of {size} channels do not divide (timm refuses it): use a group size that divides every width (e.g. 8 or 16), or 0 for BatchNorm',
  'config.inputMalformed': 'input size "{text}" is malformed: write CxHxW, e.g. 3x224x224',
  'config.inputPart': 'input {what} must be a positive integer, got {value} in "{text}"',
  // What the messages above name: a field (`what`) or a feature (`features`).
  'config.what.stemWidth': 'stem width',
  'config.what.depth': 'depths[{index}] (blocks in stage {stage})',
  'config.what.cardinality': 'cardinality',
  'config.what.widthPerGroup': 'width per group (d)',
  'config.what.baseWidth': 'base width',
  'config.what.inputChannels': 'input channels',
  'config.what.inputHeight': 'input height',
  'config.what.inputWidth': 'input width',
  'config.what.classes': 'classes',
  'config.what.channels': 'channels',
  'config.what.height': 'height',
  'config.what.width': 'width',
  'config.what.block': 'block',
  'config.what.depths': 'depths',
  'config.what.stem': 'stem',
  'config.what.avgDown': 'avg-down shortcut',
  'config.what.attention': 'attention',
  'config.what.implementation': 'implementation',
  'config.what.input': 'input size',
  'config.what.includeTop': 'head (top)',
  'config.what.seReduction': 'SE reduction',
  'config.what.norm': 'norm',
  'config.what.aa': 'anti-aliasing',
  'config.what.stemPool': 'stem pool',
  'config.what.downKernel': 'shortcut kernel',
  'config.what.reduceFirst': 'reduce-first factor',
  'config.what.convWidths': 'conv widths',
  'config.what.regnetDepth': 'RegNet depth d',
  'config.what.w0': 'w0',
  'config.what.wa': 'wa',
  'config.what.wm': 'wm',
  'config.what.groupWidth': 'group width g',
  'config.what.bottleneckRatio': 'bottleneck ratio b',
  'config.what.seRatio': 'SE ratio',
  'config.what.widthRounding': 'width rounding',
  'config.what.preact': 'pre-activation',
  'config.what.linearOut': 'linear output',
  'config.what.shortcut': 'shortcut',
  'config.what.headFeatures': 'head features',
  'config.what.activation': 'activation',
  'config.what.gnGroupSize': 'GroupNorm group size',
  // Text that is no value of a field (src/model/config-fields.ts); `what` names the field as the reader wrote it.
  'config.parse.positiveInteger': '{what} must be a positive integer, got "{text}"',
  'config.parse.tooLarge': '{what} is too large: {text} has {digits} digits; integers here are at most {max} (and far smaller in any network)',
  'config.parse.choice': '{what} must be one of {allowed}, got "{text}"',
  'config.parse.number': '{what} must be a number, got "{text}"',
  'config.unused.resnet': '{what} is a ResNet field; a RegNet takes its stages from d, w0, wa, wm and g: set block "bottleneck" or "basic" to use it',
  'config.unused.regnet': '{what} is a RegNet field: set block "regnet" to use it',
  'config.parse.countOrZero': '{what} must be 0 or a positive integer, got "{text}"',
  'config.parse.bit': '{what} must be 0 or 1, got "{text}"',
  'config.parse.list': '{what} must be a comma-separated list of positive integers, e.g. {example}, got "{text}"',
  'config.parse.widths': '{what} must list conv=channels pairs, e.g. layer1.0.conv2=18,layer1.0.conv3=19 (or nothing), got "{text}"',
  'config.parse.widthTwice': '{what} names {name} twice',
  'config.unused.stemWidth': '{what} sets the width of timm\'s deep stems; set the stem to deep or deep_tiered (the {stem} stem has none)',
  'config.feature.deepStem': 'the {stem} stem',
  'config.feature.avgDown': 'the average-pool shortcut (avg-down)',
  'config.feature.se': 'squeeze-and-excitation attention',
  'config.feature.eca': 'ECA attention',
  'config.feature.groupNorm': 'GroupNorm',
  'config.feature.aa': 'anti-aliased downsampling ({aa})',
  'config.feature.stemPool': 'the conv stem pool (replace_stem_pool)',
  'config.feature.downKernel': 'a {kernel}x{kernel} shortcut conv',
  'config.feature.reduceFirst': 'reduce-first {factor}',
  'config.feature.seReduction': 'SE reduction {r}',
  'config.feature.convWidths': 'per-conv widths',
  'config.unused.seReduction': '{what} sets the squeeze of SE attention; set attention se (this network has {attention})',
  'config.unused.downKernel': '{what} sets the strided shortcut conv, which avg-down replaces by a pool and a 1x1 conv: turn avg-down off',
  'config.unused.stemPool': '{what} sets the pool after an ImageNet or deep stem; the CIFAR stem has none',
  'config.feature.quantize': 'timm\'s width rounding (quantize_float)',
  'config.feature.preact': 'pre-activation (PreBottleneck)',
  'config.feature.linearOut': 'a linear block output',
  'config.feature.shortcut': 'the {shortcut} shortcut',
  'config.feature.headFeatures': 'a head conv of {features} channels',
  'config.feature.activation': 'the {activation} activation',
  'config.feature.gnGroupSize': 'GroupNorm (groups of {size} channels)',
  'config.unused.linearOut': '{what} removes the activation after a block\'s sum; pre-activation blocks have none: turn pre-activation off',
} as const;

/**
 * A configuration that cannot describe a network; the message says what is wrong and what to do.
 * `msg` is the message as an id with parameters, for the app to translate (absent on a few messages
 * only the CLI and tests can trigger).
 */
export class ConfigError extends OptionalMessageError {
  override readonly name = 'ConfigError';
}

/** The validator's messages, its ConfigError and a throw of it. */
export const CONFIG: Catalogue<typeof CONFIG_MESSAGES, ConfigError> = catalogue(CONFIG_MESSAGES, (m) => new ConfigError(m));

export const BLOCK_EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4, regnet: 1 };

/** Networks above these figures are refused rather than analysed or built. */
export const LIMITS = {
  maxMacs: 1e12,
  maxParams: 1e10,
  maxBlocks: 5000,
  maxChannels: 1 << 20,
  maxSide: 1 << 20,
};

/** Characters of a bad value's text quoted in a message. */
const SHOWN = 24;

/** A bad value's text as a message quotes it: whole when short, else its start and its length. */
export function shown(text: string): string {
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}... (${text.length} characters)` : text;
}

/** A value for a message: short, and never `null` for a number that is not finite. */
function quote(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function checkPositiveInteger(what: Message, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) CONFIG.fail('config.notNumber', { what, value: quote(value) });
  if (!Number.isFinite(value) || value > Number.MAX_SAFE_INTEGER) {
    CONFIG.fail('config.tooLarge', { what, value: quote(value), max: Number.MAX_SAFE_INTEGER });
  }
  if (!Number.isInteger(value) || value <= 0) CONFIG.fail('config.notPositive', { what, value });
  return value;
}

/** Channels of the grouped 3x3 conv of a bottleneck: floor(planes * d / 64) * C, as torchvision computes it. */
export function bottleneckWidth(planes: number, widthPerGroup: number, cardinality: number): number {
  return Math.floor((planes * widthPerGroup) / 64) * cardinality;
}

/** Planes of stage `i` (0-based): baseWidth * 2^i. */
export function stagePlanes(config: Pick<NetworkConfig, 'baseWidth'>, stage: number): number {
  return config.baseWidth * 2 ** stage;
}

/** The deep stems' conv widths (timm: `stem_chs` and `inplanes`), or null for the single-conv stems. */
export function deepStemWidths(config: Pick<NetworkConfig, 'stem' | 'stemWidth'>): [number, number, number] | null {
  if (config.stem === 'deep') return [config.stemWidth, config.stemWidth, 2 * config.stemWidth];
  if (config.stem === 'deep_tiered') return [3 * Math.floor(config.stemWidth / 4), config.stemWidth, 2 * config.stemWidth];
  return null;
}

/** Output channels of the stem: the input channels of layer1. */
export function stemChannels(config: NetworkConfig): number {
  const deep = deepStemWidths(config);
  if (deep) return deep[2];
  return config.implementation === 'timm' ? 64 : config.baseWidth;
}

/** timm's `make_divisible(v, divisor, round_limit=0)`: the nearest multiple of divisor, at least divisor. */
function makeDivisible(v: number, divisor = 8): number {
  return Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
}

/** Reduced channels of timm's SEModule for `channels` (rd_ratio 1 / reduction, default 1/16; divisor 8). */
export function seChannels(channels: number, reduction = 16): number {
  return makeDivisible(channels / reduction, 8);
}

/** Kernel size of timm's EcaModule for `channels` (gamma 2, beta 1): t = int(|log2 C + 1| / 2), odd, at least 3. */
export function ecaKernel(channels: number): number {
  const t = Math.trunc(Math.abs(Math.log2(channels) + 1) / 2);
  return Math.max(t % 2 ? t : t + 1, 3);
}

/** Whether the stem is one of timm's deep stems or RegNet's stem, the only ones that read the stem width. */
export function usesStemWidth(config: Pick<NetworkConfig, 'stem' | 'block'>): boolean {
  return config.block === 'regnet' || config.stem === 'deep' || config.stem === 'deep_tiered';
}

/**
 * What exists only in timm's ResNet, by config field: the feature a value of the field turns on (its name
 * in messages), or null for a value torchvision's ResNet has too. The validator and the implementation
 * rule below read it; a new timm-only option is one line here.
 */
const TIMM_ONLY: { readonly [K in keyof NetworkConfig]?: (value: NetworkConfig[K]) => Message | null } = {
  stem: (stem) => (stem === 'deep' || stem === 'deep_tiered' ? CONFIG.message('config.feature.deepStem', { stem }) : null),
  avgDown: (on) => (on ? CONFIG.message('config.feature.avgDown') : null),
  attention: (a) => (a === 'none' ? null : CONFIG.message(a === 'se' ? 'config.feature.se' : 'config.feature.eca')),
  norm: (norm) => (norm === 'groupnorm' ? CONFIG.message('config.feature.groupNorm') : null),
  aa: (aa) => (aa === 'none' ? null : CONFIG.message('config.feature.aa', { aa })),
  stemPool: (pool) => (pool === 'conv' ? CONFIG.message('config.feature.stemPool') : null),
  downKernel: (kernel) => (kernel === 1 ? null : CONFIG.message('config.feature.downKernel', { kernel })),
  reduceFirst: (factor) => (factor === 1 ? null : CONFIG.message('config.feature.reduceFirst', { factor })),
  seReduction: (r) => (r === 16 ? null : CONFIG.message('config.feature.seReduction', { r })),
  convWidths: (widths) => (Object.keys(widths).length ? CONFIG.message('config.feature.convWidths') : null),
};

/** The timm-only features a config uses, in the order of its fields (a RegNet's ResNet fields are unused). */
export function timmOnlyFeatures(config: NetworkConfig): Message[] {
  if (isRegNet(config)) return regnetTimmOnly(config);
  return (Object.keys(TIMM_ONLY) as (keyof NetworkConfig)[])
    .map((key) => (TIMM_ONLY[key] as (value: unknown) => Message | null)(config[key]))
    .filter((m): m is Message => m !== null);
}

/** What exists only in timm's RegNet: its width rounding, and the options of RegNetV, RegNetZ and regnety_040_sgn. */
function regnetTimmOnly(config: NetworkConfig): Message[] {
  const features: Message[] = [];
  if (config.widthRounding === 'quantize') features.push(CONFIG.message('config.feature.quantize'));
  if (config.preact) features.push(CONFIG.message('config.feature.preact'));
  if (config.linearOut) features.push(CONFIG.message('config.feature.linearOut'));
  if (config.shortcut !== 'conv1x1') features.push(CONFIG.message('config.feature.shortcut', { shortcut: config.shortcut }));
  if (config.headFeatures !== 0) features.push(CONFIG.message('config.feature.headFeatures', { features: config.headFeatures }));
  if (config.activation !== 'relu') features.push(CONFIG.message('config.feature.activation', { activation: config.activation }));
  if (config.gnGroupSize !== 0) features.push(CONFIG.message('config.feature.gnGroupSize', { size: config.gnGroupSize }));
  return features;
}

/**
 * The implementation after an edit that did not set it itself: a timm-only feature brings timm's
 * modules; taking the last one away returns to torchvision's; otherwise it stays.
 */
export function impliedImplementation(before: NetworkConfig, after: NetworkConfig): NetworkConfig {
  if (timmOnlyFeatures(after).length > 0) return { ...after, implementation: 'timm' };
  return timmOnlyFeatures(before).length > 0 ? { ...after, implementation: 'torchvision' } : after;
}

/**
 * Checks a configuration and returns it unchanged, or throws a `ConfigError` that names the
 * field, the value and the fix. Checks sizes PyTorch would refuse, not sizes it accepts:
 * these padded networks run even on a 1x1 input.
 */
export function validateConfig(config: NetworkConfig): NetworkConfig {
  if (config === null || typeof config !== 'object') CONFIG.fail('config.notObject');
  if (!BLOCK_KINDS.includes(config.block)) CONFIG.fail('config.block', { value: JSON.stringify(config.block) });
  if (!STEM_KINDS.includes(config.stem)) CONFIG.fail('config.stem', { allowed: STEM_KINDS.join(', '), value: quote(config.stem) });
  if (!IMPLEMENTATIONS.includes(config.implementation)) CONFIG.fail('config.implementation', { value: quote(config.implementation) });
  if (!ATTENTION_KINDS.includes(config.attention)) CONFIG.fail('config.attention', { allowed: ATTENTION_KINDS.join(', '), value: quote(config.attention) });
  if (typeof config.avgDown !== 'boolean') CONFIG.fail('config.avgDown', { value: quote(config.avgDown) });
  const choice = <T,>(key: 'norm' | 'aa' | 'stemPool', allowed: readonly T[]) => {
    if (!allowed.includes(config[key] as T)) CONFIG.fail('config.oneOf', { what: CONFIG.message(`config.what.${key}`), allowed: allowed.join(', '), value: quote(config[key]) });
  };
  choice('norm', NORM_KINDS);
  choice('aa', ANTI_ALIAS_KINDS);
  choice('stemPool', STEM_POOL_KINDS);
  for (const key of ['seReduction', 'downKernel', 'reduceFirst'] as const) {
    const what = CONFIG.message(`config.what.${key}`);
    checkPositiveInteger(what, config[key]);
    if (config[key] > FIELD_MAX[key]) CONFIG.fail('config.atMost', { what, max: FIELD_MAX[key], value: config[key] });
  }
  checkConvWidths(config.convWidths);
  checkPositiveInteger(CONFIG.message('config.what.stemWidth'), config.stemWidth);
  if (config.stemWidth > LIMITS.maxChannels) CONFIG.fail('config.stemWidthTooLarge', { value: config.stemWidth, max: LIMITS.maxChannels });
  if (config.stem === 'deep_tiered' && config.stemWidth < 4) CONFIG.fail('config.stemWidthTiered', { value: config.stemWidth });
  if (isRegNet(config)) return validateRegNet(config);
  if (config.implementation === 'torchvision') {
    const timmOnly = timmOnlyFeatures(config);
    if (timmOnly.length) CONFIG.fail('config.timmOnly', { features: timmOnly, count: timmOnly.length });
  } else if (config.depths.length !== 4) {
    CONFIG.fail('config.timmStages', { stages: config.depths.length });
  } else if (config.stem === 'cifar') {
    CONFIG.fail('config.timmCifar');
  }
  if (!Array.isArray(config.depths) || config.depths.length === 0) CONFIG.fail('config.depthsEmpty');
  if (config.depths.length > 8) CONFIG.fail('config.depthsTooMany', { stages: config.depths.length });
  config.depths.forEach((d, i) => checkPositiveInteger(CONFIG.message('config.what.depth', { index: i, stage: i + 1 }), d));
  const blocks = config.depths.reduce((a, b) => a + b, 0);
  if (blocks > LIMITS.maxBlocks) CONFIG.fail('config.tooManyBlocks', { blocks, max: LIMITS.maxBlocks });
  checkPositiveInteger(CONFIG.message('config.what.cardinality'), config.cardinality);
  checkPositiveInteger(CONFIG.message('config.what.widthPerGroup'), config.widthPerGroup);
  checkPositiveInteger(CONFIG.message('config.what.baseWidth'), config.baseWidth);
  if (config.baseWidth > LIMITS.maxChannels) CONFIG.fail('config.baseWidthTooLarge', { value: config.baseWidth, max: LIMITS.maxChannels });
  if (config.block === 'basic' && (config.cardinality !== 1 || config.widthPerGroup !== 64)) {
    CONFIG.fail('config.basicGroups', { c: config.cardinality, d: config.widthPerGroup });
  }
  validateIo(config);
  if (config.block === 'bottleneck') {
    const width = bottleneckWidth(stagePlanes(config, 0), config.widthPerGroup, config.cardinality);
    if (width === 0) CONFIG.fail('config.zeroWidth', { planes: config.baseWidth, d: config.widthPerGroup });
  }
  return config;
}

/** The input, classes and head fields, which every network has. */
function validateIo(config: NetworkConfig): void {
  if (!Array.isArray(config.input) || config.input.length !== 3) CONFIG.fail('config.inputShape', { value: JSON.stringify(config.input) });
  const [c, h, w] = config.input;
  checkPositiveInteger(CONFIG.message('config.what.inputChannels'), c);
  checkPositiveInteger(CONFIG.message('config.what.inputHeight'), h);
  checkPositiveInteger(CONFIG.message('config.what.inputWidth'), w);
  if (c > LIMITS.maxChannels || h > LIMITS.maxSide || w > LIMITS.maxSide) {
    CONFIG.fail('config.inputTooLarge', { c, h, w, maxChannels: LIMITS.maxChannels, maxSide: LIMITS.maxSide });
  }
  checkPositiveInteger(CONFIG.message('config.what.classes'), config.classes);
  if (typeof config.includeTop !== 'boolean') CONFIG.fail('config.includeTop', { value: String(JSON.stringify(config.includeTop)) });
}

/**
 * A RegNet config: the generator's numbers (regnetDesign names a bad one), the stem width, the SE ratio,
 * what each implementation runs (timm: exactly four stages and either rounding; torchvision: any number of
 * stages, its own rounding), and the input.
 */
function validateRegNet(config: NetworkConfig): NetworkConfig {
  if (!REGNET_ROUNDINGS.includes(config.widthRounding)) CONFIG.fail('config.regnet.rounding', { allowed: REGNET_ROUNDINGS.join(', '), value: quote(config.widthRounding) });
  const design = regnetOf(config);
  checkPositiveInteger(CONFIG.message('config.what.stemWidth'), config.stemWidth);
  if (config.stemWidth > LIMITS.maxChannels) CONFIG.fail('config.stemWidthTooLarge', { value: config.stemWidth, max: LIMITS.maxChannels });
  if (typeof config.seRatio !== 'number' || !(config.seRatio >= 0 && config.seRatio <= 1)) CONFIG.fail('config.regnet.seRatio', { value: quote(config.seRatio) });
  if (!IMPLEMENTATIONS.includes(config.implementation)) CONFIG.fail('config.implementation', { value: quote(config.implementation) });
  const stages = design.stages.length;
  const widths = design.stages.map((s) => s.width).join(', ');
  if (stages > 8) CONFIG.fail('config.regnet.tooManyStages', { stages, widths });
  if (config.implementation === 'timm' && stages !== 4) CONFIG.fail('config.regnet.timmStages', { stages, widths });
  if (typeof config.preact !== 'boolean') CONFIG.fail('config.oneOf', { what: CONFIG.message('config.what.preact'), allowed: 'true, false', value: quote(config.preact) });
  if (typeof config.linearOut !== 'boolean') CONFIG.fail('config.oneOf', { what: CONFIG.message('config.what.linearOut'), allowed: 'true, false', value: quote(config.linearOut) });
  if (!REGNET_SHORTCUTS.includes(config.shortcut)) CONFIG.fail('config.oneOf', { what: CONFIG.message('config.what.shortcut'), allowed: REGNET_SHORTCUTS.join(', '), value: quote(config.shortcut) });
  if (!ACTIVATION_KINDS.includes(config.activation)) CONFIG.fail('config.oneOf', { what: CONFIG.message('config.what.activation'), allowed: ACTIVATION_KINDS.join(', '), value: quote(config.activation) });
  const count = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= LIMITS.maxChannels;
  if (!count(config.headFeatures)) CONFIG.fail('config.regnet.headFeatures', { value: quote(config.headFeatures), max: LIMITS.maxChannels });
  if (!count(config.gnGroupSize)) CONFIG.fail('config.regnet.gnGroupSize', { value: quote(config.gnGroupSize), max: LIMITS.maxChannels });
  if (config.implementation === 'torchvision' && config.widthRounding === 'quantize') CONFIG.fail('config.regnet.quantizeTorchvision');
  if (config.implementation === 'torchvision') {
    const timmOnly = regnetTimmOnly(config);
    if (timmOnly.length) CONFIG.fail('config.regnet.timmOnly', { features: timmOnly, count: timmOnly.length });
  }
  validateIo(config);
  return config;
}

/** The largest SE reduction, shortcut kernel and reduce-first factor accepted (timm's models use 16 or 4, 3, 2). */
const FIELD_MAX = { seReduction: 1024, downKernel: 15, reduceFirst: 64 } as const;

/** A conv's module path as the layer graph names it: `conv1`, `conv1.3`, `layer2.0.conv2`, `layer1.0.downsample.0`, `maxpool.0`. */
export const CONV_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

function checkConvWidths(widths: unknown): void {
  if (widths === null || typeof widths !== 'object' || Array.isArray(widths)) CONFIG.fail('config.convWidths', { value: quote(widths) });
  for (const [name, value] of Object.entries(widths as Record<string, unknown>)) {
    if (!CONV_NAME.test(name)) CONFIG.fail('config.convWidthName', { name: quote(name) });
    checkPositiveInteger(CONFIG.message('config.what.convWidths'), value);
    if ((value as number) > LIMITS.maxChannels) CONFIG.fail('config.atMost', { what: name, max: LIMITS.maxChannels, value: value as number });
  }
}

/** Parses "3x224x224", "224x224" (3 channels) or "224" (square, 3 channels). */
export function parseInputSize(text: string): [number, number, number] {
  const trimmed = text.trim();
  if (!/^\d+(x\d+){0,2}$/i.test(trimmed)) CONFIG.fail('config.inputMalformed', { text: shown(text) });
  const parts = trimmed.toLowerCase().split('x').map(Number);
  const [c, h, w] = parts.length === 3 ? parts : parts.length === 2 ? [3, ...parts] : [3, parts[0], parts[0]];
  for (const [what, v] of [['config.what.channels', c], ['config.what.height', h], ['config.what.width', w]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) CONFIG.fail('config.inputPart', { what: CONFIG.message(what), value: v, text: shown(text) });
  }
  return [c, h, w];
}

export function formatInputSize(input: readonly number[]): string {
  return input.join('x');
}
