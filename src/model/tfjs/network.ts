/**
 * An executable tfjs network built from the layer graph (`buildLayerGraph`): one op per kernel of
 * the fusion plan (`../fusion.ts`), NHWC inside, weights from a PyTorch-layout state dict. By default
 * each BatchNorm is folded into the conv before it, the ReLU after it is fused, and a conv whose
 * kernel can add a residual takes the add after it; `fold: false` keeps every BatchNorm as its own op
 * (the verification path).
 */
import * as tf from '@tensorflow/tfjs-core';
import { numel, type BatchNormNode, type GroupNormNode, type LayerGraph, type LayerNode, type PoolNode } from '../graph.ts';
import { fusionPlan, type FusedKernel } from '../fusion.ts';
import type { StateDict } from '../weights/common.ts';
import { foldBatchNorm, transpose2d, type BatchNormParams } from './fold.ts';
import { denseMethod, fusesResidual, prepareConv, runConv, type DenseMethod, type GroupedMethod, type KernelOptions, type PreparedConv } from './grouped.ts';
import { MAX_POOL_KERNEL_NAME, SPATIAL_MEAN_KERNEL_NAME } from './kernels/wasm-pooling.ts';


export interface NetworkOptions {
  /** Fold each BatchNorm into its conv (default true). */
  fold?: boolean;
  /** How grouped convs run (default: the backend's choice, see `defaultGroupedMethod`). */
  grouped?: GroupedMethod;
  /**
   * Nodes whose outputs must stay readable (`taps.ts`): no BN folding or ReLU fusion reaches past
   * them, so a conv keeps its own output and a BN or add its pre-ReLU one.
   */
  taps?: readonly number[];
  /** How dense convs run (default 'auto': the own GEMM kernel on wasm, see `denseMethod`). */
  dense?: DenseMethod;
  /** Settings of the own kernels (default: the measured ones; tests and benchmarks compare them). */
  kernels?: KernelOptions;
}

type Op =
  | { kind: 'conv'; node: LayerNode; input: number; out: number; conv: PreparedConv; relu: boolean; residual?: number }
  | { kind: 'bn'; node: LayerNode; input: number; out: number; scale: tf.Tensor1D; offset: tf.Tensor1D; mean: tf.Tensor1D; variance: tf.Tensor1D; eps: number }
  | { kind: 'relu' | 'silu' | 'sigmoid'; node: LayerNode; input: number; out: number }
  /** `kernels`: by the own wasm kernel with these settings (`ownPooling`), else by tfjs's ops. */
  | { kind: 'adaptiveavgpool'; node: LayerNode; input: number; out: number; kernels: KernelOptions | null }
  /** GroupNorm (never folded: its statistics are the input's own), with the ReLU after it when the plan fuses it. */
  | { kind: 'gn'; node: LayerNode; input: number; out: number; groups: number; scale: tf.Tensor1D; offset: tf.Tensor1D; eps: number; relu: boolean }
  /** BlurPool2d: reflect padding, then the fixed binomial filter per channel (a depthwise conv) at the stride. */
  | { kind: 'blurpool'; node: LayerNode; input: number; out: number; filter: tf.Tensor4D; stride: number; padding: number }
  /** Attention's squeeze: [N, 1, 1, C] for SE's 1x1 convs, [N, C, 1] (width C, one channel) for ECA's conv1d. */
  | { kind: 'mean'; node: LayerNode; input: number; out: number; signal: boolean; kernels: KernelOptions | null }
  | { kind: 'conv1d'; node: LayerNode; input: number; out: number; filter: tf.Tensor3D }
  | { kind: 'maxpool' | 'avgpool'; node: LayerNode; input: number; out: number; k: number; s: number; p: number | 'same'; kernels: KernelOptions | null }
  | { kind: 'add' | 'mul'; node: LayerNode; a: number; b: number; out: number; relu: boolean }
  | { kind: 'concat'; node: LayerNode; parts: number[]; out: number }
  /** By tfjs's matMul (w [in, out], b), or as a 1x1 conv on a 1x1 image (`conv`: the own GEMM kernel). */
  | { kind: 'linear'; node: LayerNode; input: number; out: number; w: tf.Tensor2D | null; b: tf.Tensor1D | null; conv: PreparedConv | null };

function opInputs(op: Op): number[] {
  if (op.kind === 'conv' && op.residual !== undefined) return [op.input, op.residual];
  if ('parts' in op) return op.parts;
  return 'a' in op ? [op.a, op.b] : [op.input];
}

/**
 * The fastest exact grouped-conv method per backend, as measured on the 2-core test machine
 * (ResNeXt-50 32x4d conv2 of layer1 / layer3, batch 1, ms):
 *   wasm (Node, 1 thread): kernel (generated WebAssembly SIMD, `wasm-grouped.ts`) ~0.8 / ~0.55,
 *     depthwise 5.5 / 2.8, blockdiag 21.3 / 22.4, split 50.9 / 7.4 (`npx tsx bench/grouped.ts`);
 *   cpu (Node): kernel 58 / 37, depthwise 148 / 112, split 296 / 86;
 *   webgpu (SwiftShader), input [1,56,56,128], 32 groups: WGSL kernel 475, split 2930 (field notes);
 *   webgl: split (314 ms on the same input; block-diagonal wastes 32x the MACs on this GPU-less machine).
 */
export function defaultGroupedMethod(backend: string): GroupedMethod {
  switch (backend) {
    case 'webgpu':
      return 'kernel';
    case 'cpu':
      return 'kernel';
    case 'wasm':
      return 'kernel';
    default:
      return 'split';
  }
}

export class WeightsShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsShapeError';
  }
}

function take(sd: StateDict, key: string, shape: readonly number[]): Float32Array {
  const t = sd.get(key);
  if (!t) throw new WeightsShapeError(`the weights have no tensor "${key}"`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new WeightsShapeError(`tensor "${key}" has shape [${t.shape.join(', ')}], the network needs [${shape.join(', ')}]`);
  }
  if (t.data.length !== numel(shape)) throw new WeightsShapeError(`tensor "${key}" holds ${t.data.length} values for shape [${shape.join(', ')}]`);
  return t.data;
}

export function batchNormParams(sd: StateDict, node: BatchNormNode): BatchNormParams {
  const c = node.bn.channels;
  return {
    weight: take(sd, `${node.name}.weight`, [c]),
    bias: take(sd, `${node.name}.bias`, [c]),
    runningMean: take(sd, `${node.name}.running_mean`, [c]),
    runningVar: take(sd, `${node.name}.running_var`, [c]),
    eps: node.bn.eps,
  };
}

function groupNormParams(sd: StateDict, node: GroupNormNode, own: <T extends tf.Tensor>(t: T) => T): { groups: number; scale: tf.Tensor1D; offset: tf.Tensor1D; eps: number } {
  const c = node.gn.channels;
  return {
    groups: node.gn.groups,
    scale: own(tf.tensor1d(take(sd, `${node.name}.weight`, [c]))),
    offset: own(tf.tensor1d(take(sd, `${node.name}.bias`, [c]))),
    eps: node.gn.eps,
  };
}

interface RunState {
  values: Map<number, tf.Tensor>;
  /** Reads left before a value can be freed. */
  left: Map<number, number>;
}

/** Time of one op of the network: its first and last layer-graph node (a conv and the ReLU fused into it). */
export interface OpTiming {
  name: string;
  first: number;
  last: number;
  /** Median over the runs. */
  ms: number;
  /** Fastest run (the figure a busy machine distorts least). */
  minMs: number;
}

interface StageTiming {
  stage: string;
  ms: number;
}

export class TfjsNetwork {
  readonly graph: LayerGraph;
  readonly fold: boolean;
  readonly grouped: GroupedMethod;
  /** How its dense convs run and its kernels' settings, as built (a rebuild for taps keeps them). */
  readonly dense: DenseMethod;
  readonly kernels: KernelOptions;
  private ops: Op[];
  private uses: Map<number, number>;
  private outputIndex: number;
  private weights: tf.Tensor[];
  private disposed = false;
  /** Node -> the node whose value it passes through (markers, Identity, flatten). */
  private aliases: ReadonlyMap<number, number>;

  constructor(graph: LayerGraph, ops: Op[], weights: tf.Tensor[], outputIndex: number, build: { fold: boolean; grouped: GroupedMethod; dense: DenseMethod; kernels: KernelOptions }, aliases: ReadonlyMap<number, number> = new Map()) {
    this.graph = graph;
    this.aliases = aliases;
    this.ops = ops;
    this.weights = weights;
    this.outputIndex = outputIndex;
    this.fold = build.fold;
    this.grouped = build.grouped;
    this.dense = build.dense;
    this.kernels = build.kernels;
    this.uses = new Map();
    for (const op of ops) for (const i of opInputs(op)) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    this.uses.set(outputIndex, (this.uses.get(outputIndex) ?? 0) + 1);
  }

  /** Tensors the network holds (weights in the method's layouts). */
  get weightTensors(): number {
    return this.weights.length;
  }

  get weightBytes(): number {
    return this.weights.reduce((s, t) => s + t.size * 4, 0);
  }

  /**
   * Forward pass on an NCHW batch (not disposed): logits [N, classes], or NCHW features without the top.
   * `observe` sees each op's output (by the index of the last graph node the op computes) while it is alive.
   */
  predict(x: tf.Tensor4D, observe?: (node: number, value: tf.Tensor) => void): tf.Tensor {
    const run = this.start(x);
    try {
      for (const op of this.ops) {
        this.step(op, run);
        observe?.(op.out, run.values.get(op.out)!);
      }
      return this.finish(run);
    } catch (e) {
      for (const t of run.values.values()) t.dispose();
      throw e;
    }
  }

  /** Float32 NCHW in, float32 out (logits [N, classes]); no tensor outlives the call. */
  async run(input: Float32Array, shape: readonly number[], observe?: (node: number, value: tf.Tensor) => void): Promise<{ data: Float32Array; shape: number[] }> {
    this.checkInput(shape);
    const x = tf.tensor4d(input, shape as [number, number, number, number]);
    try {
      const y = this.predict(x, observe);
      try {
        const data = (await y.data()) as Float32Array;
        return { data: Float32Array.from(data), shape: y.shape };
      } finally {
        y.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  /** Forward pass that waits for each stage to finish and reports its time (stem, layer1.., head). */
  async runStaged(x: tf.Tensor4D): Promise<{ output: tf.Tensor; stages: StageTiming[] }> {
    const run = this.start(x);
    const stages: StageTiming[] = [];
    const names = ['stem', ...this.graph.stages.slice(1).map((s) => s.module), 'head'];
    try {
      let t0 = performance.now();
      for (let i = 0; i < this.ops.length; i++) {
        const op = this.ops[i];
        this.step(op, run);
        const next = this.ops[i + 1];
        if (!next || next.node.stage !== op.node.stage) {
          await run.values.get(op.out)!.data();
          const t1 = performance.now();
          stages.push({ stage: names[op.node.stage] ?? `stage ${op.node.stage}`, ms: t1 - t0 });
          t0 = t1;
        }
      }
      return { output: this.finish(run), stages };
    } catch (e) {
      for (const t of run.values.values()) t.dispose();
      throw e;
    }
  }

  /**
   * Times every op (one kernel: a conv with its folded BN and fused ReLU, an add with its ReLU, ...) over
   * `runs` forward passes after one warm-up, median per op. Backends that run ops synchronously (wasm,
   * cpu) are timed around the op alone; asynchronous ones (webgl, webgpu) wait for each op's output, which
   * adds a read-back to every op. Not used by `predict`: the hot path stays as it is.
   */
  async timeOps(x: tf.Tensor4D, runs: number): Promise<OpTiming[]> {
    const sync = tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
    const samples: number[][] = this.ops.map(() => []);
    for (let r = 0; r <= runs; r++) {
      const run = this.start(x);
      try {
        for (let i = 0; i < this.ops.length; i++) {
          const op = this.ops[i];
          const t0 = performance.now();
          this.step(op, run);
          if (!sync) await run.values.get(op.out)!.data();
          if (r > 0) samples[i].push(performance.now() - t0);
        }
        this.finish(run).dispose();
      } catch (e) {
        for (const t of run.values.values()) t.dispose();
        throw e;
      }
    }
    return this.ops.map((op, i) => {
      const s = [...samples[i]].sort((a, b) => a - b);
      const ms = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      return { name: op.node.name, first: op.node.index, last: op.out, ms, minMs: s[0] };
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.weights) t.dispose();
    this.weights = [];
    this.ops = [];
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The value that holds node `i`'s output in this build, or null when a fusion hides it (see `NetworkOptions.taps`). */
  valueOf(i: number): number | null {
    let r = i;
    while (this.aliases.has(r)) r = this.aliases.get(r)!;
    return this.ops.some((op) => op.out === r) ? r : null;
  }

  /**
   * Forward pass that also returns the values of `nodes` (NHWC, or [N, F] after the head's flatten),
   * each readable in this build (`valueOf`). Without `withOutput` it stops after the last op they
   * need. `observe` sees each op's output as in `predict`. The returned tensors belong to the caller.
   */
  predictTaps(x: tf.Tensor4D, nodes: readonly number[], withOutput: boolean, observe?: (node: number, value: tf.Tensor) => void): { output: tf.Tensor | null; taps: tf.Tensor[] } {
    const values = nodes.map((n) => {
      const v = this.valueOf(n);
      if (v === null) throw new Error(`internal: the output of ${this.graph.nodes[n]?.name ?? n} is fused away in this build`);
      return v;
    });
    const run = this.start(x);
    const wanted = new Set(values);
    for (const v of wanted) run.left.set(v, (this.uses.get(v) ?? 0) + 1);
    try {
      for (const op of this.ops) {
        if (!withOutput && [...wanted].every((v) => run.values.has(v))) break;
        this.step(op, run);
        observe?.(op.out, run.values.get(op.out)!);
      }
      const kept = new Map([...wanted].map((v) => [v, run.values.get(v)!]));
      for (const v of wanted) run.values.delete(v);
      const taps = values.map((v, i) => (values.indexOf(v) === i ? kept.get(v)! : kept.get(v)!.clone()));
      let output: tf.Tensor | null = null;
      if (withOutput) {
        // The output may be one of the taps (a network without its head): hand out a copy.
        const own = kept.get(this.outputIndex);
        if (own) run.values.set(this.outputIndex, own.clone());
        output = this.finish(run);
      } else {
        for (const t of run.values.values()) t.dispose();
        run.values.clear();
      }
      return { output, taps };
    } catch (e) {
      for (const t of run.values.values()) t.dispose();
      throw e;
    }
  }

  private checkInput(shape: readonly number[]): void {
    const [c, h, w] = this.graph.inputShape;
    if (shape.length !== 4 || shape[1] !== c || !(shape[0] >= 1)) {
      throw new Error(`input shape [${shape.join(', ')}] does not fit the network: expected [N, ${c}, H, W] (configured ${c}x${h}x${w})`);
    }
  }

  private start(x: tf.Tensor4D): RunState {
    if (this.disposed) throw new Error('the network was disposed');
    this.checkInput(x.shape);
    return { values: new Map([[-1, tf.transpose(x, [0, 2, 3, 1])]]), left: new Map() };
  }

  private finish(run: RunState): tf.Tensor {
    const y = run.values.get(this.outputIndex)!;
    run.values.delete(this.outputIndex);
    for (const t of run.values.values()) t.dispose();
    run.values.clear();
    if (y.rank === 4) {
      const t = tf.transpose(y, [0, 3, 1, 2]);
      y.dispose();
      return t;
    }
    return y;
  }

  private release(run: RunState, index: number): void {
    const left = (run.left.get(index) ?? this.uses.get(index) ?? 0) - 1;
    run.left.set(index, left);
    if (left === 0) {
      run.values.get(index)?.dispose();
      run.values.delete(index);
    }
  }

  private step(op: Op, run: RunState): void {
    const get = (i: number): tf.Tensor => {
      const t = run.values.get(i);
      if (!t) throw new Error(`internal: value ${i} missing before ${op.node.name}`);
      return t;
    };
    const y = tf.tidy((): tf.Tensor => {
      switch (op.kind) {
        case 'conv': {
          // A pooled [N, C] input (torchvision's SqueezeExcitation: AdaptiveAvgPool2d, then a 1x1 conv) is [N, 1, 1, C].
          const x = get(op.input);
          const x4 = x.rank === 2 ? tf.reshape(x, [x.shape[0], 1, 1, x.shape[1]!]) : x;
          return runConv(x4 as tf.Tensor4D, op.conv, op.relu, op.residual === undefined ? undefined : (get(op.residual) as tf.Tensor4D));
        }
        case 'bn':
          return tf.batchNorm(get(op.input), op.mean, op.variance, op.offset, op.scale, op.eps);
        case 'gn': {
          const y = groupNorm(get(op.input) as tf.Tensor4D, op.groups, op.scale, op.offset, op.eps);
          return op.relu ? tf.relu(y) : y;
        }
        case 'blurpool': {
          const p = op.padding;
          const padded = tf.mirrorPad(get(op.input) as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]], 'reflect');
          return tf.depthwiseConv2d(padded, op.filter, op.stride, 'valid');
        }
        case 'relu':
          return tf.relu(get(op.input));
        case 'sigmoid':
          return tf.sigmoid(get(op.input));
        case 'silu': {
          const x = get(op.input);
          return tf.mul(x, tf.sigmoid(x));
        }
        case 'maxpool':
          return maxPoolOp(get(op.input) as tf.Tensor4D, op.k, op.s, op.p, op.kernels);
        case 'avgpool':
          return tf.avgPool(get(op.input) as tf.Tensor4D, op.k, op.s, op.p);
        case 'adaptiveavgpool':
          return spatialMean(get(op.input) as tf.Tensor4D, op.kernels);
        case 'mean': {
          const x = get(op.input) as tf.Tensor4D;
          const m = spatialMean(x, op.kernels);
          return op.signal ? tf.expandDims(m, 2) : tf.reshape(m, [x.shape[0], 1, 1, x.shape[3]]);
        }
        case 'conv1d':
          return tf.conv1d(get(op.input) as tf.Tensor3D, op.filter, 1, 'same');
        case 'add': {
          const s = tf.add(get(op.a), get(op.b));
          return op.relu ? tf.relu(s) : s;
        }
        case 'mul': {
          // x [N, H, W, C] times the gate, [N, 1, 1, C] (SE) or [N, C, 1] (ECA), broadcast over H and W.
          const x = get(op.a);
          const gate = get(op.b);
          return tf.mul(x, tf.reshape(gate, [gate.shape[0], 1, 1, x.shape[3]!]));
        }
        case 'concat':
          return tf.concat(op.parts.map(get), 3);
        case 'linear': {
          const x = get(op.input) as tf.Tensor2D;
          if (op.conv) return tf.reshape(runConv(tf.reshape(x, [x.shape[0], 1, 1, x.shape[1]]), op.conv, false), [x.shape[0], op.conv.geometry.outChannels]);
          return tf.fused.matMul({ a: x, b: op.w!, bias: op.b ?? undefined });
        }
      }
    });
    run.values.set(op.out, y);
    for (const i of opInputs(op)) this.release(run, i);
  }
}

/**
 * The mean over H and W of NHWC `x`, [N, C]: by the own wasm kernel (`kernels` given), else as one
 * product with a row of 1/(H·W): tfjs's mean over axes 1 and 2 transposes the tensor first (its
 * reductions run over the innermost axis), which made the global average pool of the head and SE's
 * squeeze 5x slower on wasm than this matmul.
 */
function spatialMean(x: tf.Tensor4D, kernels: KernelOptions | null): tf.Tensor2D {
  if (kernels) return tf.engine().runKernel(SPATIAL_MEAN_KERNEL_NAME, { x }, { ...kernels } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  const [n, h, w, c] = x.shape;
  const hw = h * w;
  return tf.reshape(tf.matMul(tf.fill([1, 1, hw], 1 / hw), tf.reshape(x, [n, hw, c])), [n, c]);
}

/**
 * Max pooling of NHWC `x` as the network runs it: by the own wasm kernel (`kernels` given, numeric padding: see
 * `ownPooling`), else tfjs's maxPool.
 */
export function maxPoolOp(x: tf.Tensor4D, k: number, s: number, p: number | 'same', kernels: KernelOptions | null): tf.Tensor4D {
  if (kernels && typeof p === 'number') return tf.engine().runKernel(MAX_POOL_KERNEL_NAME, { x }, { k, stride: s, pad: p, ...kernels } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  return tf.maxPool(x, k, s, p);
}

/**
 * Whether pooling and the fc layer run by the own wasm kernels (as the dense convs do: `denseMethod`),
 * for a tensor of `channels` channels; null for tfjs's ops, else the kernels' settings.
 */
export function ownPooling(build: { dense: DenseMethod; kernels: KernelOptions }, channels: number): KernelOptions | null {
  return channels % 4 === 0 && denseMethod(tf.getBackend(), build.dense) === 'gemm' && tf.getKernel(MAX_POOL_KERNEL_NAME, 'wasm') ? build.kernels : null;
}

/**
 * timm's GroupNorm on NHWC `x`: per sample and group of C / groups channels, the mean and the (biased)
 * variance over the group's channels and H x W, then (x - mean) / sqrt(var + eps) x scale + offset per
 * channel, as F.group_norm computes it. Built from reshapes and moments, which every backend has.
 */
function groupNorm(x: tf.Tensor4D, groups: number, scale: tf.Tensor1D, offset: tf.Tensor1D, eps: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [n, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(tf.reshape(normed, [n, h, w, c]), scale), offset);
}

/** BlurPool2d's filter, depthwise [k, k, C, 1]: the outer product of the binomial row C(k - 1, i) / 2^(k - 1), the same for every channel. */
export function blurFilter(kernel: number, channels: number): Float32Array {
  const row = Array.from({ length: kernel }, (_, i) => binomial(kernel - 1, i) / 2 ** (kernel - 1));
  const filter = new Float32Array(kernel * kernel * channels);
  for (let y = 0; y < kernel; y++) {
    for (let x = 0; x < kernel; x++) filter.fill(row[y] * row[x], (y * kernel + x) * channels, (y * kernel + x + 1) * channels);
  }
  return filter;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** The tf pooling of a PyTorch pool: explicit padding, or ceil mode without padding as tf's 'same' (k = s). */
function poolPadding(node: PoolNode): number | 'same' {
  const { kernel, stride, padding, ceilMode, countIncludePad } = node.pool;
  if (!ceilMode) {
    if (node.kind === 'avgpool' && padding > 0 && !countIncludePad) throw new Error(`internal: ${node.name} pools padding it must not count`);
    return padding;
  }
  // PyTorch's ceil mode adds a last window hanging over the right edge; with k = s and no padding that
  // is tf's 'same' (padding only after, excluded from averages), which equals count_include_pad=False.
  if (padding !== 0 || kernel !== stride || (node.kind === 'avgpool' && countIncludePad)) {
    throw new Error(`internal: ${node.name} is a ceil-mode pool tf cannot express (kernel ${kernel}, stride ${stride}, padding ${padding})`);
  }
  return 'same';
}

/** Builds the network: the fusion plan (`fusionPlan`), then one op per planned kernel with its weights; on any error every tensor created so far is disposed. */
export function buildNetwork(graph: LayerGraph, sd: StateDict, options: NetworkOptions = {}): TfjsNetwork {
  const build = { fold: options.fold ?? true, grouped: options.grouped ?? defaultGroupedMethod(tf.getBackend()), dense: options.dense ?? 'auto', kernels: options.kernels ?? {} };
  const plan = fusionPlan(graph, { fold: build.fold, taps: options.taps, residual: (node) => fusesResidual(node.conv, build.dense) });
  const weights: tf.Tensor[] = [];
  try {
    const ops = plan.kernels.map((k) => planOp(graph, k, sd, build, weights));
    return new TfjsNetwork(graph, ops, weights, plan.output, build, plan.aliases);
  } catch (e) {
    for (const t of weights) t.dispose();
    throw e;
  }
}

/** The op of one planned kernel, its weight tensors pushed to `weights` (PyTorch layouts turned into the method's). */
function planOp(graph: LayerGraph, k: FusedKernel, sd: StateDict, build: { grouped: GroupedMethod; dense: DenseMethod; kernels: KernelOptions }, weights: tf.Tensor[]): Op {
  const own = <T extends tf.Tensor>(t: T): T => (weights.push(t), t);
  const node = graph.nodes[k.node];
  const { out, relu } = k;
  const input = k.inputs[0];
  switch (node.kind) {
    case 'conv': {
      const spec = node.conv;
      let weight = take(sd, `${node.name}.weight`, node.tensors[0].shape);
      let bias: Float32Array | null = spec.bias ? take(sd, `${node.name}.bias`, [spec.outChannels]) : null;
      if (k.bn !== null) {
        const folded = foldBatchNorm(weight, spec.outChannels, batchNormParams(sd, graph.nodes[k.bn] as BatchNormNode));
        weight = folded.weight;
        bias = folded.bias;
      }
      const conv = prepareConv(weight, bias, spec, build.grouped, build.dense, build.kernels);
      weights.push(...conv.filters, ...conv.biasSlices);
      if (conv.bias) weights.push(conv.bias);
      return { kind: 'conv', node, input, out, conv, relu, residual: k.add === null ? undefined : k.inputs[1] };
    }
    case 'bn': {
      const p = batchNormParams(sd, node);
      return {
        kind: 'bn', node, input, out,
        scale: own(tf.tensor1d(p.weight)), offset: own(tf.tensor1d(p.bias)),
        mean: own(tf.tensor1d(p.runningMean)), variance: own(tf.tensor1d(p.runningVar)), eps: p.eps,
      };
    }
    case 'gn':
      return { kind: 'gn', node, input, out, relu, ...groupNormParams(sd, node, own) };
    case 'blurpool': {
      const { kernel, channels, stride, padding } = node.blur;
      return { kind: 'blurpool', node, input, out, filter: own(tf.tensor4d(blurFilter(kernel, channels), [kernel, kernel, channels, 1])), stride, padding };
    }
    case 'relu':
    case 'silu':
    case 'sigmoid':
      return { kind: node.kind, node, input, out };
    case 'adaptiveavgpool':
      return { kind: node.kind, node, input, out, kernels: ownPooling(build, node.inShape[0]) };
    case 'mean':
      return { kind: 'mean', node, input, out, signal: node.outShape.length === 2, kernels: ownPooling(build, node.inShape[0]) };
    case 'conv1d': {
      const { kernel } = node.conv1d;
      // PyTorch [1, 1, k] is tf's [k, in = 1, out = 1]; cross-correlation in both.
      const w = take(sd, `${node.name}.weight`, [1, 1, kernel]);
      return { kind: 'conv1d', node, input, out, filter: own(tf.tensor3d(w, [kernel, 1, 1])) };
    }
    case 'maxpool':
    case 'avgpool':
      return { kind: node.kind, node, input, out, k: node.pool.kernel, s: node.pool.stride, p: poolPadding(node), kernels: node.kind === 'maxpool' && !node.pool.ceilMode ? ownPooling(build, node.inShape[0]) : null };
    case 'add':
    case 'mul':
      return { kind: node.kind, node, a: k.inputs[0], b: k.inputs[1], out, relu };
    case 'concat':
      return { kind: 'concat', node, parts: k.inputs, out };
    case 'linear': {
      const { inFeatures, outFeatures, bias } = node.linear;
      const w = take(sd, `${node.name}.weight`, [outFeatures, inFeatures]);
      const b = bias ? take(sd, `${node.name}.bias`, [outFeatures]) : null;
      if (ownPooling(build, 4)) {
        // [out, in] is OIHW of a 1x1 conv.
        const conv = prepareConv(w, b, { inChannels: inFeatures, outChannels: outFeatures, kernel: 1, stride: 1, padding: 0, groups: 1 }, build.grouped, build.dense, build.kernels);
        weights.push(...conv.filters);
        return { kind: 'linear', node, input, out, w: null, b: null, conv };
      }
      return { kind: 'linear', node, input, out, w: own(tf.tensor2d(transpose2d(w, outFeatures, inFeatures), [inFeatures, outFeatures])), b: b ? own(tf.tensor1d(b)) : null, conv: null };
    }
    case 'block':
    case 'container':
    case 'flatten':
    case 'identity':
      throw new Error(`internal: ${node.name} is a view, not a kernel`);
  }
}
