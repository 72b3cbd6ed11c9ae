/**
 * What an encoded image is, read from its first bytes without decoding it: the kind (PNG, JPEG,
 * GIF, WebP, BMP) and the size, so that a non-image or a huge image is refused before any pixel
 * buffer is allocated.
 */
import { imageError } from './rgb.ts';

/** Images above this many pixels are refused before decoding. */
export const MAX_IMAGE_PIXELS = 50_000_000;

export function checkImageSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw imageError('image.noPixels', { width, height });
  if (width * height > MAX_IMAGE_PIXELS) {
    throw imageError('image.tooLarge', { width, height, megapixels: ((width * height) / 1e6).toFixed(1), max: MAX_IMAGE_PIXELS / 1e6 });
  }
}

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

/**
 * Recognises an image by its bytes and reads its size from the header, without decoding it, so a
 * non-image or a huge image is refused before any pixel buffer is allocated.
 */
export function sniffImage(bytes: Uint8Array): { kind: ImageKind; width: number; height: number } {
  const b = bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const starts = (...sig: number[]): boolean => b.length >= sig.length && sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) {
    if (b.length < 24) throw imageError('image.pngTruncated');
    return { kind: 'png', width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  if (starts(0xff, 0xd8)) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) {
        i++;
        continue;
      }
      const marker = b[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2;
        continue;
      }
      const len = dv.getUint16(i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { kind: 'jpeg', height: dv.getUint16(i + 5), width: dv.getUint16(i + 7) };
      i += 2 + len;
    }
    throw imageError('image.jpegTruncated');
  }
  if (starts(0x47, 0x49, 0x46, 0x38)) {
    if (b.length < 10) throw imageError('image.gifTruncated');
    return { kind: 'gif', width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
  }
  if (starts(0x42, 0x4d) && b.length >= 26) {
    return { kind: 'bmp', width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
  }
  if (starts(0x52, 0x49, 0x46, 0x46) && b.length >= 30 && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    const chunk = String.fromCharCode(...b.subarray(12, 16));
    if (chunk === 'VP8X') return { kind: 'webp', width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
    if (chunk === 'VP8L') {
      const bits = dv.getUint32(21, true);
      return { kind: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ') return { kind: 'webp', width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
  }
  throw imageError('image.notImage');
}
