/**
 * How long the weight readers take to refuse (or read) hostile files: the committed corpus in
 * fixtures/hostile/ and the big ones made at test time (a 3.9 GB deflate bomb, 99 MB safetensors
 * headers), median of 5 runs each, with the peak RSS of the whole run. Compare with the times issue 7
 * measured before the fixes (an 800-byte pickle hanging past 30 s, a 99 MB header taking 13.5 s).
 * Run: npx tsx bench/hostile.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWeights } from '../src/model/weights/index.ts';
import { deflateBomb, deflatedTorchZip, manyTensorsHeader, safetensorsWithHeader } from '../test/support/hostile.ts';

const DIR = 'fixtures/hostile';
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { files: { file: string }[] };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(bytes: Uint8Array, name: string): { ms: number; outcome: string } {
  const times: number[] = [];
  let outcome = '';
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    try {
      openWeights(bytes, name).read();
      outcome = 'loaded';
    } catch (err) {
      outcome = `${(err as { code?: string }).code ?? 'raw error'}`;
    }
    times.push(performance.now() - t0);
  }
  return { ms: median(times), outcome };
}

const cases: [string, () => Uint8Array][] = [
  ...manifest.files.map((f): [string, () => Uint8Array] => [f.file, () => new Uint8Array(readFileSync(join(DIR, f.file)))]),
  ['deflate bomb 3.9 GB as data/0 (64 bytes declared)', () => deflatedTorchZip(deflateBomb(3_900_000_000), 64)],
  ['safetensors: 99 MB header of 1.2 M tensors', () => safetensorsWithHeader(manyTensorsHeader(99_000_000))],
  ['safetensors: 99 MB metadata string', () => safetensorsWithHeader(`{"__metadata__":{"a":"${'x'.repeat(99_000_000)}"}}`)],
  ['safetensors: 99 MB of whitespace', () => safetensorsWithHeader(`{}${' '.repeat(99_000_000)}`)],
];

console.log('file | bytes | outcome | median ms');
for (const [name, make] of cases) {
  const bytes = make();
  const { ms, outcome } = time(bytes, name.endsWith('.pth') || name.endsWith('.safetensors') ? name : name.includes('safetensors') ? 'x.safetensors' : 'x.pth');
  console.log(`${name} | ${bytes.length} | ${outcome} | ${ms.toFixed(1)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
