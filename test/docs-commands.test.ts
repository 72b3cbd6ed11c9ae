/**
 * Every command line of the README and docs/ runs: each `npm run --silent cli -- ...` of a ```sh block goes through
 * the CLI's `main` in this process and must exit 0 (or the status its comment documents: `# exits with status 2`);
 * the seed check (`diff <(...)`) runs in bash; every other `npm run X` must name a script of package.json and every
 * file a line runs (`npx tsx FILE`, `python3 FILE`) must exist. A renamed flag, preset, catalogue tag, layer or command fails here.
 *
 * The docs name placeholder files (your weights, your photo). The table below maps each to a committed fixture or to a
 * file this test writes: weights for a named architecture (a preset, or a catalogue entry's) are random weights of
 * that architecture's full state_dict (the full-size files of fixtures/large are not committed); without one, the CLI
 * infers the network from a small committed 1000-class checkpoint.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { encodeSafetensors } from '../bench/safetensors-writer.ts';
import { main } from '../src/cli/main.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { findPreset, presetConfig } from '../src/model/presets.ts';
import { loadCatalogue, pretrainedConfig } from '../src/model/pretrained.ts';

const catalogue = await loadCatalogue();
import { randomStateDict } from '../src/model/tfjs/random.ts';
import { documentationPages, shellLines } from './support/markdown.ts';

const CLI = 'npm run --silent cli -- ';
const tmp = mkdtempSync(join(tmpdir(), 'docs-commands-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Placeholder inputs of the docs -> what the test gives the CLI instead. */
const IMAGES: Record<string, string> = {
  'photo.jpg': 'fixtures/images/test.jpg',
  'photo.png': 'fixtures/images/test.png',
};
/** Weights when the command names no architecture: the CLI infers one from the file. */
const INFERRED_WEIGHTS: Record<string, string> = {
  'model.safetensors': 'fixtures/images/top5/tiny_imagenet.safetensors',
  'model.pth': 'fixtures/weights/tiny_resnext.pth',
};
/** Placeholder outputs: written into a temporary folder. */
const OUTPUTS = new Set(['x.bin', 'logits.bin', 'f.bin', 'cam.bin']);
/** Files outside the repository that a shell line reads, and the committed copy the test reads instead. */
const SHELL_FILES: Record<string, string> = {
  '../shared/seed/000_85c8f17de2d7e346.txt': 'fixtures/seed/resnext50_32x4d.torchsummary.txt',
};

interface Example {
  page: string;
  line: string;
  argv: string[];
  status: number;
}

function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

function withoutComment(line: string): { code: string; comment: string } {
  const at = line.search(/\s#\s/);
  return at < 0 ? { code: line.trim(), comment: '' } : { code: line.slice(0, at).trim(), comment: line.slice(at).trim() };
}

const pages = documentationPages();
const lines = pages.flatMap((page) => shellLines(readFileSync(page, 'utf8')).map((line) => ({ page, line })));

const examples: Example[] = lines
  .filter(({ line }) => line.startsWith(CLI))
  .map(({ page, line }) => {
    const { code, comment } = withoutComment(line);
    const documented = /exits with status (\d+)/.exec(comment);
    // `[--class 207]` in a usage-like example: run it with the optional part.
    return { page, line: code, argv: words(code.slice(CLI.length).replace(/\[([^\]]*)\]/g, '$1')), status: documented ? Number(documented[1]) : 0 };
  });

const architectureWeights = new Map<string, string>();

/** Random weights of the full state_dict of `architecture` (a preset or a catalogue tag), written once. */
function weightsFor(architecture: string): string {
  let file = architectureWeights.get(architecture);
  if (!file) {
    const entry = catalogue.find(architecture);
    const config = entry ? pretrainedConfig(entry) : presetConfig(architecture);
    file = join(tmp, `${architecture}.safetensors`);
    writeFileSync(file, encodeSafetensors(randomStateDict(buildLayerGraph(config), 1)));
    architectureWeights.set(architecture, file);
  }
  return file;
}

function flag(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

/** The example's words with every placeholder file replaced; throws for a file name the table does not know. */
function resolvePlaceholders(argv: readonly string[]): string[] {
  const [command, ...rest] = argv;
  const preset = rest[0] && !rest[0].startsWith('--') && findPreset(rest[0]) ? rest[0] : undefined;
  const tag = flag(rest, '--pretrained');
  const architecture = (tag && catalogue.find(tag) ? tag : undefined) ?? preset;
  const out = [command!];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    const value = rest[i + 1];
    out.push(word);
    if (value === undefined || !word.startsWith('--')) continue;
    if (word === '--weights') {
      const file = architecture && command !== 'preprocess' ? weightsFor(architecture) : INFERRED_WEIGHTS[value];
      if (!file) throw new Error(`no stand-in for --weights ${value}: add it to INFERRED_WEIGHTS`);
      out.push(file);
    } else if (word === '--image') {
      const file = IMAGES[value];
      if (!file) throw new Error(`no stand-in for --image ${value}: add it to IMAGES`);
      out.push(file);
    } else if (word === '--input' && value.endsWith('.bin')) {
      const shape = (flag(rest, '--shape') ?? '').split(',').map(Number);
      const file = join(tmp, `input-${shape.join('x')}.bin`);
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, j) => Math.sin(j) * 0.5);
      writeFileSync(file, new Uint8Array(data.buffer));
      out.push(file);
    } else if (word === '--out') {
      if (!OUTPUTS.has(value)) throw new Error(`--out ${value} is not a known placeholder output: add it to OUTPUTS`);
      out.push(join(tmp, value));
    } else {
      continue;
    }
    i++;
  }
  return out;
}

async function runCli(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (stdout.push(String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (stderr.push(String(c)), true));
  try {
    const status = await main(argv);
    return { status, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('the commands of the README and docs/', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(25);
    expect(examples.some((e) => e.page === 'README.md')).toBe(true);
    for (const command of ['summary', 'table', 'solve', 'compare', 'code', 'cost', 'predict', 'preprocess', 'pretrained', 'features', 'cam']) {
      expect(examples.some((e) => e.argv[0] === command), command).toBe(true);
    }
  });

  it.each(examples.map((e) => [`${e.page}: ${e.line.slice(CLI.length)}`, e] as const))('%s', async (_, example) => {
    const r = await runCli(resolvePlaceholders(example.argv));
    expect(r.status, r.stderr.trim()).toBe(example.status);
    if (example.status === 0) expect(r.stdout.trim()).not.toBe('');
  }, 180_000);

  it('a renamed flag, preset or layer would fail the examples', async () => {
    expect((await runCli(['summary', 'resnext50_32x4d_renamed'])).status).toBe(2);
    expect((await runCli(['summary', 'resnet18', '--format', 'torchinfo', '--dept', '1'])).status).toBe(2);
    expect((await runCli(resolvePlaceholders(['features', '--weights', 'model.safetensors', '--image', 'photo.jpg', '--layer', 'layer1.0.conv9', '--out', 'f.bin']))).status).toBe(2);
    expect(() => resolvePlaceholders(['predict', '--weights', 'mine.safetensors', '--image', 'photo.jpg'])).toThrow(/INFERRED_WEIGHTS/);
  }, 120_000);

  it('the seed check prints "identical"', () => {
    const diffs = lines.filter(({ line }) => line.startsWith('diff <('));
    expect(diffs.length).toBeGreaterThanOrEqual(1);
    for (const { line } of diffs) {
      let script = line;
      for (const [outside, committed] of Object.entries(SHELL_FILES)) script = script.split(outside).join(committed);
      const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('identical');
    }
  }, 120_000);

  it('every other command names a script of package.json and files that exist', () => {
    const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
    const problems: string[] = [];
    for (const { page, line } of lines) {
      if (line.startsWith(CLI) || line.startsWith('diff <(') || line.startsWith('#')) continue;
      for (const part of withoutComment(line).code.split(/&&|\|\|/).map((p) => words(p.trim()))) {
        if (part[0] === 'npm' && part[1] === 'run') {
          const name = part[2] === '--silent' ? part[3] : part[2];
          if (!name || !(name in scripts)) problems.push(`${page}: ${line}: no script "${name}"`);
        } else if (part[0] === 'npm') {
          if (!['ci', 'test', 'start'].includes(part[1] ?? '')) problems.push(`${page}: ${line}: npm ${part[1]}?`);
        } else if (part[0] === 'npx' && part[1] === 'tsx') {
          if (!existsSync(part[2] ?? '')) problems.push(`${page}: ${line}: no file ${part[2]}`);
        } else if (/(^|\/)python3$/.test(part[0])) {
          // A Python script (the fixture script, the GPU check): it must exist.
          if (!existsSync(part[1] ?? '')) problems.push(`${page}: ${line}: no file ${part[1]}`);
        } else {
          problems.push(`${page}: ${line}: a command this test does not know how to check`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
