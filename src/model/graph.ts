/**
 * The layer graph: the one description of a network. Every module call in execution order, named as
 * in torchvision's state_dict, with its hyper-parameters, shapes and parameter tensors. The analysis
 * (params, MACs, torchsummary, Table 1), the UI and the tfjs builder all read this structure.
 */
import {
  BLOCK_EXPANSION,
  bottleneckWidth,
  stagePlanes,
  validateConfig,
  type NetworkConfig,
} from './config.ts';

/**
 * `torchvision`: the shortcut (downsample) runs after bn3, as in torchvision's forward.
 * `seed`: the shortcut runs first (`identity = self.downsample(x)` before conv1), as in the seed's code.
 * Both compute the same function; only the order of the rows differs.
 */
export type ExecutionOrder = 'seed' | 'torchvision';
export const EXECUTION_ORDERS: readonly ExecutionOrder[] = ['seed', 'torchvision'];

export type NodeKind = 'conv' | 'bn' | 'relu' | 'maxpool' | 'avgpool' | 'flatten' | 'linear' | 'add' | 'block';

/** PyTorch class of the module a node calls; `null` for functional ops (`out += identity`, `torch.flatten`). */
export type ModuleType =
  | 'Conv2d'
  | 'BatchNorm2d'
  | 'ReLU'
  | 'MaxPool2d'
  | 'AdaptiveAvgPool2d'
  | 'Linear'
  | 'Bottleneck'
  | 'BasicBlock';

export interface ConvSpec {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  groups: number;
  bias: boolean;
}

export interface PoolSpec {
  kernel: number;
  stride: number;
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

export interface LayerNode {
  /** Position in execution order (0-based). */
  index: number;
  /** Module path, the state_dict prefix (`layer1.0.conv2`); `layer1.0.add` / `flatten` for functional ops. */
  name: string;
  kind: NodeKind;
  module: ModuleType | null;
  /** Producers, by index; -1 is the network input. `add` has two: the residual branch and the shortcut. */
  inputs: number[];
  /** Per-sample shape of the first input: [C, H, W] or [features]. */
  inShape: number[];
  /** Per-sample output shape. */
  outShape: number[];
  /** 0 = stem, 1..S = layer1..layerS, S + 1 = head (pool, fc). */
  stage: number;
  /** Block index within its stage, or null outside blocks. */
  block: number | null;
  /** Shortcut path of a block (downsample conv/BN), as opposed to the residual branch. */
  shortcut: boolean;
  conv?: ConvSpec;
  pool?: PoolSpec;
  linear?: LinearSpec;
  bn?: BatchNormSpec;
  /** Tensors this call's module owns (empty for ReLU, pooling, add, block markers). */
  tensors: TensorSpec[];
}

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
  nodes: LayerNode[];
  stages: StageInfo[];
  /** Index of the node whose output is the network output. */
  output: number;
}

/** Output side of a conv or pool: floor((n + 2p - k) / s) + 1, as PyTorch computes it (dilation 1, floor mode). */
export function convOutSize(n: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - kernel) / stride) + 1;
}

class GraphBuilder {
  nodes: LayerNode[] = [];
  stage = 0;
  block: number | null = null;
  shortcut = false;

  private push(node: Omit<LayerNode, 'index' | 'stage' | 'block' | 'shortcut'>): number {
    const index = this.nodes.length;
    const full = node as LayerNode;
    full.index = index;
    full.stage = this.stage;
    full.block = this.block;
    full.shortcut = this.shortcut;
    this.nodes.push(full);
    return index;
  }

  shape(i: number, fallback: number[]): number[] {
    return i < 0 ? fallback : this.nodes[i].outShape;
  }

  conv(name: string, from: number, inShape: number[], spec: Omit<ConvSpec, 'inChannels' | 'bias'>): number {
    const [c, h, w] = inShape;
    const conv: ConvSpec = { inChannels: c, bias: false, ...spec };
    const outShape = [
      spec.outChannels,
      convOutSize(h, spec.kernel, spec.stride, spec.padding),
      convOutSize(w, spec.kernel, spec.stride, spec.padding),
    ];
    const tensors: TensorSpec[] = [
      { key: `${name}.weight`, shape: [spec.outChannels, c / spec.groups, spec.kernel, spec.kernel], kind: 'parameter' },
    ];
    return this.push({ name, kind: 'conv', module: 'Conv2d', inputs: [from], inShape, outShape, conv, tensors });
  }

  bn(name: string, from: number): number {
    const shape = this.nodes[from].outShape;
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

  relu(name: string, from: number): number {
    const shape = this.nodes[from].outShape;
    return this.push({ name, kind: 'relu', module: 'ReLU', inputs: [from], inShape: shape, outShape: shape, tensors: [] });
  }

  add(name: string, residual: number, shortcut: number, shortcutShape: number[]): number {
    const shape = this.nodes[residual].outShape;
    if (shape.length !== shortcutShape.length || shape.some((v, i) => v !== shortcutShape[i])) {
      throw new Error(`internal: ${name} adds ${shape} and ${shortcutShape}`);
    }
    return this.push({ name, kind: 'add', module: null, inputs: [residual, shortcut], inShape: shape, outShape: shape, tensors: [] });
  }
}

/** Builds the layer graph of a (validated) config in the given execution order. */
export function buildLayerGraph(config: NetworkConfig, order: ExecutionOrder = 'torchvision'): LayerGraph {
  validateConfig(config);
  if (order !== 'seed' && order !== 'torchvision') {
    throw new Error(`execution order must be "seed" or "torchvision", got ${JSON.stringify(order)}`);
  }
  const g = new GraphBuilder();
  const stages: StageInfo[] = [];
  const inputShape = [...config.input];

  // Stem.
  let x: number;
  if (config.stem === 'imagenet') {
    x = g.conv('conv1', -1, inputShape, { outChannels: config.baseWidth, kernel: 7, stride: 2, padding: 3, groups: 1 });
    x = g.bn('bn1', x);
    x = g.relu('relu', x);
    const [c, h, w] = g.nodes[x].outShape;
    const pool: PoolSpec = { kernel: 3, stride: 2, padding: 1 };
    x = g.nodes.length;
    g.nodes.push({
      index: x, name: 'maxpool', kind: 'maxpool', module: 'MaxPool2d', inputs: [x - 1], inShape: [c, h, w],
      outShape: [c, convOutSize(h, 3, 2, 1), convOutSize(w, 3, 2, 1)], pool, stage: 0, block: null, shortcut: false, tensors: [],
    });
  } else {
    x = g.conv('conv1', -1, inputShape, { outChannels: config.baseWidth, kernel: 3, stride: 1, padding: 1, groups: 1 });
    x = g.bn('bn1', x);
    x = g.relu('relu', x);
  }
  stages.push({ index: 0, module: 'conv1', paperName: 'conv1', blocks: 0, outShape: g.nodes[x].outShape });

  // Residual stages.
  const expansion = BLOCK_EXPANSION[config.block];
  let inChannels = config.baseWidth;
  config.depths.forEach((depth, s) => {
    g.stage = s + 1;
    const planes = stagePlanes(config, s);
    const stageStride = s === 0 ? 1 : 2;
    const outChannels = planes * expansion;
    const width = config.block === 'bottleneck' ? bottleneckWidth(planes, config.widthPerGroup, config.cardinality) : planes;
    for (let b = 0; b < depth; b++) {
      g.block = b;
      const prefix = `layer${s + 1}.${b}`;
      const stride = b === 0 ? stageStride : 1;
      const needsDownsample = b === 0 && (stride !== 1 || inChannels !== outChannels);
      const blockIn = x;
      const blockInShape = g.shape(blockIn, inputShape);

      const shortcutPath = (): number => {
        if (!needsDownsample) return blockIn;
        g.shortcut = true;
        let y = g.conv(`${prefix}.downsample.0`, blockIn, blockInShape, { outChannels, kernel: 1, stride, padding: 0, groups: 1 });
        y = g.bn(`${prefix}.downsample.1`, y);
        g.shortcut = false;
        return y;
      };

      let identity = order === 'seed' ? shortcutPath() : -2;
      let y: number;
      if (config.block === 'bottleneck') {
        y = g.conv(`${prefix}.conv1`, blockIn, blockInShape, { outChannels: width, kernel: 1, stride: 1, padding: 0, groups: 1 });
        y = g.bn(`${prefix}.bn1`, y);
        y = g.relu(`${prefix}.relu`, y);
        y = g.conv(`${prefix}.conv2`, y, g.nodes[y].outShape, { outChannels: width, kernel: 3, stride, padding: 1, groups: config.cardinality });
        y = g.bn(`${prefix}.bn2`, y);
        y = g.relu(`${prefix}.relu`, y);
        y = g.conv(`${prefix}.conv3`, y, g.nodes[y].outShape, { outChannels, kernel: 1, stride: 1, padding: 0, groups: 1 });
        y = g.bn(`${prefix}.bn3`, y);
      } else {
        y = g.conv(`${prefix}.conv1`, blockIn, blockInShape, { outChannels: planes, kernel: 3, stride, padding: 1, groups: 1 });
        y = g.bn(`${prefix}.bn1`, y);
        y = g.relu(`${prefix}.relu`, y);
        y = g.conv(`${prefix}.conv2`, y, g.nodes[y].outShape, { outChannels: planes, kernel: 3, stride: 1, padding: 1, groups: 1 });
        y = g.bn(`${prefix}.bn2`, y);
      }
      if (order === 'torchvision') identity = shortcutPath();
      y = g.add(`${prefix}.add`, y, identity, g.shape(identity, inputShape));
      y = g.relu(`${prefix}.relu`, y);
      const shape = g.nodes[y].outShape;
      x = g.nodes.length;
      g.nodes.push({
        index: x, name: prefix, kind: 'block', module: config.block === 'bottleneck' ? 'Bottleneck' : 'BasicBlock',
        inputs: [y], inShape: blockInShape, outShape: shape, stage: g.stage, block: b, shortcut: false, tensors: [],
      });
      inChannels = outChannels;
    }
    g.block = null;
    stages.push({
      index: s + 1, module: `layer${s + 1}`, paperName: `conv${s + 2}`, blocks: depth, outShape: g.nodes[x].outShape,
      planes, width, groups: config.block === 'bottleneck' ? config.cardinality : 1, outChannels, stride: stageStride,
    });
  });

  // Head.
  if (config.includeTop) {
    g.stage = config.depths.length + 1;
    const [c] = g.nodes[x].outShape;
    const from = x;
    x = g.nodes.length;
    g.nodes.push({
      index: x, name: 'avgpool', kind: 'avgpool', module: 'AdaptiveAvgPool2d', inputs: [from], inShape: g.nodes[from].outShape,
      outShape: [c, 1, 1], stage: g.stage, block: null, shortcut: false, tensors: [],
    });
    x = g.nodes.length;
    g.nodes.push({
      index: x, name: 'flatten', kind: 'flatten', module: null, inputs: [x - 1], inShape: [c, 1, 1], outShape: [c],
      stage: g.stage, block: null, shortcut: false, tensors: [],
    });
    x = g.nodes.length;
    g.nodes.push({
      index: x, name: 'fc', kind: 'linear', module: 'Linear', inputs: [x - 1], inShape: [c], outShape: [config.classes],
      linear: { inFeatures: c, outFeatures: config.classes, bias: true }, stage: g.stage, block: null, shortcut: false,
      tensors: [
        { key: 'fc.weight', shape: [config.classes, c], kind: 'parameter' },
        { key: 'fc.bias', shape: [config.classes], kind: 'parameter' },
      ],
    });
  }

  return { config, order, nodes: g.nodes, stages, output: x };
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Learnable parameters a node's module owns (weight + bias), as torchsummary counts them per call. */
export function nodeParams(node: LayerNode): number {
  return node.tensors.filter((t) => t.kind === 'parameter').reduce((sum, t) => sum + numel(t.shape), 0);
}

/**
 * The state_dict the network has, in torchvision's key order (module registration order:
 * conv1, bn1, layer1.0.conv1, ..., layer1.0.downsample.0, layer1.0.downsample.1, ..., fc).
 * Each module appears once even when it is called several times.
 */
export function stateDictSpec(graph: LayerGraph): TensorSpec[] {
  const rank = (node: LayerNode): number => {
    const leaf = node.name.split('.').slice(2).join('.');
    const order = ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'downsample.0', 'downsample.1'];
    return node.block === null ? 0 : order.indexOf(leaf);
  };
  const owners = graph.nodes.filter((n) => n.tensors.length > 0);
  const sorted = [...owners].sort((a, b) => {
    if (a.stage !== b.stage) return a.stage - b.stage;
    if ((a.block ?? -1) !== (b.block ?? -1)) return (a.block ?? -1) - (b.block ?? -1);
    if (a.block === null) return a.index - b.index;
    return rank(a) - rank(b);
  });
  return sorted.flatMap((n) => n.tensors);
}
