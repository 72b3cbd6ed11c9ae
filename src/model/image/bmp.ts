/**
 * BMP to RGB exactly as Pillow 9.4 reads it (`Image.open(path).convert("RGB")`): the header versions
 * Pillow reads (12-byte OS/2 1.x, 40, 64, 108 and 124 bytes), 1/4/8-bit palettes, 16-bit 5-5-5 and
 * BITFIELDS 5-6-5 (5-bit and 6-bit channels scaled by v * 255 / 31 or 63, rounded down), 24-bit,
 * 32-bit (alpha dropped) with the bitfield layouts Pillow knows, bottom-up and top-down, RLE8 and RLE4.
 *
 * Pillow's own readings are kept, so that the pixels are the ones a PyTorch user gets:
 * - a palette that is the identity grey ramp (entry i is (i, i, i)) is dropped: two entries give a
 *   1-bit image read as bits whatever the depth, more give an 8-bit grey image read as one byte a pixel
 *   at the depth's row stride; indices past a palette's end read grey (i, i, i);
 * - RLE runs follow Pillow's BmpRleDecoder: an odd absolute run of RLE4 drops its last pixel, a delta
 *   escape skips four bytes, a file that ends before the last row is refused.
 * JPEG and PNG payloads, other compressions, bit depths and bitfield layouts are refused in one line.
 */
import { ImageError, type RgbImage } from './rgb.ts';
import { checkImageSize } from './sniff.ts';

const RAW = 0;
const RLE8 = 1;
const RLE4 = 2;
const BITFIELDS = 3;
const COMPRESSION_NAMES = ['RAW', 'RLE8', 'RLE4', 'BITFIELDS', 'JPEG', 'PNG'];

/** How one stored pixel becomes RGB: Pillow's raw modes. */
type RawMode = 'P;1' | 'P;4' | 'P' | 'L' | '1' | 'BGR;15' | 'BGR;16' | 'BGR' | 'BGRX' | 'XBGR' | 'ABGR' | 'RGBA' | 'BGRA';

const BITS_OF: Record<RawMode, number> = {
  'P;1': 1, 'P;4': 4, P: 8, L: 8, '1': 1, 'BGR;15': 16, 'BGR;16': 16, BGR: 24, BGRX: 32, XBGR: 32, ABGR: 32, RGBA: 32, BGRA: 32,
};

/** Byte positions of R, G, B in a 32-bit pixel of each 32-bit raw mode. */
const ORDER32: Partial<Record<RawMode, [number, number, number]>> = {
  BGRX: [2, 1, 0], BGRA: [2, 1, 0], XBGR: [3, 2, 1], ABGR: [3, 2, 1], RGBA: [0, 1, 2],
};

/** The 32-bit bitfield layouts (R, G, B, A masks) Pillow reads, and as what. */
const MASKS32: [string, RawMode][] = [
  ['ff0000,ff00,ff,0', 'BGRX'],
  ['ff000000,ff0000,ff00,0', 'XBGR'],
  ['ff000000,ff0000,ff00,ff', 'ABGR'],
  ['ff,ff00,ff0000,ff000000', 'RGBA'],
  ['ff0000,ff00,ff,ff000000', 'BGRA'],
  ['0,0,0,0', 'BGRA'],
];

function fail(what: string): never {
  throw new ImageError(`the BMP file ${what}`);
}

export function decodeBmp(b: Uint8Array): RgbImage {
  const u16 = (i: number): number => (i + 2 <= b.length ? b[i] | (b[i + 1] << 8) : fail('is truncated inside its header'));
  const u32 = (i: number): number => (i + 4 <= b.length ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0 : fail('is truncated inside its header'));
  let offset = u32(10);
  const headerSize = u32(14);
  if (14 + headerSize > b.length) fail('is truncated inside its header');
  let width: number;
  let height: number;
  let bits: number;
  let compression = RAW;
  let colors = 0;
  let paletteEntry = 4;
  let topDown = false;
  let masks: number[] | null = null;
  let at = 14 + headerSize; // where the file is read on from, as Pillow's file pointer
  if (headerSize === 12) {
    width = u16(18);
    height = u16(20);
    bits = u16(24);
    paletteEntry = 3;
  } else if (headerSize === 40 || headerSize === 64 || headerSize === 108 || headerSize === 124) {
    topDown = b[25] === 0xff;
    width = u32(18);
    height = topDown ? 2 ** 32 - u32(22) : u32(22);
    bits = u16(28);
    compression = u32(30);
    colors = u32(46);
    if (compression === BITFIELDS) {
      if (headerSize >= 56) {
        masks = [u32(54), u32(58), u32(62), u32(66)];
      } else {
        masks = [u32(at), u32(at + 4), u32(at + 8), 0];
        at += 12;
      }
    }
  } else {
    fail(`has a ${headerSize}-byte header, which Pillow does not read (12, 40, 64, 108 or 124 bytes)`);
  }
  checkImageSize(width, height);
  if (!colors) colors = 2 ** bits;
  if (offset === 14 + headerSize && bits <= 8) offset += 4 * colors;

  if (compression === 4 || compression === 5) {
    fail(`holds a ${COMPRESSION_NAMES[compression]} image (BMP compression ${compression}), which Pillow does not read: save it again as a plain BMP, a PNG or a JPEG`);
  }
  let raw: RawMode;
  if (bits === 1) raw = 'P;1';
  else if (bits === 4) raw = 'P;4';
  else if (bits === 8) raw = 'P';
  else if (bits === 16) raw = 'BGR;15';
  else if (bits === 24) raw = 'BGR';
  else if (bits === 32) raw = 'BGRX';
  else fail(`has ${bits} bits a pixel (1, 4, 8, 16, 24 or 32 are read)`);
  let rle = false;
  if (compression === BITFIELDS) {
    const key = masks!.map((m) => m.toString(16)).join(',');
    const rgb = masks!.slice(0, 3).map((m) => m.toString(16)).join(',');
    let found: RawMode | undefined;
    if (bits === 32) found = MASKS32.find(([k]) => k === key)?.[1];
    else if (bits === 24 && rgb === 'ff0000,ff00,ff') found = 'BGR';
    else if (bits === 16 && rgb === 'f800,7e0,1f') found = 'BGR;16';
    else if (bits === 16 && rgb === '7c00,3e0,1f') found = 'BGR;15';
    if (!found) fail(`has a ${bits}-bit bitfield layout (masks ${key}) that Pillow does not read: save it again as a 24-bit BMP or a PNG`);
    raw = found;
  } else if (compression === RLE8 || compression === RLE4) {
    rle = true;
  } else if (compression !== RAW) {
    const name = COMPRESSION_NAMES[compression] ?? `number ${compression}`;
    fail(`uses ${name} compression, which Pillow does not read from a BMP: save it again as a plain BMP, a PNG or a JPEG`);
  }

  let palette: Uint8Array | null = null;
  if (bits <= 8) {
    if (!(colors > 0 && colors <= 65536)) fail(`states ${colors} palette colours (1 to 65536 are read)`);
    const bytes = b.subarray(at, Math.min(b.length, at + paletteEntry * colors));
    at += bytes.length;
    let grey = true;
    for (let i = 0; i < colors && grey; i++) {
      const v = colors === 2 ? i * 255 : i & 255;
      const e = i * paletteEntry;
      grey = e + 3 <= bytes.length && bytes[e] === v && bytes[e + 1] === v && bytes[e + 2] === v;
    }
    if (grey) {
      raw = colors === 2 ? '1' : 'L';
    } else {
      // ImagePalette.raw("BGRX" / "BGR"): the entries given (256 at most), then index i reads (i, i, i).
      const n = Math.floor(bytes.length / paletteEntry);
      if (n > 256) fail(`has a palette of ${n} colours, which Pillow refuses (at most 256)`);
      palette = new Uint8Array(256 * 3);
      for (let i = 0; i < 256; i++) palette.fill(i, 3 * i, 3 * i + 3);
      for (let i = 0; i < n; i++) {
        palette[3 * i] = bytes[i * paletteEntry + 2];
        palette[3 * i + 1] = bytes[i * paletteEntry + 1];
        palette[3 * i + 2] = bytes[i * paletteEntry];
      }
    }
  }
  if (offset === 0) offset = at;

  let out = new Uint8Array(0); // allocated once the pixel data is known to be there
  const put = (row: Uint8Array, rowAt: number, y: number, mode: RawMode): void => {
    const o = (topDown ? y : height - 1 - y) * width * 3;
    unpackRow(row, rowAt, width, mode, palette, out, o);
  };
  if (rle) {
    if (raw !== 'P' && raw !== 'P;1' && raw !== 'P;4' && raw !== 'L') fail(`uses RLE compression with ${bits} bits a pixel, which Pillow does not read`);
    const data = rleIndices(b, offset, width, height, compression === RLE4);
    out = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) put(data, y * width, y, raw === 'L' ? 'L' : 'P');
    return { width, height, data: out };
  }
  const stride = ((width * bits + 31) >>> 3) & ~3;
  const rowBytes = Math.ceil((width * BITS_OF[raw]) / 8);
  // Pillow maps an 8-bit P or L file whose rows all fit into the file into memory, stride by stride: a
  // row of a 1- or 4-bit file read as grey bytes then reads on into the next, and past the file's end
  // (the mapped page's zeros). Otherwise its raw decoder needs each row's bytes.
  const mapped = (raw === 'P' || raw === 'L') && offset + height * stride <= b.length;
  if (!mapped && rowBytes > stride) fail(`is a ${bits}-bit grey image Pillow cannot read (its rows are shorter than its pixels)`);
  if (!mapped && offset + (height - 1) * stride + rowBytes > b.length) {
    fail(`is truncated: its ${width}x${height} pixels need ${(height - 1) * stride + rowBytes} bytes from byte ${offset}, and it has ${Math.max(0, b.length - offset)}`);
  }
  out = new Uint8Array(width * height * 3);
  let src = b;
  if (mapped && offset + (height - 1) * stride + rowBytes > b.length) {
    src = new Uint8Array(offset + (height - 1) * stride + rowBytes);
    src.set(b);
  }
  for (let y = 0; y < height; y++) put(src, offset + y * stride, y, raw);
  return { width, height, data: out };
}

/** One stored row (from `at`) to RGB at `o` in `out`, as Pillow's unpacker of the raw mode and its convert("RGB"). */
function unpackRow(b: Uint8Array, at: number, width: number, mode: RawMode, palette: Uint8Array | null, out: Uint8Array, o: number): void {
  const order = ORDER32[mode];
  for (let x = 0; x < width; x++, o += 3) {
    if (order) {
      const p = at + 4 * x;
      out[o] = b[p + order[0]];
      out[o + 1] = b[p + order[1]];
      out[o + 2] = b[p + order[2]];
      continue;
    }
    if (mode === 'BGR') {
      const p = at + 3 * x;
      out[o] = b[p + 2];
      out[o + 1] = b[p + 1];
      out[o + 2] = b[p];
      continue;
    }
    if (mode === 'BGR;15' || mode === 'BGR;16') {
      const v = b[at + 2 * x] | (b[at + 2 * x + 1] << 8);
      if (mode === 'BGR;15') {
        out[o] = Math.floor((((v >> 10) & 31) * 255) / 31);
        out[o + 1] = Math.floor((((v >> 5) & 31) * 255) / 31);
      } else {
        out[o] = Math.floor((((v >> 11) & 31) * 255) / 31);
        out[o + 1] = Math.floor((((v >> 5) & 63) * 255) / 63);
      }
      out[o + 2] = Math.floor(((v & 31) * 255) / 31);
      continue;
    }
    let v: number;
    if (mode === 'P;1' || mode === '1') v = (b[at + (x >> 3)] >> (7 - (x & 7))) & 1;
    else if (mode === 'P;4') v = (b[at + (x >> 1)] >> (x & 1 ? 0 : 4)) & 15;
    else v = b[at + x];
    if (mode === '1') {
      out.fill(v ? 255 : 0, o, o + 3);
    } else if (palette) {
      out[o] = palette[3 * v];
      out[o + 1] = palette[3 * v + 1];
      out[o + 2] = palette[3 * v + 2];
    } else {
      out.fill(v, o, o + 3);
    }
  }
}

/**
 * The palette indices of an RLE8 / RLE4 bitmap, one byte a pixel, rows in storage order, as Pillow
 * 9.4's BmpRleDecoder makes them (the word alignment of absolute runs counts from the file's start).
 */
function rleIndices(b: Uint8Array, start: number, width: number, height: number, rle4: boolean): Uint8Array {
  const total = width * height;
  const data = new Uint8Array(total + 256 + 2 * width);
  let n = 0;
  let at = start;
  let x = 0;
  const room = (more: number): void => {
    if (n + more > data.length) fail('has RLE data that runs past its pixels');
  };
  while (n < total) {
    if (at + 2 > b.length) break;
    let count = b[at];
    const byte = b[at + 1];
    at += 2;
    if (count) {
      if (x + count > width) count = Math.max(0, width - x);
      room(count);
      for (let i = 0; i < count; i++) data[n++] = rle4 ? (i % 2 === 0 ? byte >> 4 : byte & 15) : byte;
      x += count;
    } else if (byte === 0) {
      const pad = (width - (n % width)) % width;
      room(pad);
      n += pad;
      x = 0;
    } else if (byte === 1) {
      break;
    } else if (byte === 2) {
      if (at + 2 > b.length) break;
      if (at + 4 > b.length) fail('is truncated inside an RLE delta');
      const skip = b[at + 2] + b[at + 3] * width;
      at += 4;
      room(Math.min(skip, total));
      n += skip;
      x = n % width;
    } else {
      const want = rle4 ? byte >> 1 : byte;
      const got = Math.min(want, b.length - at);
      room(rle4 ? 2 * got : got);
      for (let i = 0; i < got; i++) {
        const v = b[at + i];
        if (rle4) {
          data[n++] = v >> 4;
          data[n++] = v & 15;
        } else {
          data[n++] = v;
        }
      }
      at += got;
      if (got < want) break;
      x += byte;
      if (at % 2 !== 0) at++;
    }
  }
  if (n < total) fail(`is truncated: its RLE data ends after ${Math.floor(n / width)} of ${height} rows`);
  return data;
}
