/**
 * The app's state and its serialized form, the URL query. Pure: no DOM, no React, so the
 * (de)serialization is unit-tested in Node. A link reproduces the view; a malformed link falls
 * back to a valid state and says what it ignored.
 *
 * Format (every key optional; absent = default), made from URL_PARAMS below (a test keeps it so):
 *   view=table|layers|graph|forms|compare|cost|design|run|explain
 *                               the view shown
 *   preset=<name>               the preset (default resnext50_32x4d); "config:" keys are written where they differ from it
 *   block=bottleneck|basic|regnet
 *                               config: block
 *   depths=3,4,6,3              config: depths
 *   C=N                         config: cardinality
 *   d=N                         config: width per group (d)
 *   rd=N                        config: RegNet depth d
 *   w0=N                        config: w0
 *   wa=X                        config: wa
 *   wm=X                        config: wm
 *   g=N                         config: group width g
 *   b=X                         config: bottleneck ratio b
 *   se=X                        config: SE ratio
 *   wr=divisible|quantize       config: width rounding
 *   act=relu|silu               config: activation
 *   gn=N                        config: GroupNorm group size
 *   sc=conv1x1|avg|none         config: shortcut
 *   hf=N                        config: head features
 *   pre=0|1                     config: pre-activation
 *   lo=0|1                      config: linear output
 *   stem=imagenet|deep|deep_tiered|cifar
 *                               config: stem
 *   base=N                      config: base width
 *   sw=N                        config: stem width
 *   pool=maxpool|conv           config: stem pool
 *   attn=none|se|eca            config: attention
 *   ser=N                       config: SE reduction
 *   norm=batchnorm|groupnorm    config: norm
 *   aa=none|blur|avgpool        config: anti-aliasing
 *   dk=N                        config: shortcut kernel
 *   rf=N                        config: reduce-first factor
 *   avgdown=0|1                 config: avg-down shortcut
 *   impl=torchvision|timm       config: implementation
 *   cw=conv=N,...               config: conv widths
 *   input=CxHxW                 config: input size
 *   classes=N                   config: classes
 *   top=0|1                     config: head (top)
 *   preserve=1                  "Preserve complexity" on
 *   order=seed|torchvision      layer order (seed: the seed code's, as the CLI prints)
 *   conv=paper|fvcore|thop|ptflops
 *                               counting convention
 *   q=<text>                    layer-list filter
 *   detail=stages|blocks|layers layer-list detail
 *   fs=<stage>                  forms view: residual stage (1-based)
 *   fb=<block>                  forms view: block of the stage (0-based; default the last)
 *   cmp=<a>,<b>,...             compare view: preset names or `current`
 *   backend=auto|webgpu|webgl|wasm|cpu
 *                               the run and forms views' backend
 *   batch=N                     cost view (and the compare view's memory and time columns): batch size
 *   dtype=float32|tf32|amp|float16|bfloat16
 *                               cost view: precision
 *   layout=nchw|nhwc            cost view: memory layout
 *   fastnorm=1                  cost view: GroupNorm in float16 under amp (timm's --fast-norm)
 *   opt=none|sgd|momentum|adam  cost view: optimizer
 *   device=<name>|browser       cost view: device
 *   gpus=N                      cost view: data-parallel GPUs of the training step (1 to 64)
 *   layer=<id>                  the selection (a module path; stem, head), shared by the graph and the tables
 *   open=<id>,<id>,...          graph view: the open stages, blocks, modules and grouped convs
 *   colour=macs|params|memory|time
 *                               graph view: what the nodes are coloured by
 *   ckpt=<file name>            the checkpoint the network was inferred from (opened or dropped; its weights are not in the link)
 *   lang=en|zh                  interface language; absent: the browser's (written only where it differs)
 */
import { BACKEND_NAMES, type BackendName } from '../model/tfjs/backend-name.ts';
import { stageDepths, validateConfig, type NetworkConfig } from '../model/config.ts';
import { CONFIG_FIELDS, configField, editField } from '../model/config-fields.ts';
import { EXECUTION_ORDERS, type ExecutionOrder } from '../model/graph.ts';
import { findPreset, matchPreset, PRESETS, presetConfig } from '../model/presets.ts';
import { analyzeGraph } from '../analysis/analyze.ts';
import { graphOf } from './graphs.ts';
import { CONVENTIONS, type Convention } from '../analysis/conventions.ts';
import { solveWidth } from '../analysis/solver.ts';
import { SERIES_COUNT } from './theme.ts';
import { checkBatch, DEFAULT_BATCH, DEFAULT_DTYPE, DEFAULT_LAYOUT, DEFAULT_OPTIMIZER, parseBatch, parseGpus, type CostOptions } from '../analysis/cost.ts';
import { BROWSER_DEVICE, DEFAULT_DEVICE, DEVICE_NAMES, type Device } from '../analysis/devices.ts';
import { OPTIMIZERS, trainingMemory, type Optimizer } from '../analysis/memory.ts';
import { memoryDtype, PRECISIONS, type Precision } from '../analysis/timing/precision.ts';
import { LAYOUTS, type Layout } from '../analysis/timing/model.ts';
import { messageFromError, type Message, type MessageParam } from '../model/message.ts';
import { LANGS, type Lang } from './i18n/lang.ts';
import { appMessage } from './i18n/translator.ts';
import type { MessageKey } from './i18n/catalogue.ts';
import { MEASURES, type Measure } from './graphFigures.ts';
import { graphTree, orderedIds } from './graphTree.ts';

export type View = 'table' | 'layers' | 'graph' | 'forms' | 'compare' | 'cost' | 'design' | 'run' | 'explain';
export const VIEWS: readonly View[] = ['table', 'layers', 'graph', 'forms', 'compare', 'cost', 'design', 'run', 'explain'];

export type Detail = 'stages' | 'blocks' | 'layers';
export const DETAILS: readonly Detail[] = ['stages', 'blocks', 'layers'];

/** A backend the user picks: one of the engine's, or `auto` (the engine's own order). */
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_NAMES];

/** `current` in a comparison stands for the configured network. */
export const CURRENT = 'current';
/** One series colour per compared network. */
export const MAX_COMPARE = SERIES_COUNT;

export interface AppState {
  view: View;
  /** The preset the config was started from (the base its URL overrides are relative to). */
  preset: string;
  config: NetworkConfig;
  preserve: boolean;
  order: ExecutionOrder;
  convention: Convention;
  filter: string;
  detail: Detail;
  formsStage: number;
  /** null: the stage's last block (the one Table 1 prints). */
  formsBlock: number | null;
  compare: string[];
  backend: BackendChoice;
  /** Cost view: batch size (per GPU), precision, layout, optimizer, device (a name of the device table, or `browser`), GPUs. */
  batch: number;
  dtype: Precision;
  layout: Layout;
  /** Cost view, under amp: GroupNorm in float16 (timm's --fast-norm) instead of autocast's float32. */
  fastNorm: boolean;
  optimizer: Optimizer;
  device: string;
  gpus: number;
  /** The interface language. */
  lang: Lang;
  /** The selected layer or group (a module path, or a stage: `stem`, `layer1`, `head`): the graph's selection, the layer list's, and the row the block table and the Cost view's kernel table show. */
  layer: string | null;
  /** Graph view: the open stages, blocks, modules and grouped convs (their ids). */
  graphOpen: string[];
  /** Graph view: what the nodes are coloured by. */
  colour: Measure;
  /** The name of the checkpoint the network was inferred from (opened or dropped), while the network is still its. */
  checkpoint: string | null;
}

/**
 * The cost options of the state on a device: what the Cost, Compare and Graph views all predict with. GroupNorm in
 * float16 applies under amp only (it is autocast's choice to change).
 */
export function costOptionsOf(state: AppState, device: Device): CostOptions {
  return {
    batch: state.batch, dtype: state.dtype, layout: state.layout, optimizer: state.optimizer, device,
    gpus: device.interconnect ? state.gpus : 1, fastNorm: state.fastNorm && state.dtype === 'amp',
  };
}

/** The devices the cost view offers: the table's and this browser. */
export const DEVICE_CHOICES: readonly string[] = [...DEVICE_NAMES, BROWSER_DEVICE];

const DEFAULT_PRESET = 'resnext50_32x4d';

/** The state of an empty link; `lang` is the browser's choice. */
export function defaultState(lang: Lang = 'en'): AppState {
  return {
    view: 'table',
    preset: DEFAULT_PRESET,
    config: presetConfig(DEFAULT_PRESET),
    preserve: false,
    order: 'seed',
    convention: 'paper',
    filter: '',
    detail: 'layers',
    formsStage: 1,
    formsBlock: null,
    compare: ['resnet50', 'resnext50_32x4d'],
    backend: 'auto',
    batch: DEFAULT_BATCH,
    dtype: DEFAULT_DTYPE,
    layout: DEFAULT_LAYOUT,
    fastNorm: false,
    optimizer: DEFAULT_OPTIMIZER,
    device: DEFAULT_DEVICE,
    gpus: 1,
    lang,
    layer: null,
    graphOpen: [],
    colour: 'macs',
    checkpoint: null,
  };
}

/** Checks a config as every view will use it: valid, and within the analysis budget. Throws ConfigError. */
function checkConfig(config: NetworkConfig): NetworkConfig {
  validateConfig(config);
  analyzeGraph(graphOf(config));
  return config;
}

function sameConfig(a: NetworkConfig, b: NetworkConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The preset whose full config (input and classes included) equals `config`. */
export function exactPreset(config: NetworkConfig): string | null {
  return PRESETS.find((p) => sameConfig(presetConfig(p.name), config))?.name ?? null;
}

/**
 * One control's edit applied to a config: the field parsed, and with "Preserve complexity" on, a new
 * cardinality C brings the width d the solver picks (paper Table 2). Throws ConfigError for text that
 * does not parse or a network that is not valid; the caller shows the message next to the control.
 */
export function editConfig(config: NetworkConfig, key: keyof NetworkConfig, text: string, preserve: boolean): NetworkConfig {
  let next = editField(config, configField(key), text);
  if (preserve && key === 'cardinality' && next.block === 'bottleneck') next = { ...next, widthPerGroup: solveWidth(next.cardinality) };
  return checkConfig(next);
}

/** The longest checkpoint name a link may carry. */
const MAX_CHECKPOINT_NAME = 255;

/**
 * The state with a new config, the forms stage and block, the selection and the graph's open groups
 * kept inside the new network; the checkpoint's name kept only while the architecture is still its.
 */
export function withConfig(state: AppState, config: NetworkConfig, preset = state.preset): AppState {
  const formsStage = Math.min(state.formsStage, stageDepths(config).length);
  const blocks = stageDepths(config)[formsStage - 1];
  const formsBlock = state.formsBlock !== null && state.formsBlock < blocks ? state.formsBlock : null;
  const tree = graphTree(graphOf(config));
  const layer = state.layer !== null && tree.byId.has(state.layer) ? state.layer : null;
  const checkpoint = state.checkpoint !== null && sameNetwork(state.config, config) ? state.checkpoint : null;
  return { ...state, config, preset, formsStage, formsBlock, layer, graphOpen: orderedIds(tree, new Set(state.graphOpen)), checkpoint };
}

/** Whether two configs are the same network but for the input size (a checkpoint fits any input size). */
function sameNetwork(a: NetworkConfig, b: NetworkConfig): boolean {
  return sameConfig({ ...a, input: b.input }, b);
}

/**
 * The state showing the network a checkpoint's shapes were inferred as, the file's name recorded; the
 * preset of the same architecture (classes and input aside) becomes the link's base where there is one,
 * and the Compare view shows the network beside the ones it compares.
 */
export function withCheckpoint(state: AppState, config: NetworkConfig, name: string): AppState {
  const preset = exactPreset(config) ?? matchPreset(config)?.name ?? state.preset;
  // The Compare view compares it too.
  const compare = state.compare.includes(CURRENT) ? state.compare : [CURRENT, ...state.compare].slice(0, MAX_COMPARE);
  return { ...withConfig(state, config, preset), compare, checkpoint: name.slice(0, MAX_CHECKPOINT_NAME) };
}


/**
 * One key of the URL query, or a group read together: how a state writes it and how a link is read
 * back. The table below makes `serializeState`, `parseState`, the known keys and the format in the
 * header comment (a test keeps the comment equal to `urlFormat()`).
 */
interface UrlParam {
  /** The query keys it reads and writes, each with its values and meaning for the format. */
  readonly keys: readonly { readonly key: string; readonly syntax: string; readonly about: string }[];
  /** Sets its keys in `query` for `state`, leaving out what equals `defaults`. */
  write(state: AppState, defaults: AppState, query: URLSearchParams): void;
  /** Reads the keys present in `query` into `state`; a value it cannot take is a notice, and the state keeps its own. */
  read(state: AppState, query: URLSearchParams, notices: Message[]): void;
  /** Read after every other key (its check needs keys that come later in the query). */
  readonly late?: boolean;
}

/** The fields of the state that hold a string (one of a list, or any). */
type TextField = { [K in keyof AppState]: AppState[K] extends string ? K : never }[keyof AppState];
/** The fields of the state that hold any string. */
type FreeTextField = { [K in keyof AppState]: string extends AppState[K] ? (null extends AppState[K] ? never : K) : never }[keyof AppState];

/** How many characters of a link's value a notice quotes; the rest is counted, not shown. */
export const QUOTED_CHARS = 60;
/** How many names a notice lists before it counts the rest. */
export const LISTED_NAMES = 5;

/** A value from the link as a notice quotes it: whole when short, else its start and its length. */
function cut(value: string): MessageParam {
  if (value.length <= QUOTED_CHARS) return value;
  let start = value.slice(0, QUOTED_CHARS);
  // Never end on half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(start)) start = start.slice(0, -1);
  return appMessage('state.cut', { start, length: value.length });
}

/** Names from the link, quoted and cut, the first LISTED_NAMES of them and a count of the rest. */
function quotedList(values: readonly string[]): Message[] {
  const listed = values.slice(0, LISTED_NAMES).map((v) => appMessage('state.quoted', { value: cut(v) }));
  return values.length > LISTED_NAMES ? [...listed, appMessage('state.more', { count: values.length - LISTED_NAMES })] : listed;
}


/** A key whose value is one of a list; the notice for another value calls it `what`. */
function choiceParam<F extends TextField>(
  key: string, field: F, values: readonly AppState[F][], what: Extract<MessageKey, `${'state' | 'graph'}.what.${string}`>, about: string, syntax = values.join('|'),
): UrlParam {
  return {
    keys: [{ key, syntax, about }],
    write: (state, defaults, query) => {
      if (state[field] !== defaults[field]) query.set(key, state[field]);
    },
    read: (state, query, notices) => {
      const v = query.get(key);
      if (v === null) return;
      if ((values as readonly string[]).includes(v)) state[field] = v as AppState[F];
      else notices.push(appMessage('state.unknownValue', { what: appMessage(what), value: cut(v), allowed: values.map((a) => `"${a}"`).join(', '), fallback: state[field] }));
    },
  };
}

/** A key for a switch: `1` on, `0` off, absent off; another value is `notice`'s notice and leaves it off. */
function switchParam(key: string, field: 'preserve' | 'fastNorm', notice: 'state.preserve' | 'state.fastNorm', about: string): UrlParam {
  return {
    keys: [{ key, syntax: '1', about }],
    write: (state, _defaults, query) => {
      if (state[field]) query.set(key, '1');
    },
    read: (state, query, notices) => {
      const v = query.get(key);
      if (v === null) return;
      if (v === '1' || v === '0') state[field] = v === '1';
      else notices.push(appMessage(notice, { value: cut(v) }));
    },
  };
}

/** A key whose value is any text. */
function textParam(key: string, field: FreeTextField, about: string): UrlParam {
  return {
    keys: [{ key, syntax: '<text>', about }],
    write: (state, defaults, query) => {
      if (state[field] !== defaults[field]) query.set(key, state[field]);
    },
    read: (state, query) => {
      state[field] = query.get(key) ?? state[field];
    },
  };
}

/** The preset and the config fields: the fields written only where they differ from the preset's. */
const CONFIG_PARAM: UrlParam = {
  keys: [
    { key: 'preset', syntax: '<name>', about: `the preset (default ${DEFAULT_PRESET}); "config:" keys are written where they differ from it` },
    ...CONFIG_FIELDS.map((f) => ({ key: f.url, syntax: f.syntax, about: `config: ${f.what.text}` })),
  ],
  write: (state, _defaults, query) => {
    const exact = exactPreset(state.config);
    const base = exact ?? (findPreset(state.preset) ? state.preset : DEFAULT_PRESET);
    if (base !== DEFAULT_PRESET) query.set('preset', base);
    if (exact) return;
    const baseConfig = presetConfig(base);
    for (const f of CONFIG_FIELDS) {
      const v = f.text(state.config);
      if (v !== f.text(baseConfig)) query.set(f.url, v);
    }
  },
  read: (state, query, notices) => {
    const presetName = query.get('preset');
    if (presetName !== null) {
      if (findPreset(presetName)) state.preset = presetName;
      else notices.push(appMessage('state.unknownPreset', { preset: cut(presetName), fallback: DEFAULT_PRESET }));
    }
    let config = presetConfig(state.preset);
    const fieldErrors: Message[] = [];
    for (const f of CONFIG_FIELDS) {
      const v = query.get(f.url);
      if (v === null) continue;
      try {
        config = editField(config, f, v);
      } catch (e) {
        fieldErrors.push(appMessage('state.fieldError', { key: f.url, value: cut(v), error: messageFromError(e) }));
      }
    }
    if (fieldErrors.length > 0) notices.push(appMessage('state.fieldErrors', { errors: fieldErrors }));
    try {
      state.config = checkConfig(config);
    } catch (e) {
      state.config = presetConfig(state.preset);
      notices.push(appMessage('state.invalidNetwork', { error: messageFromError(e), preset: state.preset }));
    }
  },
};

/** The URL's keys, in the order a link writes them. */
const URL_PARAMS: readonly UrlParam[] = [
  choiceParam('view', 'view', VIEWS, 'state.what.view', 'the view shown'),
  CONFIG_PARAM,
  switchParam('preserve', 'preserve', 'state.preserve', '"Preserve complexity" on'),
  choiceParam('order', 'order', EXECUTION_ORDERS, 'state.what.order', 'layer order (seed: the seed code\'s, as the CLI prints)'),
  choiceParam('conv', 'convention', CONVENTIONS, 'state.what.convention', 'counting convention'),
  textParam('q', 'filter', 'layer-list filter'),
  choiceParam('detail', 'detail', DETAILS, 'state.what.detail', 'layer-list detail'),
  {
    keys: [{ key: 'fs', syntax: '<stage>', about: 'forms view: residual stage (1-based)' }],
    write: (state, defaults, query) => {
      if (state.formsStage !== defaults.formsStage) query.set('fs', String(state.formsStage));
    },
    read: (state, query, notices) => {
      const fs = query.get('fs');
      if (fs === null) return;
      const stages = stageDepths(state.config).length;
      const n = Number(fs);
      if (/^\d+$/.test(fs) && n >= 1 && n <= stages) state.formsStage = n;
      else notices.push(appMessage('state.formsStage', { value: cut(fs), stages }));
    },
  },
  {
    keys: [{ key: 'fb', syntax: '<block>', about: 'forms view: block of the stage (0-based; default the last)' }],
    write: (state, _defaults, query) => {
      if (state.formsBlock !== null) query.set('fb', String(state.formsBlock));
    },
    read: (state, query, notices) => {
      const fb = query.get('fb');
      if (fb === null) return;
      const n = Number(fb);
      const blocks = stageDepths(state.config)[state.formsStage - 1];
      if (/^\d+$/.test(fb) && n < blocks) state.formsBlock = n;
      else notices.push(appMessage('state.formsBlock', { value: cut(fb), stage: state.formsStage, last: blocks - 1 }));
    },
  },
  {
    keys: [{ key: 'cmp', syntax: '<a>,<b>,...', about: `compare view: preset names or \`${CURRENT}\`` }],
    write: (state, defaults, query) => {
      if (state.compare.join(',') !== defaults.compare.join(',')) query.set('cmp', state.compare.join(','));
    },
    read: (state, query, notices) => {
      const cmp = query.get('cmp');
      if (cmp === null) return;
      // Repeats are removed before anything is counted: a network listed twice is one network.
      const listed = cmp.split(',').filter((s) => s !== '');
      const items = [...new Set(listed)];
      if (items.length < listed.length) {
        const repeated = [...new Set(listed.filter((s, i) => listed.indexOf(s) !== i))];
        notices.push(appMessage('state.compareRepeated', { names: quotedList(repeated) }));
      }
      const good = items.filter((s) => s === CURRENT || findPreset(s));
      const bad = items.filter((s) => !(s === CURRENT || findPreset(s)));
      if (bad.length > 0) notices.push(appMessage('state.compareUnknown', { count: bad.length, names: quotedList(bad) }));
      if (good.length > MAX_COMPARE) notices.push(appMessage('state.compareTooMany', { max: MAX_COMPARE }));
      const kept = good.slice(0, MAX_COMPARE);
      if (kept.length >= 2) state.compare = kept;
      else notices.push(appMessage('state.compareTooFew'));
    },
  },
  choiceParam('backend', 'backend', BACKEND_CHOICES, 'state.what.backend', 'the run and forms views\' backend'),
  {
    keys: [{ key: 'batch', syntax: 'N', about: 'cost view (and the compare view\'s memory and time columns): batch size' }],
    write: (state, defaults, query) => {
      if (state.batch !== defaults.batch) query.set('batch', String(state.batch));
    },
    read: (state, query, notices) => {
      const batch = query.get('batch');
      if (batch === null) return;
      try {
        const b = parseBatch(batch);
        checkBatch(trainingMemory(graphOf(state.config), memoryDtype(state.dtype), state.optimizer), b);
        state.batch = b;
      } catch (e) {
        notices.push(appMessage('state.batch', { error: messageFromError(e), batch: state.batch }));
      }
    },
    late: true,
  },
  choiceParam('dtype', 'dtype', PRECISIONS, 'state.what.precision', 'cost view: precision'),
  choiceParam('layout', 'layout', LAYOUTS, 'state.what.layout', 'cost view: memory layout'),
  switchParam('fastnorm', 'fastNorm', 'state.fastNorm', 'cost view: GroupNorm in float16 under amp (timm\'s --fast-norm)'),
  choiceParam('opt', 'optimizer', OPTIMIZERS, 'state.what.optimizer', 'cost view: optimizer'),
  choiceParam('device', 'device', DEVICE_CHOICES, 'state.what.device', 'cost view: device', '<name>|browser'),
  {
    keys: [{ key: 'gpus', syntax: 'N', about: 'cost view: data-parallel GPUs of the training step (1 to 64)' }],
    write: (state, defaults, query) => {
      if (state.gpus !== defaults.gpus) query.set('gpus', String(state.gpus));
    },
    read: (state, query, notices) => {
      const gpus = query.get('gpus');
      if (gpus === null) return;
      try {
        state.gpus = parseGpus(gpus);
      } catch (e) {
        notices.push(appMessage('state.gpus', { error: messageFromError(e) }));
      }
    },
  },
  {
    keys: [{ key: 'layer', syntax: '<id>', about: 'the selection (a module path; stem, head), shared by the graph and the tables' }],
    write: (state, _defaults, query) => {
      if (state.layer !== null) query.set('layer', state.layer);
    },
    read: (state, query, notices) => {
      const layer = query.get('layer');
      if (layer === null) return;
      if (graphTree(graphOf(state.config)).byId.has(layer)) state.layer = layer;
      else notices.push(appMessage('graph.linkLayer', { value: layer }));
    },
  },
  {
    keys: [{ key: 'open', syntax: '<id>,<id>,...', about: 'graph view: the open stages, blocks, modules and grouped convs' }],
    write: (state, _defaults, query) => {
      if (state.graphOpen.length > 0) query.set('open', state.graphOpen.join(','));
    },
    read: (state, query, notices) => {
      const open = query.get('open');
      if (open === null) return;
      const tree = graphTree(graphOf(state.config));
      const ids = open.split(',').filter((id) => id !== '');
      const unknown = ids.filter((id) => !tree.byId.has(id));
      if (unknown.length > 0) notices.push(appMessage('graph.linkOpen', { names: unknown.join(', ') }));
      state.graphOpen = orderedIds(tree, new Set(ids));
    },
  },
  choiceParam('colour', 'colour', MEASURES, 'graph.what.colour', 'graph view: what the nodes are coloured by'),
  {
    keys: [{ key: 'ckpt', syntax: '<file name>', about: 'the checkpoint the network was inferred from (opened or dropped; its weights are not in the link)' }],
    write: (state, _defaults, query) => {
      if (state.checkpoint !== null) query.set('ckpt', state.checkpoint);
    },
    read: (state, query, notices) => {
      const name = query.get('ckpt');
      if (name === null || name.trim() === '') return;
      if (name.length <= MAX_CHECKPOINT_NAME) state.checkpoint = name;
      else notices.push(appMessage('ckpt.linkName', { length: name.length, max: MAX_CHECKPOINT_NAME }));
    },
  },
  choiceParam('lang', 'lang', LANGS, 'state.what.language', 'interface language; absent: the browser\'s (written only where it differs)'),
];

/** The URL's format, one line per key (the header comment of this file lists it). */
export function urlFormat(): string[] {
  const column = 28;
  return URL_PARAMS.flatMap((p) => p.keys.flatMap((k) => {
    const left = `${k.key}=${k.syntax}`;
    return left.length < column ? [`${left.padEnd(column)}${k.about}`] : [left, `${' '.repeat(column)}${k.about}`];
  }));
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(URL_PARAMS.flatMap((p) => p.keys.map((k) => k.key)));

/**
 * The query string of a state (without `?`); empty for the default state. `preferred` is the browser's
 * language: `lang` is written only where the state's differs from it.
 */
export function serializeState(state: AppState, preferred: Lang = 'en'): string {
  const defaults = defaultState(preferred);
  const query = new URLSearchParams();
  for (const p of URL_PARAMS) p.write(state, defaults, query);
  return query.toString();
}

interface ParsedState {
  state: AppState;
  /** What the link got wrong and what is shown instead; empty for a clean link. */
  notices: Message[];
}

/**
 * Reads a query string (with or without `?`); `preferred` is the browser's language, used when the
 * link has no `lang`. Never throws: bad parts fall back to defaults, with notices.
 */
export function parseState(search: string, preferred: Lang = 'en'): ParsedState {
  const query = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const state = defaultState(preferred);
  const notices: Message[] = [];
  // One line for every unknown key, one for every repeated one (a link keeps a key's first value; the
  // rewritten link has one), however many there are.
  const seen = new Map<string, number>();
  for (const key of query.keys()) seen.set(key, (seen.get(key) ?? 0) + 1);
  const unknown = [...seen.keys()].filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length === 1) notices.push(appMessage('state.unknownParameter', { key: cut(unknown[0]) }));
  else if (unknown.length > 1) notices.push(appMessage('state.unknownParameters', { count: unknown.length, keys: quotedList(unknown) }));
  const repeated = [...seen].filter(([key, n]) => n > 1 && KNOWN_KEYS.has(key)).map(([key]) => key);
  if (repeated.length > 0) notices.push(appMessage('state.repeatedKeys', { keys: quotedList(repeated) }));
  for (const p of [...URL_PARAMS.filter((p) => !p.late), ...URL_PARAMS.filter((p) => p.late)]) p.read(state, query, notices);
  return { state, notices };
}
