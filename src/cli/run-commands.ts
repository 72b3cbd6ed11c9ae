/**
 * The commands that read images and weights (predict, preprocess, pretrained, features, cam): their
 * descriptors here, their code loaded when one runs (it brings the image decoders and TensorFlow.js).
 */
import { JSON_FLAG, NETWORK_FLAGS, PREPROCESSING_FLAGS, type Flag, type FlagChoice } from './args.ts';
import type { Command } from './command.ts';

const WEIGHTS: Flag = { name: 'weights', value: 'FILE', required: true };
const IMAGE: Flag = { name: 'image', value: 'FILE', required: true };
const RAW_INPUT: readonly Flag[] = [{ name: 'input', value: 'FILE.bin', required: true }, { name: 'shape', value: 'N,C,H,W', required: true }];
const OUT: Flag = { name: 'out', value: 'FILE.bin', required: true };
const BACKEND: Flag = { name: 'backend', value: 'cpu|wasm' };
/** An image, or a raw float32 NCHW tensor. */
const INPUT: FlagChoice = { oneOf: [RAW_INPUT, [IMAGE]] };

export const PREDICT: Command = {
  name: 'predict',
  positional: '<preset>',
  flags: [NETWORK_FLAGS, WEIGHTS, { oneOf: [[...RAW_INPUT, OUT], [IMAGE, { ...OUT, required: false }]] }, BACKEND, { name: 'topk', value: 'N' }, PREPROCESSING_FLAGS],
  usage:
    'run the network with real weights: the top classes of an image (--topk, default 5), or the logits of a raw ' +
    'float32 NCHW tensor; without a preset or network flags, the network is the --pretrained entry\'s or inferred from the weights',
  run: async (args) => (await import('./predict.ts')).runPredict(args),
};

export const PREPROCESS: Command = {
  name: 'preprocess',
  positional: '',
  flags: [IMAGE, PREPROCESSING_FLAGS, OUT],
  usage:
    'the float32 NCHW tensor a checkpoint\'s evaluation transform makes of an image (as timm / torchvision); ' +
    'needs --pretrained TAG or --size N',
  run: async (args) => (await import('./preprocess.ts')).runPreprocess(args),
};

export const PRETRAINED: Command = {
  name: 'pretrained',
  positional: '',
  flags: [JSON_FLAG],
  usage: 'the pretrained weights catalogue: accuracy, preprocessing, licence, size',
  run: async (args) => (await import('./preprocess.ts')).runPretrained(args),
};

export const FEATURES: Command = {
  name: 'features',
  positional: '<preset>',
  flags: [NETWORK_FLAGS, WEIGHTS, INPUT, { name: 'layer', value: 'NAME', required: true }, OUT, BACKEND, PREPROCESSING_FLAGS],
  usage: 'one layer\'s output (float32 NCHW), as PyTorch\'s forward hook returns it',
  run: async (args) => (await import('./features.ts')).runFeatures(args),
};

export const CAM: Command = {
  name: 'cam',
  positional: '<preset>',
  flags: [NETWORK_FLAGS, WEIGHTS, INPUT, { name: 'class', value: 'K' }, OUT, BACKEND, PREPROCESSING_FLAGS],
  usage: 'class activation maps (float32 [N, H\', W\']) of class K, or of each input\'s top-1 class',
  run: async (args) => (await import('./cam.ts')).runCam(args),
};
