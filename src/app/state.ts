/**
 * The app's state and its serialized form, the URL query. Pure: no DOM, no React, so the
 * (de)serialization is unit-tested in Node. A link reproduces the view; a malformed link falls
 * back to a valid state and says what it ignored.
 *
 * Format (every key optional; absent = default):
 *   view=table|layers|forms|compare|run|explain
 *   preset=<name>             the preset the config starts from (default resnext50_32x4d)
 *   block=basic|bottleneck  depths=3,4,6,3  C=<int>  d=<int>  base=<int>
 *   stem=imagenet|deep|deep_tiered|cifar  sw=<int>  avgdown=0|1  attn=none|se|eca  impl=torchvision|timm
 *   input=CxHxW  classes=<int>  top=0
 *                             config fields, written only where they differ from the preset
 *   preserve=1                "Preserve complexity" on
 *   order=seed|torchvision    layer order (default seed: the seed code's, as the CLI prints)
 *   conv=paper|fvcore|thop|ptflops
 *   q=<text>                  layer-list filter
 *   detail=stages|blocks|layers
 *   fs=<stage>  fb=<block>    forms view: residual stage (1-based), block (0-based; default last)
 *   cmp=<a>,<b>,...           compare view: preset names or `current`
 *   backend=auto|webgpu|webgl|wasm|cpu
 *   batch=<int>  dtype=float32|float16|bfloat16  opt=none|sgd|momentum|adam  device=<name>|browser
 *                             cost view (and the compare view's memory and time columns)
 *   layer=<id>                the selected layer, block, module or stage (a module path; `stem`, `head`),
 *                             shared by the graph, the layer list, the block table and the Cost view's kernels
 *   open=<id>,<id>,...        graph view: the open stages, blocks, modules and grouped convs
 *   colour=macs|params|memory|time  graph view: what the nodes are coloured by
 *   lang=en|zh                interface language; absent = the browser's (navigator.languages), so it is
 *                             written only where it differs from the browser's choice
 */
import { BACKEND_NAMES, type BackendName } from '../model/tfjs/backend-name.ts';
import {
  ATTENTION_KINDS, ConfigError, formatInputSize, IMPLEMENTATIONS, parseInputSize, STEM_KINDS, validateConfig, type NetworkConfig,
} from '../model/config.ts';
import { EXECUTION_ORDERS, type ExecutionOrder } from '../model/graph.ts';
import { findPreset, PRESETS, presetConfig, usesStemWidth } from '../model/presets.ts';
import { analyzeGraph } from '../analysis/analyze.ts';
import { graphOf } from './graphs.ts';
import { CONVENTIONS, type Convention } from '../analysis/conventions.ts';
import { solveWidth } from '../analysis/solver.ts';
import { SERIES_COUNT } from './theme.ts';
import { checkBatch, DEFAULT_BATCH, DEFAULT_DTYPE, DEFAULT_OPTIMIZER, parseBatch } from '../analysis/cost.ts';
import { BROWSER_DEVICE, DEFAULT_DEVICE, DEVICE_NAMES } from '../analysis/devices.ts';
import { DTYPES, OPTIMIZERS, trainingMemory, type Dtype, type Optimizer } from '../analysis/memory.ts';
import { messageFromError, type Message } from '../model/message.ts';
import { LANGS, type Lang } from './i18n/lang.ts';
import { appMessage } from './i18n/translator.ts';
import { MEASURES, type Measure } from './graphFigures.ts';
import { graphTree, orderedIds } from './graphTree.ts';

export type View = 'table' | 'layers' | 'graph' | 'forms' | 'compare' | 'cost' | 'run' | 'explain';
export const VIEWS: readonly View[] = ['table', 'layers', 'graph', 'forms', 'compare', 'cost', 'run', 'explain'];

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
  /** Cost view: batch size, precision, optimizer, device (a name of the device table, or `browser`). */
  batch: number;
  dtype: Dtype;
  optimizer: Optimizer;
  device: string;
  /** The interface language. */
  lang: Lang;
  /** The selected layer or group (a module path, or a stage: `stem`, `layer1`, `head`): the graph's selection, the layer list's, and the row the block table and the Cost view's kernel table show. */
  layer: string | null;
  /** Graph view: the open stages, blocks, modules and grouped convs (their ids). */
  graphOpen: string[];
  /** Graph view: what the nodes are coloured by. */
  colour: Measure;
}

/** The devices the cost view offers: the table's and this browser. */
export const DEVICE_CHOICES: readonly string[] = [...DEVICE_NAMES, BROWSER_DEVICE];

export const DEFAULT_PRESET = 'resnext50_32x4d';

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
    optimizer: DEFAULT_OPTIMIZER,
    device: DEFAULT_DEVICE,
    lang,
    layer: null,
    graphOpen: [],
    colour: 'macs',
  };
}

/** Checks a config as every view will use it: valid, and within the analysis budget. Throws ConfigError. */
export function checkConfig(config: NetworkConfig): NetworkConfig {
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

export type ConfigKey = 'block' | 'depths' | 'C' | 'd' | 'base' | 'stem' | 'sw' | 'avgdown' | 'attn' | 'impl' | 'input' | 'classes' | 'top';
export const CONFIG_KEYS: readonly ConfigKey[] = ['block', 'depths', 'C', 'd', 'base', 'stem', 'sw', 'avgdown', 'attn', 'impl', 'input', 'classes', 'top'];

/** Whether a config uses something only timm's ResNet has (a deep stem, avg-down, attention). */
export function hasTimmFeature(config: NetworkConfig): boolean {
  return usesStemWidth(config) || config.avgDown || config.attention !== 'none';
}

export function configField(config: NetworkConfig, key: ConfigKey): string {
  switch (key) {
    case 'block': return config.block;
    case 'depths': return config.depths.join(',');
    case 'C': return String(config.cardinality);
    case 'd': return String(config.widthPerGroup);
    case 'base': return String(config.baseWidth);
    case 'stem': return config.stem;
    case 'sw': return String(config.stemWidth);
    case 'avgdown': return config.avgDown ? '1' : '0';
    case 'attn': return config.attention;
    case 'impl': return config.implementation;
    case 'input': return formatInputSize(config.input);
    case 'classes': return String(config.classes);
    case 'top': return config.includeTop ? '1' : '0';
  }
}

/** A positive decimal integer, or a ConfigError naming the parameter. */
export function parseCount(what: Message, text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t)) || Number(t) <= 0) {
    throw new ConfigError(appMessage('state.positiveInteger', { what, text }));
  }
  return Number(t);
}

/** "3,4,6,3" (spaces allowed) to [3, 4, 6, 3]. */
export function parseDepths(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (text.trim() === '') throw new ConfigError(appMessage('state.depthEmpty'));
  return parts.map((p, i) => parseCount(appMessage('state.what.stageBlocks', { stage: i + 1 }), p));
}

function applyField(config: NetworkConfig, key: ConfigKey, value: string): NetworkConfig {
  switch (key) {
    case 'block':
      if (value !== 'basic' && value !== 'bottleneck') throw new ConfigError(appMessage('state.block', { value }));
      return { ...config, block: value };
    case 'depths': return { ...config, depths: parseDepths(value) };
    case 'C': return { ...config, cardinality: parseCount(appMessage('state.what.cardinality'), value) };
    case 'd': return { ...config, widthPerGroup: parseCount(appMessage('state.what.bottleneckWidth'), value) };
    case 'base': return { ...config, baseWidth: parseCount(appMessage('state.what.baseWidth'), value) };
    case 'stem':
      if (!(STEM_KINDS as readonly string[]).includes(value)) throw new ConfigError(appMessage('state.stem', { allowed: STEM_KINDS.join(', '), value }));
      return withTimmFeatures(config, { stem: value as NetworkConfig['stem'] });
    case 'sw': return { ...config, stemWidth: parseCount(appMessage('state.what.stemWidth'), value) };
    case 'avgdown':
      if (value !== '0' && value !== '1') throw new ConfigError(appMessage('state.avgdown', { value }));
      return withTimmFeatures(config, { avgDown: value === '1' });
    case 'attn':
      if (!(ATTENTION_KINDS as readonly string[]).includes(value)) throw new ConfigError(appMessage('state.attention', { allowed: ATTENTION_KINDS.join(', '), value }));
      return withTimmFeatures(config, { attention: value as NetworkConfig['attention'] });
    case 'impl':
      if (!(IMPLEMENTATIONS as readonly string[]).includes(value)) throw new ConfigError(appMessage('state.implementation', { value }));
      return { ...config, implementation: value as NetworkConfig['implementation'] };
    case 'input': return { ...config, input: parseInputSize(value) };
    case 'classes': return { ...config, classes: parseCount(appMessage('state.what.classes'), value) };
    case 'top':
      if (value !== '0' && value !== '1') throw new ConfigError(appMessage('state.top', { value }));
      return { ...config, includeTop: value === '1' };
  }
}

/**
 * A change of stem, avg-down or attention: a deep stem, avg-down or attention exist only in timm's
 * ResNet, so they bring timm's modules; taking the last of them away returns to torchvision's.
 */
function withTimmFeatures(config: NetworkConfig, change: Partial<NetworkConfig>): NetworkConfig {
  const next = { ...config, ...change };
  if (hasTimmFeature(next)) return { ...next, implementation: 'timm' };
  return hasTimmFeature(config) ? { ...next, implementation: 'torchvision' } : next;
}

/**
 * One control's edit applied to a config: the field parsed, and with "Preserve complexity" on, a new
 * cardinality C brings the width d the solver picks (paper Table 2). Throws ConfigError for text that
 * does not parse or a network that is not valid; the caller shows the message next to the control.
 */
export function editConfig(config: NetworkConfig, key: ConfigKey, text: string, preserve: boolean): NetworkConfig {
  let next = applyField(config, key, text);
  if (preserve && key === 'C' && next.block === 'bottleneck') next = { ...next, widthPerGroup: solveWidth(next.cardinality) };
  return checkConfig(next);
}

/** The state with a new config, the forms stage and block, the selection and the graph's open groups kept inside the new network. */
export function withConfig(state: AppState, config: NetworkConfig, preset = state.preset): AppState {
  const formsStage = Math.min(state.formsStage, config.depths.length);
  const blocks = config.depths[formsStage - 1];
  const formsBlock = state.formsBlock !== null && state.formsBlock < blocks ? state.formsBlock : null;
  const tree = graphTree(graphOf(config));
  const layer = state.layer !== null && tree.byId.has(state.layer) ? state.layer : null;
  return { ...state, config, preset, formsStage, formsBlock, layer, graphOpen: orderedIds(tree, new Set(state.graphOpen)) };
}

/**
 * The query string of a state (without `?`); empty for the default state. `preferred` is the browser's
 * language: `lang` is written only where the state's differs from it.
 */
export function serializeState(state: AppState, preferred: Lang = 'en'): string {
  const d = defaultState(preferred);
  const p = new URLSearchParams();
  if (state.view !== d.view) p.set('view', state.view);
  const exact = exactPreset(state.config);
  const base = exact ?? (findPreset(state.preset) ? state.preset : DEFAULT_PRESET);
  if (base !== DEFAULT_PRESET) p.set('preset', base);
  if (!exact) {
    const baseConfig = presetConfig(base);
    for (const key of CONFIG_KEYS) {
      const v = configField(state.config, key);
      if (v !== configField(baseConfig, key)) p.set(key, v);
    }
  }
  if (state.preserve) p.set('preserve', '1');
  if (state.order !== d.order) p.set('order', state.order);
  if (state.convention !== d.convention) p.set('conv', state.convention);
  if (state.filter !== '') p.set('q', state.filter);
  if (state.detail !== d.detail) p.set('detail', state.detail);
  if (state.formsStage !== d.formsStage) p.set('fs', String(state.formsStage));
  if (state.formsBlock !== null) p.set('fb', String(state.formsBlock));
  if (state.compare.join(',') !== d.compare.join(',')) p.set('cmp', state.compare.join(','));
  if (state.backend !== d.backend) p.set('backend', state.backend);
  if (state.batch !== d.batch) p.set('batch', String(state.batch));
  if (state.dtype !== d.dtype) p.set('dtype', state.dtype);
  if (state.optimizer !== d.optimizer) p.set('opt', state.optimizer);
  if (state.device !== d.device) p.set('device', state.device);
  if (state.layer !== null) p.set('layer', state.layer);
  if (state.graphOpen.length > 0) p.set('open', state.graphOpen.join(','));
  if (state.colour !== d.colour) p.set('colour', state.colour);
  if (state.lang !== d.lang) p.set('lang', state.lang);
  return p.toString();
}

export interface ParsedState {
  state: AppState;
  /** What the link got wrong and what is shown instead; empty for a clean link. */
  notices: Message[];
}

const KNOWN_KEYS = new Set<string>([
  'view', 'preset', ...CONFIG_KEYS, 'preserve', 'order', 'conv', 'q', 'detail', 'fs', 'fb', 'cmp', 'backend',
  'batch', 'dtype', 'opt', 'device', 'layer', 'open', 'colour', 'lang',
]);

/**
 * Reads a query string (with or without `?`); `preferred` is the browser's language, used when the
 * link has no `lang`. Never throws: bad parts fall back to defaults, with notices.
 */
export function parseState(search: string, preferred: Lang = 'en'): ParsedState {
  const p = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const state = defaultState(preferred);
  const notices: Message[] = [];
  const pick = <T extends string>(key: string, allowed: readonly T[], what: Message, fallback: T): T => {
    const v = p.get(key);
    if (v === null) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    notices.push(appMessage('state.unknownValue', { what, value: v, allowed: allowed.map((a) => `"${a}"`).join(', '), fallback }));
    return fallback;
  };

  for (const key of new Set(p.keys())) {
    if (!KNOWN_KEYS.has(key)) notices.push(appMessage('state.unknownParameter', { key }));
  }

  // The language first: the notices below are shown in it.
  state.lang = pick('lang', LANGS, appMessage('state.what.language'), state.lang);
  state.view = pick('view', VIEWS, appMessage('state.what.view'), state.view);

  const presetName = p.get('preset');
  if (presetName !== null) {
    if (findPreset(presetName)) state.preset = presetName;
    else notices.push(appMessage('state.unknownPreset', { preset: presetName, fallback: DEFAULT_PRESET }));
  }
  let config = presetConfig(state.preset);
  const fieldErrors: Message[] = [];
  for (const key of CONFIG_KEYS) {
    const v = p.get(key);
    if (v === null) continue;
    try {
      config = applyField(config, key, v);
    } catch (e) {
      fieldErrors.push(appMessage('state.fieldError', { key, value: v, error: messageFromError(e) }));
    }
  }
  if (fieldErrors.length > 0) notices.push(appMessage('state.fieldErrors', { errors: fieldErrors }));
  try {
    state.config = checkConfig(config);
  } catch (e) {
    state.config = presetConfig(state.preset);
    notices.push(appMessage('state.invalidNetwork', { error: messageFromError(e), preset: state.preset }));
  }

  const preserve = p.get('preserve');
  if (preserve !== null) {
    if (preserve === '1' || preserve === '0') state.preserve = preserve === '1';
    else notices.push(appMessage('state.preserve', { value: preserve }));
  }
  state.order = pick('order', EXECUTION_ORDERS, appMessage('state.what.order'), state.order);
  state.convention = pick('conv', CONVENTIONS, appMessage('state.what.convention'), state.convention);
  state.filter = p.get('q') ?? '';
  state.detail = pick('detail', ['layers', 'blocks', 'stages'] as const, appMessage('state.what.detail'), state.detail);

  const stages = state.config.depths.length;
  const fs = p.get('fs');
  if (fs !== null) {
    const n = Number(fs);
    if (/^\d+$/.test(fs) && n >= 1 && n <= stages) state.formsStage = n;
    else notices.push(appMessage('state.formsStage', { value: fs, stages }));
  }
  const fb = p.get('fb');
  if (fb !== null) {
    const n = Number(fb);
    const blocks = state.config.depths[state.formsStage - 1];
    if (/^\d+$/.test(fb) && n < blocks) state.formsBlock = n;
    else notices.push(appMessage('state.formsBlock', { value: fb, stage: state.formsStage, last: blocks - 1 }));
  }

  const cmp = p.get('cmp');
  if (cmp !== null) {
    const items = cmp.split(',').filter((s) => s !== '');
    const good = items.filter((s) => s === CURRENT || findPreset(s));
    const bad = items.filter((s) => !(s === CURRENT || findPreset(s)));
    if (bad.length > 0) notices.push(appMessage('state.compareUnknown', { names: bad.join(', ') }));
    if (good.length > MAX_COMPARE) notices.push(appMessage('state.compareTooMany', { max: MAX_COMPARE }));
    const kept = [...new Set(good)].slice(0, MAX_COMPARE);
    if (kept.length >= 2) state.compare = kept;
    else notices.push(appMessage('state.compareTooFew'));
  }
  state.backend = pick('backend', BACKEND_CHOICES, appMessage('state.what.backend'), state.backend);
  state.dtype = pick('dtype', DTYPES, appMessage('state.what.precision'), state.dtype);
  state.optimizer = pick('opt', OPTIMIZERS, appMessage('state.what.optimizer'), state.optimizer);
  state.device = pick('device', DEVICE_CHOICES, appMessage('state.what.device'), state.device);
  const batch = p.get('batch');
  if (batch !== null) {
    try {
      const b = parseBatch(batch);
      checkBatch(trainingMemory(graphOf(state.config), state.dtype, state.optimizer), b);
      state.batch = b;
    } catch (e) {
      notices.push(appMessage('state.batch', { error: messageFromError(e), batch: state.batch }));
    }
  }
  const tree = graphTree(graphOf(state.config));
  const layer = p.get('layer');
  if (layer !== null) {
    if (tree.byId.has(layer)) state.layer = layer;
    else notices.push(appMessage('graph.linkLayer', { value: layer }));
  }
  const open = p.get('open');
  if (open !== null) {
    const ids = open.split(',').filter((id) => id !== '');
    const unknown = ids.filter((id) => !tree.byId.has(id));
    if (unknown.length > 0) notices.push(appMessage('graph.linkOpen', { names: unknown.join(', ') }));
    state.graphOpen = orderedIds(tree, new Set(ids));
  }
  state.colour = pick('colour', MEASURES, appMessage('graph.what.colour'), state.colour);
  return { state, notices };
}
