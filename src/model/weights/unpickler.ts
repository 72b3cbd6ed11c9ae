/**
 * A safe unpickler for the pickles of a torch.save file (the data.pkl of the zip format, or the pickles of
 * the legacy format, one after another in one stream). It understands the opcodes of pickle
 * protocols 0-5 that plain data needs and builds plain JavaScript values; it never runs code, and it
 * refuses every global other than the few a state_dict references (OrderedDict, the tensor rebuild
 * functions, the storage types), at the opcode that names it, before anything else happens.
 *
 * Python values become: None -> null, bool -> boolean, int -> number (bigint beyond 2^53), float -> number,
 * str -> string, bytes -> Uint8Array, list -> array, tuple -> frozen array, dict and OrderedDict -> Map,
 * a persistent storage id -> `StorageRef`, `_rebuild_tensor_v2(...)` -> `TensorRef`.
 *
 * Hostile pickles cost what their bytes are worth: every walk over unpickled values (dict keys,
 * messages) is memoised by object identity or bounded in depth and length, so a few hundred bytes of
 * memo references that share structure ("billion laughs") cannot make it exponential; a value quoted
 * in a message is capped. Where CPython's unpickler (what torch.load runs) refuses a pickle, this one
 * refuses it too; it refuses a few more things a state_dict never holds.
 */
import { WeightsError, clip, quote, type WeightDtype } from './common.ts';

/** `torch.<Type>Storage` classes and the element type each holds. */
const STORAGE_DTYPES: Readonly<Record<string, WeightDtype>> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/**
 * A storage the pickle refers to by persistent id `('storage', torch.FloatStorage, key, location, numel)`
 * (zip format) or `('storage', torch.FloatStorage, key, location, numel, view_metadata)` (legacy format).
 */
export class StorageRef {
  readonly dtype: WeightDtype;
  /** Entry name under `<archive>/data/` (zip); the storage's key in the storage list (legacy); the view's key for a view. */
  readonly key: string;
  readonly location: string;
  /** Elements (of `dtype`) in the storage (or in the view). */
  readonly numel: number;
  /**
   * Legacy format only: for a storage view `(view_key, offset, view_size)`, the storage it is a view of
   * (elements `rootOffset` to `rootOffset + numel` of it, checked to lie inside it); null for a whole storage.
   */
  readonly root: StorageRef | null;
  readonly rootOffset: number;

  constructor(dtype: WeightDtype, key: string, location: string, numel: number, root: StorageRef | null = null, rootOffset = 0) {
    this.dtype = dtype;
    this.key = key;
    this.location = location;
    this.numel = numel;
    this.root = root;
    this.rootOffset = rootOffset;
  }
}

/**
 * `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)`, or
 * `_rebuild_tensor(storage, storage_offset, size, stride)` of PyTorch < 0.4.
 */
export class TensorRef {
  readonly storage: StorageRef;
  readonly offset: number;
  readonly size: number[];
  readonly stride: number[];

  constructor(storage: StorageRef, offset: number, size: number[], stride: number[]) {
    this.storage = storage;
    this.offset = offset;
    this.size = size;
    this.stride = stride;
  }
}

/** A global the pickle named and we allow; only these objects can appear where Python would have a class or function. */
class PyGlobal {
  readonly module: string;
  readonly name: string;

  constructor(module: string, name: string) {
    this.module = module;
    this.name = name;
  }

  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
  // PyTorch < 1.12 named the storage of a GPU tensor torch.cuda.<Type>Storage; the bytes are the same.
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.cuda.${s}`),
]);

/** The storage type names a persistent id may carry: `torch.<Type>Storage` or `torch.cuda.<Type>Storage`. */
const STORAGE_MODULES: ReadonlySet<string> = new Set(['torch', 'torch.cuda']);

function refuseGlobal(module: string, name: string, label: string): WeightsError {
  if ((module === 'torch' || module === 'torch.storage' || module === 'torch.cuda') && name.endsWith('Storage')) {
    return new WeightsError(
      'unsupported',
      `${label} holds a tensor stored as ${clip(`${module}.${name}`, 120)}, which this reader does not support; ` +
        `supported: ${Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`).join(', ')}. Convert the weights to float32 or float16 before saving.`,
    );
  }
  const alias = module === 'posix' || module === 'nt' ? ` (that is os.${clip(name, 60)})` : '';
  const wholeModel = /^(torchvision|torch\.nn)\b/.test(module) || /^[A-Z]/.test(name)
    ? ' If it is a whole model saved with torch.save(model), re-save its weights with torch.save(model.state_dict(), path).'
    : '';
  return new WeightsError(
    'unsafe',
    `refused: the file references the global ${clip(`${module}.${name}`, 120)}${alias}; a state_dict needs only OrderedDict, torch tensors and storages. ` +
      `Nothing in the file was run.${wholeModel} Load only files you trust, and prefer .safetensors, which cannot hold code. (In ${label}.)`,
  );
}

function corrupt(message: string, label: string): WeightsError {
  return new WeightsError('corrupt', `${label}: ${message}`);
}

type Value = unknown;

const OPCODE_NAMES: Record<number, string> = {
  0x6f: 'OBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** A Python tuple: the unpickler freezes the arrays it builds for tuples (lists stay mutable). */
function isTuple(v: Value): v is readonly Value[] {
  return Array.isArray(v) && Object.isFrozen(v);
}

/** Tuples nested deeper than this in a dict key are refused (no state_dict key is a tuple at all). */
const MAX_KEY_DEPTH = 100;

/**
 * Dict keys with Python's equality: equal tuples are one key. Each tuple is reduced once (memoised by
 * identity) to a canonical tuple object, found through a signature made of its items' small ids, so
 * keys that share structure cost linear time, never exponential.
 */
class DictKeys {
  private readonly canonical = new WeakMap<readonly Value[], readonly Value[]>();
  private readonly ids = new WeakMap<readonly Value[], number>();
  private readonly bySignature = new Map<string, readonly Value[]>();
  private readonly strings = new Map<string, number>();
  private readonly label: string;

  constructor(label: string) {
    this.label = label;
  }

  key(v: Value): Value {
    // True == 1 and False == 0 are the same key in Python.
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return v;
    if (isTuple(v)) return this.tuple(v, 0);
    throw corrupt(`a dict key is ${describe(v)}, which is not hashable (not a string, number or tuple)`, this.label);
  }

  private tuple(t: readonly Value[], depth: number): readonly Value[] {
    const known = this.canonical.get(t);
    if (known) return known;
    if (depth >= MAX_KEY_DEPTH) throw corrupt(`a dict key nests tuples more than ${MAX_KEY_DEPTH} deep`, this.label);
    const parts: string[] = [];
    for (const item of t) {
      const k = typeof item === 'boolean' ? (item ? 1 : 0) : item;
      if (k === null) parts.push('N');
      else if (typeof k === 'number') parts.push(`n${k}`);
      else if (typeof k === 'bigint') parts.push(`i${k}`);
      else if (typeof k === 'string') {
        let id = this.strings.get(k);
        if (id === undefined) this.strings.set(k, (id = this.strings.size));
        parts.push(`s${id}`);
      } else if (isTuple(k)) parts.push(`t${this.ids.get(this.tuple(k, depth + 1))}`);
      else throw corrupt(`a dict key is a tuple holding ${describe(k)}, which is not hashable`, this.label);
    }
    const signature = parts.join(',');
    let c = this.bySignature.get(signature);
    if (!c) {
      c = t;
      this.bySignature.set(signature, t);
      this.ids.set(t, this.bySignature.size);
    }
    this.canonical.set(t, c);
    return c;
  }
}

/**
 * An integer argument of a tensor rebuild: a Python int (torch refuses bool and float there), or the
 * storage size of a persistent id with `bools`.
 */
function toInt(v: Value, what: string, label: string, bools = false): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (bools && typeof v === 'boolean') return v ? 1 : 0;
  const got = typeof v === 'bigint' ? `${clip(String(v), 30)} (too large)` : typeof v === 'boolean' ? 'a bool' : typeof v === 'number' ? `the float ${v}` : describe(v);
  throw corrupt(`${what} must be an integer, got ${got}`, label);
}

function intTuple(v: Value, what: string, label: string): number[] {
  if (!Array.isArray(v)) throw corrupt(`${what} must be a tuple of integers, got ${describe(v)}`, label);
  return v.map((x, i) => toInt(x, `${what}[${i}]`, label));
}

const FLOAT_STORAGES: ReadonlySet<WeightDtype> = new Set<WeightDtype>(['F64', 'F32', 'F16', 'BF16']);

/** `requires_grad` of a rebuilt tensor: torch requires a bool, and True only for floating-point tensors. */
function checkRequiresGrad(v: Value, storage: StorageRef, label: string): void {
  if (typeof v !== 'boolean') throw corrupt(`requires_grad must be a bool, got ${describe(v)}`, label);
  if (v && !FLOAT_STORAGES.has(storage.dtype)) {
    throw corrupt(`a ${storage.dtype} tensor is marked requires_grad; torch.load refuses that (only floating-point tensors can require gradients)`, label);
  }
}

function callGlobal(fn: Value, args: Value, keys: DictKeys, label: string): Value {
  if (!(fn instanceof PyGlobal)) throw corrupt(`REDUCE calls ${describe(fn)}, which is not a known global`, label);
  if (!isTuple(args)) throw corrupt(`the arguments of ${fn.qualified} are ${describe(args)}, not a tuple`, label);
  switch (fn.qualified) {
    case 'collections.OrderedDict': {
      if (args.length > 1) throw corrupt(`OrderedDict(...) takes at most 1 argument, got ${args.length}`, label);
      const map = new Map<Value, Value>();
      if (args.length > 0) {
        const items = args[0];
        const pairs = items instanceof Map ? [...items.entries()] : Array.isArray(items) ? items : null;
        if (!pairs) throw corrupt(`OrderedDict(...) needs a list of pairs, got ${describe(items)}`, label);
        for (const pair of pairs) {
          if (!Array.isArray(pair) || pair.length !== 2) throw corrupt(`OrderedDict(...) needs a list of pairs, got an item ${describe(pair)}`, label);
          map.set(keys.key(pair[0]), pair[1]);
        }
      }
      return map;
    }
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const arity = fn.name === '_rebuild_tensor' ? 4 : 6;
      if (args.length !== arity) throw corrupt(`${fn.name} takes ${arity} arguments, got ${args.length}`, label);
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof StorageRef)) throw corrupt(`${fn.name} got ${describe(storage)}, not a storage`, label);
      const storageOffset = toInt(offset, 'storage offset', label);
      const shape = intTuple(size, 'tensor size', label);
      const strides = intTuple(stride, 'tensor stride', label);
      if (shape.length !== strides.length) {
        throw corrupt(`a tensor has ${shape.length} sizes but ${strides.length} strides`, label);
      }
      if (shape.some((d) => d < 0)) throw corrupt(`a tensor has a negative size ${clip(`(${shape.join(', ')})`)}`, label);
      if (storageOffset < 0) throw corrupt(`a tensor has a negative storage offset (${storageOffset})`, label);
      if (arity === 6) checkRequiresGrad(args[4], storage, label);
      return new TensorRef(storage, storageOffset, shape, strides);
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state': {
      const arity = fn.name === '_rebuild_parameter' ? 3 : 4;
      if (args.length !== arity) throw corrupt(`${fn.name} takes ${arity} arguments, got ${args.length}`, label);
      if (!(args[0] instanceof TensorRef)) throw corrupt(`${fn.name} got ${describe(args[0])}, not a tensor`, label);
      checkRequiresGrad(args[1], args[0].storage, label);
      return args[0];
    }
    default:
      throw new WeightsError('unsupported', `${label} calls ${fn.qualified}, which is not a function; the file is not a plain state_dict. Re-save it with torch.save(model.state_dict(), path).`);
  }
}

/** A storage view of the legacy format: `(view_key, offset, view_size)`, in elements of the storage. */
interface ViewSpec {
  key: string;
  offset: number;
  numel: number;
}

/**
 * The storage a persistent id names, and in the legacy format the view of it the id asks for. Zip:
 * `('storage', type, key, location, numel)`; legacy: `('storage', type, key, location, numel, view_metadata)`
 * with view_metadata None or `(view_key, offset, view_size)`.
 */
function persistentLoad(pid: Value, legacy: boolean, label: string): { ref: StorageRef; view: ViewSpec | null } {
  const arity = legacy ? 6 : 5;
  if (!isTuple(pid) || pid[0] !== 'storage' || pid.length !== arity) {
    const shape = legacy ? "('storage', type, key, location, numel, view_metadata)" : "('storage', type, key, location, numel)";
    throw new WeightsError('unsupported', `${label} refers to a persistent object ${describe(pid)}; only ${shape} tensor storages are supported`);
  }
  const [, type, key, location, numel, viewMetadata] = pid;
  if (!(type instanceof PyGlobal) || !STORAGE_MODULES.has(type.module) || !(type.name in STORAGE_DTYPES)) {
    throw new WeightsError('unsupported', `${label} refers to a storage of type ${type instanceof PyGlobal ? type.qualified : describe(type)}, which this reader does not support`);
  }
  if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) throw corrupt(`a storage key is ${describe(key)}, not a plain name`, label);
  const size = toInt(numel, 'storage size', label, true);
  if (size < 0) throw corrupt(`storage ${key} has a negative size (${size})`, label);
  // torch.load(map_location='cpu') ignores the location; it is kept only when it is a plain string.
  const ref = new StorageRef(STORAGE_DTYPES[type.name], key, typeof location === 'string' ? clip(location, 40) : '', size);
  if (viewMetadata === null || viewMetadata === undefined) return { ref, view: null };
  if (!Array.isArray(viewMetadata) || viewMetadata.length !== 3 || typeof viewMetadata[0] !== 'string' || !/^[\w.-]{1,64}$/.test(viewMetadata[0])) {
    throw corrupt(`the view of storage ${key} is ${describe(viewMetadata)}, not (view_key, offset, view_size)`, label);
  }
  return {
    ref,
    view: { key: viewMetadata[0], offset: toInt(viewMetadata[1], 'storage view offset', label), numel: toInt(viewMetadata[2], 'storage view size', label) },
  };
}

/** Levels of nested tuples and lists a description shows, and items of each. */
const DESCRIBE_DEPTH = 3;
const DESCRIBE_ITEMS = 8;

/**
 * An unpickled value for a message, in Python's spelling: bounded in depth, items and length whatever
 * the value is (deeply nested, or sharing structure through the memo), so at most a few hundred
 * items are visited.
 */
export function describe(v: Value, depth = 0): string {
  let text: string;
  if (v instanceof PyGlobal) text = v.qualified;
  else if (v instanceof StorageRef) text = `a ${v.dtype} storage`;
  else if (v instanceof TensorRef) text = 'a tensor';
  else if (v instanceof Map) text = `a dict of ${v.size} entries`;
  else if (v instanceof Uint8Array) text = `${v.length} bytes`;
  else if (Array.isArray(v)) {
    const [open, close] = isTuple(v) ? ['(', ')'] : ['[', ']'];
    if (depth >= DESCRIBE_DEPTH) text = `${open}...${close}`;
    else {
      const items = v.slice(0, DESCRIBE_ITEMS).map((x) => describe(x, depth + 1));
      text = `${open}${items.join(', ')}${v.length > DESCRIBE_ITEMS ? `, ... ${v.length} items` : ''}${close}`;
    }
  } else if (typeof v === 'string') text = quote(v, 40);
  else if (v === null || v === undefined) text = 'None';
  else if (typeof v === 'boolean') text = v ? 'True' : 'False';
  else text = String(v);
  return clip(text, 200);
}

/** ISO-8859-1, byte for byte (TextDecoder's "latin1" is windows-1252). */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

/** Integers a state_dict needs are small; longer ones are refused before costly BigInt work. */
const MAX_LONG_BYTES = 64;

/** Where and how to read one pickle of a stream. */
export interface UnpickleOptions {
  /** Offset of the pickle's first opcode in `data` (default 0). */
  start?: number;
  /** Legacy (non-zip) torch.save persistent ids, which carry a sixth item, the storage view (default false). */
  legacy?: boolean;
  /** Names the pickle in messages (default "data.pkl"). */
  label?: string;
  /**
   * How protocol 0-2 byte strings (BINSTRING, SHORT_BINSTRING) become text, as pickle.load's `encoding`:
   * 'latin1' byte for byte (the default), or 'utf-8', refusing invalid UTF-8, as torch.load does.
   */
  encoding?: 'latin1' | 'utf-8';
}

interface Unpickled {
  value: Value;
  /** Offset just past the pickle's STOP opcode: where the next pickle of a stream starts. */
  end: number;
  /** The whole storages the pickle referenced, by key (views are not listed; each points at its `root`). */
  storages: ReadonlyMap<string, StorageRef>;
}

/**
 * Unpickles `data` into plain values; throws a WeightsError (`unsafe` for any global outside the
 * state_dict allowlist, `corrupt` for malformed or truncated input, `unsupported` for valid pickles
 * a state_dict never contains). Bytes after the STOP opcode are not read.
 */
export function unpickle(data: Uint8Array): Value {
  return unpickleAt(data).value;
}

/**
 * Unpickles one pickle of a stream of pickles (the legacy torch.save format writes several back to
 * back), starting at `options.start`, and says where it ends. Errors as `unpickle`.
 */
export function unpickleAt(data: Uint8Array, options: UnpickleOptions = {}): Unpickled {
  const label = options.label ?? 'data.pkl';
  const start = options.start ?? 0;
  if (!Number.isSafeInteger(start) || start < 0 || start > data.length) throw new Error(`internal: pickle start ${start} outside 0..${data.length}`);
  try {
    return run(data, start, options.legacy ?? false, label, options.encoding ?? 'latin1');
  } catch (err) {
    if (err instanceof WeightsError) throw err;
    // E.g. a RangeError from absurdly nested tuples: damaged or hostile input, never a state_dict.
    throw corrupt(`cannot be read (${(err as Error).message})`, label);
  }
}

/** Memo indices a pickle may use: CPython allocates a memo array as long as the largest index (twice it). */
const MAX_MEMO_INDEX = 1 << 24;

/** Integer text as CPython's INT/LONG opcodes read it, in the subset both agree on: decimal digits, no spaces. */
const INT_TEXT = /^[-+]?\d+$/;
/** Float text as CPython's FLOAT opcode reads it (no spaces, no hex, no underscores). */
const FLOAT_TEXT = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|infinity)$/i;

function run(data: Uint8Array, start: number, legacy: boolean, label: string, encoding: 'latin1' | 'utf-8'): Unpickled {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = start;
  let stack: Value[] = [];
  const marks: Value[][] = [];
  const memo = new Map<number, Value>();
  const storages = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const keys = new DictKeys(label);

  const need = (n: number): void => {
    if (pos + n > data.length) throw corrupt(`truncated at byte ${pos}: needs ${n} more bytes, the pickle has ${data.length - pos}`, label);
  };
  const u8 = (): number => {
    need(1);
    return data[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) throw corrupt(`a length of ${v} bytes runs past the end of the pickle`, label);
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = data.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw corrupt(`truncated at byte ${pos}: a text argument has no end of line`, label);
    const text = latin1(data.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const str = (n: number): string => {
    const bytes = take(n);
    try {
      return utf8.decode(bytes);
    } catch {
      throw corrupt(`a string at byte ${pos - n} is not valid UTF-8`, label);
    }
  };
  const pop = (): Value => {
    if (stack.length === 0) throw corrupt(`stack underflow at byte ${pos - 1}`, label);
    return stack.pop();
  };
  const top = (): Value => {
    if (stack.length === 0) throw corrupt(`stack underflow at byte ${pos - 1}`, label);
    return stack[stack.length - 1];
  };
  const popMark = (): Value[] => {
    const items = stack;
    const previous = marks.pop();
    if (!previous) throw corrupt(`an opcode at byte ${pos - 1} needs a MARK and there is none`, label);
    stack = previous;
    return items;
  };
  const memoPut = (i: number): void => {
    if (i < 0 || i > MAX_MEMO_INDEX) throw corrupt(`memo index ${i} at byte ${pos} is outside 0..${MAX_MEMO_INDEX}; a state_dict pickle never uses it`, label);
    memo.set(i, top());
  };
  const memoGet = (i: number): Value => {
    if (!memo.has(i)) throw corrupt(`memo entry ${i} is read before it is written`, label);
    return memo.get(i);
  };
  const decodeLong = (bytes: Uint8Array): number | bigint => {
    if (bytes.length === 0) return 0;
    if (bytes.length > MAX_LONG_BYTES) throw new WeightsError('unsupported', `${label} holds a ${bytes.length}-byte integer; a state_dict never does`);
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const textInt = (text: string, long = false): number | boolean | bigint => {
    const t = long ? text.replace(/L$/, '') : text;
    if (!long && t === '01') return true;
    if (!long && t === '00') return false;
    // CPython reads C/Python integer literals (hex, octal, underscores); a state_dict has none: only plain decimals.
    if (!INT_TEXT.test(t) || (/^[-+]?0\d/.test(t) && !/^[-+]?0+$/.test(t))) throw corrupt(`an integer argument ${quote(text, 40)} is malformed`, label);
    if (t.length > 2.5 * MAX_LONG_BYTES) throw new WeightsError('unsupported', `${label} holds a ${t.length}-digit integer; a state_dict never does`);
    const big = BigInt(t);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  };
  const global = (module: string, name: string): PyGlobal => {
    const qualified = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(qualified)) throw refuseGlobal(module, name, label);
    return new PyGlobal(module, name);
  };
  const setItems = (target: Value, items: Value[]): void => {
    if (!(target instanceof Map)) throw corrupt(`SETITEM(S) on ${describe(target)}, which is not a dict`, label);
    if (items.length % 2) throw corrupt('SETITEMS has an odd number of items', label);
    for (let i = 0; i < items.length; i += 2) target.set(keys.key(items[i]), items[i + 1]);
  };
  const append = (target: Value, items: Value[]): void => {
    if (!Array.isArray(target) || Object.isFrozen(target)) throw corrupt('APPEND(S) on something that is not a list', label);
    for (const item of items) target.push(item);
  };
  const tuple = (items: Value[]): Value[] => Object.freeze(items) as Value[];

  while (true) {
    if (pos >= data.length) throw corrupt(`truncated: the pickle ends at byte ${pos} without STOP`, label);
    const at = pos;
    const op = data[pos++];
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new WeightsError('unsupported', `${label} uses pickle protocol ${data[pos - 1]}; protocols 0-5 are supported`);
        break;
      case 0x95: {
        // FRAME: the frame's opcodes follow inline; CPython reads the whole frame first
        const n = u64();
        if (pos + n > data.length) throw corrupt(`truncated at byte ${pos}: a frame of ${n} bytes runs past the end`, label);
        break;
      }
      case 0x2e: // STOP
        if (marks.length > 0) throw corrupt('STOP inside an unclosed MARK', label);
        if (stack.length !== 1) throw corrupt(`STOP with ${stack.length} values on the stack`, label);
        return { value: stack[0], end: pos, storages };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) popMark();
        else stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: // INT
        stack.push(textInt(line()));
        break;
      case 0x4c: // LONG
        stack.push(textInt(line(), true));
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) throw corrupt('LONG4 with a negative length', label);
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x46: {
        // FLOAT
        const text = line();
        if (!FLOAT_TEXT.test(text)) throw corrupt(`a float argument ${quote(text, 40)} is malformed`, label);
        const lower = text.toLowerCase().replace(/^\+/, '');
        const v = /nan$/.test(lower) ? NaN : /inf(inity)?$/.test(lower) ? (lower.startsWith('-') ? -Infinity : Infinity) : Number(text);
        if (!Number.isFinite(v) && !/nan|inf/.test(lower)) throw corrupt(`a float argument ${quote(text, 40)} overflows`, label);
        stack.push(v);
        break;
      }
      case 0x47: // BINFLOAT: big-endian double
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(str(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(str(u64()));
        break;
      case 0x54: {
        // BINSTRING (protocol 1 str, decoded as latin-1 like Python 3's encoding='latin1')
        const n = i32();
        if (n < 0) throw corrupt('BINSTRING with a negative length', label);
        stack.push(encoding === 'utf-8' ? str(n) : latin1(take(n)));
        break;
      }
      case 0x55: {
        // SHORT_BINSTRING
        const n = u8();
        stack.push(encoding === 'utf-8' ? str(n) : latin1(take(n)));
        break;
      }
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x64: {
        // DICT
        const map = new Map();
        setItems(map, popMark());
        stack.push(map);
        break;
      }
      case 0x6c: {
        // LIST (popMark swaps `stack`: take the items before pushing)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x74: {
        // TUPLE
        const items = popMark();
        stack.push(tuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x70: // PUT
        memoPut(toInt(textInt(line(), true), 'PUT index', label));
        break;
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(memoGet(toInt(textInt(line(), true), 'GET index', label)));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt('STACK_GLOBAL needs two strings', label);
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(callGlobal(fn, args, keys, label));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only OrderedDict is a class we allow
        const args = pop();
        const cls = pop();
        if (!(cls instanceof PyGlobal) || cls.qualified !== 'collections.OrderedDict') {
          throw new WeightsError('unsupported', `${label} creates an object of ${describe(cls)}; a state_dict holds only dicts and tensors`);
        }
        if (!isTuple(args)) throw corrupt(`NEWOBJ arguments are ${describe(args)}, not a tuple`, label);
        stack.push(new Map());
        break;
      }
      case 0x62: {
        // BUILD: the only state a state_dict carries is OrderedDict._metadata (per-module versions); it is not needed.
        const state = pop();
        const target = top();
        if (!(target instanceof Map) || !(state instanceof Map || state === null)) {
          throw new WeightsError('unsupported', `${label} sets the state of ${describe(target)}; a state_dict holds only dicts and tensors`);
        }
        break;
      }
      case 0x51: {
        // BINPERSID
        const { ref, view } = persistentLoad(pop(), legacy, label);
        const known = storages.get(ref.key);
        if (known && (known.dtype !== ref.dtype || known.numel !== ref.numel)) {
          throw corrupt(`storage ${ref.key} is referenced as ${known.numel} ${known.dtype} and as ${ref.numel} ${ref.dtype}`, label);
        }
        if (!known && views.has(ref.key)) throw corrupt(`the key ${ref.key} names both a storage and a view of a storage`, label);
        const root = known ?? ref;
        if (!known) storages.set(ref.key, ref);
        if (!view) {
          stack.push(root);
          break;
        }
        if (view.offset < 0 || view.numel < 0 || view.offset + view.numel > root.numel) {
          throw corrupt(
            `the view ${view.key} (elements ${view.offset} to ${view.offset + view.numel}) runs past the end of storage ${root.key} (${root.numel} elements)`,
            label,
          );
        }
        const knownView = views.get(view.key);
        if (knownView && (knownView.root !== root || knownView.rootOffset !== view.offset || knownView.numel !== view.numel)) {
          throw corrupt(`the view ${view.key} is referenced as two different parts of storages`, label);
        }
        if (!knownView && storages.has(view.key)) throw corrupt(`the key ${view.key} names both a storage and a view of a storage`, label);
        const viewRef = knownView ?? new StorageRef(root.dtype, view.key, root.location, view.numel, root, view.offset);
        views.set(view.key, viewRef);
        stack.push(viewRef);
        break;
      }
      case 0x69: {
        // INST: "module\nname\n", then instantiates with the marked arguments; refused by name like GLOBAL
        const module = line();
        const name = line();
        global(module, name);
        throw new WeightsError('unsupported', `${label} instantiates ${module}.${name} with the INST opcode; a state_dict never does`);
      }
      case 0x50: // PERSID (text id): torch never writes it
        throw new WeightsError('unsupported', `${label} uses a text persistent id at byte ${at}; torch.save never writes one`);
      default: {
        const name = OPCODE_NAMES[op];
        if (name) {
          throw new WeightsError('unsupported', `${label} uses the pickle opcode ${name} at byte ${at}, which a state_dict never needs; refusing the file`);
        }
        throw corrupt(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}: the file is damaged`, label);
      }
    }
  }
}
