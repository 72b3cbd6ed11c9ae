/**
 * ResNeXt Lab command line: `npm run --silent cli -- <command> ...`. The same engine as the app.
 * User errors print one line (`error: ...`) and exit with status 2; no stack traces.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandUsage, runCommand, usageText, type Command } from './command.ts';
import { COMPARE, SOLVE, SUMMARY, TABLE } from './commands.ts';
import { COST } from './cost.ts';
import { CODE } from './formats.ts';
import { CAM, FEATURES, PREDICT, PREPROCESS, PRETRAINED } from './run-commands.ts';

/** Every command, in the usage's order. */
export const COMMANDS: readonly Command[] = [SUMMARY, TABLE, SOLVE, COMPARE, CODE, COST, PREDICT, PREPROCESS, PRETRAINED, FEATURES, CAM];

const HELP = ['help', '--help', '-h'];

/** The text one command line prints (the words after `npm run --silent cli --`); a user error is thrown. */
export async function run(argv: string[]): Promise<string> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP.includes(name)) {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    return command ? commandUsage(command) : usageText(COMMANDS);
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new Error(`unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see --help)`);
  if (rest.some((w) => HELP.includes(w))) return commandUsage(command);
  return runCommand(command, rest);
}

/**
 * Runs one command line (the words after `npm run --silent cli --`), writing its output to stdout and a user
 * error as one line to stderr; resolves to the exit status (0, or 2 for bad input).
 */
export async function main(argv: string[]): Promise<number> {
  try {
    process.stdout.write(await run(argv));
    return 0;
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message.split('\n').join(' ')}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
