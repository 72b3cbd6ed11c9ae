import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph, nodeParams } from './graph.ts';
import { findPreset, PRESETS } from './presets.ts';
import { scaleSize } from './preprocess.ts';
import {
  checkpointsOf,
  findPretrained,
  hasArchitecture,
  parseCatalogue,
  PRETRAINED,
  pretrainedByUrl,
  pretrainedConfig,
  pretrainedMemory,
  preprocessFromJson,
  requirePretrained,
  type PreprocessJson,
} from './pretrained.ts';

interface TimmCfg { hf_hub_id: string; input_size: number[]; interpolation: string; crop_pct: number; crop_mode: string | null; mean: number[]; std: number[]; license: string; num_classes: number }
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
      expect([e.accuracy.top1, e.accuracy.top5]).toEqual([tv['acc@1'], tv['acc@5']]);
      expect(e.accuracy.source).toContain(`torchvision 0.14 weights metadata (${e.torchvisionWeights}`);
    } else {
      const t = ref.timm;
      expect(e.torchvisionWeights).toBeNull();
      expect([p.inputSize, p.cropPct, p.interpolation, p.cropMode]).toEqual([t.input_size[2], t.crop_pct, t.interpolation, t.crop_mode ?? 'center']);
      expect([p.mean, p.std]).toEqual([t.mean, t.std]);
      const rows = ref.results.filter((r) => r.img_size === p.inputSize && r.crop_pct === p.cropPct);
      expect(rows).toHaveLength(1);
      expect([e.accuracy.top1, e.accuracy.top5]).toEqual([rows[0].top1, rows[0].top5]);
      expect(e.accuracy.source).toContain("timm results-imagenet.csv");
    }
  });

  it.each(PRETRAINED.filter(hasArchitecture).map((p) => [p.tag, p]))('%s: the architecture has the parameter count torchvision or timm publish', (tag, e) => {
    const ref = reference.entries[tag];
    const params = buildLayerGraph(pretrainedConfig(e)).nodes.reduce((s, n) => s + nodeParams(n), 0);
    if (ref.torchvision) expect(params).toBe(ref.torchvision.num_params);
    else expect(Math.abs(params / 1e6 - ref.results[0].param_count_m)).toBeLessThanOrEqual(0.005);
  });

  it("torchvision's V2 weights resize to 232 (crop_pct 0.965), their V1 weights to 256", () => {
    expect(scaleSize(requirePretrained('resnet50.tv2_in1k').preprocess)).toBe(232);
    expect(scaleSize(requirePretrained('ResNet50_Weights.IMAGENET1K_V1').preprocess)).toBe(256);
    expect(requirePretrained('resnet50d.ra2_in1k').preprocess.interpolation).toBe('bicubic');
  });

  it('shows the WSL weights as non-commercial', () => {
    const wsl = requirePretrained('resnext101_32x16d.fb_wsl_ig1b_ft_in1k');
    expect(wsl.license).toEqual({ id: 'cc-by-nc-4.0', name: 'CC BY-NC 4.0', commercial: false });
    expect(PRETRAINED.filter((p) => !p.license.commercial).map((p) => p.tag)).toEqual([wsl.tag]);
  });

  it('finds entries by tag, torchvision name and URL; lists the checkpoints of an architecture', () => {
    expect(findPretrained('ResNeXt50_32X4D_Weights.IMAGENET1K_V2')!.tag).toBe('resnext50_32x4d.tv2_in1k');
    expect(pretrainedByUrl('https://huggingface.co/timm/resnet50.tv_in1k/resolve/main/model.safetensors')!.tag).toBe('resnet50.tv_in1k');
    expect(checkpointsOf('resnext50_32x4d').map((p) => p.tag)).toEqual(['resnext50_32x4d.tv_in1k', 'resnext50_32x4d.tv2_in1k', 'resnext50_32x4d.a1h_in1k']);
    expect(() => requirePretrained('resnet50.nope')).toThrow(/no pretrained weights "resnet50.nope"; the catalogue has resnet18.tv_in1k, /);
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
    const checked = index.cases.filter((c) => findPretrained(c.name) && !c.name.startsWith('resnet50.tv2'));
    expect(checked.length).toBeGreaterThanOrEqual(4);
    for (const c of checked) expect(preprocessFromJson(c.config)).toEqual(findPretrained(c.name)!.preprocess);
    const tv2 = index.cases.find((c) => c.name === 'torchvision.ResNet50_Weights.IMAGENET1K_V2')!;
    expect(preprocessFromJson(tv2.config)).toEqual(requirePretrained('resnet50.tv2_in1k').preprocess);
  });

  it('refuses malformed data with the entry named', () => {
    const first = rawCatalogue.entries[0];
    const withEntry = (e: object) => ({ ...rawCatalogue, entries: [{ ...first, ...e }] });
    expect(() => parseCatalogue(withEntry({ license: 'mit' }))).toThrow(/entry "resnet18.tv_in1k": unknown licence "mit"/);
    expect(() => parseCatalogue(withEntry({ classes: 'coco' }))).toThrow(/unknown class set "coco"/);
    expect(() => parseCatalogue(withEntry({ preprocess: { ...first.preprocess, crop_pct: 1.5 } }))).toThrow(/crop_pct must be a number in \(0, 1\]/);
    expect(() => parseCatalogue(withEntry({ accuracy: { top1: 95, top5: 90, source: 'x' } }))).toThrow(/top-1 95 \/ top-5 90/);
    expect(() => parseCatalogue({ ...rawCatalogue, entries: [first, first] })).toThrow(/appears twice/);
  });
});
