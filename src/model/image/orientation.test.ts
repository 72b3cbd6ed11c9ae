/**
 * EXIF orientation against Pillow 9.4 (fixtures/images/exif, made by tools/fixtures/image_safety_fixtures.py):
 * the tag is found where Pillow finds it, `convert("RGB")` (the default, PyTorch's reading) and
 * `ImageOps.exif_transpose` (with 'apply') give Pillow's bytes, and a photo with orientation 6 gives
 * torchvision's preprocessed tensors for both readings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../../test/support/fixture-io.ts';
import { preprocessImage, type PreprocessConfig } from '../preprocess.ts';
import { decodeImageBytes } from './decode.ts';
import { decodePng } from './png.ts';
import { orientImage, withoutOrientation } from './orientation.ts';
import { sniffImage } from './sniff.ts';

const DIR = 'fixtures/images/exif';
interface Reading { width: number; height: number; rgb: string }
interface Case { file: string; what: string; orientation: number | null; stored: Reading; exif_transpose: Reading }
interface Photo { file: string; orientation: number; preprocess: PreprocessConfig; ignore: { size: number[]; tensor: string }; apply: { size: number[]; tensor: string } }
const index = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) as { pillow: string; cases: Case[]; photos: Photo[] };
const bytesOf = (file: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}/${file}`));
const f32 = (file: string): Float32Array => {
  const b = readFileSync(`${DIR}/${file}`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');
const turn = (v: number | null): number | null => (v !== null && v >= 2 && v <= 8 ? v : null);

describe(`EXIF orientation as Pillow ${index.pillow} reads it (fixtures/images/exif)`, () => {
  it.each(index.cases.map((c) => [c.file, c.what, c]))('%s (%s): the tag Pillow reads', (_f, _w, c) => {
    expect(sniffImage(bytesOf(c.file)).orientation).toBe(turn(c.orientation));
  });

  const pngs = index.cases.filter((c) => c.file.endsWith('.png'));
  it.each(pngs.map((c) => [c.file, c]))('%s: ignored, Pillow\'s convert("RGB"); applied, exif_transpose, byte for byte', (_f, c) => {
    const tag = sniffImage(bytesOf(c.file)).orientation;
    const stored = orientImage(decodePng(bytesOf(c.file)), tag, 'ignore');
    expect([stored.image.width, stored.image.height, hex(stored.image.data)]).toEqual([c.stored.width, c.stored.height, c.stored.rgb]);
    expect(stored.orientation).toEqual(tag === null ? null : { tag, applied: false });
    const turned = orientImage(decodePng(bytesOf(c.file)), tag, 'apply');
    expect([turned.image.width, turned.image.height, hex(turned.image.data)]).toEqual([c.exif_transpose.width, c.exif_transpose.height, c.exif_transpose.rgb]);
  });

  it('the CLI decoder turns a JPEG (tag as a LONG) as exif_transpose does: the same decoder error, turned', () => {
    const c = index.cases.find((x) => x.file === 'o7_long.jpg')!;
    const stored = decodeImageBytes(bytesOf(c.file), 'ignore');
    const turned = decodeImageBytes(bytesOf(c.file), 'apply');
    expect(stored.orientation).toEqual({ tag: 7, applied: false });
    expect(turned.orientation).toEqual({ tag: 7, applied: true });
    expect([turned.image.width, turned.image.height]).toEqual([c.exif_transpose.width, c.exif_transpose.height]);
    // The JPEG decoder is Pillow's (libjpeg-turbo's arithmetic, src/model/image/jpeg.ts): both readings exactly.
    expect(hex(stored.image.data)).toBe(c.stored.rgb);
    expect(hex(turned.image.data)).toBe(c.exif_transpose.rgb);
  });

  it('withoutOrientation rewrites every orientation entry to 1 and nothing else', () => {
    for (const file of ['o7_long.jpg', 'o6.png', 'o6_big_endian.png', 'o5.webp']) {
      const bytes = bytesOf(file);
      const info = sniffImage(bytes);
      expect(info.orientationFields.length).toBeGreaterThan(0);
      const plain = withoutOrientation(bytes, info.orientationFields);
      expect(sniffImage(plain).orientation).toBeNull();
      let changed = 0;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== plain[i]) changed++;
      expect(changed).toBe(1);
      expect(bytes).toEqual(bytesOf(file)); // the input is not modified
    }
  });
});

describe('a photo with EXIF orientation 6 through the preprocessing: torchvision\'s tensors for both readings', () => {
  const png = index.photos.find((p) => p.file.endsWith('.png'))!;
  it.each(['ignore', 'apply'] as const)('PNG, %s: max abs diff 0', (mode) => {
    const { image, orientation } = decodeImageBytes(bytesOf(png.file), mode);
    expect([image.width, image.height]).toEqual(png[mode].size);
    expect(orientation).toEqual({ tag: 6, applied: mode === 'apply' });
    expect(maxAbsDiff(preprocessImage(image, png.preprocess).tensor, f32(png[mode].tensor))).toBe(0);
  });

  const jpg = index.photos.find((p) => p.file.endsWith('.jpg'))!;
  it.each(['ignore', 'apply'] as const)('JPEG, %s: max abs diff 0, far from the other reading', (mode) => {
    const { image } = decodeImageBytes(bytesOf(jpg.file), mode);
    const tensor = preprocessImage(image, jpg.preprocess).tensor;
    const mean = (ref: Float32Array) => tensor.reduce((s, v, i) => s + Math.abs(v - ref[i]), 0) / ref.length;
    expect(maxAbsDiff(tensor, f32(jpg[mode].tensor))).toBe(0);
    expect(mean(f32(jpg[mode === 'apply' ? 'ignore' : 'apply'].tensor))).toBeGreaterThan(0.3);
  });
});
