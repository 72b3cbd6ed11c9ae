/**
 * Property test of the weight readers: 1,200 seeded mutations of small valid files per format (zip .pth,
 * legacy .pth, .safetensors), each through the whole path the app and the CLI take (load, infer the
 * config, strict check), compared with what the reference made of the very same bytes when the fixture
 * script ran (torch.load for .pth; the safetensors crate's rules for .safetensors), recorded in
 * fixtures/hostile/fuzz/fuzz.json. Every outcome must be a WeightsError or a state_dict equal to the
 * reference's reading; a file the reference refuses must be refused; none may take a second, and all of
 * them together may not grow the process by 500 MB.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WeightsError, openWeights, weightsNetwork, type StateDict } from './index.ts';
import { fileId, mutate } from '../../../test/support/mutator.ts';

const DIR = 'fixtures/hostile/fuzz';
type Format = 'zip' | 'legacy' | 'safetensors';

interface Base {
  format: Format;
  file: string;
  hot: [number, number][];
  hash: string;
}

interface Run {
  seed: number;
  id: string;
  ref: 'error' | 'loaded' | 'other';
  hash?: string | null;
  why?: string;
}

const corpus = JSON.parse(readFileSync(join(DIR, 'fuzz.json'), 'utf8')) as { seeds: number; bases: Base[]; runs: Record<Format, Run[]> };

/** The fixture script's state_hash: keys by UTF-8 bytes; key length and bytes, rank and sizes (int64), float32 values. */
function stateHash(sd: StateDict): string {
  const h = createHash('sha256');
  const keys = [...sd.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  for (const key of keys) {
    const t = sd.get(key)!;
    const kb = Buffer.from(key, 'utf8');
    const head = Buffer.alloc(8 + 8 * t.shape.length);
    head.writeUInt32LE(kb.length, 0);
    h.update(head.subarray(0, 4));
    h.update(kb);
    head.writeUInt32LE(t.shape.length, 4);
    t.shape.forEach((d, i) => head.writeBigInt64LE(BigInt(d), 8 + 8 * i));
    h.update(head.subarray(4));
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

/** Open, infer the network and check it strictly, read: the state_dict, or the WeightsError; anything else is thrown. */
function fullPath(bytes: Uint8Array, name: string): StateDict | WeightsError {
  try {
    const file = openWeights(bytes, name);
    weightsNetwork(file.entries);
    return file.read();
  } catch (err) {
    if (err instanceof WeightsError) return err;
    throw new Error(`not a WeightsError: ${String(err)}`);
  }
}

describe('fuzz: mutated weight files against the reference reading', () => {
  it('the bases load as the reference reads them', () => {
    for (const base of corpus.bases) {
      const result = fullPath(new Uint8Array(readFileSync(join(DIR, base.file))), base.file);
      expect(result, base.file).toBeInstanceOf(Map);
      expect(stateHash(result as StateDict), base.file).toBe(base.hash);
    }
  });

  it.each(['zip', 'legacy', 'safetensors'] as const)('%s: every mutation is refused with a WeightsError or read as the reference reads it', (format) => {
    const bases = corpus.bases.filter((b) => b.format === format);
    const bytes = new Map(bases.map((b) => [b.file, new Uint8Array(readFileSync(join(DIR, b.file)))]));
    const runs = corpus.runs[format];
    expect(runs.length).toBeGreaterThanOrEqual(1000);
    const rssBefore = process.resourceUsage().maxRSS * 1024;
    const tally = { equal: 0, refusedAsReference: 0, refusedWhereLoaded: {} as Record<string, number>, refusedOther: 0 };
    let slowest = { ms: 0, seed: 0 };
    for (const run of runs) {
      const base = bases[run.seed % bases.length];
      const file = mutate(bytes.get(base.file)!, base.hot, run.seed);
      expect(fileId(file), `seed ${run.seed}: the mutator differs from tools/fixtures/mutator.py`).toBe(run.id);
      const t0 = performance.now();
      const result = fullPath(file, base.file);
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, seed: run.seed };
      expect(ms, `seed ${run.seed} took ${ms.toFixed(0)} ms`).toBeLessThan(1000);
      if (result instanceof WeightsError) {
        if (run.ref === 'error') tally.refusedAsReference++;
        else if (run.ref === 'other') tally.refusedOther++;
        else tally.refusedWhereLoaded[result.code] = (tally.refusedWhereLoaded[result.code] ?? 0) + 1;
        continue;
      }
      expect(run.ref, `seed ${run.seed}: we loaded a file the reference refuses (${run.why ?? ''})`).toBe('loaded');
      expect(stateHash(result), `seed ${run.seed}: we loaded other values than the reference`).toBe(run.hash);
      tally.equal++;
    }
    const grown = process.resourceUsage().maxRSS * 1024 - rssBefore;
    expect(grown, 'peak memory growth').toBeLessThan(500 * 1024 * 1024);
    expect(tally.equal, 'some mutations must load (else the test checks nothing)').toBeGreaterThan(50);
    expect(tally.refusedAsReference, 'some mutations must be refused by both').toBeGreaterThan(50);
    console.log(
      `fuzz ${format}: ${runs.length} mutations; loaded equal to the reference ${tally.equal}; refused like the reference ${tally.refusedAsReference}; ` +
        `refused where the reference read something that is no state_dict ${tally.refusedOther}; refused where the reference loaded a state_dict ` +
        `${JSON.stringify(tally.refusedWhereLoaded)}; slowest ${slowest.ms.toFixed(1)} ms (seed ${slowest.seed}); peak RSS growth ${(grown / 2 ** 20).toFixed(0)} MB`,
    );
  }, 120_000);
});
