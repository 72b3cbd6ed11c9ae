/**
 * Speed measured by others, kept as published facts with their source: the numbers the "why ResNeXt is
 * slower than its FLOPs" comparison shows next to our predictions. Never an input to a prediction.
 */

export interface PublishedSpeed {
  /** The preset each figure describes: the ResNeXt first, then its ResNet. */
  figures: { preset: string; label: string; value: number; unit: 's' | 'ms'; gflops?: number; activations?: number }[];
  what: string;
  device: string;
  source: string;
  /** The setting the model predicts the same pair in: a device of the table, inference or a training step, batch per GPU, GPUs. */
  setting: { device: string; mode: 'inference' | 'training'; batch: number; gpus: number };
}

export const PUBLISHED_SPEED: readonly PublishedSpeed[] = [
  {
    figures: [
      { preset: 'resnext101_32x4d', label: 'ResNeXt-101 (32x4d)', value: 0.95, unit: 's' },
      { preset: 'resnet101', label: 'ResNet-101', value: 0.70, unit: 's' },
    ],
    what: 'training time per mini-batch of 256 images (32 per GPU), Torch, "with similar FLOPs"',
    device: '8 NVIDIA M40 GPUs',
    setting: { device: 'm40', mode: 'training', batch: 32, gpus: 8 },
    source: 'Xie et al. 2017, Aggregated Residual Transformations for Deep Neural Networks, section 5.1',
  },
  {
    figures: [
      { preset: 'resnext50_32x4d', label: 'ResNeXt-50 (32x4d)', value: 78, unit: 'ms', gflops: 4.2, activations: 14.4e6 },
      { preset: 'resnet50', label: 'ResNet-50', value: 53, unit: 'ms', gflops: 4.1, activations: 11.1e6 },
    ],
    what: 'inference time for 64 images; flops as multiply-adds (B), activations (M)',
    device: 'one NVIDIA V100 GPU',
    setting: { device: 'v100', mode: 'inference', batch: 64, gpus: 1 },
    source: 'Radosavovic et al. 2020, Designing Network Design Spaces (RegNet), Table 3',
  },
];
