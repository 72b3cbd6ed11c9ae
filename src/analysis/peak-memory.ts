/**
 * The peak of live tensor memory in one training step (forward, loss, backward, optimizer), simulated
 * tensor by tensor from the layer graph in the order PyTorch's autograd engine runs it. Checked against
 * torch 1.13 on the CPU (tools/fixtures/training_fixtures.py, fixtures/training/peak_memory.json): the
 * profiler's allocation events, read at the boundaries of top-level operators, give the live tensor bytes;
 * see docs/memory-and-flops.md.
 *
 * The step: `optimizer.zero_grad(); loss = cross_entropy(model(x), y); loss.backward(); optimizer.step()`
 * (without a classifier, `loss = model(x).mean()`), in the steady state (after a first step: the
 * optimizer state exists).
 *
 * - Live from the start: parameters, buffers (BN running statistics), optimizer state, the batch `x`
 *   and its int64 labels, and the gradients when `zero_grad` zeroes them in place (`set_to_none=False`,
 *   torch 1.x's default; torch >= 2.0 sets them to None and backward allocates them anew).
 * - Forward: every call that does not write in place (memory.ts `writesInPlace`) allocates its output;
 *   BatchNorm also its saved mean and inverse std (float32, per channel), GroupNorm its mean and inverse
 *   std (float32, per sample and group), max pooling its int64 indices, an in-place SiLU (timm's norm + act
 *   layers, SE) autograd's copy of its input, BlurPool2d the reflect-padded copy of its input before its output (timm's filter is a non-persistent buffer, live from the start).
 *   A storage lives while a later call still reads it or a backward node has saved it (memory.ts
 *   `savedInputs`). Identity, flatten and the wrappers are views.
 * - Backward, in the engine's order (of the nodes whose gradients have all arrived, the most recently
 *   created runs first; a parameter's AccumulateGrad right after the node that produced its gradient):
 *   a node allocates its outputs (a conv: the input gradient unless its input is the network input,
 *   the weight and bias gradients; BN: input, weight and bias gradients; ReLU, SiLU, sigmoid, pooling, the
 *   means: the input gradient; the fc: input, weight, bias gradients; gating multiply: both inputs'
 *   gradients at full size, the gate's then summed to its shape; BlurPool2d: the gradient of the padded
 *   copy (none for the fixed filter), then, once the incoming gradient and the saved tensors are freed, the
 *   reflect pad's gradient of the input; the residual add passes its gradient on to both branches without
 *   a copy); then its incoming gradient is freed, then what it saved. A
 *   gradient arriving where one is already waiting is summed into a new tensor and both are freed.
 *   A parameter's gradient is added in place into `.grad` and freed (zeroed gradients), or becomes
 *   `.grad` (set to None).
 * - Optimizer (torch 1.13, weight decay 0): SGD with or without momentum works in place. Adam's
 *   single-tensor loop makes `exp_avg_sq.sqrt()` and its quotient for each parameter (two temporaries,
 *   the previous parameter's `denom` still alive); the foreach version (`foreach=True`) makes both for
 *   every parameter at once.
 * - Mixed precision (autocast): activations and their gradients are 16-bit; each conv and the fc save a
 *   16-bit copy of their weight (the first conv also of the input), whose 16-bit gradient is cast back to
 *   float32 before it is accumulated; the loss runs in float32.
 * - CUDA autocast's per-op dtypes (`autocast`, the `amp` precision; memory.ts): each tensor and its gradient
 *   in its producer's dtype (timing/precision.ts `elementBytes`). The cast copies autocast makes (a float32
 *   GroupNorm's of its 16-bit input, a conv's or the fc's of a float32 input) are allocated by the call that
 *   saves them; in backward the node's input gradient comes in the copy's dtype and ToCopyBackward casts it to
 *   the input's; a binary op's gradient is cast to each input's dtype where they differ. Under `fastNorm`
 *   GroupNorm's statistics are 16-bit and it saves a 16-bit copy of its weight, whose gradient is cast back.
 * Kernels' own workspaces (cuDNN, oneDNN reorders) are not tensors and are not counted.
 */
import { numel, type LayerGraph, type LayerNode } from '../model/graph.ts';
import {
  blurFilterBytes, blurPaddedElements, bytesOf, castBytes, dtypesOf, gnStatsBytes, INPUT, savedInputs, storageOf, writesInPlace,
  type AutocastOptions, type Optimizer, type TrainingPrecision,
} from './memory.ts';

/** `optimizer.zero_grad(set_to_none=False)` (torch 1.x's default): gradients stay allocated; `none`: set to None (torch >= 2.0's default). */
export type GradReset = 'zero' | 'none';

export interface TrainingStepOptions extends AutocastOptions {
  batch: number;
  optimizer: Optimizer;
  precision: TrainingPrecision;
  zeroGrad: GradReset;
  /** The optimizer's multi-tensor implementation (`foreach=True`); torch 1.13's default is the single-tensor loop. */
  foreach: boolean;
}

type StepPhase = 'forward' | 'backward' | 'optimizer';

export interface PeakTrainingMemory {
  /** The largest sum of live tensor bytes, each tensor at its exact size. */
  bytes: number;
  /**
   * The same live set with each allocation rounded up to the CUDA caching allocator's 512-byte blocks (and
   * Adam's step counters left out, which stay on the CPU): what `torch.cuda.max_memory_allocated()` reports,
   * less cuDNN's workspaces.
   */
  cudaBytes: number;
  phase: StepPhase;
  /** The call (graph node name, `loss`, `optimizer`) at the peak. */
  at: string;
  /** Live when the step starts: parameters, buffers, kept gradients, optimizer state, the batch and its labels. */
  startBytes: number;
}

/** The CUDA caching allocator rounds every request up to a multiple of 512 bytes (its smallest block). */
const CUDA_BLOCK_BYTES = 512;

export function cudaBlockBytes(bytes: number): number {
  return Math.ceil(bytes / CUDA_BLOCK_BYTES) * CUDA_BLOCK_BYTES;
}

interface Tensor {
  bytes: number;
  refs: number;
  /** False for what stays on the CPU when the model runs on a GPU (Adam's step counters). */
  onDevice: boolean;
}

/** The live tensors and the largest sums seen. */
class LiveSet {
  bytes = 0;
  device = 0;
  peak = 0;
  peakDevice = 0;
  phase: StepPhase = 'forward';
  peakPhase: StepPhase = 'forward';
  peakAt = '';

  alloc(bytes: number, onDevice = true): Tensor {
    this.bytes += bytes;
    if (onDevice) this.device += cudaBlockBytes(bytes);
    return { bytes, refs: 1, onDevice };
  }

  hold(t: Tensor): Tensor {
    t.refs++;
    return t;
  }

  drop(t: Tensor): void {
    if (--t.refs > 0) return;
    this.bytes -= t.bytes;
    if (t.onDevice) this.device -= cudaBlockBytes(t.bytes);
  }

  moment(at: string): void {
    if (this.bytes > this.peak) {
      this.peak = this.bytes;
      this.peakPhase = this.phase;
      this.peakAt = at;
    }
    this.peakDevice = Math.max(this.peakDevice, this.device);
  }
}

/** Calls that autograd sees as views of their input (no node of their own, no memory). */
function passesThrough(node: LayerNode): boolean {
  return node.kind === 'identity' || node.kind === 'flatten' || node.kind === 'block' || node.kind === 'container';
}

/** The backward node of one call: what it saved, the gradient waiting for it, how many are still to come. */
interface BackwardNode {
  node: LayerNode;
  saved: Tensor[];
  waiting: Tensor | null;
  pending: number;
}

function parameterTensors(node: LayerNode): number[] {
  return node.tensors.filter((t) => t.kind === 'parameter').map((t) => numel(t.shape));
}

/** The peak of live tensor memory in one training step (see the rules at the top). */
export function peakTrainingMemory(graph: LayerGraph, options: TrainingStepOptions): PeakTrainingMemory {
  const { batch, optimizer, precision, zeroGrad, foreach } = options;
  const act = precision === 'mixed' ? 2 : 4;
  const dtypes = dtypesOf(graph, precision, options);
  const bytes = (producer: number) => bytesOf(dtypes, producer);
  const live = new LiveSet();
  const nodes = graph.nodes;
  const top = graph.config.includeTop;
  const params = nodes.flatMap(parameterTensors);

  // Live from the start.
  for (const p of params) live.alloc(4 * p);
  for (const node of nodes) {
    for (const t of node.tensors) if (t.kind === 'buffer') live.alloc(t.shape.length === 0 ? 8 : 4 * numel(t.shape));
    // BlurPool2d's filter: a buffer, but not in the state_dict (timm registers it non-persistent).
    if (node.kind === 'blurpool') live.alloc(blurFilterBytes(node));
  }
  if (zeroGrad === 'zero') for (const p of params) live.alloc(4 * p);
  if (optimizer === 'momentum') for (const p of params) live.alloc(4 * p);
  if (optimizer === 'adam') {
    for (const p of params) {
      live.alloc(4 * p);
      live.alloc(4 * p);
      live.alloc(4, false);
    }
  }
  const of = storageOf(graph);
  const storages = new Map<number, Tensor>();
  storages.set(INPUT, live.alloc(4 * batch * numel(graph.inputShape)));
  if (top) live.alloc(8 * batch);
  const startBytes = live.bytes;

  // Forward.
  const storage = (producer: number) => (producer < 0 ? INPUT : of[producer]);
  // Each storage's last reader (views pass their input's storage on), then what dies after each call.
  const lastUse = new Map<number, number>();
  for (const node of nodes) if (!passesThrough(node)) for (const i of node.inputs) lastUse.set(storage(i), node.index);
  lastUse.set(storage(graph.output), nodes.length);
  lastUse.delete(INPUT); // the caller holds the batch
  const dies = new Map<number, number[]>();
  for (const [id, last] of lastUse) dies.set(last, [...(dies.get(last) ?? []), id]);
  const backward: (BackwardNode | null)[] = nodes.map(() => null);
  for (const node of nodes) {
    if (passesThrough(node)) continue;
    const rec: BackwardNode = { node, saved: [], waiting: null, pending: 0 };
    backward[node.index] = rec;
    // BlurPool2d: F.pad's reflect-padded copy, then the conv's output; the conv saves the copy.
    if (node.kind === 'blurpool') rec.saved.push(live.alloc(act * batch * blurPaddedElements(node)));
    if (!writesInPlace(node)) storages.set(node.index, live.alloc(bytes(node.index) * batch * numel(node.outShape)));
    // Autocast's cast copy of the input, made at this call, which the call saves instead of its input.
    const cast = castBytes(node, dtypes);
    for (const producer of new Set(savedInputs(node).map(storage))) {
      if (precision === 'mixed' && producer === INPUT) continue; // autocast saves its 16-bit copy instead
      if (cast && producer === storage(node.inputs[0])) continue;
      rec.saved.push(live.hold(storages.get(producer)!));
    }
    if (cast) rec.saved.push(live.alloc(cast * batch * numel(node.inShape)));
    if (node.kind === 'bn') rec.saved.push(live.alloc(4 * node.bn.channels), live.alloc(4 * node.bn.channels));
    // GroupNorm: its mean and inverse std, [batch, groups] float32 each.
    if (node.kind === 'gn') {
      rec.saved.push(live.alloc((batch * gnStatsBytes(node, dtypes)) / 2), live.alloc((batch * gnStatsBytes(node, dtypes)) / 2));
      if (dtypes.fastNorm) rec.saved.push(live.alloc(2 * node.gn.channels)); // --fast-norm's 16-bit copy of its weight
    }
    if (node.kind === 'maxpool') rec.saved.push(live.alloc(8 * batch * numel(node.outShape)));
    // An in-place SiLU: autograd saves a copy of its input (the formula needs it) besides the storage it overwrote.
    if (node.kind === 'silu' && node.inplace) rec.saved.push(live.alloc(bytes(node.inputs[0]) * batch * numel(node.outShape)));
    if (precision === 'mixed' && (node.kind === 'conv' || node.kind === 'conv1d' || node.kind === 'linear')) {
      rec.saved.push(live.alloc(2 * numel(node.tensors[0].shape)));
      if (node.inputs[0] < 0 && !dtypes.autocast) rec.saved.push(live.alloc(2 * batch * numel(graph.inputShape)));
    }
    if (precision === 'mixed' && node.kind === 'blurpool') rec.saved.push(live.alloc(blurFilterBytes(node) / 2));
    live.moment(node.name);
    for (const id of dies.get(node.index) ?? []) live.drop(storages.get(id)!);
  }

  // The loss: log_softmax (float32 under autocast, from a cast of the logits) and nll_loss, or a mean.
  const output = storages.get(storage(graph.output))!;
  const classes = numel(nodes[graph.output].outShape);
  const lossSaved: Tensor[] = [];
  if (top) {
    const cast = precision === 'mixed' ? live.alloc(4 * batch * classes) : null;
    lossSaved.push(live.alloc(4 * batch * classes));
    live.moment('loss');
    if (cast) live.drop(cast);
    lossSaved.push(live.alloc(4)); // nll_loss's total_weight
  }
  const loss = live.alloc(4);
  live.moment('loss');
  live.drop(output);

  // Backward.
  live.phase = 'backward';
  const resolve = (producer: number): number => {
    let p = producer;
    while (p >= 0 && passesThrough(nodes[p])) p = nodes[p].inputs[0];
    return p;
  };
  for (const rec of backward) {
    if (!rec) continue;
    for (const i of rec.node.inputs) {
      const r = resolve(i);
      if (r >= 0) backward[r]!.pending++;
    }
  }
  const outputNode = resolve(graph.output);
  backward[outputNode]!.pending++;
  const ready: BackwardNode[] = [];
  const deliver = (grad: Tensor, producer: number, at: string) => {
    const r = resolve(producer);
    if (r < 0) {
      live.drop(grad);
      return;
    }
    const rec = backward[r]!;
    if (rec.waiting) {
      const sum = live.alloc(grad.bytes);
      live.moment(at);
      live.drop(rec.waiting);
      live.drop(grad);
      rec.waiting = sum;
    } else {
      rec.waiting = grad;
    }
    if (--rec.pending === 0) ready.push(rec);
  };
  /** AccumulateGrad of one parameter; a 16-bit gradient (of autocast's weight copy) is cast to float32 first (ToCopyBackward0). */
  const accumulate = (grad: Tensor, elements: number, half: boolean, at: string) => {
    let g = grad;
    if (half) {
      g = live.alloc(4 * elements);
      live.moment(at);
      live.drop(grad);
    }
    if (zeroGrad === 'zero') live.drop(g); // added in place into the kept .grad
  };

  const ones = live.alloc(4); // the engine's ones_like(loss), held until backward ends
  live.moment('loss');
  let grad: Tensor;
  if (top) {
    const g = live.alloc(4 * batch * classes); // NllLossBackward0
    live.moment('loss');
    live.drop(lossSaved[1]);
    grad = live.alloc(4 * batch * classes); // LogSoftmaxBackward0
    live.moment('loss');
    live.drop(g);
    live.drop(lossSaved[0]);
    if (precision === 'mixed') {
      const half = live.alloc(act * batch * classes);
      live.moment('loss');
      live.drop(grad);
      grad = half;
    }
  } else {
    grad = live.alloc(bytes(graph.output) * batch * numel(nodes[graph.output].outShape)); // MeanBackward0
    live.moment('loss');
  }
  deliver(grad, graph.output, 'loss');

  while (ready.length > 0) {
    let best = 0;
    for (let i = 1; i < ready.length; i++) if (ready[i].node.index > ready[best].node.index) best = i;
    const rec = ready.splice(best, 1)[0];
    const node = rec.node;
    const incoming = rec.waiting!;
    // The gradient of the (first) input, unless it is the batch: in the input's dtype, or in the cast copy's.
    const cast = castBytes(node, dtypes);
    const inputGrad = (): Tensor | null => (resolve(node.inputs[0]) >= 0 ? live.alloc((cast || bytes(node.inputs[0])) * batch * numel(node.inShape)) : null);
    // [gradient, input, the bytes ToCopyBackward casts it to (0: none)]
    const outs: [Tensor | null, number, number?][] = [];
    const paramGrads: [Tensor, number, boolean][] = [];
    switch (node.kind) {
      case 'conv':
      case 'conv1d':
      case 'linear': {
        outs.push([inputGrad(), node.inputs[0], cast && bytes(node.inputs[0])]);
        const half = precision === 'mixed';
        for (const p of parameterTensors(node)) paramGrads.push([live.alloc((half ? 2 : 4) * p), p, half]);
        break;
      }
      case 'bn':
      case 'gn': {
        outs.push([inputGrad(), node.inputs[0], cast && bytes(node.inputs[0])]);
        // --fast-norm: the weight's gradient in 16 bits (its cast copy's), then cast to float32 before it is accumulated.
        const half = node.kind === 'gn' && dtypes.fastNorm;
        parameterTensors(node).forEach((p, i) => paramGrads.push([live.alloc((half && i === 0 ? 2 : 4) * p), p, half && i === 0]));
        break;
      }
      case 'blurpool': {
        // The conv's gradient of the padded copy (none for the fixed filter), then ReflectionPad2dBackward's of the input.
        const padded = live.alloc(act * batch * blurPaddedElements(node));
        live.moment(node.name);
        live.drop(incoming);
        for (const t of rec.saved) live.drop(t);
        rec.saved = [];
        rec.waiting = padded;
        outs.push([inputGrad(), node.inputs[0]]);
        break;
      }
      case 'add':
      case 'concat':
        // The same gradient (or views of it) goes to every input, cast to an input's dtype where it differs.
        for (const i of node.inputs) outs.push([bytes(i) === bytes(node.index) ? live.hold(incoming) : live.alloc(bytes(i) * batch * numel(node.outShape)), i]);
        break;
      case 'mul': {
        outs.push([inputGrad(), node.inputs[0]]);
        const full = live.alloc(bytes(node.index) * batch * numel(node.inShape));
        live.moment(node.name);
        const gateElements = batch * numel(nodes[node.inputs[1]].outShape);
        const gate = live.alloc(bytes(node.index) * gateElements);
        live.moment(node.name);
        live.drop(full);
        outs.push([gate, node.inputs[1], bytes(node.inputs[1]) === bytes(node.index) ? 0 : bytes(node.inputs[1])]);
        break;
      }
      default:
        outs.push([inputGrad(), node.inputs[0]]);
    }
    live.moment(node.name);
    live.drop(rec.waiting!);
    for (const t of rec.saved) live.drop(t);
    rec.saved = [];
    for (const [t, producer, to] of outs) {
      if (!t) continue;
      if (!to) {
        deliver(t, producer, node.name);
        continue;
      }
      // ToCopyBackward0 (or the engine's cast to the input's dtype): the gradient in the input's dtype.
      const copy = live.alloc((t.bytes / (cast || bytes(node.index))) * to);
      live.moment(node.name);
      live.drop(t);
      deliver(copy, producer, node.name);
    }
    for (const [t, elements, half] of paramGrads) accumulate(t, elements, half, node.name);
  }
  live.drop(ones);
  live.drop(loss);

  // Optimizer.
  live.phase = 'optimizer';
  live.moment('optimizer');
  if (optimizer === 'adam') {
    if (foreach) {
      const roots = params.map((p) => live.alloc(4 * p));
      const denoms = params.map((p) => live.alloc(4 * p));
      live.moment('optimizer');
      for (const t of [...roots, ...denoms]) live.drop(t);
    } else {
      let previous: Tensor | null = null;
      for (const p of params) {
        const root = live.alloc(4 * p);
        const scalar = live.alloc(8, false); // the Python float divisor, wrapped as a CPU tensor
        const denom: Tensor = live.alloc(4 * p);
        live.moment('optimizer');
        live.drop(scalar);
        live.drop(root);
        if (previous) live.drop(previous);
        previous = denom;
      }
      if (previous) live.drop(previous);
    }
  }

  return { bytes: live.peak, cudaBytes: live.peakDevice, phase: live.peakPhase, at: live.peakAt, startBytes };
}
