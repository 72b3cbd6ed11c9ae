/**
 * What the weight readers share: the loaded tensor type, the error class, and the conversion of
 * raw little- or big-endian bytes of every supported dtype to Float32Array. Pure TypeScript: runs in
 * Node, a Web Worker and the browser.
 */

/** Element types a weights file may store, in safetensors' spelling (the .pth reader maps its storages to these). */
export type WeightDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_SIZE: Readonly<Record<WeightDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export const FLOAT_DTYPES: ReadonlySet<WeightDtype> = new Set<WeightDtype>(['F64', 'F32', 'F16', 'BF16']);

export function isWeightDtype(value: unknown): value is WeightDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, value);
}

/**
 * One tensor of a state_dict: its shape (`[]` for a scalar such as `num_batches_tracked`), its values
 * converted to float32 in row-major (C) order, `data.length === numel(shape)`, and the dtype the file
 * stored it in. Integer tensors (I64 `num_batches_tracked`) are converted too; values beyond 2^24 lose
 * precision, which no ResNet weight needs.
 */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
  dtype: WeightDtype;
}

/** A loaded state_dict: key (`layer1.0.conv2.weight`) to tensor, in the file's order. */
export type StateDict = Map<string, WeightTensor>;

/** A state_dict as far as architecture checks need it: shapes only (a `StateDict` is one). */
export type StateDictShapes = ReadonlyMap<string, { readonly shape: readonly number[] }>;

/**
 * Why a weights file was refused:
 * `format` not a file we read; `corrupt` damaged or inconsistent bytes; `legacy` a torch.save file in the tar format of PyTorch < 0.1.10;
 * `unsafe` a pickle that references code; `unsupported` valid but outside what a state_dict needs;
 * `nonfinite` NaN or infinity in a float tensor; `mismatch` the tensors do not fit the network.
 */
export type WeightsErrorCode = 'format' | 'corrupt' | 'legacy' | 'unsafe' | 'unsupported' | 'nonfinite' | 'mismatch';

/** A tensor whose shape differs from the one the network expects. */
export interface ShapeMismatch {
  key: string;
  expected: number[];
  got: number[];
}

/** What `checkStateDict` found wrong, in full (the message lists the first few of each). */
export interface StateDictProblems {
  missing: string[];
  unexpected: string[];
  mismatched: ShapeMismatch[];
}

/** A weights file that cannot be used; the message says what is wrong and what to do. */
export class WeightsError extends Error {
  readonly code: WeightsErrorCode;
  /** Set when `code` is `mismatch`. */
  readonly problems?: StateDictProblems;

  constructor(code: WeightsErrorCode, message: string, problems?: StateDictProblems) {
    super(message);
    this.name = 'WeightsError';
    this.code = code;
    if (problems) this.problems = problems;
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements of a shape (1 for a scalar). */
export function shapeNumel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let f16Table: Float32Array | null = null;

/** float16 bit pattern to float32, all 65536 of them (256 KiB, built on first use). */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) table[h] = frac ? NaN : sign * Infinity;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = table;
  return table;
}

/** `bytes` in host byte order in a buffer of their own: a copy, or with `owned` the bytes' own buffer when they fill it. */
function hostOrderBuffer(bytes: Uint8Array, size: number, littleEndian: boolean, owned: boolean): ArrayBuffer {
  const reuse = owned && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  // new Uint8Array(typedArray) always copies (Node's Buffer#slice would not).
  const copy = reuse ? bytes : new Uint8Array(bytes);
  if (size > 1 && littleEndian !== HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < copy.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  return copy.buffer as ArrayBuffer;
}

/**
 * Converts `count` elements of `dtype` in `bytes` (exactly count * size bytes) to a new Float32Array.
 * The input is not kept, unless `owned` says the caller hands over `bytes` (a fresh array that fills
 * its buffer): then F32 data is viewed in place and the bytes may be byte-swapped in place.
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: WeightDtype, count: number, littleEndian = true, owned = false): Float32Array {
  const size = DTYPE_SIZE[dtype];
  if (bytes.length !== count * size) {
    throw new Error(`internal: ${count} ${dtype} elements need ${count * size} bytes, got ${bytes.length}`);
  }
  const buffer = hostOrderBuffer(bytes, size, littleEndian, owned);
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer);
    case 'F64':
      return Float32Array.from(new Float64Array(buffer));
    case 'F16': {
      const table = halfTable();
      const src = new Uint16Array(buffer);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[src[i]];
      return out;
    }
    case 'BF16': {
      const src = new Uint16Array(buffer);
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = src[i] << 16;
      return out;
    }
    case 'I64': {
      const src = new BigInt64Array(buffer);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(src[i]);
      return out;
    }
    case 'I32':
      return Float32Array.from(new Int32Array(buffer));
    case 'I16':
      return Float32Array.from(new Int16Array(buffer));
    case 'I8':
      return Float32Array.from(new Int8Array(buffer));
    case 'U8':
      return Float32Array.from(new Uint8Array(buffer));
    case 'BOOL':
      return Float32Array.from(new Uint8Array(buffer), (v) => (v ? 1 : 0));
  }
}

/** Throws a `nonfinite` WeightsError naming the tensor when `data` holds NaN or an infinity. */
export function assertFinite(key: string, data: Float32Array, dtype: WeightDtype): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? '+Infinity' : '-Infinity';
      throw new WeightsError(
        'nonfinite',
        `tensor ${key} holds ${what} at element ${i} of ${data.length} (stored as ${dtype}): ` +
          'the weights are damaged or the training diverged; a network with such a weight computes only NaN. Refusing to load the file.',
      );
    }
  }
}
