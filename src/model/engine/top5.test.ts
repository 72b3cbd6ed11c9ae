/**
 * Image -> top-5 against PyTorch (fixtures/images/top5): a PNG decoded and preprocessed here with a
 * checkpoint's preprocessing, through a 1000-class fixture network, gives torchvision's logits and top-5.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { IMAGENET_CLASSES } from '../classes.ts';
import { decodePng } from '../image/png.ts';
import { preprocessImage } from '../preprocess.ts';
import { loadCatalogue, preprocessFromJson, type PreprocessJson } from '../pretrained.ts';

const catalogue = await loadCatalogue();
import { maxAbsDiff, readF32 } from '../../../test/support/fixture-io.ts';
import { Engine } from './engine.ts';

const DIR = 'fixtures/images/top5';
interface Case { image: string; pretrained: string; config: PreprocessJson; logits: string; top5: { index: number; label: string }[]; min_margin: number }
const manifest = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) as { weights: string; cases: Case[] };
const weights = new Uint8Array(readFileSync(`${DIR}/${manifest.weights}`));

describe.each(['cpu', 'wasm'] as const)('image -> top-5 equals PyTorch on %s', (backend) => {
  it.each(manifest.cases.map((c) => [c.image, c.pretrained, c]))('%s with %s\'s preprocessing', async (_i, _p, c) => {
    const e = new Engine({ order: ['wasm', 'cpu'] });
    await e.setBackend(backend);
    const loaded = await e.loadWeights({ bytes: weights, name: manifest.weights, source: 'tiny_imagenet' }, { preprocess: catalogue.require(c.pretrained).preprocess });
    expect(loaded.classes).toBe('imagenet-1k');
    expect(loaded.classesAssumed).toBe(true);
    expect(preprocessFromJson(c.config)).toEqual(loaded.preprocess);
    const image = decodePng(new Uint8Array(readFileSync(`${DIR}/${c.image}`)));
    const { tensor } = preprocessImage(image, loaded.preprocess);
    const raw = await e.logits(tensor, [1, 3, loaded.preprocess.inputSize, loaded.preprocess.inputSize]);
    const d = maxAbsDiff(raw.logits, readF32(`${DIR}/${c.logits}`));
    expect(d).toBeLessThanOrEqual(1e-4);
    expect(d).toBeLessThan(c.min_margin / 10);
    const r = await e.classify(image, 5);
    expect(r.top.map((t) => t.index)).toEqual(c.top5.map((t) => t.index));
    expect(r.top.map((t) => t.label)).toEqual(c.top5.map((t) => t.label));
    expect(r.top.map((t) => t.label)).toEqual(c.top5.map((t) => IMAGENET_CLASSES[t.index]));
    e.unloadWeights();
  });
});

describe('what the 16-bit greyscale PNG fixture guards', () => {
  it('pngjs, which scales 16-bit grey to 8 bits where Pillow clips, gives logits far from PyTorch\'s', async () => {
    const c = manifest.cases.find((x) => x.image.includes('grey16'))!;
    const e = new Engine({ order: ['cpu'] });
    await e.setBackend('cpu');
    await e.loadWeights({ bytes: weights, name: manifest.weights, source: 'tiny_imagenet' }, { preprocess: catalogue.require(c.pretrained).preprocess });
    const scaled = PNG.sync.read(readFileSync(`${DIR}/${c.image}`));
    const raw = await e.logits(preprocessImage({ width: scaled.width, height: scaled.height, data: scaled.data }, catalogue.require(c.pretrained).preprocess).tensor, [1, 3, 224, 224]);
    expect(maxAbsDiff(raw.logits, readF32(`${DIR}/${c.logits}`))).toBeGreaterThan(0.1);
    e.unloadWeights();
  });
});
