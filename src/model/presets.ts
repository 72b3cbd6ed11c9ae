/**
 * Named networks as data: `presets.json` holds, for each preset, the handful of config fields that
 * torchvision, timm or the paper passes to the one configurable ResNet, plus the published figures
 * that describe it, with their source. The fixture script reads the same file.
 */
import { ConfigError, validateConfig, type NetworkConfig } from './config.ts';
import { sameArchitecture } from './config-fields.ts';
import table from './presets.json' with { type: 'json' };

/** The groups of the preset picker. */
export type PresetFamily = 'torchvision' | 'paper' | 'resnet-d' | 'se' | 'eca' | 'aa' | 'rs' | 'wsl' | 'cifar' | 'regnetx' | 'regnety' | 'regnetv' | 'regnetz';

/**
 * A figure published by someone else about an architecture, kept next to the model it describes. The
 * accuracy of a trained checkpoint (torchvision's V1 / V2 weights, timm's) is the checkpoint's and lives
 * in the pretrained catalogue (pretrained.json), with its preprocessing.
 */
export interface PublishedFigures {
  source: string;
  /** The key of `source` in presets.json's `sources` (the app translates a source by it). */
  sourceId: string;
  /** Parameter count as published (exact for torchvision, rounded in the paper and in timm's table). */
  params?: number;
  /** Multiply-accumulates in units of 1e9 (torchvision's "GFLOPS", the paper's "FLOPs"). */
  gmacs?: number;
  /** Top-1 error in percent (paper tables). */
  top1Err?: number;
  /** Top-5 error in percent (paper tables). */
  top5Err?: number;
  /** Dataset the error refers to when it is not ImageNet-1k. */
  dataset?: string;
}

export interface Preset {
  name: string;
  label: string;
  family: PresetFamily;
  config: NetworkConfig;
  /** `torchvision.models.<name>` builds it. */
  torchvision: boolean;
  /** `timm.create_model('<name>')` builds it. */
  timm: boolean;
  published: PublishedFigures[];
}

export const PRESET_FAMILIES: Readonly<Record<PresetFamily, string>> = table.families;

/** The config fields every preset shares unless its entry says otherwise. */
export function defaultConfig(stem: NetworkConfig['stem'] = 'imagenet'): NetworkConfig {
  const cifar = stem === 'cifar';
  return {
    block: 'bottleneck', depths: [3, 4, 6, 3], cardinality: 1, widthPerGroup: 64, baseWidth: 64, stem, stemWidth: 32,
    avgDown: false, attention: 'none', seReduction: 16, norm: 'batchnorm', aa: 'none', stemPool: 'maxpool', downKernel: 1, reduceFirst: 1,
    convWidths: {}, implementation: 'torchvision',
    input: cifar ? [3, 32, 32] : [3, 224, 224], classes: cifar ? 10 : 1000, includeTop: true,
    // RegNet's fields, used by block "regnet" only: torchvision's regnet_x_400mf.
    regnetDepth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16, bottleneckRatio: 1, seRatio: 0, widthRounding: 'divisible',
    preact: false, linearOut: false, shortcut: 'conv1x1', headFeatures: 0, activation: 'relu', gnGroupSize: 0,
  };
}

type TableEntry = (typeof table.presets)[number] | (typeof table.regnets)[number];

function fromTable(entry: TableEntry): Preset {
  const partial = entry.config as Partial<NetworkConfig>;
  const config = validateConfig({ ...defaultConfig(partial.stem), ...partial });
  const sources = table.sources as Record<string, string>;
  const published = (entry.published as Omit<PublishedFigures, 'sourceId'>[]).map((p): PublishedFigures => {
    const source = sources[p.source];
    if (!source) throw new Error(`presets.json: ${entry.name} cites an unknown source "${p.source}"`);
    return { ...p, source, sourceId: p.source };
  });
  return {
    name: entry.name, label: entry.label, family: entry.family as PresetFamily, config,
    torchvision: entry.torchvision, timm: entry.timm, published,
  };
}

/** The ResNets and ResNeXts, then the RegNets (presets.json keeps them apart: the fixture script's ResNet parts read only `presets`). */
export const PRESETS: readonly Preset[] = [...table.presets, ...table.regnets].map(fromTable);

/** Every source presets.json cites, by id. */
export const PRESET_SOURCES: Readonly<Record<string, string>> = table.sources;

export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name);

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** The config of a preset (a fresh copy), with optional overrides (input size, classes, ...). */
export function presetConfig(name: string, overrides: Partial<NetworkConfig> = {}): NetworkConfig {
  const preset = findPreset(name);
  if (!preset) {
    throw new ConfigError(`unknown preset "${name}"; known presets: ${PRESET_NAMES.join(', ')}`);
  }
  return { ...preset.config, depths: [...preset.config.depths], input: [...preset.config.input], convWidths: { ...preset.config.convWidths }, ...overrides };
}

/** The preset whose architecture equals the config (ignoring input size and classes), if any. */
export function matchPreset(config: NetworkConfig): Preset | undefined {
  return PRESETS.find((p) => sameArchitecture(p.config, config));
}
