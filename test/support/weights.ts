/**
 * Builders for the weight-import tests: hand-made pickles (opcode by opcode), torch.save-style zip
 * archives around them, and safetensors files, so that each malformation can be produced on purpose.
 * Used only by the weight-import tests (src/model/weights/*.test.ts) and the fuzz tests.
 */
import { zipSync } from 'fflate';
import { WeightsError, type StateDict } from '../../src/model/weights/common.ts';
import { openWeights, type WeightsFile } from '../../src/model/weights/open.ts';

const utf8 = new TextEncoder();

/** A weights file opened and read whole (both steps: a test of a refusal does not care which refuses). */
export function readWeights(bytes: Uint8Array, name?: string): WeightsFile & { stateDict: StateDict } {
  const file = openWeights(bytes, name);
  return { ...file, stateDict: file.read() };
}

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
  /** Legacy format only: the tensor uses this view `(view_key, offset, view_size)` of the storage. */
  view?: { key: string; offset: number; numel: number };
}

export interface PickleStateDictOptions {
  /** Legacy torch.save persistent ids: a sixth item, the storage view or None. */
  legacy?: boolean;
  /** `_rebuild_tensor(storage, offset, size, stride)` of PyTorch < 0.4 instead of `_rebuild_tensor_v2`. */
  v1?: boolean;
  /** Module of the storage types (`torch.cuda` for a GPU tensor of PyTorch < 1.12). */
  storageModule?: string;
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

/**
 * The data.pkl torch.save writes for an OrderedDict of tensors (protocol 2, `_rebuild_tensor_v2`), or
 * with `legacy` the state_dict pickle of the legacy format.
 */
export function pickleStateDict(tensors: PickledTensor[], options: PickleStateDictOptions = {}): Uint8Array {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const t of tensors) {
    w.str(t.key).global('torch._utils', options.v1 ? '_rebuild_tensor' : '_rebuild_tensor_v2').mark();
    w.mark().str('storage').global(options.storageModule ?? 'torch', t.storageType).str(t.storage).str('cpu').int(t.storageNumel);
    if (options.legacy) {
      if (t.view) w.mark().str(t.view.key).int(t.view.offset).int(t.view.numel).tuple();
      else w.none();
    }
    w.tuple().binpersid();
    w.int(t.offset);
    intTuple(w, t.size);
    intTuple(w, t.stride);
    if (!options.v1) w.bool(false).global('collections', 'OrderedDict').emptyTuple().reduce();
    w.tuple().reduce();
  }
  return w.setitems().stop().bytes();
}

/** One storage of a legacy torch.save file: its key, the element count written before it, its bytes. */
export interface LegacyStorage {
  key: string;
  count: number;
  data: Uint8Array;
}

/** torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c, as LONG1 bytes. */
const LEGACY_MAGIC_BYTES = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/**
 * A legacy (non-zip) torch.save file: the magic number, protocol version and sys_info pickles, `pickle`
 * (the state_dict), the storage key list (by default the storages' keys) and each storage as an int64
 * element count (little-endian unless `countBigEndian`) and its bytes, then `trailing`.
 */
export function legacyTorchFile(
  pickle: Uint8Array,
  storages: LegacyStorage[],
  options: {
    littleEndian?: boolean;
    countBigEndian?: boolean;
    keys?: string[];
    /** Replaces the whole storage key list pickle. */
    keyPickle?: Uint8Array;
    protocol?: number;
    /** Replaces the whole protocol version pickle. */
    protocolPickle?: Uint8Array;
    magic?: number[];
    trailing?: Uint8Array;
  } = {},
): Uint8Array {
  const magic = new PickleWriter().proto(2).long1(options.magic ?? LEGACY_MAGIC_BYTES).stop().bytes();
  const protocol = new PickleWriter().proto(2).int(options.protocol ?? 1001).stop().bytes();
  const sysInfo = new PickleWriter().proto(2).emptyDict().mark().str('protocol_version').int(1001).str('little_endian').bool(options.littleEndian ?? true);
  sysInfo.str('type_sizes').emptyDict().mark().str('short').int(2).str('int').int(4).str('long').int(8).setitems().setitems().stop();
  const keys = new PickleWriter().proto(2).emptyList().mark();
  for (const key of options.keys ?? storages.map((s) => s.key)) keys.str(key);
  keys.appends().stop();
  const parts: Uint8Array[] = [magic, options.protocolPickle ?? protocol, sysInfo.bytes(), pickle, options.keyPickle ?? keys.bytes()];
  for (const s of storages) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(s.count), !options.countBigEndian);
    parts.push(count, s.data);
  }
  if (options.trailing) parts.push(options.trailing);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A ustar tar archive of the given files (what torch.save wrote before PyTorch 0.1.10: sys_info, pickle, tensors, storages). */
export function tarArchive(files: Record<string, Uint8Array>): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = new Uint8Array(512);
    const put = (at: number, text: string): void => header.set(utf8.encode(text), at);
    put(0, name);
    put(100, '0000644\0');
    put(124, `${data.length.toString(8).padStart(11, '0')}\0`);
    put(156, '0');
    put(257, 'ustar\0' + '00');
    put(148, '        ');
    const sum = header.reduce((a, b) => a + b, 0);
    put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
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
