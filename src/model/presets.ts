/**
 * Named networks as data: each preset is the handful of numbers torchvision or the paper passes to
 * the one configurable ResNet, plus the published figures that describe it, with their source.
 */
import { ConfigError, type NetworkConfig } from './config.ts';

export type PresetFamily = 'resnet' | 'resnext' | 'wide_resnet' | 'cifar';

/**
 * A figure published by someone else about an architecture, kept next to the model it describes. The
 * accuracy of a trained checkpoint (torchvision's V1 / V2 weights, timm's) is the checkpoint's and lives
 * in the pretrained catalogue (pretrained.json), with its preprocessing.
 */
export interface PublishedFigures {
  source: string;
  /** Parameter count as published (exact for torchvision, rounded in the paper). */
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
  block: NetworkConfig['block'];
  depths: number[];
  cardinality: number;
  widthPerGroup: number;
  stem: NetworkConfig['stem'];
  input: [number, number, number];
  classes: number;
  /** In torchvision's model zoo (torchvision.models.<name>). */
  torchvision: boolean;
  published: PublishedFigures[];
}

const TV = 'torchvision 0.14 model zoo (IMAGENET1K_V1 weights metadata)';
const T3 = 'Xie et al. 2017, Table 3 (ImageNet-1K, 224x224 single crop)';
const T4 = 'Xie et al. 2017, Table 4 (ImageNet-1K, 224x224 single crop)';
const T5 = 'Xie et al. 2017, Table 5 (ImageNet-1K, 320x320 single crop)';
const T7 = 'Xie et al. 2017, Table 7 (CIFAR, error averaged over 10 runs)';
const T1 = 'Xie et al. 2017, Table 1';

const IMAGENET: [number, number, number] = [3, 224, 224];
const CIFAR: [number, number, number] = [3, 32, 32];
const R50 = [3, 4, 6, 3];
const R101 = [3, 4, 23, 3];

function imagenet(
  name: string,
  label: string,
  family: PresetFamily,
  block: Preset['block'],
  depths: number[],
  cardinality: number,
  widthPerGroup: number,
  torchvision: boolean,
  published: PublishedFigures[],
): Preset {
  return { name, label, family, block, depths, cardinality, widthPerGroup, stem: 'imagenet', input: IMAGENET, classes: 1000, torchvision, published };
}

export const PRESETS: readonly Preset[] = [
  imagenet('resnet18', 'ResNet-18', 'resnet', 'basic', [2, 2, 2, 2], 1, 64, true, [
    { source: TV, params: 11_689_512, gmacs: 1.814 },
  ]),
  imagenet('resnet34', 'ResNet-34', 'resnet', 'basic', [3, 4, 6, 3], 1, 64, true, [
    { source: TV, params: 21_797_672, gmacs: 3.664 },
  ]),
  imagenet('resnet50', 'ResNet-50', 'resnet', 'bottleneck', R50, 1, 64, true, [
    { source: TV, params: 25_557_032, gmacs: 4.089 },
    { source: T1, params: 25.5e6, gmacs: 4.1 },
    { source: T3, top1Err: 23.9 },
  ]),
  imagenet('resnet101', 'ResNet-101', 'resnet', 'bottleneck', R101, 1, 64, true, [
    { source: TV, params: 44_549_160, gmacs: 7.801 },
    { source: T3, top1Err: 22.0 },
    { source: T4, top1Err: 22.0, top5Err: 6.0 },
  ]),
  imagenet('resnet152', 'ResNet-152', 'resnet', 'bottleneck', [3, 8, 36, 3], 1, 64, true, [
    { source: TV, params: 60_192_808, gmacs: 11.514 },
  ]),
  imagenet('resnext50_32x4d', 'ResNeXt-50 (32x4d)', 'resnext', 'bottleneck', R50, 32, 4, true, [
    { source: TV, params: 25_028_904, gmacs: 4.23 },
    { source: T1, params: 25.0e6, gmacs: 4.2 },
    { source: T3, top1Err: 22.2 },
  ]),
  imagenet('resnext101_32x8d', 'ResNeXt-101 (32x8d)', 'resnext', 'bottleneck', R101, 32, 8, true, [
    { source: TV, params: 88_791_336, gmacs: 16.414 },
  ]),
  imagenet('resnext101_64x4d', 'ResNeXt-101 (64x4d)', 'resnext', 'bottleneck', R101, 64, 4, true, [
    { source: 'torchvision 0.14 model zoo (IMAGENET1K_V1 weights metadata, new training recipe)', params: 83_455_272, gmacs: 15.46 },
    { source: T5, top1Err: 19.1, top5Err: 4.4 },
    { source: T4, top1Err: 20.4, top5Err: 5.3 },
  ]),
  imagenet('wide_resnet50_2', 'Wide ResNet-50-2', 'wide_resnet', 'bottleneck', R50, 1, 128, true, [
    { source: TV, params: 68_883_240, gmacs: 11.398 },
  ]),
  imagenet('wide_resnet101_2', 'Wide ResNet-101-2', 'wide_resnet', 'bottleneck', R101, 1, 128, true, [
    { source: TV, params: 126_886_696, gmacs: 22.753 },
  ]),
  imagenet('resnext50_2x40d', 'ResNeXt-50 (2x40d)', 'resnext', 'bottleneck', R50, 2, 40, false, [{ source: T3, top1Err: 23.0 }]),
  imagenet('resnext50_4x24d', 'ResNeXt-50 (4x24d)', 'resnext', 'bottleneck', R50, 4, 24, false, [{ source: T3, top1Err: 22.6 }]),
  imagenet('resnext50_8x14d', 'ResNeXt-50 (8x14d)', 'resnext', 'bottleneck', R50, 8, 14, false, [{ source: T3, top1Err: 22.3 }]),
  imagenet('resnext101_2x40d', 'ResNeXt-101 (2x40d)', 'resnext', 'bottleneck', R101, 2, 40, false, [{ source: T3, top1Err: 21.7 }]),
  imagenet('resnext101_4x24d', 'ResNeXt-101 (4x24d)', 'resnext', 'bottleneck', R101, 4, 24, false, [{ source: T3, top1Err: 21.4 }]),
  imagenet('resnext101_8x14d', 'ResNeXt-101 (8x14d)', 'resnext', 'bottleneck', R101, 8, 14, false, [{ source: T3, top1Err: 21.3 }]),
  imagenet('resnext101_32x4d', 'ResNeXt-101 (32x4d)', 'resnext', 'bottleneck', R101, 32, 4, false, [{ source: T3, top1Err: 21.2 }]),
  imagenet('resnext101_2x64d', 'ResNeXt-101 (2x64d)', 'resnext', 'bottleneck', R101, 2, 64, false, [
    { source: T4, top1Err: 20.7, top5Err: 5.5 },
  ]),
  {
    name: 'resnext29_8x64d', label: 'ResNeXt-29 (8x64d), CIFAR', family: 'cifar', block: 'bottleneck', depths: [3, 3, 3],
    cardinality: 8, widthPerGroup: 64, stem: 'cifar', input: CIFAR, classes: 10, torchvision: false,
    published: [
      { source: T7, params: 34.4e6, top1Err: 3.65, dataset: 'CIFAR-10' },
      { source: T7, params: 34.4e6, top1Err: 17.77, dataset: 'CIFAR-100' },
    ],
  },
  {
    name: 'resnext29_16x64d', label: 'ResNeXt-29 (16x64d), CIFAR', family: 'cifar', block: 'bottleneck', depths: [3, 3, 3],
    cardinality: 16, widthPerGroup: 64, stem: 'cifar', input: CIFAR, classes: 10, torchvision: false,
    published: [
      { source: T7, params: 68.1e6, top1Err: 3.58, dataset: 'CIFAR-10' },
      { source: T7, params: 68.1e6, top1Err: 17.31, dataset: 'CIFAR-100' },
    ],
  },
];

export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name);

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** The config of a preset, with optional overrides (input size, classes, ...). */
export function presetConfig(name: string, overrides: Partial<NetworkConfig> = {}): NetworkConfig {
  const preset = findPreset(name);
  if (!preset) {
    throw new ConfigError(`unknown preset "${name}"; known presets: ${PRESET_NAMES.join(', ')}`);
  }
  return {
    block: preset.block,
    depths: [...preset.depths],
    cardinality: preset.cardinality,
    widthPerGroup: preset.widthPerGroup,
    baseWidth: 64,
    stem: preset.stem,
    input: [...preset.input],
    classes: preset.classes,
    includeTop: true,
    ...overrides,
  };
}

/** The preset whose architecture equals the config (ignoring input size and classes), if any. */
export function matchPreset(config: NetworkConfig): Preset | undefined {
  return PRESETS.find(
    (p) =>
      p.block === config.block &&
      p.stem === config.stem &&
      p.cardinality === config.cardinality &&
      p.widthPerGroup === config.widthPerGroup &&
      config.baseWidth === 64 &&
      p.depths.length === config.depths.length &&
      p.depths.every((d, i) => d === config.depths[i]),
  );
}
