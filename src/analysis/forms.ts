/**
 * The three equivalent forms of a ResNeXt block (paper Fig. 3), layer by layer, for one block of a
 * config: (a) C parallel paths whose outputs are summed, (b) C paths whose 3x3 outputs are
 * concatenated before one 1x1, (c) one 1x1, one grouped 3x3 with C groups, one 1x1.
 * Shapes follow the paper's notation "in, k x k, out"; weight shapes are written in x k x k x out.
 * Only the convolutions of the residual branch are described (BN and ReLU are the same in all three).
 */
import { ConfigError } from '../model/config.ts';
import { convNode, convOutSize, type LayerGraph } from '../model/graph.ts';
import { catalogue, type Message } from '../model/message.ts';
import { thousands } from './format.ts';

/**
 * The forms' prose as English templates (src/model/message.ts) by id: titles, the explanation, what the
 * block does after the aggregation, and the errors. The app translates them by the same ids.
 */
export const FORMS_MESSAGES = {
  'forms.title.a': 'Aggregated transformations: C paths, summed',
  'forms.title.b': 'Early concatenation: C paths, concatenated, one 1x1',
  'forms.title.c': 'Grouped convolution: one 1x1, a 3x3 with C groups, one 1x1',
  'forms.formula.conv': '{expression}',
  'forms.formula.concat': '{branches} x {channels} channels stacked = {out}',
  'forms.formula.sum': '{branches} paths of {channels} channels summed',
  'forms.explain.ab':
    '(a) to (b): the last 1x1 layers of the {c} paths each map {d} channels to {cout}, and their outputs are summed. ' +
    'Summing {c} products W_i x_i equals one product [W_1 ... W_{c}] [x_1; ...; x_{c}]: concatenating the {c} inputs ' +
    '({width} channels) and applying one {width}x1x1x{cout} layer is the same sum, with the same {weights} weights.',
  'forms.explain.bc':
    '(b) to (c): the first 1x1 layers of the {c} paths all read the same {cin}-channel input, so they stack into one ' +
    '{cin}x1x1x{width} layer ({firstWeights} weights either way). Each 3x3 then sees only its own {d} channels: ' +
    'that is a grouped convolution with {c} groups, {c} x ({d} x 3 x 3 x {d}) = {groupedWeights} weights.',
  'forms.explain.same':
    'So all three forms have {params} convolution weights and {macs} multiply-accumulates per image, ' +
    'and with shared weights they compute the same output; only the arrangement differs. Form (c) is what torchvision runs ' +
    '(one Conv2d with groups=C), because one large kernel is faster than many small ones.',
  'forms.shared.se':
    'Squeeze-and-excitation after bn3 ({module}.se): the mean over H and W, 1×1 conv {channels} → {reduced}, ReLU, 1×1 conv back to {channels}, sigmoid, times the output. It sees the aggregated output, so it is the same in all three forms.',
  'forms.shared.eca':
    'ECA after bn3 ({module}.se): the mean over H and W, a 1-D conv of kernel {kernel} across the channels, sigmoid, times the output. It sees the aggregated output, so it is the same in all three forms.',
  'forms.shared.avgDown':
    'Shortcut ({module}.downsample): {kernel}×{kernel} average pool, stride {stride} (ceil mode, padding not counted), then a 1×1 conv {in} → {out} and BN (ResNet-D).',
  'forms.shared.avgDownIdentity':
    'Shortcut ({module}.downsample): no pooling at stride 1 (an Identity), then a 1×1 conv {in} → {out} and BN (ResNet-D).',
  'forms.shared.conv': 'Shortcut ({module}.downsample): 1×1 conv {in} → {out}, stride {stride}, and BN.',
  'forms.shared.identity': 'Shortcut: the identity (the block keeps its shape).',
  'forms.error.spec': 'block forms: {what} must be a positive integer, got {value}',
  'forms.error.stage': 'stage must be between 1 and {max}, got {value}',
  'forms.error.regnet':
    'forms (a), (b) and (c) are drawn for the ResNeXt bottleneck; a RegNet block is one too (its 3x3 conv has groups of g channels), but its stages come from the width rule: see the Design space view, or choose block type "bottleneck".',
  'forms.error.basic':
    'forms (a), (b) and (c) describe a bottleneck block; a basic block has two ungrouped 3x3 convs and no paths to aggregate. Choose block type "bottleneck".',
  'forms.error.block': 'block must be between 0 and {max} in {module}, got {value}',
} as const;

const { message: text } = catalogue(FORMS_MESSAGES);

type FormName = 'a' | 'b' | 'c';

/**
 * Largest max |difference| between the outputs of two forms that still counts as equal: float32
 * sums of a few thousand unit-scale products differ by ~1e-6 depending on summation order.
 */
export const EQUIVALENCE_TOLERANCE = 1e-4;

/** What a layer of a form does: the three convolutions and the aggregation op between branches. */
type FormLayerRole = 'reduce' | 'transform' | 'expand' | 'concat' | 'sum';

export interface FormLayer {
  role: FormLayerRole;
  /** The paper's box label: `256, 1x1, 4`; `concatenate` / `+` for the aggregation ops. */
  label: string;
  inChannels: number;
  outChannels: number;
  /** 0 for the aggregation ops. */
  kernel: number;
  stride: number;
  /** Groups of the convolution (form (c)'s 3x3 has C); 1 otherwise. */
  groups: number;
  /** Parallel copies: C for the per-branch layers of (a) and (b), 1 for shared layers. */
  branches: number;
  /** Weight shape of one copy (or one group) as in x k x k x out: `256x1x1x4`; empty for ops. */
  weightShape: string;
  /** How many weights of `weightShape` there are: branches or groups (1 for an ordinary conv). */
  weightCopies: number;
  /** Parameters of one copy / group, and of the layer. */
  paramsEach: number;
  params: number;
  /** Multiply-accumulates of the layer per sample: output positions x params. */
  macs: number;
  /** Output of one copy: [C, H, W]. */
  outShape: [number, number, number];
  /** The parameter count written out: `32 x (256 x 1 x 1 x 4) = 32,768`. */
  formula: string;
  /** The same as a message (an op's formula is words: `32 x 4 channels stacked = 128`). */
  formulaMessage: Message;
}

export interface BlockForm {
  form: FormName;
  title: Message;
  layers: FormLayer[];
  params: number;
  macs: number;
}

/** The sizes a block's forms depend on. */
interface FormSpec {
  inChannels: number;
  cardinality: number;
  /** Channels of each path (the paper's d for this stage). */
  channelsPerGroup: number;
  outChannels: number;
  /** Stride of the 3x3 (torchvision places a stage's stride there). */
  stride: number;
  /** Input height and width of the block. */
  height: number;
  width: number;
}

interface BlockForms {
  spec: FormSpec;
  /** Stage (1-based residual stage) and block (0-based) the spec was read from, when from a graph. */
  stage: number | null;
  block: number | null;
  /** The module path of the block: `layer1.1`. */
  module: string | null;
  forms: [BlockForm, BlockForm, BlockForm];
  /** Why the three forms compute the same function, with this block's numbers. */
  explanation: Message[];
  /**
   * What the block does after the aggregation, the same in all three forms (read from a graph): its
   * channel attention and its shortcut, in words; empty for a spec without a graph.
   */
  shared: Message[];
}

function conv(
  role: FormLayerRole,
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
  groups: number,
  branches: number,
  outSide: [number, number],
): FormLayer {
  const perGroupIn = inChannels / groups;
  const perGroupOut = outChannels / groups;
  const paramsEach = perGroupIn * kernel * kernel * perGroupOut;
  const weightCopies = branches * groups;
  const params = weightCopies * paramsEach;
  const [h, w] = outSide;
  const shape = `${perGroupIn}x${kernel}x${kernel}x${perGroupOut}`;
  const product = `${perGroupIn} x ${kernel} x ${kernel} x ${perGroupOut}`;
  const formula = weightCopies > 1 ? `${weightCopies} x (${product}) = ${thousands(params)}` : `${product} = ${thousands(params)}`;
  return {
    role,
    label: `${inChannels}, ${kernel}x${kernel}, ${outChannels}${groups > 1 ? `, groups=${groups}` : ''}`,
    inChannels,
    outChannels,
    kernel,
    stride,
    groups,
    branches,
    weightShape: shape,
    weightCopies,
    paramsEach,
    params,
    macs: params * h * w,
    outShape: [outChannels, h, w],
    formula,
    formulaMessage: text('forms.formula.conv', { expression: formula }),
  };
}

function op(role: 'concat' | 'sum', inChannels: number, outChannels: number, branches: number, outSide: [number, number]): FormLayer {
  const formulaMessage = role === 'concat'
    ? text('forms.formula.concat', { branches, channels: inChannels, out: outChannels })
    : text('forms.formula.sum', { branches, channels: outChannels });
  return {
    role,
    label: role === 'concat' ? 'concatenate' : '+',
    inChannels,
    outChannels,
    kernel: 0,
    stride: 1,
    groups: 1,
    branches,
    weightShape: '',
    weightCopies: 0,
    paramsEach: 0,
    params: 0,
    macs: 0,
    outShape: [outChannels, outSide[0], outSide[1]],
    formula: formulaMessage.text,
    formulaMessage,
  };
}

/** Output side of the block's 3x3 (padding 1), by the layer graph's formula. */
function outSize(n: number, stride: number): number {
  return convOutSize(n, 3, stride, 1);
}

function total(form: FormName, title: Message, layers: FormLayer[]): BlockForm {
  return {
    form,
    title,
    layers,
    params: layers.reduce((a, l) => a + l.params, 0),
    macs: layers.reduce((a, l) => a + l.macs, 0),
  };
}

/** The three forms of a bottleneck block with the given sizes. */
export function formsOf(spec: FormSpec, where: { stage: number; block: number; module: string } | null = null): BlockForms {
  const { inChannels: cin, cardinality: c, channelsPerGroup: d, outChannels: cout, stride } = spec;
  for (const [what, v] of Object.entries(spec)) {
    if (!Number.isInteger(v) || v <= 0) throw new ConfigError(text('forms.error.spec', { what, value: v }));
  }
  const inSide: [number, number] = [spec.height, spec.width];
  const outSide: [number, number] = [outSize(spec.height, stride), outSize(spec.width, stride)];
  const width = c * d;

  const a = total('a', text('forms.title.a'), [
    conv('reduce', cin, d, 1, 1, 1, c, inSide),
    conv('transform', d, d, 3, stride, 1, c, outSide),
    conv('expand', d, cout, 1, 1, 1, c, outSide),
    op('sum', cout, cout, c, outSide),
  ]);
  const b = total('b', text('forms.title.b'), [
    conv('reduce', cin, d, 1, 1, 1, c, inSide),
    conv('transform', d, d, 3, stride, 1, c, outSide),
    op('concat', d, width, c, outSide),
    conv('expand', width, cout, 1, 1, 1, 1, outSide),
  ]);
  const cc = total('c', text('forms.title.c'), [
    conv('reduce', cin, width, 1, 1, 1, 1, inSide),
    conv('transform', width, width, 3, stride, c, 1, outSide),
    conv('expand', width, cout, 1, 1, 1, 1, outSide),
  ]);

  const first = a.layers[0];
  const last = a.layers[2];
  const explanation = [
    text('forms.explain.ab', { c, d, cout, width, weights: thousands(last.params) }),
    text('forms.explain.bc', { c, d, cin, width, firstWeights: thousands(first.params), groupedWeights: thousands(a.layers[1].params) }),
    text('forms.explain.same', { params: thousands(a.params), macs: thousands(a.macs) }),
  ];
  return { spec, stage: where?.stage ?? null, block: where?.block ?? null, module: where?.module ?? null, forms: [a, b, cc], explanation, shared: [] };
}

/**
 * The forms of block `block` (0-based; default: the stage's last block, the one Table 1 prints) of
 * residual stage `stage` (1-based) of a graph.
 */
export function blockForms(graph: LayerGraph, stage: number, block?: number): BlockForms {
  const info = graph.stages[stage];
  if (!Number.isInteger(stage) || stage < 1 || !info) {
    throw new ConfigError(text('forms.error.stage', { max: graph.stages.length - 1, value: stage }));
  }
  if (graph.config.block === 'regnet') throw new ConfigError(text('forms.error.regnet'));
  if (graph.config.block !== 'bottleneck') {
    throw new ConfigError(text('forms.error.basic'));
  }
  const b = block ?? info.blocks - 1;
  if (!Number.isInteger(b) || b < 0 || b >= info.blocks) {
    throw new ConfigError(text('forms.error.block', { max: info.blocks - 1, module: info.module, value: b }));
  }
  const module = `${info.module}.${b}`;
  const nodes = graph.nodes.filter((n) => n.name.startsWith(`${module}.`));
  const shared: Message[] = [];
  const fc1 = nodes.find((n) => n.name === `${module}.se.fc1`);
  const eca = nodes.find((n) => n.kind === 'conv1d');
  if (fc1?.kind === 'conv') {
    shared.push(text('forms.shared.se', { module, channels: fc1.conv.inChannels, reduced: fc1.conv.outChannels }));
  } else if (eca?.kind === 'conv1d') {
    shared.push(text('forms.shared.eca', { module, kernel: eca.conv1d.kernel }));
  }
  const pool = nodes.find((n) => n.shortcut && n.kind === 'avgpool');
  const down = nodes.find((n) => n.shortcut && n.kind === 'conv');
  if (pool?.kind === 'avgpool' && down?.kind === 'conv') {
    shared.push(text('forms.shared.avgDown', { module, kernel: pool.pool.kernel, stride: pool.pool.stride, in: down.conv.inChannels, out: down.conv.outChannels }));
  } else if (down?.kind === 'conv' && graph.config.avgDown) {
    shared.push(text('forms.shared.avgDownIdentity', { module, in: down.conv.inChannels, out: down.conv.outChannels }));
  } else if (down?.kind === 'conv') {
    shared.push(text('forms.shared.conv', { module, in: down.conv.inChannels, out: down.conv.outChannels, stride: down.conv.stride }));
  } else {
    shared.push(text('forms.shared.identity'));
  }
  const c1 = convNode(graph, `${module}.conv1`);
  const c2 = convNode(graph, `${module}.conv2`);
  const c3 = convNode(graph, `${module}.conv3`);
  const groups = c2.conv.groups;
  const forms = formsOf(
    {
      inChannels: c1.conv.inChannels,
      cardinality: groups,
      channelsPerGroup: c2.conv.outChannels / groups,
      outChannels: c3.conv.outChannels,
      stride: c2.conv.stride,
      height: c1.inShape[1],
      width: c1.inShape[2],
    },
    { stage, block: b, module },
  );
  return { ...forms, shared };
}
