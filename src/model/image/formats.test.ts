/**
 * BMP, GIF and WebP decoding equals Pillow 9.4's `Image.open(path).convert("RGB")` byte for byte
 * (fixtures/images/formats, made by tools/fixtures/format_fixtures.py: every variant the CLI reads, the
 * SHA-256 of Pillow's RGB bytes), and the files Pillow refuses are refused in one line.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImageBytes } from './decode.ts';
import { ImageError } from './rgb.ts';

const DIR = 'fixtures/images/formats';
interface Entry { file: string; what: string; width?: number; height?: number; sha256?: string; pillow_error?: string; pattern?: string }
const manifest = JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')) as { pillow: string; files: Entry[] };
const bytesOf = (file: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}/${file}`));
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe(`BMP, GIF and WebP as Pillow ${manifest.pillow} reads them (fixtures/images/formats)`, () => {
  it('covers each format, its variants and damaged files', () => {
    for (const ext of ['.bmp', '.gif', '.webp']) {
      expect(manifest.files.filter((f) => f.file.endsWith(ext) && f.sha256).length).toBeGreaterThanOrEqual(7);
      expect(manifest.files.some((f) => f.file.endsWith(ext) && f.pattern)).toBe(true);
    }
  });

  it.each(manifest.files.filter((f) => f.sha256).map((f) => [f.file, f.what, f]))('%s (%s): identical RGB bytes', (_f, _w, f) => {
    const { image } = decodeImageBytes(bytesOf(f.file));
    expect([image.width, image.height]).toEqual([f.width, f.height]);
    expect(sha256(image.data)).toBe(f.sha256);
  });

  it.each(manifest.files.filter((f) => f.pattern).map((f) => [f.file, f.what, f]))('%s (%s): refused in one line, as Pillow refuses it', (_f, _w, f) => {
    let error: unknown;
    try {
      decodeImageBytes(bytesOf(f.file));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImageError);
    expect((error as Error).message).toMatch(new RegExp(f.pattern!));
    expect((error as Error).message).not.toContain('\n');
  });

  it('a changed pixel changes the comparison (the test can fail)', () => {
    const f = manifest.files.find((x) => x.file === 'bmp_rgb24_topdown.bmp')!;
    const bytes = bytesOf(f.file);
    bytes[bytes[10] | (bytes[11] << 8)] ^= 1; // the first pixel's blue
    expect(sha256(decodeImageBytes(bytes).image.data)).not.toBe(f.sha256);
  });
});
