/**
 * What "the output of a layer" means, read off the layer graph (no tfjs here): the names an
 * intermediate output can be asked for by, how a name resolves to a node of the graph, the channel
 * groups of the grouped 3x3 conv and the layers around it, and which networks have exact class
 * activation maps.
 *
 * Names are the state_dict's module paths, as PyTorch's `named_modules()` prints them:
 *  - a module called once (`layer1.0.conv2`, `layer2.0.bn3`, `layer3.0.downsample.0`, `fc`): its output;
 *  - a container: a block (`layer1.1`), a stage (`layer4`: its last block's output), a Sequential
 *    (`layer1.0.downsample`, timm's deep stem `conv1`), SE / ECA (`layer1.0.se`), timm's `global_pool`:
 *    the output of the container, which is that of its last call;
 *  - a module called several times: torchvision's block applies ONE `relu` module three times (after
 *    bn1, after bn2, after the residual add), so PyTorch's forward hook on `layer1.0.relu` fires three
 *    times. `layer1.0.relu:1`, `:2`, `:3` name the calls in execution order; the bare name is refused
 *    as ambiguous, with the calls listed. (timm names them `act1`, `act2`, `act3`.)
 *  - a functional op of the graph (`layer1.0.add`, the residual sum before the last ReLU; `flatten`):
 *    the value it computes (no module, so no hook in PyTorch: the input of the next call).
 * The value is the one the module returned, at hook time: torchvision's in-place ReLU later overwrites
 * the BN output it is applied to, but `layer1.0.bn1` is the BN's own output.
 */
import type { LayerGraph, LayerNode } from './graph.ts';
import { catalogue, OptionalMessageError, type Message } from './message.ts';

/** The descriptions of outputs and the refusals of names, as English templates by id (src/model/message.ts); the app translates them. */
export const EXPLAIN_MESSAGES = {
  'explain.input': 'the input',
  'explain.conv': '{kernel}x{kernel} conv, stride {stride}',
  'explain.convGroups': '{kernel}x{kernel} conv, {groups} groups, stride {stride}',
  'explain.shortcut': '{what} (shortcut)',
  'explain.bn': 'BatchNorm',
  'explain.relu': 'ReLU after {from}',
  'explain.identity': 'Identity (a placeholder): equals {from}',
  'explain.mean': 'mean over H and W of {from} (attention\'s squeeze)',
  'explain.mul': '{from} times the attention gate',
  'explain.add': 'residual sum, before the block\'s last ReLU',
  'explain.bottleneckOutput': 'bottleneck block output',
  'explain.basicOutput': 'basic block output',
  'explain.containerOutput': '{module} output',
  'explain.of': '{what} of {from}',
  'explain.sharedCall': '{what} after {from}, call {k} of {total} of one shared module',
  'explain.sharedCallBlock': '{what} after {from}: the block\'s output, call {k} of {total} of one shared module',
  'explain.stageOutput': 'stage output (= {name})',
  'explain.sequentialOutput': 'Sequential output (= {name})',
  'explain.ambiguous': '{name} is one module called {count} times (PyTorch\'s forward hook on it fires {count} times); name the call: {calls}',
  'explain.noSuchCall': '{name} is called {count} times; {wanted} does not exist (use {calls})',
  'explain.calledOnce': '{name} is called once: name it without ":{k}"',
  'explain.emptyName': 'the layer name is empty; name a module such as layer1.0.conv2, a block (layer1.0) or a stage (layer1)',
  'explain.noLayer': 'this network has no layer "{name}"; nearest names: {near}',
  'explain.noLayerHint': 'this network has no layer "{name}": {hint}; nearest names: {near}',
  'explain.camNoHead': 'class activation maps need the classifier: this network has no head (global average pooling + fc); build it with its top',
  'explain.camNotGap': 'class activation maps are exact only for a network that ends in global average pooling + fc; this one does not',
} as const;

const { message: em } = catalogue(EXPLAIN_MESSAGES);

export class TapError extends OptionalMessageError {
  override readonly name = 'TapError';
}

/** One name an intermediate output can be asked for by. */
export interface TapTarget {
  /** Canonical name: `layer1.0.conv2`, `layer1.0.relu:2`, `layer4`. */
  name: string;
  /** The node whose output this is (a container's last call, or its marker). */
  node: number;
  /** What the name is: a module call, a container (block, stage, Sequential, attention, pool), or a functional op. */
  what: 'call' | 'container' | 'functional';
  /** PyTorch class (`Conv2d`, `Bottleneck`, `Sequential`) or null for a functional op. */
  module: string | null;
  /** Per-sample output shape in PyTorch's layout ([C, H, W], [features], ECA's [1, C]). */
  outShape: number[];
  /** 0 = stem, 1..S = layer1..layerS, S + 1 = head. */
  stage: number;
  /** Block within the stage, or null (stem, head, a whole stage). */
  block: number | null;
  /** One line: what the value is (`3x3 conv, 4 groups, stride 1`, `call 2 of layer1.0.relu: after bn2`). */
  description: string;
  /** The description as a message (id and parameters), for the app to translate. */
  describe: Message;
}

function describeNode(graph: LayerGraph, n: LayerNode): Message {
  const from: string | Message = n.inputs[0] >= 0 ? graph.nodes[n.inputs[0]].name : em('explain.input');
  const shortcut = (what: Message): Message => (n.shortcut ? em('explain.shortcut', { what }) : what);
  switch (n.kind) {
    case 'conv': {
      const c = n.conv;
      return shortcut(c.groups > 1
        ? em('explain.convGroups', { kernel: c.kernel, groups: c.groups, stride: c.stride })
        : em('explain.conv', { kernel: c.kernel, stride: c.stride }));
    }
    case 'bn':
      return shortcut(em('explain.bn'));
    case 'relu':
      return em('explain.relu', { from });
    case 'identity':
      return em('explain.identity', { from });
    case 'mean':
      return em('explain.mean', { from });
    case 'mul':
      return em('explain.mul', { from });
    case 'add':
      return em('explain.add');
    case 'block':
      return em(n.module === 'Bottleneck' ? 'explain.bottleneckOutput' : 'explain.basicOutput');
    case 'container':
      return em('explain.containerOutput', { module: n.module ?? n.kind });
    default:
      return em('explain.of', { what: n.module ?? n.kind, from });
  }
}

const described = (describe: Message) => ({ description: describe.text, describe });

/** Every name an output can be asked for by, in execution order (containers after their last call). */
export function tapTargets(graph: LayerGraph): TapTarget[] {
  // A functional op inside a module of the same name (timm's BatchNormAct2d runs F.batch_norm, then its `drop` and
  // `act` submodules): PyTorch's hook on the name returns the module's output, so the name is the module's alone; the
  // op's own value is its first submodule's (`.bn.drop`, an Identity).
  const moduleNames = new Set(graph.nodes.filter((n) => n.module !== null).map((n) => n.name));
  const inner = (n: LayerNode) => n.module === null && moduleNames.has(n.name);
  const calls = new Map<string, number>();
  for (const n of graph.nodes) if (!inner(n)) calls.set(n.name, (calls.get(n.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out: TapTarget[] = [];
  const names = new Set(graph.nodes.map((n) => n.name));
  // Containers without a node of their own (stages, Sequentials): their output is their last call's.
  const lastOfPrefix = new Map<string, number>();
  for (const n of graph.nodes) {
    const parts = n.name.split('.');
    for (let k = 1; k < parts.length; k++) {
      const prefix = parts.slice(0, k).join('.');
      if (!names.has(prefix)) lastOfPrefix.set(prefix, n.index);
    }
  }
  const containersAt = new Map<number, string[]>();
  for (const [prefix, last] of lastOfPrefix) containersAt.set(last, [...(containersAt.get(last) ?? []), prefix]);

  for (const n of graph.nodes) {
    if (inner(n)) continue;
    const total = calls.get(n.name)!;
    const k = (seen.get(n.name) ?? 0) + 1;
    seen.set(n.name, k);
    const what: TapTarget['what'] = n.kind === 'block' || n.kind === 'container' ? 'container' : n.module === null ? 'functional' : 'call';
    const name = total > 1 ? `${n.name}:${k}` : n.name;
    const from: string | Message = n.inputs[0] >= 0 ? graph.nodes[n.inputs[0]].name : em('explain.input');
    const blockOutput = graph.nodes.some((m) => m.kind === 'block' && m.inputs[0] === n.index);
    const describe = total > 1
      ? em(blockOutput ? 'explain.sharedCallBlock' : 'explain.sharedCall', { what: n.module ?? n.kind, from, k, total })
      : describeNode(graph, n);
    out.push({ name, node: n.index, what, module: n.module, outShape: [...n.outShape], stage: n.stage, block: n.block, description: describe.text, describe });
    // Longest prefix first: `layer1.0.downsample` closes before `layer1` does.
    for (const prefix of (containersAt.get(n.index) ?? []).sort((a, b) => b.length - a.length)) {
      const stage = /^layer\d+$/.test(prefix);
      out.push({
        name: prefix, node: n.index, what: 'container', module: 'Sequential', outShape: [...n.outShape], stage: n.stage,
        block: stage ? null : n.block,
        ...described(stage ? em('explain.stageOutput', { name: graph.nodes[n.index].name }) : em('explain.sequentialOutput', { name: n.name })),
      });
    }
  }
  return out;
}

/** Levenshtein distance (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The `count` names closest to `name` by edit distance (ties in execution order). */
export function nearestNames(candidates: readonly string[], name: string, count = 5): string[] {
  return candidates
    .map((c, i) => ({ c, i, d: editDistance(name, c) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, count)
    .map((x) => x.c);
}

/** Why a name that fits no module of this network may belong to another one. */
function otherNetworkHint(graph: LayerGraph, name: string): string | null {
  const { config } = graph;
  const stages = graph.stages.length - 1;
  const m = /^layer(\d+)(?:\.(\d+))?(?:\.(.*))?$/.exec(name);
  if (m) {
    const s = Number(m[1]);
    if (s < 1 || s > stages) return `this network has ${stages} stages (layer1..layer${stages})`;
    const blocks = graph.stages[s].blocks;
    if (m[2] !== undefined && Number(m[2]) >= blocks) {
      return `layer${s} has ${blocks} block${blocks === 1 ? '' : 's'} (layer${s}.0${blocks > 1 ? `..layer${s}.${blocks - 1}` : ''})`;
    }
    const rest = m[3] ?? '';
    const block = `layer${s}.${m[2]}`;
    if (/^act[123]$/.test(rest) && config.implementation === 'torchvision') {
      return `act1..act3 are timm's names; this network has torchvision's layout, where one ${block}.relu is called three times: ${block}.relu:${rest.slice(3)}`;
    }
    if (/^relu(:\d+)?$/.test(rest) && config.implementation === 'timm') {
      return `this network has timm's layout, whose block ReLUs are ${block}.act1, ${block}.act2 and ${block}.act${config.block === 'bottleneck' ? 3 : 2}`;
    }
    if (/^(drop_block|aa)$/.test(rest) && config.implementation === 'torchvision') return `${rest} is one of timm's Identity placeholders; torchvision's block has none`;
    if (/^se(\.|$)/.test(rest) && config.attention === 'none') return 'this network has no attention modules (SE or ECA)';
    if (/^(conv3|bn3)$/.test(rest) && config.block === 'basic') return 'this network has basic blocks (conv1, bn1, conv2, bn2), no conv3 or bn3';
    if (/^downsample/.test(rest)) return `${block} has no downsample: its input and output shapes are equal, so its shortcut is the identity`;
  }
  if (/^conv1\.\d+$/.test(name) && config.stem !== 'deep' && config.stem !== 'deep_tiered') return `conv1.0..conv1.6 are timm's deep stem; this network's stem is one conv1`;
  if (name === 'act1' && config.implementation === 'torchvision') return 'act1 is timm\'s name; torchvision\'s stem ReLU is relu';
  if (name === 'relu' && config.implementation === 'timm') return 'this network has timm\'s layout, whose stem ReLU is act1';
  if (/^global_pool/.test(name) && config.implementation === 'torchvision') return 'global_pool is timm\'s; torchvision\'s head is avgpool, flatten, fc';
  if (name === 'avgpool' && config.implementation === 'timm') return 'this network has timm\'s layout, whose global pool is global_pool.pool';
  if (['avgpool', 'fc', 'flatten'].includes(name) && !config.includeTop) return 'this network has no head (no pooling or fc)';
  return null;
}

/** Resolves a name to its target; a clear TapError for a name that is ambiguous, unknown, or another network's. */
export function resolveTap(graph: LayerGraph, name: string, targets: readonly TapTarget[] = tapTargets(graph)): TapTarget {
  const wanted = name.trim();
  const hit = targets.find((t) => t.name === wanted);
  if (hit) return hit;
  const calls = targets.filter((t) => t.name.startsWith(`${wanted}:`));
  if (wanted !== '' && calls.length > 0) {
    throw new TapError(em('explain.ambiguous', {
      name: wanted,
      count: calls.length,
      calls: calls.map((c) => `${c.name} (${c.description.replace(/, call \d+ of \d+ of one shared module$/, '')})`).join(', '),
    }));
  }
  const call = /^(.*):(\d+)$/.exec(wanted);
  if (call) {
    const base = targets.filter((t) => t.name.startsWith(`${call[1]}:`));
    if (base.length > 0) throw new TapError(em('explain.noSuchCall', { name: call[1], count: base.length, wanted, calls: base.map((b) => b.name).join(', ') }));
    if (targets.some((t) => t.name === call[1])) throw new TapError(em('explain.calledOnce', { name: call[1], k: call[2] }));
  }
  if (wanted === '') throw new TapError(em('explain.emptyName'));
  const hint = otherNetworkHint(graph, wanted);
  const near = nearestNames(targets.map((t) => t.name), wanted).join(', ');
  throw new TapError(hint ? em('explain.noLayerHint', { name: wanted.slice(0, 80), hint, near }) : em('explain.noLayer', { name: wanted.slice(0, 80), near }));
}

/**
 * The C paths of form (a) in the channels of a block's grouped 3x3 conv and the layers around it:
 * the outputs of conv1, bn1 and its ReLU (channel c feeds path floor(c / d)), of conv2, bn2 and its
 * ReLU (path floor(c / d) computed it), with timm's Identity placeholders between. Null elsewhere
 * (conv3 and later mix every path) and for convs with one group.
 */
export function channelGroups(graph: LayerGraph, target: TapTarget): { groups: number; perGroup: number; conv: string } | null {
  const n = graph.nodes[target.node];
  if (n.block === null || n.shortcut || target.what === 'container') return null;
  const prefix = `layer${n.stage}.${n.block}`;
  const conv2 = graph.nodes.find((m) => m.kind === 'conv' && m.name === `${prefix}.conv2`);
  const conv3 = graph.nodes.find((m) => m.kind === 'conv' && m.name === `${prefix}.conv3`);
  const conv1 = graph.nodes.find((m) => m.kind === 'conv' && m.name === `${prefix}.conv1`);
  if (!conv1 || !conv2 || !conv3 || conv2.kind !== 'conv' || conv2.conv.groups <= 1) return null;
  if (n.index < conv1.index || n.index >= conv3.index || n.outShape[0] !== conv2.conv.outChannels) return null;
  return { groups: conv2.conv.groups, perGroup: conv2.conv.outChannels / conv2.conv.groups, conv: conv2.name };
}

/**
 * Where class activation maps are exact (Zhou et al. 2016): the last stage's output A (or what timm's RegNet makes of
 * it in `final_conv`: a head conv, an activation), then global average pooling and one fc, so that
 * logit_c = mean_hw(sum_k w_ck A_k(h, w)) + b_c. Returns the target of A and the fc node; throws for a network
 * without that head.
 */
export function camHead(graph: LayerGraph, targets: readonly TapTarget[] = tapTargets(graph)): { features: TapTarget; fc: LayerNode; classes: number; channels: number } {
  const last = graph.stages[graph.stages.length - 1];
  // The classifier: the network's last linear layer (`fc`; timm's RegNet: `head.fc`).
  let fc: LayerNode | undefined;
  for (const n of graph.nodes) if (n.kind === 'linear') fc = n;
  if (!graph.config.includeTop || !fc || fc.kind !== 'linear') {
    throw new TapError(em('explain.camNoHead'));
  }
  const features = resolveTap(graph, last.module, targets);
  // fc's input must be the global average of the last stage's output, through flatten / timm's pool container only,
  // and the pool's input that output, through Identities only (timm's RegNet: `final_conv`).
  const skip = (at: number, kinds: readonly string[]) => {
    while (at >= 0 && kinds.includes(graph.nodes[at].kind)) at = graph.nodes[at].inputs[0];
    return at;
  };
  const at = skip(fc.inputs[0], ['flatten', 'container', 'identity']);
  const pool = at >= 0 ? graph.nodes[at] : null;
  const map = pool ? skip(pool.inputs[0], ['identity']) : -1;
  const pooled = map === features.node ? features : targets.find((t) => t.node === map && t.name === 'final_conv');
  if (!pool || pool.kind !== 'adaptiveavgpool' || !pooled) throw new TapError(em('explain.camNotGap'));
  return { features: pooled, fc, classes: fc.linear.outFeatures, channels: fc.linear.inFeatures };
}
