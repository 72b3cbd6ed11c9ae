/**
 * The decoded image every preprocessing step starts from: what Pillow's `Image.open(f).convert("RGB")`
 * holds, 8 bits a channel, no alpha.
 */
import { catalogue, OptionalMessageError } from '../message.ts';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB, row-major, 3 bytes a pixel. */
  data: Uint8Array;
}

/** An image as decoders hand it over: RGB (3 bytes a pixel) or RGBA (4; the alpha is dropped). */
export interface PixelImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** The image errors of normal use as English templates by id (src/model/message.ts); the app translates them. */
export const IMAGE_MESSAGES = {
  'image.noPixels': 'image has no pixels ({width}x{height})',
  'image.tooLarge': 'image is {width}x{height} = {megapixels} megapixels; at most {max} megapixels are accepted (scale it down first)',
  'image.notImage': 'the file is not an image this app reads (PNG, JPEG, GIF, WebP or BMP expected)',
  'image.pngTruncated': 'the PNG file is truncated',
  'image.jpegTruncated': 'the JPEG file is truncated or damaged: no frame header found',
  'image.gifTruncated': 'the GIF file is truncated',
  'image.undecodable': 'the image ({width}x{height}) could not be decoded: the file is damaged or in a format this browser cannot read',
  'image.jpegSegment': 'the JPEG file is damaged: its segment {marker} says it is {length} bytes long (at least 2)',
  'image.jpegTwoFrames': 'the JPEG file is damaged: it has a second frame header (libjpeg refuses such files)',
  'image.jpegScanFirst': 'the JPEG file is damaged: a scan comes before the frame header',
  'image.jpegScans': 'the {width}x{height} JPEG has more than {max} scans (a progressive JPEG has about 10); each scan walks the whole image again, so it is refused before decoding: save it again as a plain JPEG',
  'image.bmpTruncated': 'the BMP file is truncated: it ends after {bytes} bytes, inside its header',
  'image.bmpHeader': 'the BMP file is damaged: its header is {size} bytes (12, 40, 108 or 124 expected)',
  'image.resizeTooLarge': 'resizing the {width}x{height} image to {toWidth}x{toHeight} needs a buffer of {megapixels} megapixels, more than the {max} allowed: crop the image to a less elongated shape first',
  'image.decodedSize': 'the browser decoded {width}x{height} pixels from a {kind} file whose header says {headerWidth}x{headerHeight}: refused, the file is damaged or uses something this app does not read',
} as const;

/** An image that cannot be read; `msg` is the message as an id with parameters, where there is one. */
export class ImageError extends OptionalMessageError {
  override readonly name = 'ImageError';
}

/** An ImageError of the catalogue. */
export const { error: imageError } = catalogue(IMAGE_MESSAGES, (m) => new ImageError(m));

/**
 * RGB bytes of an RGB or RGBA image. RGBA loses its alpha channel as in Pillow's convert("RGB"):
 * the colour channels are kept as stored, not composited onto a background.
 */
export function toRgb(img: PixelImage): RgbImage {
  const { width, height, data } = img;
  const n = width * height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw imageError('image.noPixels', { width, height });
  }
  if (data.length === n * 3) return { width, height, data: data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length) };
  if (data.length !== n * 4) {
    throw new ImageError(`image data holds ${data.length} bytes; a ${width}x${height} image needs ${n * 3} (RGB) or ${n * 4} (RGBA)`);
  }
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    rgb[i * 3] = data[j];
    rgb[i * 3 + 1] = data[j + 1];
    rgb[i * 3 + 2] = data[j + 2];
  }
  return { width, height, data: rgb };
}
