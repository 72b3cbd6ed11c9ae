import { readFileSync } from 'node:fs';
import jpegJs from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImageBytes } from './decode.ts';
import { decodeJpeg, JpegUnsupported } from './jpeg.ts';

const DIR = 'fixtures/images/jpeg';
interface Case { name: string; file: string; rgb: string; width: number; height: number; sampling: number[][]; progressive: boolean; options: { restart_interval?: number } }
const index = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) as { pillow: string; cases: Case[] };

function differing(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe(`JPEG decoding equals Pillow ${index.pillow}'s Image.open(f).convert("RGB") (libjpeg-turbo; fixtures/images/jpeg)`, () => {
  it('covers 4:2:0, 4:2:2, 4:4:4, 4:4:0, 4:1:1, mixed and greyscale, baseline and progressive, restart markers, sides of 1 to 3 pixels', () => {
    const kinds = new Set(index.cases.map((c) => JSON.stringify(c.sampling)));
    for (const k of [[[2, 2], [1, 1], [1, 1]], [[2, 1], [1, 1], [1, 1]], [[1, 1], [1, 1], [1, 1]], [[1, 2], [1, 1], [1, 1]], [[4, 1], [1, 1], [1, 1]], [[2, 2], [2, 1], [1, 1]], [[1, 1]]]) {
      expect(kinds).toContain(JSON.stringify(k));
    }
    expect(index.cases.filter((c) => (c.options.restart_interval ?? 0) > 0).length).toBeGreaterThanOrEqual(2);
    expect(index.cases.filter((c) => c.progressive).length).toBeGreaterThanOrEqual(2);
    expect(index.cases.some((c) => Math.min(c.width, c.height) <= 2)).toBe(true);
  });

  it.each(index.cases.map((c) => [c.name, c]))('%s: identical RGB bytes, through the road the CLI takes', (_n, c) => {
    const bytes = new Uint8Array(readFileSync(`${DIR}/${c.file}`));
    const ref = new Uint8Array(readFileSync(`${DIR}/${c.rgb}`));
    const img = decodeImageBytes(bytes).image;
    expect([img.width, img.height]).toEqual([c.width, c.height]);
    expect(differing(img.data, ref)).toBe(0);
  });

  it('jpeg-js, the decoder before, is off on subsampled chroma and its IDCT (the comparison can fail)', () => {
    for (const name of ['q90_420_odd', 'q95_444']) {
      const c = index.cases.find((x) => x.name === name)!;
      const theirs = jpegJs.decode(readFileSync(`${DIR}/${c.file}`), { useTArray: true, formatAsRGBA: false });
      expect(differing(theirs.data, new Uint8Array(readFileSync(`${DIR}/${c.rgb}`)))).toBeGreaterThan(0);
    }
  });

  it('what it does not read is a JpegUnsupported (the caller falls back), never a crash', () => {
    const bytes = new Uint8Array(readFileSync(`${DIR}/q75_422.jpg`));
    expect(() => decodeJpeg(bytes.subarray(0, bytes.length - 40))).toThrow(JpegUnsupported);
    const fourComponents = bytes.slice();
    const sof = fourComponents.findIndex((b, i) => b === 0xff && fourComponents[i + 1] === 0xc0);
    fourComponents[sof + 9] = 4;
    expect(() => decodeJpeg(fourComponents)).toThrow(/4 components/);
    const arithmetic = bytes.slice();
    arithmetic[sof + 1] = 0xc9;
    expect(() => decodeJpeg(arithmetic)).toThrow(JpegUnsupported);
  });
});
