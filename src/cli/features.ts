/**
 * `features`: the output of one layer for an input, as PyTorch's forward hook on that module returns it.
 *   features <preset | architecture flags> --weights FILE (--input FILE.bin --shape N,C,H,W | --image FILE)
 *            --layer NAME --out FILE.bin [--backend cpu|wasm] [--pretrained TAG | preprocessing flags]
 * Written as little-endian float32 in PyTorch's layout (NCHW for maps). Names: `src/model/explain.ts`
 * (a module path, a block `layer1.1`, a stage `layer4`, one call of torchvision's shared ReLU
 * `layer1.0.relu:2`). Without a preset or flags the architecture is the catalogue entry's, else inferred
 * from the weights, and --image is preprocessed, as in `predict`. Also the shared part of `cam`:
 * reading the input, the weights and the network.
 */
import { basename } from 'node:path';
import type { NetworkConfig } from '../model/config.ts';
import { resolveTap, TapError } from '../model/explain.ts';
import { buildLayerGraph, type LayerGraph } from '../model/graph.ts';
import { backendCapacity, checkMemory, memoryNeed } from '../model/memory.ts';
import { DEFAULT_PREPROCESS, preprocessImage } from '../model/preprocess.ts';
import { pretrainedConfig } from '../model/pretrained.ts';
import { useBackend } from '../model/tfjs/backends.ts';
import { buildNetwork, type TfjsNetwork } from '../model/tfjs/network.ts';
import { layerOutputs } from '../model/tfjs/taps.ts';
import type { StateDict } from '../model/weights/common.ts';
import { checkStateDict, inferConfig, loadWeightsFile, type StateDictShapes } from '../model/weights/index.ts';
import { weightsMeta } from '../model/engine/engine.ts';
import { FiniteGuard, checkInput, runGuarded } from '../model/engine/finite.ts';
import type { WeightsMeta } from '../model/engine/protocol.ts';
import { CONFIG_FLAGS, UsageError, configFromArgs, flagString, parseArgs, type ParsedArgs } from './args.ts';
import { decodeF32LE, encodeF32LE } from './f32.ts';
import { aboutImage, checkOutput, imageLabel, readFile, readImage, writeOutputFile, type Inputs } from './files.ts';
import { PREPROCESS_FLAGS, preprocessFromArgs } from './preprocess.ts';

export const INPUT_FLAGS = [...PREPROCESS_FLAGS, 'weights', 'shape', 'out', 'image', 'backend'] as const;

/** Writes a result to --out, never onto one of the command's inputs. */
export function writeOutput(loaded: Loaded, values: Float32Array, what: string): void {
  writeOutputFile(loaded.out, encodeF32LE(values), what, loaded.inputs);
}

export interface Loaded {
  graph: LayerGraph;
  sd: StateDict;
  guard: FiniteGuard;
  meta: WeightsMeta;
  x: Float32Array;
  shape: number[];
  /** What the input was, for the report line: `photo.jpg (640x480)` or `x.bin`. */
  inputName: string;
  backend: 'cpu' | 'wasm';
  out: string;
  /** The files read, by flag: --out must be none of them. */
  inputs: Inputs;
}

function parseShape(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p) || Number(p) <= 0)) {
    throw new UsageError(`--shape must be four positive integers N,C,H,W, e.g. 1,3,224,224; got "${text.slice(0, 40)}"`);
  }
  return parts.map(Number);
}

/**
 * The checked flags, input, weights and layer graph of `features` / `cam`, read exactly as `predict`
 * reads them (the same preprocessing of --image: a catalogue entry's with --pretrained TAG, the flags',
 * else timm's default; the same strict check, memory check and finite guard); every user error is
 * thrown before the backend starts. The config's input size is the input's.
 */
export function loadForExplain(command: string, args: ParsedArgs): Loaded {
  if (args.positional.length > 1) throw new UsageError(`${command} takes one preset, got ${args.positional.join(', ')}`);
  const weightsPath = flagString(args, 'weights');
  if (!weightsPath) throw new UsageError(`${command} needs --weights FILE (.safetensors or .pth)`);
  const image = flagString(args, 'image');
  const input = flagString(args, 'input');
  const out = flagString(args, 'out');
  const shapeText = flagString(args, 'shape');
  if (image && input) throw new UsageError('give either --image FILE or --input FILE.bin --shape N,C,H,W, not both');
  if (!image && !input) throw new UsageError('give --image FILE.png|.jpg, or --input FILE.bin --shape N,C,H,W');
  if (input && !shapeText) throw new UsageError('--input needs --shape N,C,H,W (the raw file holds float32 NCHW values)');
  if (!out) throw new UsageError(`${command} needs --out FILE.bin for the float32 result`);
  const backend = flagString(args, 'backend') ?? 'wasm';
  if (backend !== 'cpu' && backend !== 'wasm') throw new UsageError(`--backend must be cpu or wasm, got "${backend.slice(0, 40)}"`);
  const pre = preprocessFromArgs(args, DEFAULT_PREPROCESS);
  if (input && pre.overrides.length > 0) throw new UsageError(`--input is a preprocessed tensor already: --${pre.overrides[0]} applies to --image only`);
  const inputs = [['--weights', weightsPath], ['--image', image], ['--input', input]] as const;
  checkOutput(out, inputs);

  let x: Float32Array;
  let shape: number[];
  let inputName: string;
  if (input) {
    shape = parseShape(shapeText!);
    const need = shape.reduce((a, b) => a * b, 1);
    x = decodeF32LE(readFile(input, 'input', (size) => {
      if (size % 4 !== 0) throw new UsageError(`the input has ${size} bytes, not a whole number of float32 values`);
      if (size / 4 !== need) throw new UsageError(`${input} holds ${size / 4} float32 values; --shape ${shape.join(',')} needs ${need}`);
    }));
    checkInput(x, input);
    inputName = input;
  } else {
    const rgb = readImage(image!, pre.orientation);
    x = aboutImage(image!, () => preprocessImage(rgb, pre.config)).tensor;
    shape = [1, 3, pre.config.inputSize, pre.config.inputSize];
    inputName = imageLabel(image!, rgb);
  }

  const weightBytes = readFile(weightsPath, 'weights');
  const explicit = args.positional.length === 1 || CONFIG_FLAGS.some((f) => f !== 'input' && args.flags.has(f));
  const networkOf = (shapes: StateDictShapes): LayerGraph => {
    let config: NetworkConfig;
    if (explicit) {
      const flags = new Map(args.flags);
      flags.delete('input');
      config = configFromArgs({ positional: args.positional, flags }, args.positional[0]);
    } else {
      config = pre.entry ? pretrainedConfig(pre.entry) : inferConfig(shapes);
    }
    if (shape[1] !== config.input[0]) throw new UsageError(`the input has ${shape[1]} channels; the network takes ${config.input[0]}`);
    return buildLayerGraph({ ...config, input: [shape[1], shape[2], shape[3]] });
  };
  const { stateDict } = loadWeightsFile(weightBytes, basename(weightsPath), { expect: (shapes) => void checkStateDict(networkOf(shapes), shapes) });
  const graph = networkOf(stateDict);
  checkStateDict(graph, stateDict);
  checkMemory(memoryNeed(graph, weightBytes.byteLength), backendCapacity(backend));
  const meta = weightsMeta(graph.config, { pretrained: pre.entry?.tag });
  return { graph, sd: stateDict, guard: new FiniteGuard(graph, stateDict), meta, x, shape, inputName, backend, out, inputs };
}

/**
 * Starts the backend, builds the network (BN folded, as `predict` runs it) and runs it once under the
 * finite guard: weights or an input that make it compute NaN or Inf get an error, never an output.
 */
export async function startNetwork(loaded: Loaded): Promise<TfjsNetwork> {
  await useBackend(loaded.backend);
  const net = buildNetwork(loaded.graph, loaded.sd);
  try {
    await runGuarded(net, loaded.guard, loaded.x, loaded.shape);
    return net;
  } catch (e) {
    net.dispose();
    throw e;
  }
}

/** A TapError is the user's: one line, status 2. */
export function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TapError) throw new UsageError(e.message);
    throw e;
  }
}

export async function runFeatures(argv: string[]): Promise<void> {
  const args = parseArgs(argv, [...CONFIG_FLAGS, ...INPUT_FLAGS, 'layer']);
  const layer = flagString(args, 'layer');
  if (!layer) throw new UsageError('features needs --layer NAME: a module (layer1.0.conv2), a block (layer1.1) or a stage (layer4)');
  const loaded = loadForExplain('features', args);
  const target = asUsage(() => resolveTap(loaded.graph, layer));
  const net = await startNetwork(loaded);
  try {
    const t0 = performance.now();
    const [value] = await layerOutputs(net, loaded.sd, loaded.x, loaded.shape, [target.name]);
    const ms = performance.now() - t0;
    writeOutput(loaded, value.data, `the output of ${target.name}`);
    const layout = value.shape.length === 4 ? ' (NCHW)' : '';
    process.stdout.write(`wrote ${target.name} [${value.shape.join(', ')}] float32${layout} of ${loaded.inputName} to ${loaded.out} (${target.description}; ${loaded.backend}, ${ms.toFixed(0)} ms)\n`);
  } finally {
    net.dispose();
  }
}
