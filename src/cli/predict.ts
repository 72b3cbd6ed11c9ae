/**
 * `predict`: run a network with real weights in Node (tfjs cpu or wasm backend).
 *   predict <preset | architecture flags> --weights FILE --input FILE.bin --shape N,3,H,W --out FILE.bin
 *   predict <preset | architecture flags> --weights FILE --image FILE.png|.jpg [--out FILE.bin]
 *   predict --pretrained TAG --weights FILE --image FILE   (the catalogue entry's network, preprocessing, classes)
 * Raw tensors are little-endian float32: the input NCHW, the output logits [N, classes].
 * Without a preset or flags, the architecture is the catalogue entry's, else inferred from the weights.
 * Images are preprocessed as the entry says, or as the preprocessing flags say (`preprocess.ts` here),
 * else with timm's default (torchvision V1's) transform, which the output names.
 */
import { basename } from 'node:path';
import type { NetworkConfig } from '../model/config.ts';
import { classNames } from '../model/classes.ts';
import { buildLayerGraph, type LayerGraph } from '../model/graph.ts';
import { backendCapacity, checkMemory, memoryNeed } from '../model/memory.ts';
import { DEFAULT_PREPROCESS, describePreprocess, preprocessImage, type PreprocessConfig } from '../model/preprocess.ts';
import { pretrainedConfig } from '../model/pretrained.ts';
import { useBackend } from '../model/tfjs/backends.ts';
import { buildNetwork } from '../model/tfjs/network.ts';
import { checkStateDict, inferConfig, loadWeightsFile, type StateDictShapes } from '../model/weights/index.ts';
import { topK, weightsMeta } from '../model/engine/engine.ts';
import { FiniteGuard, checkInput, runGuarded } from '../model/engine/finite.ts';
import { CONFIG_FLAGS, UsageError, configFromArgs, flagString, parseArgs, type ParsedArgs } from './args.ts';
import { decodeF32LE, encodeF32LE } from './f32.ts';
import { aboutImage, checkOutput, imageLabel, readFile, readImage, writeOutputFile, type LoadedImage } from './files.ts';
import { PREPROCESS_FLAGS, preprocessFromArgs } from './preprocess.ts';

export { decodeF32LE, encodeF32LE };

const FLAGS = [...CONFIG_FLAGS, ...PREPROCESS_FLAGS, 'weights', 'shape', 'out', 'image', 'backend', 'topk'] as const;

function parseShape(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p) || Number(p) <= 0)) {
    throw new UsageError(`--shape must be four positive integers N,C,H,W, e.g. 1,3,224,224; got "${text}"`);
  }
  return parts.map(Number);
}

function withoutInputSize(args: ParsedArgs): ParsedArgs {
  const flags = new Map(args.flags);
  flags.delete('input');
  return { positional: args.positional, flags };
}

export async function runPredict(argv: string[]): Promise<void> {
  const args = parseArgs(argv, FLAGS);
  if (args.positional.length > 1) throw new UsageError(`predict takes one preset, got ${args.positional.join(', ')}`);
  const weightsPath = flagString(args, 'weights');
  if (!weightsPath) {
    throw new UsageError('predict needs --weights FILE (.safetensors or .pth): random weights are not a prediction');
  }
  const image = flagString(args, 'image');
  const input = flagString(args, 'input');
  const out = flagString(args, 'out');
  const shapeText = flagString(args, 'shape');
  if (image && input) throw new UsageError('give either --image FILE or --input FILE.bin, not both');
  if (!image && !input) throw new UsageError('give --image FILE.png|.jpg, or --input FILE.bin --shape N,C,H,W --out FILE.bin');
  if (input && !shapeText) throw new UsageError('--input needs --shape N,C,H,W (the raw file holds float32 NCHW values)');
  if (input && !out) throw new UsageError('--input needs --out FILE.bin for the logits');
  const backendName = flagString(args, 'backend') ?? 'wasm';
  if (backendName !== 'cpu' && backendName !== 'wasm') throw new UsageError(`--backend must be cpu or wasm, got "${backendName}"`);
  const topkText = flagString(args, 'topk') ?? '5';
  if (!/^\d+$/.test(topkText) || Number(topkText) < 1) throw new UsageError(`--topk must be a positive integer, got "${topkText}"`);

  const pre = preprocessFromArgs(args, DEFAULT_PREPROCESS);
  if (input && pre.overrides.length > 0) throw new UsageError(`--input is a preprocessed tensor already: --${pre.overrides[0]} applies to --image only`);
  const inputs = [['--weights', weightsPath], ['--image', image], ['--input', input]] as const;
  if (out) checkOutput(out, inputs);

  // Input first: a bad input file should not cost a weights load.
  let x: Float32Array;
  let shape: number[];
  let rgb: LoadedImage | null = null;
  let preprocess: PreprocessConfig | null = null;
  if (input) {
    shape = parseShape(shapeText!);
    const need = shape.reduce((a, b) => a * b, 1);
    // The size says whether the file fits --shape before a byte of it is read.
    x = decodeF32LE(readFile(input, 'input', (size) => {
      if (size % 4 !== 0) throw new UsageError(`the input has ${size} bytes, not a whole number of float32 values`);
      if (size / 4 !== need) throw new UsageError(`${input} holds ${size / 4} float32 values; --shape ${shape.join(',')} needs ${need}`);
    }));
    checkInput(x, input);
  } else {
    rgb = readImage(image!, pre.orientation);
    preprocess = pre.config;
    x = aboutImage(image!, () => preprocessImage(rgb!, preprocess!)).tensor;
    shape = [1, 3, preprocess.inputSize, preprocess.inputSize];
  }

  const weightBytes = readFile(weightsPath, 'weights');
  const explicit = args.positional.length === 1 || CONFIG_FLAGS.some((f) => f !== 'input' && args.flags.has(f));
  const networkOf = (shapes: StateDictShapes): LayerGraph => {
    const config: NetworkConfig = explicit
      ? configFromArgs(withoutInputSize(args), args.positional[0])
      : pre.entry
        ? pretrainedConfig(pre.entry)
        : inferConfig(shapes);
    return buildLayerGraph({ ...config, input: [shape[1], shape[2], shape[3]] });
  };
  // The strict check runs on the shapes, before any tensor is decoded: a file for another network costs no decoding.
  const { stateDict } = loadWeightsFile(weightBytes, basename(weightsPath), {
    expect: (shapes) => void checkStateDict(networkOf(shapes), shapes),
  });
  const graph = networkOf(stateDict);
  checkStateDict(graph, stateDict);
  checkMemory(memoryNeed(graph, weightBytes.byteLength), backendCapacity(backendName));
  const meta = weightsMeta(graph.config, { pretrained: pre.entry?.tag });
  const guard = new FiniteGuard(graph, stateDict);

  await useBackend(backendName);
  const net = buildNetwork(graph, stateDict);
  try {
    const t0 = performance.now();
    const y = await runGuarded(net, guard, x, shape);
    const ms = performance.now() - t0;
    if (out) writeOutputFile(out, encodeF32LE(y.data), 'the logits', inputs);
    const lines: string[] = [];
    if (rgb && preprocess) {
      const k = Number(topkText);
      const how = pre.entry ? `${pre.entry.tag}'s preprocessing` : pre.given ? 'preprocessing from the flags' : "timm's default preprocessing (give --pretrained TAG for a catalogued checkpoint's own)";
      lines.push(`${imageLabel(image!, rgb)} on ${backendName}, ${ms.toFixed(0)} ms; ${how}: ${describePreprocess(preprocess)}`);
      if (meta.classesAssumed) lines.push('  (1000 outputs: ImageNet-1k class names assumed)');
      const names = meta.classes ? classNames(meta.classes) : null;
      for (const t of topK(y.data, k, names)) lines.push(`  ${(t.prob * 100).toFixed(2).padStart(6)}%  ${String(t.index).padStart(4)}  ${t.label}`);
    }
    if (out) lines.push(`wrote logits [${y.shape.join(', ')}] float32 to ${out} (${backendName}, ${ms.toFixed(0)} ms)`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    net.dispose();
  }
}
