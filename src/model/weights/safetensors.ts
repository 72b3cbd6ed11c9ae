/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes
 * of JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then the
 * tensor bytes, offsets relative to the end of the header. Every byte must belong to exactly one tensor.
 *
 * What the reference implementation (the safetensors crate, serde_json) refuses is refused here too:
 * a header over 100 MB, not UTF-8, not JSON, nested deeper than serde_json's recursion limit, a float
 * or a bool where a size is, a duplicated `__metadata__`, offsets that do not tile the data exactly.
 * This reader also refuses what no state_dict holds (sizes past 2^53, lone UTF-16 surrogates, duplicate
 * tensor names). The header is read by one linear pass of a strict JSON reader (json.ts).
 */
import { weightsMessage } from './messages.ts';
import { JsonLimitError, duplicateKeys, isJsonObject, parseJson } from './json.ts';
import {
  DTYPE_SIZE,
  FLOAT_DTYPES,
  MAX_TENSORS,
  WeightsError,
  assertFinite,
  clip,
  decodeToFloat32,
  formatShape,
  isWeightDtype,
  quote,
  shapeNumel,
  type StateDict,
  type TensorReader,
  type WeightDtype,
} from './common.ts';

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_SAFETENSORS_HEADER = 100_000_000;

interface SafetensorsFile {
  tensors: StateDict;
  /** The optional `__metadata__` string map (e.g. `{"format": "pt"}`), or null. */
  metadata: Record<string, string> | null;
}

/** An opened .safetensors file: its tensors (nothing decoded yet) and its metadata. */
interface OpenedSafetensors {
  reader: TensorReader;
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

/** A JSON value for a message: compact, at most 3 levels and 8 items deep, capped (never stringified whole). */
function describeValue(value: unknown, depth = 0): string {
  let text: string;
  if (Array.isArray(value)) {
    text = depth >= 3 ? '[...]' : `[${value.slice(0, 8).map((v) => describeValue(v, depth + 1)).join(',')}${value.length > 8 ? ',...' : ''}]`;
  } else if (value instanceof Map) {
    const keys = [...value.keys()];
    text = depth >= 3 ? '{...}' : `{${keys.slice(0, 8).map((k) => `${quote(k, 30)}:${describeValue(value.get(k), depth + 1)}`).join(',')}${keys.length > 8 ? ',...' : ''}}`;
  } else if (typeof value === 'string') text = quote(value, 40);
  else text = String(value);
  return clip(text, 60);
}

/** Every dtype the safetensors format defines; the others are not safetensors files at all. */
const SAFETENSORS_DTYPES: ReadonlySet<string> = new Set([
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64',
]);

function parseEntry(rawKey: string, raw: unknown, dataLength: number): Entry {
  const key = clip(rawKey);
  if (!isJsonObject(raw)) {
    throw corrupt(`the header entry of tensor ${key} must be an object with dtype, shape and data_offsets, got ${describeValue(raw)}`);
  }
  const twice = duplicateKeys(raw).find((f) => f === 'dtype' || f === 'shape' || f === 'data_offsets');
  if (twice) throw corrupt(`the header entry of tensor ${key} gives ${twice} twice`);
  const dtype = raw.get('dtype');
  const shape = raw.get('shape');
  const offsets = raw.get('data_offsets');
  if (!isWeightDtype(dtype)) {
    const known = typeof dtype === 'string' && SAFETENSORS_DTYPES.has(dtype);
    throw new WeightsError(
      known ? 'unsupported' : 'corrupt',
      `safetensors: tensor ${key} has dtype ${describeValue(dtype)}, which this reader does not support${known ? '' : ' (nor does safetensors)'}; ` +
        `supported: ${Object.keys(DTYPE_SIZE).join(', ')}. Convert the weights to F32, F16 or BF16.`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw corrupt(`tensor ${key} has shape ${describeValue(shape)}; a shape is a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw corrupt(`tensor ${key} has data_offsets ${describeValue(offsets)}; expected [begin, end], two non-negative integers`);
  }
  const numel = safeNumelOf(shape as number[]);
  if (numel === null) throw corrupt(`tensor ${key} has shape ${formatShape(shape as number[])}, more than 2^53 elements`);
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw corrupt(`tensor ${key} has data_offsets [${begin}, ${end}]: begin is after end`);
  if (end > dataLength) {
    throw new WeightsError('corrupt', weightsMessage('weights.st.offsetPast', { key, begin, end, length: dataLength }));
  }
  const size = DTYPE_SIZE[dtype];
  if (end - begin !== numel * size) {
    const perElement = numel > 0 ? ` (${(end - begin) / numel} bytes per element)` : '';
    throw corrupt(
      `tensor ${key}: data_offsets [${begin}, ${end}] cover ${end - begin} bytes${perElement}, but shape ${formatShape(shape)} of ${dtype} ` +
        `(${size} bytes per element) needs ${numel * size} bytes: the dtype or the shape in the header is wrong`,
    );
  }
  return { key: rawKey, dtype, shape: shape as number[], begin, end };
}

function safeNumelOf(shape: number[]): number | null {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

/**
 * Opens a .safetensors file: the header is parsed and every rule above checked, nothing is decoded.
 * Decoding refuses a float tensor that is not finite.
 */
export function openSafetensors(input: ArrayBuffer | Uint8Array): OpenedSafetensors {
  const bytes = toBytes(input);
  if (bytes.length < 8) {
    throw new WeightsError('corrupt', weightsMessage('weights.st.short', { length: bytes.length }));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_SAFETENSORS_HEADER)) {
    throw corrupt(
      `the header length ${headerLength} is absurd (at most ${MAX_SAFETENSORS_HEADER} bytes): the file is damaged, or it is not a safetensors file`,
    );
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new WeightsError('corrupt', weightsMessage('weights.st.headerPast', { header: String(headerLength), after: bytes.length - 8 }));
  }
  const n = Number(headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw corrupt(`the ${n}-byte header is not valid UTF-8 JSON (it is not UTF-8): the file is damaged, or it is not a safetensors file`);
  }
  let header: unknown;
  try {
    header = parseJson(text, MAX_TENSORS + 1);
  } catch (err) {
    if (err instanceof JsonLimitError) {
      throw new WeightsError('limit', `safetensors: the header lists more than ${MAX_TENSORS} tensors; no network this app runs has that many. Refused after reading that far.`);
    }
    throw corrupt(`the ${n}-byte header is not valid UTF-8 JSON (${clip((err as Error).message)}): the file is damaged, or it is not a safetensors file`);
  }
  if (!isJsonObject(header)) {
    throw corrupt(`the header must be a JSON object, got ${describeValue(header)}`);
  }
  if (duplicateKeys(header).length > 0) {
    throw corrupt(`the header names ${quote(duplicateKeys(header)[0])} twice: the file is damaged`);
  }

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [key, raw] of header) {
    if (key === '__metadata__') {
      if (raw === null) continue;
      if (!isJsonObject(raw) || ![...raw.values()].every((v) => typeof v === 'string')) {
        throw corrupt(`__metadata__ must map strings to strings, got ${describeValue(raw)}`);
      }
      metadata = Object.fromEntries(raw) as Record<string, string>;
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
        `tensors ${clip(previous.key)} [${previous.begin}, ${previous.end}] and ${clip(e.key)} [${e.begin}, ${e.end}] overlap: the header is damaged`,
      );
    }
    if (e.begin > covered) {
      throw corrupt(
        `data bytes ${covered}..${e.begin} (before tensor ${clip(e.key)}) belong to no tensor: the header is damaged or a tensor's dtype or shape is wrong`,
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

  const reader: TensorReader = {
    entries: new Map(entries.map((e) => [e.key, { dtype: e.dtype, shape: e.shape }])),
    decode(keys) {
      const wanted = new Set(keys);
      const tensors: StateDict = new Map();
      for (const e of entries) {
        if (!wanted.has(e.key)) continue;
        const data = decodeToFloat32(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, shapeNumel(e.shape));
        if (FLOAT_DTYPES.has(e.dtype)) assertFinite(e.key, data, e.dtype, weightsMessage('weights.theSafetensorsFile'));
        tensors.set(e.key, { shape: e.shape, data, dtype: e.dtype });
      }
      return tensors;
    },
  };
  return { reader, metadata };
}

/** Reads a whole .safetensors file (`openSafetensors`, then every tensor decoded). */
export function parseSafetensors(input: ArrayBuffer | Uint8Array): SafetensorsFile {
  const { reader, metadata } = openSafetensors(input);
  return { tensors: reader.decode(reader.entries.keys()), metadata };
}
