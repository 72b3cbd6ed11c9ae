/**
 * Loading a weights file into a state_dict, checking it against a network like PyTorch's
 * `load_state_dict(strict=True)`, and inferring the network a state_dict belongs to.
 *
 * A `StateDict` is `Map<string, WeightTensor>`: torchvision key -> `{ shape, data: Float32Array, dtype }`,
 * data in row-major order, converted to float32 whatever the file stored (F32, F16, BF16, ...).
 */
import type { NetworkConfig } from '../config.ts';
import type { Message } from '../message.ts';
import { weightsMessage } from './messages.ts';
import { stateDictSpec, type LayerGraph } from '../graph.ts';
import {
  WeightsError,
  clip,
  formatShape,
  quote,
  type ShapeMismatch,
  type StateDict,
  type StateDictProblems,
  type StateDictShapes,
} from './common.ts';
import { isLegacyTorchFile, isTorchTar, isZip, parsePth, type ReadOptions } from './pth.ts';
import { parseSafetensors, toBytes } from './safetensors.ts';

export type WeightsFormat = 'pth' | 'safetensors';

export interface WeightsFile {
  format: WeightsFormat;
  stateDict: StateDict;
  /** safetensors `__metadata__`, or null (always null for .pth). */
  metadata: Record<string, string> | null;
  /** The wrapper prefix removed from every key (`module.` of DataParallel, `_orig_mod.` of torch.compile), or null. */
  strippedPrefix: string | null;
}

export const ACCEPTED_FORMATS = weightsMessage('weights.accepted').text;

/** Prefixes that wrappers add to every key of the wrapped model's state_dict. */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

/**
 * Removes a wrapper prefix (`module.`, `_orig_mod.`, repeatedly) when every key carries it.
 * Returns a new map (the tensors are shared) and the prefix removed, or the input and null.
 */
export function stripWrapperPrefix<T>(sd: Map<string, T>): { stateDict: Map<string, T>; stripped: string | null } {
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
 * Reads a weights file, recognising the format by its bytes (a zip is a torch.save file, a JSON
 * header after 8 bytes is safetensors; a `.safetensors` name forces safetensors so its errors are
 * precise; a bare pickle is a legacy torch.save file), strips a DataParallel `module.` prefix, and returns the state_dict.
 * `options.expect` sees the shapes (prefix already stripped) before any tensor is decoded, and may
 * throw (e.g. `checkStateDict`) to refuse the file early. Throws WeightsError, and nothing else.
 */
export function loadWeightsFile(input: ArrayBuffer | Uint8Array, fileName?: string, options: ReadOptions = {}): WeightsFile {
  const bytes = toBytes(input);
  const name: string | Message = fileName ?? weightsMessage('weights.theFile');
  const expect = options.expect;
  const read: ReadOptions = expect ? { expect: (shapes) => expect(stripWrapperPrefix(new Map(shapes)).stateDict) } : {};
  try {
    let format: WeightsFormat;
    let raw: StateDict;
    let metadata: Record<string, string> | null = null;
    if (isZip(bytes)) {
      format = 'pth';
      raw = parsePth(bytes, fileName, read);
    } else if (/\.safetensors$/i.test(fileName ?? '') || (bytes.length > 8 && bytes[8] === 0x7b)) {
      // Before the legacy check: a safetensors header length of 640 + 256k bytes starts with 0x80 0x02 too.
      format = 'safetensors';
      const file = parseSafetensors(bytes, read);
      raw = file.tensors;
      metadata = file.metadata;
    } else if (isLegacyTorchFile(bytes) || isTorchTar(bytes)) {
      format = 'pth';
      raw = parsePth(bytes, fileName, read);
    } else {
      throw new WeightsError('format', weightsMessage('weights.format', { name, accepted: weightsMessage('weights.accepted'), hint: sniffHint(bytes) }));
    }
    if (raw.size === 0) throw new WeightsError('unsupported', weightsMessage('weights.noTensors', { name }));
    const { stateDict, stripped } = stripWrapperPrefix(raw);
    checkVariances(stateDict, name);
    return { format, stateDict, metadata, strippedPrefix: stripped };
  } catch (err) {
    throw readerError(err, name);
  }
}

function isIgnorable(key: string): boolean {
  return key.endsWith('.num_batches_tracked');
}

/** Compares a state_dict's keys and shapes with the network's, like `load_state_dict(strict=True)`. */
export function stateDictProblems(graph: LayerGraph, sd: StateDictShapes): StateDictProblems {
  const spec = stateDictSpec(graph);
  const expected = new Map(spec.map((t) => [t.key, t.shape]));
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  for (const t of spec) {
    const got = sd.get(t.key);
    if (!got) {
      if (!isIgnorable(t.key)) missing.push(t.key);
    } else if (!isIgnorable(t.key) && (got.shape.length !== t.shape.length || got.shape.some((d, i) => d !== t.shape[i]))) {
      mismatched.push({ key: t.key, expected: [...t.shape], got: [...got.shape] });
    }
  }
  const unexpected = [...sd.keys()].filter((k) => !expected.has(k));
  return { missing, unexpected, mismatched };
}

const LIST_LIMIT = 12;

function listKeys(keys: string[]): Message {
  const shown = keys.slice(0, LIST_LIMIT).join(', ');
  return keys.length > LIST_LIMIT ? weightsMessage('weights.keysMore', { shown, count: keys.length - LIST_LIMIT }) : weightsMessage('weights.keys', { shown });
}

/** What the strict check found, one message per line. */
export function problemLines(problems: StateDictProblems): Message[] {
  const lines: Message[] = [];
  if (problems.missing.length) lines.push(weightsMessage('weights.missing', { count: problems.missing.length, keys: listKeys(problems.missing) }));
  if (problems.unexpected.length) lines.push(weightsMessage('weights.unexpected', { count: problems.unexpected.length, keys: listKeys(problems.unexpected) }));
  if (problems.mismatched.length) {
    const items = problems.mismatched.slice(0, LIST_LIMIT)
      .map((m) => weightsMessage('weights.mismatchedItem', { key: m.key, got: formatShape(m.got), expected: formatShape(m.expected) }));
    if (problems.mismatched.length > LIST_LIMIT) items.push(weightsMessage('weights.mismatchedMore', { count: problems.mismatched.length - LIST_LIMIT }));
    lines.push(weightsMessage('weights.mismatched', { count: problems.mismatched.length, items }));
  }
  return lines;
}

export function problemsMessage(problems: StateDictProblems): string {
  return problemLines(problems).map((l) => l.text).join('\n');
}

export interface StateDictCheck {
  /** Tensors the network takes from the file. */
  tensors: number;
  /** Their elements (parameters and buffers). */
  values: number;
}

/**
 * The strict check of `load_state_dict(strict=True)` without the hint: throws one WeightsError
 * (code `mismatch`, with `problems`) that describes the network; `checkStateDict` (infer.ts) adds the
 * network the file fits instead.
 */
export function verifyStateDict(
  graph: LayerGraph,
  sd: StateDictShapes,
  describe: (config: NetworkConfig) => Message,
  suggestion = (): Message => weightsMessage('weights.noSuggestion'),
): StateDictCheck {
  const problems = stateDictProblems(graph, sd);
  if (problems.missing.length || problems.unexpected.length || problems.mismatched.length) {
    throw new WeightsError(
      'mismatch',
      weightsMessage('weights.mismatch', { network: describe(graph.config), problems: problemLines(problems), suggestion: suggestion() }),
      problems,
    );
  }
  let tensors = 0;
  let values = 0;
  for (const t of stateDictSpec(graph)) {
    const got = sd.get(t.key);
    if (!got || isIgnorable(t.key)) continue;
    tensors++;
    values += got.shape.reduce((a, b) => a * b, 1);
  }
  return { tensors, values };
}
