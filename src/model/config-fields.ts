/**
 * Every field of `NetworkConfig`, once: its key in the app's URL, its CLI flag, how text becomes a value
 * and back, the configure panel's control, and whether it is part of the architecture. The URL state
 * (src/app/state.ts), the CLI (src/cli/args.ts), the configure panel and `sameArchitecture` read this
 * table; a new field is one entry here (plus its words: `config.what.<key>` in CONFIG_MESSAGES, and the
 * panel's `panel.field.<key>` labels in the app's catalogue). Which values exist only in timm's ResNet,
 * and the rule that they bring timm's modules, live beside the validator (`timmOnlyFeatures`,
 * `impliedImplementation` in config.ts).
 */
import {
  ACTIVATION_KINDS, ANTI_ALIAS_KINDS, ATTENTION_KINDS, BLOCK_KINDS, CONFIG, CONV_NAME, formatInputSize, impliedImplementation, IMPLEMENTATIONS, isRegNet,
  NORM_KINDS, parseInputSize, REGNET_SHORTCUTS, shown, STEM_KINDS, STEM_POOL_KINDS, usesStemWidth, type NetworkConfig,
} from './config.ts';
import { REGNET_ROUNDINGS } from './regnet.ts';
import type { Message, MessageParam } from './message.ts';

/**
 * How a message names a field: the panel's and the URL's word (`cardinality`), or the CLI's flag
 * (`--cardinality`); `entry` names one entry of a list field (`--depths entry 2`).
 */
export interface FieldName {
  readonly whole: MessageParam;
  readonly entry?: (index: number) => MessageParam;
}

/** The configure panel's control of a field; fields that share a `row` stand side by side. */
type Control =
  | { readonly kind: 'select'; readonly row?: string }
  | { readonly kind: 'text'; readonly inputMode: 'numeric' | 'text'; readonly row?: string }
  | { readonly kind: 'check'; readonly row?: string };

/** How text (a URL value, a CLI flag's value, a text box) becomes a value of one type, and back. */
interface ValueType<T> {
  format(value: T): string;
  /** The value of `text`, or a ConfigError that names the field as `name` does. */
  parse(text: string, name: FieldName): T;
  /** A select's values, in order. */
  readonly choices?: readonly T[];
  /** How the CLI's usage and the URL's format write a value: `N`, `CxHxW`, `a|b`. */
  readonly syntax: string;
}

interface FieldSpec<K extends keyof NetworkConfig> {
  /** The key in the app's URL query. */
  readonly url: string;
  /** The CLI flag, without `--`. */
  readonly flag: string;
  /** For a CLI flag that takes no value: the value it sets (`--avg-down`: true, `--no-top`: false). */
  readonly flagSets?: NetworkConfig[K];
  readonly value: ValueType<NetworkConfig[K]>;
  readonly control: Control;
  /** Part of the architecture (all but the input size, the classes and the head): `sameArchitecture` compares it. */
  readonly architecture: boolean;
  /**
   * Where the field has an effect (absent: everywhere), and what to say to someone who sets it elsewhere
   * (`what` names the field). Elsewhere the panel disables it, `sameArchitecture` ignores it, the CLI refuses it.
   */
  readonly usedWhen?: { readonly test: (config: NetworkConfig) => boolean; readonly unused: (config: NetworkConfig, what: MessageParam) => Message };
}

/** One field, whatever its type (the table's entries seen from outside). */
export interface ConfigField {
  readonly key: keyof NetworkConfig;
  readonly url: string;
  readonly flag: string;
  /** For a CLI flag that takes no value: the text of the value it sets. */
  readonly flagSets?: string;
  readonly control: Control;
  /** A select's values (their text), in order. */
  readonly choices?: readonly string[];
  readonly syntax: string;
  readonly architecture: boolean;
  /** How the panel's and the URL's messages name it: `config.what.<key>`. */
  readonly what: Message;
  /** Whether the field has an effect in `config`. */
  used(config: NetworkConfig): boolean;
  /** Why setting it in `config` has no effect (`what` names the field); only for a field that is not always used. */
  unused(config: NetworkConfig, what: MessageParam): Message;
  /** The field's value in `config` as text. */
  text(config: NetworkConfig): string;
  /** `config` with this field read from `text` (nothing else changed); a ConfigError naming it (by `name`, else `what`) for text that is no value. */
  read(config: NetworkConfig, text: string, name?: FieldName): NetworkConfig;
}


/** A positive decimal integer (spaces around it allowed), or a ConfigError naming `what`. */
export function parsePositiveInteger(text: string, what: MessageParam): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) CONFIG.fail('config.parse.positiveInteger', { what, text: shown(text) });
  const value = Number(t);
  if (!Number.isSafeInteger(value)) CONFIG.fail('config.parse.tooLarge', { what, text: shown(t), digits: t.length, max: Number.MAX_SAFE_INTEGER });
  if (value <= 0) CONFIG.fail('config.parse.positiveInteger', { what, text: shown(text) });
  return value;
}

const positiveInteger: ValueType<number> = {
  syntax: 'N',
  format: String,
  parse: (text, name) => parsePositiveInteger(text, name.whole),
};

/** 0 or a positive integer ("0" turns the thing off: no head conv, BatchNorm instead of GroupNorm). */
const countOrZero: ValueType<number> = {
  syntax: 'N',
  format: String,
  parse(text, name) {
    const t = text.trim();
    if (!/^\d+$/.test(t)) CONFIG.fail('config.parse.countOrZero', { what: name.whole, text: shown(text) });
    return t === '0' || /^0+$/.test(t) ? 0 : parsePositiveInteger(t, name.whole);
  },
};

/**
 * A comma-separated list of positive integers (spaces allowed), e.g. blocks per stage "3,4,6,3"; `entry`
 * names one entry in the panel's and the URL's messages.
 */
function positiveIntegers(example: string, entry: (index: number) => Message): ValueType<number[]> {
  return {
    syntax: example,
    format: (values) => values.join(','),
    parse(text, name) {
      if (text.trim() === '') CONFIG.fail('config.parse.list', { what: name.whole, example, text: shown(text) });
      return text.split(',').map((part, i) => parsePositiveInteger(part, (name.entry ?? entry)(i)));
    },
  };
}

/** A decimal number ("24.48", "2.5", "0"); the validator checks its range. */
const decimal: ValueType<number> = {
  syntax: 'X',
  format: String,
  parse(text, name) {
    const t = text.trim();
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) || !Number.isFinite(Number(t))) CONFIG.fail('config.parse.number', { what: name.whole, text: shown(text) });
    return Number(t);
  },
};

const inputSize: ValueType<[number, number, number]> = {
  syntax: 'CxHxW',
  format: formatInputSize,
  parse: (text) => parseInputSize(text),
};

/** 0 or 1. */
const bit: ValueType<boolean> = {
  syntax: '0|1',
  format: (on) => (on ? '1' : '0'),
  parse(text, name) {
    if (text !== '0' && text !== '1') CONFIG.fail('config.parse.bit', { what: name.whole, text: shown(text) });
    return text === '1';
  },
};

/** Orders module paths as a person reads them: numbers by value (`layer1.2` before `layer1.10`). */
function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Output channels by conv name: "layer1.0.conv1=47,layer1.0.conv2=18" (spaces and line breaks allowed; nothing for none), written in module order. */
const convWidths: ValueType<Record<string, number>> = {
  syntax: 'conv=N,...',
  format: (widths) => Object.keys(widths).sort(naturalOrder).map((k) => `${k}=${widths[k]}`).join(','),
  parse(text, name) {
    const widths: Record<string, number> = {};
    const parts = text.split(/[,\s]+/).filter((p) => p !== '');
    for (const part of parts) {
      const m = /^([^=]+)=(.*)$/.exec(part);
      if (!m || !CONV_NAME.test(m[1])) CONFIG.fail('config.parse.widths', { what: name.whole, text: shown(part) });
      if (m[1] in widths) CONFIG.fail('config.parse.widthTwice', { what: name.whole, name: m[1] });
      widths[m[1]] = parsePositiveInteger(m[2], `${m[1]}`);
    }
    return widths;
  },
};

function oneOf<T extends string>(choices: readonly T[]): ValueType<T> {
  return {
    choices,
    syntax: choices.join('|'),
    format: (value) => value,
    parse(text, name) {
      if (!(choices as readonly string[]).includes(text)) CONFIG.fail('config.parse.choice', { what: name.whole, allowed: choices.join(', '), text: shown(text) });
      return text as T;
    },
  };
}

const numeric = { kind: 'text', inputMode: 'numeric' } as const;
const decimalText = { kind: 'text', inputMode: 'text' } as const;

/** A ResNet field, unused by a RegNet (whose stages come from its own numbers). */
const resnetOnly = { test: (config: NetworkConfig) => !isRegNet(config), unused: (_: NetworkConfig, what: MessageParam) => CONFIG.message('config.unused.resnet', { what }) };
/** A RegNet field. */
/** Used by a ResNet where `test` says; never by a RegNet. */
function resnetWhen(test: (config: NetworkConfig) => boolean, unused: (config: NetworkConfig, what: MessageParam) => Message) {
  return { test: (config: NetworkConfig) => !isRegNet(config) && test(config), unused: (config: NetworkConfig, what: MessageParam) => (isRegNet(config) ? resnetOnly.unused(config, what) : unused(config, what)) };
}
const regnetOnly = { test: isRegNet, unused: (_: NetworkConfig, what: MessageParam) => CONFIG.message('config.unused.regnet', { what }) };
/** A RegNet field of blocks with an activation after their sum (not pre-activation ones). */
const postActivationRegNet = {
  test: (config: NetworkConfig) => isRegNet(config) && !config.preact,
  unused: (config: NetworkConfig, what: MessageParam) => (isRegNet(config) ? CONFIG.message('config.unused.linearOut', { what }) : regnetOnly.unused(config, what)),
};

/**
 * The table, in the panel's order (also the URL's and the CLI's): every field of NetworkConfig, each once
 * (the type requires each key).
 */
const FIELDS: { readonly [K in keyof NetworkConfig]: FieldSpec<K> } = {
  block: { url: 'block', flag: 'block', value: oneOf(BLOCK_KINDS), control: { kind: 'select' }, architecture: true },
  depths: {
    url: 'depths', flag: 'depths', value: positiveIntegers('3,4,6,3', (index) => CONFIG.message('config.what.depth', { index, stage: index + 1 })),
    control: { kind: 'text', inputMode: 'text' }, architecture: true, usedWhen: resnetOnly,
  },
  cardinality: { url: 'C', flag: 'cardinality', value: positiveInteger, control: { ...numeric, row: 'cd' }, architecture: true, usedWhen: resnetOnly },
  widthPerGroup: { url: 'd', flag: 'width', value: positiveInteger, control: { ...numeric, row: 'cd' }, architecture: true, usedWhen: resnetOnly },
  regnetDepth: { url: 'rd', flag: 'regnet-depth', value: positiveInteger, control: { ...numeric, row: 'regnet1' }, architecture: true, usedWhen: regnetOnly },
  w0: { url: 'w0', flag: 'w0', value: positiveInteger, control: { ...numeric, row: 'regnet1' }, architecture: true, usedWhen: regnetOnly },
  wa: { url: 'wa', flag: 'wa', value: decimal, control: { ...decimalText, row: 'regnet2' }, architecture: true, usedWhen: regnetOnly },
  wm: { url: 'wm', flag: 'wm', value: decimal, control: { ...decimalText, row: 'regnet2' }, architecture: true, usedWhen: regnetOnly },
  groupWidth: { url: 'g', flag: 'group-width', value: positiveInteger, control: { ...numeric, row: 'regnet3' }, architecture: true, usedWhen: regnetOnly },
  bottleneckRatio: { url: 'b', flag: 'bottleneck-ratio', value: decimal, control: { ...decimalText, row: 'regnet3' }, architecture: true, usedWhen: regnetOnly },
  seRatio: { url: 'se', flag: 'se-ratio', value: decimal, control: { ...decimalText, row: 'regnet4' }, architecture: true, usedWhen: regnetOnly },
  widthRounding: { url: 'wr', flag: 'width-rounding', value: oneOf(REGNET_ROUNDINGS), control: { kind: 'select', row: 'regnet4' }, architecture: true, usedWhen: regnetOnly },
  activation: { url: 'act', flag: 'activation', value: oneOf(ACTIVATION_KINDS), control: { kind: 'select', row: 'regnet5' }, architecture: true, usedWhen: regnetOnly },
  gnGroupSize: { url: 'gn', flag: 'gn-group-size', value: countOrZero, control: { ...numeric, row: 'regnet5' }, architecture: true, usedWhen: regnetOnly },
  shortcut: { url: 'sc', flag: 'shortcut', value: oneOf(REGNET_SHORTCUTS), control: { kind: 'select', row: 'regnet6' }, architecture: true, usedWhen: regnetOnly },
  headFeatures: { url: 'hf', flag: 'head-features', value: countOrZero, control: { ...numeric, row: 'regnet6' }, architecture: true, usedWhen: regnetOnly },
  preact: { url: 'pre', flag: 'preact', flagSets: true, value: bit, control: { kind: 'check', row: 'regnet7' }, architecture: true, usedWhen: regnetOnly },
  linearOut: { url: 'lo', flag: 'linear-out', flagSets: true, value: bit, control: { kind: 'check', row: 'regnet7' }, architecture: true, usedWhen: postActivationRegNet },
  stem: { url: 'stem', flag: 'stem', value: oneOf(STEM_KINDS), control: { kind: 'select' }, architecture: true, usedWhen: resnetOnly },
  baseWidth: { url: 'base', flag: 'base-width', value: positiveInteger, control: { ...numeric, row: 'widths' }, architecture: true, usedWhen: resnetOnly },
  stemWidth: {
    url: 'sw', flag: 'stem-width', value: positiveInteger, control: { ...numeric, row: 'widths' }, architecture: true,
    usedWhen: { test: usesStemWidth, unused: (config, what) => CONFIG.message('config.unused.stemWidth', { what, stem: config.stem }) },
  },
  stemPool: {
    url: 'pool', flag: 'stem-pool', value: oneOf(STEM_POOL_KINDS), control: { kind: 'select' }, architecture: true,
    usedWhen: resnetWhen((config) => config.stem !== 'cifar', (_config, what) => CONFIG.message('config.unused.stemPool', { what })),
  },
  attention: { url: 'attn', flag: 'attn', value: oneOf(ATTENTION_KINDS), control: { kind: 'select', row: 'attn' }, architecture: true, usedWhen: resnetOnly },
  seReduction: {
    url: 'ser', flag: 'se-reduction', value: positiveInteger, control: { ...numeric, row: 'attn' }, architecture: true,
    usedWhen: resnetWhen((config) => config.attention === 'se', (config, what) => CONFIG.message('config.unused.seReduction', { what, attention: config.attention })),
  },
  norm: { url: 'norm', flag: 'norm', value: oneOf(NORM_KINDS), control: { kind: 'select', row: 'layers' }, architecture: true, usedWhen: resnetOnly },
  aa: { url: 'aa', flag: 'aa', value: oneOf(ANTI_ALIAS_KINDS), control: { kind: 'select', row: 'layers' }, architecture: true, usedWhen: resnetOnly },
  downKernel: {
    url: 'dk', flag: 'down-kernel', value: positiveInteger, control: { ...numeric, row: 'block' }, architecture: true,
    usedWhen: resnetWhen((config) => !config.avgDown, (_config, what) => CONFIG.message('config.unused.downKernel', { what })),
  },
  reduceFirst: { url: 'rf', flag: 'reduce-first', value: positiveInteger, control: { ...numeric, row: 'block' }, architecture: true, usedWhen: resnetOnly },
  avgDown: { url: 'avgdown', flag: 'avg-down', flagSets: true, value: bit, control: { kind: 'check', row: 'modules' }, architecture: true, usedWhen: resnetOnly },
  implementation: { url: 'impl', flag: 'implementation', value: oneOf(IMPLEMENTATIONS), control: { kind: 'select', row: 'modules' }, architecture: true },
  convWidths: { url: 'cw', flag: 'conv-widths', value: convWidths, control: { kind: 'text', inputMode: 'text' }, architecture: true },
  input: { url: 'input', flag: 'input', value: inputSize, control: { kind: 'text', inputMode: 'text', row: 'io' }, architecture: false },
  classes: { url: 'classes', flag: 'classes', value: positiveInteger, control: { ...numeric, row: 'io' }, architecture: false },
  includeTop: { url: 'top', flag: 'no-top', flagSets: false, value: bit, control: { kind: 'check' }, architecture: false },
};

function field<K extends keyof NetworkConfig>(key: K, spec: FieldSpec<K>): ConfigField {
  const what = CONFIG.message(`config.what.${key}` as `config.what.${keyof NetworkConfig}`);
  const { value } = spec;
  return {
    key,
    url: spec.url,
    flag: spec.flag,
    flagSets: spec.flagSets === undefined ? undefined : value.format(spec.flagSets),
    control: spec.control,
    choices: value.choices?.map((c) => value.format(c)),
    syntax: value.syntax,
    architecture: spec.architecture,
    what,
    used: (config) => spec.usedWhen?.test(config) ?? true,
    unused: (config, name) => {
      if (!spec.usedWhen) throw new Error(`config field ${key} is always used`);
      return spec.usedWhen.unused(config, name);
    },
    text: (config) => value.format(config[key]),
    read: (config, text, name = { whole: what }) => ({ ...config, [key]: value.parse(text, name) }),
  };
}

export const CONFIG_FIELDS: readonly ConfigField[] = (Object.keys(FIELDS) as (keyof NetworkConfig)[]).map(
  <K extends keyof NetworkConfig>(key: K) => field(key, FIELDS[key] as FieldSpec<K>),
);

/** The field of a key of NetworkConfig. */
export function configField(key: keyof NetworkConfig): ConfigField {
  return CONFIG_FIELDS.find((f) => f.key === key)!;
}

/**
 * One edit: `config` with a field read from `text`, and the implementation the timm-only features imply
 * (`impliedImplementation`), unless the edit sets the implementation itself.
 */
export function editField(config: NetworkConfig, field: ConfigField, text: string, name?: FieldName): NetworkConfig {
  const next = field.read(config, text, name);
  return field.key === 'implementation' ? next : impliedImplementation(config, next);
}

/** Whether two configs describe the same architecture: every architecture field equal where `a` uses it. */
export function sameArchitecture(a: NetworkConfig, b: NetworkConfig): boolean {
  return CONFIG_FIELDS.every((f) => !f.architecture || !f.used(a) || f.text(a) === f.text(b));
}
