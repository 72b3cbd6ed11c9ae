/**
 * Command-line parsing shared by the CLI commands: flags, and a network config from a preset name
 * or from architecture flags.
 */
import { ConfigError, parseInputSize, type NetworkConfig } from '../model/config.ts';
import { findPreset, presetConfig, PRESET_NAMES } from '../model/presets.ts';

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
const BOOLEAN_FLAGS = new Set(['json', 'no-top', 'help', 'csv']);

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
export const CONFIG_FLAGS = ['block', 'depths', 'cardinality', 'width', 'base-width', 'stem', 'input', 'classes', 'no-top'] as const;

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
    const stem = (flagString(args, 'stem') ?? 'imagenet') as NetworkConfig['stem'];
    config = {
      block: 'bottleneck', depths: [], cardinality: 1, widthPerGroup: 64, baseWidth: 64, stem,
      input: stem === 'cifar' ? [3, 32, 32] : [3, 224, 224], classes: stem === 'cifar' ? 10 : 1000, includeTop: true,
    };
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
  const stem = flagString(args, 'stem');
  if (stem !== undefined) config.stem = stem as NetworkConfig['stem'];
  const input = flagString(args, 'input');
  if (input !== undefined) config.input = parseInputSize(input);
  const classes = flagString(args, 'classes');
  if (classes !== undefined) config.classes = parseInteger('--classes', classes);
  if (has('no-top')) config.includeTop = false;
  return config;
}
