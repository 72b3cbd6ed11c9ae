import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readZipDirectory, readZipEntry } from './zip.ts';
import { errorOf, readWeights } from '../../../test/support/weights.ts';
import { deepLegacyList, deflateBomb, deflatedTorchZip, manyTensorsHeader, safetensorsWithHeader } from '../../../test/support/hostile.ts';

const DIR = 'fixtures/hostile';

interface HostileFile {
  file: string;
  item: string;
  code: string;
  message: string;
  what: string;
  reference: { ref: string; why?: string };
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { files: HostileFile[] };

/** Every refusal: a WeightsError of the expected code, naming the file, one bounded message. */
function expectRefusal(bytes: Uint8Array, name: string, code: string, message: RegExp): void {
  const err = errorOf(() => readWeights(bytes, name));
  expect(err.code, err.message).toBe(code);
  expect(err.message).toMatch(message);
  expect(err.message).toContain(name);
  expect(err.message.length).toBeLessThan(1000);
}

describe('hostile files (fixtures/hostile, made by tools/fixtures/hostile_fixtures.py)', () => {
  it('the corpus covers every item of section 1 that a file can carry', () => {
    expect(new Set(manifest.files.map((f) => f.item))).toEqual(new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9']));
  });

  it.each(manifest.files.map((f) => [f.file, f] as const))('%s is refused with a typed error at once', (_name, f) => {
    expectRefusal(new Uint8Array(readFileSync(join(DIR, f.file))), f.file, f.code, new RegExp(f.message));
  }, 10_000);

  it('refuses every file torch.load refuses (the reference outcome recorded with each)', () => {
    const refused = manifest.files.filter((f) => f.reference.ref === 'error');
    expect(refused.length).toBeGreaterThan(10);
    for (const f of refused) expect(() => readWeights(new Uint8Array(readFileSync(join(DIR, f.file))), f.file), f.file).toThrow();
  });
});

describe('hostile files made at test time', () => {
  it('the deflate bomb generator really inflates to its size', () => {
    const out = inflateSync(deflateBomb(1_000_003));
    expect(out.length).toBe(1_000_003);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(deflateBomb(3_900_000_000).length).toBeLessThan(3_800_000);
  });

  it('a 3.9 GB deflate bomb as data/0 is inflated only to the 64 bytes the tensor needs, then refused', () => {
    const zip = deflatedTorchZip(deflateBomb(3_900_000_000), 64);
    expectRefusal(zip, 'bomb.pth', 'corrupt', /inflates to more than the 64 bytes the zip directory declares \(a deflate bomb/);
  });

  it('a bomb whose directory and pickle both claim 3.9 GB is refused before inflating anything', () => {
    const zip = deflatedTorchZip(deflateBomb(3_900_000_000), 3_900_000_000, 975_000_000);
    expectRefusal(zip, 'bomb.pth', 'limit', /would need 3900000000 bytes as float32/);
  });

  it('an entry declaring more than it can need is refused before it is allocated', () => {
    const zip = deflatedTorchZip(deflateBomb(1_000_000), 1_000_000);
    const dir = readZipDirectory(zip, 'x.pth');
    const entry = dir.find('bomb/data/0')!;
    expect(errorOf(() => readZipEntry(zip, entry, 'x.pth', 64)).message).toMatch(/declares 1000000 bytes, more than the 64 it can need/);
  });

  it('a legacy protocol-version pickle of a list nested 100,000 deep', () => {
    expectRefusal(deepLegacyList(100_000), 'deep.pth', 'unsupported', /protocol version \[+\.\.\.\]+; only 1001 exists/);
  });

  it('a safetensors header nested 100,000 deep', () => {
    expectRefusal(safetensorsWithHeader(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), 'deep.safetensors', 'corrupt', /nesting deeper than 127 levels/);
  });

  it('a 99 MB header of 1.2 million tensors stops at 100,000', () => {
    const header = manyTensorsHeader(99_000_000);
    expect(header.length).toBeGreaterThan(98_000_000);
    expectRefusal(safetensorsWithHeader(header), 'many.safetensors', 'limit', /more than 100000 tensors/);
  });

  it('a 99 MB metadata string and a 20 MB key are read, and quoted capped', () => {
    const big = 'x'.repeat(99_000_000);
    expectRefusal(safetensorsWithHeader(`{"__metadata__":{"a":"${big}"}}`), 'meta.safetensors', 'unsupported', /holds no tensors/);
    const key = 'k'.repeat(20_000_000);
    const file = safetensorsWithHeader(`{"${key}":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`);
    expectRefusal(file, 'key.safetensors', 'corrupt', /tensor k{80}\.\.\. \(20000000 characters\)/);
  });

  it('an element count past 2^53 in a safetensors header', () => {
    const file = safetensorsWithHeader('{"w":{"dtype":"F32","shape":[134217728,134217728],"data_offsets":[0,0]}}');
    expectRefusal(file, 'numel.safetensors', 'corrupt', /more than 2\^53 elements/);
  });
});
