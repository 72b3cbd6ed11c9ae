import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImageBytes } from './image/decode.ts';
import { decodePng } from './image/png.ts';
import { resampleCoefficients } from './image/resample.ts';
import {
  centerCropOrPad,
  cropNote,
  DEFAULT_PREPROCESS,
  describePreprocess,
  preprocessImage,
  PreprocessError,
  resizedSize,
  resizeTarget,
  roundHalfEven,
  scaleSize,
  validatePreprocess,
  type PreprocessConfig,
} from './preprocess.ts';
import { preprocessFromJson, type PreprocessJson } from './pretrained.ts';

const DIR = 'fixtures/images/preprocess';

function f32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface Case { name: string; reference: string; config: PreprocessJson; files: Record<string, string> }
const index = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) as { cases: Case[] };

describe('preprocessing against timm and torchvision (fixtures/images/preprocess, PIL-decoded PNGs)', () => {
  const rows = index.cases.flatMap((c) => Object.entries(c.files).map(([image, file]) => ({ c, image, file })));
  it('covers bilinear and bicubic, the three crop modes, torchvision V1 and V2, and three images', () => {
    const configs = index.cases.map((c) => preprocessFromJson(c.config));
    expect(new Set(configs.map((c) => c.interpolation))).toEqual(new Set(['bilinear', 'bicubic']));
    expect(new Set(configs.map((c) => c.cropMode))).toEqual(new Set(['center', 'squash', 'border']));
    expect(index.cases.map((c) => c.name)).toEqual(expect.arrayContaining(['torchvision.ResNet50_Weights.IMAGENET1K_V1', 'torchvision.ResNet50_Weights.IMAGENET1K_V2']));
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it.each(rows.map((r) => [r.c.name, r.image, r]))('%s on %s: max abs diff 0 (<= 1e-5 required)', (_n, _i, { c, image, file }) => {
    const cfg = preprocessFromJson(c.config);
    const img = decodePng(new Uint8Array(readFileSync(`${DIR}/${image}`)));
    const r = preprocessImage(img, cfg);
    const ref = f32(gunzipSync(readFileSync(`${DIR}/${file}`)));
    expect(r.tensor.length).toBe(3 * cfg.inputSize * cfg.inputSize);
    const d = maxAbsDiff(r.tensor, ref);
    expect(d).toBeLessThanOrEqual(1e-5);
    expect(d).toBe(0);
  });

  it('the comparison fails on a one-level change of one pixel', () => {
    const c = index.cases.find((x) => x.config.interpolation === 'bicubic')!;
    const img = decodePng(new Uint8Array(readFileSync(`${DIR}/test.png`)));
    img.data[3 * (120 * img.width + 160)] ^= 1;
    const d = maxAbsDiff(preprocessImage(img, preprocessFromJson(c.config)).tensor, f32(gunzipSync(readFileSync(`${DIR}/${c.files['test.png']}`))));
    expect(d).toBeGreaterThan(1e-5);
  });
});

describe('the older torchvision fixtures (fixtures/images)', () => {
  it('test.png: bit-identical to torchvision 0.14 + PIL (resize 256, crop 224)', () => {
    const r = preprocessImage(decodePng(new Uint8Array(readFileSync('fixtures/images/test.png'))));
    expect(maxAbsDiff(r.tensor, f32(readFileSync('fixtures/images/test.png.preprocessed.bin')))).toBe(0);
  });

  it('test.jpg decoded as Pillow decodes it (libjpeg-turbo, src/model/image/jpeg.ts): max abs diff 0', () => {
    const r = preprocessImage(decodeImageBytes(new Uint8Array(readFileSync('fixtures/images/test.jpg'))).image);
    expect(maxAbsDiff(r.tensor, f32(readFileSync('fixtures/images/test.jpg.preprocessed.bin')))).toBe(0);
  });
});

describe('pieces', () => {
  it('scale size is floor(input / crop_pct): 256 for 0.875, 232 for 0.965, 235 for 0.95', () => {
    expect(scaleSize(DEFAULT_PREPROCESS)).toBe(256);
    expect(scaleSize({ ...DEFAULT_PREPROCESS, cropPct: 0.965 })).toBe(232);
    expect(scaleSize({ ...DEFAULT_PREPROCESS, cropPct: 0.95 })).toBe(235);
    expect(scaleSize({ ...DEFAULT_PREPROCESS, inputSize: 288, cropPct: 1 })).toBe(288);
  });
  it('resizes the shorter side and truncates the longer, as torchvision', () => {
    expect(resizedSize(320, 240, 256)).toEqual([341, 256]);
    expect(resizedSize(240, 320, 256)).toEqual([256, 341]);
    expect(resizedSize(500, 500, 256)).toEqual([256, 256]);
  });
  it('squash resizes both sides; border fits the longer side (rounding half to even)', () => {
    const cfg: PreprocessConfig = { ...DEFAULT_PREPROCESS, cropPct: 0.9 };
    expect(resizeTarget(320, 240, { ...cfg, cropMode: 'squash' })).toEqual([248, 248]);
    expect(resizeTarget(320, 240, { ...cfg, cropMode: 'border' })).toEqual([248, 186]);
    expect(resizeTarget(203, 297, { ...cfg, cropMode: 'border' })).toEqual([170, 248]);
  });
  it('rounds crop offsets half to even, as Python', () => {
    expect(roundHalfEven(58.5)).toBe(58);
    expect(roundHalfEven(59.5)).toBe(60);
    expect(roundHalfEven(16)).toBe(16);
    expect(roundHalfEven(2.4)).toBe(2);
  });
  it('pads a small image before cropping: floor half left and top, with the fill colour', () => {
    const img = { width: 1, height: 1, data: new Uint8Array([9, 8, 7]) };
    const out = centerCropOrPad(img, 4, [1, 2, 3]);
    expect(out.width).toBe(4);
    const px = (x: number, y: number) => [...out.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)];
    expect(px(1, 1)).toEqual([9, 8, 7]);
    expect(px(0, 0)).toEqual([1, 2, 3]);
    expect(px(3, 3)).toEqual([1, 2, 3]);
  });
  it('antialiasing widens the filter by the downscale factor; bicubic has twice the support', () => {
    expect(resampleCoefficients(1000, 250, 'bilinear').ksize).toBe(9);
    expect(resampleCoefficients(1000, 250, 'bicubic').ksize).toBe(17);
    expect(resampleCoefficients(100, 200, 'bilinear').ksize).toBe(3);
    expect(resampleCoefficients(100, 200, 'bicubic').ksize).toBe(5);
    for (const interp of ['bilinear', 'bicubic'] as const) {
      const c = resampleCoefficients(1000, 250, interp);
      for (let x = 0; x < 250; x++) {
        let s = 0;
        for (let k = 0; k < c.ksize; k++) s += c.kernel[x * c.ksize + k];
        expect(Math.abs(s - 2 ** 22)).toBeLessThanOrEqual(c.ksize);
      }
    }
    // Bicubic upsampling has negative taps.
    expect([...resampleCoefficients(100, 200, 'bicubic').kernel].some((k) => k < 0)).toBe(true);
  });
  it('says what it does, from the config', () => {
    expect(cropNote(DEFAULT_PREPROCESS)).toBe('256 → 224, bilinear');
    expect(cropNote({ ...DEFAULT_PREPROCESS, cropPct: 0.95, interpolation: 'bicubic' })).toBe('235 → 224, bicubic');
    expect(cropNote({ ...DEFAULT_PREPROCESS, cropMode: 'squash' })).toBe('256×256 → 224, bilinear, squash');
    expect(describePreprocess(DEFAULT_PREPROCESS)).toBe(
      'bilinear resize of the shorter side to 256, centre crop 224×224, mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225',
    );
  });
});

describe('bad configs', () => {
  it.each([
    [{ inputSize: 0 }, /input size must be a whole number of pixels from 1 to 4096, got 0/],
    [{ inputSize: 22.5 }, /input size/],
    [{ cropPct: 0 }, /crop_pct must be a number above 0 and at most 224 \(the crop's share of the image resized to floor\(224 \/ crop_pct\) pixels; above 1 the crop pads it, as timm's does\), got 0/],
    [{ cropPct: -0.5 }, /crop_pct must be a number above 0/],
    [{ cropPct: Number.NaN }, /crop_pct must be a number above 0/],
    // Above 1 the crop pads a smaller image (fixtures center_1.15, squash_1.15); above the input size nothing is left.
    [{ cropPct: 225 }, /crop_pct must be a number above 0 and at most 224 .*got 225/],
    [{ interpolation: 'nearest' }, /interpolation must be bilinear or bicubic, got "nearest"/],
    [{ cropMode: 'random' }, /crop mode must be center, squash, border, got "random"/],
    [{ mean: [0.5, 0.5] }, /mean must be three finite numbers/],
    [{ std: [0.2, 0, 0.2] }, /std must be three positive numbers/],
    // Sizes the crop_pct derives: bounded before any buffer is sized by them (a raw "Invalid typed array length" before).
    [{ cropPct: 1e-9 }, /crop_pct 1e-9 resizes the image to 224000000000 pixels a side before the 224 crop; at most 7071 \(crop_pct above 0\.0317\)/],
    [{ cropPct: Number.MIN_VALUE }, /resizes the image to Infinity pixels a side/],
    [{ inputSize: 4096, cropPct: 0.5 }, /resizes the image to 8192 pixels a side before the 4096 crop; at most 7071 \(crop_pct above 0\.579\)/],
    // Normalisation in float32, as torch computes it: a std that rounds to 0 or is too small, a mean past float32.
    [{ std: [1e-320, 1, 1] }, /take pixel value 0 to -Infinity in float32 \(channel 0\), not a finite number/],
    [{ std: [0.229, 1e-40, 0.225] }, /pixel value 0 to -Infinity in float32 \(channel 1\)/],
    [{ mean: [0.485, 0.456, 1e39] }, /to -Infinity in float32 \(channel 2\)/],
    [{ mean: [0, 0, 0], std: [1e-300, 1, 1] }, /pixel value 0 to NaN in float32 \(channel 0\)/],
  ])('%j', (patch, message) => {
    expect(() => validatePreprocess({ ...DEFAULT_PREPROCESS, ...patch } as PreprocessConfig)).toThrow(PreprocessError);
    expect(() => validatePreprocess({ ...DEFAULT_PREPROCESS, ...patch } as PreprocessConfig)).toThrow(message);
  });
  it('extreme but finite configs pass: crop_pct at the bound, a tiny std that float32 still divides by', () => {
    expect(() => validatePreprocess({ ...DEFAULT_PREPROCESS, cropPct: 224 / 7071 })).not.toThrow();
    expect(() => validatePreprocess({ ...DEFAULT_PREPROCESS, std: [1e-30, 1e-30, 1e-30] })).not.toThrow();
  });
  it('an image with a wrong byte count', () => {
    expect(() => preprocessImage({ width: 2, height: 2, data: new Uint8Array(5) })).toThrow(/holds 5 bytes; a 2x2 image needs 12 \(RGB\) or 16 \(RGBA\)/);
  });
  it('RGBA input drops the alpha channel (as convert("RGB"))', () => {
    const rgb = decodePng(new Uint8Array(readFileSync('fixtures/images/test.png')));
    const rgba = new Uint8Array(rgb.width * rgb.height * 4);
    for (let i = 0; i < rgb.width * rgb.height; i++) {
      rgba.set(rgb.data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = i % 256;
    }
    expect(maxAbsDiff(preprocessImage({ ...rgb, data: rgba }).tensor, preprocessImage(rgb).tensor)).toBe(0);
  });
});
