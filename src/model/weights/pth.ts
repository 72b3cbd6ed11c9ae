/**
 * The zip format torch.save writes since PyTorch 1.6: `<archive>/data.pkl` (the pickled state_dict,
 * tensors as persistent ids), `<archive>/data/<key>` (one raw storage per key, stored uncompressed),
 * `<archive>/version` and, since 2.x, `<archive>/byteorder`. The archive folder is named after the file.
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
import { StorageRef, TensorRef, unpickle } from './unpickler.ts';

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

export function legacyError(fileName?: string): WeightsError {
  const name = fileName ? `${fileName} is` : 'the file is';
  return new WeightsError(
    'legacy',
    `${name} in the legacy torch.save format (a bare pickle, written by PyTorch < 1.6 or with _use_new_zipfile_serialization=False), ` +
      'which this reader does not read. Re-save it with a current PyTorch: torch.save(torch.load(path), new_path), ' +
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
 * Reads a torch.save zip file into a state_dict. Every float tensor must be finite. Throws a
 * WeightsError: `legacy` for a pre-zip file, `corrupt` for a damaged zip or inconsistent storages,
 * `unsafe` when the pickle names any global outside the state_dict allowlist.
 */
export function parsePth(input: ArrayBuffer | Uint8Array, fileName?: string): StateDict {
  const bytes = toBytes(input);
  if (isLegacyTorchFile(bytes)) throw legacyError(fileName);
  if (!isZip(bytes)) {
    throw new WeightsError('format', `${fileName ?? 'the file'} is not a torch.save zip archive (it does not start with "PK")`);
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
