/**
 * The layer graph: the one description of a network. Every module call in execution order, named as
 * in the implementation's state_dict (torchvision's or timm's), with its hyper-parameters, shapes and
 * parameter tensors. The analysis (params, MACs, torchsummary, Table 1, cost), the UI and the tfjs
 * builder all read this structure.
 *
 * It is built by small builders, one per part of the network (stem, residual branch, attention,
 * shortcut, block, head), each pushing nodes through the one `GraphBuilder`.
 */
import { regnetSeChannels } from './regnet.ts';
import {
  BLOCK_EXPANSION,
  bottleneckWidth,
  ConfigError,
  CONFIG,
  deepStemWidths,
  ecaKernel,
  GROUP_NORM_GROUPS,
  isRegNet,
  regnetOf,
  seChannels,
  stagePlanes,
  stemChannels,
  validateConfig,
  type NetworkConfig,
} from './config.ts';

/**
 * `torchvision`: the shortcut (downsample) runs after the residual branch (and its attention), as in
 * torchvision's and timm's forward. `seed`: the shortcut runs first (`identity = self.downsample(x)`
 * before conv1), as in the seed's code. Both compute the same function; only the order of the rows differs.
 */
export type ExecutionOrder = 'seed' | 'torchvision';
export const EXECUTION_ORDERS: readonly ExecutionOrder[] = ['seed', 'torchvision'];

/**
 * What a node does. Module calls: conv (Conv2d), conv1d (ECA's Conv1d), bn, relu, sigmoid, identity
 * (timm's placeholders), maxpool, avgpool (AvgPool2d of the avg-down shortcut), adaptiveavgpool
 * (the global pool), flatten (functional in torchvision, nn.Flatten in timm), linear. Functional ops:
 * mean (attention's squeeze over H and W), add (the residual sum), mul (attention's gating), concat
 * (channel concatenation, in the block forms (b) of the paper's Fig. 3 only). Markers
 * of a module that wraps others, whose output is that of its last child: block (Bottleneck /
 * BasicBlock) and container (SEModule, EcaModule, SelectAdaptivePool2d).
 */
export type NodeKind =
  | 'conv'
  | 'conv1d'
  | 'bn'
  | 'gn'
  | 'blurpool'
  | 'relu'
  | 'silu'
  | 'sigmoid'
  | 'identity'
  | 'maxpool'
  | 'avgpool'
  | 'adaptiveavgpool'
  | 'mean'
  | 'flatten'
  | 'linear'
  | 'add'
  | 'mul'
  | 'concat'
  | 'block'
  | 'container';

/** PyTorch class of the module a node calls; `null` for functional ops (`out += identity`, `torch.flatten`, `x.mean`). */
export type ModuleType =
  | 'Conv2d'
  | 'Conv1d'
  | 'BatchNorm2d'
  | 'GroupNorm'
  | 'BlurPool2d'
  | 'ReLU'
  | 'SiLU'
  | 'Sigmoid'
  | 'Identity'
  | 'MaxPool2d'
  | 'AvgPool2d'
  | 'AdaptiveAvgPool2d'
  | 'Flatten'
  | 'Linear'
  | 'Bottleneck'
  | 'PreBottleneck'
  | 'BasicBlock'
  | 'SEModule'
  | 'EcaModule'
  | 'SelectAdaptivePool2d'
  // RegNet: torchvision's modules, then timm's.
  | 'SimpleStemIN'
  | 'AnyStage'
  | 'ResBottleneckBlock'
  | 'BottleneckTransform'
  | 'Conv2dNormActivation'
  | 'SqueezeExcitation'
  | 'ConvNormAct'
  | 'BatchNormAct2d'
  | 'GroupNormAct'
  | 'Sequential'
  | 'RegStage'
  | 'ClassifierHead'
  | 'Dropout';

/**
 * The classes above that subclass nn.Sequential: torchsummary hooks no Sequential (they have no row
 * there), torchinfo lists them under their own class name.
 */
export const SEQUENTIAL_MODULES: ReadonlySet<ModuleType> = new Set<ModuleType>(['SimpleStemIN', 'AnyStage', 'BottleneckTransform', 'Conv2dNormActivation', 'Sequential']);

export interface ConvSpec {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  groups: number;
  bias: boolean;
}

/** ECA's Conv1d(1, 1, kernel, padding=(kernel - 1) / 2, bias=False) over the channel axis. */
export interface Conv1dSpec {
  kernel: number;
  padding: number;
}

export interface PoolSpec {
  kernel: number;
  stride: number;
  padding: number;
  /** `ceil_mode`: the last window may hang over the edge (PyTorch's output-size rule). */
  ceilMode: boolean;
  /** `count_include_pad` of AvgPool2d (max pooling ignores it). */
  countIncludePad: boolean;
}

/** timm's GroupNorm: per sample, the mean and variance of each of `groups` channel groups over the group's channels and H x W; then a per-channel scale and shift. */
export interface GroupNormSpec {
  channels: number;
  groups: number;
  eps: number;
}

/**
 * timm's BlurPool2d: reflect padding, then a fixed per-channel (depthwise) binomial filter, [1, 2, 1] x
 * [1, 2, 1] / 16 for kernel 3, at the stride. The filter is a non-persistent buffer: it is not in the
 * state_dict and counts as no parameter.
 */
export interface BlurPoolSpec {
  channels: number;
  kernel: number;
  stride: number;
  /** Reflect padding on every side: (kernel - 1) / 2 ... as timm's get_padding(kernel, stride). */
  padding: number;
}

export interface LinearSpec {
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

export interface BatchNormSpec {
  channels: number;
  eps: number;
}

/** A tensor of the state_dict: `layer1.0.conv2.weight` with its shape. */
export interface TensorSpec {
  key: string;
  shape: number[];
  /** Learnable parameter (counted in params) or buffer (running stats). */
  kind: 'parameter' | 'buffer';
}

interface NodeBase<K extends NodeKind> {
  /** Position in execution order (0-based). */
  index: number;
  /** Module path, the state_dict prefix (`layer1.0.conv2`); `layer1.0.add` / `flatten` / `layer1.0.se.mean` for functional ops. */
  name: string;
  kind: K;
  module: ModuleType | null;
  /** Producers, by index; -1 is the network input. `add` and `mul` have two (branch and shortcut; value and gate). */
  inputs: number[];
  /** Per-sample shape of the first input: [C, H, W], [features] or [1, C] (ECA's signal). */
  inShape: number[];
  /** Per-sample output shape. */
  outShape: number[];
  /** 0 = stem, 1..S = layer1..layerS, S + 1 = head (pool, fc). */
  stage: number;
  /** Block index within its stage, or null outside blocks. */
  block: number | null;
  /** Shortcut path of a block (downsample pool/conv/BN), as opposed to the residual branch. */
  shortcut: boolean;
  /** Tensors this call's module owns (empty for ReLU, pooling, add, markers). */
  tensors: TensorSpec[];
}

export type ConvNode = NodeBase<'conv'> & { conv: ConvSpec };
export type Conv1dNode = NodeBase<'conv1d'> & { conv1d: Conv1dSpec };
export type BatchNormNode = NodeBase<'bn'> & { bn: BatchNormSpec };
export type GroupNormNode = NodeBase<'gn'> & { gn: GroupNormSpec };
export type BlurPoolNode = NodeBase<'blurpool'> & { blur: BlurPoolSpec };
export type PoolNode = NodeBase<'maxpool' | 'avgpool'> & { pool: PoolSpec };
export type LinearNode = NodeBase<'linear'> & { linear: LinearSpec };
export type PlainNode = NodeBase<'relu' | 'sigmoid' | 'identity' | 'adaptiveavgpool' | 'mean' | 'flatten' | 'add' | 'mul' | 'concat' | 'block' | 'container'>;
/** SiLU, in place (`inplace=True`: timm's norm + act layers and SEModule; autograd then keeps a copy of its input) or not. */
export type SiluNode = NodeBase<'silu'> & { inplace: boolean };
/** One module call or functional op; narrowing on `kind` gives the spec of that kind. */
export type LayerNode = ConvNode | Conv1dNode | BatchNormNode | GroupNormNode | BlurPoolNode | PoolNode | LinearNode | SiluNode | PlainNode;

export interface StageInfo {
  /** 0 = stem, 1..S = residual stages. */
  index: number;
  /** Module name: `conv1` (stem) or `layer1`..; the paper calls the stages conv1..conv5. */
  module: string;
  paperName: string;
  blocks: number;
  /** Output shape [C, H, W] of the stage. */
  outShape: number[];
  /** For residual stages: planes, bottleneck width, groups, output channels, stride of the first block. */
  planes?: number;
  width?: number;
  groups?: number;
  outChannels?: number;
  stride?: number;
}

export interface LayerGraph {
  config: NetworkConfig;
  order: ExecutionOrder;
  /** Per-sample shape of the graph's input: the config's input, or a block's input for a block graph (`formGraph`). */
  inputShape: number[];
  nodes: LayerNode[];
  stages: StageInfo[];
  /** Index of the node whose output is the network output. */
  output: number;
}

/**
 * Output side of a conv or pool, as PyTorch computes it (dilation 1): floor((n + 2p - k) / s) + 1, or
 * with ceil mode ceil(...) + 1, less one when the last window would start in the right padding.
 */
export function convOutSize(n: number, kernel: number, stride: number, padding: number, ceilMode = false): number {
  const span = n + 2 * padding - kernel;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= n + padding) out -= 1;
  return out;
}

/** A node before the builder gives it its index and place (distributes over the union). */
type NodeInit = LayerNode extends infer N ? (N extends LayerNode ? Omit<N, 'index' | 'stage' | 'block' | 'shortcut'> : never) : never;

class GraphBuilder {
  nodes: LayerNode[] = [];
  stage = 0;
  block: number | null = null;
  shortcut = false;
  readonly inputShape: number[];
  /** Output channels set per conv name (`NetworkConfig.convWidths`), and the names a conv took. */
  readonly widths: Readonly<Record<string, number>>;
  readonly widthsUsed = new Set<string>();
  /** The normalisation every `norm` call makes. */
  readonly normKind: NetworkConfig['norm'];

  constructor(inputShape: number[], config?: Pick<NetworkConfig, 'convWidths' | 'norm'>) {
    this.inputShape = inputShape;
    this.widths = config?.convWidths ?? {};
    this.normKind = config?.norm ?? 'batchnorm';
  }

  push(node: NodeInit): number {
    const index = this.nodes.length;
    this.nodes.push({ ...node, index, stage: this.stage, block: this.block, shortcut: this.shortcut } as LayerNode);
    return index;
  }

  shape(i: number): number[] {
    return i < 0 ? this.inputShape : this.nodes[i].outShape;
  }

  conv(name: string, from: number, given: Omit<ConvSpec, 'inChannels' | 'bias'> & { bias?: boolean }): number {
    const inShape = this.shape(from);
    const [c, h, w] = inShape;
    const spec = { ...given };
    if (Object.hasOwn(this.widths, name)) {
      spec.outChannels = this.widths[name];
      this.widthsUsed.add(name);
    }
    if (c % spec.groups !== 0 || spec.outChannels % spec.groups !== 0) {
      CONFIG.fail('config.groupedWidths', { name, inChannels: c, outChannels: spec.outChannels, groups: spec.groups });
    }
    const conv: ConvSpec = { inChannels: c, bias: false, ...spec };
    const outShape = [
      spec.outChannels,
      convOutSize(h, spec.kernel, spec.stride, spec.padding),
      convOutSize(w, spec.kernel, spec.stride, spec.padding),
    ];
    const tensors: TensorSpec[] = [
      { key: `${name}.weight`, shape: [spec.outChannels, c / spec.groups, spec.kernel, spec.kernel], kind: 'parameter' },
    ];
    if (conv.bias) tensors.push({ key: `${name}.bias`, shape: [spec.outChannels], kind: 'parameter' });
    return this.push({ name, kind: 'conv', module: 'Conv2d', inputs: [from], inShape, outShape, conv, tensors });
  }

  bn(name: string, from: number): number {
    const shape = this.shape(from);
    const c = shape[0];
    const tensors: TensorSpec[] = [
      { key: `${name}.weight`, shape: [c], kind: 'parameter' },
      { key: `${name}.bias`, shape: [c], kind: 'parameter' },
      { key: `${name}.running_mean`, shape: [c], kind: 'buffer' },
      { key: `${name}.running_var`, shape: [c], kind: 'buffer' },
      { key: `${name}.num_batches_tracked`, shape: [], kind: 'buffer' },
    ];
    return this.push({ name, kind: 'bn', module: 'BatchNorm2d', inputs: [from], inShape: shape, outShape: shape, bn: { channels: c, eps: 1e-5 }, tensors });
  }

  /** The config's normalisation: BatchNorm2d, or GroupNorm (32 groups, its channels a multiple of them). */
  norm(name: string, from: number): number {
    if (this.normKind === 'batchnorm') return this.bn(name, from);
    const shape = this.shape(from);
    const c = shape[0];
    if (c % GROUP_NORM_GROUPS !== 0) CONFIG.fail('config.groupNormChannels', { name, channels: c, groups: GROUP_NORM_GROUPS });
    const tensors: TensorSpec[] = [
      { key: `${name}.weight`, shape: [c], kind: 'parameter' },
      { key: `${name}.bias`, shape: [c], kind: 'parameter' },
    ];
    return this.push({ name, kind: 'gn', module: 'GroupNorm', inputs: [from], inShape: shape, outShape: shape, gn: { channels: c, groups: GROUP_NORM_GROUPS, eps: 1e-5 }, tensors });
  }

  /** timm's BlurPool2d (filter size 3): reflect-pad 1, the fixed binomial filter per channel, stride 2. */
  blurPool(name: string, from: number, stride: number): number {
    const inShape = this.shape(from);
    const [c, h, w] = inShape;
    const kernel = 3;
    const padding = Math.floor((stride - 1 + (kernel - 1)) / 2);
    // F.pad(mode='reflect') needs each padded side longer than the padding.
    if (Math.min(h, w) <= padding) CONFIG.fail('config.blurTooSmall', { name, side: Math.min(h, w), min: padding + 1 });
    const side = (n: number) => convOutSize(n, kernel, stride, padding);
    return this.push({
      name, kind: 'blurpool', module: 'BlurPool2d', inputs: [from], inShape, outShape: [c, side(h), side(w)],
      blur: { channels: c, kernel, stride, padding }, tensors: [],
    });
  }

  /** An element-wise module call or op that keeps the shape: ReLU, Sigmoid, Identity. */
  pointwise(kind: 'relu' | 'sigmoid' | 'identity', name: string, from: number): number {
    const shape = this.shape(from);
    const module = ({ relu: 'ReLU', sigmoid: 'Sigmoid', identity: 'Identity' } as const)[kind];
    return this.push({ name, kind, module, inputs: [from], inShape: shape, outShape: shape, tensors: [] });
  }

  /** A RegNet's activation: ReLU, or SiLU in place or not (`inplace`). */
  activation(kind: 'relu' | 'silu' | 'identity', name: string, from: number, inplace: boolean): number {
    if (kind !== 'silu') return this.pointwise(kind, name, from);
    const shape = this.shape(from);
    return this.push({ name, kind, module: 'SiLU', inputs: [from], inShape: shape, outShape: shape, tensors: [], inplace });
  }

  pool(kind: 'maxpool' | 'avgpool', name: string, from: number, pool: PoolSpec): number {
    const inShape = this.shape(from);
    const [c, h, w] = inShape;
    const side = (n: number): number => convOutSize(n, pool.kernel, pool.stride, pool.padding, pool.ceilMode);
    const module = kind === 'maxpool' ? 'MaxPool2d' : 'AvgPool2d';
    if (side(h) < 1 || side(w) < 1) CONFIG.fail('config.poolEmpty', { name, module, kernel: pool.kernel, side: Math.min(h, w) });
    return this.push({
      name, kind, module: kind === 'maxpool' ? 'MaxPool2d' : 'AvgPool2d', inputs: [from], inShape, outShape: [c, side(h), side(w)], pool, tensors: [],
    });
  }

  /** A functional op or module with an explicit output shape (mean, flatten, global pool). */
  reshaping(kind: 'mean' | 'flatten' | 'adaptiveavgpool', name: string, module: ModuleType | null, from: number, outShape: number[]): number {
    return this.push({ name, kind, module, inputs: [from], inShape: this.shape(from), outShape, tensors: [] });
  }

  /** A two-input element-wise op: the residual add (same shapes) or attention's gating mul (broadcast gate). */
  binary(kind: 'add' | 'mul', name: string, a: number, b: number): number {
    const shape = this.shape(a);
    const other = this.shape(b);
    if (kind === 'add' && (shape.length !== other.length || shape.some((v, i) => v !== other[i]))) {
      throw new Error(`internal: ${name} adds ${shape} and ${other}`);
    }
    return this.push({ name, kind, module: null, inputs: [a, b], inShape: shape, outShape: shape, tensors: [] });
  }

  /** The row of a module that wraps the nodes before it; its output is `last`'s. */
  marker(kind: 'block' | 'container', name: string, module: ModuleType, last: number, inShape: number[]): number {
    return this.push({ name, kind, module, inputs: [last], inShape, outShape: this.shape(last), tensors: [] });
  }
}

/** Name of the ReLU after a block's k-th BN (1-based): torchvision calls one shared `relu`, timm has `act1`.. */
function blockAct(config: NetworkConfig, prefix: string, k: number): string {
  return config.implementation === 'timm' ? `${prefix}.act${k}` : `${prefix}.relu`;
}

/** The one conv of the single-conv stems: torchvision's 7x7/2 and the paper's CIFAR 3x3/1. */
export const SINGLE_CONV_STEMS: Readonly<Record<'imagenet' | 'cifar', { kernel: number; stride: number; padding: number }>> = {
  imagenet: { kernel: 7, stride: 2, padding: 3 },
  cifar: { kernel: 3, stride: 1, padding: 1 },
};

/** conv1 [+ bn1 + relu + max pool]: the single-conv stems and timm's deep stems. */
function buildStem(g: GraphBuilder, config: NetworkConfig): number {
  const timm = config.implementation === 'timm';
  const out = stemChannels(config);
  const deep = deepStemWidths(config);
  let x: number;
  if (deep) {
    // timm: conv1 = Sequential(conv 3x3/2, BN, ReLU, conv 3x3, BN, ReLU, conv 3x3), then bn1, act1.
    x = g.conv('conv1.0', -1, { outChannels: deep[0], kernel: 3, stride: 2, padding: 1, groups: 1 });
    x = g.norm('conv1.1', x);
    x = g.pointwise('relu', 'conv1.2', x);
    x = g.conv('conv1.3', x, { outChannels: deep[1], kernel: 3, stride: 1, padding: 1, groups: 1 });
    x = g.norm('conv1.4', x);
    x = g.pointwise('relu', 'conv1.5', x);
    x = g.conv('conv1.6', x, { outChannels: deep[2], kernel: 3, stride: 1, padding: 1, groups: 1 });
  } else {
    x = g.conv('conv1', -1, { outChannels: out, ...SINGLE_CONV_STEMS[config.stem === 'cifar' ? 'cifar' : 'imagenet'], groups: 1 });
  }
  x = g.norm('bn1', x);
  x = g.pointwise('relu', timm ? 'act1' : 'relu', x);
  return config.stem === 'cifar' ? x : buildStemPool(g, config, x);
}

/** timm's AvgPool2d(2) anti-aliasing (`aa_layer=nn.AvgPool2d`): kernel 2, stride 2, floor mode, no padding. */
const AA_AVG_POOL: PoolSpec = { kernel: 2, stride: 2, padding: 0, ceilMode: false, countIncludePad: true };

/** The anti-aliased downsampling by 2 of `config.aa` (not none): BlurPool2d or AvgPool2d(2). */
function antiAlias(g: GraphBuilder, config: NetworkConfig, name: string, from: number): number {
  return config.aa === 'blur' ? g.blurPool(name, from, 2) : g.pool('avgpool', name, from, AA_AVG_POOL);
}

/**
 * The stem's downsampling after its convs, timm's `maxpool` module: MaxPool2d(3, 2, 1); with
 * blur anti-aliasing MaxPool2d(3, 1, 1) + BlurPool2d (`maxpool.0`, `.1`), with average-pool
 * anti-aliasing AvgPool2d(2) alone; ResNet-RS's `replace_stem_pool`: a 3x3 conv of the stem's
 * channels (stride 2, or 1 followed by the anti-aliasing), norm and ReLU.
 */
function buildStemPool(g: GraphBuilder, config: NetworkConfig, from: number): number {
  const max = (name: string, stride: number, x: number) => g.pool('maxpool', name, x, { kernel: 3, stride, padding: 1, ceilMode: false, countIncludePad: true });
  if (config.stemPool === 'conv') {
    const aa = config.aa !== 'none';
    let x = g.conv('maxpool.0', from, { outChannels: g.shape(from)[0], kernel: 3, stride: aa ? 1 : 2, padding: 1, groups: 1 });
    let i = 1;
    if (aa) x = antiAlias(g, config, `maxpool.${i++}`, x);
    x = g.norm(`maxpool.${i++}`, x);
    return g.pointwise('relu', `maxpool.${i}`, x);
  }
  if (config.aa === 'blur') return g.blurPool('maxpool.1', max('maxpool.0', 1, from), 2);
  if (config.aa === 'avgpool') return g.pool('avgpool', 'maxpool', from, AA_AVG_POOL);
  return max('maxpool', 2, from);
}

/**
 * timm's SEModule or EcaModule on the output of the block's last BN; returns the gated output. Their
 * sizes (SE's squeeze, ECA's kernel) come from `planned`, the block's output channels before any
 * conv width of `convWidths`: timm builds the module for the unpruned network and narrows only convs.
 */
function buildAttention(g: GraphBuilder, config: NetworkConfig, prefix: string, x: number, planned: number): number {
  if (config.attention === 'none') return x;
  const inShape = g.shape(x);
  const c = inShape[0];
  const name = `${prefix}.se`;
  let gate: number;
  if (config.attention === 'se') {
    let y = g.reshaping('mean', `${name}.mean`, null, x, [c, 1, 1]);
    y = g.conv(`${name}.fc1`, y, { outChannels: seChannels(planned, config.seReduction), kernel: 1, stride: 1, padding: 0, groups: 1, bias: true });
    y = g.pointwise('identity', `${name}.bn`, y);
    y = g.pointwise('relu', `${name}.act`, y);
    y = g.conv(`${name}.fc2`, y, { outChannels: c, kernel: 1, stride: 1, padding: 0, groups: 1, bias: true });
    gate = g.pointwise('sigmoid', `${name}.gate`, y);
  } else {
    // x.mean((2, 3)).view(N, 1, C): a one-channel signal of length C.
    const k = ecaKernel(planned);
    let y = g.reshaping('mean', `${name}.mean`, null, x, [1, c]);
    y = g.push({
      name: `${name}.conv`, kind: 'conv1d', module: 'Conv1d', inputs: [y], inShape: [1, c], outShape: [1, c],
      conv1d: { kernel: k, padding: (k - 1) / 2 }, tensors: [{ key: `${name}.conv.weight`, shape: [1, 1, k], kind: 'parameter' }],
    });
    gate = g.pointwise('sigmoid', `${name}.gate`, y);
  }
  const gated = g.binary('mul', `${name}.mul`, x, gate);
  return g.marker('container', name, config.attention === 'se' ? 'SEModule' : 'EcaModule', gated, inShape);
}

/**
 * The shortcut of a block's first convolution when it changes shape: 1x1 conv (stride s) + BN
 * (torchvision, timm; a k x k conv padded by ((s - 1) + (k - 1)) / 2 with timm's `down_kernel_size` k
 * where s > 1), or with avg-down AvgPool2d(2, s, ceil_mode, count_include_pad=False) + 1x1 conv
 * + BN, the pool an Identity where s = 1 (timm's `downsample_avg`).
 */
function buildShortcut(g: GraphBuilder, config: NetworkConfig, prefix: string, from: number, outChannels: number, stride: number): number {
  g.shortcut = true;
  let y = from;
  if (config.avgDown) {
    y = stride === 1
      ? g.pointwise('identity', `${prefix}.downsample.0`, y)
      : g.pool('avgpool', `${prefix}.downsample.0`, y, { kernel: 2, stride, padding: 0, ceilMode: true, countIncludePad: false });
    y = g.conv(`${prefix}.downsample.1`, y, { outChannels, kernel: 1, stride: 1, padding: 0, groups: 1 });
    y = g.norm(`${prefix}.downsample.2`, y);
  } else {
    const kernel = stride === 1 ? 1 : config.downKernel;
    y = g.conv(`${prefix}.downsample.0`, y, { outChannels, kernel, stride, padding: Math.floor((stride - 1 + kernel - 1) / 2), groups: 1 });
    y = g.norm(`${prefix}.downsample.1`, y);
  }
  g.shortcut = false;
  return y;
}

/**
 * timm's `aa` of a block, after the ReLU that follows its strided 3x3: the anti-aliased downsampling
 * where the block has stride 2 and the config anti-aliases (the conv then runs at stride 1), else an
 * Identity placeholder. torchvision's blocks have none.
 */
function buildBlockAntiAlias(g: GraphBuilder, config: NetworkConfig, name: string, from: number, stride: number): number {
  if (config.implementation !== 'timm') return from;
  return config.aa !== 'none' && stride === 2 ? antiAlias(g, config, name, from) : g.pointwise('identity', name, from);
}

/** The stride of a block's 3x3: timm moves a stride of 2 into the anti-aliasing that follows it. */
function branchStride(config: NetworkConfig, stride: number): number {
  return config.aa !== 'none' && stride === 2 ? 1 : stride;
}

/**
 * Channels of a block's first conv: the bottleneck width (or the planes of a basic block) divided by
 * timm's `block_reduce_first`, or none left to name.
 */
function firstWidth(config: NetworkConfig, prefix: string, width: number): number {
  const first = Math.floor(width / config.reduceFirst);
  if (first < 1) CONFIG.fail('config.noChannels', { name: `${prefix}.conv1`, why: `floor(${width} / ${config.reduceFirst}) = 0` });
  return first;
}

/** The residual branch of a block up to its last BN (before attention). */
function buildBranch(g: GraphBuilder, config: NetworkConfig, prefix: string, from: number, planes: number, width: number, outChannels: number, stride: number): number {
  const timm = config.implementation === 'timm';
  let y: number;
  if (config.block === 'bottleneck') {
    y = g.conv(`${prefix}.conv1`, from, { outChannels: firstWidth(config, prefix, width), kernel: 1, stride: 1, padding: 0, groups: 1 });
    y = g.norm(`${prefix}.bn1`, y);
    y = g.pointwise('relu', blockAct(config, prefix, 1), y);
    y = g.conv(`${prefix}.conv2`, y, { outChannels: width, kernel: 3, stride: branchStride(config, stride), padding: 1, groups: config.cardinality });
    y = g.norm(`${prefix}.bn2`, y);
    if (timm) y = g.pointwise('identity', `${prefix}.drop_block`, y);
    y = g.pointwise('relu', blockAct(config, prefix, 2), y);
    y = buildBlockAntiAlias(g, config, `${prefix}.aa`, y, stride);
    y = g.conv(`${prefix}.conv3`, y, { outChannels, kernel: 1, stride: 1, padding: 0, groups: 1 });
    return g.norm(`${prefix}.bn3`, y);
  }
  y = g.conv(`${prefix}.conv1`, from, { outChannels: firstWidth(config, prefix, planes), kernel: 3, stride: branchStride(config, stride), padding: 1, groups: 1 });
  y = g.norm(`${prefix}.bn1`, y);
  if (timm) y = g.pointwise('identity', `${prefix}.drop_block`, y);
  y = g.pointwise('relu', blockAct(config, prefix, 1), y);
  y = buildBlockAntiAlias(g, config, `${prefix}.aa`, y, stride);
  y = g.conv(`${prefix}.conv2`, y, { outChannels: planes, kernel: 3, stride: 1, padding: 1, groups: 1 });
  return g.norm(`${prefix}.bn2`, y);
}

/**
 * The residual branch of a bottleneck in form (a) or (b) of the paper's Fig. 3, up to bn3: C paths
 * `branches.i` of 1x1 (d channels) + BN + ReLU, 3x3 + BN + ReLU; (a) each path ends in its own 1x1 to
 * the output channels and the paths are summed, (b) the paths are concatenated before one 1x1. The
 * BN after the aggregation is the block's bn3, as in the paper's implementation. Form (c) is the block
 * itself (`buildBranch`).
 */
function buildFormBranch(g: GraphBuilder, config: NetworkConfig, form: 'a' | 'b', prefix: string, from: number, width: number, outChannels: number, stride: number): number {
  const C = config.cardinality;
  const d = width / C;
  const reduced = firstWidth(config, prefix, width) / C;
  const paths: number[] = [];
  for (let i = 0; i < C; i++) {
    const p = `${prefix}.branches.${i}`;
    let y = g.conv(`${p}.conv1`, from, { outChannels: reduced, kernel: 1, stride: 1, padding: 0, groups: 1 });
    y = g.bn(`${p}.bn1`, y);
    y = g.pointwise('relu', `${p}.relu1`, y);
    y = g.conv(`${p}.conv2`, y, { outChannels: d, kernel: 3, stride: branchStride(config, stride), padding: 1, groups: 1 });
    y = g.bn(`${p}.bn2`, y);
    y = g.pointwise('relu', `${p}.relu2`, y);
    // Anti-aliasing filters each channel on its own, so each path can take its share.
    if (config.aa !== 'none' && stride === 2) y = antiAlias(g, config, `${p}.aa`, y);
    if (form === 'a') y = g.conv(`${p}.conv3`, y, { outChannels, kernel: 1, stride: 1, padding: 0, groups: 1 });
    paths.push(y);
  }
  let y: number;
  if (form === 'a') {
    y = paths[0];
    for (let i = 1; i < C; i++) y = g.binary('add', `${prefix}.sum.${i}`, y, paths[i]);
  } else {
    const [, h, w] = g.shape(paths[0]);
    const concat = g.push({ name: `${prefix}.concat`, kind: 'concat', module: null, inputs: paths, inShape: g.shape(paths[0]), outShape: [C * d, h, w], tensors: [] });
    y = g.conv(`${prefix}.conv3`, concat, { outChannels, kernel: 1, stride: 1, padding: 0, groups: 1 });
  }
  return g.bn(`${prefix}.bn3`, y);
}

/** Refuses, as PyTorch's `x += shortcut` does, a branch and a shortcut of different shapes, saying why they differ. */
function checkResidual(g: GraphBuilder, prefix: string, branch: number, shortcut: number): void {
  const a = g.shape(branch);
  const b = g.shape(shortcut);
  if (a.every((v, i) => v === b[i])) return;
  const aa = g.nodes.find((n) => n.name === `${prefix}.aa` && (n.kind === 'avgpool' || n.kind === 'blurpool'));
  const why = a[0] !== b[0]
    ? CONFIG.message('config.residualWhy.widths')
    : aa
      ? CONFIG.message('config.residualWhy.aa', { pool: aa.module === 'AvgPool2d' ? 'AvgPool2d(2)' : 'BlurPool2d' })
      : CONFIG.message('config.residualWhy.other');
  throw new ConfigError(CONFIG.message('config.residualShapes', { block: prefix, branch: a.join('x'), shortcut: b.join('x'), why }));
}

/** One residual block: branch (in the given form), attention, shortcut (in the execution order), add, ReLU, the block's row. */
function buildBlock(
  g: GraphBuilder, config: NetworkConfig, order: ExecutionOrder, prefix: string, from: number, inChannels: number,
  planes: number, width: number, outChannels: number, stride: number, form: 'a' | 'b' | 'c' = 'c',
): number {
  const inShape = g.shape(from);
  // Whether the block has a shortcut conv is decided by the planned widths (`inChannels`), as timm decides before narrowing convs.
  const needsShortcut = stride !== 1 || inChannels !== outChannels;
  let identity = order === 'seed' && needsShortcut ? buildShortcut(g, config, prefix, from, outChannels, stride) : from;
  let y = form === 'c'
    ? buildBranch(g, config, prefix, from, planes, width, outChannels, stride)
    : buildFormBranch(g, config, form, prefix, from, width, outChannels, stride);
  y = buildAttention(g, config, prefix, y, outChannels);
  if (order === 'torchvision' && needsShortcut) identity = buildShortcut(g, config, prefix, from, outChannels, stride);
  checkResidual(g, prefix, y, identity);
  y = g.binary('add', `${prefix}.add`, y, identity);
  y = g.pointwise('relu', blockAct(config, prefix, config.block === 'bottleneck' ? 3 : 2), y);
  return g.marker('block', prefix, config.block === 'bottleneck' ? 'Bottleneck' : 'BasicBlock', y, inShape);
}

/**
 * The head: torchvision's avgpool + flatten + fc; timm's global_pool (SelectAdaptivePool2d: pool,
 * flatten) + fc. Without the top, torchvision ends at the last stage; timm keeps its head modules as
 * Identity (`num_classes=0, global_pool=''`), which changes no value.
 */
function buildHead(g: GraphBuilder, config: NetworkConfig, from: number): number {
  const shape = g.shape(from);
  const c = shape[0];
  if (config.implementation === 'torchvision') {
    if (!config.includeTop) return from;
    let x = g.reshaping('adaptiveavgpool', 'avgpool', 'AdaptiveAvgPool2d', from, [c, 1, 1]);
    x = g.reshaping('flatten', 'flatten', null, x, [c]);
    return linear(g, x, c, config.classes);
  }
  let x: number;
  if (config.includeTop) {
    x = g.reshaping('adaptiveavgpool', 'global_pool.pool', 'AdaptiveAvgPool2d', from, [c, 1, 1]);
    x = g.reshaping('flatten', 'global_pool.flatten', 'Flatten', x, [c]);
  } else {
    x = g.pointwise('identity', 'global_pool.pool', from);
    x = g.pointwise('identity', 'global_pool.flatten', x);
  }
  x = g.marker('container', 'global_pool', 'SelectAdaptivePool2d', x, shape);
  return config.includeTop ? linear(g, x, c, config.classes) : g.pointwise('identity', 'fc', x);
}

function linear(g: GraphBuilder, from: number, inFeatures: number, outFeatures: number): number {
  return linearNamed(g, 'fc', from, inFeatures, outFeatures);
}

/** Builds the layer graph of a (validated) config in the given execution order. */
export function buildLayerGraph(config: NetworkConfig, order: ExecutionOrder = 'torchvision'): LayerGraph {
  validateConfig(config);
  if (order !== 'seed' && order !== 'torchvision') {
    throw new Error(`execution order must be "seed" or "torchvision", got ${JSON.stringify(order)}`);
  }
  if (isRegNet(config)) return buildRegNetGraph(config, order);
  const g = new GraphBuilder([...config.input], config);
  const stages: StageInfo[] = [];

  let x = buildStem(g, config);
  stages.push({ index: 0, module: 'conv1', paperName: 'conv1', blocks: 0, outShape: g.shape(x) });

  const expansion = BLOCK_EXPANSION[config.block];
  let planned = stemChannels(config);
  config.depths.forEach((depth, s) => {
    g.stage = s + 1;
    const planes = stagePlanes(config, s);
    const stageStride = s === 0 ? 1 : 2;
    const outChannels = planes * expansion;
    const width = config.block === 'bottleneck' ? bottleneckWidth(planes, config.widthPerGroup, config.cardinality) : planes;
    for (let b = 0; b < depth; b++) {
      g.block = b;
      x = buildBlock(g, config, order, `layer${s + 1}.${b}`, x, planned, planes, width, outChannels, b === 0 ? stageStride : 1);
      planned = outChannels;
    }
    g.block = null;
    stages.push({
      index: s + 1, module: `layer${s + 1}`, paperName: `conv${s + 2}`, blocks: depth, outShape: g.shape(x),
      planes, width, groups: config.block === 'bottleneck' ? config.cardinality : 1, outChannels, stride: stageStride,
    });
  });

  g.stage = config.depths.length + 1;
  x = buildHead(g, config, x);
  checkWidthsUsed(g, config);
  return { config, order, inputShape: [...config.input], nodes: g.nodes, stages, output: x };
}

/** Refuses conv widths of `convWidths` that name no conv of the network (a typo would change nothing silently). */
function checkWidthsUsed(g: GraphBuilder, config: NetworkConfig): void {
  const unknown = Object.keys(config.convWidths).filter((name) => !g.widthsUsed.has(name));
  if (unknown.length) CONFIG.fail('config.convWidthUnknown', { names: unknown.slice(0, 5).join(', ') });
}

/** Why forms (a) and (b) cannot split this network's blocks into paths, or null. */
function unsplittable(config: NetworkConfig): string | null {
  if (config.norm === 'groupnorm') return 'GroupNorm normalises groups of 32 channels across the paths';
  if (Object.keys(config.convWidths).length) return 'per-conv widths name the convs of form (c) only';
  return null;
}

/**
 * One block of a network as a graph of its own, in form (a), (b) or (c) of the paper's Fig. 3: the
 * same builders as the network (its attention, its shortcut, its module names), its input the block's
 * input. Form (c) is exactly the network's block; (a) and (b) replace its grouped 3x3 by C paths.
 */
export function formGraph(config: NetworkConfig, stage: number, block: number, form: 'a' | 'b' | 'c'): LayerGraph {
  const full = buildLayerGraph(config);
  const info = full.stages[stage];
  if (stage < 1 || !info || info.planes === undefined) throw new Error(`stage must be 1..${full.stages.length - 1}, got ${stage}`);
  if (config.block !== 'bottleneck') throw new Error('forms (a), (b), (c) exist for bottleneck blocks only; this network has basic blocks');
  const prefix = `layer${stage}.${block}`;
  const marker = full.nodes.find((n) => n.kind === 'block' && n.name === prefix);
  if (!marker) throw new Error(`the network has no block ${prefix}`);
  const why = form === 'c' ? null : unsplittable(config);
  if (why) throw new ConfigError(`forms (a) and (b) split the block into C paths, which this network does not allow: ${why}`);
  const g = new GraphBuilder([...marker.inShape], config);
  g.stage = stage;
  g.block = block;
  const stride = block === 0 ? info.stride! : 1;
  const planned = block > 0 ? info.outChannels! : stage === 1 ? stemChannels(config) : full.stages[stage - 1].outChannels!;
  const out = buildBlock(g, config, 'torchvision', prefix, -1, planned, info.planes, info.width!, info.outChannels!, stride, form);
  return { config, order: 'torchvision', inputShape: [...marker.inShape], nodes: g.nodes, stages: full.stages, output: out };
}

/** Number of elements of a shape (1 for a scalar). */
/** Whether any norm of the network is a GroupNorm (torchvision-style `GroupNorm`, timm's `GroupNormAct`). */
export function usesGroupNorm(graph: LayerGraph): boolean {
  return graph.nodes.some((n) => n.kind === 'gn');
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Learnable parameters a node's module owns (weight + bias), as torchsummary counts them per call. */
export function nodeParams(node: LayerNode): number {
  return node.tensors.filter((t) => t.kind === 'parameter').reduce((sum, t) => sum + numel(t.shape), 0);
}

/**
 * The state_dict the network has, in module registration order: the stem, then each block's residual
 * branch and attention in call order followed by its downsample (registered last in both torchvision's
 * and timm's ResNet blocks, whatever the execution order; a RegNet registers its modules in call order),
 * then the head. Each module appears once.
 */
export function stateDictSpec(graph: LayerGraph): TensorSpec[] {
  const owners = graph.nodes.filter((n) => n.tensors.length > 0);
  if (isRegNet(graph.config)) return owners.flatMap((n) => n.tensors);
  const sorted = [...owners].sort((a, b) => {
    if (a.stage !== b.stage) return a.stage - b.stage;
    if ((a.block ?? -1) !== (b.block ?? -1)) return (a.block ?? -1) - (b.block ?? -1);
    if (a.shortcut !== b.shortcut) return a.shortcut ? 1 : -1;
    return a.index - b.index;
  });
  return sorted.flatMap((n) => n.tensors);
}

/** The conv node of a module path (`layer1.0.conv2`); throws when the graph has none. */
export function convNode(graph: LayerGraph, name: string): ConvNode {
  const node = graph.nodes.find((n) => n.name === name);
  if (!node || node.kind !== 'conv') throw new Error(`the network has no convolution ${name}`);
  return node;
}

// ------------------------------------------------------------------------------------------------ RegNet

/**
 * A RegNet's layer graph, in torchvision's modules (`RegNet`: stem.0-2, trunk_output.blockS.blockS-J with
 * proj / f.a, f.b, f.se, f.c, then avgpool and fc) or timm's (`RegNet`: stem.conv/bn, sS.bJ with
 * conv1..conv3 as ConvNormAct, se, downsample, then final_conv and head). The stages come from the quantized
 * linear rule (src/model/regnet.ts). Both run the block's shortcut where their forward does: torchvision's
 * `self.proj(x) + self.f(x)` first, timm's after the branch. Squeeze-and-excitation (RegNetY) sits after
 * the 3x3 conv with round(seRatio x block input) channels. timm's options: pre-activation blocks (RegNetV:
 * PreBottleneck, a bare conv stem, the activation as final_conv), SiLU, GroupNorm of `gnGroupSize` channels
 * per group, the average-pool or no shortcut, linear block outputs and a head conv (RegNetZ).
 */
function buildRegNetGraph(config: NetworkConfig, order: ExecutionOrder): LayerGraph {
  const design = regnetOf(config);
  const timm = config.implementation === 'timm';
  const g = new GraphBuilder([...config.input]);
  const stages: StageInfo[] = [];
  const conv3 = { kernel: 3, padding: 1 };
  const act = config.activation;

  /** timm's BatchNormAct2d / GroupNormAct: the norm (computed by the module itself), its `drop` and `act` (an Identity without act). */
  const normAct: NormActFn = (name, from, withAct) => {
    const shape = g.shape(from);
    const c = shape[0];
    let y: number;
    if (config.gnGroupSize > 0) {
      if (c % config.gnGroupSize !== 0) CONFIG.fail('config.regnet.gnChannels', { name, channels: c, size: config.gnGroupSize });
      y = g.push({ name, kind: 'gn', module: null, inputs: [from], inShape: shape, outShape: shape, gn: { channels: c, groups: c / config.gnGroupSize, eps: 1e-5 }, tensors: [] });
    } else {
      y = g.bn(name, from);
      (g.nodes[y] as BatchNormNode).module = null;
    }
    const tensors = normTensors(name, c, config.gnGroupSize === 0);
    (g.nodes[y] as BatchNormNode | GroupNormNode).tensors = [];
    y = g.pointwise('identity', `${name}.drop`, y);
    y = g.activation(withAct ? act : 'identity', `${name}.act`, y, true);
    return g.push({ name, kind: 'container', module: config.gnGroupSize > 0 ? 'GroupNormAct' : 'BatchNormAct2d', inputs: [y], inShape: shape, outShape: shape, tensors });
  };

  /** Conv + BN [+ ReLU] as torchvision's Conv2dNormActivation or timm's ConvNormAct (its norm a BatchNormAct2d or GroupNormAct). */
  const convNormAct: ConvNormActFn = (name, from, spec, withAct) => {
    const inShape = g.shape(from);
    if (!timm) {
      let y = g.conv(`${name}.0`, from, spec);
      y = g.bn(`${name}.1`, y);
      if (withAct) y = g.pointwise('relu', `${name}.2`, y);
      return name === 'stem' ? y : g.marker('container', name, 'Conv2dNormActivation', y, inShape);
    }
    const y = normAct(`${name}.bn`, g.conv(`${name}.conv`, from, spec), withAct);
    return g.marker('container', name, 'ConvNormAct', y, inShape);
  };

  // Stem: 3x3/2 conv + BN + ReLU, stemWidth channels (pre-activation: the conv alone).
  const stemSpec = { outChannels: config.stemWidth, ...conv3, stride: 2, groups: 1 };
  let x = config.preact ? g.conv('stem', -1, stemSpec) : convNormAct('stem', -1, stemSpec, true);
  if (!timm) x = g.marker('container', 'stem', 'SimpleStemIN', x, [...config.input]);
  stages.push({ index: 0, module: 'stem', paperName: 'stem', blocks: 0, outShape: g.shape(x) });

  const parts = { convNormAct, normAct };
  design.stages.forEach((stage, s) => {
    g.stage = s + 1;
    const stageName = timm ? `s${s + 1}` : `trunk_output.block${s + 1}`;
    const stageIn = g.shape(x);
    for (let b = 0; b < stage.depth; b++) {
      g.block = b;
      const prefix = timm ? `${stageName}.b${b + 1}` : `${stageName}.block${s + 1}-${b}`;
      x = buildRegNetBlock(g, config, order, prefix, x, stage.width, stage.bottleneckWidth, stage.groups, b === 0 ? 2 : 1, parts);
    }
    g.block = null;
    x = g.marker('container', stageName, timm ? 'RegStage' : 'AnyStage', x, stageIn);
    stages.push({
      index: s + 1, module: stageName, paperName: `stage${s + 1}`, blocks: stage.depth, outShape: g.shape(x),
      planes: stage.width, width: stage.bottleneckWidth, groups: stage.groups, outChannels: stage.width, stride: 2,
    });
  });

  g.stage = design.stages.length + 1;
  if (!timm) {
    const c = g.shape(x)[0];
    if (config.includeTop) {
      x = g.reshaping('adaptiveavgpool', 'avgpool', 'AdaptiveAvgPool2d', x, [c, 1, 1]);
      x = g.reshaping('flatten', 'flatten', null, x, [c]);
      x = linear(g, x, c, config.classes);
    }
  } else {
    // final_conv: a 1x1 ConvNormAct of num_features channels, else the activation (linear outputs, pre-activation), else an Identity.
    if (config.headFeatures > 0) x = convNormAct('final_conv', x, { outChannels: config.headFeatures, kernel: 1, padding: 0, stride: 1, groups: 1 }, true);
    else x = g.activation(config.linearOut || config.preact ? act : 'identity', 'final_conv', x, false);
    const headIn = g.shape(x);
    const c = headIn[0];
    if (config.includeTop) {
      x = g.reshaping('adaptiveavgpool', 'head.global_pool.pool', 'AdaptiveAvgPool2d', x, [c, 1, 1]);
      x = g.reshaping('flatten', 'head.global_pool.flatten', 'Flatten', x, [c]);
      x = g.marker('container', 'head.global_pool', 'SelectAdaptivePool2d', x, headIn);
      x = g.push({ name: 'head.drop', kind: 'identity', module: 'Dropout', inputs: [x], inShape: [c], outShape: [c], tensors: [] });
      x = linearNamed(g, 'head.fc', x, c, config.classes);
      x = g.pointwise('identity', 'head.flatten', x);
    } else {
      // num_classes=0, global_pool='': every head module an Identity (the pool's flatten, the classifier).
      x = g.pointwise('identity', 'head.global_pool.pool', x);
      x = g.pointwise('identity', 'head.global_pool.flatten', x);
      x = g.marker('container', 'head.global_pool', 'SelectAdaptivePool2d', x, headIn);
      x = g.push({ name: 'head.drop', kind: 'identity', module: 'Dropout', inputs: [x], inShape: headIn, outShape: headIn, tensors: [] });
      x = g.pointwise('identity', 'head.fc', x);
      x = g.pointwise('identity', 'head.flatten', x);
    }
    x = g.marker('container', 'head', 'ClassifierHead', x, headIn);
  }
  return { config, order, inputShape: [...config.input], nodes: g.nodes, stages, output: x };
}

/** The state_dict tensors of a norm: BatchNorm's four and its counter, or GroupNorm's weight and bias. */
function normTensors(name: string, c: number, batchNorm: boolean): TensorSpec[] {
  const tensors: TensorSpec[] = [
    { key: `${name}.weight`, shape: [c], kind: 'parameter' },
    { key: `${name}.bias`, shape: [c], kind: 'parameter' },
  ];
  if (!batchNorm) return tensors;
  return [
    ...tensors,
    { key: `${name}.running_mean`, shape: [c], kind: 'buffer' },
    { key: `${name}.running_var`, shape: [c], kind: 'buffer' },
    { key: `${name}.num_batches_tracked`, shape: [], kind: 'buffer' },
  ];
}

type ConvSpecGiven = { outChannels: number; kernel: number; stride: number; padding: number; groups: number };
type ConvNormActFn = (name: string, from: number, spec: ConvSpecGiven, act: boolean) => number;
type NormActFn = (name: string, from: number, act: boolean) => number;

/** AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False) of timm's `downsample_avg`. */
const REGNET_AVG_DOWN: PoolSpec = { kernel: 2, stride: 2, padding: 0, ceilMode: true, countIncludePad: false };

/**
 * One RegNet block: torchvision's ResBottleneckBlock, timm's regnet Bottleneck or (pre-activation) PreBottleneck.
 * timm's shortcut where the shape changes: `downsample` (ConvNormAct, or a bare conv in PreBottleneck), a Sequential
 * of the average pool and that conv, or none (then the block adds nothing: no drop_path, no add).
 */
function buildRegNetBlock(
  g: GraphBuilder, config: NetworkConfig, order: ExecutionOrder, prefix: string, from: number,
  width: number, bottleneck: number, groups: number, stride: number, parts: { convNormAct: ConvNormActFn; normAct: NormActFn },
): number {
  const { convNormAct, normAct } = parts;
  const timm = config.implementation === 'timm';
  const inShape = g.shape(from);
  const needsProj = stride !== 1 || inShape[0] !== width;
  const residual = !needsProj || config.shortcut !== 'none';
  const preact = config.preact;
  /** The shortcut of the block's input `source` (the block's input, or norm1's output in a pre-activation block). */
  const shortcut = (source: number): number => {
    g.shortcut = true;
    let y: number;
    if (!needsProj) {
      y = timm ? g.pointwise('identity', `${prefix}.downsample`, source) : source;
    } else {
      const name = `${prefix}.${timm ? 'downsample' : 'proj'}`;
      const avg = config.shortcut === 'avg';
      const convName = avg ? `${name}.1` : name;
      const pooled = avg ? g.pool('avgpool', `${name}.0`, source, REGNET_AVG_DOWN) : source;
      const spec = { outChannels: width, kernel: 1, padding: 0, stride: avg ? 1 : stride, groups: 1 };
      y = preact ? g.conv(convName, pooled, spec) : convNormAct(convName, pooled, spec, false);
      if (avg) y = g.marker('container', name, 'Sequential', y, g.shape(source));
    }
    g.shortcut = false;
    return y;
  };
  // torchvision: x = self.proj(x) + self.f(x) (the shortcut first); timm: the branch, drop_path, then the shortcut.
  const shortcutFirst = !timm || order === 'seed';
  const f = timm ? prefix : `${prefix}.f`;
  let source = from;
  let identity = from;
  let y: number;
  if (preact) {
    source = normAct(`${prefix}.norm1`, from, true);
    if (residual && shortcutFirst) identity = shortcut(source);
    y = g.conv(`${prefix}.conv1`, source, { outChannels: bottleneck, kernel: 1, padding: 0, stride: 1, groups: 1 });
    y = normAct(`${prefix}.norm2`, y, true);
    y = g.conv(`${prefix}.conv2`, y, { outChannels: bottleneck, kernel: 3, padding: 1, stride, groups });
  } else {
    if (residual && shortcutFirst) identity = shortcut(source);
    y = convNormAct(`${f}.${timm ? 'conv1' : 'a'}`, from, { outChannels: bottleneck, kernel: 1, padding: 0, stride: 1, groups: 1 }, true);
    y = convNormAct(`${f}.${timm ? 'conv2' : 'b'}`, y, { outChannels: bottleneck, kernel: 3, padding: 1, stride, groups }, true);
  }
  if (config.seRatio > 0) {
    const se = regnetSeChannels(config.seRatio, inShape[0]);
    const seIn = g.shape(y);
    const name = `${f}.se`;
    let z = timm
      ? g.reshaping('mean', `${name}.mean`, null, y, [bottleneck, 1, 1])
      : g.reshaping('adaptiveavgpool', `${name}.avgpool`, 'AdaptiveAvgPool2d', y, [bottleneck, 1, 1]);
    z = g.conv(`${name}.fc1`, z, { outChannels: se, kernel: 1, stride: 1, padding: 0, groups: 1, bias: true });
    if (timm) z = g.pointwise('identity', `${name}.bn`, z);
    z = g.activation(config.activation, timm ? `${name}.act` : `${name}.activation`, z, true);
    z = g.conv(`${name}.fc2`, z, { outChannels: bottleneck, kernel: 1, stride: 1, padding: 0, groups: 1, bias: true });
    z = g.pointwise('sigmoid', timm ? `${name}.gate` : `${name}.scale_activation`, z);
    y = g.binary('mul', `${name}.mul`, y, z);
    y = g.marker('container', name, timm ? 'SEModule' : 'SqueezeExcitation', y, seIn);
  } else if (timm) {
    y = g.pointwise('identity', `${f}.se`, y);
  }
  if (preact) {
    y = normAct(`${prefix}.norm3`, y, true);
    y = g.conv(`${prefix}.conv3`, y, { outChannels: width, kernel: 1, padding: 0, stride: 1, groups: 1 });
  } else {
    y = convNormAct(`${f}.${timm ? 'conv3' : 'c'}`, y, { outChannels: width, kernel: 1, padding: 0, stride: 1, groups: 1 }, false);
  }
  if (!timm) y = g.marker('container', f, 'BottleneckTransform', y, inShape);
  if (residual) {
    if (timm) y = g.pointwise('identity', `${prefix}.drop_path`, y);
    if (!shortcutFirst) identity = shortcut(source);
    y = g.binary('add', `${prefix}.add`, y, identity);
  }
  if (!preact) y = g.activation(config.linearOut ? 'identity' : config.activation, timm ? `${prefix}.act3` : `${prefix}.activation`, y, false);
  return g.marker('block', prefix, preact ? 'PreBottleneck' : timm ? 'Bottleneck' : 'ResBottleneckBlock', y, inShape);
}

function linearNamed(g: GraphBuilder, name: string, from: number, inFeatures: number, outFeatures: number): number {
  return g.push({
    name, kind: 'linear', module: 'Linear', inputs: [from], inShape: [inFeatures], outShape: [outFeatures],
    linear: { inFeatures, outFeatures, bias: true },
    tensors: [
      { key: `${name}.weight`, shape: [outFeatures, inFeatures], kind: 'parameter' },
      { key: `${name}.bias`, shape: [outFeatures], kind: 'parameter' },
    ],
  });
}
