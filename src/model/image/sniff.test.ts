/**
 * Hostile images (fixtures/images/hostile, made by tools/fixtures/image_safety_fixtures.py) and crafted
 * variants of every header field that states a size: each is refused before any pixel buffer is
 * allocated, with the sizes, in bounded time; valid files of the same shapes are read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREPROCESS, preprocessImage } from '../preprocess.ts';
import { decodeImageBytes } from './decode.ts';
import { decodePng } from './png.ts';
import { resizeRgb } from './resample.ts';
import { ImageError } from './rgb.ts';
import { checkImageSize, MAX_JPEG_SCANS, sniffImage } from './sniff.ts';

const DIR = 'fixtures/images/hostile';
interface Entry { file: string; what: string; refused_at: 'inspect' | 'preprocess' | null; pattern: string | null; rgb?: string }
const manifest = JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')) as { files: Entry[] };
const bytesOf = (file: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}/${file}`));

/** sniffImage + the size check, as the engine and the CLI run them before decoding. */
function inspect(bytes: Uint8Array): { kind: string; width: number; height: number } {
  const info = sniffImage(bytes);
  checkImageSize(info.width, info.height);
  return info;
}

const le16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const le24 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];
const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];

describe('hostile images (fixtures/images/hostile): refused before decoding or resizing, with the sizes', () => {
  it.each(manifest.files.filter((f) => f.refused_at === 'inspect').map((f) => [f.file, f.what, f]))('%s (%s)', (_f, _w, f) => {
    const t0 = performance.now();
    expect(() => inspect(bytesOf(f.file))).toThrow(new RegExp(f.pattern!));
    expect(() => inspect(bytesOf(f.file))).toThrow(ImageError);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it.each(manifest.files.filter((f) => f.refused_at === 'preprocess').map((f) => [f.file, f.what, f]))('%s (%s): the resize is refused before it allocates', (_f, _w, f) => {
    const t0 = performance.now();
    const image = decodePng(bytesOf(f.file));
    const cfg = f.file.startsWith('strip') ? { ...DEFAULT_PREPROCESS, cropMode: 'squash' as const } : DEFAULT_PREPROCESS;
    expect(() => preprocessImage(image, cfg)).toThrow(new RegExp(f.pattern!));
    expect(performance.now() - t0).toBeLessThan(5000);
  }, 20_000);

  it('the valid 3x2 BMP with the 12-byte OS/2 header is read as 3x2 (its 16-bit sides)', () => {
    expect(inspect(bytesOf('bmp_os2_3x2.bmp'))).toMatchObject({ kind: 'bmp', width: 3, height: 2 });
  });

  it('covers each header field the issue names', () => {
    const names = manifest.files.map((f) => f.file);
    for (const n of ['tall_1x20000.png', 'gif_frame_16000.gif', 'bmp_os2_3x2.bmp', 'jpeg_scans_1000.jpg']) expect(names).toContain(n);
  });
});

describe('every place a format states a size counts', () => {
  const gif = (version: string, screen: [number, number], frames: [number, number, number, number][]): Uint8Array => {
    const out = [...Buffer.from(version), ...le16(screen[0]), ...le16(screen[1]), 0, 0, 0];
    out.push(0x21, 0xf9, 4, 0, 0, 0, 0, 0); // a graphic control extension before each frame's descriptor
    for (const [x, y, w, h] of frames) out.push(0x2c, ...le16(x), ...le16(y), ...le16(w), ...le16(h), 0, 2, 1, 0x44, 0);
    return new Uint8Array([...out, 0x3b]);
  };

  it('GIF: the screen, the first frame, a later frame, and frame offsets; GIF87a too', () => {
    expect(inspect(gif('GIF89a', [320, 240], [[0, 0, 320, 240]]))).toMatchObject({ width: 320, height: 240 });
    expect(() => inspect(gif('GIF87a', [1, 1], [[0, 0, 16000, 16000]]))).toThrow(/16000x16000/);
    expect(() => inspect(gif('GIF89a', [10, 10], [[0, 0, 10, 10], [0, 0, 10000, 6000]]))).toThrow(/10000x6000 = 60\.0 megapixels/);
    expect(() => inspect(gif('GIF89a', [1, 1], [[65000, 0, 1, 1000]]))).toThrow(/65001x1000 = 65\.0 megapixels/);
    expect(() => inspect(gif('GIF89a', [9000, 9000], []))).toThrow(/81\.0 megapixels/);
  });

  const bmp = (headerSize: number, w: number, h: number): Uint8Array => {
    const header = headerSize === 12 ? [...le32(12), ...le16(w), ...le16(h), 1, 0, 24, 0]
      : headerSize < 16 ? [...le32(headerSize), ...new Array(headerSize - 4).fill(0)]
        : [...le32(headerSize), ...le32(w), ...le32(h), 1, 0, 24, 0, ...new Array(headerSize - 16).fill(0)];
    return new Uint8Array([0x42, 0x4d, ...le32(14 + header.length), 0, 0, 0, 0, ...le32(14 + header.length), ...header]);
  };

  it('BMP: the header read by its size (12: uint16 sides; 40, 64, 108, 124: int32, negative height top-down)', () => {
    expect(inspect(bmp(12, 640, 480))).toMatchObject({ kind: 'bmp', width: 640, height: 480 });
    expect(() => inspect(bmp(12, 65535, 1000))).toThrow(/65535x1000 = 65\.5 megapixels/);
    for (const size of [40, 64, 108, 124]) {
      expect(inspect(bmp(size, 640, 480))).toMatchObject({ width: 640, height: 480 });
      expect(inspect(bmp(size, 640, -480))).toMatchObject({ width: 640, height: 480 });
      expect(() => inspect(bmp(size, 20000, -20000))).toThrow(/20000x20000 = 400\.0 megapixels/);
    }
    expect(() => inspect(bmp(40, 0x7fffffff, 1))).toThrow(/megapixels/);
    expect(() => inspect(bmp(14, 1, 1))).toThrow(/header is 14 bytes/);
    expect(() => inspect(bmp(12, 8, 8).subarray(0, 22))).toThrow(/BMP file is truncated/);
    expect(() => inspect(new Uint8Array(Buffer.from('BM is how this text file starts, not an image')))).toThrow(/not an image/);
  });

  const riff = (chunks: number[][]): Uint8Array => {
    const body = chunks.flat();
    return new Uint8Array([...Buffer.from('RIFF'), ...le32(4 + body.length), ...Buffer.from('WEBP'), ...body]);
  };
  const chunk = (type: string, data: number[]): number[] => [...Buffer.from(type), ...le32(data.length), ...data, ...(data.length % 2 ? [0] : [])];
  const vp8l = (w: number, h: number): number[] => chunk('VP8L', [0x2f, ...le32((w - 1) | ((h - 1) << 14)), 0, 0]);
  const vp8 = (w: number, h: number): number[] => chunk('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(w), ...le16(h), 0, 0]);

  it('WebP: the canvas, every bitstream, every animation frame (offset + size)', () => {
    expect(inspect(riff([vp8l(300, 200)]))).toMatchObject({ kind: 'webp', width: 300, height: 200 });
    expect(inspect(riff([vp8(300, 200)]))).toMatchObject({ kind: 'webp', width: 300, height: 200 });
    const vp8x = (w: number, h: number): number[] => chunk('VP8X', [0x02, 0, 0, 0, ...le24(w - 1), ...le24(h - 1)]);
    expect(() => inspect(riff([vp8x(16384, 16384), vp8l(1, 1)]))).toThrow(/16384x16384/);
    expect(() => inspect(riff([vp8x(1, 1), vp8l(16000, 16000)]))).toThrow(/16000x16000/);
    const anmf = (x: number, y: number, w: number, h: number, inner: number[]): number[] => chunk('ANMF', [...le24(x / 2), ...le24(y / 2), ...le24(w - 1), ...le24(h - 1), 0, 0, 0, 0, ...inner]);
    expect(() => inspect(riff([vp8x(10, 10), anmf(0, 0, 10, 10, vp8l(10, 10)), anmf(20000, 0, 10, 5000, vp8l(10, 5000))]))).toThrow(/20010x5000 = 100\.0 megapixels/);
    expect(() => inspect(riff([vp8x(10, 10), anmf(0, 0, 10, 10, vp8(10000, 9000))]))).toThrow(/10000x9000/);
  });

  const png = (w: number, h: number, extra: number[] = []): Uint8Array =>
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, ...Buffer.from('IHDR'), ...be32(w), ...be32(h), 8, 0, 0, 0, 0, 0, 0, 0, 0, ...extra]);
  const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

  it('PNG: IHDR, and APNG frame controls (offset + size)', () => {
    expect(() => inspect(png(0x7fffffff, 1))).toThrow(/megapixels/);
    const fctl = (w: number, h: number, x: number, y: number): number[] => [0, 0, 0, 26, ...Buffer.from('fcTL'), ...be32(0), ...be32(w), ...be32(h), ...be32(x), ...be32(y), 0, 1, 0, 10, 0, 0, 0, 0, 0, 0];
    expect(inspect(png(100, 100, fctl(100, 100, 0, 0)))).toMatchObject({ width: 100, height: 100 });
    expect(() => inspect(png(100, 100, fctl(100, 100, 9000, 9000)))).toThrow(/9100x9100/);
  });

  /** A JPEG of markers only: SOI, the given segments, EOI. */
  const jpeg = (...segments: number[][]): Uint8Array => new Uint8Array([0xff, 0xd8, ...segments.flat(), 0xff, 0xd9]);
  const sof = (marker: number, w: number, h: number): number[] => [0xff, marker, ...be16(11), 8, ...be16(h), ...be16(w), 1, 1, 0x11, 0];
  const sos = (data: number[] = [0x12, 0xff, 0x00, 0x34]): number[] => [0xff, 0xda, ...be16(8), 1, 1, 0, 0, 63, 0, ...data];

  it(`JPEG: one frame header, at most ${MAX_JPEG_SCANS} scans (baseline or progressive), counted through stuffed bytes and restarts`, () => {
    const scans = (n: number, marker = 0xc2) => jpeg(sof(marker, 64, 48), ...Array.from({ length: n }, () => sos([0x12, 0xff, 0x00, 0xff, 0xd3, 0x56])));
    expect(inspect(scans(MAX_JPEG_SCANS))).toMatchObject({ kind: 'jpeg', width: 64, height: 48 });
    expect(() => inspect(scans(MAX_JPEG_SCANS + 1))).toThrow(/the 64x48 JPEG has more than 500 scans/);
    expect(() => inspect(scans(MAX_JPEG_SCANS + 1, 0xc0))).toThrow(/more than 500 scans/);
    expect(() => inspect(jpeg(sof(0xc0, 8, 8), sos(), sof(0xc2, 16000, 16000), sos()))).toThrow(/second frame header/);
    expect(() => inspect(jpeg(sos(), sof(0xc0, 8, 8)))).toThrow(/a scan comes before the frame header/);
    expect(() => inspect(jpeg(sof(0xc1, 10000, 6000), sos()))).toThrow(/10000x6000 = 60\.0 megapixels/);
    expect(() => inspect(jpeg([0xff, 0xe0, 0, 1]))).toThrow(/segment 0xFFE0 says it is 1 bytes long/);
    // An APP segment may hold bytes that look like markers (an embedded thumbnail's frame header): skipped by its length.
    const app = [0xff, 0xe1, ...be16(2 + 13), ...sof(0xc0, 30000, 30000)];
    expect(inspect(jpeg(app, sof(0xc0, 8, 8), sos()))).toMatchObject({ width: 8, height: 8 });
    // Fill bytes before a marker.
    expect(inspect(jpeg([0xff, 0xff, 0xff], sof(0xc0, 8, 8), sos()))).toMatchObject({ width: 8, height: 8 });
  });

  it(`a JPEG of many scans costs no decoding: ${MAX_JPEG_SCANS * 40} scans are counted and refused in well under a second`, () => {
    const many = jpeg(sof(0xc2, 4000, 4000), ...Array.from({ length: MAX_JPEG_SCANS * 40 }, () => sos()));
    const t0 = performance.now();
    expect(() => inspect(many)).toThrow(/more than 500 scans/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('resize buffers are bounded whatever the numbers', () => {
  it('the coefficient table of a 50,000,000-pixel side is refused before it is built (the pixels are never read)', () => {
    const fake = { width: 50_000_000, height: 1, data: new Uint8Array(3) };
    expect(() => resizeRgb(fake, 256, 256, 'bicubic')).toThrow(/resizing the 50000000x1 image to 256x256 needs a buffer of \d+\.\d megapixels/);
  });

  it('the target and the horizontal pass are refused with the sizes; legitimate resizes pass', () => {
    const fake = (width: number, height: number) => ({ width, height, data: new Uint8Array(3) });
    expect(() => resizeRgb(fake(1, 20000), 256, 5_120_000, 'bilinear')).toThrow(/to 256x5120000 needs a buffer of 1310\.7 megapixels/);
    expect(() => resizeRgb(fake(1, 1_000_000), 256, 256, 'bilinear')).toThrow(/256\.0 megapixels/);
    const photo = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) };
    expect(resizeRgb(photo, 1024, 768, 'bicubic')).toMatchObject({ width: 1024, height: 768 });
  });
});

describe('the command line\'s decoder reads the five formats the app reads', () => {
  it('the OS/2 BMP gives Pillow\'s bytes; anything else: the formats expected are named', () => {
    const f = manifest.files.find((x) => x.file === 'bmp_os2_3x2.bmp')!;
    expect(Buffer.from(decodeImageBytes(bytesOf(f.file)).image.data).toString('hex')).toBe(f.rgb);
    expect(() => decodeImageBytes(new Uint8Array(Buffer.from('hello')))).toThrow(/not an image this app reads \(PNG, JPEG, GIF, WebP or BMP expected\)/);
  });
});
