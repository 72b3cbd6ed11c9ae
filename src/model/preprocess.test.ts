import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkImageSize, ImageError, preprocessImage, resampleCoefficients, resizedSize, roundHalfEven, sniffImage } from './preprocess.ts';

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

function stats(a: Float32Array, b: Float32Array): { mean: number; max: number } {
  let s = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    s += d;
    m = Math.max(m, d);
  }
  return { mean: s / a.length, max: m };
}

describe('preprocessing against torchvision (fixtures/images)', () => {
  it('test.png: mean abs diff 0 (bit-identical to torchvision 0.14 + PIL)', () => {
    const png = PNG.sync.read(readFileSync('fixtures/images/test.png'));
    const r = preprocessImage({ width: png.width, height: png.height, data: png.data });
    const ref = f32('fixtures/images/test.png.preprocessed.bin');
    expect(r.tensor.length).toBe(3 * 224 * 224);
    const { mean, max } = stats(r.tensor, ref);
    expect(mean).toBe(0);
    expect(max).toBe(0);
    expect(r.crop.width).toBe(224);
  });

  it('test.jpg decoded with jpeg-js: mean abs diff 0.016 < 0.02 (jpeg-js decodes chroma differently from libjpeg)', () => {
    const img = jpeg.decode(readFileSync('fixtures/images/test.jpg'), { useTArray: true, formatAsRGBA: true });
    const r = preprocessImage({ width: img.width, height: img.height, data: img.data });
    const { mean } = stats(r.tensor, f32('fixtures/images/test.jpg.preprocessed.bin'));
    expect(mean).toBeLessThan(0.02);
  });
});

describe('pieces', () => {
  it('resizes the shorter side to 256 and truncates the longer, as torchvision', () => {
    expect(resizedSize(320, 240, 256)).toEqual([341, 256]);
    expect(resizedSize(240, 320, 256)).toEqual([256, 341]);
    expect(resizedSize(500, 500, 256)).toEqual([256, 256]);
  });
  it('rounds crop offsets half to even, as Python', () => {
    expect(roundHalfEven(58.5)).toBe(58);
    expect(roundHalfEven(59.5)).toBe(60);
    expect(roundHalfEven(16)).toBe(16);
    expect(roundHalfEven(2.4)).toBe(2);
  });
  it('antialiasing widens the triangle filter by the downscale factor', () => {
    const down = resampleCoefficients(1000, 250); // scale 4: support 4, 9 taps
    expect(down.ksize).toBe(9);
    const up = resampleCoefficients(100, 200); // upscaling keeps support 1
    expect(up.ksize).toBe(3);
    // coefficients of each output sum to 1 in 22-bit fixed point (within rounding)
    for (let x = 0; x < 250; x++) {
      let s = 0;
      for (let k = 0; k < down.ksize; k++) s += down.kernel[x * down.ksize + k];
      expect(Math.abs(s - (1 << 22))).toBeLessThanOrEqual(down.ksize);
    }
  });
});

describe('bad images', () => {
  it('a text file named .jpg is not an image', () => {
    expect(() => sniffImage(new Uint8Array(readFileSync('fixtures/images/not-an-image.jpg')))).toThrow(ImageError);
    expect(() => sniffImage(new Uint8Array(readFileSync('fixtures/images/not-an-image.jpg')))).toThrow(/not an image/);
  });
  it('reads PNG and JPEG sizes from the header', () => {
    expect(sniffImage(new Uint8Array(readFileSync('fixtures/images/test.png')))).toEqual({ kind: 'png', width: 320, height: 240 });
    expect(sniffImage(new Uint8Array(readFileSync('fixtures/images/test.jpg')))).toEqual({ kind: 'jpeg', width: 320, height: 240 });
  });
  it('a 50-megapixel image is refused before decoding', () => {
    // A PNG header claiming 10000 x 5001 pixels: no pixel buffer is ever allocated.
    const header = new Uint8Array(readFileSync('fixtures/images/test.png').subarray(0, 33));
    const dv = new DataView(header.buffer, header.byteOffset);
    dv.setUint32(16, 10000);
    dv.setUint32(20, 5001);
    const { width, height } = sniffImage(header);
    expect(() => checkImageSize(width, height)).toThrow(/50\.0 megapixels; at most 50 megapixels/);
    expect(() => checkImageSize(10000, 5000)).not.toThrow();
  });
  it('a truncated PNG is refused', () => {
    expect(() => sniffImage(new Uint8Array(readFileSync('fixtures/images/test.png').subarray(0, 12)))).toThrow(/truncated/);
  });
});
