/**
 * The one configurable network: torchvision's `ResNet(block, layers, groups, width_per_group)`,
 * the CIFAR stem of the paper's section 5.3, and timm's `ResNet` options (deep stems, average-pool
 * shortcut, squeeze-and-excitation / ECA attention). Every preset, every view and the tfjs builder
 * start from a `NetworkConfig`.
 */

export type BlockKind = 'basic' | 'bottleneck';
/**
 * `imagenet`: 7x7/2 conv + BN + ReLU + 3x3/2 max pool. `cifar`: 3x3/1 conv + BN + ReLU.
 * `deep` (timm `stem_type='deep'`): three 3x3 convs of stemWidth, stemWidth, 2 x stemWidth channels (the
 * first with stride 2), BN + ReLU between, then BN + ReLU + max pool. `deep_tiered`: the same with
 * 3 x (stemWidth / 4), stemWidth, 2 x stemWidth.
 */
export type StemKind = 'imagenet' | 'deep' | 'deep_tiered' | 'cifar';
export const STEM_KINDS: readonly StemKind[] = ['imagenet', 'deep', 'deep_tiered', 'cifar'];
/** Channel attention after the block's last BN: none, timm's SEModule, or timm's EcaModule. */
export type AttentionKind = 'none' | 'se' | 'eca';
export const ATTENTION_KINDS: readonly AttentionKind[] = ['none', 'se', 'eca'];
/**
 * Whose module structure the network follows (module names, which ReLUs are shared, Identity
 * placeholders, the head): torchvision's `ResNet` or timm's `timm.models.resnet.ResNet`. The same
 * config in both has the same parameters and state_dict keys; only its module calls differ.
 */
export type Implementation = 'torchvision' | 'timm';
export const IMPLEMENTATIONS: readonly Implementation[] = ['torchvision', 'timm'];

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
  implementation: Implementation;
  /** Input channels, height, width (one sample; the batch dimension is separate). */
  input: [number, number, number];
  /** Classifier outputs. */
  classes: number;
  /** With the global average pool and the fully connected classifier. */
  includeTop: boolean;
}

/** A configuration that cannot describe a network; the message says what is wrong and what to do. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const BLOCK_EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** Networks above these figures are refused rather than analysed or built. */
export const LIMITS = {
  maxMacs: 1e12,
  maxParams: 1e10,
  maxBlocks: 5000,
  maxChannels: 1 << 20,
  maxSide: 1 << 20,
};

/** A value for a message: short, and never `null` for a number that is not finite. */
function quote(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function checkPositiveInteger(what: string, value: unknown, hint = ''): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new ConfigError(`${what} must be a number, got ${quote(value)}${hint}`);
  }
  if (!Number.isFinite(value) || value > Number.MAX_SAFE_INTEGER) {
    throw new ConfigError(`${what} is too large (${quote(value)}): use a positive integer below ${Number.MAX_SAFE_INTEGER}${hint}`);
  }
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${what} must be a positive integer, got ${value}${hint}`);
  }
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
export function makeDivisible(v: number, divisor = 8): number {
  return Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
}

/** Reduced channels of timm's SEModule for `channels` (rd_ratio 1/16, divisor 8). */
export function seChannels(channels: number): number {
  return makeDivisible(channels / 16, 8);
}

/** Kernel size of timm's EcaModule for `channels` (gamma 2, beta 1): t = int(|log2 C + 1| / 2), odd, at least 3. */
export function ecaKernel(channels: number): number {
  const t = Math.trunc(Math.abs(Math.log2(channels) + 1) / 2);
  return Math.max(t % 2 ? t : t + 1, 3);
}

/**
 * Checks a configuration and returns it unchanged, or throws a `ConfigError` that names the
 * field, the value and the fix. Checks sizes PyTorch would refuse, not sizes it accepts:
 * these padded networks run even on a 1x1 input.
 */
export function validateConfig(config: NetworkConfig): NetworkConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError('config must be an object');
  if (config.block !== 'basic' && config.block !== 'bottleneck') {
    throw new ConfigError(`block must be "basic" or "bottleneck", got ${JSON.stringify(config.block)}`);
  }
  if (!STEM_KINDS.includes(config.stem)) {
    throw new ConfigError(`stem must be one of ${STEM_KINDS.join(', ')}, got ${quote(config.stem)}`);
  }
  if (!IMPLEMENTATIONS.includes(config.implementation)) {
    throw new ConfigError(`implementation must be "torchvision" or "timm", got ${quote(config.implementation)}`);
  }
  if (!ATTENTION_KINDS.includes(config.attention)) {
    throw new ConfigError(`attention must be one of ${ATTENTION_KINDS.join(', ')}, got ${quote(config.attention)}`);
  }
  if (typeof config.avgDown !== 'boolean') throw new ConfigError(`avgDown must be true or false, got ${quote(config.avgDown)}`);
  checkPositiveInteger('stem width', config.stemWidth);
  if (config.stemWidth > LIMITS.maxChannels) throw new ConfigError(`stem width ${config.stemWidth} is too large (at most ${LIMITS.maxChannels})`);
  if (config.stem === 'deep_tiered' && config.stemWidth < 4) {
    throw new ConfigError(`stem width ${config.stemWidth} is too small for the deep_tiered stem, whose first conv has 3 x floor(width / 4) channels: use at least 4`);
  }
  if (config.implementation === 'torchvision') {
    const timmOnly = [
      config.stem === 'deep' || config.stem === 'deep_tiered' ? `the ${config.stem} stem` : null,
      config.avgDown ? 'the average-pool shortcut (avg-down)' : null,
      config.attention !== 'none' ? `${config.attention === 'se' ? 'squeeze-and-excitation' : 'ECA'} attention` : null,
    ].filter((x): x is string => x !== null);
    if (timmOnly.length) {
      throw new ConfigError(`${timmOnly.join(', ')} ${timmOnly.length > 1 ? 'exist' : 'exists'} only in timm's ResNet, not in torchvision's: set implementation "timm"`);
    }
  } else if (config.depths.length !== 4) {
    throw new ConfigError(`timm's ResNet runs exactly four stages (its forward calls layer1..layer4), got ${config.depths.length}: use 4 depths, or implementation "torchvision" for other stage counts`);
  } else if (config.stem === 'cifar') {
    throw new ConfigError('timm\'s ResNet has no CIFAR stem (its stems are imagenet, deep and deep_tiered): use implementation "torchvision" for a CIFAR network');
  }
  if (!Array.isArray(config.depths) || config.depths.length === 0) {
    throw new ConfigError('depths must list the number of blocks of each stage, e.g. 3,4,6,3');
  }
  if (config.depths.length > 8) {
    throw new ConfigError(`depths has ${config.depths.length} stages; at most 8 are supported (ImageNet networks have 4, CIFAR 3)`);
  }
  config.depths.forEach((d, i) => checkPositiveInteger(`depths[${i}] (blocks in stage ${i + 1})`, d));
  const blocks = config.depths.reduce((a, b) => a + b, 0);
  if (blocks > LIMITS.maxBlocks) {
    throw new ConfigError(`the network has ${blocks.toLocaleString('en-US')} blocks; at most ${LIMITS.maxBlocks.toLocaleString('en-US')} are supported`);
  }
  checkPositiveInteger('cardinality', config.cardinality);
  checkPositiveInteger('width per group (d)', config.widthPerGroup);
  checkPositiveInteger('base width', config.baseWidth);
  if (config.baseWidth > LIMITS.maxChannels) {
    throw new ConfigError(`base width ${config.baseWidth} is too large (at most ${LIMITS.maxChannels})`);
  }
  if (config.block === 'basic' && (config.cardinality !== 1 || config.widthPerGroup !== 64)) {
    throw new ConfigError(
      `a basic block supports only cardinality 1 and width per group 64 (got C=${config.cardinality}, d=${config.widthPerGroup}): ` +
        'its two 3x3 convs have no bottleneck to widen or group, exactly as torchvision\'s BasicBlock refuses groups != 1 or base_width != 64. ' +
        'Use block "bottleneck" for a ResNeXt.',
    );
  }
  if (!Array.isArray(config.input) || config.input.length !== 3) {
    throw new ConfigError(`input must be channels x height x width, e.g. 3x224x224, got ${JSON.stringify(config.input)}`);
  }
  const [c, h, w] = config.input;
  checkPositiveInteger('input channels', c);
  checkPositiveInteger('input height', h);
  checkPositiveInteger('input width', w);
  if (c > LIMITS.maxChannels || h > LIMITS.maxSide || w > LIMITS.maxSide) {
    throw new ConfigError(`input ${c}x${h}x${w} is too large (at most ${LIMITS.maxChannels} channels and ${LIMITS.maxSide} pixels a side)`);
  }
  checkPositiveInteger('classes', config.classes);
  if (typeof config.includeTop !== 'boolean') {
    throw new ConfigError(`includeTop must be true or false, got ${JSON.stringify(config.includeTop)}`);
  }
  if (config.block === 'bottleneck') {
    const width = bottleneckWidth(stagePlanes(config, 0), config.widthPerGroup, config.cardinality);
    if (width === 0) {
      throw new ConfigError(
        `bottleneck width floor(planes * d / 64) * C is 0 for planes=${config.baseWidth}, d=${config.widthPerGroup}: ` +
          'raise the width per group d or the base width',
      );
    }
  }
  return config;
}

/** Parses "3x224x224", "224x224" (3 channels) or "224" (square, 3 channels). */
export function parseInputSize(text: string): [number, number, number] {
  const trimmed = text.trim();
  if (!/^\d+(x\d+){0,2}$/i.test(trimmed)) {
    throw new ConfigError(`input size "${text}" is malformed: write CxHxW, e.g. 3x224x224`);
  }
  const parts = trimmed.toLowerCase().split('x').map(Number);
  const [c, h, w] = parts.length === 3 ? parts : parts.length === 2 ? [3, ...parts] : [3, parts[0], parts[0]];
  for (const [what, v] of [['channels', c], ['height', h], ['width', w]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new ConfigError(`input ${what} must be a positive integer, got ${v} in "${text}"`);
  }
  return [c, h, w];
}

export function formatInputSize(input: readonly number[]): string {
  return input.join('x');
}
