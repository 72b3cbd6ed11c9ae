/**
 * The decoded image every preprocessing step starts from: what Pillow's `Image.open(f).convert("RGB")`
 * holds, 8 bits a channel, no alpha.
 */

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

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

/**
 * RGB bytes of an RGB or RGBA image. RGBA loses its alpha channel as in Pillow's convert("RGB"):
 * the colour channels are kept as stored, not composited onto a background.
 */
export function toRgb(img: PixelImage): RgbImage {
  const { width, height, data } = img;
  const n = width * height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ImageError(`image has no pixels (${width}x${height})`);
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
