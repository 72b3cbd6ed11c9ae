/**
 * JPEG to RGB as Pillow's `Image.open(f).convert("RGB")` gets it from libjpeg-turbo (its defaults: the accurate
 * integer IDCT `jpeg_idct_islow`, "fancy" triangular chroma upsampling, the fixed-point YCbCr -> RGB tables), so
 * that a JPEG gives Pillow's pixels bit for bit, as `png.ts` does for PNGs. Baseline, extended and progressive
 * Huffman JPEGs of 8-bit samples with one (greyscale) or three components (YCbCr, or RGB by Adobe's or the
 * components' marking). Anything else (four components, arithmetic coding, 12 bits, lossless, fractional sampling
 * ratios) or a damaged entropy stream throws a `JpegUnsupported`, and the caller decodes it another way.
 *
 * The steps and their libjpeg-turbo 2.1 sources: markers and Huffman decoding of the coefficients (jdhuff.c,
 * jdphuff.c: DC and AC first and refinement scans, end-of-band runs, restart markers); dequantisation and the
 * islow IDCT with its range limit (jidctint.c, jdmaster.c's table: a wrapped 10-bit value plus 128, clamped);
 * upsampling per component (jdsample.c: h2v1 and h2v2 fancy where the component is more than 2 samples wide, h1v2
 * fancy, plain replication otherwise; the rows above the first and below the last real row repeat them, as
 * jdmainct.c's context pointers do); colour conversion (jdcolor.c).
 */

/** Thrown for what this decoder does not read (the caller falls back); never for a file it reads. */
export class JpegUnsupported extends Error {
  override readonly name = 'JpegUnsupported';
}

/** Natural-order index of the k-th coefficient in zigzag order. */
const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55,
  62, 63,
]);

interface Huffman {
  /** For each code length l (1..16): the largest code of that length, or -1. */
  maxcode: Int32Array;
  /** For each length: index into `values` of its first code minus that code. */
  valptr: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Samples of the component: ceil(image side x factor / max factor). */
  width: number;
  height: number;
  /** Blocks allocated per row / column (MCU-padded) and the coefficients, 64 per block, natural order. */
  blocksW: number;
  blocksH: number;
  coeffs: Int16Array;
  dc: Huffman | null;
  ac: Huffman | null;
  pred: number;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1];
    valptr[l] = k - code;
    if (n > 0) {
      code += n;
      k += n;
      maxcode[l] = code - 1;
    }
    code <<= 1;
  }
  return { maxcode, valptr, values };
}

/** The entropy-coded bits of one scan (0xFF00 is a 0xFF byte; a marker ends the data). */
class BitReader {
  private readonly data: Uint8Array;
  private readonly end: number;
  private pos: number;
  private buf = 0;
  private cnt = 0;
  constructor(data: Uint8Array, start: number, end: number) {
    this.data = data;
    this.pos = start;
    this.end = end;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new JpegUnsupported('the JPEG data ends inside a scan');
    const b = this.data[this.pos];
    if (b === 0xff) {
      if (this.data[this.pos + 1] !== 0) throw new JpegUnsupported('a marker inside the entropy-coded data');
      this.pos += 2;
    } else {
      this.pos++;
    }
    return b;
  }

  bit(): number {
    if (this.cnt === 0) {
      this.buf = this.byte();
      this.cnt = 8;
    }
    this.cnt--;
    return (this.buf >> this.cnt) & 1;
  }

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bit();
    return v;
  }

  /** The value of n bits with JPEG's sign extension (HUFF_EXTEND). */
  receiveExtend(n: number): number {
    if (n === 0) return 0;
    const v = this.bits(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(t: Huffman): number {
    let code = 0;
    for (let l = 1; l <= 16; l++) {
      code = (code << 1) | this.bit();
      if (code <= t.maxcode[l]) return t.values[t.valptr[l] + code];
    }
    throw new JpegUnsupported('a bad Huffman code');
  }

  /** At a restart interval: drop the partial byte and read the RSTn marker. */
  restart(): void {
    this.cnt = 0;
    if (this.pos + 1 < this.end && this.data[this.pos] === 0xff && this.data[this.pos + 1] >= 0xd0 && this.data[this.pos + 1] <= 0xd7) {
      this.pos += 2;
      return;
    }
    throw new JpegUnsupported('a restart marker is missing');
  }
}

/** Where a scan's entropy-coded data ends: the first marker other than a stuffed 0xFF00 or an RSTn. */
function scanEnd(data: Uint8Array, start: number): number {
  let p = start;
  while (p + 1 < data.length) {
    if (data[p] === 0xff) {
      const m = data[p + 1];
      if (m === 0 || (m >= 0xd0 && m <= 0xd7)) {
        p += 2;
        continue;
      }
      if (m === 0xff) {
        p++;
        continue;
      }
      return p;
    }
    p++;
  }
  throw new JpegUnsupported('the JPEG data ends inside a scan');
}

const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** RIGHT_SHIFT(x + 2^(n-1), n) on integers held exactly in doubles (libjpeg's JLONG is 64-bit). */
function descale(x: number, n: number): number {
  return Math.floor((x + 2 ** (n - 1)) / 2 ** n);
}

/** libjpeg's post-IDCT range limit: the value wrapped to 10 bits (two's complement), plus 128, clamped to 0..255. */
function rangeLimit(x: number): number {
  const s = ((x & 1023) ^ 512) - 512;
  const v = s + 128;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** The eight sums of libjpeg's 1-D islow IDCT of x0..x7 (outputs 0..7, not yet descaled). */
const sums = new Float64Array(8);

function idct1d(x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number): void {
  // Even part.
  const z1e = (x2 + x6) * FIX_0_541196100;
  const t2e = z1e + x6 * -FIX_1_847759065;
  const t3e = z1e + x2 * FIX_0_765366865;
  const t0e = (x0 + x4) * 8192;
  const t1e = (x0 - x4) * 8192;
  const tmp10 = t0e + t3e;
  const tmp13 = t0e - t3e;
  const tmp11 = t1e + t2e;
  const tmp12 = t1e - t2e;
  // Odd part.
  let tmp0 = x7;
  let tmp1 = x5;
  let tmp2 = x3;
  let tmp3 = x1;
  let z1 = tmp0 + tmp3;
  let z2 = tmp1 + tmp2;
  let z3 = tmp0 + tmp2;
  let z4 = tmp1 + tmp3;
  const z5 = (z3 + z4) * FIX_1_175875602;
  tmp0 *= FIX_0_298631336;
  tmp1 *= FIX_2_053119869;
  tmp2 *= FIX_3_072711026;
  tmp3 *= FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 = z3 * -FIX_1_961570560 + z5;
  z4 = z4 * -FIX_0_390180644 + z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  sums[0] = tmp10 + tmp3;
  sums[7] = tmp10 - tmp3;
  sums[1] = tmp11 + tmp2;
  sums[6] = tmp11 - tmp2;
  sums[2] = tmp12 + tmp1;
  sums[5] = tmp12 - tmp1;
  sums[3] = tmp13 + tmp0;
  sums[4] = tmp13 - tmp0;
}

/** jpeg_idct_islow: one block's coefficients (natural order) times the quantisation table, to 8x8 samples. */
function idctIslow(coef: Int16Array, at: number, q: Int32Array, out: Uint8Array, stride: number, outAt: number, ws: Float64Array): void {
  for (let c = 0; c < 8; c++) {
    const i = at + c;
    if (coef[i + 8] === 0 && coef[i + 16] === 0 && coef[i + 24] === 0 && coef[i + 32] === 0 && coef[i + 40] === 0 && coef[i + 48] === 0 && coef[i + 56] === 0) {
      const dc = coef[i] * q[c] * 4;
      for (let r = 0; r < 8; r++) ws[r * 8 + c] = dc;
      continue;
    }
    idct1d(
      coef[i] * q[c], coef[i + 8] * q[c + 8], coef[i + 16] * q[c + 16], coef[i + 24] * q[c + 24],
      coef[i + 32] * q[c + 32], coef[i + 40] * q[c + 40], coef[i + 48] * q[c + 48], coef[i + 56] * q[c + 56],
    );
    for (let r = 0; r < 8; r++) ws[r * 8 + c] = descale(sums[r], 11);
  }
  for (let r = 0; r < 8; r++) {
    const w = r * 8;
    const o = outAt + r * stride;
    if (ws[w + 1] === 0 && ws[w + 2] === 0 && ws[w + 3] === 0 && ws[w + 4] === 0 && ws[w + 5] === 0 && ws[w + 6] === 0 && ws[w + 7] === 0) {
      const v = rangeLimit(descale(ws[w], 5));
      for (let k = 0; k < 8; k++) out[o + k] = v;
      continue;
    }
    idct1d(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7]);
    for (let k = 0; k < 8; k++) out[o + k] = rangeLimit(descale(sums[k], 18));
  }
}

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  comps: Component[];
  maxH: number;
  maxV: number;
  /** MCUs per row and per column of an interleaved scan. */
  mcusW: number;
  mcusH: number;
}

interface Plane {
  /** Samples, `stride` per row; rows and columns beyond width / height are padding. */
  data: Uint8Array;
  stride: number;
  width: number;
  height: number;
}

/** Row y of one component upsampled to the image's full resolution, into `row` (at least 2 x its width long). */
function upsampleRow(p: Plane, hRatio: number, vRatio: number, y: number, row: Uint8Array): void {
  const { data, stride, width: dw, height: dh } = p;
  const rowAt = (r: number) => Math.min(Math.max(r, 0), dh - 1) * stride;
  const iy = Math.floor(y / vRatio);
  const cur = rowAt(iy);
  if (hRatio === 2 && vRatio === 2 && dw > 2) {
    // h2v2_fancy_upsample: the nearer row counts 3, the other (above for the upper output row) 1; then across.
    const other = rowAt(y % 2 === 0 ? iy - 1 : iy + 1);
    let thiscol = data[cur] * 3 + data[other];
    let nextcol = data[cur + 1] * 3 + data[other + 1];
    row[0] = (thiscol * 4 + 8) >> 4;
    row[1] = (thiscol * 3 + nextcol + 7) >> 4;
    let lastcol = thiscol;
    thiscol = nextcol;
    for (let x = 1; x < dw - 1; x++) {
      nextcol = data[cur + x + 1] * 3 + data[other + x + 1];
      row[2 * x] = (thiscol * 3 + lastcol + 8) >> 4;
      row[2 * x + 1] = (thiscol * 3 + nextcol + 7) >> 4;
      lastcol = thiscol;
      thiscol = nextcol;
    }
    row[2 * dw - 2] = (thiscol * 3 + lastcol + 8) >> 4;
    row[2 * dw - 1] = (thiscol * 4 + 7) >> 4;
  } else if (hRatio === 1 && vRatio === 2) {
    // h1v2_fancy_upsample: bias 1 for the upper output row, 2 for the lower.
    const other = rowAt(y % 2 === 0 ? iy - 1 : iy + 1);
    const bias = y % 2 === 0 ? 1 : 2;
    for (let x = 0; x < dw; x++) row[x] = (data[cur + x] * 3 + data[other + x] + bias) >> 2;
  } else if (hRatio === 2 && vRatio === 1 && dw > 2) {
    // h2v1_fancy_upsample.
    row[0] = data[cur];
    row[1] = (data[cur] * 3 + data[cur + 1] + 2) >> 2;
    for (let x = 1; x < dw - 1; x++) {
      const v = data[cur + x] * 3;
      row[2 * x] = (v + data[cur + x - 1] + 1) >> 2;
      row[2 * x + 1] = (v + data[cur + x + 1] + 2) >> 2;
    }
    row[2 * dw - 2] = (data[cur + dw - 1] * 3 + data[cur + dw - 2] + 1) >> 2;
    row[2 * dw - 1] = data[cur + dw - 1];
  } else if (hRatio === 1) {
    row.set(data.subarray(cur, cur + dw));
  } else {
    // int_upsample, and h2v1 / h2v2 replication where the component is at most 2 samples wide.
    for (let x = 0; x < dw; x++) row.fill(data[cur + x], x * hRatio, (x + 1) * hRatio);
  }
}

/** jdcolor.c's ycc_rgb_convert tables (SCALEBITS 16). */
const YCC = (() => {
  const fix = (x: number) => Math.floor(x * 65536 + 0.5);
  const crR = new Int32Array(256);
  const cbB = new Int32Array(256);
  const crG = new Float64Array(256);
  const cbG = new Float64Array(256);
  for (let i = 0; i < 256; i++) {
    const x = i - 128;
    crR[i] = Math.floor((fix(1.402) * x + 32768) / 65536);
    cbB[i] = Math.floor((fix(1.772) * x + 32768) / 65536);
    crG[i] = -fix(0.71414) * x;
    cbG[i] = -fix(0.34414) * x + 32768;
  }
  return { crR, cbB, crG, cbG };
})();

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Decodes a JPEG to RGB (3 bytes a pixel) as Pillow does; throws JpegUnsupported for what it does not read. */
export function decodeJpeg(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const qt: (Int32Array | undefined)[] = [];
  const dcTables: (Huffman | undefined)[] = [];
  const acTables: (Huffman | undefined)[] = [];
  let frame: Frame | null = null;
  let restartInterval = 0;
  let jfif = false;
  let adobeTransform: number | null = null;
  let p = 2;
  const u16 = (at: number) => (bytes[at] << 8) | bytes[at + 1];
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new JpegUnsupported('not a JPEG');
  for (;;) {
    if (p + 2 > bytes.length) throw new JpegUnsupported('the JPEG ends before its end marker');
    if (bytes[p] !== 0xff) throw new JpegUnsupported('a marker was expected');
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker === 0xd9) break;
    if (p + 4 > bytes.length) throw new JpegUnsupported('the JPEG ends before its end marker');
    const len = u16(p + 2);
    const seg = p + 4;
    const end = p + 2 + len;
    if (len < 2 || end > bytes.length) throw new JpegUnsupported('a segment runs past the end');
    if (marker === 0xe0 && bytes[seg] === 0x4a && bytes[seg + 1] === 0x46 && bytes[seg + 2] === 0x49 && bytes[seg + 3] === 0x46 && bytes[seg + 4] === 0) {
      jfif = true;
    } else if (marker === 0xee && len >= 14 && bytes[seg] === 0x41 && bytes[seg + 1] === 0x64 && bytes[seg + 2] === 0x6f && bytes[seg + 3] === 0x62 && bytes[seg + 4] === 0x65) {
      adobeTransform = bytes[seg + 11];
    } else if (marker === 0xdb) {
      for (let q = seg; q < end; ) {
        const pq = bytes[q] >> 4;
        const tq = bytes[q] & 15;
        if (tq > 3) throw new JpegUnsupported('a quantisation table id above 3');
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) table[ZIGZAG[k]] = pq ? u16(q + 1 + 2 * k) : bytes[q + 1 + k];
        qt[tq] = table;
        q += 1 + (pq ? 128 : 64);
      }
    } else if (marker === 0xc4) {
      for (let q = seg; q < end; ) {
        const tc = bytes[q] >> 4;
        const th = bytes[q] & 15;
        if (th > 3 || tc > 1) throw new JpegUnsupported('a bad Huffman table id');
        const counts = bytes.subarray(q + 1, q + 17);
        const n = counts.reduce((a, b) => a + b, 0);
        const table = buildHuffman(counts, bytes.slice(q + 17, q + 17 + n));
        (tc === 0 ? dcTables : acTables)[th] = table;
        q += 17 + n;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(seg);
    } else if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (frame) throw new JpegUnsupported('two frame headers');
      if (bytes[seg] !== 8) throw new JpegUnsupported(`${bytes[seg]}-bit samples`);
      const height = u16(seg + 1);
      const width = u16(seg + 3);
      const n = bytes[seg + 5];
      if (n !== 1 && n !== 3) throw new JpegUnsupported(`${n} components`);
      if (width === 0 || height === 0) throw new JpegUnsupported('no size in the frame header');
      const comps: Component[] = [];
      for (let i = 0; i < n; i++) {
        const at = seg + 6 + 3 * i;
        const h = bytes[at + 1] >> 4;
        const v = bytes[at + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) throw new JpegUnsupported('a bad sampling factor');
        comps.push({ id: bytes[at], h, v, tq: bytes[at + 2], width: 0, height: 0, blocksW: 0, blocksH: 0, coeffs: new Int16Array(0), dc: null, ac: null, pred: 0 });
      }
      const maxH = Math.max(...comps.map((c) => c.h));
      const maxV = Math.max(...comps.map((c) => c.v));
      const mcusW = Math.ceil(width / (8 * maxH));
      const mcusH = Math.ceil(height / (8 * maxV));
      for (const c of comps) {
        if (maxH % c.h !== 0 || maxV % c.v !== 0) throw new JpegUnsupported('fractional sampling ratios');
        c.width = Math.ceil((width * c.h) / maxH);
        c.height = Math.ceil((height * c.v) / maxV);
        c.blocksW = mcusW * c.h;
        c.blocksH = mcusH * c.v;
        c.coeffs = new Int16Array(c.blocksW * c.blocksH * 64);
      }
      frame = { width, height, progressive: marker === 0xc2, comps, maxH, maxV, mcusW, mcusH };
    } else if ((marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)) {
      throw new JpegUnsupported('arithmetic coding or a lossless / hierarchical frame');
    } else if (marker === 0xda) {
      if (!frame) throw new JpegUnsupported('a scan before the frame header');
      const ns = bytes[seg];
      const scomps: Component[] = [];
      for (let i = 0; i < ns; i++) {
        const c = frame.comps.find((x) => x.id === bytes[seg + 1 + 2 * i]);
        if (!c) throw new JpegUnsupported('a scan names no component of the frame');
        const td = bytes[seg + 2 + 2 * i] >> 4;
        const ta = bytes[seg + 2 + 2 * i] & 15;
        c.dc = dcTables[td] ?? null;
        c.ac = acTables[ta] ?? null;
        scomps.push(c);
      }
      const at = seg + 1 + 2 * ns;
      const ss = bytes[at];
      const se = bytes[at + 1];
      const ah = bytes[at + 2] >> 4;
      const al = bytes[at + 2] & 15;
      const dataEnd = scanEnd(bytes, end);
      decodeScan(bytes, end, dataEnd, frame, scomps, restartInterval, frame.progressive ? { ss, se, ah, al } : { ss: 0, se: 63, ah: 0, al: 0 });
      p = dataEnd;
      continue;
    }
    p = end;
  }
  if (!frame) throw new JpegUnsupported('no frame header');
  for (const c of frame.comps) if (!qt[c.tq]) throw new JpegUnsupported('a component without its quantisation table');
  const { width, height, comps, maxH, maxV } = frame;
  const ws = new Float64Array(64);
  const planes = comps.map((c): Plane => {
    const stride = c.blocksW * 8;
    const data = new Uint8Array(stride * c.blocksH * 8);
    const q = qt[c.tq]!;
    const bw = Math.ceil(c.width / 8);
    const bh = Math.ceil(c.height / 8);
    for (let by = 0; by < bh; by++) {
      for (let bx = 0; bx < bw; bx++) idctIslow(c.coeffs, (by * c.blocksW + bx) * 64, q, data, stride, by * 8 * stride + bx * 8, ws);
    }
    return { data, stride, width: c.width, height: c.height };
  });
  // libjpeg's default colour space of three components: RGB for Adobe's transform 0 or components named R, G, B
  // without a JFIF marker; YCbCr otherwise.
  const ids = comps.map((c) => c.id);
  const rgb = comps.length === 3 && !jfif && (adobeTransform === 0 || (adobeTransform === null && ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42));
  const rows = comps.map((c) => new Uint8Array(Math.ceil(c.width / 8) * 8 * (maxH / c.h) + 8));
  const out = new Uint8Array(width * height * 3);
  const { crR, cbB, crG, cbG } = YCC;
  for (let y = 0; y < height; y++) {
    comps.forEach((c, i) => upsampleRow(planes[i], maxH / c.h, maxV / c.v, y, rows[i]));
    const o = y * width * 3;
    if (comps.length === 1) {
      const g = rows[0];
      for (let x = 0; x < width; x++) out[o + 3 * x] = out[o + 3 * x + 1] = out[o + 3 * x + 2] = g[x];
      continue;
    }
    const [a, b, c] = rows;
    for (let x = 0; x < width; x++) {
      if (rgb) {
        out[o + 3 * x] = a[x];
        out[o + 3 * x + 1] = b[x];
        out[o + 3 * x + 2] = c[x];
        continue;
      }
      const yy = a[x];
      const cb = b[x];
      const cr = c[x];
      out[o + 3 * x] = clamp255(yy + crR[cr]);
      out[o + 3 * x + 1] = clamp255(yy + Math.floor((cbG[cb] + crG[cr]) / 65536));
      out[o + 3 * x + 2] = clamp255(yy + cbB[cb]);
    }
  }
  return { width, height, data: out };
}

interface ScanParams {
  ss: number;
  se: number;
  ah: number;
  al: number;
}

function decodeScan(bytes: Uint8Array, start: number, end: number, frame: Frame, scomps: Component[], restartInterval: number, s: ScanParams): void {
  const r = new BitReader(bytes, start, end);
  const { ss, se, ah, al } = s;
  let eobrun = 0;
  for (const c of scomps) {
    c.pred = 0;
    if (ss === 0 && ah === 0 && !c.dc) throw new JpegUnsupported('a scan without its DC Huffman table');
    if (se > 0 && !c.ac) throw new JpegUnsupported('a scan without its AC Huffman table');
  }
  if (frame.progressive && (se > 63 || ss > se || (ss === 0 && se !== 0) || (ss > 0 && scomps.length !== 1))) throw new JpegUnsupported('bad progressive scan parameters');

  const decodeBlock = (c: Component, at: number) => {
    const blk = c.coeffs;
    if (!frame.progressive) {
      const t = r.decode(c.dc!);
      c.pred += r.receiveExtend(t);
      blk[at] = c.pred;
      for (let k = 1; k < 64; k++) {
        const rs = r.decode(c.ac!);
        const size = rs & 15;
        const run = rs >> 4;
        if (size === 0) {
          if (run < 15) break;
          k += 15;
          continue;
        }
        k += run;
        if (k > 63) throw new JpegUnsupported('a coefficient past the block');
        blk[at + ZIGZAG[k]] = r.receiveExtend(size);
      }
      return;
    }
    if (ss === 0) {
      if (ah === 0) {
        c.pred += r.receiveExtend(r.decode(c.dc!));
        blk[at] = c.pred * 2 ** al;
      } else if (r.bit()) {
        blk[at] |= 1 << al;
      }
      return;
    }
    if (ah === 0) {
      if (eobrun > 0) {
        eobrun--;
        return;
      }
      for (let k = ss; k <= se; k++) {
        const rs = r.decode(c.ac!);
        const size = rs & 15;
        const run = rs >> 4;
        if (size === 0) {
          if (run < 15) {
            eobrun = (1 << run) - 1;
            if (run) eobrun += r.bits(run);
            break;
          }
          k += 15;
          continue;
        }
        k += run;
        if (k > 63) throw new JpegUnsupported('a coefficient past the block');
        blk[at + ZIGZAG[k]] = r.receiveExtend(size) * 2 ** al;
      }
      return;
    }
    // AC refinement (jdphuff.c decode_mcu_AC_refine).
    const p1 = 1 << al;
    const m1 = -1 << al;
    let k = ss;
    if (eobrun === 0) {
      for (; k <= se; k++) {
        const rs = r.decode(c.ac!);
        let run = rs >> 4;
        let value = 0;
        if (rs & 15) {
          value = r.bit() ? p1 : m1;
        } else if (run !== 15) {
          eobrun = 1 << run;
          if (run) eobrun += r.bits(run);
          break;
        }
        do {
          const z = at + ZIGZAG[k];
          const coef = blk[z];
          if (coef !== 0) {
            if (r.bit() && (coef & p1) === 0) blk[z] = coef >= 0 ? coef + p1 : coef + m1;
          } else if (--run < 0) {
            break;
          }
          k++;
        } while (k <= se);
        if (value) {
          if (k > se) throw new JpegUnsupported('a coefficient past the band');
          blk[at + ZIGZAG[k]] = value;
        }
      }
    }
    if (eobrun > 0) {
      for (; k <= se; k++) {
        const z = at + ZIGZAG[k];
        const coef = blk[z];
        if (coef !== 0 && r.bit() && (coef & p1) === 0) blk[z] = coef >= 0 ? coef + p1 : coef + m1;
      }
      eobrun--;
    }
  };

  let mcu = 0;
  const restart = () => {
    r.restart();
    eobrun = 0;
    for (const c of scomps) c.pred = 0;
  };
  if (scomps.length === 1) {
    // A non-interleaved scan: the component's own blocks, one per MCU, without the MCU padding.
    const c = scomps[0];
    const bw = Math.ceil(c.width / 8);
    const bh = Math.ceil(c.height / 8);
    for (let by = 0; by < bh; by++) {
      for (let bx = 0; bx < bw; bx++) {
        if (restartInterval && mcu > 0 && mcu % restartInterval === 0) restart();
        decodeBlock(c, (by * c.blocksW + bx) * 64);
        mcu++;
      }
    }
    return;
  }
  for (let my = 0; my < frame.mcusH; my++) {
    for (let mx = 0; mx < frame.mcusW; mx++) {
      if (restartInterval && mcu > 0 && mcu % restartInterval === 0) restart();
      for (const c of scomps) {
        for (let v = 0; v < c.v; v++) {
          for (let h = 0; h < c.h; h++) decodeBlock(c, ((my * c.v + v) * c.blocksW + mx * c.h + h) * 64);
        }
      }
      mcu++;
    }
  }
}
