/**
 * BMP, GIF and WebP decoding equals Pillow 9.4's `Image.open(path).convert("RGB")` byte for byte
 * (fixtures/images/formats, made by tools/fixtures/format_fixtures.py: every variant the CLI reads, the
 * SHA-256 of Pillow's RGB bytes), and the files Pillow refuses are refused in one line.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileId, mutate } from '../../../test/support/mutator.ts';
import { decodeImageBytes } from './decode.ts';
import { ImageError } from './rgb.ts';

const DIR = 'fixtures/images/formats';
interface Entry { file: string; what: string; width?: number; height?: number; sha256?: string; pillow_error?: string; pattern?: string }
const manifest = JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')) as { pillow: string; files: Entry[] };
const bytesOf = (file: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}/${file}`));
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe(`BMP, GIF and WebP as Pillow ${manifest.pillow} reads them (fixtures/images/formats)`, () => {
  it('covers each format, its variants and damaged files', () => {
    for (const ext of ['.bmp', '.gif', '.webp']) {
      expect(manifest.files.filter((f) => f.file.endsWith(ext) && f.sha256).length).toBeGreaterThanOrEqual(7);
      expect(manifest.files.some((f) => f.file.endsWith(ext) && f.pattern)).toBe(true);
    }
  });

  it.each(manifest.files.filter((f) => f.sha256).map((f) => [f.file, f.what, f]))('%s (%s): identical RGB bytes', (_f, _w, f) => {
    const { image } = decodeImageBytes(bytesOf(f.file));
    expect([image.width, image.height]).toEqual([f.width, f.height]);
    expect(sha256(image.data)).toBe(f.sha256);
  });

  it.each(manifest.files.filter((f) => f.pattern).map((f) => [f.file, f.what, f]))('%s (%s): refused in one line, as Pillow refuses it', (_f, _w, f) => {
    let error: unknown;
    try {
      decodeImageBytes(bytesOf(f.file));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImageError);
    expect((error as Error).message).toMatch(new RegExp(f.pattern!));
    expect((error as Error).message).not.toContain('\n');
  });

  it('a changed pixel changes the comparison (the test can fail)', () => {
    const f = manifest.files.find((x) => x.file === 'bmp_rgb24_topdown.bmp')!;
    const bytes = bytesOf(f.file);
    bytes[bytes[10] | (bytes[11] << 8)] ^= 1; // the first pixel's blue
    expect(sha256(decodeImageBytes(bytes).image.data)).not.toBe(f.sha256);
  });
});

describe('fuzz: seeded mutations of the BMP, GIF and WebP fixtures against what Pillow made of the same bytes (fuzz.json)', () => {
  const corpus = JSON.parse(readFileSync(`${DIR}/fuzz.json`, 'utf8')) as { bases: string[]; hot: [number, number][]; runs: { seed: number; id: string; pillow: string }[] };

  it('each mutation is read as Pillow reads it, or refused in one line where Pillow refuses it (or it is over the size limit)', () => {
    const bases = corpus.bases.map((f) => bytesOf(f));
    const tally = { equal: 0, refusedAsPillow: 0, overLimit: 0 };
    const wrong: string[] = [];
    let slowest = 0;
    for (const run of corpus.runs) {
      const file = mutate(bases[run.seed % bases.length], corpus.hot, run.seed);
      expect(fileId(file), `seed ${run.seed}: the mutator differs from tools/fixtures/mutator.py`).toBe(run.id);
      const t0 = performance.now();
      let got: string;
      try {
        const { image } = decodeImageBytes(file);
        got = `${image.width}x${image.height} ${sha256(image.data).slice(0, 16)}`;
      } catch (e) {
        if (!(e instanceof ImageError)) throw new Error(`seed ${run.seed}: not an ImageError: ${String(e)}`);
        expect(e.message).not.toContain('\n');
        got = /megapixels are accepted/.test(e.message) ? 'over the limit' : 'error';
      }
      slowest = Math.max(slowest, performance.now() - t0);
      if (got === run.pillow) {
        if (got === 'error') tally.refusedAsPillow++;
        else tally.equal++;
      } else if (got === 'over the limit') {
        tally.overLimit++;
      } else {
        wrong.push(`seed ${run.seed} (${corpus.bases[run.seed % bases.length]}): ours ${got}, Pillow ${run.pillow}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(tally.equal).toBeGreaterThan(100);
    expect(tally.refusedAsPillow).toBeGreaterThan(100);
    expect(slowest).toBeLessThan(2000);
  }, 120_000);
});
