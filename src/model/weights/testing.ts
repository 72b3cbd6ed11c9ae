/**
 * Builders for the weight-import tests: hand-made pickles (opcode by opcode), torch.save-style zip
 * archives around them, and safetensors files, so that each malformation can be produced on purpose.
 * Used only by the *.test.ts files beside it.
 */
import { zipSync } from 'fflate';
import { WeightsError } from './common.ts';

const utf8 = new TextEncoder();

/** Writes pickle opcodes; each method appends one opcode (with its argument) and returns `this`. */
export class PickleWriter {
  private readonly out: number[] = [];

  raw(...bytes: number[]): this {
    for (const b of bytes) this.out.push(b);
    return this;
  }

  /** Appends a (possibly large) byte array. */
  rawBytes(bytes: Uint8Array): this {
    for (const b of bytes) this.out.push(b);
    return this;
  }

  proto(version = 2): this {
    return this.raw(0x80, version);
  }

  /** GLOBAL: `c module\nname\n`. */
  global(module: string, name: string): this {
    return this.raw(0x63, ...utf8.encode(`${module}\n${name}\n`));
  }

  /** BINUNICODE (4-byte length) or SHORT_BINUNICODE. */
  str(text: string, short = false): this {
    const bytes = utf8.encode(text);
    if (short) return this.raw(0x8c, bytes.length, ...bytes);
    return this.raw(0x58, ...le32(bytes.length), ...bytes);
  }

  /** BININT1, BININT2 or BININT, whichever fits. */
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    return this.raw(0x4a, ...le32(n));
  }

  /** LONG1 with the given little-endian two's complement bytes. */
  long1(bytes: number[]): this {
    return this.raw(0x8a, bytes.length, ...bytes);
  }

  /** BINFLOAT (big-endian double). */
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.raw(0x47, ...b);
  }

  none(): this {
    return this.raw(0x4e);
  }

  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }

  mark(): this {
    return this.raw(0x28);
  }

  tuple(): this {
    return this.raw(0x74);
  }

  tuple2(): this {
    return this.raw(0x86);
  }

  emptyTuple(): this {
    return this.raw(0x29);
  }

  emptyDict(): this {
    return this.raw(0x7d);
  }

  emptyList(): this {
    return this.raw(0x5d);
  }

  setitem(): this {
    return this.raw(0x73);
  }

  setitems(): this {
    return this.raw(0x75);
  }

  appends(): this {
    return this.raw(0x65);
  }

  reduce(): this {
    return this.raw(0x52);
  }

  build(): this {
    return this.raw(0x62);
  }

  binpersid(): this {
    return this.raw(0x51);
  }

  binput(i: number): this {
    return this.raw(0x71, i);
  }

  binget(i: number): this {
    return this.raw(0x68, i);
  }

  stop(): this {
    return this.raw(0x2e);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** One tensor of a hand-made torch.save pickle: a view of storage `storage`. */
export interface PickledTensor {
  key: string;
  storage: string;
  /** `FloatStorage`, `HalfStorage`, ... */
  storageType: string;
  /** Elements of the whole storage. */
  storageNumel: number;
  offset: number;
  size: number[];
  stride: number[];
}

/** Contiguous (row-major) strides of a shape. */
export function contiguousStrides(size: number[]): number[] {
  const stride: number[] = [];
  let s = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= size[d];
  }
  return stride;
}

function intTuple(w: PickleWriter, values: number[]): void {
  w.mark();
  for (const v of values) w.int(v);
  w.tuple();
}

/** The data.pkl torch.save writes for an OrderedDict of tensors (protocol 2, `_rebuild_tensor_v2`). */
export function pickleStateDict(tensors: PickledTensor[]): Uint8Array {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const t of tensors) {
    w.str(t.key).global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark().str('storage').global('torch', t.storageType).str(t.storage).str('cpu').int(t.storageNumel).tuple().binpersid();
    w.int(t.offset);
    intTuple(w, t.size);
    intTuple(w, t.stride);
    w.bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  return w.setitems().stop().bytes();
}

/** A torch.save-style zip: `<archive>/data.pkl`, `<archive>/data/<key>`, `<archive>/version` (stored, not deflated). */
export function torchZip(archive: string, pickle: Uint8Array, storages: Record<string, Uint8Array>, extra: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { [`${archive}/data.pkl`]: pickle };
  for (const [key, bytes] of Object.entries(storages)) files[`${archive}/data/${key}`] = bytes;
  files[`${archive}/version`] = utf8.encode('3\n');
  Object.assign(files, extra);
  return zipSync(files, { level: 0 });
}

export function f32Bytes(values: number[], littleEndian = true): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, littleEndian));
  return b;
}

export interface SafetensorsEntry {
  key: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/**
 * A safetensors file with tensors back to back in the given order; `patch` may rewrite the header
 * object before it is serialised (to forge offsets, dtypes, ...).
 */
export function buildSafetensors(
  entries: SafetensorsEntry[],
  options: { metadata?: unknown; patch?: (header: Record<string, unknown>) => void; trailing?: Uint8Array } = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) header.__metadata__ = options.metadata;
  let offset = 0;
  for (const e of entries) {
    header[e.key] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] };
    offset += e.data.length;
  }
  options.patch?.(header);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = utf8.encode(json);
  const trailing = options.trailing ?? new Uint8Array(0);
  const out = new Uint8Array(8 + headerBytes.length + offset + trailing.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const e of entries) {
    out.set(e.data, at);
    at += e.data.length;
  }
  out.set(trailing, at);
  return out;
}

/** Runs `run` and returns the WeightsError it throws; anything else (or no error) fails the test. */
export function errorOf(run: () => unknown): WeightsError {
  try {
    run();
  } catch (err) {
    if (err instanceof WeightsError) return err;
    throw new Error(`expected a WeightsError, got ${String(err)}`);
  }
  throw new Error('expected a WeightsError, but nothing was thrown');
}
