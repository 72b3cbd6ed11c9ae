import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePng } from './image/png.ts';
import { buildLayerGraph, nodeParams } from './graph.ts';
import { findPreset, PRESETS } from './presets.ts';
import { preprocessImage, scaleSize } from './preprocess.ts';
import {
  evalPreprocess,
  hasArchitecture,
  loadCatalogue,
  parseCatalogue,
  pretrainedConfig,
  pretrainedMemory,
  preprocessFromJson,
  type PreprocessJson,
} from './pretrained.ts';

const catalogue = await loadCatalogue();
const PRETRAINED = catalogue.entries;
const requirePretrained = (name: string) => catalogue.require(name);

interface TimmCfg { hf_hub_id: string; input_size: number[]; test_input_size: number[] | null; test_crop_pct: number | null; interpolation: string; crop_pct: number; crop_mode: string | null; mean: number[]; std: number[]; license: string; num_classes: number }
interface Ref {
  timm: TimmCfg;
  results: { img_size: number; top1: number; top5: number; crop_pct: number; interpolation: string; param_count_m: number }[];
  torchvision?: { url: string; num_params: number; 'acc@1': number; 'acc@5': number; resize_size: number; crop_size: number; interpolation: string; mean: number[]; std: number[] };
}
const reference = JSON.parse(readFileSync('fixtures/pretrained/reference.json', 'utf8')) as { entries: Record<string, Ref> };
const rawCatalogue = JSON.parse(readFileSync('src/model/pretrained.json', 'utf8'));

describe('the pretrained catalogue (src/model/pretrained.json)', () => {
  it('has torchvision V1 and V2 of the ResNeXt-lineage networks and the timm checkpoints issue 8 names', () => {
    const tags = PRETRAINED.map((p) => p.tag);
    for (const arch of ['resnet50', 'resnext50_32x4d', 'resnext101_32x8d', 'wide_resnet50_2']) {
      expect(tags).toContain(`${arch}.tv_in1k`);
      expect(tags).toContain(`${arch}.tv2_in1k`);
    }
    expect(tags).toContain('resnext101_64x4d.tv_in1k');
    for (const t of ['resnext50_32x4d.a1h_in1k', 'seresnext50_32x4d.racm_in1k', 'seresnext101_32x8d.ah_in1k', 'resnext50d_32x4d.bt_in1k',
      'resnet50d.ra2_in1k', 'ecaresnet50d.miil_in1k', 'resnext101_32x16d.fb_wsl_ig1b_ft_in1k']) expect(tags).toContain(t);
  });

  // Fails until the presets of issue 8 (resnet50d, resnext50d_32x4d, seresnext50_32x4d, seresnext101_32x8d,
  // ecaresnet50d, resnext101_32x16d) exist.
  it('every catalogue entry names an existing preset', () => {
    expect(PRETRAINED.filter((p) => !findPreset(p.architecture)).map((p) => `${p.tag} -> ${p.architecture}`)).toEqual([]);
  });

  it.each(PRETRAINED.map((p) => [p.tag, p]))('%s agrees with timm and torchvision (fixtures/pretrained/reference.json)', (tag, e) => {
    const ref = reference.entries[tag];
    expect(ref).toBeDefined();
    expect({ repo: e.hub.repo, file: e.hub.file }).toEqual({ repo: ref.timm.hf_hub_id, file: 'model.safetensors' });
    expect(e.url).toBe(`https://huggingface.co/timm/${tag}/resolve/main/model.safetensors`);
    expect(e.architecture).toBe(tag.split('.')[0]);
    expect(e.license.id).toBe(ref.timm.license);
    expect(e.classes.count).toBe(ref.timm.num_classes);
    const p = e.preprocess;
    if (ref.torchvision) {
      const tv = ref.torchvision;
      expect(e.torchvisionWeights).toMatch(/^\w+_Weights\.IMAGENET1K_V[12]$/);
      expect([scaleSize(p), p.inputSize, p.interpolation, p.cropMode]).toEqual([tv.resize_size, tv.crop_size, tv.interpolation, 'center']);
      expect([p.mean, p.std]).toEqual([tv.mean, tv.std]);
      expect([e.accuracy!.top1, e.accuracy!.top5]).toEqual([tv['acc@1'], tv['acc@5']]);
      expect(e.accuracy!.source).toContain(`torchvision 0.14 weights metadata (${e.torchvisionWeights}`);
    } else {
      const t = ref.timm;
      expect(e.torchvisionWeights).toBeNull();
      expect([p.inputSize, p.cropPct, p.interpolation, p.cropMode]).toEqual([t.input_size[2], t.crop_pct, t.interpolation, t.crop_mode ?? 'center']);
      expect([p.mean, p.std]).toEqual([t.mean, t.std]);
      // The row at the test size and test crop_pct (what classification uses), else at the config's, else the only row.
      const at = (size: number, crop: number) => ref.results.filter((r) => r.img_size === size && r.crop_pct === crop);
      const test = t.test_input_size || t.test_crop_pct ? at((t.test_input_size ?? t.input_size)[2], t.test_crop_pct ?? t.crop_pct) : [];
      const rows = [test, at(p.inputSize, p.cropPct), ref.results.length === 1 ? ref.results : []].find((r) => r.length > 0) ?? [];
      if (rows.length !== 1) expect(e.accuracy).toBeNull();
      else {
        expect([e.accuracy!.top1, e.accuracy!.top5]).toEqual([rows[0].top1, rows[0].top5]);
        expect(e.accuracy!.source).toBe(`timm results-imagenet.csv (${tag}, ${rows[0].img_size}, crop_pct ${rows[0].crop_pct}, ${rows[0].interpolation})`);
      }
      if (t.test_input_size || t.test_crop_pct) {
        expect(e.testPreprocess).toEqual({ ...p, inputSize: (t.test_input_size ?? t.input_size)[2], cropPct: t.test_crop_pct ?? t.crop_pct });
      } else expect(e.testPreprocess).toBeNull();
    }
  });

  it.each(PRETRAINED.filter((p) => hasArchitecture(p) && p.classes.count > 0).map((p) => [p.tag, p]))('%s: the architecture has the parameter count torchvision or timm publish', (tag, e) => {
    const ref = reference.entries[tag];
    const params = buildLayerGraph(pretrainedConfig(e)).nodes.reduce((s, n) => s + nodeParams(n), 0);
    if (ref.torchvision) expect(params).toBe(ref.torchvision.num_params);
    else if (ref.results.length > 0) expect(Math.abs(params / 1e6 - ref.results[0].param_count_m)).toBeLessThanOrEqual(0.005);
  });

  it("torchvision's V2 weights resize to 232 (crop_pct 0.965), their V1 weights to 256", () => {
    expect(scaleSize(requirePretrained('resnet50.tv2_in1k').preprocess)).toBe(232);
    expect(scaleSize(requirePretrained('ResNet50_Weights.IMAGENET1K_V1').preprocess)).toBe(256);
    expect(requirePretrained('resnet50d.ra2_in1k').preprocess.interpolation).toBe('bicubic');
  });

  it('shows the WSL weights as non-commercial', () => {
    const wsl = requirePretrained('resnext101_32x16d.fb_wsl_ig1b_ft_in1k');
    expect(wsl.license).toEqual({ id: 'cc-by-nc-4.0', name: 'CC BY-NC 4.0', commercial: false });
    const nc = PRETRAINED.filter((p) => !p.license.commercial);
    expect(nc.map((p) => p.license.id).sort()).toEqual(nc.map((p) => p.license.id).sort());
    expect(new Set(nc.map((p) => p.license.id))).toEqual(new Set(['cc-by-nc-4.0', 'seer-license']));
    expect(nc.map((p) => p.tag)).toContain(wsl.tag);
  });

  it('finds entries by tag, torchvision name and URL; lists the checkpoints of an architecture', () => {
    expect(catalogue.find('ResNeXt50_32X4D_Weights.IMAGENET1K_V2')!.tag).toBe('resnext50_32x4d.tv2_in1k');
    expect(catalogue.byUrl('https://huggingface.co/timm/resnet50.tv_in1k/resolve/main/model.safetensors')!.tag).toBe('resnet50.tv_in1k');
    expect(catalogue.checkpointsOf('resnext50_32x4d').map((p) => p.tag)).toEqual(
      ['resnext50_32x4d.a1h_in1k', 'resnext50_32x4d.a1_in1k', 'resnext50_32x4d.a2_in1k', 'resnext50_32x4d.a3_in1k', 'resnext50_32x4d.ra_in1k',
        'resnext50_32x4d.tv_in1k', 'resnext50_32x4d.tv2_in1k', 'resnext50_32x4d.fb_ssl_yfcc100m_ft_in1k', 'resnext50_32x4d.fb_swsl_ig1b_ft_in1k', 'resnext50_32x4d.gluon_in1k']);
    expect(() => requirePretrained('resnet50.nope')).toThrow(/no pretrained weights "resnet50.nope"; resnet50 has resnet50\.a1_in1k, /);
    expect(() => requirePretrained('nonet.x')).toThrow(/no pretrained weights "nonet.x"; the catalogue has 213 tags/);
    expect(() => requirePretrained('resnet200.untrained')).toThrow(/"resnet200.untrained" is an architecture without pretrained weights in timm \(resnet200\)/);
  });

  it('sizes each entry from its layer graph: resnet50 is exactly 102,440,820 float32 bytes', () => {
    const e = requirePretrained('resnet50.tv_in1k');
    expect(pretrainedMemory(e)!.stateDictBytes).toBe(102_440_820);
    expect(pretrainedConfig(e)).toMatchObject({ classes: 1000, input: [3, 224, 224] });
  });

  it('keeps a checkpoint\'s accuracy in the catalogue only: presets carry no top-1 accuracy', () => {
    for (const p of PRESETS) for (const f of p.published) expect(Object.keys(f)).not.toContain('top1Acc');
  });

  it('the preprocessing of the fixture tensors is the catalogue\'s (fixtures/images/preprocess)', () => {
    const index = JSON.parse(readFileSync('fixtures/images/preprocess/index.json', 'utf8')) as { cases: { name: string; config: PreprocessJson }[] };
    const checked = index.cases.filter((c) => catalogue.find(c.name) && !c.name.startsWith('resnet50.tv2'));
    expect(checked.length).toBeGreaterThanOrEqual(4);
    for (const c of checked) expect(preprocessFromJson(c.config)).toEqual(catalogue.find(c.name)!.preprocess);
    const tv2 = index.cases.find((c) => c.name === 'torchvision.ResNet50_Weights.IMAGENET1K_V2')!;
    expect(preprocessFromJson(tv2.config)).toEqual(requirePretrained('resnet50.tv2_in1k').preprocess);
  });

  it('refuses malformed data with the entry named', () => {
    const first = rawCatalogue.entries[0];
    const withEntry = (e: object) => ({ ...rawCatalogue, entries: [{ ...first, ...e }] });
    expect(() => parseCatalogue(withEntry({ license: 'gpl-3.0' }))).toThrow(/entry "resnet18.a1_in1k": unknown licence "gpl-3.0"/);
    expect(() => parseCatalogue(withEntry({ classes: 'coco' }))).toThrow(/unknown class set "coco"/);
    expect(() => parseCatalogue(withEntry({ preprocess: { ...first.preprocess, crop_pct: 0 } }))).toThrow(/crop_pct must be a number above 0 and at most/);
    expect(() => parseCatalogue(withEntry({ accuracy: { top1: 95, top5: 90, source: 'x' } }))).toThrow(/top-1 95 \/ top-5 90/);
    expect(() => parseCatalogue({ ...rawCatalogue, entries: [first, first] })).toThrow(/appears twice/);
  });
});

describe('the catalogue is generated from every tag of timm\'s resnet.py and RegNetX / RegNetY (fixtures/catalogue)', () => {
  const index = JSON.parse(readFileSync('fixtures/catalogue/index.json', 'utf8')) as {
    registry_tags: string[];
    cases: { tag: string; test_size: boolean; input_size: number; file: string; reference: string }[];
  };
  const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

  it('lists every registry tag once: 213 with weights, the untrained ones as architectures without weights', () => {
    const listed = [...PRETRAINED.map((p) => p.tag), ...catalogue.withoutWeights.map((w) => w.tag)];
    expect(listed.sort()).toEqual([...index.registry_tags].sort());
    expect(index.registry_tags.filter((t) => !t.startsWith('regnet'))).toHaveLength(167);
    expect(index.registry_tags.filter((t) => t.startsWith('regnet'))).toHaveLength(67);
    expect(catalogue.withoutWeights.every((w) => w.tag.endsWith('.untrained'))).toBe(true);
  });

  it('has every architecture as a preset, and honest class sets (ImageNet-12k: 11,821; SEER trunks: no classifier)', () => {
    expect(PRETRAINED.filter((p) => !findPreset(p.architecture)).map((p) => p.tag)).toEqual([]);
    expect(requirePretrained('regnety_160.sw_in12k').classes).toMatchObject({ id: 'imagenet-12k', count: 11821 });
    expect(requirePretrained('regnety_320.seer').classes.count).toBe(0);
    expect(() => pretrainedConfig(requirePretrained('regnety_320.seer'))).toThrow(/without a classifier/);
    expect(pretrainedMemory(requirePretrained('regnety_320.seer'))).toBeNull();
    expect(pretrainedConfig(requirePretrained('regnety_160.sw_in12k')).classes).toBe(11821);
  });

  it('resnet50.a1_in1k: bicubic 224 / 0.95, classified at its test size 288 / 1.0 (timm\'s results row)', () => {
    const e = requirePretrained('resnet50.a1_in1k');
    expect([e.preprocess.inputSize, e.preprocess.cropPct, e.preprocess.interpolation]).toEqual([224, 0.95, 'bicubic']);
    expect(evalPreprocess(e)).toEqual({ ...e.preprocess, inputSize: 288, cropPct: 1 });
    expect(e.accuracy).toMatchObject({ top1: 81.24, row: { size: 288, cropPct: 1 } });
    expect(pretrainedConfig(e).input).toEqual([3, 288, 288]);
  });

  it.each(index.cases.map((c) => [`${c.tag}${c.test_size ? ' (test size)' : ''}`, c]))('%s: the catalogue\'s preprocessing of test.png equals timm\'s tensor', (_, c) => {
    const e = requirePretrained(c.tag);
    const config = c.test_size ? evalPreprocess(e) : e.preprocess;
    expect(config.inputSize).toBe(c.input_size);
    const image = decodePng(new Uint8Array(readFileSync('fixtures/images/test.png')));
    const ours = preprocessImage(image, config).tensor;
    const ref = f32(gunzipSync(readFileSync(`fixtures/catalogue/${c.file}`)));
    expect(ours.length).toBe(ref.length);
    let d = 0;
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ours[i] - ref[i]));
    expect(d).toBeLessThanOrEqual(1e-5);
  });
});
