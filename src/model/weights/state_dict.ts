/**
 * Checking a state_dict (or only its shapes) against a network like PyTorch's
 * `load_state_dict(strict=True)`.
 *
 * A `StateDict` is `Map<string, WeightTensor>`: torchvision key -> `{ shape, data: Float32Array, dtype }`,
 * data in row-major order, converted to float32 whatever the file stored (F32, F16, BF16, ...).
 */
import type { NetworkConfig } from '../config.ts';
import type { Message } from '../message.ts';
import { weightsMessage } from './messages.ts';
import { stateDictSpec, type LayerGraph } from '../graph.ts';
import { WeightsError, formatShape, type ShapeMismatch, type StateDictProblems, type StateDictShapes } from './common.ts';

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
