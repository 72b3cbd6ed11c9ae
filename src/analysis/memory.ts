/**
 * Memory from the layer graph: where each module call's output lives (which calls write in place),
 * what autograd keeps for backward in a training step, the peak of live activations in an inference
 * pass, and the training total with parameters, gradients and optimizer state.
 *
 * Rules (checked against PyTorch 1.13 by tools/fixtures/cost_fixtures.py, fixtures/cost/):
 * - Storage. ReLU runs in place (torchvision and timm build every ReLU with inplace=True) and the residual
 *   add is `out += identity`, so both write into their (first) input's storage; Identity, flatten and the
 *   wrapper rows (block, SEModule, ...) pass their input through. Every other call writes a new tensor.
 * - Saved for backward, by one training-mode forward pass: a conv (Conv2d, ECA's Conv1d) its input; a
 *   BatchNorm its input plus four per-channel float32 vectors (saved mean, saved inverse std, and the
 *   running mean and variance buffers); a GroupNorm its input plus its float32 mean and inverse std per
 *   sample and group; a ReLU or Sigmoid its output; max pooling its input and its int64 indices (one per
 *   output element); AvgPool2d its input; BlurPool2d its input (for the reflect pad's backward) and the
 *   padded copy that `F.pad` makes (its conv's input; the fixed filter is a buffer); the fc its input; attention's gating multiply
 *   both factors. The residual add, the global average pool to 1x1 (a mean), attention's squeeze (a mean),
 *   flatten and Identity save nothing. Parameters are not counted (they are memory anyway); a storage
 *   saved by several calls counts once.
 * - Mixed precision (PyTorch autocast to float16 / bfloat16): activations are 2 bytes (convs and the fc
 *   compute in 16 bits and everything after them follows); each conv and fc also saves the 16-bit copy
 *   of its weight that autocast makes; BatchNorm's four per-channel vectors stay float32 and max-pool
 *   indices int64. Master weights, gradients and optimizer state stay float32.
 * - CUDA autocast's per-op dtypes (option `autocast`, the `amp` precision): each tensor has the dtype
 *   timing/precision.ts `elementBytes` gives its producer. `group_norm` is on autocast's float32 list: a
 *   GroupNorm casts its 16-bit input up to a new float32 tensor, which it saves, and returns float32 (its
 *   mean and inverse std float32); the in-place ReLU / SiLU after it keeps float32, and a conv or the fc
 *   reading a float32 tensor saves the 16-bit copy autocast makes of it at that call (a new tensor for each
 *   reader; the network input's is the same rule). With `fastNorm` (timm's `--fast-norm`) GroupNorm runs in
 *   16 bits, its statistics too. For a BatchNorm network this is the rule above, byte for byte. Checked on
 *   the CPU with CUDA autocast's policy emulated (tools/fixtures/cost_fixtures.py, fixtures/cost/gn_autocast.json).
 */
import { numel, nodeParams, type BlurPoolNode, type LayerGraph, type LayerNode } from '../model/graph.ts';
import { elementBytes } from './timing/precision.ts';

export type Dtype = 'float32' | 'float16' | 'bfloat16';
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { float32: 4, float16: 2, bfloat16: 2 };

/**
 * The optimizer of the training step. `none`: no optimizer, the forward and backward pass alone (for
 * gradients of a frozen setup, or an optimizer applied elsewhere): no state. `sgd`: torch.optim.SGD with
 * momentum 0 (its default), which keeps no per-parameter state either. `momentum`: SGD with momentum, one
 * float32 buffer per parameter. `adam`: Adam / AdamW, two float32 moments per parameter plus a float32
 * step counter per parameter tensor.
 */
export type Optimizer = 'none' | 'sgd' | 'momentum' | 'adam';
export const OPTIMIZERS: readonly Optimizer[] = ['none', 'sgd', 'momentum', 'adam'];

/** Index of the network input in storage and producer lists. */
export const INPUT = -1;

/** Calls whose output is their (first) input's storage. */
export function writesInPlace(node: LayerNode): boolean {
  switch (node.kind) {
    case 'silu':
      return node.inplace;
    case 'relu':
    case 'add':
    case 'identity':
    case 'flatten':
    case 'block':
    case 'container':
      return true;
    default:
      return false;
  }
}

/** The storage each node's output lives in, named by the node that allocated it (INPUT for the input). */
export function storageOf(graph: LayerGraph): number[] {
  const of: number[] = [];
  for (const node of graph.nodes) {
    of.push(writesInPlace(node) ? (node.inputs[0] < 0 ? INPUT : of[node.inputs[0]]) : node.index);
  }
  return of;
}

/** Elements per sample of a storage. */
function storageElements(graph: LayerGraph, id: number): number {
  return id === INPUT ? numel(graph.config.input) : numel(graph.nodes[id].outShape);
}

/** The storages (by producer) a node saves for backward, per the rules above. */
export function savedInputs(node: LayerNode): number[] {
  switch (node.kind) {
    case 'conv':
    case 'conv1d':
    case 'bn':
    case 'gn':
    case 'maxpool':
    case 'avgpool':
    case 'blurpool':
    case 'linear':
    case 'adaptiveavgpool':
      return [node.inputs[0]];
    case 'relu':
    case 'sigmoid':
      return [node.index];
    case 'silu':
      // SiLU's gradient needs its input: in place, autograd keeps a copy of it (savedActivations, peak-memory.ts) and not the storage it overwrote.
      return node.inplace ? [] : [node.inputs[0]];
    case 'mul':
      return [node.inputs[0], node.inputs[1]];
    default:
      return [];
  }
}

/** Elements per sample of BlurPool2d's reflect-padded input (a new tensor, which its conv saves). */
export function blurPaddedElements(node: BlurPoolNode): number {
  const [c, h, w] = node.inShape;
  const p = node.blur.padding;
  return c * (h + 2 * p) * (w + 2 * p);
}

/** Bytes of BlurPool2d's fixed filter, a (non-persistent) buffer of one k x k filter per channel. */
export function blurFilterBytes(node: BlurPoolNode): number {
  return 4 * node.blur.channels * node.blur.kernel * node.blur.kernel;
}

/** Bytes per sample of what GroupNorm saves besides its input: the float32 mean and inverse std of each group. */
function groupNormStatsBytes(groups: number): number {
  return 2 * 4 * groups;
}

/** The modules that wrap others (blocks, SE / ECA, timm's global pool), by name. */
function wrappers(graph: LayerGraph): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of graph.nodes) if ((n.kind === 'block' || n.kind === 'container') && n.module) out.set(n.name, n.module);
  return out;
}

/** The PyTorch module whose forward runs a node: its own module, or for a functional op the wrapper it sits in. */
function ownerModule(node: LayerNode, wrapping: Map<string, string>): string {
  if (node.module) return node.module;
  // A functional op named as the module it runs in (timm's GroupNormAct calls F.group_norm), else its wrapper.
  return wrapping.get(node.name) ?? wrapping.get(node.name.slice(0, node.name.lastIndexOf('.'))) ?? 'ResNet';
}

/** Bytes of a training step's saved tensors: `fixed` (independent of the batch) + batch x `perSample`. */
interface SavedBytes {
  perSample: number;
  fixed: number;
}

interface SavedActivations extends SavedBytes {
  /** By the module that saved each storage first (functional ops under their wrapper), as the fixtures attribute them. */
  byModule: Record<string, SavedBytes>;
}

/** `mixed`: autocast to a 16-bit dtype; `float32`: everything in 32 bits. */
export type TrainingPrecision = 'float32' | 'mixed';

export function trainingPrecision(dtype: Dtype): TrainingPrecision {
  return dtype === 'float32' ? 'float32' : 'mixed';
}

/**
 * Autocast's per-op dtypes (`autocast`: CUDA autocast, the `amp` precision; else every activation of a `mixed`
 * run is 16-bit, as a pure float16 / bfloat16 model and CPU autocast of a BatchNorm network have them), and
 * timm's `--fast-norm` (`fastNorm`: GroupNorm in 16 bits under autocast).
 */
export interface AutocastOptions {
  autocast?: boolean;
  fastNorm?: boolean;
}

/** The dtypes of a run: bytes of each node's output element, of the network input, and the 16-bit cast copies autocast makes. */
interface Dtypes {
  /** Bytes of each node's output element (timing/precision.ts `elementBytes`). */
  node: number[];
  input: number;
  autocast: boolean;
  fastNorm: boolean;
}

export function dtypesOf(graph: LayerGraph, precision: TrainingPrecision, options: AutocastOptions = {}): Dtypes {
  const autocast = precision === 'mixed' && (options.autocast ?? false);
  const fastNorm = autocast && (options.fastNorm ?? false);
  const node = elementBytes(graph, precision === 'float32' ? 'float32' : autocast ? 'amp' : 'float16', fastNorm);
  return { node, input: precision === 'float32' || autocast ? 4 : 2, autocast, fastNorm };
}

/** Bytes of an element of a producer's output (INPUT: the network input). */
export function bytesOf(dtypes: Dtypes, producer: number): number {
  return producer < 0 ? dtypes.input : dtypes.node[producer];
}

/**
 * The element bytes of the new tensor autocast casts a node's (first) input to, or 0 when the node reads its input
 * as it is: a conv or the fc reading a float32 tensor (16-bit copy), a float32 GroupNorm reading a 16-bit one.
 */
export function castBytes(node: LayerNode, dtypes: Dtypes): number {
  if (!dtypes.autocast) return 0;
  const from = bytesOf(dtypes, node.inputs[0]);
  const to = node.kind === 'conv' || node.kind === 'conv1d' || node.kind === 'linear' || node.kind === 'gn' ? dtypes.node[node.index] : from;
  return to === from ? 0 : to;
}

/** Bytes per sample of what GroupNorm saves besides its input, in the dtype it runs in (float32 but under `fastNorm`). */
export function gnStatsBytes(node: LayerNode & { kind: 'gn' }, dtypes: Dtypes): number {
  return (groupNormStatsBytes(node.gn.groups) * (dtypes.autocast ? dtypes.node[node.index] : 4)) / 4;
}

/** What autograd keeps for backward after one training-mode forward pass (see the rules at the top). */
export function savedActivations(graph: LayerGraph, precision: TrainingPrecision = 'float32', options: AutocastOptions = {}): SavedActivations {
  const act = precision === 'mixed' ? 2 : 4;
  const dtypes = dtypesOf(graph, precision, options);
  const of = storageOf(graph);
  const storage = (producer: number) => (producer < 0 ? INPUT : of[producer]);
  const seen = new Set<number>();
  const byModule: Record<string, SavedBytes> = {};
  const add = (module: string, perSample: number, fixed: number) => {
    const m = (byModule[module] ??= { perSample: 0, fixed: 0 });
    m.perSample += perSample;
    m.fixed += fixed;
  };
  const wrapping = wrappers(graph);
  for (const node of graph.nodes) {
    const module = ownerModule(node, wrapping);
    const cast = castBytes(node, dtypes);
    if (node.kind === 'silu' && node.inplace) {
      // The copy of its input that an in-place SiLU saves (its formula needs the input it overwrites).
      add(module, numel(node.inShape) * bytesOf(dtypes, node.inputs[0]), 0);
      continue;
    }
    for (const producer of savedInputs(node)) {
      if (cast && producer === node.inputs[0]) {
        // Autocast's cast copy of the input, made at this call: what the node saves.
        add(module, numel(node.inShape) * cast, 0);
        continue;
      }
      const id = storage(producer);
      if (seen.has(id)) continue;
      seen.add(id);
      add(module, storageElements(graph, id) * bytesOf(dtypes, id), 0);
    }
    if (node.kind === 'bn') add(module, 0, 4 * node.bn.channels * 4);
    if (node.kind === 'gn') {
      add(module, gnStatsBytes(node, dtypes), 0);
      // Under --fast-norm its weight is cast to 16 bits too, and the copy saved (the bias is not needed).
      if (dtypes.fastNorm) add(module, 0, node.gn.channels * 2);
    }
    if (node.kind === 'blurpool') {
      add(module, blurPaddedElements(node) * act, 0);
      if (precision === 'mixed') add(module, 0, blurFilterBytes(node) / 2);
    }
    if (node.kind === 'maxpool') add(module, numel(node.outShape) * 8, 0);
    if (precision === 'mixed' && (node.kind === 'conv' || node.kind === 'conv1d' || node.kind === 'linear')) {
      add(module, 0, numel(node.tensors[0].shape) * 2);
    }
  }
  const perSample = Object.values(byModule).reduce((s, m) => s + m.perSample, 0);
  const fixed = Object.values(byModule).reduce((s, m) => s + m.fixed, 0);
  return { perSample, fixed, byModule };
}

/** fixed + batch x perSample. */
export function atBatch(bytes: SavedBytes, batch: number): number {
  return bytes.fixed + batch * bytes.perSample;
}

/**
 * Peak of live activation bytes per sample in an inference (eval) pass in the graph's execution order: a
 * storage lives from the call that allocates it (the input from the start) to the last call that reads it
 * (the network output to the end); in-place calls add no storage. While a call runs, its inputs and its
 * output are all live, and under autocast (`options.autocast`) the cast copy of its input that it makes
 * (memory.ts `castBytes`: a float32 GroupNorm's of a 16-bit input, a conv's of a float32 one). Each storage in
 * its producer's dtype (`dtypesOf`). Weights and kernels' internal workspaces are not counted.
 */
export function inferencePeakBytes(graph: LayerGraph, precision: TrainingPrecision = 'float32', options: AutocastOptions = {}): number {
  const dtypes = dtypesOf(graph, precision, options);
  return inferencePeak(graph, (id) => storageElements(graph, id) * bytesOf(dtypes, id), (node) => castBytes(node, dtypes) * numel(node.inShape));
}

/** The same peak in elements (every storage one element wide, no casts). */
export function inferencePeakElements(graph: LayerGraph): number {
  return inferencePeak(graph, (id) => storageElements(graph, id), () => 0);
}

function inferencePeak(graph: LayerGraph, sizeOf: (id: number) => number, transient: (node: LayerNode) => number): number {
  const of = storageOf(graph);
  const n = graph.nodes.length;
  const lastUse = new Map<number, number>();
  const use = (id: number, at: number) => lastUse.set(id, Math.max(lastUse.get(id) ?? -Infinity, at));
  use(INPUT, -1);
  for (const node of graph.nodes) {
    if (!writesInPlace(node)) use(node.index, node.index);
    for (const i of node.inputs) use(i < 0 ? INPUT : of[i], node.index);
  }
  use(graph.output < 0 ? INPUT : of[graph.output], n);
  // Sweep: +size at birth, -size after the last use; a call's cast copy lives while the call runs.
  const delta = new Float64Array(n + 3);
  for (const [id, last] of lastUse) {
    const born = id === INPUT ? -1 : id;
    const size = sizeOf(id);
    delta[born + 1] += size;
    delta[last + 2] -= size;
  }
  for (const node of graph.nodes) {
    const size = transient(node);
    delta[node.index + 1] += size;
    delta[node.index + 2] -= size;
  }
  let live = 0;
  let peak = 0;
  for (let t = 0; t < n + 2; t++) {
    live += delta[t];
    peak = Math.max(peak, live);
  }
  return peak;
}

/** Learnable parameters and the number of parameter tensors (weights, biases). */
export function parameterCounts(graph: LayerGraph): { params: number; tensors: number } {
  let params = 0;
  let tensors = 0;
  for (const node of graph.nodes) {
    params += nodeParams(node);
    tensors += node.tensors.filter((t) => t.kind === 'parameter').length;
  }
  return { params, tensors };
}

/** Optimizer state bytes (float32) for `params` parameters in `tensors` tensors. */
export function optimizerBytes(optimizer: Optimizer, params: number, tensors: number): number {
  switch (optimizer) {
    case 'none':
    case 'sgd':
      return 0;
    case 'momentum':
      return 4 * params;
    case 'adam':
      return 8 * params + 4 * tensors;
  }
}

export interface TrainingMemory {
  /** float32 parameters (the master weights under mixed precision). */
  params: number;
  grads: number;
  optimizer: number;
  saved: SavedBytes;
  /** params + grads + optimizer + saved.fixed: what does not grow with the batch. */
  fixed: number;
}

/** The training step's memory; `atBatch(training.saved, B) + training.params + ...` is the total at batch B. */
export function trainingMemory(graph: LayerGraph, dtype: Dtype, optimizer: Optimizer, options: AutocastOptions = {}): TrainingMemory {
  const { params, tensors } = parameterCounts(graph);
  const saved = savedActivations(graph, trainingPrecision(dtype), options);
  const p = 4 * params;
  const g = 4 * params;
  const o = optimizerBytes(optimizer, params, tensors);
  return { params: p, grads: g, optimizer: o, saved: { perSample: saved.perSample, fixed: saved.fixed }, fixed: p + g + o + saved.fixed };
}

/** Total training bytes at a batch. */
export function trainingBytes(m: TrainingMemory, batch: number): number {
  return m.fixed + batch * m.saved.perSample;
}

/** The largest batch whose training memory fits in `capacity` bytes (0 when not even one image fits). */
export function largestBatch(m: TrainingMemory, capacity: number): number {
  if (m.fixed + m.saved.perSample > capacity) return 0;
  return Math.floor((capacity - m.fixed) / m.saved.perSample);
}

/** RegNet's activations: output elements of every Conv2d, per image (ECA's Conv1d and the fc excluded). */
export function convActivations(graph: LayerGraph): number {
  return graph.nodes.reduce((s, n) => s + (n.kind === 'conv' ? numel(n.outShape) : 0), 0);
}
