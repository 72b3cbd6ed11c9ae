/**
 * Encoded image bytes to RGB without a browser (the CLI, tests), each format as Pillow 9.4's
 * `Image.open(path).convert("RGB")` gives it, bit for bit: PNG (`png.ts`), JPEG (`jpeg.ts`: libjpeg-turbo's
 * IDCT, upsampling and colour conversion), BMP (`bmp.ts`), GIF's first frame (`gif.ts`) and WebP (`webp.ts`:
 * libwebp itself, as WebAssembly; Node only). What `jpeg.ts` does not read (four-component CMYK / YCCK JPEGs,
 * damaged entropy data) goes to jpeg-js, which differs from libjpeg. The kind, size and scan count are checked before any
 * decoding; the EXIF orientation is ignored, as Pillow ignores it, unless `orientation` is 'apply'.
 */
import jpeg from 'jpeg-js';
import { decodeJpeg, JpegUnsupported } from './jpeg.ts';
import { decodeBmp } from './bmp.ts';
import { decodeGif } from './gif.ts';
import { decodePng } from './png.ts';
import { decodeWebp } from './webp.ts';
import { orientImage, type OrientationMode, type OrientationNote } from './orientation.ts';
import { ImageError, toRgb, type RgbImage } from './rgb.ts';
import { checkImageSize, MAX_IMAGE_PIXELS, sniffImage } from './sniff.ts';

export function decodeImageBytes(bytes: Uint8Array, orientation: OrientationMode = 'ignore'): { image: RgbImage; orientation: OrientationNote | null } {
  const info = sniffImage(bytes);
  checkImageSize(info.width, info.height);
  let rgb: RgbImage;
  if (info.kind === 'png') {
    rgb = decodePng(bytes);
  } else if (info.kind === 'jpeg') {
    rgb = decodeJpegBytes(bytes);
  } else if (info.kind === 'bmp') {
    rgb = decodeBmp(bytes);
  } else if (info.kind === 'gif') {
    rgb = decodeGif(bytes);
  } else {
    rgb = decodeWebp(bytes);
  }
  return orientImage(rgb, info.orientation, orientation);
}

/** A JPEG as Pillow decodes it (`jpeg.ts`), or by jpeg-js where that decoder does not read the file. */
function decodeJpegBytes(bytes: Uint8Array): RgbImage {
  try {
    return decodeJpeg(bytes);
  } catch (e) {
    if (!(e instanceof JpegUnsupported)) throw e;
  }
  let img;
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new ImageError(`the JPEG file is damaged (${(e as Error).message})`);
  }
  return toRgb({ width: img.width, height: img.height, data: img.data });
}
