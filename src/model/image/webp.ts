/**
 * WebP to RGB as Pillow 9.4 reads it (`Image.open(path).convert("RGB")`), for the CLI (Node only: the
 * app decodes through the browser). The pixels come from libwebp itself (1.1.0), compiled to WebAssembly
 * by the @jsquash/webp package (its RGBA decode, with libwebp's defaults: fancy upsampling of lossy
 * chroma, no dithering), the library Pillow calls (1.2.4 in Debian's build), so lossless, lossy and
 * lossy-with-alpha files give Pillow's bytes (only a damaged lossy bitstream that libwebp decodes anyway
 * may differ between the versions); the .wasm is read from the installed package and instantiated
 * synchronously, never fetched.
 *
 * Pillow reads every WebP through libwebp's demuxer and animation decoder: the file is checked whole
 * (see `demux`), then the first frame's chunks (ALPH where the VP8X flags say alpha, VP8 / VP8L) are
 * decoded; for an animation onto a canvas cleared to transparent black, at the frame's offset, without
 * blending. So here too: the checks, then that frame's chunks cut out as a still image, decoded, and
 * placed. The RGB of transparent pixels is kept (convert("RGB") drops the alpha).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import webpModule, { type WebPModule } from '@jsquash/webp/codec/dec/webp_dec.js';
import { ImageError, toRgb, type RgbImage } from './rgb.ts';
import { checkImageSize } from './sniff.ts';

let codec: WebPModule | null = null;

/** libwebp's decoder, instantiated once, synchronously, from the package's own .wasm file. */
function libwebp(): WebPModule {
  if (codec) return codec;
  const path = createRequire(import.meta.url).resolve('@jsquash/webp/codec/dec/webp_dec.wasm');
  const wasm = new WebAssembly.Module(readFileSync(path));
  const options = {
    noInitialRun: true,
    instantiateWasm: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void): WebAssembly.Exports => {
      const instance = new WebAssembly.Instance(wasm, imports);
      done(instance);
      return instance.exports;
    },
  };
  // The factory fills `options` in as the module; with a synchronous instantiation it is ready on return.
  void webpModule(options as Parameters<typeof webpModule>[0]).catch(() => undefined);
  const ready = options as unknown as Partial<WebPModule>;
  if (typeof ready.decode !== 'function') throw new ImageError('the WebP decoder (libwebp, @jsquash/webp) did not start');
  codec = ready as WebPModule;
  return codec;
}

function fail(what: string): never {
  throw new ImageError(`the WebP file ${what}`);
}

interface Chunk {
  type: string;
  /** Where its header starts. */
  at: number;
  /** The chunk from its header to its padded end. */
  bytes: Uint8Array;
  data: Uint8Array;
  /** Where the next chunk starts. */
  next: number;
}

/** One image of the file: its offset on the canvas, its ALPH and VP8 / VP8L chunks, its bitstream's size. */
interface Frame {
  x: number;
  y: number;
  alph: Chunk | null;
  image: Chunk | null;
  width: number;
  height: number;
}

const u24 = (d: Uint8Array, i: number): number => d[i] | (d[i + 1] << 8) | (d[i + 2] << 16);
const u32 = (d: Uint8Array, i: number): number => (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> 0;
const fourcc = (d: Uint8Array, i: number): string => String.fromCharCode(d[i], d[i + 1], d[i + 2], d[i + 3]);

/** The chunk at `at`, whole (padding included) before `end`, or a one-line refusal. */
function chunkAt(b: Uint8Array, at: number, end: number): Chunk {
  if (end - at < 8) fail(`is truncated: ${end - at} stray bytes where a chunk should start`);
  const type = fourcc(b, at);
  const size = u32(b, at + 4);
  const next = at + 8 + size + (size & 1);
  if (next > end) fail(`is truncated: its ${type.trim() || 'unnamed'} chunk needs ${size} bytes, ${Math.max(0, end - at - 8)} are left`);
  return { type, at, bytes: b.subarray(at, next), data: b.subarray(at + 8, at + 8 + size), next };
}

/** The size a VP8 / VP8L bitstream states, checked as libwebp's WebPGetFeatures checks it. */
function bitstreamSize(c: Chunk): [number, number] {
  const d = c.data;
  if (c.type === 'VP8 ') {
    const bits = d.length >= 10 ? d[0] | (d[1] << 8) | (d[2] << 16) : 0;
    const ok = d.length >= 10 && !(bits & 1) && ((bits >> 1) & 7) <= 3 && (bits >> 4) & 1 && bits >> 5 < d.length &&
      d[3] === 0x9d && d[4] === 0x01 && d[5] === 0x2a;
    const size: [number, number] = [(d[6] | (d[7] << 8)) & 0x3fff, (d[8] | (d[9] << 8)) & 0x3fff];
    if (!ok || !size[0] || !size[1]) fail('is damaged: its VP8 frame header is not that of a key frame libwebp reads');
    return size;
  }
  if (d.length < 5 || d[0] !== 0x2f || d[4] >> 5 !== 0) fail('is damaged: its VP8L header is not one libwebp reads');
  const bits = u32(d, 1);
  return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
}

/**
 * An image's chunks from `at` as libwebp's demuxer stores a frame: one ALPH, then one VP8 / VP8L;
 * it stops at any other chunk (or a second of these), which the file's chunk walk then reads.
 */
function storeFrame(b: Uint8Array, at: number, end: number, frame: Frame): number {
  while (at < end) {
    const c = chunkAt(b, at, end);
    if (c.type === 'ALPH' && !frame.alph) frame.alph = c;
    else if ((c.type === 'VP8 ' || c.type === 'VP8L') && !frame.image) {
      frame.image = c;
      [frame.width, frame.height] = bitstreamSize(c);
    } else break;
    at = c.next;
  }
  return at;
}

/**
 * The file walked and checked as libwebp's demuxer (WebPDemux, through which Pillow opens every WebP)
 * checks it: the whole RIFF there, every chunk whole, a VP8X file's flags, ANIM before the frames,
 * each frame's bitstream header, a still image exactly the canvas and each frame inside it. What the
 * demuxer refuses, Pillow refuses, and so is it refused here, in one line.
 */
function demux(b: Uint8Array): { width: number; height: number; animated: boolean; first: Frame } {
  if (b.length < 20) fail('is truncated inside its header');
  const riffSize = u32(b, 4);
  const end = 8 + riffSize;
  if (riffSize < 8 || end > b.length) fail(`is truncated: its RIFF header says ${end} bytes, the file has ${b.length}`);
  const newFrame = (): Frame => ({ x: 0, y: 0, alph: null, image: null, width: 0, height: 0 });
  const first = fourcc(b, 12);
  if (first === 'VP8 ' || first === 'VP8L') {
    const frame = newFrame();
    const at = storeFrame(b, 12, end, frame);
    if (at < end) chunkAt(b, at, end);
    return { width: frame.width, height: frame.height, animated: false, first: frame };
  }
  if (first !== 'VP8X') fail(`starts with a ${first.trim() || 'nameless'} chunk (VP8, VP8L or VP8X expected)`);
  const vp8x = chunkAt(b, 12, end);
  if (vp8x.data.length < 10) fail('is damaged: its VP8X chunk is too short');
  const flags = vp8x.data[0];
  if (flags & ~0x3e) fail('is damaged: its VP8X chunk sets flags WebP does not define');
  const animated = (flags & 0x02) !== 0;
  const width = 1 + u24(vp8x.data, 4);
  const height = 1 + u24(vp8x.data, 7);
  const frames: Frame[] = [];
  let anim = false;
  for (let at = vp8x.next; at < end;) {
    const c = chunkAt(b, at, end);
    if (c.type === 'VP8X') fail('is damaged: it has a second VP8X chunk');
    if (c.type === 'ALPH' || c.type === 'VP8 ' || c.type === 'VP8L') {
      if (frames.length || anim || animated) fail('is damaged: it has an image outside its animation frames');
      const frame = newFrame();
      at = storeFrame(b, at, end, frame);
      if (!(flags & 0x10)) frame.alph = null;
      frames.push(frame);
      continue;
    }
    if (c.type === 'ANIM') {
      if (c.data.length < 6) fail('is damaged: its ANIM chunk is too short');
      anim = true;
    } else if (c.type === 'ANMF') {
      if (!anim) fail('is damaged: an animation frame comes before its ANIM chunk');
      if (c.bytes.length - 8 < 16) fail('is damaged: an animation frame header is too short');
      const d = c.data;
      const frame: Frame = { ...newFrame(), x: 2 * u24(d, 0), y: 2 * u24(d, 3), width: 1 + u24(d, 6), height: 1 + u24(d, 9) };
      const from = at + 24;
      at = storeFrame(b, from, end, frame);
      if (at - from > c.bytes.length - 24) fail('is damaged: an animation frame runs past its chunk');
      if (animated && (frame.alph || frame.image)) frames.push(frame);
      continue;
    }
    at = c.next;
  }
  if (!frames.length) fail('has no image in it');
  for (const f of frames) {
    if (f.alph && (!f.image || f.alph.at > f.image.at)) fail('is damaged: an alpha chunk follows its image');
    const inside = animated
      ? f.x + f.width <= width && f.y + f.height <= height
      : f.x === 0 && f.y === 0 && f.width === width && f.height === height;
    if (!inside) fail(`has an image of ${f.width}x${f.height} at (${f.x}, ${f.y}) that does not ${animated ? 'fit' : 'fill'} its ${width}x${height} canvas`);
  }
  return { width, height, animated, first: frames[0] };
}

function riff(parts: Uint8Array[]): Uint8Array {
  const size = 4 + parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(8 + size);
  out.set([0x52, 0x49, 0x46, 0x46, size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, size >>> 24, 0x57, 0x45, 0x42, 0x50]);
  let at = 12;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decodeStill(bytes: Uint8Array): { width: number; height: number; data: Uint8ClampedArray } {
  const img = libwebp().decode(bytes as Uint8Array<ArrayBuffer>);
  if (!img) fail('is damaged or uses a feature libwebp does not read');
  return img;
}

export function decodeWebp(b: Uint8Array): RgbImage {
  const { width, height, animated, first } = demux(b);
  checkImageSize(width, height);
  // The image as the demuxer hands it to the decoder: its ALPH (where the VP8X flags say alpha) and bitstream.
  const { x: x0, y: y0, alph, image } = first;
  if (!image) fail('has a first frame without an image');
  let still: Uint8Array;
  if (alph && image.type === 'VP8 ') {
    const w = first.width - 1;
    const h = first.height - 1;
    const vp8x = new Uint8Array([0x56, 0x50, 0x38, 0x58, 10, 0, 0, 0, 0x10, 0, 0, 0, w & 0xff, (w >> 8) & 0xff, w >> 16, h & 0xff, (h >> 8) & 0xff, h >> 16]);
    still = riff([vp8x, alph.bytes, image.bytes]);
  } else {
    still = riff([image.bytes]);
  }
  const f = decodeStill(still);
  if (!animated) return toRgb(f);
  const canvas = new Uint8Array(width * height * 3);
  for (let y = 0; y < f.height; y++) {
    for (let x = 0; x < f.width; x++) {
      const o = ((y0 + y) * width + x0 + x) * 3;
      const i = (y * f.width + x) * 4;
      canvas[o] = f.data[i];
      canvas[o + 1] = f.data[i + 1];
      canvas[o + 2] = f.data[i + 2];
    }
  }
  return { width, height, data: canvas };
}
