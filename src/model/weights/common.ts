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

/** One tensor of a file as it is known before decoding: the dtype the file stores and the shape. */
export interface TensorEntry {
  readonly dtype: WeightDtype;
  readonly shape: readonly number[];
}

/**
 * A file a format reader has opened and checked: every tensor's entry (in the file's order), nothing
 * decoded; `decode` converts the tensors named (keys of `entries`) to float32, each storage once, and
 * refuses a float tensor holding NaN or an infinity.
 */
export interface TensorReader {
  readonly entries: ReadonlyMap<string, TensorEntry>;
  decode(keys: Iterable<string>): StateDict;
}

/**
 * Why a weights file was refused:
 * `format` not a file we read; `corrupt` damaged or inconsistent bytes; `legacy` a torch.save file in the tar format of PyTorch < 0.1.10;
 * `unsafe` a pickle that references code; `unsupported` valid but outside what a state_dict needs;
 * `limit` a size past what any state_dict needs (tensors larger than the file, a header over 100 MB, ...), refused before it is allocated;
 * `nonfinite` NaN or infinity in a float tensor, or BatchNorm statistics that make the network compute NaN;
 * `mismatch` the tensors do not fit the network.
 */
type WeightsErrorCode = 'format' | 'corrupt' | 'legacy' | 'unsafe' | 'unsupported' | 'limit' | 'nonfinite' | 'mismatch';

import { OptionalMessageError, type Message } from '../message.ts';
import { weightsMessage } from './messages.ts';

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

/**
 * A weights file that cannot be used; the message says what is wrong and what to do. `msg` is the
 * message as an id with parameters (src/model/message.ts) where the app translates it: the errors of
 * normal use (a file of another format or network, NaN weights, a truncated file). The detailed
 * diagnostics of crafted files carry none and are shown in English.
 */
export class WeightsError extends OptionalMessageError {
  override readonly name = 'WeightsError';
  readonly code: WeightsErrorCode;
  /** Set when `code` is `mismatch`. */
  readonly problems?: StateDictProblems;

  constructor(code: WeightsErrorCode, message: string | Message, problems?: StateDictProblems) {
    super(message);
    this.code = code;
    if (problems) this.problems = problems;
  }
}

/** Longest quoted text in a message: a value from a file is never printed whole. */
const QUOTE_LIMIT = 80;

/** `text` cut to `max` characters (with the length it had), for messages. */
export function clip(text: string, max = QUOTE_LIMIT): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
}

/** A value from a file for a message: strings JSON-quoted, everything capped at `max` characters. */
export function quote(value: unknown, max = QUOTE_LIMIT): string {
  if (typeof value === 'string') {
    return value.length > max ? `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)` : JSON.stringify(value);
  }
  const text = value === null || value === undefined || typeof value !== 'object' ? String(value) : Object.prototype.toString.call(value);
  return clip(text, max);
}

export function formatShape(shape: readonly number[]): string {
  return clip(`[${shape.join(', ')}]`);
}

/** Number of elements of a shape (1 for a scalar); may be inexact past 2^53: see `safeNumel`. */
export function shapeNumel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Number of elements of a shape of non-negative integers, or null when it is not a safe integer (past 2^53). */
export function safeNumel(shape: readonly number[]): number | null {
  let n = 1;
  for (const d of shape) {
    if (d === 0) return 0;
  }
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

/** Tensors a state_dict may hold: ResNet-152 has about 800, the widest network here fewer than 2,000. */
export const MAX_TENSORS = 100_000;

/**
 * Bytes of float32 a reader may produce from a file of `fileBytes` bytes: four per byte of the file,
 * what a file of one-byte (U8, BOOL) tensors converts to. Only tensors that overlap (stride-0 expanded
 * views, or many views of one storage) can need more; they are refused before anything is allocated.
 */
export function float32Budget(fileBytes: number): number {
  return 4 * fileBytes + 4096;
}

/** The `limit` error for tensors that would need more float32 memory than the file can hold. */
export function budgetError(label: string, key: string, needBytes: number, fileBytes: number): WeightsError {
  return new WeightsError(
    'limit',
    `${label}: its tensors would need ${needBytes} bytes as float32 (${clip(key)} alone or with the ones before it), more than 4x the file's ${fileBytes} bytes: ` +
      'they are expanded (stride 0) or overlapping views of a storage, not a state_dict torch.save writes. Refused before allocating anything; ' +
      'save contiguous tensors: torch.save({k: v.contiguous().clone() for k, v in model.state_dict().items()}, path).',
  );
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
export function assertFinite(key: string, data: Float32Array, dtype: WeightDtype, label: string | Message = weightsMessage('weights.theFile')): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? '+Infinity' : '-Infinity';
      throw new WeightsError('nonfinite', weightsMessage('weights.nonfinite', { key: clip(key), value: what, index: i, length: data.length, dtype, name: label }));
    }
  }
}
