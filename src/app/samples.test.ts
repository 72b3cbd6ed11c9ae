import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { SAMPLE_IMAGES } from './samples.ts';
import { EN, ZH } from './i18n/catalogue.ts';
import { evalPreprocess, loadCatalogue } from '../model/pretrained.ts';

const PRETRAINED = (await loadCatalogue()).entries;

const DIR = resolve(import.meta.dirname, 'samples');

/** The JPEG's markers up to the image data (APPn, DQT, SOFn...). */
function markers(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1];
    out.push(marker);
    if (marker === 0xda) break;
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return out;
}

describe('sample photos', () => {
  it('are three small baseline JPEGs, large enough for every crop, with no metadata', () => {
    expect(SAMPLE_IMAGES.map((s) => s.file)).toEqual(['chelsea.jpg', 'coffee.jpg', 'astronaut.jpg']);
    for (const s of SAMPLE_IMAGES) {
      const bytes = new Uint8Array(readFileSync(resolve(DIR, s.file)));
      expect(bytes.length, s.file).toBeLessThan(48 * 1024);
      expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
      const m = markers(bytes);
      expect(m, s.file).toContain(0xc0); // baseline
      expect(m.filter((x) => x >= 0xe1 && x <= 0xef), `${s.file}: APP1..APP15 (EXIF, ICC...)`).toEqual([]);
      const img = jpeg.decode(bytes, { useTArray: true });
      // No catalogued preprocessing up to a 288 crop upscales a sample: its shorter side is at least every such resize
      // side. (The catalogue's 320-384 test sizes, e.g. the SWAG and SEER fine-tunes, upscale it, as timm would.)
      const resize = Math.max(...PRETRAINED.map(evalPreprocess).filter((p) => p.inputSize <= 288).map((p) => Math.floor(p.inputSize / p.cropPct)));
      expect(Math.min(img.width, img.height), s.file).toBeGreaterThanOrEqual(resize);
    }
  });

  it('say what they show in both languages, and who took them under which terms', () => {
    const docs = readFileSync(resolve(import.meta.dirname, '../../docs/sample-images.md'), 'utf8');
    for (const s of SAMPLE_IMAGES) {
      expect(EN[s.title]).not.toBe('');
      expect(ZH[s.title]).not.toBe(EN[s.title]);
      expect(s.credit).not.toBe('');
      // The docs page records each photo's source, photographer and licence.
      const row = docs.split('\n').find((l) => l.includes(`\`${s.file}\``));
      expect(row, s.file).toBeDefined();
      expect(row).toContain(s.credit);
      expect(row).toContain(s.licence === 'cc0' ? 'CC0' : 'public domain');
    }
  });
});
