/**
 * Command-line parsing shared by the CLI commands: flags, and a network config from a preset name
 * or from architecture flags.
 */
import type { NetworkConfig } from '../model/config.ts';
import { CONFIG_FIELDS, configField, editField, type ConfigField, type FieldName } from '../model/config-fields.ts';
import { defaultConfig, findPreset, presetConfig, PRESET_NAMES } from '../model/presets.ts';

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
const BOOLEAN_FLAGS = new Set(['json', 'help', 'csv', ...CONFIG_FIELDS.filter((f) => f.flagSets !== undefined).map((f) => f.flag)]);

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

/** Flags that describe an architecture (instead of, or on top of, a preset): one per config field. */
export const CONFIG_FLAGS: readonly string[] = CONFIG_FIELDS.map((f) => f.flag);

/** How the CLI's messages name a config field: by its flag. */
function flagName(f: ConfigField): FieldName {
  return { whole: `--${f.flag}`, entry: (i) => `--${f.flag} entry ${i + 1}` };
}

/**
 * The config named by a preset (first positional) and/or architecture flags. Flags override the
 * preset; without a preset, `--depths` is required and the rest default to a ResNet.
 */
export function configFromArgs(args: ParsedArgs, preset: string | undefined): NetworkConfig {
  let config: NetworkConfig;
  if (preset !== undefined) {
    if (!findPreset(preset)) {
      throw new UsageError(`unknown preset "${preset}"; known presets: ${PRESET_NAMES.join(', ')} (or give --depths and other architecture flags)`);
    }
    config = presetConfig(preset);
  } else {
    // A RegNet (--block regnet) takes its stages from its own numbers; the rest default to torchvision's regnet_x_400mf.
    const regnet = args.flags.get('block') === 'regnet';
    if (!args.flags.has('depths') && !regnet) {
      throw new UsageError(`name a preset (${PRESET_NAMES.slice(0, 6).join(', ')}, ...) or give --depths, e.g. --block bottleneck --depths 3,4,6,3 --cardinality 32 --width 4, or --block regnet --regnet-depth 22 --w0 24 --wa 24.48 --wm 2.54 --group-width 16`);
    }
    // The stem chooses the defaults (a CIFAR network: 32x32 inputs, 10 classes).
    const stem = flagString(args, 'stem');
    const stemField = configField('stem');
    config = { ...defaultConfig(stem === undefined ? undefined : stemField.read(defaultConfig(), stem, flagName(stemField)).stem), depths: regnet ? defaultConfig().depths : [] };
  }
  for (const f of CONFIG_FIELDS) {
    const given = args.flags.get(f.flag);
    if (given !== undefined) config = editField(config, f, given === true ? f.flagSets! : given, flagName(f));
  }
  for (const f of CONFIG_FIELDS) {
    if (args.flags.has(f.flag) && !f.used(config)) throw new UsageError(f.unused(config, `--${f.flag}`).text);
  }
  return config;
}
