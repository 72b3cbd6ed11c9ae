/**
 * A PNG decoder whose output is what Pillow 9.4's `Image.open(f).convert("RGB")` gives, for every
 * colour type and bit depth PNG allows, interlaced or not:
 *
 * | PNG | Pillow opens it as | convert("RGB") |
 * |---|---|---|
 * | grey 1 bit | `1` | 0 or 255 |
 * | grey 2 / 4 bits | `L` (x 85 / x 17) | grey replicated |
 * | grey 8 bits | `L` | grey replicated |
 * | grey 16 bits | `I` (0..65535) | clipped to 255 (values above 255 become 255, the rest stay) |
 * | RGB 8 / 16 bits | `RGB` (16 bits: the high byte) | as is |
 * | palette 1-8 bits | `P` | the palette colour |
 * | grey + alpha 8 / 16 bits | `LA` / `RGBA` (16 bits: the high bytes) | grey replicated, alpha dropped |
 * | RGBA 8 / 16 bits | `RGBA` (16 bits: the high bytes) | alpha dropped |
 *
 * Gamma, colour profiles and transparency chunks are ignored, as Pillow's conversion ignores them.
 * Damaged files (bad signature, CRC, chunk lengths, compressed data, too few rows) get a clear error.
 */
import { inflateAtMost } from './inflate.ts';
import { ImageError, type RgbImage } from './rgb.ts';
import { checkImageSize } from './sniff.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

let crcTable: Uint32Array | null = null;

function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

/** Adam7: [x0, y0, dx, dy] of each of the seven passes. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
}

function passes(h: Header): Pass[] {
  if (!h.interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, width: h.width, height: h.height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0, y0, dx, dy,
    width: Math.max(0, Math.ceil((h.width - x0) / dx)),
    height: Math.max(0, Math.ceil((h.height - y0) / dy)),
  })).filter((p) => p.width > 0 && p.height > 0);
}

function rowBytes(width: number, h: Header): number {
  return Math.ceil((width * CHANNELS[h.colorType] * h.depth) / 8);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row filters of one pass in place; returns the offset after the pass. */
function unfilter(raw: Uint8Array, at: number, pass: Pass, h: Header): number {
  const stride = rowBytes(pass.width, h);
  const bpp = Math.max(1, (CHANNELS[h.colorType] * h.depth) / 8);
  let prev = -1;
  for (let y = 0; y < pass.height; y++) {
    const type = raw[at];
    const row = at + 1;
    if (type > 4) throw new ImageError(`the PNG file is damaged: row ${y} has filter type ${type} (0-4 exist)`);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? raw[row + i - bpp] : 0;
      const b = prev >= 0 ? raw[prev + i] : 0;
      const c = prev >= 0 && i >= bpp ? raw[prev + i - bpp] : 0;
      let add = 0;
      if (type === 1) add = a;
      else if (type === 2) add = b;
      else if (type === 3) add = (a + b) >> 1;
      else if (type === 4) add = paeth(a, b, c);
      raw[row + i] = (raw[row + i] + add) & 0xff;
    }
    prev = row;
    at = row + stride;
  }
  return at;
}

/** Sample `i` (0-based, across the row) of a row of samples `depth` bits wide, big-endian. */
function sample(raw: Uint8Array, row: number, i: number, depth: number): number {
  if (depth === 8) return raw[row + i];
  if (depth === 16) return (raw[row + 2 * i] << 8) | raw[row + 2 * i + 1];
  const bit = i * depth;
  return (raw[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/** Grey value of a sample as Pillow's convert("RGB") gives it (see the table above). */
function greyOf(v: number, depth: number): number {
  switch (depth) {
    case 1: return v ? 255 : 0;
    case 2: return v * 85;
    case 4: return v * 17;
    case 8: return v;
    default: return v > 255 ? 255 : v;
  }
}

function readChunks(bytes: Uint8Array): { header: Header; palette: Uint8Array | null; idat: Uint8Array } {
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) throw new ImageError('not a PNG file (bad signature)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let ended = false;
  while (!ended) {
    if (at + 8 > bytes.length) throw new ImageError('the PNG file is truncated (no IEND chunk)');
    const length = dv.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    const data = at + 8;
    if (length > 0x7fffffff || data + length + 4 > bytes.length) throw new ImageError(`the PNG file is truncated (chunk ${JSON.stringify(type)} needs ${length} bytes)`);
    if (crc32(bytes, at + 4, data + length) !== dv.getUint32(data + length)) throw new ImageError(`the PNG file is damaged: bad CRC in chunk ${JSON.stringify(type)}`);
    if (!header && type !== 'IHDR') throw new ImageError('the PNG file is damaged: it does not start with an IHDR chunk');
    switch (type) {
      case 'IHDR': {
        if (header) throw new ImageError('the PNG file is damaged: two IHDR chunks');
        if (length !== 13) throw new ImageError(`the PNG file is damaged: IHDR has ${length} bytes, not 13`);
        const h: Header = {
          width: dv.getUint32(data), height: dv.getUint32(data + 4), depth: bytes[data + 8], colorType: bytes[data + 9],
          interlaced: bytes[data + 12] === 1,
        };
        if (!(h.colorType in CHANNELS)) throw new ImageError(`the PNG file is damaged: colour type ${h.colorType} does not exist`);
        if (!DEPTHS[h.colorType].includes(h.depth)) throw new ImageError(`the PNG file is damaged: colour type ${h.colorType} with bit depth ${h.depth} does not exist`);
        if (bytes[data + 10] !== 0 || bytes[data + 11] !== 0 || bytes[data + 12] > 1) {
          throw new ImageError('the PNG file uses an unknown compression, filter or interlace method');
        }
        checkImageSize(h.width, h.height);
        header = h;
        break;
      }
      case 'PLTE':
        if (length % 3 !== 0 || length === 0 || length > 768) throw new ImageError(`the PNG file is damaged: PLTE has ${length} bytes (a multiple of 3, at most 768)`);
        palette = bytes.subarray(data, data + length);
        break;
      case 'IDAT':
        idat.push(bytes.subarray(data, data + length));
        idatBytes += length;
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        break;
    }
    at = data + length + 4;
  }
  if (!header) throw new ImageError('the PNG file has no IHDR chunk');
  if (idat.length === 0) throw new ImageError('the PNG file has no image data (no IDAT chunk)');
  if (header.colorType === 3 && !palette) throw new ImageError('the PNG file is damaged: a palette image without a PLTE chunk');
  const all = new Uint8Array(idatBytes);
  let o = 0;
  for (const c of idat) {
    all.set(c, o);
    o += c.length;
  }
  return { header, palette, idat: all };
}

/** Decodes a PNG file to 8-bit RGB exactly as Pillow's `Image.open(f).convert("RGB")` does. */
export function decodePng(bytes: Uint8Array): RgbImage {
  const { header: h, palette, idat } = readChunks(bytes);
  const ps = passes(h);
  const expected = ps.reduce((s, p) => s + (rowBytes(p.width, h) + 1) * p.height, 0);
  // Inflate the bytes the rows need and no more: data after them is ignored, as Pillow ignores it, and
  // a deflate bomb costs no more than the rows it stands for.
  let raw: Uint8Array;
  try {
    raw = inflateAtMost(idat, expected);
  } catch (e) {
    throw new ImageError(`the PNG file is damaged: its compressed data does not inflate (${(e as Error).message})`);
  }
  if (raw.length < expected) throw new ImageError(`the PNG file is truncated: its image data holds ${raw.length} of the ${expected} bytes its rows need`);
  const rgb = new Uint8Array(h.width * h.height * 3);
  const ch = CHANNELS[h.colorType];
  const entries = palette ? palette.length / 3 : 0;
  let at = 0;
  for (const p of ps) {
    const start = at;
    at = unfilter(raw, at, p, h);
    const stride = rowBytes(p.width, h) + 1;
    for (let y = 0; y < p.height; y++) {
      const row = start + y * stride + 1;
      const outRow = (p.y0 + y * p.dy) * h.width;
      for (let x = 0; x < p.width; x++) {
        const o = (outRow + p.x0 + x * p.dx) * 3;
        let r: number, g: number, b: number;
        if (h.colorType === 3) {
          const index = sample(raw, row, x, h.depth);
          // Pillow's palette starts as a grey ramp; PLTE overwrites its first entries.
          if (index < entries) {
            r = palette![index * 3];
            g = palette![index * 3 + 1];
            b = palette![index * 3 + 2];
          } else {
            r = g = b = index;
          }
        } else if (h.colorType === 0 || h.colorType === 4) {
          const v = sample(raw, row, x * ch, h.depth);
          r = g = b = h.colorType === 0 ? greyOf(v, h.depth) : h.depth === 16 ? v >> 8 : v;
        } else {
          r = sample(raw, row, x * ch, h.depth);
          g = sample(raw, row, x * ch + 1, h.depth);
          b = sample(raw, row, x * ch + 2, h.depth);
          if (h.depth === 16) {
            r >>= 8;
            g >>= 8;
            b >>= 8;
          }
        }
        rgb[o] = r;
        rgb[o + 1] = g;
        rgb[o + 2] = b;
      }
    }
  }
  return { width: h.width, height: h.height, data: rgb };
}
