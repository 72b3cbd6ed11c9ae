/**
 * The English the interface can show, as literal fragments (the catalogue's templates without their
 * arguments, and the data files' descriptive text), and the technical names that stay English in every
 * language. Used by the catalogue's unit test and by e2e/i18n.spec.ts, which scans the Chinese page for
 * any of these fragments.
 */
import { templateLiterals } from '../../src/model/message.ts';
import { EN } from '../../src/app/i18n/catalogue.ts';
import { MODEL_EN } from '../../src/app/i18n/messages/model.ts';
import { CONVENTION_INFO } from '../../src/analysis/conventions.ts';
import { DEVICES, DEVICE_SOURCES } from '../../src/analysis/devices.ts';
import { PUBLISHED_SPEED } from '../../src/analysis/published-speed.ts';
import { PRESET_SOURCES } from '../../src/model/presets.ts';
import { readFileSync } from 'node:fs';
import { Catalogue, type CatalogueJson } from '../../src/model/pretrained.ts';

/** The catalogue read from its data file (this module also runs under Playwright, which loads no JSON chunks). */
const PRETRAINED = new Catalogue(JSON.parse(readFileSync('src/model/pretrained.json', 'utf8')) as CatalogueJson).entries;

/**
 * Words that are names, not English: tools, papers' model names, layer types, units, dtypes, code.
 * A fragment made only of these (and of numbers and punctuation) is not English prose.
 */
export const TECHNICAL_WORDS: ReadonlySet<string> = new Set([
  'ResNeXt', 'ResNet', 'ResNets', 'Lab', 'MACs', 'MAC', 'GMACs', 'FLOPs', 'FLOP', 'GFLOP', 'GFLOPs', 'GFLOPS', 'TFLOPS', 'FLOPS',
  'torchvision', 'timm', 'torchsummary', 'torchinfo', 'PyTorch', 'TensorFlow', 'js', 'tfjs', 'fvcore', 'thop', 'ptflops', 'aten',
  'ImageNet', 'CIFAR', 'Markdown', 'CSV', 'JSON', 'URL', 'BN', 'ReLU', 'fc', 'SE', 'ECA', 'SGD', 'Adam', 'AdamW', 'momentum',
  'float32', 'float16', 'bfloat16', 'FP32', 'FP16', 'BF16', 'TF32', 'GB', 'MB', 'kB', 'GiB', 'TB', 'ms', 'µs', 'us', 'B', 'M', 'G',
  'wasm', 'webgpu', 'webgl', 'cpu', 'auto', 'Top', 'top', 'p90', 'Param', 'Conv2d', 'Conv1d', 'BatchNorm2d', 'Sigmoid', 'Identity',
  'Cout', 'Cin', 'Hout', 'Wout', 'groups', 'Groups', 'conv', 'conv1', 'conv2', 'conv3', 'bn1', 'bn2', 'bn3', 'layer1', 'layer3',
  'd', 'C', 'k', 'x', 'w', 'h', 'err', 'RegNet', 'Xie', 'et', 'al', 'CVPR', 'NVIDIA', 'Tesla', 'Apple', 'Intel', 'Xeon',
  'GeForce', 'RTX', 'SXM', 'SXM2', 'Platinum', 'deep_tiered', 'imagenet', 'basic', 'bottleneck', 'safetensors', 'pth', 'pt',
  'Hugging', 'Face', 'hub', 'cuDNN', 'XNNPACK', 'WebAssembly', 'WebGPU', 'WebGL', 'WebGL2', 'OffscreenCanvas', 'navigator', 'gpu',
  'requestAdapter', 'null', 'NaN', 'Inf', 'logits', 'running_var', 'eps', 'sqrt', 'sigmoid', 'mean', 'std', 'crop_pct',
  'resolve_data_config', 'state_dict', 'torch', 'save', 'load', 'model', 'path', 'RGB', 'PNG', 'JPEG', 'GIF', 'WebP', 'BMP',
  'Keras', 'HDF5', 'NumPy', 'npy', 'gzip', 'zip', 'C10', 'C100', 'T3', 'T4', 'T7', 'in_features', 'out_features', 'weight', 'bias',
  'var', 'ResNet-D', 'avgdown', 'avgDown', 'includeTop', 'true', 'false', 'preserve', 'base_width', 'BasicBlock', 'Bottleneck',
  'ShuffleNet', 'V2', 'TFLOP', 'matmul', 'tf', 'matMul', 'Mult', 'Adds', 'Kernel', 'Shape', 'Input', 'Output', 'Trainable',
  'CAM', 'ImageNet-1k', 'BatchNorm', 'GroupNorm', 'BlurPool2d', 'Mult-Adds', 'running_mean', 'HTTP', 'Top-1', 'top-1', 'top-5', 'results-imagenet', 'csv', 'IMAGENET1K_V1', 'downsample', 'Deep', 'tiered', 'max', 'min', 'softmax', 'deviceMemory', 'maxStorageBufferBindingSize', 'flatten',
]);

/** Catalogue values that may equal their English: argument-only templates and empty ones. */
export function isTechnical(text: string): boolean {
  const words = text.match(/[A-Za-zµ_][A-Za-z0-9µ_-]*/g) ?? [];
  return words.every((w) => TECHNICAL_WORDS.has(w) || TECHNICAL_WORDS.has(w.replace(/-$/, '')) || /^[A-Za-z]?\d/.test(w) || /^[a-z]$/.test(w));
}

/** Strings that may appear on the Chinese page although they are English: names on the language switch. */
export const ALLOWED_ON_CHINESE_PAGE: readonly string[] = ['Language', 'English'];

/** Titles of papers, cited in their own language on both pages; the scan leaves them out of the page's text. */
export const CITED_TITLES: readonly string[] = [
  'Aggregated Residual Transformations for Deep Neural Networks',
  'Designing Network Design Spaces',
  'Dissecting the NVIDIA Volta GPU Architecture via Microbenchmarking',
];

/**
 * The English of the interface: every literal fragment of every English template (app and model
 * catalogues) and the data's descriptive strings, without the fragments that are only technical names.
 */
export function englishFragments(): { source: string; text: string }[] {
  const out: { source: string; text: string }[] = [];
  const add = (source: string, text: string) => {
    for (const piece of text.split(/<\/?(?:b|code)(?: testid="[\w-]+")?>/)) {
      const t = piece.trim().replace(/^[\s,.;:()[\]·—–-]+|[\s,.;:()[\]·—–-]+$/g, '');
      if (t.length >= 3 && /[A-Za-z]{3,}/.test(t) && !isTechnical(t) && !ALLOWED_ON_CHINESE_PAGE.includes(t)) out.push({ source, text: t });
    }
  };
  for (const [key, template] of Object.entries({ ...MODEL_EN, ...EN })) {
    for (const literal of templateLiterals(template)) add(key, literal);
  }
  for (const [k, v] of Object.entries(CONVENTION_INFO)) {
    add(`convention.${k}.label`, v.label);
    add(`convention.${k}.description`, v.description);
  }
  for (const [k, v] of Object.entries(PRESET_SOURCES)) add(`presets.sources.${k}`, v);
  for (const d of DEVICES) {
    add(`device.${d.name}.label`, d.label);
    if (d.note) add(`device.${d.name}.note`, d.note);
  }
  for (const [k, v] of Object.entries(DEVICE_SOURCES)) add(`device.source.${k}`, v);
  for (const p of PUBLISHED_SPEED) {
    add('published-speed.what', p.what);
    add('published-speed.device', p.device);
    add('published-speed.source', p.source);
  }
  for (const e of PRETRAINED) {
    if (e.accuracy) add(`pretrained.${e.tag}.accuracy`, e.accuracy.source);
    add(`pretrained.${e.tag}.preprocess`, e.preprocessSource);
  }
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f.text) ? false : (seen.add(f.text), true)));
}

/** Whether `text` (the page's) contains the fragment: as a substring, or as a whole word for one word. */
export function containsFragment(text: string, fragment: string): boolean {
  if (/\s/.test(fragment) || /[^A-Za-z]/.test(fragment)) return text.includes(fragment);
  return new RegExp(`(^|[^A-Za-z0-9_.-])${fragment}($|[^A-Za-z0-9_-])`).test(text);
}
