/**
 * What `predict`, `features` and `cam` share: their input and weights flags, the input (a raw float32
 * NCHW file, or an image preprocessed as `--pretrained TAG`, the preprocessing flags or timm's default
 * say), and the network, loaded by the engine the app runs (`Engine.loadWeights`: the preset or
 * architecture flags, else the catalogue entry's network, else the one the weights' shapes describe;
 * the strict check, the memory check and the finite guard), built for the input's size. Every error in
 * the flags or the input comes before a byte of weights is read.
 */
import { basename } from 'node:path';
import type { NetworkConfig } from '../model/config.ts';
import { Engine } from '../model/engine/engine.ts';
import { checkInput } from '../model/engine/finite.ts';
import type { LoadedWeights } from '../model/engine/protocol.ts';
import { TapError } from '../model/explain.ts';
import { DEFAULT_PREPROCESS, preprocessImage, type PreprocessConfig } from '../model/preprocess.ts';
import type { PretrainedEntry } from '../model/pretrained.ts';
import { CONFIG_FLAGS, UsageError, completionFromArgs, configFromArgs, flagString, type ParsedArgs } from './args.ts';
import { decodeF32LE, encodeF32LE } from './f32.ts';
import { aboutImage, checkOutput, imageLabel, readFile, readImage, writeOutputFile, type Inputs } from './files.ts';
import { preprocessFromArgs } from './preprocess.ts';

/** A command's checked request: its input, and the weights and network to run it through. */
interface NetworkRun {
  x: Float32Array;
  shape: [number, number, number, number];
  /** What the input was, for the report line: `photo.jpg (640x480)` (and what was done with its EXIF orientation) or `x.bin`. */
  inputName: string;
  /** The files read, by flag: --out must be none of them. */
  inputs: Inputs;
  /** How an image input was preprocessed (null for a raw tensor), and whether the flags said so. */
  image: { preprocess: PreprocessConfig; given: boolean } | null;
  weightsPath: string;
  /** The network the preset or architecture flags describe, if they do. */
  config: NetworkConfig | undefined;
  /** Without a preset or --depths: the architecture flags, which complete the network inferred from the weights (`--aa blur`). */
  complete: Partial<NetworkConfig> | undefined;
  /** `--pretrained TAG`'s entry: its network when no preset is named, its preprocessing, its class names. */
  entry: PretrainedEntry | null;
  backend: 'cpu' | 'wasm';
  out: string | undefined;
}

function parseShape(text: string): [number, number, number, number] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p) || Number(p) <= 0)) {
    throw new UsageError(`--shape must be four positive integers N,C,H,W, e.g. 1,3,224,224; got "${text.slice(0, 40)}"`);
  }
  return parts.map(Number) as [number, number, number, number];
}

/**
 * Reads and checks the flags and the input of a command that runs the network: one preset at most,
 * `--weights` (`weightsNote` says why it is needed), `--image` or `--input` with `--shape`, `--out`
 * (always needed, or with `--input` only), `--backend cpu|wasm`, the preprocessing flags (an image's).
 */
export function readNetworkRun(command: string, args: ParsedArgs, opts: { weightsNote: string; out: 'always' | 'with-input' }): NetworkRun {
  if (args.positional.length > 1) throw new UsageError(`${command} takes one preset, got ${args.positional.join(', ')}`);
  const weightsPath = flagString(args, 'weights');
  if (!weightsPath) throw new UsageError(`${command} needs --weights FILE (.safetensors or .pth)${opts.weightsNote}`);
  const image = flagString(args, 'image');
  const input = flagString(args, 'input');
  const out = flagString(args, 'out');
  const shapeText = flagString(args, 'shape');
  if (image && input) throw new UsageError('give either --image FILE or --input FILE.bin --shape N,C,H,W, not both');
  if (!image && !input) throw new UsageError(`give --image FILE.png|.jpg, or --input FILE.bin --shape N,C,H,W${opts.out === 'with-input' ? ' --out FILE.bin' : ''}`);
  if (input && !shapeText) throw new UsageError('--input needs --shape N,C,H,W (the raw file holds float32 NCHW values)');
  if (opts.out === 'always' && !out) throw new UsageError(`${command} needs --out FILE.bin for the float32 result`);
  if (input && !out) throw new UsageError('--input needs --out FILE.bin for the logits');
  const backend = flagString(args, 'backend') ?? 'wasm';
  if (backend !== 'cpu' && backend !== 'wasm') throw new UsageError(`--backend must be cpu or wasm, got "${backend.slice(0, 40)}"`);
  const pre = preprocessFromArgs(args, DEFAULT_PREPROCESS);
  if (input && pre.overrides.length > 0) throw new UsageError(`--input is a preprocessed tensor already: --${pre.overrides[0]} applies to --image only`);
  const inputs = [['--weights', weightsPath], ['--image', image], ['--input', input]] as const;
  if (out) checkOutput(out, inputs);

  let x: Float32Array;
  let shape: [number, number, number, number];
  let inputName: string;
  if (input) {
    const s = parseShape(shapeText!);
    const need = s.reduce((a, b) => a * b, 1);
    // The size says whether the file fits --shape before a byte of it is read.
    x = decodeF32LE(readFile(input, 'input', (size) => {
      if (size % 4 !== 0) throw new UsageError(`the input has ${size} bytes, not a whole number of float32 values`);
      if (size / 4 !== need) throw new UsageError(`${input} holds ${size / 4} float32 values; --shape ${s.join(',')} needs ${need}`);
    }));
    checkInput(x, input);
    shape = s;
    inputName = input;
  } else {
    const rgb = readImage(image!, pre.orientation);
    x = aboutImage(image!, () => preprocessImage(rgb, pre.config)).tensor;
    shape = [1, 3, pre.config.inputSize, pre.config.inputSize];
    inputName = imageLabel(image!, rgb);
  }
  // --input is also the architecture flag of an input size: here it is the file, and the size is the file's.
  const explicit = args.positional.length === 1 || CONFIG_FLAGS.some((f) => f !== 'input' && args.flags.has(f));
  const flags = new Map(args.flags);
  flags.delete('input');
  // Flags without a preset or --depths name what the file cannot tell (anti-aliasing): they complete the inferred network.
  const completing = explicit && args.positional.length === 0 && !flags.has('depths');
  const config = explicit && !completing ? configFromArgs({ positional: args.positional, flags }, args.positional[0]) : undefined;
  const complete = completing ? completionFromArgs({ positional: [], flags }) : undefined;
  return {
    x, shape, inputName, inputs, image: image ? { preprocess: pre.config, given: pre.given } : null,
    weightsPath, config, complete, entry: pre.entry, backend, out,
  };
}

/** An engine on the run's backend with its weights loaded, the network built for the run's input size. */
export async function loadNetwork(run: NetworkRun): Promise<{ engine: Engine; weights: LoadedWeights }> {
  const bytes = readFile(run.weightsPath, 'weights');
  const engine = new Engine({ order: [run.backend] });
  await engine.setBackend(run.backend);
  const [, c, h, w] = run.shape;
  const weights = await engine.loadWeights(
    { bytes, name: basename(run.weightsPath), source: run.weightsPath },
    { config: run.config, complete: run.complete, pretrained: run.entry ?? undefined, input: [c, h, w] },
  );
  // What the file could not tell (anti-aliasing), beside the results: stdout stays the results alone.
  if (weights.notice) process.stderr.write(`note: ${weights.notice.text}\n`);
  return { engine, weights };
}

/** Writes float32 values little-endian to --out, never onto one of the run's inputs. */
export function writeOutput(run: NetworkRun, values: Float32Array, what: string): void {
  writeOutputFile(run.out!, encodeF32LE(values), what, run.inputs);
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
