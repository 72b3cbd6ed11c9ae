import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHub } from '../../test/support/hub-server.ts';
import { hubWeightsMeta, parseHubConfig, resolveHubPreprocess, timmHubFile } from './hub.ts';
import { loadCatalogue } from './pretrained.ts';

const catalogue = await loadCatalogue();
let hub: Awaited<ReturnType<typeof serveHub>>;
beforeAll(async () => {
  hub = await serveHub('fixtures/catalogue/hub');
});
afterAll(() => hub.close());

describe('timm hub weights URLs', () => {
  it('names the repository, tag, revision and the config.json beside the weights', () => {
    expect(timmHubFile('https://huggingface.co/timm/resnet50.a1_in1k/resolve/0123abc/model.safetensors')).toEqual({
      repo: 'timm/resnet50.a1_in1k', architecture: 'resnet50', tag: 'a1_in1k', revision: '0123abc',
      configUrl: 'https://huggingface.co/timm/resnet50.a1_in1k/resolve/0123abc/config.json',
    });
    expect(timmHubFile('https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/pytorch_model.bin')!.configUrl).toBe('https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/config.json');
    for (const other of ['https://example.com/w.safetensors', 'not a url', 'https://huggingface.co/facebook/resnet50/resolve/main/model.safetensors',
      'https://huggingface.co/timm/resnet50/resolve/main/model.safetensors', 'https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/config.json']) {
      expect(timmHubFile(other), other).toBeNull();
    }
  });

  it('a catalogued tag at any revision is its catalogue entry; no config.json is fetched', async () => {
    const r = await resolveHubPreprocess(`${hub.origin}/timm/resnet18.a3_in1k/resolve/0123abc/model.safetensors`, catalogue);
    expect(r).toMatchObject({ kind: 'catalogue', entry: { tag: 'resnet18.a3_in1k' } });
    expect(hub.requests).toEqual([]);
  });

  it('a timm repository outside the catalogue: its config.json (written by timm\'s save_config_for_hf) gives the preprocessing', async () => {
    const r = await resolveHubPreprocess(`${hub.origin}/timm/resnet50.lab_in1k/resolve/main/model.safetensors`, catalogue);
    expect(hub.requests).toEqual(['/timm/resnet50.lab_in1k/resolve/main/config.json']);
    if (r.kind !== 'config') throw new Error(r.kind);
    expect(r.config).toEqual({
      architecture: 'resnet50', classes: 1000,
      preprocess: { inputSize: 224, cropPct: 0.9, interpolation: 'bilinear', cropMode: 'center', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
      testPreprocess: { inputSize: 256, cropPct: 0.95, interpolation: 'bilinear', cropMode: 'center', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    });
    const squash = await resolveHubPreprocess(`${hub.origin}/timm/resnet26.lab_in1k/resolve/main/pytorch_model.bin`, catalogue);
    expect(squash.kind === 'config' && squash.config.preprocess).toMatchObject({ cropMode: 'squash', cropPct: 0.8, interpolation: 'bicubic' });
    expect(squash.kind === 'config' && squash.config.testPreprocess).toMatchObject({ inputSize: 288, cropMode: 'squash' });
  });

  it('a repository without config.json, and a malformed one, get one line naming the file and what to do', async () => {
    await expect(resolveHubPreprocess(`${hub.origin}/timm/resnet50.gone_in1k/resolve/main/model.safetensors`, catalogue))
      .rejects.toThrow(/resnet50\.gone_in1k\/resolve\/main\/config\.json: the server answered 404; the weights can still be used with a preprocessing you choose$/);
    expect(() => parseHubConfig({ architecture: 'resnet50' }, 'c.json')).toThrow(/^c\.json: has no pretrained_cfg \(not a timm config\.json\)/);
    expect(() => parseHubConfig({ architecture: 'resnet50', num_classes: 1000, pretrained_cfg: { input_size: [224, 224], crop_pct: 0.9 } }, 'c.json')).toThrow(/input_size \[224,224\] is not \[3, H, W\]/);
    expect(() => parseHubConfig({ architecture: 'resnet50', num_classes: 1000, pretrained_cfg: { input_size: [3, 224, 224], crop_pct: -1, mean: [0, 0, 0], std: [1, 1, 1] } }, 'c.json')).toThrow(/crop_pct must be a number above 0 and at most 224/);
  });

  it('a config.json declared larger than 1 MB, or whose body fails or stalls past the timeout, is refused in one line', async () => {
    const url = 'https://huggingface.co/timm/resnet50.lab_in1k/resolve/main/model.safetensors';
    const big: typeof fetch = async () => new Response('{}', { headers: { 'content-length': '5000000' } });
    await expect(resolveHubPreprocess(url, catalogue, big)).rejects.toThrow(/config\.json is 5000000 bytes, not a config\.json \(at most 1048576\); the weights can still be used/);
    const broken: typeof fetch = async () => new Response(new ReadableStream({ pull: (c) => c.error(new Error('connection reset')) }));
    await expect(resolveHubPreprocess(url, catalogue, broken)).rejects.toThrow(/config\.json could not be read \(connection reset\); the weights can still be used/);
    // A body that never ends, read under a timeout as the engine worker reads it: the default applies, with the reason.
    const silent: typeof fetch = async (_input, init) => {
      const body = new ReadableStream({ start: (c) => init?.signal?.addEventListener('abort', () => c.error(init.signal!.reason)) });
      return new Response(body);
    };
    const meta = await hubWeightsMeta(url, catalogue, (input, init) => silent(input, { ...init, signal: AbortSignal.timeout(200) }));
    expect(meta.preprocess).toBeUndefined();
    expect(meta.source?.id).toBe('engine.hubConfigFailed');
  });

  it('any other URL has no hub preprocessing (the default applies, with a notice)', async () => {
    expect(await resolveHubPreprocess(`${hub.origin}/weights/tiny.safetensors`, catalogue)).toEqual({ kind: 'none' });
  });

  it('loading from such a URL: the entry, or the config\'s test-size preprocessing with a message naming the repository, or the default with the reason', async () => {
    expect((await hubWeightsMeta(`${hub.origin}/timm/resnet18.a3_in1k/resolve/main/model.safetensors`, catalogue)).entry?.tag).toBe('resnet18.a3_in1k');
    const lab = await hubWeightsMeta(`${hub.origin}/timm/resnet50.lab_in1k/resolve/main/model.safetensors`, catalogue);
    expect(lab.preprocess).toMatchObject({ inputSize: 256, cropPct: 0.95, interpolation: 'bilinear' });
    expect(lab.source!.text).toBe("bilinear resize of the shorter side to 269, centre crop 256×256, mean 0.5, 0.5, 0.5, std 0.5, 0.5, 0.5, from timm/resnet50.lab_in1k's config.json (timm's pretrained_cfg, at its test input size); choose another preprocessing below to change it");
    const gone = await hubWeightsMeta(`${hub.origin}/timm/resnet50.gone_in1k/resolve/main/model.safetensors`, catalogue);
    expect(gone.preprocess).toBeUndefined();
    expect(gone.source!.text).toMatch(/^bilinear resize of the shorter side to 256, centre crop 224×224, .*, the default: .*config\.json: the server answered 404/);
    expect(await hubWeightsMeta('https://example.com/w.safetensors', catalogue)).toEqual({});
  });
});
