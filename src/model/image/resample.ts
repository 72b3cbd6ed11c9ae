/**
 * `Image.resize((w, h), BILINEAR | BICUBIC)` of an 8-bit RGB image, as Pillow computes it (the
 * resampler torchvision's and timm's transforms call on PIL images): a separable convolution whose
 * filter is widened by the downscale factor (antialiasing), coefficients normalised to sum 1 and
 * rounded to 22-bit fixed point, a horizontal pass then a vertical pass, each rounded and clipped
 * to uint8. The filters are the triangle (support 1) and Keys' cubic with a = -0.5 (support 2).
 */
import { imageError, type RgbImage } from './rgb.ts';
import { MAX_IMAGE_PIXELS } from './sniff.ts';

export type Interpolation = 'bilinear' | 'bicubic';
export const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'bicubic'];

interface Filter {
  support: number;
  weight: (x: number) => number;
}

const FILTERS: Record<Interpolation, Filter> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const t = Math.abs(x);
      return t < 1 ? 1 - t : 0;
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

/** Fixed-point fraction bits of the coefficients: 32 bits less 8 for the value and 2 for overshoot. */
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;

interface Coefficients {
  /** Per output pixel: first input index and number of taps. */
  bounds: Int32Array;
  /** Per output pixel, `ksize` fixed-point coefficients (the first `taps` are used). */
  kernel: Int32Array;
  ksize: number;
}

/** Taps per output pixel of one axis: the filter's support widened by the downscale factor, both sides, plus one. */
function kernelSize(inSize: number, outSize: number, interpolation: Interpolation): number {
  return Math.ceil(FILTERS[interpolation].support * Math.max(inSize / outSize, 1)) * 2 + 1;
}

/**
 * The largest buffer a resize allocates, in RGB pixels (3 bytes): the target, the horizontal pass's
 * output (target width x source height) when both passes run, and each axis's coefficient table
 * (4 bytes a tap). All of them are sized by numbers the image and the config give, so each is
 * bounded, as the decoded image is, by MAX_IMAGE_PIXELS.
 */
function resizeBufferPixels(inW: number, inH: number, outW: number, outH: number, interpolation: Interpolation): number {
  const sizes = [outW * outH];
  if (outW !== inW) {
    sizes.push(outW * inH);
    sizes.push((4 * outW * (kernelSize(inW, outW, interpolation) + 2)) / 3);
  }
  if (outH !== inH) sizes.push((4 * outH * (kernelSize(inH, outH, interpolation) + 2)) / 3);
  return Math.max(...sizes);
}

/** Throws an ImageError naming the sizes when a resize would allocate a buffer past MAX_IMAGE_PIXELS. */
function checkResize(inW: number, inH: number, outW: number, outH: number, interpolation: Interpolation): void {
  const need = resizeBufferPixels(inW, inH, outW, outH, interpolation);
  if (need > MAX_IMAGE_PIXELS) {
    throw imageError('image.resizeTooLarge', { width: inW, height: inH, toWidth: outW, toHeight: outH, megapixels: (need / 1e6).toFixed(1), max: MAX_IMAGE_PIXELS / 1e6 });
  }
}

/** The taps and fixed-point weights of one axis (Pillow's precompute_coeffs + normalize_coeffs_8bpc). */
export function resampleCoefficients(inSize: number, outSize: number, interpolation: Interpolation = 'bilinear'): Coefficients {
  const filter = FILTERS[interpolation];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = kernelSize(inSize, outSize, interpolation);
  const bounds = new Int32Array(outSize * 2);
  const kernel = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const taps = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < taps; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      sum += w;
    }
    for (let x = 0; x < taps; x++) {
      const w = sum !== 0 ? k[x] / sum : k[x];
      kernel[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = taps;
  }
  return { bounds, kernel, ksize };
}

/** Pillow's clip8: the accumulator's integer part, clamped to 0..255. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

const HALF = ONE / 2;

function horizontal(src: Uint8Array, width: number, height: number, outW: number, c: Coefficients): Uint8Array {
  const out = new Uint8Array(outW * height * 3);
  const { bounds, kernel, ksize } = c;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2];
      const taps = bounds[xx * 2 + 1];
      const k0 = xx * ksize;
      let r = HALF, g = HALF, b = HALF;
      for (let x = 0; x < taps; x++) {
        const w = kernel[k0 + x];
        const p = row + (xmin + x) * 3;
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      const o = (y * outW + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}

function vertical(src: Uint8Array, width: number, outH: number, c: Coefficients): Uint8Array {
  const out = new Uint8Array(width * outH * 3);
  const { bounds, kernel, ksize } = c;
  const stride = width * 3;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2];
    const taps = bounds[yy * 2 + 1];
    const k0 = yy * ksize;
    for (let i = 0; i < stride; i++) {
      let acc = HALF;
      for (let y = 0; y < taps; y++) acc += src[(ymin + y) * stride + i] * kernel[k0 + y];
      out[yy * stride + i] = clip8(acc);
    }
  }
  return out;
}

/**
 * Pillow's `Image.resize((outW, outH), filter)` of an RGB image (a same-size resize is a copy, as in
 * Pillow). Every buffer is checked against MAX_IMAGE_PIXELS before any is allocated.
 */
export function resizeRgb(img: RgbImage, outW: number, outH: number, interpolation: Interpolation): RgbImage {
  if (!(Number.isInteger(outW) && Number.isInteger(outH) && outW > 0 && outH > 0)) {
    throw new RangeError(`cannot resize to ${outW}x${outH}: both sides must be positive integers`);
  }
  checkResize(img.width, img.height, outW, outH, interpolation);
  let data = img.data;
  if (outW !== img.width) data = horizontal(data, img.width, img.height, outW, resampleCoefficients(img.width, outW, interpolation));
  if (outH !== img.height) data = vertical(data, outW, outH, resampleCoefficients(img.height, outH, interpolation));
  return { width: outW, height: outH, data: data === img.data ? data.slice() : data };
}
