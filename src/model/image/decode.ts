/**
 * Encoded image bytes to RGB without a browser (the CLI, tests): PNG with the Pillow-exact decoder
 * (`png.ts`), JPEG with jpeg-js (whose chroma upsampling differs slightly from libjpeg's, so a JPEG
 * does not give Pillow's bytes exactly). The kind, size and scan count are checked before any
 * decoding; the EXIF orientation is ignored, as Pillow ignores it, unless `orientation` is 'apply'.
 */
import jpeg from 'jpeg-js';
import { decodePng } from './png.ts';
import { orientImage, type OrientationMode, type OrientationNote } from './orientation.ts';
import { ImageError, imageError, toRgb, type RgbImage } from './rgb.ts';
import { checkImageSize, MAX_IMAGE_PIXELS, sniffImage } from './sniff.ts';

export function decodeImageBytes(bytes: Uint8Array, orientation: OrientationMode = 'ignore'): { image: RgbImage; orientation: OrientationNote | null } {
  let info;
  try {
    info = sniffImage(bytes);
  } catch (e) {
    if (e instanceof ImageError && e.msg?.id === 'image.notImage') throw imageError('image.cliFormats');
    throw e;
  }
  checkImageSize(info.width, info.height);
  let rgb: RgbImage;
  if (info.kind === 'png') {
    rgb = decodePng(bytes);
  } else if (info.kind === 'jpeg') {
    let img;
    try {
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    } catch (e) {
      throw new ImageError(`the JPEG file is damaged (${(e as Error).message})`);
    }
    rgb = toRgb({ width: img.width, height: img.height, data: img.data });
  } else {
    throw imageError('image.browserOnly', { kind: info.kind.toUpperCase() });
  }
  return orientImage(rgb, info.orientation, orientation);
}
