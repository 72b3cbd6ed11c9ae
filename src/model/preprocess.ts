/**
 * ImageNet evaluation preprocessing, as torchvision's `ImageClassification` preset does it on a PIL
 * image, in pure TypeScript on RGBA pixels: resize the shorter side to 256 with PIL's antialiased
 * bilinear resampling (triangle filter widened by the downscale factor, 8-bit fixed-point
 * coefficients, horizontal pass then vertical pass, each rounded to uint8 as PIL does), center crop
 * 224 (offsets rounded half-to-even like Python's `round`), scale to [0, 1], normalize.
 */

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, row-major, 4 bytes a pixel (alpha is ignored, as PIL's convert("RGB") drops it). */
  data: Uint8ClampedArray | Uint8Array;
}

export interface PreprocessOptions {
  resize: number;
  crop: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export const IMAGENET_PREPROCESS: PreprocessOptions = {
  resize: 256,
  crop: 224,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Images above this many pixels are refused before decoding. */
export const MAX_IMAGE_PIXELS = 50_000_000;

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

/** torchvision's size rule: the shorter side becomes `size`, the longer int(size * long / short). */
export function resizedSize(width: number, height: number, size: number): [number, number] {
  if (width <= height) return [size, Math.trunc((size * height) / width)];
  return [Math.trunc((size * width) / height), size];
}

/** Python's round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const PRECISION_BITS = 32 - 8 - 2;

/** PIL's precompute_coeffs + normalize_coeffs_8bpc for the bilinear (triangle) filter. */
export function resampleCoefficients(inSize: number, outSize: number): { bounds: Int32Array; kernel: Int32Array; ksize: number } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kernel = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      kernel[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, kernel, ksize };
}

function clip8(v: number): number {
  if (v >= 1 << (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / (1 << PRECISION_BITS));
}

/** PIL `Image.resize((w, h), BILINEAR)` of an RGB(A) image; returns RGB, 3 bytes a pixel. */
export function resizeBilinearAntialiased(img: RgbaImage, outW: number, outH: number): Uint8Array {
  const { width: inW, height: inH, data } = img;
  const rgb = new Uint8Array(inW * inH * 3);
  for (let i = 0, j = 0; i < inW * inH; i++, j += 4) {
    rgb[i * 3] = data[j];
    rgb[i * 3 + 1] = data[j + 1];
    rgb[i * 3 + 2] = data[j + 2];
  }
  let cur = rgb;
  let curW = inW;
  let curH = inH;
  const half = 1 << (PRECISION_BITS - 1);
  if (outW !== inW) {
    const { bounds, kernel, ksize } = resampleCoefficients(inW, outW);
    const out = new Uint8Array(outW * curH * 3);
    for (let y = 0; y < curH; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2];
        const xmax = bounds[xx * 2 + 1];
        for (let c = 0; c < 3; c++) {
          let ss = half;
          for (let x = 0; x < xmax; x++) ss += cur[(y * curW + x + xmin) * 3 + c] * kernel[xx * ksize + x];
          out[(y * outW + xx) * 3 + c] = clip8(ss);
        }
      }
    }
    cur = out;
    curW = outW;
  }
  if (outH !== curH) {
    const { bounds, kernel, ksize } = resampleCoefficients(curH, outH);
    const out = new Uint8Array(curW * outH * 3);
    for (let yy = 0; yy < outH; yy++) {
      const ymin = bounds[yy * 2];
      const ymax = bounds[yy * 2 + 1];
      for (let x = 0; x < curW; x++) {
        for (let c = 0; c < 3; c++) {
          let ss = half;
          for (let y = 0; y < ymax; y++) ss += cur[((y + ymin) * curW + x) * 3 + c] * kernel[yy * ksize + y];
          out[(yy * curW + x) * 3 + c] = clip8(ss);
        }
      }
    }
    cur = out;
    curH = outH;
  }
  return cur;
}

export interface Preprocessed {
  /** Float32 [3, crop, crop] (CHW), normalized. */
  tensor: Float32Array;
  /** The center crop as RGBA, crop x crop (what the network sees, before normalization). */
  crop: { width: number; height: number; data: Uint8ClampedArray };
}

/** The whole preset: resize, center crop, to [0, 1], normalize (float32 arithmetic, like torch). */
export function preprocessImage(img: RgbaImage, opts: PreprocessOptions = IMAGENET_PREPROCESS): Preprocessed {
  checkImageSize(img.width, img.height);
  if (img.data.length !== img.width * img.height * 4) {
    throw new ImageError(`image data holds ${img.data.length} bytes, expected ${img.width}x${img.height}x4 RGBA`);
  }
  const [w, h] = resizedSize(img.width, img.height, opts.resize);
  const rgb = resizeBilinearAntialiased(img, w, h);
  const size = opts.crop;
  // torchvision center_crop pads when the image is smaller than the crop; with resize >= crop it never is.
  if (w < size || h < size) throw new ImageError(`resized image ${w}x${h} is smaller than the ${size}x${size} crop`);
  const top = roundHalfEven((h - size) / 2);
  const left = roundHalfEven((w - size) / 2);
  const tensor = new Float32Array(3 * size * size);
  const crop = new Uint8ClampedArray(size * size * 4);
  const f = Math.fround;
  const mean = opts.mean.map(f);
  const std = opts.std.map(f);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const src = ((y + top) * w + x + left) * 3;
      const p = y * size + x;
      for (let c = 0; c < 3; c++) {
        const v = rgb[src + c];
        crop[p * 4 + c] = v;
        tensor[c * size * size + p] = f(f(f(v / 255) - mean[c]) / std[c]);
      }
      crop[p * 4 + 3] = 255;
    }
  }
  return { tensor, crop: { width: size, height: size, data: crop } };
}

export function checkImageSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new ImageError(`image has no pixels (${width}x${height})`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageError(
      `image is ${width}x${height} = ${((width * height) / 1e6).toFixed(1)} megapixels; at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are accepted (scale it down first)`,
    );
  }
}

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

/**
 * Recognises an image by its bytes and reads its size from the header, without decoding it, so a
 * non-image or a huge image is refused before any pixel buffer is allocated.
 */
export function sniffImage(bytes: Uint8Array): { kind: ImageKind; width: number; height: number } {
  const b = bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const starts = (...sig: number[]): boolean => b.length >= sig.length && sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) {
    if (b.length < 24) throw new ImageError('the PNG file is truncated');
    return { kind: 'png', width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  if (starts(0xff, 0xd8)) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) {
        i++;
        continue;
      }
      const marker = b[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2;
        continue;
      }
      const len = dv.getUint16(i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { kind: 'jpeg', height: dv.getUint16(i + 5), width: dv.getUint16(i + 7) };
      i += 2 + len;
    }
    throw new ImageError('the JPEG file is truncated or damaged: no frame header found');
  }
  if (starts(0x47, 0x49, 0x46, 0x38)) {
    if (b.length < 10) throw new ImageError('the GIF file is truncated');
    return { kind: 'gif', width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
  }
  if (starts(0x42, 0x4d) && b.length >= 26) {
    return { kind: 'bmp', width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
  }
  if (starts(0x52, 0x49, 0x46, 0x46) && b.length >= 30 && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    const chunk = String.fromCharCode(...b.subarray(12, 16));
    if (chunk === 'VP8X') return { kind: 'webp', width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
    if (chunk === 'VP8L') {
      const bits = dv.getUint32(21, true);
      return { kind: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ') return { kind: 'webp', width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
  }
  throw new ImageError('the file is not an image this app reads (PNG, JPEG, GIF, WebP or BMP expected)');
}
