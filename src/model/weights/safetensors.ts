/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes
 * of JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then the
 * tensor bytes, offsets relative to the end of the header. Every byte must belong to exactly one tensor.
 *
 * What the reference implementation (the safetensors crate, serde_json) refuses is refused here too:
 * a header over 100 MB, not UTF-8, not JSON, nested deeper than serde_json's recursion limit, a float
 * or a bool where a size is, a duplicated `__metadata__`, offsets that do not tile the data exactly.
 * This reader also refuses what no state_dict holds (sizes past 2^53, lone UTF-16 surrogates, duplicate
 * tensor names). The header is scanned once before JSON.parse, so a 100 MB header costs one pass.
 */
import {
  DTYPE_SIZE,
  FLOAT_DTYPES,
  WeightsError,
  assertFinite,
  clip,
  decodeToFloat32,
  formatShape,
  isWeightDtype,
  quote,
  shapeNumel,
  type StateDict,
  type StateDictShapes,
  type WeightDtype,
} from './common.ts';

/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_SAFETENSORS_HEADER = 100_000_000;
/** serde_json's recursion limit: 128 levels of nesting fail. */
export const MAX_JSON_DEPTH = 127;

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

/** A JSON value for a message: compact, at most 3 levels and 8 items deep, capped (never stringified whole). */
function describeValue(value: unknown, depth = 0): string {
  let text: string;
  if (Array.isArray(value)) {
    text = depth >= 3 ? '[...]' : `[${value.slice(0, 8).map((v) => describeValue(v, depth + 1)).join(',')}${value.length > 8 ? ',...' : ''}]`;
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    text = depth >= 3 ? '{...}' : `{${keys.slice(0, 8).map((k) => `${quote(k, 30)}:${describeValue((value as Record<string, unknown>)[k], depth + 1)}`).join(',')}${keys.length > 8 ? ',...' : ''}}`;
  } else if (typeof value === 'string') text = quote(value, 40);
  else text = String(value);
  return clip(text, 60);
}

interface HeaderScan {
  /** Keys of the top-level object, counted as written (duplicates included). */
  topLevelKeys: number;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * One pass over the header bytes before JSON.parse: nesting depth (serde_json's limit), numbers with a
 * fraction or exponent (never a size; JSON.parse would turn 1e4 into 10000), lone surrogate escapes
 * (which serde_json refuses), and the number of top-level keys (to find duplicates JSON.parse hides).
 */
function scanHeader(bytes: Uint8Array, start: number, end: number): HeaderScan {
  let depth = 0;
  let topLevelKeys = 0;
  // At depth 1, the next string is a key (after '{' or ',').
  let expectKey = false;
  const hex4 = (at: number): number => {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = bytes[at + k];
      if (at + k >= end || !isHex(c)) return -1;
      v = v * 16 + parseInt(String.fromCharCode(c), 16);
    }
    return v;
  };
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      if (depth === 1 && expectKey) {
        topLevelKeys++;
        expectKey = false;
      }
      // Skip the string, checking \u escapes for lone surrogates.
      for (i++; i < end && bytes[i] !== 0x22; i++) {
        if (bytes[i] !== 0x5c) continue;
        i++;
        if (bytes[i] !== 0x75) continue;
        const u = hex4(i + 1);
        if (u >= 0xd800 && u <= 0xdbff) {
          const low = bytes[i + 5] === 0x5c && bytes[i + 6] === 0x75 ? hex4(i + 7) : -1;
          if (low < 0xdc00 || low > 0xdfff) throw corrupt('the header holds a lone UTF-16 surrogate (\\u' + u.toString(16) + '), which serde_json refuses: the file is damaged');
          i += 6;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          throw corrupt('the header holds a lone UTF-16 surrogate (\\u' + u.toString(16) + '), which serde_json refuses: the file is damaged');
        }
        i += 4;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > MAX_JSON_DEPTH) {
        throw corrupt(`the header nests JSON more than ${MAX_JSON_DEPTH} levels deep (at byte ${i - start}), past serde_json's recursion limit: the file is damaged or hostile`);
      }
      if (depth === 1) expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      if (depth === 1) expectKey = true;
    } else if (c === 0x2d || isDigit(c)) {
      let j = i + 1;
      while (j < end && isDigit(bytes[j])) j++;
      if (bytes[j] === 0x2e || bytes[j] === 0x65 || bytes[j] === 0x45) {
        let k = j + 1;
        while (k < end && (isDigit(bytes[k]) || bytes[k] === 0x2b || bytes[k] === 0x2d || bytes[k] === 0x65 || bytes[k] === 0x45)) k++;
        const text = new TextDecoder().decode(bytes.subarray(i, Math.min(k, i + 30)));
        throw corrupt(`the header holds the number ${text}, with a fraction or exponent; sizes and offsets are integers, and safetensors refuses a float there: the file is damaged`);
      }
      i = j - 1;
    }
  }
  return { topLevelKeys };
}

/** Every dtype the safetensors format defines; the others are not safetensors files at all. */
const SAFETENSORS_DTYPES: ReadonlySet<string> = new Set([
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64',
]);

function parseEntry(rawKey: string, raw: unknown, dataLength: number): Entry {
  const key = clip(rawKey);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw corrupt(`the header entry of tensor ${key} must be an object with dtype, shape and data_offsets, got ${describeValue(raw)}`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
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
    throw corrupt(
      `tensor ${key} has data_offsets [${begin}, ${end}], past the end of the data (${dataLength} bytes after the header): the file is truncated or damaged`,
    );
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
 * Parses and validates a whole .safetensors file; float tensors must be finite. `expect` (see
 * `ReadOptions` of the .pth reader) sees the shapes before any tensor is decoded.
 */
export function parseSafetensors(input: ArrayBuffer | Uint8Array, options: { expect?: (shapes: StateDictShapes) => void } = {}): SafetensorsFile {
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
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw corrupt(`the ${n}-byte header is not valid UTF-8 JSON (it is not UTF-8): the file is damaged, or it is not a safetensors file`);
  }
  const scan = scanHeader(bytes, 8, 8 + n);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw corrupt(`the ${n}-byte header is not valid UTF-8 JSON (${clip((err as Error).message)}): the file is damaged, or it is not a safetensors file`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw corrupt(`the header must be a JSON object, got ${describeValue(header)}`);
  }
  if (Object.keys(header).length !== scan.topLevelKeys) {
    throw corrupt('the header names a tensor (or __metadata__) twice: the file is damaged');
  }

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (raw === null) continue;
      if (typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
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

  if (options.expect) options.expect(new Map(entries.map((e) => [e.key, { shape: e.shape }])));
  const tensors: StateDict = new Map();
  for (const e of entries) {
    const numel = shapeNumel(e.shape);
    const data = decodeToFloat32(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, numel);
    if (FLOAT_DTYPES.has(e.dtype)) assertFinite(e.key, data, e.dtype, 'the safetensors file');
    tensors.set(e.key, { shape: e.shape, data, dtype: e.dtype });
  }
  return { tensors, metadata };
}
