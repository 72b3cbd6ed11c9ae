/**
 * `predict`: run a network with real weights in Node (tfjs cpu or wasm backend).
 *   predict <preset | architecture flags> --weights FILE --input FILE.bin --shape N,3,H,W --out FILE.bin
 *   predict <preset | architecture flags> --weights FILE --image FILE.png|.jpg [--out FILE.bin]
 * Raw tensors are little-endian float32: the input NCHW, the output logits [N, classes].
 * Without a preset or flags, the architecture is inferred from the weights.
 */
import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { NetworkConfig } from '../model/config.ts';
import { buildLayerGraph, type LayerGraph } from '../model/graph.ts';
import { IMAGENET_PREPROCESS, checkImageSize, preprocessImage, sniffImage, type RgbaImage } from '../model/preprocess.ts';
import { useBackend } from '../model/tfjs/backends.ts';
import { buildNetwork } from '../model/tfjs/network.ts';
import { checkStateDict, inferConfig, loadWeightsFile, type StateDictShapes } from '../model/weights/index.ts';
import { topK } from '../model/engine/engine.ts';
import { FiniteGuard, checkInput, runGuarded } from '../model/engine/finite.ts';
import { CONFIG_FLAGS, UsageError, configFromArgs, flagString, parseArgs, type ParsedArgs } from './args.ts';

const FLAGS = [...CONFIG_FLAGS, 'weights', 'shape', 'out', 'image', 'backend', 'topk'] as const;

/** An encoded image larger than this is no photo (the decoders stop at 50 megapixels anyway). */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/** The most a file read whole can be: Node's largest buffer for one read (2 GiB). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

/**
 * Reads a regular file whole, its size known before a byte is read: a device (/dev/zero), pipe or
 * socket is refused instead of read without end, and so is a file past `maxBytes`, or (with `check`)
 * one whose size is wrong; `check` gets the size and throws its own UsageError.
 */
function readFile(path: string, what: string, check?: (size: number) => void, maxBytes = MAX_FILE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`cannot read ${what} ${path}: it is a folder`);
    if (!st.isFile()) throw new UsageError(`cannot read ${what} ${path}: it is not a regular file (a device, pipe or socket has no size to check); give a file`);
    if (st.size > maxBytes) throw new UsageError(`cannot read ${what} ${path}: it is ${st.size} bytes, more than the ${maxBytes} this reads`);
    check?.(st.size);
    const out = Buffer.allocUnsafe(st.size);
    let at = 0;
    while (at < st.size) {
      const n = readSync(fd, out, at, st.size - at, at);
      if (n === 0) throw new UsageError(`cannot read ${what} ${path}: it shrank from ${st.size} to ${at} bytes while being read`);
      at += n;
    }
    return out;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

function writeFile(path: string, bytes: Uint8Array, what: string): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
    throw new UsageError(`cannot write ${what} to ${path}: ${why}`);
  }
}

/** Little-endian float32 bytes to numbers, on any host. */
export function decodeF32LE(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new UsageError(`the input has ${bytes.byteLength} bytes, not a whole number of float32 values`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

export function encodeF32LE(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return out;
}

function parseShape(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p) || Number(p) <= 0)) {
    throw new UsageError(`--shape must be four positive integers N,C,H,W, e.g. 1,3,224,224; got "${text}"`);
  }
  return parts.map(Number);
}

export function decodeImageFile(bytes: Uint8Array, name: string): RgbaImage {
  let info;
  try {
    info = sniffImage(bytes);
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
  checkImageSize(info.width, info.height);
  try {
    if (info.kind === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    if (info.kind === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 50, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new UsageError(`${name}: the ${info.kind.toUpperCase()} file is damaged (${(e as Error).message})`);
  }
  throw new UsageError(`${name}: ${info.kind.toUpperCase()} images are not supported by the CLI; use PNG or JPEG`);
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

  // Input first: a bad input file should not cost a weights load.
  let x: Float32Array;
  let shape: number[];
  let rgba: RgbaImage | null = null;
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
    rgba = decodeImageFile(readFile(image!, 'image', undefined, MAX_IMAGE_BYTES), image!);
    const pre = preprocessImage(rgba, IMAGENET_PREPROCESS);
    x = pre.tensor;
    shape = [1, 3, IMAGENET_PREPROCESS.crop, IMAGENET_PREPROCESS.crop];
  }

  const explicit = args.positional.length === 1 || CONFIG_FLAGS.some((f) => f !== 'input' && args.flags.has(f));
  const networkOf = (shapes: StateDictShapes): LayerGraph => {
    const config: NetworkConfig = explicit ? configFromArgs(withoutInputSize(args), args.positional[0]) : inferConfig(shapes);
    return buildLayerGraph({ ...config, input: [shape[1], shape[2], shape[3]] });
  };
  // The strict check runs on the shapes, before any tensor is decoded: a file for another network costs no decoding.
  const { stateDict } = loadWeightsFile(readFile(weightsPath, 'weights'), basename(weightsPath), {
    expect: (shapes) => void checkStateDict(networkOf(shapes), shapes),
  });
  const graph = networkOf(stateDict);
  checkStateDict(graph, stateDict);
  const guard = new FiniteGuard(graph, stateDict);

  await useBackend(backendName);
  const net = buildNetwork(graph, stateDict);
  try {
    const t0 = performance.now();
    const y = await runGuarded(net, guard, x, shape);
    const ms = performance.now() - t0;
    if (out) writeFile(out, encodeF32LE(y.data), 'the logits');
    const lines: string[] = [];
    if (rgba) {
      const k = Number(topkText);
      lines.push(`${image} (${rgba.width}x${rgba.height}) on ${backendName}, ${ms.toFixed(0)} ms:`);
      for (const t of topK(y.data, k)) lines.push(`  ${(t.prob * 100).toFixed(2).padStart(6)}%  ${String(t.index).padStart(4)}  ${t.label}`);
    }
    if (out) lines.push(`wrote logits [${y.shape.join(', ')}] float32 to ${out} (${backendName}, ${ms.toFixed(0)} ms)`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    net.dispose();
  }
}
