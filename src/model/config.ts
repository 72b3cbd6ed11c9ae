/**
 * The one configurable network: torchvision's `ResNet(block, layers, groups, width_per_group)`
 * plus the CIFAR stem of the paper's section 5.3. Every preset, every view and the tfjs builder
 * start from a `NetworkConfig`.
 */

export type BlockKind = 'basic' | 'bottleneck';
export type StemKind = 'imagenet' | 'cifar';

export interface NetworkConfig {
  /** `basic` (ResNet-18/34: two 3x3 convs) or `bottleneck` (1x1, grouped 3x3, 1x1). */
  block: BlockKind;
  /** Blocks per stage: 4 stages for ImageNet networks, 3 for CIFAR. */
  depths: number[];
  /** Cardinality C: the number of groups of the 3x3 convolution. */
  cardinality: number;
  /** Bottleneck width d: channels per group when planes = 64 (torchvision's `width_per_group`). */
  widthPerGroup: number;
  /** Stem channels and the planes of the first stage (64 in every published model). */
  baseWidth: number;
  /** `imagenet`: 7x7/2 conv + BN + ReLU + 3x3/2 max pool. `cifar`: 3x3/1 conv + BN + ReLU. */
  stem: StemKind;
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

function checkPositiveInteger(what: string, value: unknown, hint = ''): number {
  if (typeof value === 'number' && !Number.isNaN(value) && !Number.isSafeInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw new ConfigError(`${what} is too large: ${value}${hint}`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(`${what} must be a number, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}${hint}`);
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
export function stagePlanes(config: NetworkConfig, stage: number): number {
  return config.baseWidth * 2 ** stage;
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
  if (config.stem !== 'imagenet' && config.stem !== 'cifar') {
    throw new ConfigError(`stem must be "imagenet" or "cifar", got ${JSON.stringify(config.stem)}`);
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
