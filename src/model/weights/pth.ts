/**
 * The zip format torch.save writes since PyTorch 1.6: `<archive>/data.pkl` (the pickled state_dict,
 * tensors as persistent ids), `<archive>/data/<key>` (one raw storage per key, stored uncompressed),
 * `<archive>/version` and, since 2.x, `<archive>/byteorder`. The archive folder is named after the file.
 *
 * And the legacy format of PyTorch 0.1.10 to 1.5 (and of `_use_new_zipfile_serialization=False`): one
 * stream of pickles (magic number, protocol version, sys_info, the state_dict, the list of storage keys),
 * then each storage in the list's order as an int64 element count and its raw little-endian bytes.
 * The tar format of PyTorch < 0.1.10 is refused.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import {
  DTYPE_SIZE,
  FLOAT_DTYPES,
  WeightsError,
  assertFinite,
  decodeToFloat32,
  formatShape,
  shapeNumel,
  type StateDict,
  type WeightTensor,
} from './common.ts';
import { toBytes } from './safetensors.ts';
import { StorageRef, TensorRef, unpickle, unpickleAt } from './unpickler.ts';

/** Keys under which training scripts commonly nest the model's state_dict in a checkpoint dict. */
const NESTED_STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model'];

/** Raw storage bytes extracted per pass over the zip directory. */
const BATCH_BYTES = 32 * 1024 * 1024;

/** True for a zip file (local file header, or the end record of an empty zip). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** True for a bare pickle (PROTO opcode): what torch.save wrote before 1.6, or with _use_new_zipfile_serialization=False. */
export function isLegacyTorchFile(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

/** Members of the tar archives torch.save wrote before PyTorch 0.1.10. */
const TAR_MEMBERS: ReadonlySet<string> = new Set(['sys_info', 'pickle', 'tensors', 'storages']);

/** True for a tar archive (ustar header) with a member torch.save's tar format writes. */
export function isTorchTar(bytes: Uint8Array): boolean {
  const ascii = (from: number, to: number): string => {
    let text = '';
    for (let i = from; i < to && bytes[i] !== 0; i++) text += String.fromCharCode(bytes[i]);
    return text;
  };
  if (bytes.length < 512 || ascii(257, 262) !== 'ustar') return false;
  // Walk the first few member headers (a pax header may come first).
  for (let at = 0, n = 0; n < 8 && at + 512 <= bytes.length; n++) {
    const name = ascii(at, at + 100);
    if (TAR_MEMBERS.has(name)) return true;
    const size = parseInt(ascii(at + 124, at + 136).trim() || 'x', 8);
    if (name === '' || !Number.isSafeInteger(size) || size < 0) return false;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return false;
}

export function tarError(fileName?: string): WeightsError {
  const name = fileName ? `${fileName} is` : 'the file is';
  return new WeightsError(
    'legacy',
    `${name} in the tar format of torch.save (written by PyTorch < 0.1.10, before 2017), which this reader does not read. ` +
      'Re-save it with a current PyTorch: torch.save(torch.load(path), new_path), ' +
      'or convert it to .safetensors (safetensors.torch.save_file(state_dict, path)).',
  );
}

function corrupt(message: string): WeightsError {
  return new WeightsError('corrupt', message);
}

function listEntries(bytes: Uint8Array): UnzipFileInfo[] {
  const entries: UnzipFileInfo[] = [];
  try {
    unzipSync(bytes, {
      filter: (info) => {
        entries.push(info);
        return false;
      },
    });
  } catch (err) {
    throw corrupt(`the zip archive is truncated or damaged (${(err as Error).message}); torch.save files must be read whole`);
  }
  if (entries.length === 0) throw new WeightsError('format', 'the zip archive is empty: it holds no torch.save data');
  for (const e of entries) {
    if (typeof e.name !== 'string' || e.name === '' || !Number.isSafeInteger(e.originalSize) || !Number.isSafeInteger(e.size) || e.size < 0 || e.size > bytes.length) {
      throw corrupt('the zip archive\'s directory is damaged (an entry has an impossible size)');
    }
  }
  return entries;
}

function extract(bytes: Uint8Array, names: ReadonlySet<string>): Record<string, Uint8Array> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (info) => names.has(info.name) });
  } catch (err) {
    throw corrupt(`the zip archive is truncated or damaged (${(err as Error).message})`);
  }
  return files;
}

/** Copies (or gathers, for non-contiguous strides) the tensor's elements out of its decoded storage. */
function materialize(key: string, ref: TensorRef, storage: Float32Array, shared: boolean): Float32Array {
  const { size, stride, offset } = ref;
  const numel = shapeNumel(size);
  if (numel === 0) return new Float32Array(0);
  if (offset < 0 || stride.some((s) => s < 0)) {
    throw corrupt(`tensor ${key} has a negative storage offset or stride (offset ${offset}, stride ${formatShape(stride)})`);
  }
  let last = offset;
  for (let d = 0; d < size.length; d++) last += (size[d] - 1) * stride[d];
  if (last >= storage.length) {
    throw corrupt(
      `tensor ${key} (size ${formatShape(size)}, stride ${formatShape(stride)}, offset ${offset}) reaches element ${last} ` +
        `of a storage of ${storage.length} elements: the file is damaged`,
    );
  }
  let contiguous = true;
  for (let d = size.length - 1, expected = 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) contiguous = false;
    expected *= size[d];
  }
  if (contiguous) {
    if (!shared && offset === 0 && numel === storage.length) return storage;
    return storage.slice(offset, offset + numel);
  }
  // Strided view (a transpose, a step slice, an expand): walk it in row-major order.
  const out = new Float32Array(numel);
  const rank = size.length;
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    out[i] = storage[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += stride[d];
      if (index[d] < size[d]) break;
      src -= size[d] * stride[d];
      index[d] = 0;
    }
  }
  return out;
}

const WHAT_TO_SAVE = "Save the model's weights with torch.save(model.state_dict(), path) or as .safetensors.";

function findStateDict(root: unknown): Map<unknown, unknown> {
  const isTensorDict = (v: unknown): v is Map<unknown, unknown> =>
    v instanceof Map && v.size > 0 && [...v.values()].every((x) => x instanceof TensorRef);
  if (isTensorDict(root)) return root;
  if (root instanceof Map) {
    for (const key of NESTED_STATE_DICT_KEYS) {
      const nested = root.get(key);
      if (isTensorDict(nested)) return nested;
    }
    const bad = [...root.entries()].find(([, v]) => !(v instanceof TensorRef));
    if (root.size > 0 && bad) {
      throw new WeightsError(
        'unsupported',
        `the file holds a dict whose entry ${JSON.stringify(String(bad[0]))} is not a tensor, and no nested ${NESTED_STATE_DICT_KEYS.join('/')} ` +
          'state_dict: save the model\'s weights with torch.save(model.state_dict(), path)',
      );
    }
    throw new WeightsError('unsupported', 'the file holds an empty dict: it has no weights');
  }
  const what = root === null ? 'None' : root instanceof TensorRef ? 'a single tensor' : Array.isArray(root) ? 'a list or tuple' : typeof root;
  throw new WeightsError('unsupported', `the file holds ${what}, not a state_dict: save the model's weights with torch.save(model.state_dict(), path)`);
}

/**
 * Reads a torch.save file (zip, or the legacy non-zip format) into a state_dict. Every float tensor must
 * be finite. Throws a WeightsError: `legacy` for the pre-0.1.10 tar format, `corrupt` for a damaged file
 * or inconsistent storages, `unsafe` when a pickle names any global outside the state_dict allowlist.
 */
export function parsePth(input: ArrayBuffer | Uint8Array, fileName?: string): StateDict {
  const bytes = toBytes(input);
  if (isLegacyTorchFile(bytes)) return parseLegacyPth(bytes, fileName);
  if (isTorchTar(bytes)) throw tarError(fileName);
  if (!isZip(bytes)) {
    throw new WeightsError('format', `${fileName ?? 'the file'} is not a torch.save file (neither a zip archive starting with "PK" nor a legacy pickle stream)`);
  }
  const entries = listEntries(bytes);
  const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    const hint = entries.some((e) => /(^|\/)constants\.pkl$|(^|\/)code\//.test(e.name))
      ? ' It looks like a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save instead.'
      : '';
    throw new WeightsError(
      pickles.length === 0 ? 'format' : 'corrupt',
      `${fileName ?? 'the zip file'} is not a torch.save archive: expected one <archive>/data.pkl, found ${pickles.length}.${hint}`,
    );
  }
  const prefix = pickles[0].name.slice(0, -'data.pkl'.length);
  const sizes = new Map(entries.map((e) => [e.name, e]));
  const small = extract(bytes, new Set([`${prefix}data.pkl`, `${prefix}byteorder`]));
  const pickle = small[`${prefix}data.pkl`];
  if (!pickle || pickle.length !== sizes.get(`${prefix}data.pkl`)?.originalSize) {
    throw corrupt(`${prefix}data.pkl is truncated or damaged`);
  }
  let littleEndian = true;
  const byteorder = small[`${prefix}byteorder`];
  if (byteorder) {
    const text = new TextDecoder().decode(byteorder).trim();
    if (text !== 'little' && text !== 'big') throw corrupt(`${prefix}byteorder says "${text.slice(0, 20)}", expected "little" or "big"`);
    littleEndian = text === 'little';
  }

  const dict = findStateDict(unpickle(pickle));

  // Group the tensors by storage, so each storage is extracted and decoded once.
  const byStorage = new Map<StorageRef, [string, TensorRef][]>();
  for (const [key, value] of dict) {
    if (typeof key !== 'string') throw new WeightsError('unsupported', `the state_dict has a key ${String(key)} that is not a string`);
    const ref = value as TensorRef;
    const list = byStorage.get(ref.storage) ?? [];
    list.push([key, ref]);
    byStorage.set(ref.storage, list);
  }
  for (const storage of byStorage.keys()) {
    const name = `${prefix}data/${storage.key}`;
    const entry = sizes.get(name);
    const expected = storage.numel * DTYPE_SIZE[storage.dtype];
    if (!entry) throw corrupt(`storage ${name} is missing from the archive: the file is damaged`);
    if (entry.originalSize !== expected) {
      throw corrupt(`storage ${name} holds ${entry.originalSize} bytes, but ${storage.numel} ${storage.dtype} elements need ${expected}: the file is damaged`);
    }
  }

  // Extract the storages in batches of about BATCH_BYTES: each unzipSync call scans the whole
  // directory, and only one batch of raw bytes is alive next to the decoded tensors.
  const tensors = new Map<string, WeightTensor>();
  const pending = [...byStorage];
  while (pending.length > 0) {
    const batch: typeof pending = [];
    let batchBytes = 0;
    while (pending.length > 0 && (batch.length === 0 || batchBytes + pending[0][0].numel * DTYPE_SIZE[pending[0][0].dtype] <= BATCH_BYTES)) {
      const item = pending.shift()!;
      batchBytes += item[0].numel * DTYPE_SIZE[item[0].dtype];
      batch.push(item);
    }
    const files = extract(bytes, new Set(batch.map(([storage]) => `${prefix}data/${storage.key}`)));
    for (const [storage, refs] of batch) {
      const name = `${prefix}data/${storage.key}`;
      const raw = files[name];
      delete files[name];
      const expected = storage.numel * DTYPE_SIZE[storage.dtype];
      if (!raw || raw.length !== expected) throw corrupt(`storage ${name} is truncated: the file is damaged`);
      // fflate hands out a fresh copy of each entry: decode it in place.
      const decoded = decodeToFloat32(raw, storage.dtype, storage.numel, littleEndian, true);
      for (const [key, ref] of refs) {
        const data = materialize(key, ref, decoded, refs.length > 1);
        if (FLOAT_DTYPES.has(storage.dtype)) assertFinite(key, data, storage.dtype);
        tensors.set(key, { shape: [...ref.size], data, dtype: storage.dtype });
      }
    }
  }
  // In the pickle's order, which is the module registration order.
  const ordered: StateDict = new Map();
  for (const key of dict.keys()) ordered.set(key as string, tensors.get(key as string)!);
  return ordered;
}

/** The first pickle of a legacy torch.save file (torch.serialization.MAGIC_NUMBER) and the second (PROTOCOL_VERSION). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/**
 * Reads the legacy format. Each storage is read from where the stream puts it (no copy but the one
 * that decodes it), and only the storages the state_dict uses are decoded.
 */
function parseLegacyPth(bytes: Uint8Array, fileName?: string): StateDict {
  const name = fileName ?? 'the file';
  const read = (start: number, what: string, legacy = false) => unpickleAt(bytes, { start, legacy, label: `${name}: the ${what} pickle` });

  const magic = read(0, 'magic number');
  if (magic.value !== LEGACY_MAGIC) {
    throw new WeightsError('format', `${name} is a pickle, but not a torch.save file: it does not start with torch's magic number. ${WHAT_TO_SAVE}`);
  }
  const protocol = read(magic.end, 'protocol version');
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new WeightsError('unsupported', `${name} is a legacy torch.save file of protocol version ${String(protocol.value).slice(0, 40)}; only ${LEGACY_PROTOCOL} exists`);
  }
  const sysInfo = read(protocol.end, 'sys_info');
  if (!(sysInfo.value instanceof Map)) throw corrupt(`${name}: the sys_info pickle holds no dict: the file is damaged`);
  const littleEndian = sysInfo.value.get('little_endian') ?? true;
  if (typeof littleEndian !== 'boolean') throw corrupt(`${name}: sys_info's little_endian is not a bool: the file is damaged`);
  const main = read(sysInfo.end, 'state_dict', true);
  const keyList = read(main.end, 'storage key list');
  const keys = keyList.value;
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === 'string')) {
    throw corrupt(`${name}: the storage key list pickle holds no list of storage keys: the file is damaged`);
  }
  const listed = new Set(keys);
  if (listed.size !== keys.length) throw corrupt(`${name}: the storage key list names a storage twice: the file is damaged`);
  for (const key of keys) {
    if (!main.storages.has(key)) throw corrupt(`${name}: the storage key list names storage ${key}, which no tensor uses: the file is damaged`);
  }
  for (const key of main.storages.keys()) {
    if (!listed.has(key)) throw corrupt(`storage ${key} is missing from ${name}: the storage key list does not name it; the file is damaged`);
  }

  // The storages follow back to back, each an int64 element count and its bytes. torch writes the bytes
  // little-endian on every machine (converting on big-endian ones); before 1.x it wrote the count in the
  // writer's byte order, so a file from a big-endian machine (sys_info little_endian False) may have it
  // either way round.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ranges = new Map<string, number>();
  let pos = keyList.end;
  keys.forEach((key, i) => {
    const storage = main.storages.get(key)!;
    const which = `storage ${key} (${i + 1} of ${keys.length})`;
    if (pos + 8 > bytes.length) throw corrupt(`${name} is truncated: it ends at byte ${bytes.length}, in the element count of ${which}`);
    const numel = BigInt(storage.numel);
    const count = view.getBigInt64(pos, true);
    if (count !== numel && !(!littleEndian && view.getBigInt64(pos, false) === numel)) {
      throw corrupt(`${name}: ${which} is ${storage.numel} ${storage.dtype} elements in the pickle, but the file says it holds ${count}: the file is damaged`);
    }
    const size = storage.numel * DTYPE_SIZE[storage.dtype];
    if (pos + 8 + size > bytes.length) {
      throw corrupt(`${name} is truncated: ${which} needs ${size} bytes from byte ${pos + 8}, the file has ${bytes.length - pos - 8}`);
    }
    ranges.set(key, pos + 8);
    pos += 8 + size;
  });
  if (pos !== bytes.length) {
    throw corrupt(`${name} has ${bytes.length - pos} unexpected bytes after its last storage (from byte ${pos}): the file is damaged`);
  }

  const dict = findStateDict(main.value);
  // Group the tensors by the storage they (or the storage view they use) are part of: each is decoded once.
  const byStorage = new Map<StorageRef, [string, TensorRef][]>();
  for (const [key, value] of dict) {
    if (typeof key !== 'string') throw new WeightsError('unsupported', `the state_dict has a key ${String(key)} that is not a string`);
    const ref = value as TensorRef;
    const root = ref.storage.root ?? ref.storage;
    const list = byStorage.get(root) ?? [];
    list.push([key, ref]);
    byStorage.set(root, list);
  }
  const tensors = new Map<string, WeightTensor>();
  for (const [storage, refs] of byStorage) {
    const start = ranges.get(storage.key)!;
    const decoded = decodeToFloat32(bytes.subarray(start, start + storage.numel * DTYPE_SIZE[storage.dtype]), storage.dtype, storage.numel, true);
    for (const [key, ref] of refs) {
      const { root, rootOffset, numel } = ref.storage;
      const data = root
        ? materialize(key, ref, decoded.subarray(rootOffset, rootOffset + numel), true)
        : materialize(key, ref, decoded, refs.length > 1);
      if (FLOAT_DTYPES.has(storage.dtype)) assertFinite(key, data, storage.dtype);
      tensors.set(key, { shape: [...ref.size], data, dtype: storage.dtype });
    }
  }
  const ordered: StateDict = new Map();
  for (const key of dict.keys()) ordered.set(key as string, tensors.get(key as string)!);
  return ordered;
}
