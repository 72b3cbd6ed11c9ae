/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes
 * of JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then the
 * tensor bytes, offsets relative to the end of the header. Every byte must belong to exactly one tensor.
 */
import {
  DTYPE_SIZE,
  FLOAT_DTYPES,
  WeightsError,
  assertFinite,
  decodeToFloat32,
  formatShape,
  isWeightDtype,
  shapeNumel,
  type StateDict,
  type WeightDtype,
} from './common.ts';

/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

export interface SafetensorsFile {
  tensors: StateDict;
  /** The optional `__metadata__` string map (e.g. `{"format": "pt"}`), or null. */
  metadata: Record<string, string> | null;
}

interface Entry {
  key: string;
  dtype: WeightDtype;
  shape: number[];
  begin: number;
  end: number;
}

function corrupt(message: string): WeightsError {
  return new WeightsError('corrupt', `safetensors: ${message}`);
}

/** A plain Uint8Array view of the input (a Node Buffer becomes a Uint8Array over the same memory). */
export function toBytes(input: ArrayBuffer | Uint8Array): Uint8Array {
  return input instanceof Uint8Array ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parseEntry(key: string, raw: unknown, dataLength: number): Entry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw corrupt(`the header entry of tensor ${key} must be an object with dtype, shape and data_offsets, got ${describeValue(raw)}`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isWeightDtype(dtype)) {
    throw new WeightsError(
      typeof dtype === 'string' ? 'unsupported' : 'corrupt',
      `safetensors: tensor ${key} has dtype ${describeValue(dtype)}, which this reader does not support; ` +
        `supported: ${Object.keys(DTYPE_SIZE).join(', ')}. Convert the weights to F32, F16 or BF16.`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw corrupt(`tensor ${key} has shape ${describeValue(shape)}; a shape is a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw corrupt(`tensor ${key} has data_offsets ${describeValue(offsets)}; expected [begin, end], two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw corrupt(`tensor ${key} has data_offsets [${begin}, ${end}]: begin is after end`);
  if (end > dataLength) {
    throw corrupt(
      `tensor ${key} has data_offsets [${begin}, ${end}], past the end of the data (${dataLength} bytes after the header): the file is truncated or damaged`,
    );
  }
  const numel = shapeNumel(shape);
  const size = DTYPE_SIZE[dtype];
  if (end - begin !== numel * size) {
    const perElement = numel > 0 ? ` (${(end - begin) / numel} bytes per element)` : '';
    throw corrupt(
      `tensor ${key}: data_offsets [${begin}, ${end}] cover ${end - begin} bytes${perElement}, but shape ${formatShape(shape)} of ${dtype} ` +
        `(${size} bytes per element) needs ${numel * size} bytes: the dtype or the shape in the header is wrong`,
    );
  }
  return { key, dtype, shape: shape as number[], begin, end };
}

/** Parses and validates a whole .safetensors file; float tensors must be finite. */
export function parseSafetensors(input: ArrayBuffer | Uint8Array): SafetensorsFile {
  const bytes = toBytes(input);
  if (bytes.length < 8) {
    throw corrupt(`the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_SAFETENSORS_HEADER)) {
    throw corrupt(
      `the header length ${headerLength} is absurd (at most ${MAX_SAFETENSORS_HEADER} bytes): the file is damaged, or it is not a safetensors file`,
    );
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    throw corrupt(
      `the header length is ${headerLength} bytes but only ${bytes.length - 8} bytes follow it: the file is truncated, or it is not a safetensors file`,
    );
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (err) {
    throw corrupt(`the ${n}-byte header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw corrupt(`the header must be a JSON object, got ${describeValue(header)}`);
  }

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        throw corrupt(`__metadata__ must map strings to strings, got ${describeValue(raw)}`);
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    entries.push(parseEntry(key, raw, dataLength));
  }

  // Every data byte belongs to exactly one tensor: no overlap, no hole, nothing after the last.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    if (e.begin < covered && previous) {
      throw corrupt(
        `tensors ${previous.key} [${previous.begin}, ${previous.end}] and ${e.key} [${e.begin}, ${e.end}] overlap: the header is damaged`,
      );
    }
    if (e.begin > covered) {
      throw corrupt(
        `data bytes ${covered}..${e.begin} (before tensor ${e.key}) belong to no tensor: the header is damaged or a tensor's dtype or shape is wrong`,
      );
    }
    covered = e.end;
    if (e.end > e.begin) previous = e;
  }
  if (covered !== dataLength) {
    throw corrupt(
      `${dataLength - covered} data bytes after the last tensor belong to no tensor (the data is ${dataLength} bytes, the tensors cover ${covered}): ` +
        'the file is damaged or a tensor\'s dtype or shape is wrong',
    );
  }

  const tensors: StateDict = new Map();
  for (const e of entries) {
    const numel = shapeNumel(e.shape);
    const data = decodeToFloat32(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, numel);
    if (FLOAT_DTYPES.has(e.dtype)) assertFinite(e.key, data, e.dtype);
    tensors.set(e.key, { shape: e.shape, data, dtype: e.dtype });
  }
  return { tensors, metadata };
}
