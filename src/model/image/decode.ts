/**
 * Encoded image bytes to RGB without a browser (the CLI, tests): PNG with the Pillow-exact decoder
 * (`png.ts`), JPEG with jpeg-js (whose chroma upsampling differs slightly from libjpeg's, so a JPEG
 * does not give Pillow's bytes exactly). The kind and size are checked before any decoding.
 */
import jpeg from 'jpeg-js';
import { decodePng } from './png.ts';
import { ImageError, toRgb, type RgbImage } from './rgb.ts';
import { checkImageSize, MAX_IMAGE_PIXELS, sniffImage } from './sniff.ts';

export function decodeImageBytes(bytes: Uint8Array): RgbImage {
  const info = sniffImage(bytes);
  checkImageSize(info.width, info.height);
  if (info.kind === 'png') return decodePng(bytes);
  if (info.kind === 'jpeg') {
    let img;
    try {
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    } catch (e) {
      throw new ImageError(`the JPEG file is damaged (${(e as Error).message})`);
    }
    return toRgb({ width: img.width, height: img.height, data: img.data });
  }
  throw new ImageError(`${info.kind.toUpperCase()} images are read in the browser only; use PNG or JPEG here`);
}
