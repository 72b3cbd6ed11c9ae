/**
 * EXIF orientation: where a file says how it should be turned to be shown upright, and the turn itself.
 *
 * Pillow's `Image.open(f).convert("RGB")`, which torchvision's and timm's loaders call, ignores the
 * tag, so PyTorch sees a phone photo as stored; browsers honour it. Both the app and the CLI read an
 * image as Pillow does by default and apply the tag only when asked, with `applyOrientation`, which
 * turns the pixels exactly as Pillow's `ImageOps.exif_transpose` does. The tag is read where Pillow
 * reads it: IFD0 tag 0x0112 of the EXIF block (JPEG: the first APP1 starting "Exif\0"; PNG: the eXIf
 * chunk, else a "Raw profile type exif" text chunk, else XMP's tiff:Orientation; WebP: the EXIF chunk).
 */
import { inflateAtMost } from './inflate.ts';
import { messageOf, type Message } from '../message.ts';
import type { RgbImage } from './rgb.ts';

/** EXIF orientations that ask for a turn (1 is "as stored"; other values are ignored, as Pillow and browsers ignore them). */
export type Orientation = 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** How an image with an orientation tag is read: as stored (Pillow's, PyTorch's reading) or turned upright. */
export type OrientationMode = 'ignore' | 'apply';
export const ORIENTATION_MODES: readonly OrientationMode[] = ['ignore', 'apply'];

/** What was done with a file's orientation tag (null where the file has none that asks for a turn). */
export interface OrientationNote {
  tag: Orientation;
  applied: boolean;
}

/** What each orientation asks for, and what was done, as English templates by id (src/model/message.ts); the app translates them. */
export const ORIENTATION_MESSAGES = {
  'orientation.turn.2': 'mirror left to right',
  'orientation.turn.3': 'rotate 180°',
  'orientation.turn.4': 'mirror top to bottom',
  'orientation.turn.5': 'mirror along the top-left to bottom-right diagonal',
  'orientation.turn.6': 'rotate 90° clockwise',
  'orientation.turn.7': 'mirror along the top-right to bottom-left diagonal',
  'orientation.turn.8': 'rotate 90° counter-clockwise',
  'orientation.ignored': 'EXIF orientation {tag} ({turn}) not applied: read as stored, as Pillow and PyTorch read it',
  'orientation.applied': 'EXIF orientation {tag} applied ({turn}), as Pillow\'s ImageOps.exif_transpose turns it; PyTorch\'s usual loader does not',
} as const;

/** The note on what was done with a file's orientation tag. */
export function orientationMessage(note: OrientationNote): Message {
  const turn = messageOf(ORIENTATION_MESSAGES, `orientation.turn.${note.tag}`);
  return messageOf(ORIENTATION_MESSAGES, note.applied ? 'orientation.applied' : 'orientation.ignored', { tag: note.tag, turn });
}

/** Where an orientation value sits in the file's bytes, so a copy can be made that says "as stored". */
export interface OrientationField {
  at: number;
  bytes: 1 | 2 | 4;
  littleEndian: boolean;
}

interface ExifOrientation {
  /** The last value Pillow would keep (IFD0 tag 0x0112, count 1), or null where the tag is absent. */
  value: number | null;
  /** Every orientation entry of IFD0, valid or not (a browser may read another one than Pillow). */
  fields: OrientationField[];
}

/** Byte sizes of the TIFF integer types an orientation may be written in (BYTE, SHORT, LONG, SBYTE, SSHORT, SLONG). */
const INTEGER_TYPES: Record<number, 1 | 2 | 4> = { 1: 1, 3: 2, 4: 4, 6: 1, 8: 2, 9: 4 };

/**
 * The orientation entries of an EXIF block (a TIFF header and IFD0), `start` to `end` in `bytes`,
 * with or without the "Exif\0\0" prefix. A damaged block gives what was read before the damage, as
 * Pillow keeps the tags it read.
 */
export function exifOrientation(bytes: Uint8Array, start: number, end: number): ExifOrientation {
  const out: ExifOrientation = { value: null, fields: [] };
  let s = start;
  if (end - s >= 6 && bytes[s] === 0x45 && bytes[s + 1] === 0x78 && bytes[s + 2] === 0x69 && bytes[s + 3] === 0x66 && bytes[s + 4] === 0 && bytes[s + 5] === 0) s += 6;
  if (end - s < 8) return out;
  const little = bytes[s] === 0x49 && bytes[s + 1] === 0x49;
  if (!little && !(bytes[s] === 0x4d && bytes[s + 1] === 0x4d)) return out;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(s + 2, little) !== 42) return out;
  const ifd = s + dv.getUint32(s + 4, little);
  if (ifd + 2 > end || ifd < s) return out;
  const count = dv.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) break;
    if (dv.getUint16(e, little) !== 0x0112) continue;
    const size = INTEGER_TYPES[dv.getUint16(e + 2, little)];
    if (!size || dv.getUint32(e + 4, little) !== 1) {
      out.value = 0; // present but not one integer: Pillow keeps a value no turn matches
      continue;
    }
    const type = dv.getUint16(e + 2, little);
    const at = e + 8;
    const v = size === 1 ? (type === 6 ? dv.getInt8(at) : dv.getUint8(at)) : size === 2 ? (type === 8 ? dv.getInt16(at, little) : dv.getUint16(at, little)) : type === 9 ? dv.getInt32(at, little) : dv.getUint32(at, little);
    out.value = v;
    out.fields.push({ at, bytes: size, littleEndian: little });
  }
  return out;
}

/** Pillow's reading of XMP: the first `tiff:Orientation="N"` or `<tiff:Orientation>N`. */
export function xmpOrientation(text: string): number | null {
  const m = /tiff:Orientation(="|>)([0-9])/.exec(text);
  return m ? Number(m[2]) : null;
}

/** A valid turn, or null ("as stored": absent, 1, or a value no turn matches). */
export function asOrientation(v: number | null): Orientation | null {
  return v !== null && Number.isInteger(v) && v >= 2 && v <= 8 ? (v as Orientation) : null;
}

/** Latin-1 text of a byte range (PNG text chunks, XMP). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 8192) s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 8192)));
  return s;
}

/** Compressed PNG text is inflated up to this many bytes, as Pillow's MAX_TEXT_CHUNK (1 MB) bounds it. */
const MAX_TEXT_BYTES = 1024 * 1024;

/** Inflates compressed PNG text into at most MAX_TEXT_BYTES; null where it does not inflate or is larger. */
export function inflateText(bytes: Uint8Array): Uint8Array | null {
  try {
    const out = inflateAtMost(bytes, MAX_TEXT_BYTES + 1);
    return out.length > MAX_TEXT_BYTES ? null : out;
  } catch {
    return null;
  }
}

/** The EXIF bytes of ImageMagick's "Raw profile type exif" text: hex after the third line, as Pillow reads it. */
export function rawProfileExif(text: string): Uint8Array | null {
  const hex = text.split('\n').slice(3).join('');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * A copy of the file whose orientation entries all say 1 ("as stored"): what the browser's decoder is
 * given, so that it hands over the pixels as stored, as Pillow reads them (Chromium applies a JPEG's
 * tag even with `imageOrientation: 'none'`).
 */
export function withoutOrientation(bytes: Uint8Array, fields: readonly OrientationField[]): Uint8Array {
  if (fields.length === 0) return bytes;
  const copy = bytes.slice();
  const dv = new DataView(copy.buffer);
  for (const f of fields) {
    if (f.bytes === 1) dv.setUint8(f.at, 1);
    else if (f.bytes === 2) dv.setUint16(f.at, 1, f.littleEndian);
    else dv.setUint32(f.at, 1, f.littleEndian);
  }
  return copy;
}

/**
 * The image turned as its orientation tag says, exactly as Pillow's `ImageOps.exif_transpose`:
 * 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270 (90° clockwise),
 * 7 TRANSVERSE, 8 ROTATE_90 (90° counter-clockwise). Pixels are moved, never resampled.
 */
function applyOrientation(img: RgbImage, o: Orientation): RgbImage {
  const { width: w, height: h, data } = img;
  const swap = o >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx: number, sy: number;
      switch (o) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break;
      }
      const d = (y * W + x) * 3;
      const s = (sy * w + sx) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { width: W, height: H, data: out };
}

/** The image as the mode says, and what was done (null where the file asks for no turn). */
export function orientImage(img: RgbImage, tag: Orientation | null, mode: OrientationMode): { image: RgbImage; orientation: OrientationNote | null } {
  if (tag === null) return { image: img, orientation: null };
  return mode === 'apply' ? { image: applyOrientation(img, tag), orientation: { tag, applied: true } } : { image: img, orientation: { tag, applied: false } };
}
