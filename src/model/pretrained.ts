/**
 * Pretrained weights the app can load, as data: torchvision's ImageNet-1k weights re-published as
 * safetensors by timm on the Hugging Face hub (same key names as torchvision's state_dict).
 */
import { buildLayerGraph, numel, stateDictSpec } from './graph.ts';
import { presetConfig } from './presets.ts';
import { IMAGENET_PREPROCESS, type PreprocessOptions } from './preprocess.ts';

export interface PretrainedWeights {
  /** Preset name (presets.ts). */
  preset: string;
  label: string;
  /** Direct download URL (CORS-enabled). */
  url: string;
  /** Hub repository the file belongs to. */
  repo: string;
  /** Size of the float32 tensors in bytes (parameters and BN buffers; the file adds a small header). */
  bytes: number;
  /** ImageNet-1k top-1 accuracy (%) published with the weights. */
  top1: number;
  preprocess: PreprocessOptions;
  license: string;
}

const hub = (repo: string): string => `https://huggingface.co/${repo}/resolve/main/model.safetensors`;

/** Float32 bytes of a preset's state dict, from the layer graph. */
export function stateDictBytes(preset: string): number {
  return 4 * stateDictSpec(buildLayerGraph(presetConfig(preset))).reduce((s, t) => s + numel(t.shape), 0);
}

export const PRETRAINED: readonly PretrainedWeights[] = [
  {
    preset: 'resnet50', label: 'ResNet-50 (torchvision V1)', repo: 'timm/resnet50.tv_in1k', url: hub('timm/resnet50.tv_in1k'),
    bytes: stateDictBytes('resnet50'), top1: 76.13, preprocess: IMAGENET_PREPROCESS, license: 'bsd-3-clause',
  },
  {
    preset: 'resnext50_32x4d', label: 'ResNeXt-50 32x4d (torchvision V1)', repo: 'timm/resnext50_32x4d.tv_in1k', url: hub('timm/resnext50_32x4d.tv_in1k'),
    bytes: stateDictBytes('resnext50_32x4d'), top1: 77.618, preprocess: IMAGENET_PREPROCESS, license: 'bsd-3-clause',
  },
  {
    preset: 'resnext101_32x8d', label: 'ResNeXt-101 32x8d (torchvision V1)', repo: 'timm/resnext101_32x8d.tv_in1k', url: hub('timm/resnext101_32x8d.tv_in1k'),
    bytes: stateDictBytes('resnext101_32x8d'), top1: 79.312, preprocess: IMAGENET_PREPROCESS, license: 'bsd-3-clause',
  },
];

export function findPretrained(preset: string): PretrainedWeights | undefined {
  return PRETRAINED.find((p) => p.preset === preset);
}
