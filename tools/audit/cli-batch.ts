/**
 * Runs many CLI command lines in one process (the audit sweep's driver): reads a JSON array of argv arrays (the
 * words after `npm run --silent cli --`) from stdin and writes one JSON line per command line, in order:
 * `{"out": text}` or `{"error": message}`. Same `run` as the CLI, without a process start per case.
 *
 *   echo '[["summary","resnet18","--json"]]' | npx tsx tools/audit/cli-batch.ts
 */
import { run } from '../../src/cli/main.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const lines = JSON.parse(await readStdin()) as string[][];
for (const argv of lines) {
  let result: { out: string } | { error: string };
  try {
    result = { out: await run(argv) };
  } catch (err: unknown) {
    result = { error: err instanceof Error ? err.message : String(err) };
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}
