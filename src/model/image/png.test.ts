import { readFileSync } from 'node:fs';
import { constants as zlibConstants, deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePng } from './png.ts';
import { ImageError } from './rgb.ts';
import { checkImageSize, sniffImage } from './sniff.ts';

const DIR = 'fixtures/images/png';
interface Case { name: string; file: string; rgb: string; width: number; height: number; color_type: number; bit_depth: number; interlaced: boolean; pil_mode: string }
const index = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) as { pillow: string; cases: Case[] };

describe(`PNG decoding equals Pillow ${index.pillow}'s Image.open(f).convert("RGB") (fixtures/images/png)`, () => {
  it('covers every colour type and bit depth, interlaced and not', () => {
    const kinds = new Set(index.cases.map((c) => `${c.color_type}/${c.bit_depth}`));
    for (const k of ['0/1', '0/2', '0/4', '0/8', '0/16', '2/8', '2/16', '3/1', '3/2', '3/4', '3/8', '4/8', '4/16', '6/8', '6/16']) expect(kinds).toContain(k);
    expect(index.cases.some((c) => c.interlaced)).toBe(true);
  });

  it.each(index.cases.map((c) => [c.name, c.pil_mode, c]))('%s (Pillow mode %s): identical RGB bytes', (_n, _m, c) => {
    const img = decodePng(new Uint8Array(readFileSync(`${DIR}/${c.file}`)));
    expect([img.width, img.height]).toEqual([c.width, c.height]);
    const ref = new Uint8Array(readFileSync(`${DIR}/${c.rgb}`));
    expect(img.data.length).toBe(ref.length);
    let differing = 0;
    for (let i = 0; i < ref.length; i++) if (img.data[i] !== ref[i]) differing++;
    expect(differing).toBe(0);
  });

  it('16-bit greyscale is clipped at 255 as Pillow does, not scaled to 8 bits', () => {
    const c = index.cases.find((x) => x.name === 'grey16_low')!;
    const img = decodePng(new Uint8Array(readFileSync(`${DIR}/${c.file}`)));
    expect(img.data.filter((v) => v === 255).length).toBeGreaterThan(img.data.length / 4);
    expect(img.data.some((v) => v > 0 && v < 255)).toBe(true);
  });
});

/** A minimal PNG: signature, chunks with CRCs (Node's zlib has a crc32 since 20.15; compute our own here). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
function png(parts: Uint8Array[]): Uint8Array {
  const sig = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const all = [sig, ...parts];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function ihdr(w: number, h: number, depth = 8, colorType = 2, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return chunk('IHDR', d);
}
const rows2x2 = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 0, 7, 8, 9, 10, 11, 12]);
const IEND = chunk('IEND', new Uint8Array());

describe('bad PNG files get a clear error', () => {
  it('a well-formed hand-made file decodes', () => {
    const img = decodePng(png([ihdr(2, 2), chunk('IDAT', deflateSync(rows2x2)), IEND]));
    expect([...img.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
  it.each([
    ['a bad CRC', () => { const f = png([ihdr(2, 2), chunk('IDAT', deflateSync(rows2x2)), IEND]); f[30] ^= 1; return f; }, /bad CRC in chunk "IHDR"/],
    ['a truncated file', () => png([ihdr(2, 2), chunk('IDAT', deflateSync(rows2x2)), IEND]).subarray(0, 40), /truncated/],
    ['too few rows', () => png([ihdr(2, 3), chunk('IDAT', deflateSync(rows2x2)), IEND]), /holds 14 of the 21 bytes its rows need/],
    ['garbage instead of compressed data', () => png([ihdr(2, 2), chunk('IDAT', new Uint8Array([1, 2, 3, 4, 5])), IEND]), /compressed data does not inflate/],
    ['an unknown filter type', () => png([ihdr(2, 2), chunk('IDAT', deflateSync(new Uint8Array([9, 1, 2, 3, 4, 5, 6, 0, 7, 8, 9, 10, 11, 12]))), IEND]), /filter type 9/],
    ['a colour type that does not exist', () => png([ihdr(2, 2, 8, 5), IEND]), /colour type 5 does not exist/],
    ['a bit depth the colour type lacks', () => png([ihdr(2, 2, 4, 2), IEND]), /colour type 2 with bit depth 4 does not exist/],
    ['a palette image without a palette', () => png([ihdr(2, 2, 8, 3), chunk('IDAT', deflateSync(new Uint8Array(6))), IEND]), /without a PLTE chunk/],
    ['no image data', () => png([ihdr(2, 2), IEND]), /no IDAT/],
    ['no IEND', () => png([ihdr(2, 2), chunk('IDAT', deflateSync(rows2x2))]), /truncated \(no IEND chunk\)/],
    ['not a PNG', () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), /not a PNG file/],
    ['a 60-megapixel header (refused before inflating)', () => png([ihdr(10000, 6000), chunk('IDAT', deflateSync(rows2x2)), IEND]), /60\.0 megapixels; at most 50/],
  ])('%s', (_what, make, message) => {
    expect(() => decodePng(make())).toThrow(ImageError);
    expect(() => decodePng(make())).toThrow(message);
  });
  it('a deflate bomb is never inflated past the size the rows need, nor run to its end', () => {
    // 4 GiB of zeros in 4 MB: 256 copies of a sync-flushed raw deflate of 16 MiB (blocks without history,
    // so they concatenate), then a final empty block. Inflated whole (fflate's one-shot inflate runs the
    // whole stream even into a small buffer) it costs tens of seconds; stopped at the 14 bytes the rows
    // need, milliseconds (the bounds below leave room for a busy machine).
    const block = deflateRawSync(new Uint8Array(16 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const bomb = Buffer.concat([Buffer.from([0x78, 0x01]), ...new Array<Buffer>(256).fill(block), Buffer.from([0x03, 0x00, 0, 0, 0, 1])]);
    const file = png([ihdr(2, 2), chunk('IDAT', bomb), IEND]);
    const t0 = performance.now();
    const img = decodePng(file);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(img.data.length).toBe(12);
    // The same bomb as compressed PNG text (where an EXIF orientation may be): read up to 1 MB only.
    const text = new Uint8Array([...Buffer.from('Raw profile type exif'), 0, 0, ...bomb]);
    const t1 = performance.now();
    expect(sniffImage(png([ihdr(2, 2), chunk('zTXt', text), chunk('IDAT', deflateSync(rows2x2)), IEND])).orientation).toBeNull();
    expect(performance.now() - t1).toBeLessThan(5000);
    // Many such chunks cost no more than one: only the last of each key Pillow reads is inflated.
    const small = Buffer.concat([Buffer.from([0x78, 0x01]), ...new Array<Buffer>(64).fill(block), Buffer.from([0x03, 0x00, 0, 0, 0, 1])]);
    const many = new Array(200).fill(chunk('zTXt', new Uint8Array([...Buffer.from('Raw profile type exif'), 0, 0, ...small])));
    const t2 = performance.now();
    expect(sniffImage(png([ihdr(2, 2), ...many, chunk('IDAT', deflateSync(rows2x2)), IEND])).orientation).toBeNull();
    expect(performance.now() - t2).toBeLessThan(5000);
  }, 30_000);
});

describe('sniffing (kind and size without decoding)', () => {
  it('a text file named .jpg is not an image', () => {
    expect(() => sniffImage(new Uint8Array(readFileSync('fixtures/images/not-an-image.jpg')))).toThrow(ImageError);
    expect(() => sniffImage(new Uint8Array(readFileSync('fixtures/images/not-an-image.jpg')))).toThrow(/not an image/);
  });
  it('reads PNG and JPEG sizes from the header', () => {
    expect(sniffImage(new Uint8Array(readFileSync('fixtures/images/test.png')))).toMatchObject({ kind: 'png', width: 320, height: 240 });
    expect(sniffImage(new Uint8Array(readFileSync('fixtures/images/test.jpg')))).toMatchObject({ kind: 'jpeg', width: 320, height: 240 });
  });
  it('a 50-megapixel image is refused before decoding', () => {
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
