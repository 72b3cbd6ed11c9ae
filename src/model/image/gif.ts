/**
 * A GIF's first frame to RGB exactly as Pillow 9.4 reads it (`Image.open(path).convert("RGB")`):
 * - the canvas is the logical screen, grown to hold the first frame (its offset plus its size);
 * - outside the frame the canvas holds the frame's transparency index where it has one (from the
 *   graphic control extension before it), else index 0, looked up in the frame's palette like any pixel;
 * - transparent pixels keep their palette colour (convert("RGB") ignores the transparency);
 * - the palette is the frame's local one, else the global one; a palette that is the identity grey
 *   ramp (entry i is (i, i, i)) counts as none (a local one then gives way to the global one, as
 *   Pillow's loader puts the global palette on the grey image), and with none each index i reads as
 *   grey (i, i, i), as do indices past a palette's end;
 * - the LZW data is decoded as Pillow's decoder does (src/libImaging/GifDecode.c): the frame ends at
 *   its last pixel; a stream that ends before it, or stops at an early end code with no more file to
 *   read, is truncated; a code past the table is broken. Both are refused in one line.
 */
import { ImageError, type RgbImage } from './rgb.ts';
import { checkImageSize } from './sniff.ts';

/** Pillow's ImageFile.load reads this many bytes at a time and hands the decoder all it has. */
const READ_BLOCK = 65536;
const TABLE = 4096;

function fail(what: string): never {
  throw new ImageError(`the GIF file ${what}`);
}

/** A palette of `bytes` (RGB triples), or null where it is absent or the identity grey ramp (Pillow's `_is_palette_needed`). */
function paletteOf(bytes: Uint8Array): Uint8Array | null {
  let identity = true;
  for (let i = 0; i + 2 < bytes.length && identity; i += 3) identity = bytes[i] === i / 3 && bytes[i + 1] === i / 3 && bytes[i + 2] === i / 3;
  if (identity) return null;
  const p = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) p.fill(i, 3 * i, 3 * i + 3);
  p.set(bytes.subarray(0, Math.min(768, bytes.length - (bytes.length % 3))));
  return p;
}

export function decodeGif(b: Uint8Array): RgbImage {
  if (b.length < 13) fail('is truncated');
  const version = String.fromCharCode(...b.subarray(0, 6));
  if (version !== 'GIF87a' && version !== 'GIF89a') fail(`starts with "${version.replace(/[^ -~]/g, '?')}", not GIF87a or GIF89a`);
  let width = b[6] | (b[7] << 8);
  let height = b[8] | (b[9] << 8);
  let at = 13;
  let global: Uint8Array | null = null;
  if (b[10] & 0x80) {
    const n = 3 << ((b[10] & 7) + 1);
    global = paletteOf(b.subarray(at, at + n));
    at += n;
  }
  const subBlock = (): Uint8Array | null => {
    if (at >= b.length || b[at] === 0) {
      at = Math.min(b.length, at + 1);
      return null;
    }
    const block = b.subarray(at + 1, at + 1 + b[at]);
    at += 1 + b[at];
    return block;
  };
  let transparency: number | null = null;
  for (;;) {
    if (at >= b.length || b[at] === 0x3b) fail('has no image in it');
    const tag = b[at++];
    if (tag === 0x21) {
      const label = b[at++];
      const block = subBlock();
      if (label === 0xf9) {
        if (!block || block.length < 4) fail('has a damaged graphic control extension');
        if (block[0] & 1) transparency = block[3];
      }
      if (label !== 0xfe || block) while (subBlock());
    } else if (tag === 0x2c) {
      break;
    }
  }
  if (at + 9 > b.length) fail('is truncated inside its first image descriptor');
  const u16 = (i: number): number => b[i] | (b[i + 1] << 8);
  const x0 = u16(at);
  const y0 = u16(at + 2);
  const fw = u16(at + 4);
  const fh = u16(at + 6);
  const flags = b[at + 8];
  at += 9;
  width = Math.max(width, x0 + fw);
  height = Math.max(height, y0 + fh);
  checkImageSize(width, height);
  if (fw === 0 || fh === 0) fail(`has an empty first frame (${fw}x${fh})`);
  let palette = global;
  if (flags & 0x80) {
    const n = 3 << ((flags & 7) + 1);
    palette = paletteOf(b.subarray(at, at + n)) ?? global;
    at += n;
  }
  if (at >= b.length) fail('is truncated before its image data');
  const bits = b[at++];
  const indices = new Uint8Array(width * height).fill(transparency ?? 0);
  decodeLzw(b, at, bits, flags & 0x40 ? true : false, { indices, width, x0, y0, fw, fh });

  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (palette) {
      out[3 * i] = palette[3 * v];
      out[3 * i + 1] = palette[3 * v + 1];
      out[3 * i + 2] = palette[3 * v + 2];
    } else {
      out.fill(v, 3 * i, 3 * i + 3);
    }
  }
  return { width, height, data: out };
}

interface Frame {
  indices: Uint8Array;
  width: number;
  x0: number;
  y0: number;
  fw: number;
  fh: number;
}

/**
 * Pillow's GIF decoder, fed as Pillow's loader feeds it: the file from the data's start in blocks of
 * READ_BLOCK bytes, each call given what the last one left plus the next block. It returns when the
 * frame's last row is written; it stops for more data where a sub-block is not all there.
 */
function decodeLzw(file: Uint8Array, start: number, bits: number, interlaced: boolean, f: Frame): void {
  if (bits > 12) fail(`has an LZW code size of ${bits} (at most 12 is read)`);
  const clear = 1 << bits;
  const end = clear + 1;
  const data = new Uint8Array(TABLE);
  const link = new Uint16Array(TABLE);
  const stack = new Uint8Array(TABLE);
  let state = 1;
  let next = 0;
  let codesize = 0;
  let codemask = 0;
  let stackAt = TABLE;
  let bitbuffer = 0;
  let bitcount = 0;
  let blocksize = 0;
  let lastdata = 0;
  let lastcode = 0;
  let x = 0;
  let y = 0;
  let pass = interlaced ? 1 : 0;
  let step = interlaced ? 8 : 1;
  /** Moves to the next row (Pillow's NEWLINE); false when the frame is done. */
  const newline = (): boolean => {
    x = 0;
    y += step;
    while (y >= f.fh) {
      if (pass === 1) {
        y = 4;
        pass = 2;
      } else if (pass === 2) {
        step = 4;
        y = 2;
        pass = 3;
      } else if (pass === 3) {
        step = 2;
        y = 1;
        pass = 0;
      } else {
        return false;
      }
    }
    return true;
  };
  const put = (v: number): void => {
    f.indices[(f.y0 + y) * f.width + f.x0 + x] = v;
  };
  /** One call of the C decoder on buf[from, to): the bytes consumed, or -1 when the frame is done. */
  const decode = (buf: Uint8Array, from: number, to: number): number => {
    let ptr = from;
    for (;;) {
      if (state === 1) {
        next = clear + 2;
        codesize = bits + 1;
        codemask = (1 << codesize) - 1;
        stackAt = TABLE;
        state = 2;
      }
      let single = -1;
      let first: number;
      let count: number;
      if (stackAt < TABLE) {
        first = stackAt;
        count = TABLE - stackAt;
        stackAt = TABLE;
      } else {
        while (bitcount < codesize) {
          if (blocksize > 0) {
            bitbuffer |= buf[ptr++] << bitcount;
            bitcount += 8;
            blocksize--;
          } else {
            if (to - ptr < 1) return ptr - from;
            const c = buf[ptr];
            if (to - ptr < c + 1) return ptr - from;
            blocksize = c;
            ptr++;
          }
        }
        let c = bitbuffer & codemask;
        bitbuffer >>>= codesize;
        bitcount -= codesize;
        if (c === clear) {
          if (state !== 2) state = 1;
          continue;
        }
        if (c === end) return ptr - from;
        if (state === 2) {
          if (c > clear) fail('is damaged: its LZW data starts with a code past the table');
          lastdata = lastcode = c;
          state = 3;
        } else {
          const thiscode = c;
          if (c > next) fail('is damaged: its LZW data has a code past the table');
          if (c === next) {
            if (stackAt <= 0) fail('is damaged: its LZW data overflows');
            stack[--stackAt] = lastdata;
            c = lastcode;
          }
          while (c >= clear) {
            if (stackAt <= 0 || c >= TABLE) fail('is damaged: its LZW data overflows');
            stack[--stackAt] = data[c];
            c = link[c];
          }
          lastdata = c;
          if (next < TABLE) {
            data[next] = c;
            link[next] = lastcode;
            if (next === codemask && codesize < 12) {
              codesize++;
              codemask = (1 << codesize) - 1;
            }
            next++;
          }
          lastcode = thiscode;
        }
        single = lastdata;
        first = 0;
        count = 1;
      }
      if (y >= f.fh) fail('is damaged: its LZW data runs past the frame');
      for (let i = 0; i < count; i++) {
        put(single >= 0 ? single : stack[first + i]);
        if (++x >= f.fw && !newline()) return -1;
      }
    }
  };
  let pending = new Uint8Array(0);
  for (let readAt = start; ;) {
    const chunk = file.subarray(readAt, Math.min(file.length, readAt + READ_BLOCK));
    if (chunk.length === 0) fail('is truncated: its image data ends before the first frame is complete');
    readAt += chunk.length;
    const buf = new Uint8Array(pending.length + chunk.length);
    buf.set(pending);
    buf.set(chunk, pending.length);
    const n = decode(buf, 0, buf.length);
    if (n < 0) return;
    pending = buf.subarray(n);
  }
}
