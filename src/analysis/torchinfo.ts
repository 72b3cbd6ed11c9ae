/**
 * torchinfo 1.8.0, reproduced: what `print(torchinfo.summary(model, input_size=(B, C, H, W), depth=N,
 * col_names=(...), row_settings=(...), verbose=0))` prints for the torchvision or timm model of a config.
 *
 * torchinfo lists every module call in the order its forward pre-hook fires: a container (the model,
 * `Sequential`, a block, an attention module) before the calls it makes. `moduleCalls` derives that
 * tree from the layer graph alone: a module call's ancestors are the prefixes of its state_dict name
 * (`layer1.0.conv2` -> `layer1`, `layer1.0`); a prefix with a marker node (block, container) is that
 * marker's class, any other prefix is an `nn.Sequential` (layerN, downsample, timm's deep-stem conv1).
 * Functional ops (the residual add, torch.flatten, attention's mean and mul) have no hook and no row.
 */
import { ConfigError, isRegNet } from '../model/config.ts';
import { nodeParams, numel, type LayerGraph, type LayerNode } from '../model/graph.ts';
import { pyFixed, pyList, thousands } from './format.ts';

/** torchinfo's `col_names`, in its own spelling. */
export const TORCHINFO_COLUMNS = [
  'input_size', 'output_size', 'num_params', 'params_percent', 'kernel_size', 'groups', 'mult_adds', 'trainable',
] as const;
export type TorchinfoColumn = (typeof TORCHINFO_COLUMNS)[number];

/** torchinfo's `row_settings`. */
export const TORCHINFO_ROW_SETTINGS = ['depth', 'var_names', 'ascii_only', 'hide_recursive_layers'] as const;
export type TorchinfoRowSetting = (typeof TORCHINFO_ROW_SETTINGS)[number];

const HEADER_TITLES: Record<TorchinfoColumn, string> = {
  kernel_size: 'Kernel Shape',
  groups: 'Groups',
  input_size: 'Input Shape',
  output_size: 'Output Shape',
  num_params: 'Param #',
  params_percent: 'Param %',
  mult_adds: 'Mult-Adds',
  trainable: 'Trainable',
};

export interface TorchinfoOptions {
  /** Deepest level shown (`depth=`); 1 shows the model's direct children. */
  depth: number;
  columns: readonly TorchinfoColumn[];
  rowSettings: readonly TorchinfoRowSetting[];
  /** The batch dimension of `input_size`. */
  batch: number;
}

/** torchinfo's defaults with an `input_size`. */
export const TORCHINFO_DEFAULTS: TorchinfoOptions = { depth: 3, columns: ['output_size', 'num_params'], rowSettings: ['depth'], batch: 1 };

/** One row of torchinfo's list: a module call, with per-sample shapes. */
interface ModuleCall {
  /** Module path (`layer1.0.conv2`); '' for the model itself. */
  path: string;
  /** torchinfo's var_name: the last part of the path, or the class name for the model. */
  varName: string;
  /** The module's class (`Conv2d`, `Sequential`, `Bottleneck`, `ResNet`). */
  className: string;
  /** 0 for the model, 1 for its children, ... */
  depth: number;
  /** torchinfo's depth-idx: this row's number among all rows of its depth. */
  depthIndex: number;
  /** A module with no child modules. */
  leaf: boolean;
  /** The module was called before (torchvision's one `relu` per block, called up to three times). */
  recursive: boolean;
  /** Per-sample input and output shapes. */
  inShape: number[];
  outShape: number[];
  /** Parameters of the module and everything inside it (each module once). */
  params: number;
  /** Parameters the module owns itself (a leaf's all; a container's own, as timm's BatchNormAct2d owns its weight and bias). */
  own: number;
  /** The module's `kernel_size` attribute (a list for convs, an int for pooling), if it has one. */
  kernel: number | number[] | null;
  /** The module's `groups` attribute, if it has one (convs; torchvision's ResNet keeps its `groups` argument). */
  groups: number | null;
  /** The graph node of a leaf call (null for containers). */
  node: LayerNode | null;
  /** Index of the first row after this one that is not inside it. */
  end: number;
}

function lastPart(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function ancestors(path: string): string[] {
  const parts = path.split('.');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

/**
 * The module calls torchinfo records for the (torchvision or timm) model of a graph, in hook order.
 * Every container of these models owns no parameter itself and calls all of its children, so a
 * container's row comes right before its first descendant's call and covers a contiguous run.
 */
export function moduleCalls(graph: LayerGraph): ModuleCall[] {
  if (graph.order !== 'torchvision') {
    throw new ConfigError('torchinfo lists the modules of torchvision\'s or timm\'s model, which run the shortcut after the residual branch: use the torchvision order');
  }
  const markers = new Map<string, LayerNode>();
  const leaves: LayerNode[] = [];
  for (const n of graph.nodes) {
    if (n.kind === 'block' || n.kind === 'container') markers.set(n.name, n);
    else if (n.module !== null) leaves.push(n);
  }
  // Params of each module subtree, each module counted once (a module called twice owns its params once).
  const params = new Map<string, number>();
  const seenLeaf = new Set<string>();
  for (const n of [...leaves, ...[...markers.values()].filter((m) => m.tensors.length > 0)]) {
    if (seenLeaf.has(n.name)) continue;
    seenLeaf.add(n.name);
    for (const p of ['', ...ancestors(n.name), n.name]) params.set(p, (params.get(p) ?? 0) + nodeParams(n));
  }

  const calls: ModuleCall[] = [];
  const open: ModuleCall[] = [];
  const seen = new Set<string>();
  const lastLeafOf = new Map<ModuleCall, LayerNode>();
  const counters: number[] = [];
  const add = (call: Omit<ModuleCall, 'depthIndex' | 'end' | 'recursive'>): ModuleCall => {
    counters[call.depth] = (counters[call.depth] ?? 0) + 1;
    const row: ModuleCall = { ...call, depthIndex: counters[call.depth], recursive: seen.has(call.path), end: -1 };
    seen.add(call.path);
    calls.push(row);
    return row;
  };
  const close = (row: ModuleCall) => {
    row.end = calls.length;
    const marker = markers.get(row.path);
    if (!marker) row.outShape = lastLeafOf.get(row)!.outShape;
  };

  const regnet = isRegNet(graph.config);
  const model = regnet ? 'RegNet' : 'ResNet';
  const root = add({
    path: '', varName: model, className: model, depth: 0, leaf: false, inShape: [...graph.config.input],
    outShape: graph.nodes[graph.output].outShape, params: params.get('') ?? 0, own: 0, kernel: null,
    groups: graph.config.implementation === 'torchvision' && !regnet ? graph.config.cardinality : null, node: null,
  });
  for (const n of leaves) {
    const chain = ancestors(n.name);
    while (open.length > 0 && open[open.length - 1].path !== chain[open.length - 1]) close(open.pop()!);
    for (let d = open.length; d < chain.length; d++) {
      const path = chain[d];
      const marker = markers.get(path);
      open.push(add({
        path, varName: lastPart(path), className: marker?.module ?? 'Sequential',
        depth: d + 1, leaf: false, inShape: marker ? marker.inShape : n.inShape, outShape: marker ? marker.outShape : [],
        params: params.get(path) ?? 0, own: marker ? nodeParams(marker) : 0, kernel: null, groups: null, node: null,
      }));
    }
    for (const o of open) lastLeafOf.set(o, n);
    const leaf = add({
      path: n.name, varName: lastPart(n.name), className: n.module!, depth: chain.length + 1, leaf: true,
      inShape: n.inShape, outShape: n.outShape, params: nodeParams(n), own: nodeParams(n), kernel: kernelOf(n), groups: groupsOf(n), node: n,
    });
    leaf.end = calls.length;
  }
  while (open.length > 0) close(open.pop()!);
  root.end = calls.length;
  return calls;
}

/**
 * torchinfo's Mult-Adds of one call of a module with parameters, for the whole batch: every parameter
 * (bias included) once per output position of a conv (`params x B x H x W`; for Conv1d `x B x L`),
 * once per sample of a linear layer, and once per sample for anything else (BatchNorm: B x 2C).
 */
function torchinfoMacs(call: ModuleCall, batch: number): number {
  if (!call.leaf || call.params === 0) return 0;
  if (call.className.includes('Conv')) return call.params * batch * numel(call.outShape.slice(1));
  if (call.className.includes('Linear')) return call.params * batch * numel(call.outShape.slice(0, -1));
  return call.params * batch;
}

function kernelOf(node: LayerNode): number | number[] | null {
  if (node.kind === 'conv') return [node.conv.kernel, node.conv.kernel];
  if (node.kind === 'conv1d') return [node.conv1d.kernel];
  if (node.kind === 'maxpool' || node.kind === 'avgpool') return node.pool.kernel;
  return null;
}

function groupsOf(node: LayerNode): number | null {
  if (node.kind === 'conv') return node.conv.groups;
  if (node.kind === 'conv1d') return 1;
  return null;
}

/** Python's `f"{n:,d}"` of an integer, or `f"{x:,.2f}"` of a float. */
function pyGrouped(x: number): string {
  if (Number.isInteger(x)) return thousands(x);
  const [int, frac] = pyFixed(x, 2).split('.');
  return `${thousands(BigInt(int))}.${frac}`;
}

/** torchinfo's `format_output_num` with automatic units: `: 1.81` with ` (G)`, ` (MB)`, ` (kB)`, or none. */
function withUnit(n: number, bytes: boolean): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, unit] of units) {
    if (n >= scale) return ` (${unit}${bytes ? 'B' : ''}): ${pyGrouped(n / scale)}`;
  }
  return `: ${pyGrouped(n)}`;
}

/** Bytes `sys.getsizeof` reports for the input tensor's storage beyond its data (torch 1.13 TypedStorage, CPython 3.11). */
const STORAGE_OBJECT_BYTES = 56;
const BYTES_PER_FLOAT = 4;

interface TorchinfoTotals {
  params: number;
  trainableParams: number;
  /** Sum of the leaf calls' Mult-Adds, whole batch. */
  multAdds: number;
  inputBytes: number;
  /** Outputs of the leaf calls that have parameters, twice (forward and gradient). */
  forwardBackwardBytes: number;
  paramBytes: number;
}

function torchinfoTotals(calls: readonly ModuleCall[], batch: number): TorchinfoTotals {
  const root = calls[0];
  let multAdds = 0;
  let forwardBackwardBytes = 0;
  for (const c of calls) {
    if (!c.leaf) continue;
    multAdds += torchinfoMacs(c, batch);
    if (c.params > 0) forwardBackwardBytes += 2 * BYTES_PER_FLOAT * batch * numel(c.outShape);
  }
  const totals = {
    params: root.params,
    trainableParams: root.params,
    multAdds,
    inputBytes: BYTES_PER_FLOAT * batch * numel(root.inShape) + STORAGE_OBJECT_BYTES,
    forwardBackwardBytes,
    paramBytes: BYTES_PER_FLOAT * root.params,
  };
  if (!Number.isSafeInteger(multAdds) || !Number.isSafeInteger(totals.inputBytes + forwardBackwardBytes + totals.paramBytes)) {
    throw new ConfigError(`with batch ${batch} the mult-adds or sizes are too large to count exactly: use a smaller batch`);
  }
  return totals;
}

function checkOptions(o: TorchinfoOptions): void {
  if (!Number.isSafeInteger(o.depth) || o.depth < 1) throw new ConfigError(`torchinfo depth must be a positive integer, got ${o.depth}`);
  if (!Number.isSafeInteger(o.batch) || o.batch < 1) throw new ConfigError(`batch must be a positive integer, got ${o.batch}`);
  for (const c of o.columns) {
    if (!TORCHINFO_COLUMNS.includes(c)) throw new ConfigError(`unknown torchinfo column "${c}"; columns: ${TORCHINFO_COLUMNS.join(', ')}`);
  }
  for (const r of o.rowSettings) {
    if (!TORCHINFO_ROW_SETTINGS.includes(r)) throw new ConfigError(`unknown torchinfo row setting "${r}"; row settings: ${TORCHINFO_ROW_SETTINGS.join(', ')}`);
  }
}

/** Exactly what torchinfo 1.8.0 prints (with `print`, so the text ends in a newline). */
export function torchinfoText(graph: LayerGraph, options: Partial<TorchinfoOptions> = {}): string {
  const o: TorchinfoOptions = { ...TORCHINFO_DEFAULTS, ...options };
  checkOptions(o);
  const calls = moduleCalls(graph);
  const totals = torchinfoTotals(calls, o.batch);
  const showVar = o.rowSettings.includes('var_names');
  const showDepth = o.rowSettings.includes('depth');
  const ascii = o.rowSettings.includes('ascii_only');
  const hideRecursive = o.rowSettings.includes('hide_recursive_layers');
  const colWidth = 25;

  const title = (c: ModuleCall): string =>
    c.className + (showVar && c.varName ? ` (${c.varName})` : '') + (showDepth && c.depth > 0 ? `: ${c.depth}-${c.depthIndex}` : '');
  // The name column is 40 wide, or the longest indented title (of every row, shown or not) rounded up to 5.
  const longest = Math.max(...calls.map((c) => c.depth * 5 + 1 + title(c).length));
  const nameWidth = longest >= 40 ? Math.ceil(longest / 5) * 5 : 40;
  const divider = '='.repeat(o.columns.length * colWidth + nameWidth);
  const formatRow = (name: string, cells: Record<TorchinfoColumn, string>): string =>
    `${name.padEnd(nameWidth)} ${o.columns.map((c) => `${cells[c].padEnd(colWidth)} `).join('')}`.trimEnd() + '\n';
  const indent = (depth: number): string => {
    if (depth === 0) return '';
    if (depth === 1) return ascii ? '+ ' : '├─';
    return (ascii ? '|    ' : '│    ').repeat(depth - 1) + (ascii ? '+ ' : '└─');
  };
  const batched = (shape: number[]) => pyList([o.batch, ...shape]);

  let rows = '';
  calls.forEach((c, i) => {
    if (c.depth > o.depth || (hideRecursive && c.recursive)) return;
    const atMax = c.depth === o.depth;
    // Above the shown depth a container shows the parameters it owns itself ("leftover"): mostly none.
    const shownParams = c.leaf || atMax ? c.params : c.own;
    let macs = '--';
    if (c.leaf) {
      const m = torchinfoMacs(c, o.batch);
      if (m > 0) macs = thousands(m);
    } else if (atMax && c.params > 0) {
      let sum = 0;
      for (let j = i + 1; j < c.end; j++) if (calls[j].leaf) sum += torchinfoMacs(calls[j], o.batch);
      macs = thousands(sum);
    }
    let percent: string;
    if (c.recursive) percent = '(recursive)';
    else if (shownParams === 0) percent = '     --';
    else percent = `${pyFixed((shownParams / totals.params) * 100, 2)}%`.padStart(7);
    rows += formatRow(indent(c.depth) + title(c), {
      input_size: batched(c.inShape),
      output_size: batched(c.outShape),
      num_params: c.params === 0 ? '--' : c.recursive ? '(recursive)' : shownParams > 0 ? thousands(shownParams) : '--',
      params_percent: percent,
      kernel_size: c.kernel === null ? '--' : typeof c.kernel === 'number' ? String(c.kernel) : pyList(c.kernel),
      groups: c.groups === null ? '--' : String(c.groups),
      mult_adds: macs,
      trainable: c.params === 0 ? '--' : 'True',
    });
  });

  const header = `Layer (type${showVar ? ' (var_name)' : ''}${showDepth ? ':depth-idx' : ''})`;
  return [
    divider,
    formatRow(header, HEADER_TITLES).slice(0, -1),
    divider,
    rows + divider,
    `Total params: ${thousands(totals.params)}`,
    `Trainable params: ${thousands(totals.trainableParams)}`,
    `Non-trainable params: ${thousands(totals.params - totals.trainableParams)}`,
    `Total mult-adds${withUnit(totals.multAdds, false)}`,
    divider,
    `Input size${withUnit(totals.inputBytes, true)}`,
    `Forward/backward pass size${withUnit(totals.forwardBackwardBytes, true)}`,
    `Params size${withUnit(totals.paramBytes, true)}`,
    `Estimated Total Size${withUnit(totals.inputBytes + totals.forwardBackwardBytes + totals.paramBytes, true)}`,
    divider,
  ].join('\n') + '\n';
}
