/**
 * The output formats of the CLI: `--format torchinfo | markdown` (with torchinfo's own options) for
 * `summary`, `table` and `compare`, and the `code` command (the network as PyTorch code).
 */
import { CODE_FRAMEWORKS, pytorchCode, type CodeFramework } from '../analysis/code.ts';
import {
  TORCHINFO_COLUMNS,
  TORCHINFO_DEFAULTS,
  TORCHINFO_ROW_SETTINGS,
  type TorchinfoColumn,
  type TorchinfoOptions,
  type TorchinfoRowSetting,
} from '../analysis/torchinfo.ts';
import { configFromArgs, flagString, NETWORK_FLAGS, UsageError, type Flag, type FlagGroup, type ParsedArgs } from './args.ts';
import type { Command } from './command.ts';

type OutputFormat = 'text' | 'torchinfo' | 'markdown';

/** `--format` of a command whose plain text is `names[0]`. */
export function formatFlag(names: readonly string[]): Flag {
  return { name: 'format', value: names.join('|') };
}

/** torchinfo's options as flags (only with `--format torchinfo`). */
export const TORCHINFO_FLAGS: FlagGroup = {
  title: 'torchinfo\'s options (summary --format torchinfo)',
  synopsis: '[torchinfo options]',
  flags: [
    { name: 'depth', value: 'N', about: `torchinfo's depth (default ${TORCHINFO_DEFAULTS.depth}): 1 shows the model's children` },
    { name: 'columns', value: 'a,b,...', about: `columns (default ${TORCHINFO_DEFAULTS.columns.join(',')}): ${TORCHINFO_COLUMNS.join(', ')}` },
    { name: 'batch', value: 'N', about: `the batch size of the input (default ${TORCHINFO_DEFAULTS.batch})` },
    { name: 'row-settings', value: 'a,b,...', about: `row settings (default ${TORCHINFO_DEFAULTS.rowSettings.join(',')}): ${TORCHINFO_ROW_SETTINGS.join(', ')}` },
  ],
};

/** The `--format` of a command that can print `allowed` besides its plain text (named `plain`). */
export function outputFormat(args: ParsedArgs, plain: string, allowed: readonly OutputFormat[]): OutputFormat {
  const value = flagString(args, 'format');
  const names = [plain, ...allowed.filter((f) => f !== 'text')];
  if (value === undefined || value === plain) return 'text';
  if (!(allowed as readonly string[]).includes(value) || value === 'text') {
    throw new UsageError(`--format must be ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}, got "${value.slice(0, 40)}"`);
  }
  if (args.flags.has('json')) throw new UsageError(`--json and --format ${value} are two outputs: give one`);
  return value as OutputFormat;
}

function positive(flag: string, text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${flag} must be a positive integer (${what}), got "${text.slice(0, 40)}"`);
  }
  return Number(text);
}

function list<T extends string>(flag: string, text: string, choices: readonly T[], what: string): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) {
    if (!(choices as readonly string[]).includes(item)) {
      throw new UsageError(`unknown ${what} "${item.slice(0, 40)}" in --${flag}; choose from ${choices.join(', ')}`);
    }
  }
  return items as T[];
}

/** torchinfo's options from `--depth --columns --batch --row-settings`; refused with another format. */
export function torchinfoOptions(args: ParsedArgs, format: OutputFormat): TorchinfoOptions {
  const given = TORCHINFO_FLAGS.flags.map((f) => f.name).filter((f) => args.flags.has(f));
  if (format !== 'torchinfo') {
    if (given.length) throw new UsageError(`${given.map((f) => `--${f}`).join(', ')} ${given.length > 1 ? 'are' : 'is'} torchinfo's: add --format torchinfo`);
    return TORCHINFO_DEFAULTS;
  }
  const depth = flagString(args, 'depth');
  const columns = flagString(args, 'columns');
  const batch = flagString(args, 'batch');
  const rows = flagString(args, 'row-settings');
  if (columns !== undefined && columns.trim() === '') throw new UsageError(`--columns needs at least one of ${TORCHINFO_COLUMNS.join(', ')}`);
  return {
    depth: depth === undefined ? TORCHINFO_DEFAULTS.depth : positive('depth', depth, "torchinfo's depth: 1 shows the model's children"),
    columns: columns === undefined ? TORCHINFO_DEFAULTS.columns : list<TorchinfoColumn>('columns', columns, TORCHINFO_COLUMNS, 'torchinfo column'),
    batch: batch === undefined ? TORCHINFO_DEFAULTS.batch : positive('batch', batch, 'the batch size of the input'),
    rowSettings: rows === undefined ? TORCHINFO_DEFAULTS.rowSettings : list<TorchinfoRowSetting>('row-settings', rows, TORCHINFO_ROW_SETTINGS, 'torchinfo row setting'),
  };
}

export const CODE: Command = {
  name: 'code',
  positional: '<preset>',
  flags: [NETWORK_FLAGS, { name: 'framework', value: CODE_FRAMEWORKS.join('|') }],
  usage: 'a runnable PyTorch snippet that builds the network (default framework: the network\'s implementation)',
  run: codeText,
};

function codeText(args: ParsedArgs): string {
  if (args.positional.length > 1) throw new UsageError(`code takes one preset, got ${args.positional.join(' ')}`);
  const config = configFromArgs(args, args.positional[0]);
  const framework = flagString(args, 'framework');
  if (framework !== undefined && !(CODE_FRAMEWORKS as readonly string[]).includes(framework)) {
    throw new UsageError(`--framework must be torchvision or timm, got "${framework.slice(0, 40)}"`);
  }
  return pytorchCode(config, (framework as CodeFramework | undefined) ?? config.implementation);
}
