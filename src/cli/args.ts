/**
 * Command-line parsing shared by the CLI commands: flags, and a network config from a preset name
 * or from architecture flags.
 */
import type { NetworkConfig } from '../model/config.ts';
import { CONFIG_FIELDS, configField, editField, type ConfigField, type FieldName } from '../model/config-fields.ts';
import { defaultConfig, findPreset, presetConfig, PRESET_NAMES } from '../model/presets.ts';
import { CROP_MODES, DEFAULT_PREPROCESS } from '../model/preprocess.ts';
import { INTERPOLATIONS } from '../model/image/resample.ts';
import { ORIENTATION_MODES } from '../model/image/orientation.ts';

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

/** A flag: its name without `--`, and how the usage writes its value (no `value`: it takes none). */
export interface Flag {
  readonly name: string;
  readonly value?: string;
  /** The command needs it: the usage writes it without brackets. */
  readonly required?: boolean;
  /** A few words on it, where the usage lists a group's flags one a line. */
  readonly about?: string;
}

/** Flags that several commands take, listed once under `title` in the usage text. */
export interface FlagGroup {
  readonly title: string;
  readonly flags: readonly Flag[];
  /** How a command's synopsis shows the group ('' where its positional argument stands for it). */
  readonly synopsis: string;
  /** Text under the group's flags (wrapped to the usage's width). */
  readonly notes?: string;
}

/** Sets of flags of which a command takes one: `(--input FILE.bin --shape N,C,H,W | --image FILE)`. */
export interface FlagChoice {
  readonly oneOf: readonly (readonly Flag[])[];
}

/** What a command lists among its flags. */
export type FlagEntry = Flag | FlagGroup | FlagChoice;

/** Every flag of a command's entries, each name once. */
export function flagsOf(entries: readonly FlagEntry[]): Flag[] {
  const all = entries.flatMap((e) => ('title' in e ? e.flags : 'oneOf' in e ? e.oneOf.flat() : [e]));
  return all.filter((f, i) => all.findIndex((g) => g.name === f.name) === i);
}

/** Reads `--name value`, `--name=value` and value-less flags; a flag not in `entries` is a UsageError naming the ones there are. */
export function parseArgs(argv: string[], entries: readonly FlagEntry[]): ParsedArgs {
  const known = flagsOf(entries);
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
    const flag = known.find((f) => f.name === name);
    if (!flag) {
      throw new UsageError(`unknown option --${name}; options here: ${known.map((k) => `--${k.name}`).join(' ')}`);
    }
    if (flag.value === undefined) {
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

/** `--json`: the output as JSON. */
export const JSON_FLAG: Flag = { name: 'json' };

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** The flags that describe a network, instead of a preset or on top of one: one per config field. */
export const NETWORK_FLAGS: FlagGroup = {
  title: 'Instead of a preset (<preset>), or on top of one, describe the network with flags',
  synopsis: '',
  flags: CONFIG_FIELDS.map((f) => (f.flagSets === undefined
    ? { name: f.flag, value: f.syntax, about: f.what.text }
    : { name: f.flag, about: `${f.what.text}: ${f.flagSets === '1' ? 'on' : 'off'}` })),
  notes: 'A deep stem, --avg-down or --attn se|eca selects timm\'s modules unless --implementation says otherwise; flags that take ' +
    'the last of them away from a timm preset return to torchvision\'s.',
};

/** The names of the network flags. */
export const CONFIG_FLAGS: readonly string[] = NETWORK_FLAGS.flags.map((f) => f.name);

/** How the CLI's messages name a config field: by its flag. */
function flagName(f: ConfigField): FieldName {
  return { whole: `--${f.flag}`, entry: (i) => `--${f.flag} entry ${i + 1}` };
}

/**
 * The architecture flags as the fields they set, each read on its own (`--aa blur` -> { aa: 'blur' }):
 * what completes a network inferred from a weights file.
 */
export function completionFromArgs(args: ParsedArgs): Partial<NetworkConfig> {
  const fields: Partial<NetworkConfig> = {};
  for (const f of CONFIG_FIELDS) {
    const given = args.flags.get(f.flag);
    if (given === undefined) continue;
    const read = f.read(defaultConfig(), given === true ? f.flagSets! : given, flagName(f));
    Object.assign(fields, { [f.key]: read[f.key] });
  }
  return fields;
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

/** The flags that choose how an image becomes the input tensor (`preprocess`, `predict`, `features`, `cam`). */
export const PREPROCESSING_FLAGS: FlagGroup = {
  title: 'How an image becomes the input tensor (preprocess, predict, features, cam)',
  synopsis: '[preprocessing options]',
  flags: [
    { name: 'pretrained', value: 'TAG', about: 'a catalogue entry\'s preprocessing (predict also takes its network and class names)' },
    { name: 'size', value: 'N', about: 'the crop side; the options below default to timm\'s' },
    { name: 'crop-pct', value: 'F', about: `the crop's share of the resized image (default ${DEFAULT_PREPROCESS.cropPct})` },
    { name: 'interpolation', value: INTERPOLATIONS.join('|'), about: `default ${DEFAULT_PREPROCESS.interpolation}` },
    { name: 'crop-mode', value: CROP_MODES.join('|'), about: `default ${DEFAULT_PREPROCESS.cropMode}` },
    { name: 'mean', value: 'a,b,c', about: 'per channel (R, G, B); default ImageNet\'s' },
    { name: 'std', value: 'a,b,c', about: 'per channel (R, G, B); default ImageNet\'s' },
    { name: 'exif-orientation', value: ORIENTATION_MODES.join('|'), about: 'a photo\'s EXIF orientation: ignored (default), as Pillow and PyTorch read it, or applied (the image turned upright)' },
  ],
  notes: '--image reads PNG, JPEG, BMP, GIF (its first frame) and WebP, with the pixels Pillow gives; --out is never one of the inputs. Without these options, ' +
    'predict, features and cam use timm\'s default (torchvision V1\'s) transform, and say so.',
};
