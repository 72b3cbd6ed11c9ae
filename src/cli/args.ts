/**
 * Command-line parsing shared by the CLI commands: flags, and a network config from a preset name
 * or from architecture flags.
 */
import { ATTENTION_KINDS, ConfigError, IMPLEMENTATIONS, parseInputSize, STEM_KINDS, type NetworkConfig } from '../model/config.ts';
import { defaultConfig, findPreset, presetConfig, PRESET_NAMES, usesStemWidth } from '../model/presets.ts';

/** A user error: the CLI prints the message on one line and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** Flags that take no value. */
const BOOLEAN_FLAGS = new Set(['json', 'no-top', 'help', 'csv', 'avg-down']);

export function parseArgs(argv: string[], known: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!known.includes(name)) {
      throw new UsageError(`unknown option --${name}; options here: ${known.map((k) => `--${k}`).join(' ')}`);
    }
    if (BOOLEAN_FLAGS.has(name)) {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    flags.set(name, value);
  }
  return { positional, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Digits of an argument quoted in a message. */
const SHOWN_DIGITS = 24;

export function parseInteger(what: string, text: string): number {
  const shown = text.length > SHOWN_DIGITS ? `${text.slice(0, SHOWN_DIGITS)}... (${text.length} characters)` : text;
  if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(`${what} must be an integer, got "${shown}"`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new ConfigError(`${what} is too large: ${shown} has ${text.trim().replace(/^-/, '').length} digits; integers here are at most ${Number.MAX_SAFE_INTEGER} (and far smaller in any network)`);
  }
  return value;
}

export function parseDepths(text: string): number[] {
  const parts = text.split(',');
  if (parts.some((p) => p.trim() === '')) throw new ConfigError(`--depths must be a comma-separated list like 3,4,6,3, got "${text}"`);
  return parts.map((p, i) => parseInteger(`--depths entry ${i + 1}`, p));
}

/** Flags that describe an architecture (instead of, or on top of, a preset). */
export const CONFIG_FLAGS = [
  'block', 'depths', 'cardinality', 'width', 'base-width', 'stem', 'stem-width', 'avg-down', 'attn', 'implementation', 'input', 'classes', 'no-top',
] as const;

/** The value of a flag that must be one of `choices`, or undefined when absent. */
function choice<T extends string>(args: ParsedArgs, flag: string, choices: readonly T[]): T | undefined {
  const value = flagString(args, flag);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, got "${value.slice(0, 40)}"`);
  }
  return value as T;
}

/**
 * The config named by a preset (first positional) and/or architecture flags. Flags override the
 * preset; without a preset, `--depths` is required and the rest default to a ResNet.
 */
export function configFromArgs(args: ParsedArgs, preset: string | undefined): NetworkConfig {
  const has = (f: string) => args.flags.has(f);
  let config: NetworkConfig;
  if (preset !== undefined) {
    if (!findPreset(preset)) {
      throw new UsageError(`unknown preset "${preset}"; known presets: ${PRESET_NAMES.join(', ')} (or give --depths and other architecture flags)`);
    }
    config = presetConfig(preset);
  } else {
    if (!has('depths')) {
      throw new UsageError(`name a preset (${PRESET_NAMES.slice(0, 6).join(', ')}, ...) or give --depths, e.g. --block bottleneck --depths 3,4,6,3 --cardinality 32 --width 4`);
    }
    config = { ...defaultConfig(choice(args, 'stem', STEM_KINDS) ?? 'imagenet'), depths: [] };
  }
  const block = flagString(args, 'block');
  if (block !== undefined) config.block = block as NetworkConfig['block'];
  const depths = flagString(args, 'depths');
  if (depths !== undefined) config.depths = parseDepths(depths);
  const card = flagString(args, 'cardinality');
  if (card !== undefined) config.cardinality = parseInteger('--cardinality', card);
  const width = flagString(args, 'width');
  if (width !== undefined) config.widthPerGroup = parseInteger('--width', width);
  const base = flagString(args, 'base-width');
  if (base !== undefined) config.baseWidth = parseInteger('--base-width', base);
  const stem = choice(args, 'stem', STEM_KINDS);
  if (stem !== undefined) config.stem = stem;
  const stemWidth = flagString(args, 'stem-width');
  if (stemWidth !== undefined) {
    if (!usesStemWidth(config)) throw new UsageError(`--stem-width sets the width of timm's deep stems; add --stem deep or --stem deep_tiered (the ${config.stem} stem has none)`);
    config.stemWidth = parseInteger('--stem-width', stemWidth);
  }
  if (has('avg-down')) config.avgDown = true;
  const attention = choice(args, 'attn', ATTENTION_KINDS);
  if (attention !== undefined) config.attention = attention;
  // Deep stems, avg-down and attention exist only in timm's ResNet: asking for one means timm's modules.
  const implementation = choice(args, 'implementation', IMPLEMENTATIONS);
  if (implementation !== undefined) config.implementation = implementation;
  else if (usesStemWidth(config) || config.avgDown || config.attention !== 'none') config.implementation = 'timm';
  const input = flagString(args, 'input');
  if (input !== undefined) config.input = parseInputSize(input);
  const classes = flagString(args, 'classes');
  if (classes !== undefined) config.classes = parseInteger('--classes', classes);
  if (has('no-top')) config.includeTop = false;
  return config;
}
