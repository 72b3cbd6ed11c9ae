/**
 * Evaluation preprocessing from a checkpoint's own config, as timm's `create_transform(**resolve_data_config(
 * {}, model=m))` and torchvision's weights `.transforms()` do it on a PIL image:
 *
 * 1. resize with Pillow's antialiased bilinear or bicubic resampler (`image/resample.ts`) to
 *    floor(input_size / crop_pct): the shorter side (crop mode `center`, torchvision's `Resize(int)`:
 *    the longer side becomes int(size x long / short)), both sides (`squash`), or the longer side
 *    keeping the aspect ratio (`border`, timm's `ResizeKeepRatio(longest=1)`: round(side / ratio));
 * 2. centre crop input_size x input_size (offsets int(round((side - crop) / 2)), half to even, as
 *    Python rounds), padding first where the image is smaller (crop_pct above 1, or `border`): with 0
 *    (`center`, `squash`: torchvision's `CenterCrop`) or with round(255 x mean) (`border`, timm's
 *    `CenterCropOrPad`);
 * 3. to [0, 1] (v / 255) and (x - mean) / std, each step rounded to float32 as torch computes it.
 *
 * torchvision's resize 256 / crop 224 is crop_pct 0.875 (224 / 0.875 = 256), its resize 232 / crop
 * 224 (the V2 weights) crop_pct 0.965 (floor(224 / 0.965) = 232).
 */
import { INTERPOLATIONS, resizeRgb, type Interpolation } from './image/resample.ts';
import { ImageError, toRgb, type PixelImage, type RgbImage } from './image/rgb.ts';
import { checkImageSize, MAX_IMAGE_PIXELS } from './image/sniff.ts';
import { catalogue, MessageError, type Message } from './message.ts';

/** The preprocessing's messages as English templates by id (src/model/message.ts); the app translates them. */
export const PREPROCESS_MESSAGES = {
  'preprocess.inputSize': 'input size must be a whole number of pixels from 1 to {max}, got {value}',
  'preprocess.cropPct': 'crop_pct must be a number above 0 and at most {max} (the crop\'s share of the image resized to floor({inputSize} / crop_pct) pixels; above 1 the crop pads it, as timm\'s does), got {value}',
  'preprocess.interpolation': 'interpolation must be {allowed}, got "{value}"',
  'preprocess.cropMode': 'crop mode must be {allowed}, got "{value}"',
  'preprocess.triple': '{name} must be three finite numbers (R, G, B), got {value}',
  'preprocess.std': 'std must be three positive numbers, got {value}',
  'preprocess.resizeSide': 'crop_pct {cropPct} resizes the image to {size} pixels a side before the {inputSize} crop; at most {max} (crop_pct above {min})',
  'preprocess.nonFinite': 'mean {mean} and std {std} take pixel value {pixel} to {value} in float32 (channel {channel}), not a finite number: give a std nearer 1 (ImageNet\'s is 0.229, 0.224, 0.225)',
  'preprocess.noPixelsLeft': 'a {width}x{height} image has no pixels left when its longer side is resized to {size}',
  'preprocess.describe': '{resize}, mean {mean}, std {std}',
  'preprocess.resize.center': '{interpolation} resize of the shorter side to {size}, centre crop {crop}×{crop}',
  'preprocess.resize.squash': '{interpolation} resize to {size}×{size} (aspect ratio not kept), centre crop {crop}×{crop}',
  'preprocess.resize.border': '{interpolation} resize of the longer side to {size}, centre crop or pad to {crop}×{crop}',
} as const;

const { message: text } = catalogue(PREPROCESS_MESSAGES);

export type CropMode = 'center' | 'squash' | 'border';
export const CROP_MODES: readonly CropMode[] = ['center', 'squash', 'border'];

export interface PreprocessConfig {
  /** Side of the square crop the network sees (timm's input_size[1:], torchvision's crop_size). */
  inputSize: number;
  /** The image is resized to floor(inputSize / cropPct) before cropping. */
  cropPct: number;
  interpolation: Interpolation;
  cropMode: CropMode;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * timm's default evaluation transform (its `_cfg` for a ResNet, and `transforms_imagenet_eval`'s
 * defaults), which is also torchvision's V1 one: bilinear, 224 crop of 256, ImageNet mean and std.
 * Used for weights that do not say how they were evaluated.
 */
export const DEFAULT_PREPROCESS: PreprocessConfig = {
  inputSize: 224,
  cropPct: 0.875,
  interpolation: 'bilinear',
  cropMode: 'center',
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
};

export class PreprocessError extends MessageError {
  override readonly name = 'PreprocessError';
}

/** Largest crop accepted (the 50-megapixel image limit applies to the input anyway). */
const MAX_INPUT_SIZE = 4096;

/** Largest side the image is resized to before the crop: a square of it stays within the 50-megapixel limit. */
const MAX_RESIZE_SIDE = Math.floor(Math.sqrt(MAX_IMAGE_PIXELS));

/** (v - mean) / std as torch computes it on a float32 tensor. */
function normalised(v: number, mean: number, std: number): number {
  const f = Math.fround;
  return f(f(f(v) - f(mean)) / f(std));
}

/** Checks a preprocessing config; throws a PreprocessError naming the bad field. */
export function validatePreprocess(cfg: PreprocessConfig): PreprocessConfig {
  if (!Number.isInteger(cfg.inputSize) || cfg.inputSize < 1 || cfg.inputSize > MAX_INPUT_SIZE) {
    throw new PreprocessError(text('preprocess.inputSize', { max: MAX_INPUT_SIZE, value: String(cfg.inputSize) }));
  }
  // Above 1 (timm's VOLO configs: 1.15) the resized image is smaller than the crop, which pads it; the resized side
  // floor(inputSize / cropPct) must keep a pixel.
  if (!(typeof cfg.cropPct === 'number' && cfg.cropPct > 0 && cfg.cropPct <= cfg.inputSize)) {
    throw new PreprocessError(text('preprocess.cropPct', { max: cfg.inputSize, inputSize: cfg.inputSize, value: String(cfg.cropPct) }));
  }
  if (!INTERPOLATIONS.includes(cfg.interpolation)) {
    throw new PreprocessError(text('preprocess.interpolation', { allowed: INTERPOLATIONS.join(' or '), value: String(cfg.interpolation) }));
  }
  if (!CROP_MODES.includes(cfg.cropMode)) throw new PreprocessError(text('preprocess.cropMode', { allowed: CROP_MODES.join(', '), value: String(cfg.cropMode) }));
  for (const [name, v] of [['mean', cfg.mean], ['std', cfg.std]] as const) {
    if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new PreprocessError(text('preprocess.triple', { name, value: String(JSON.stringify(v)) }));
    }
  }
  if (cfg.std.some((x) => x <= 0)) throw new PreprocessError(text('preprocess.std', { value: cfg.std.join(', ') }));
  const size = scaleSize(cfg);
  if (size > MAX_RESIZE_SIDE) {
    const min = Number((cfg.inputSize / (MAX_RESIZE_SIDE + 1)).toPrecision(3));
    throw new PreprocessError(text('preprocess.resizeSide', { cropPct: String(cfg.cropPct), size: String(size), inputSize: cfg.inputSize, max: MAX_RESIZE_SIDE, min: String(min) }));
  }
  // (x - mean) / std is monotonic in x, so its extremes are at the pixel values 0 and 1 (0 and 255 / 255).
  for (let c = 0; c < 3; c++) {
    for (const pixel of [0, 1]) {
      const value = normalised(pixel, cfg.mean[c], cfg.std[c]);
      if (!Number.isFinite(value)) {
        throw new PreprocessError(text('preprocess.nonFinite', { mean: cfg.mean.join(', '), std: cfg.std.join(', '), pixel, value: String(value), channel: c }));
      }
    }
  }
  return cfg;
}

/** The size the image is resized to before the crop: floor(inputSize / cropPct), as timm computes it. */
export function scaleSize(cfg: PreprocessConfig): number {
  return Math.floor(cfg.inputSize / cfg.cropPct);
}

/** torchvision's `Resize(int)` rule: the shorter side becomes `size`, the longer int(size * long / short). */
export function resizedSize(width: number, height: number, size: number): [number, number] {
  if (width <= height) return [size, Math.trunc((size * height) / width)];
  return [Math.trunc((size * width) / height), size];
}

/** Python's round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Width and height the image is resized to, per crop mode. */
export function resizeTarget(width: number, height: number, cfg: PreprocessConfig): [number, number] {
  const s = scaleSize(cfg);
  if (cfg.cropMode === 'center') return resizedSize(width, height, s);
  if (cfg.cropMode === 'squash') return [s, s];
  // timm ResizeKeepRatio(longest=1): ratio = max(h / s, w / s); each side round(side / ratio).
  const ratio = Math.max(height / s, width / s);
  const w = roundHalfEven(width / ratio);
  const h = roundHalfEven(height / ratio);
  if (w < 1 || h < 1) throw new ImageError(text('preprocess.noPixelsLeft', { width, height, size: s }));
  return [w, h];
}

/** Fill of the padding (torchvision pads its centre crop with 0, timm's border mode with round(255 x mean)). */
function padFill(cfg: PreprocessConfig): [number, number, number] {
  return cfg.cropMode === 'border' ? (cfg.mean.map((m) => roundHalfEven(255 * m)) as [number, number, number]) : [0, 0, 0];
}

/** Centre crop of size x size; pads first (left/top get the floor half) where the image is smaller. */
export function centerCropOrPad(img: RgbImage, size: number, fill: readonly [number, number, number]): RgbImage {
  let cur = img;
  if (size > cur.width || size > cur.height) {
    const padL = size > cur.width ? (size - cur.width) >> 1 : 0;
    const padT = size > cur.height ? (size - cur.height) >> 1 : 0;
    const w = Math.max(size, cur.width);
    const h = Math.max(size, cur.height);
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) data.set(fill, i * 3);
    for (let y = 0; y < cur.height; y++) data.set(cur.data.subarray(y * cur.width * 3, (y + 1) * cur.width * 3), ((y + padT) * w + padL) * 3);
    cur = { width: w, height: h, data };
  }
  const top = roundHalfEven((cur.height - size) / 2);
  const left = roundHalfEven((cur.width - size) / 2);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) out.set(cur.data.subarray(((y + top) * cur.width + left) * 3, ((y + top) * cur.width + left + size) * 3), y * size * 3);
  return { width: size, height: size, data: out };
}

interface Preprocessed {
  /** Float32 [3, inputSize, inputSize] (CHW), normalised. */
  tensor: Float32Array;
  /** The crop as RGBA (what the network sees, before normalisation). */
  crop: { width: number; height: number; data: Uint8ClampedArray };
}

/** Resize, centre crop, to [0, 1], normalise: the tensor timm or torchvision computes from the same image. */
export function preprocessImage(image: PixelImage, cfg: PreprocessConfig = DEFAULT_PREPROCESS): Preprocessed {
  validatePreprocess(cfg);
  checkImageSize(image.width, image.height);
  const rgb = toRgb(image);
  const [w, h] = resizeTarget(rgb.width, rgb.height, cfg);
  const cropped = centerCropOrPad(resizeRgb(rgb, w, h, cfg.interpolation), cfg.inputSize, padFill(cfg));
  const size = cfg.inputSize;
  const plane = size * size;
  const tensor = new Float32Array(3 * plane);
  const crop = new Uint8ClampedArray(plane * 4);
  const f = Math.fround;
  const mean = cfg.mean.map(f);
  const std = cfg.std.map(f);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = cropped.data[p * 3 + c];
      crop[p * 4 + c] = v;
      tensor[c * plane + p] = f(f(f(v / 255) - mean[c]) / std[c]);
    }
    crop[p * 4 + 3] = 255;
  }
  return { tensor, crop: { width: size, height: size, data: crop } };
}

function trimNumber(x: number): string {
  return String(Number(x.toFixed(4)));
}

/**
 * One line saying what the preprocessing does, from the config (the app and the CLI print it):
 * e.g. "bicubic resize of the shorter side to 256, centre crop 224×224, mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225".
 */
export function describePreprocess(cfg: PreprocessConfig): string {
  return describePreprocessMessage(cfg).text;
}

/** The same line as a message. */
export function describePreprocessMessage(cfg: PreprocessConfig): Message {
  const sizes = { interpolation: cfg.interpolation, size: scaleSize(cfg), crop: cfg.inputSize };
  const resize = {
    center: text('preprocess.resize.center', sizes),
    squash: text('preprocess.resize.squash', sizes),
    border: text('preprocess.resize.border', sizes),
  }[cfg.cropMode];
  return text('preprocess.describe', { resize, mean: cfg.mean.map(trimNumber).join(', '), std: cfg.std.map(trimNumber).join(', ') });
}

/** The short crop note: "256 → 224, bilinear" (shorter side resized, then the crop). */
export function cropNote(cfg: PreprocessConfig): string {
  const s = scaleSize(cfg);
  const arrow = cfg.cropMode === 'squash' ? `${s}×${s} → ${cfg.inputSize}` : `${s} → ${cfg.inputSize}`;
  return `${arrow}, ${cfg.interpolation}${cfg.cropMode === 'center' ? '' : `, ${cfg.cropMode}`}`;
}
