/**
 * The zip format torch.save writes since PyTorch 1.6: `<archive>/data.pkl` (the pickled state_dict,
 * tensors as persistent ids), `<archive>/data/<key>` (one raw storage per key, stored uncompressed),
 * `<archive>/version` and, since 2.x, `<archive>/byteorder`. The archive folder is named after the file.
 * The zip is read as torch.load reads it (see zip.ts), with the archive rules of torch's reader.
 *
 * And the legacy format of PyTorch 0.1.10 to 1.5 (and of `_use_new_zipfile_serialization=False`): one
 * stream of pickles (magic number, protocol version, sys_info, the state_dict, the list of storage keys),
 * then each storage in the list's order as an int64 element count and its raw little-endian bytes.
 * The tar format of PyTorch < 0.1.10 is refused.
 */
import {
  DTYPE_SIZE,
  FLOAT_DTYPES,
  MAX_TENSORS,
  WeightsError,
  assertFinite,
  budgetError,
  clip,
  decodeToFloat32,
  float32Budget,
  formatShape,
  quote,
  safeNumel,
  shapeNumel,
  type StateDict,
  type TensorReader,
  type WeightTensor,
} from './common.ts';
import { toBytes } from './safetensors.ts';
import { StorageRef, TensorRef, describe, unpickleAt } from './unpickler.ts';
import { displayName, entryText, readZipDirectory, readZipEntry, type ZipEntry } from './zip.ts';

/** Keys under which training scripts commonly nest the model's state_dict in a checkpoint dict. */
const NESTED_STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model'];

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

function tarError(fileName?: string): WeightsError {
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

/** A data.pkl is a few kB per hundred tensors; more than this is no state_dict. */
const MAX_PICKLE_BYTES = 16 * 1024 * 1024;
/** The `version` and `byteorder` records hold a few characters. */
const MAX_RECORD_BYTES = 4096;
/** File format versions torch 1.13 reads (caffe2 kMinSupportedFileFormatVersion .. kMaxSupportedFileFormatVersion). */
const MIN_ZIP_VERSION = 1;
const MAX_ZIP_VERSION = 10;

/**
 * The archive's `version` record as torch reads it (std::stoull, then as a signed 64-bit number), or
 * an error saying why torch refuses it.
 */
function zipVersion(text: string, label: string): number {
  const m = /^[ \t\n\v\f\r]*([-+]?)(\d+)/.exec(text);
  if (!m) throw corrupt(`${label}: its version record ${quote(text, 20)} is not a number, so torch.load refuses the file. Re-save it with torch.save.`);
  let v = BigInt(m[2]);
  const wrap = 1n << 64n;
  if (v >= wrap) throw corrupt(`${label}: its version record ${quote(text, 20)} is out of range, so torch.load refuses the file. Re-save it with torch.save.`);
  if (m[1] === '-') v = (wrap - v) % wrap;
  const signed = v >= 1n << 63n ? v - wrap : v;
  if (signed < BigInt(MIN_ZIP_VERSION) || signed > BigInt(MAX_ZIP_VERSION)) {
    throw new WeightsError(
      'unsupported',
      `${label}: its zip format version is ${signed}; torch.load reads versions ${MIN_ZIP_VERSION} to ${MAX_ZIP_VERSION} (torch.save writes 3). Re-save it with torch.save.`,
    );
  }
  return Number(signed);
}

/**
 * Checks a tensor against its storage before anything is allocated: the last element it reads must
 * lie inside the storage (torch would read past it). Strides of dimensions of size 1 do not matter.
 */
function checkView(key: string, ref: TensorRef, storageNumel: number, label: string): void {
  const { size, stride, offset } = ref;
  if (size.some((d) => d === 0)) return;
  if (size.some((d, i) => d > 1 && stride[i] < 0)) {
    throw corrupt(`${label}: tensor ${clip(key)} has a negative stride (${formatShape(stride)}), which torch refuses: the file is damaged`);
  }
  let last = offset;
  for (let d = 0; d < size.length; d++) {
    if (size[d] > 1) last += (size[d] - 1) * stride[d];
    if (last >= storageNumel) break;
  }
  if (last >= storageNumel) {
    throw corrupt(
      `${label}: tensor ${clip(key)} (size ${formatShape(size)}, stride ${formatShape(stride)}, offset ${offset}) reaches element ${last} ` +
        `of a storage of ${storageNumel} elements: the file is damaged`,
    );
  }
}

/** Copies (or gathers, for non-contiguous strides) the tensor's elements out of its decoded storage; `checkView` passed. */
function materialize(ref: TensorRef, storage: Float32Array, shared: boolean): Float32Array {
  const { size, stride, offset } = ref;
  const numel = shapeNumel(size);
  if (numel === 0) return new Float32Array(0);
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
  const step = size.map((d, i) => (d > 1 ? stride[i] : 0));
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    out[i] = storage[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += step[d];
      if (index[d] < size[d]) break;
      src -= size[d] * step[d];
      index[d] = 0;
    }
  }
  return out;
}

const WHAT_TO_SAVE = "Save the model's weights with torch.save(model.state_dict(), path) or as .safetensors.";

function findStateDict(root: unknown, label: string): Map<unknown, unknown> {
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
      const name = typeof bad[0] === 'string' ? quote(bad[0]) : describe(bad[0]);
      throw new WeightsError(
        'unsupported',
        `${label} holds a dict whose entry ${name} is not a tensor (it is ${describe(bad[1])}), and no nested ${NESTED_STATE_DICT_KEYS.join('/')} ` +
          'state_dict: save the model\'s weights with torch.save(model.state_dict(), path)',
      );
    }
    throw new WeightsError('unsupported', `${label} holds an empty dict: it has no weights. ${WHAT_TO_SAVE}`);
  }
  const what = root === null ? 'None' : root instanceof TensorRef ? 'a single tensor' : Array.isArray(root) ? 'a list or tuple' : describe(root);
  throw new WeightsError('unsupported', `${label} holds ${what}, not a state_dict: save the model's weights with torch.save(model.state_dict(), path)`);
}

/** The dict's tensors by key, refusing keys that are not strings. */
function tensorRefs(dict: Map<unknown, unknown>, label: string): [string, TensorRef][] {
  if (dict.size > MAX_TENSORS) {
    throw new WeightsError('limit', `${label}: the state_dict has ${dict.size} tensors; no network this app runs has more than ${MAX_TENSORS}.`);
  }
  const out: [string, TensorRef][] = [];
  for (const [key, value] of dict) {
    if (typeof key !== 'string') {
      throw new WeightsError('unsupported', `${label}: the state_dict has a key ${describe(key)} that is not a string; a state_dict's keys are parameter names. ${WHAT_TO_SAVE}`);
    }
    out.push([key, value as TensorRef]);
  }
  return out;
}

/**
 * Before anything is decoded: each tensor's element count must be a safe integer, and all of them
 * together (as float32) must fit the budget of the file's size.
 */
function checkBudget(refs: [string, TensorRef][], fileBytes: number, label: string): void {
  const budget = float32Budget(fileBytes);
  let need = 0;
  for (const [key, ref] of refs) {
    const numel = safeNumel(ref.size);
    if (numel === null) {
      throw new WeightsError('limit', `${label}: tensor ${clip(key)} has size ${formatShape(ref.size)}, more than 2^53 elements: no state_dict has such a tensor. The file is damaged.`);
    }
    need += numel * 4;
    if (need > budget) throw budgetError(label, key, need, fileBytes);
  }
}

/**
 * The reader over checked tensor references: their shapes and dtypes, and the decoding of those asked
 * for, each storage (`groups` maps a storage to its tensors) decoded once by `decodeStorage`; float
 * tensors must be finite. Tensors come in the pickle's order, which is the module registration order.
 */
function tensorReader(
  refs: [string, TensorRef][],
  groups: Map<StorageRef, [string, TensorRef][]>,
  label: string,
  decodeStorage: (storage: StorageRef) => Float32Array,
  view: (ref: TensorRef, decoded: Float32Array, shared: boolean) => Float32Array,
): TensorReader {
  return {
    entries: new Map(refs.map(([key, ref]) => [key, { dtype: ref.storage.dtype, shape: [...ref.size] }])),
    decode(keys) {
      const wanted = new Set(keys);
      const tensors = new Map<string, WeightTensor>();
      for (const [storage, list] of groups) {
        if (!list.some(([key]) => wanted.has(key))) continue;
        const decoded = decodeStorage(storage);
        for (const [key, ref] of list) {
          if (!wanted.has(key)) continue;
          const data = view(ref, decoded, list.length > 1);
          if (FLOAT_DTYPES.has(storage.dtype)) assertFinite(key, data, storage.dtype, label);
          tensors.set(key, { shape: [...ref.size], data, dtype: storage.dtype });
        }
      }
      const ordered: StateDict = new Map();
      for (const [key] of refs) if (tensors.has(key)) ordered.set(key, tensors.get(key)!);
      return ordered;
    },
  };
}

/**
 * Opens a torch.save file (zip, or the legacy non-zip format): everything about it is checked and its
 * tensors' shapes are known, nothing is decoded yet. Throws a WeightsError: `legacy` for the pre-0.1.10
 * tar format, `corrupt` for a damaged file or inconsistent storages, `unsafe` when a pickle names any
 * global outside the state_dict allowlist, `limit` for tensors that would need more memory than the
 * file can hold. Decoding refuses a float tensor that is not finite.
 */
export function openPth(input: ArrayBuffer | Uint8Array, fileName?: string): TensorReader {
  const bytes = toBytes(input);
  if (isLegacyTorchFile(bytes)) return openLegacyPth(bytes, fileName);
  if (isTorchTar(bytes)) throw tarError(fileName);
  if (!isZip(bytes)) {
    throw new WeightsError('format', `${fileName ?? 'the file'} is not a torch.save file (neither a zip archive starting with "PK" nor a legacy pickle stream)`);
  }
  const label = fileName ?? 'the zip file';
  const dir = readZipDirectory(bytes, label);
  const entries = dir.entries;
  if (entries.length === 0) throw new WeightsError('format', `${label}: the zip archive is empty: it holds no torch.save data. ${WHAT_TO_SAVE}`);
  const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/i.test(e.name));
  if (pickles.length !== 1) {
    const hint = entries.some((e) => /(^|\/)constants\.pkl$|(^|\/)code\//.test(e.name))
      ? ' It looks like a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save instead.'
      : ` ${WHAT_TO_SAVE}`;
    throw new WeightsError(
      pickles.length === 0 ? 'format' : 'corrupt',
      `${label} is not a torch.save archive: expected one <archive>/data.pkl, found ${pickles.length}.${hint}`,
    );
  }
  // As torch: the archive folder is the first entry's, and every entry must be inside it.
  const first = entries[0].name;
  const slash = first.indexOf('/');
  if (slash < 0) {
    throw new WeightsError('format', `${label}: the zip's first entry ${displayName(first)} is in no archive folder, so torch.load refuses it (torch.save writes <archive>/data.pkl, <archive>/data/0, ...). ${WHAT_TO_SAVE}`);
  }
  const prefix = first.slice(0, slash + 1);
  const stray = entries.find((e) => !e.name.startsWith(prefix));
  if (stray) {
    throw corrupt(`${label}: the zip entry ${displayName(stray.name)} is outside the archive folder ${displayName(prefix)} of the first entry, so torch.load refuses the file. ${WHAT_TO_SAVE}`);
  }
  if (entries.some((e) => e.name === `${prefix}constants.pkl`)) {
    throw new WeightsError('format', `${label} is a TorchScript archive (torch.jit.save: it has ${displayName(prefix)}constants.pkl), not a state_dict; save model.state_dict() with torch.save instead.`);
  }
  const shown = entryText(prefix);
  const versionEntry = dir.find(`${prefix}.data/version`) ?? dir.find(`${prefix}version`);
  if (!versionEntry) {
    throw corrupt(`${label}: the archive has no ${shown}version record, which every torch.save archive has; torch.load refuses it. ${WHAT_TO_SAVE}`);
  }
  zipVersion(latin1Text(readZipEntry(bytes, versionEntry, label, MAX_RECORD_BYTES)), label);
  const pickle = readZipEntry(bytes, dir.find(`${prefix}data.pkl`)!, label, MAX_PICKLE_BYTES);
  let littleEndian = true;
  const byteorderEntry = dir.find(`${prefix}byteorder`);
  if (byteorderEntry) {
    const text = latin1Text(readZipEntry(bytes, byteorderEntry, label, MAX_RECORD_BYTES)).trim();
    if (text !== 'little' && text !== 'big') throw corrupt(`${label}: ${shown}byteorder says ${quote(text, 20)}, expected "little" or "big": the file is damaged`);
    littleEndian = text === 'little';
  }

  const pickleLabel = fileName ? `${fileName}: data.pkl` : 'data.pkl';
  const dict = findStateDict(unpickleAt(pickle, { label: pickleLabel, encoding: 'utf-8' }).value, label);
  const refs = tensorRefs(dict, label);

  // Group the tensors by storage, so each storage is read and decoded once; check every storage's
  // entry and every view before decoding anything.
  const byStorage = new Map<StorageRef, [string, TensorRef][]>();
  const storageEntries = new Map<StorageRef, ZipEntry>();
  for (const [key, ref] of refs) {
    const list = byStorage.get(ref.storage) ?? [];
    list.push([key, ref]);
    byStorage.set(ref.storage, list);
  }
  for (const [storage, list] of byStorage) {
    const name = `${entryText(prefix)}data/${storage.key}`;
    const entry = dir.find(`${prefix}data/${storage.key}`);
    const expected = storage.numel * DTYPE_SIZE[storage.dtype];
    if (!entry) throw corrupt(`storage ${name} is missing from the archive${fileName ? ` ${fileName}` : ''}: the file is damaged`);
    if (entry.size !== expected) {
      throw corrupt(`storage ${name} holds ${entry.size} bytes, but ${storage.numel} ${storage.dtype} elements need ${expected}: the file is damaged${fileName ? ` (${fileName})` : ''}`);
    }
    storageEntries.set(storage, entry);
    for (const [key, ref] of list) checkView(key, ref, storage.numel, label);
  }
  checkBudget(refs, bytes.length, label);
  return tensorReader(refs, byStorage, label, (storage) => {
    const entry = storageEntries.get(storage)!;
    const raw = readZipEntry(bytes, entry, label, entry.size);
    // A deflated entry is a fresh buffer: decode it in place. A stored one is a view of the file.
    return decodeToFloat32(raw, storage.dtype, storage.numel, littleEndian, entry.method !== 0);
  }, materialize);
}

/** Reads a whole torch.save file into a state_dict (`openPth`, then every tensor decoded). */
export function parsePth(input: ArrayBuffer | Uint8Array, fileName?: string): StateDict {
  const reader = openPth(input, fileName);
  return reader.decode(reader.entries.keys());
}

function latin1Text(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** The first pickle of a legacy torch.save file (torch.serialization.MAGIC_NUMBER) and the second (PROTOCOL_VERSION). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/**
 * Opens the legacy format. Each storage is read from where the stream puts it (no copy but the one
 * that decodes it), and only the storages the tensors asked for use are decoded.
 */
function openLegacyPth(bytes: Uint8Array, fileName: string | undefined): TensorReader {
  const name = fileName ?? 'the file';
  const read = (start: number, what: string, legacy = false) =>
    unpickleAt(bytes, { start, legacy, label: `${name}: the ${what} pickle`, encoding: 'utf-8' });

  const magic = read(0, 'magic number');
  if (magic.value !== LEGACY_MAGIC) {
    throw new WeightsError('format', `${name} is a pickle, but not a torch.save file: it does not start with torch's magic number. ${WHAT_TO_SAVE}`);
  }
  const protocol = read(magic.end, 'protocol version');
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new WeightsError('unsupported', `${name} is a legacy torch.save file of protocol version ${describe(protocol.value)}; only ${LEGACY_PROTOCOL} exists. The file is damaged: re-save it with torch.save.`);
  }
  const sysInfo = read(protocol.end, 'sys_info');
  if (!(sysInfo.value instanceof Map)) throw corrupt(`${name}: the sys_info pickle holds ${describe(sysInfo.value)}, not a dict: the file is damaged`);
  const littleEndian = sysInfo.value.get('little_endian') ?? true;
  if (typeof littleEndian !== 'boolean') throw corrupt(`${name}: sys_info's little_endian is ${describe(littleEndian)}, not a bool: the file is damaged`);
  const main = read(sysInfo.end, 'state_dict', true);
  const keyList = read(main.end, 'storage key list');
  const keys = keyList.value;
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === 'string')) {
    throw corrupt(`${name}: the storage key list pickle holds ${describe(keys)}, not a list of storage keys: the file is damaged`);
  }
  const listed = new Set(keys);
  if (listed.size !== keys.length) throw corrupt(`${name}: the storage key list names a storage twice: the file is damaged`);
  for (const key of keys) {
    if (!main.storages.has(key)) throw corrupt(`${name}: the storage key list names storage ${clip(key)}, which no tensor uses: the file is damaged`);
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

  const refs = tensorRefs(findStateDict(main.value, name), name);
  // Group the tensors by the storage they (or the storage view they use) are part of: each is decoded once.
  const byStorage = new Map<StorageRef, [string, TensorRef][]>();
  for (const [key, ref] of refs) {
    const root = ref.storage.root ?? ref.storage;
    const list = byStorage.get(root) ?? [];
    list.push([key, ref]);
    byStorage.set(root, list);
    checkView(key, ref, ref.storage.numel, name);
  }
  checkBudget(refs, bytes.length, name);
  return tensorReader(refs, byStorage, name, (storage) => {
    const start = ranges.get(storage.key)!;
    return decodeToFloat32(bytes.subarray(start, start + storage.numel * DTYPE_SIZE[storage.dtype]), storage.dtype, storage.numel, true);
  }, (ref, decoded, shared) => {
    const { root, rootOffset, numel } = ref.storage;
    return root ? materialize(ref, decoded.subarray(rootOffset, rootOffset + numel), true) : materialize(ref, decoded, shared);
  });
}
