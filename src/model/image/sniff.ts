/**
 * What an encoded image is, read from its headers without decoding it: the kind (PNG, JPEG, GIF,
 * WebP, BMP), the size, and its EXIF orientation, so that a non-image or a huge image is refused
 * before any pixel buffer is allocated.
 *
 * The size is the largest one any place in the file states that a decoder here (ours, jpeg-js,
 * Chromium's, Pillow's) may allocate by: a GIF's logical screen and every frame's extent (Pillow and
 * Chromium grow the canvas to the first frame), a WebP's canvas and every frame and bitstream, a
 * PNG's IHDR and APNG frames, a BMP header read by its own size (the 12-byte OS/2 header holds
 * 16-bit sides). A JPEG must have one frame header (libjpeg refuses a second; jpeg-js would decode
 * it) and at most MAX_JPEG_SCANS scans: each scan of a progressive JPEG walks the whole image again,
 * so a small file of many scans costs unbounded time (libjpeg-turbo's `max_scans` limit).
 */
import { imageError } from './rgb.ts';
import {
  asOrientation,
  exifOrientation,
  inflateText,
  latin1,
  rawProfileExif,
  xmpOrientation,
  type Orientation,
  type OrientationField,
} from './orientation.ts';

/** Images above this many pixels are refused before decoding. */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** JPEGs with more scans than this are refused before decoding (libjpeg-turbo's suggested scan limit). */
export const MAX_JPEG_SCANS = 500;

export function checkImageSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw imageError('image.noPixels', { width, height });
  if (width * height > MAX_IMAGE_PIXELS) {
    throw imageError('image.tooLarge', { width, height, megapixels: ((width * height) / 1e6).toFixed(1), max: MAX_IMAGE_PIXELS / 1e6 });
  }
}

type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

export interface ImageInfo {
  kind: ImageKind;
  width: number;
  height: number;
  /** The EXIF orientation that asks for a turn, or null (absent, 1, or invalid). */
  orientation: Orientation | null;
  /** Every orientation entry in the file's EXIF blocks (see `withoutOrientation`). */
  orientationFields: OrientationField[];
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}

function u24le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
}

function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function ascii(b: Uint8Array, i: number, n: number): string {
  return String.fromCharCode(...b.subarray(i, i + n));
}

function info(kind: ImageKind, width: number, height: number, orientation: number | null = null, fields: OrientationField[] = []): ImageInfo {
  return { kind, width, height, orientation: asOrientation(orientation), orientationFields: fields };
}

/**
 * IHDR, APNG frame controls (fcTL: offset + size) and the orientation (eXIf, else raw EXIF text, else
 * XMP; the last chunk of each, as Pillow keeps the last). Only those two text chunks are inflated, so a
 * file of many compressed text chunks costs no more than one.
 */
function png(b: Uint8Array): ImageInfo {
  if (b.length < 24) throw imageError('image.pngTruncated');
  let width = u32be(b, 16);
  let height = u32be(b, 20);
  let exif: number | null | undefined;
  const fields: OrientationField[] = [];
  const texts = new Map<string, { type: string; data: number; end: number }>();
  for (let at = 8; at + 8 <= b.length;) {
    const length = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    const data = at + 8;
    const end = data + length;
    if (end + 4 > b.length) break;
    if (type === 'fcTL' && length >= 20) {
      width = Math.max(width, u32be(b, data + 12) + u32be(b, data + 4));
      height = Math.max(height, u32be(b, data + 16) + u32be(b, data + 8));
    } else if (type === 'eXIf') {
      const e = exifOrientation(b, data, end);
      exif = e.value;
      fields.push(...e.fields);
    } else if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const zero = b.subarray(data, Math.min(end, data + 80)).indexOf(0);
      const key = zero < 0 ? '' : latin1(b, data, data + zero);
      if (key === 'Raw profile type exif' || key === 'XML:com.adobe.xmp') texts.set(key, { type, data, end });
    } else if (type === 'IEND') {
      break;
    }
    at = end + 4;
  }
  const textOf = (key: string): string | null => {
    const t = texts.get(key);
    return t ? pngText(b, t.type, t.data, t.end) : null;
  };
  let tagged: number | null | undefined = exif;
  if (tagged === undefined) {
    const raw = textOf('Raw profile type exif');
    const bytes = raw === null ? null : rawProfileExif(raw);
    if (bytes) tagged = exifOrientation(bytes, 0, bytes.length).value;
  }
  if (tagged === undefined || tagged === null) {
    const xmp = textOf('XML:com.adobe.xmp');
    if (xmp !== null) tagged = xmpOrientation(xmp);
  }
  return info('png', width, height, tagged ?? null, fields);
}

/** A PNG text chunk's text (compressed text inflated up to 1 MB, as Pillow bounds it), or null where it does not read. */
function pngText(b: Uint8Array, type: string, data: number, end: number): string | null {
  let at = data + b.subarray(data, end).indexOf(0) + 1;
  if (type === 'tEXt') return latin1(b, at, end);
  if (type === 'zTXt') {
    const text = inflateText(b.subarray(at + 1, end));
    return text ? latin1(text, 0, text.length) : null;
  }
  const compressed = b[at] === 1;
  at += 2;
  for (let skip = 0; skip < 2; skip++) {
    const z = b.subarray(at, end).indexOf(0);
    if (z < 0) return null;
    at += z + 1;
  }
  const raw = compressed ? inflateText(b.subarray(at, end)) : b.subarray(at, end);
  return raw ? new TextDecoder().decode(raw) : null;
}

const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const isRst = (m: number): boolean => m >= 0xd0 && m <= 0xd7;

/**
 * Walks a JPEG's markers to its end: one frame header (SOF), the scans counted (refused past
 * MAX_JPEG_SCANS), entropy-coded data skipped, and the orientation of the first "Exif\0" APP1.
 */
function jpeg(b: Uint8Array): ImageInfo {
  let frame: { width: number; height: number } | null = null;
  let scans = 0;
  let orientation: number | null | undefined;
  const fields: OrientationField[] = [];
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0x00 || marker === 0xd8 || marker === 0x01 || isRst(marker)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9) break;
    if (i + 4 > b.length) break;
    const length = u16be(b, i + 2);
    if (length < 2) throw imageError('image.jpegSegment', { marker: `0xFF${marker.toString(16).toUpperCase()}`, length });
    const data = i + 4;
    const end = Math.min(b.length, i + 2 + length);
    if (isSof(marker)) {
      if (frame) throw imageError('image.jpegTwoFrames');
      if (end - data < 5) break;
      frame = { height: u16be(b, data + 1), width: u16be(b, data + 3) };
    } else if (marker === 0xe1 && end - data >= 5 && ascii(b, data, 4) === 'Exif' && b[data + 4] === 0) {
      // Pillow reads the first such block; a browser may read another: every one's entries are listed.
      const e = exifOrientation(b, data, end);
      if (orientation === undefined) orientation = b[data + 5] === 0 ? e.value : null;
      fields.push(...e.fields);
    } else if (marker === 0xda) {
      if (!frame) throw imageError('image.jpegScanFirst');
      scans++;
      if (scans > MAX_JPEG_SCANS) throw imageError('image.jpegScans', { max: MAX_JPEG_SCANS, width: frame.width, height: frame.height });
      // Entropy-coded data runs to the next marker that is not a stuffed byte, a restart or a fill byte.
      let j = i + 2 + length;
      while (j + 1 < b.length && !(b[j] === 0xff && b[j + 1] !== 0 && b[j + 1] !== 0xff && !isRst(b[j + 1]))) j++;
      i = j;
      continue;
    }
    i += 2 + length;
  }
  if (!frame) throw imageError('image.jpegTruncated');
  return info('jpeg', frame.width, frame.height, orientation ?? null, fields);
}

/** A GIF's logical screen and every frame's extent (offset + size): Pillow and browsers grow the canvas to the first frame. */
function gif(b: Uint8Array): ImageInfo {
  if (b.length < 13) throw imageError('image.gifTruncated');
  let width = u16le(b, 6);
  let height = u16le(b, 8);
  let i = 13 + (b[10] & 0x80 ? 3 * 2 ** ((b[10] & 7) + 1) : 0);
  const subBlocks = (at: number): number => {
    while (at < b.length) {
      const n = b[at++];
      if (n === 0) break;
      at += n;
    }
    return at;
  };
  while (i < b.length) {
    const block = b[i];
    if (block === 0x21) {
      i = subBlocks(i + 2);
    } else if (block === 0x2c) {
      if (i + 10 > b.length) break;
      width = Math.max(width, u16le(b, i + 1) + u16le(b, i + 5));
      height = Math.max(height, u16le(b, i + 3) + u16le(b, i + 7));
      const flags = b[i + 9];
      i += 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0) + 1;
      i = subBlocks(i);
    } else if (block === 0x3b) {
      break;
    } else {
      i++; // Pillow skips a byte that starts no block
    }
  }
  return info('gif', width, height);
}

/**
 * The DIB header read by its size: 12 bytes (OS/2 1.x BITMAPCOREHEADER) holds 16-bit sides, the
 * larger ones (OS/2 2.x, BITMAPINFOHEADER, V4, V5) signed 32-bit ones (negative height: top-down).
 * Null where the bytes only start with "BM" (no header size any BMP has).
 */
function bmp(b: Uint8Array): ImageInfo | null {
  if (b.length < 18) return null;
  const size = u32le(b, 14);
  if (size < 12 || size > 124) return null;
  if (b.length < 14 + Math.min(size, 16)) throw imageError('image.bmpTruncated', { bytes: b.length });
  if (size === 12) return info('bmp', u16le(b, 18), u16le(b, 20));
  if (size < 16) throw imageError('image.bmpHeader', { size });
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return info('bmp', Math.abs(dv.getInt32(18, true)), Math.abs(dv.getInt32(22, true)));
}

/** VP8 (lossy) and VP8L (lossless) bitstream sizes, or null where the chunk is too short. */
function bitstream(b: Uint8Array, type: string, data: number, end: number): [number, number] | null {
  if (type === 'VP8 ' && end - data >= 10) return [u16le(b, data + 6) & 0x3fff, u16le(b, data + 8) & 0x3fff];
  if (type === 'VP8L' && end - data >= 5) {
    const bits = u32le(b, data + 1);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  return null;
}

/** A WebP's canvas (VP8X), every animation frame's extent (ANMF) and every bitstream's size; the orientation of its EXIF chunk. */
function webp(b: Uint8Array): ImageInfo {
  let width = 0;
  let height = 0;
  let orientation: number | null | undefined;
  const fields: OrientationField[] = [];
  const grow = (w: number, h: number): void => {
    width = Math.max(width, w);
    height = Math.max(height, h);
  };
  const walk = (from: number, to: number): void => {
    for (let at = from; at + 8 <= to;) {
      const type = ascii(b, at, 4);
      const size = u32le(b, at + 4);
      const data = at + 8;
      const end = Math.min(to, data + size);
      if (type === 'VP8X' && end - data >= 10) grow(1 + u24le(b, data + 4), 1 + u24le(b, data + 7));
      else if (type === 'ANMF' && end - data >= 16) {
        grow(2 * u24le(b, data) + 1 + u24le(b, data + 6), 2 * u24le(b, data + 3) + 1 + u24le(b, data + 9));
        walk(data + 16, end);
      } else if (type === 'EXIF' && orientation === undefined) {
        const e = exifOrientation(b, data, end);
        orientation = e.value;
        fields.push(...e.fields);
      } else {
        const s = bitstream(b, type, data, end);
        if (s) grow(s[0], s[1]);
      }
      at = data + size + (size & 1);
    }
  };
  walk(12, b.length);
  return info('webp', width, height, orientation ?? null, fields);
}

/**
 * Recognises an image by its bytes and reads its size (the largest any header states) and
 * orientation without decoding it, so a non-image or a huge image is refused before any pixel buffer
 * is allocated.
 */
export function sniffImage(bytes: Uint8Array): ImageInfo {
  const b = bytes;
  const starts = (...sig: number[]): boolean => b.length >= sig.length && sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return png(b);
  if (starts(0xff, 0xd8)) return jpeg(b);
  if (starts(0x47, 0x49, 0x46, 0x38)) return gif(b);
  const bitmap = starts(0x42, 0x4d) ? bmp(b) : null;
  if (bitmap) return bitmap;
  if (starts(0x52, 0x49, 0x46, 0x46) && b.length >= 16 && ascii(b, 8, 4) === 'WEBP') return webp(b);
  throw imageError('image.notImage');
}
