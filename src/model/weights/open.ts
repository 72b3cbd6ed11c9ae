/**
 * Opening a weights file, in two steps as Netron's readers do: `openWeights` recognises the format by
 * its bytes, checks the whole file and tells every tensor's dtype and shape without decoding one; `read`
 * then decodes what is asked for. So a file for another network is refused from its shapes alone, and
 * the network is inferred, built and checked once, before any tensor costs memory.
 */
import type { Message } from '../message.ts';
import { weightsMessage } from './messages.ts';
import { WeightsError, clip, quote, type StateDict, type TensorEntry, type TensorReader, type WeightTensor } from './common.ts';
import { isLegacyTorchFile, isTorchTar, isZip, openPth } from './pth.ts';
import { openSafetensors, toBytes } from './safetensors.ts';

type WeightsFormat = 'pth' | 'safetensors';

/** An opened weights file: what it holds, known before anything is decoded, and the decoding. */
export interface WeightsFile {
  /** How messages name the file: its name, or "the file". */
  name: string | Message;
  format: WeightsFormat;
  /** Every tensor's dtype and shape by key (a wrapper prefix removed), in the file's order. */
  entries: ReadonlyMap<string, TensorEntry>;
  /** safetensors `__metadata__`, or null (always null for .pth). */
  metadata: Record<string, string> | null;
  /** The wrapper prefix removed from every key (`module.` of DataParallel, `_orig_mod.` of torch.compile), or null. */
  strippedPrefix: string | null;
  /**
   * Decodes every tensor (or the one named) to float32. Refuses NaN or infinite values and negative
   * BatchNorm variances; throws WeightsError, naming the file.
   */
  read(): StateDict;
  read(key: string): WeightTensor;
}

/** Prefixes that wrappers add to every key of the wrapped model's state_dict. */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

/**
 * Removes a wrapper prefix (`module.`, `_orig_mod.`, repeatedly) when every key carries it.
 * Returns a new map (the values are shared) and the prefix removed, or the input and null.
 */
export function stripWrapperPrefix<T>(sd: ReadonlyMap<string, T>): { stateDict: ReadonlyMap<string, T>; stripped: string | null } {
  let current = sd;
  let stripped = '';
  for (let changed = true; changed && current.size > 0; ) {
    changed = false;
    for (const prefix of WRAPPER_PREFIXES) {
      if ([...current.keys()].every((k) => k.startsWith(prefix))) {
        current = new Map([...current].map(([k, v]) => [k.slice(prefix.length), v]));
        stripped += prefix;
        changed = true;
      }
    }
  }
  return { stateDict: current, stripped: stripped || null };
}

function sniffHint(bytes: Uint8Array): Message {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x48, 0x44, 0x46)) return weightsMessage('weights.hint.hdf5');
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return weightsMessage('weights.hint.npy');
  if (starts(0x1f, 0x8b)) return weightsMessage('weights.hint.gzip');
  if (bytes.length === 0) return weightsMessage('weights.hint.empty');
  return weightsMessage('weights.hint.none');
}

/** What to do about a damaged file, added to a `corrupt` message that does not say already. */
const CORRUPT_REMEDY = weightsMessage('weights.remedy');

/**
 * The error a reader failure becomes: always a WeightsError whose message names the file (and says
 * what to do when a damaged file's message does not); an internal error (a RangeError on hostile
 * input, say) becomes a `corrupt` one instead of being shown raw.
 */
function readerError(err: unknown, name: string | Message): WeightsError {
  const nameText = typeof name === 'string' ? name : name.text;
  if (!(err instanceof WeightsError)) {
    const why = err instanceof Error ? err.message : String(err);
    return new WeightsError('corrupt', weightsMessage('weights.unreadable', { name, why: quote(why), remedy: CORRUPT_REMEDY }));
  }
  // The message as it stands: the error's own, or (without one) its English text as a message.
  let message: Message = err.msg ?? { id: '', params: {}, text: err.message };
  if (!message.text.includes(nameText)) message = weightsMessage('weights.inFile', { name, error: message });
  if (err.code === 'corrupt' && !/download|re-save|save it/i.test(message.text)) {
    const trimmed = message.text.replace(/[.\s]*$/, '');
    const error: Message = trimmed === message.text ? message : { id: '', params: {}, text: trimmed };
    message = weightsMessage('weights.withRemedy', { error, remedy: CORRUPT_REMEDY });
  }
  return message.text === err.message ? err : new WeightsError(err.code, message.id ? message : message.text, err.problems);
}

/** Runs a reader step; whatever it throws becomes the WeightsError `readerError` makes of it. */
function reading<T>(name: string | Message, step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw readerError(err, name);
  }
}

/**
 * BatchNorm divides by sqrt(running_var + eps): a negative variance (never the statistic of any data)
 * makes it NaN or infinite in PyTorch, and the whole network with it. Refused with the key named.
 */
function checkVariances(sd: StateDict, name: string | Message): void {
  for (const [key, t] of sd) {
    if (!key.endsWith('.running_var')) continue;
    const i = t.data.findIndex((v) => v < 0);
    if (i >= 0) {
      throw new WeightsError('nonfinite', weightsMessage('weights.negativeVariance', { name, key: clip(key), value: t.data[i], index: i, length: t.data.length }));
    }
  }
}

/**
 * Opens a weights file, recognising the format by its bytes (a zip is a torch.save file, a JSON
 * header after 8 bytes is safetensors; a `.safetensors` name forces safetensors so its errors are
 * precise; a bare pickle is a legacy torch.save file), and strips a DataParallel `module.` prefix.
 * Everything but the tensor values is checked here; nothing is decoded until `read`. Throws
 * WeightsError, and nothing else.
 */
export function openWeights(input: ArrayBuffer | Uint8Array, fileName?: string): WeightsFile {
  const bytes = toBytes(input);
  const name: string | Message = fileName ?? weightsMessage('weights.theFile');
  const { format, reader, metadata } = reading(name, (): { format: WeightsFormat; reader: TensorReader; metadata: Record<string, string> | null } => {
    if (isZip(bytes)) return { format: 'pth', reader: openPth(bytes, fileName), metadata: null };
    // Before the legacy check: a safetensors header length of 640 + 256k bytes starts with 0x80 0x02 too.
    if (/\.safetensors$/i.test(fileName ?? '') || (bytes.length > 8 && bytes[8] === 0x7b)) return { format: 'safetensors', ...openSafetensors(bytes) };
    if (isLegacyTorchFile(bytes) || isTorchTar(bytes)) return { format: 'pth', reader: openPth(bytes, fileName), metadata: null };
    throw new WeightsError('format', weightsMessage('weights.format', { name, accepted: weightsMessage('weights.accepted'), hint: sniffHint(bytes) }));
  });
  if (reader.entries.size === 0) throw readerError(new WeightsError('unsupported', weightsMessage('weights.noTensors', { name })), name);
  const { stateDict: entries, stripped } = stripWrapperPrefix(reader.entries);
  const fileKey = (key: string): string => (stripped ? stripped + key : key);
  const decode = (keys: string[]): StateDict => reading(name, () => {
    const raw = reader.decode(keys.map(fileKey));
    const sd: StateDict = new Map(keys.map((k) => [k, raw.get(fileKey(k))!]));
    checkVariances(sd, name);
    return sd;
  });
  function read(): StateDict;
  function read(key: string): WeightTensor;
  function read(key?: string): StateDict | WeightTensor {
    if (key === undefined) return decode([...entries.keys()]);
    if (!entries.has(key)) throw new RangeError(`${typeof name === 'string' ? name : name.text} has no tensor ${quote(key)}`);
    return decode([key]).get(key)!;
  }
  return { name, format, entries, metadata, strippedPrefix: stripped, read };
}

/** Runs a step on an opened file's shapes (finding its network, say): a WeightsError it throws names the file as the readers' errors do. */
export function aboutFile<T>(file: WeightsFile, step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw err instanceof WeightsError ? readerError(err, file.name) : err;
  }
}
