/**
 * A CLI command as one descriptor: its name, positional arguments, flags, usage and code. The dispatch
 * (main.ts), the usage text, and the unknown-command and unknown-flag messages are made from these.
 */
import { parseArgs, type Flag, type FlagEntry, type FlagGroup, type ParsedArgs } from './args.ts';

export interface Command {
  readonly name: string;
  /** Its positional arguments as the usage writes them: `<preset>`, `<preset> <preset> [...]`, or ''. */
  readonly positional: string;
  /** Its flags, in the order the usage lists them (a group is listed once, in its own section). */
  readonly flags: readonly FlagEntry[];
  /** What it does: the text under its synopsis (wrapped to the usage's width). */
  readonly usage: string;
  /** Runs it: the text to print. */
  run(args: ParsedArgs): string | Promise<string>;
}

/** Runs a command on its words (after the command's name). */
export function runCommand(command: Command, argv: string[]): string | Promise<string> {
  return command.run(parseArgs(argv, command.flags));
}

/** Width of the usage text. */
const WIDTH = 110;

function flagText(f: Flag): string {
  return f.value === undefined ? `--${f.name}` : `--${f.name} ${f.value}`;
}

function entryText(e: FlagEntry): string {
  if ('title' in e) return e.synopsis;
  if ('oneOf' in e) return `(${e.oneOf.map((set) => set.map(entryText).join(' ')).join(' | ')})`;
  return e.required ? flagText(e) : `[${flagText(e)}]`;
}

/** Words joined by spaces, broken before a word that would pass the width; later lines indented. */
function wrap(words: readonly string[], first: string, indent: string): string[] {
  const lines = [first];
  for (const w of words) {
    const last = lines[lines.length - 1];
    if (w === '') continue;
    if (last.trim() !== '' && last.length + 1 + w.length > WIDTH) lines.push(indent + w);
    else lines[lines.length - 1] = last.endsWith(' ') || last === '' ? last + w : `${last} ${w}`;
  }
  return lines;
}

function groupsOf(command: Command): FlagGroup[] {
  return command.flags.filter((e): e is FlagGroup => 'title' in e);
}

/** A command's synopsis and description. */
function commandLines(command: Command): string[] {
  const head = `  ${[command.name, command.positional].filter((w) => w !== '').join(' ')}`;
  return [...wrap(command.flags.map(entryText).filter((w) => w !== ''), head, ' '.repeat(10)), ...wrap(command.usage.split(' '), '      ', '      ')];
}

function groupLines(group: FlagGroup): string[] {
  const column = Math.max(...group.flags.map((f) => flagText(f).length)) + 4;
  return [
    `${group.title}:`,
    ...group.flags.flatMap((f) => wrap((f.about ?? '').split(' '), `  ${flagText(f).padEnd(column)}`, ' '.repeat(column + 2)).map((l) => l.trimEnd())),
    ...(group.notes === undefined ? [] : wrap(group.notes.split(' '), '  ', '  ')),
  ];
}

/** The usage text of the whole CLI: every command, then every group of flags once. */
export function usageText(commands: readonly Command[]): string {
  const groups = [...new Set(commands.flatMap(groupsOf))];
  return [
    'usage: npm run --silent cli -- <command> [options]     (<command> --help: that command alone)',
    '',
    'commands:',
    ...commands.flatMap(commandLines),
    ...groups.flatMap((g) => ['', ...groupLines(g)]),
    '',
  ].join('\n');
}

/** The usage text of one command, with its groups of flags. */
export function commandUsage(command: Command): string {
  return [`usage: npm run --silent cli -- ${command.name} ...`, '', ...commandLines(command), ...groupsOf(command).flatMap((g) => ['', ...groupLines(g)]), ''].join('\n');
}
