import { describe, expect, it } from 'vitest';
import { regnetOf, timmOnlyFeatures, type NetworkConfig } from '../config.ts';
import { buildLayerGraph, stateDictSpec } from '../graph.ts';
import { defaultConfig, PRESETS, presetConfig } from '../presets.ts';
import { checkStateDict, inferConfig, openWeights, stripWrapperPrefix, weightsNetwork } from './index.ts';
import type { StateDictShapes } from './common.ts';
import { buildSafetensors, contiguousStrides, errorOf, f32Bytes, legacyTorchFile, pickleStateDict, readWeights, torchZip } from '../../../test/support/weights.ts';

/** The keys and shapes a network's state_dict has, without any data (ResNeXt-101 would be 350 MB). */
function shapesOf(config: NetworkConfig): Map<string, { shape: number[] }> {
  return new Map(stateDictSpec(buildLayerGraph(config)).map((t) => [t.key, { shape: [...t.shape] }]));
}


const tiny: NetworkConfig = { ...defaultConfig('cifar'), depths: [1, 2, 1], cardinality: 4, widthPerGroup: 16, baseWidth: 16 };

describe('inferConfig', () => {
  it('infers ResNeXt-101 (32x8d) from its shapes: C=32, d=8, depths 3,4,23,3', () => {
    const config = inferConfig(shapesOf(presetConfig('resnext101_32x8d')));
    expect(config).toEqual(presetConfig('resnext101_32x8d'));
    expect(config).toMatchObject({ depths: [3, 4, 23, 3], cardinality: 32, widthPerGroup: 8, implementation: 'torchvision' });
  });

  it('reproduces the architecture of every preset whose weights tell it (anti-aliasing does not: family-infer.test.ts)', () => {
    const told = PRESETS.filter((p) => p.config.aa === 'none');
    expect(told.length).toBeGreaterThan(70);
    for (const preset of told) {
      const config = presetConfig(preset.name);
      // timm's plain ResNets (resnet26, resnet200) have torchvision's keys: their files infer as torchvision's layout
      // (RegNets' two layouts differ).
      const sameKeys = config.block !== 'regnet' && config.implementation === 'timm' && timmOnlyFeatures(config).length === 0 && config.baseWidth === 64;
      expect(inferConfig(shapesOf(config)), preset.name).toEqual(sameKeys ? { ...config, implementation: 'torchvision' } : config);
    }
  });

  it('reads base width, input channels, classes and a missing classifier from the shapes', () => {
    expect(inferConfig(shapesOf(tiny))).toEqual(tiny);
    const headless: NetworkConfig = { ...tiny, input: [1, 32, 32], includeTop: false };
    expect(inferConfig(shapesOf(headless))).toEqual(headless);
    const basic = presetConfig('resnet18', { baseWidth: 8, classes: 7, input: [4, 224, 224] });
    expect(inferConfig(shapesOf(basic))).toEqual(basic);
  });

  it('picks the smallest d that gives every stage its width, and the network fits the file', () => {
    // One stage, planes 16, C=1: floor(16 d / 64) = 1 for d = 4..7; all four give the same network.
    const source: NetworkConfig = { ...tiny, depths: [1], cardinality: 1, widthPerGroup: 6 };
    const sd = shapesOf(source);
    const inferred = inferConfig(sd);
    expect(inferred.widthPerGroup).toBe(4);
    expect(() => checkStateDict(buildLayerGraph(inferred), sd)).not.toThrow();
  });

  it('explains why a state_dict is not a ResNet', () => {
    expect(errorOf(() => inferConfig(new Map([['encoder.weight', { shape: [3, 3] }]]))).message).toMatch(/the file has no conv1\.weight/);
    const sd = shapesOf(tiny);
    sd.set('conv1.weight', { shape: [16, 3, 5, 5] });
    expect(errorOf(() => inferConfig(sd)).message).toMatch(/conv1\.weight has a 5x5 kernel/);

    const gap = shapesOf(tiny);
    for (const key of [...gap.keys()]) if (key.startsWith('layer2.')) gap.delete(key);
    expect(errorOf(() => inferConfig(gap)).message).toMatch(/blocks in layer1, layer3 but no layer2/);

    const groups = shapesOf(tiny);
    groups.set('layer2.0.conv2.weight', { shape: [32, 4, 3, 3] });
    expect(errorOf(() => inferConfig(groups)).message).toMatch(/layer1 has 4 groups but layer2 has 8/);

    // The shapes read as a network, but one tensor fits none of its modules: the strict check says so.
    const extra = shapesOf(tiny);
    extra.set('layer1.0.extra.weight', { shape: [4, 64] });
    expect(inferConfig(extra)).toEqual(tiny);
    const err = errorOf(() => weightsNetwork(extra));
    expect(err.message).toMatch(/looks like a ResNet\/ResNeXt .* but does not fit it/);
    expect(err.problems!.unexpected).toEqual(['layer1.0.extra.weight']);

    // Modules of timm's family that the lab does not build are named, not listed as missing keys.
    const sk = shapesOf(tiny);
    sk.set('layer1.0.conv2.paths.0.conv.weight', { shape: [16, 4, 3, 3] });
    expect(errorOf(() => inferConfig(sk)).message).toMatch(/layer1\.0\.conv2 has paths\.0\.conv\.weight \.\.\. keys: selective-kernel convolution .* is not supported/);
    const ge = shapesOf(tiny);
    ge.set('layer1.0.se.fc.weight', { shape: [4, 64] });
    expect(errorOf(() => inferConfig(ge)).message).toMatch(/layer1\.0\.se has fc\.weight \.\.\. keys: this attention module is not supported/);
  });

  it('infers a RegNet whose slope skips width steps (w0 16, wa 58.91, wm 2.46: steps 0, 2, 3, 4), in both layouts', () => {
    for (const implementation of ['torchvision', 'timm'] as const) {
      const source = presetConfig(implementation === 'timm' ? 'regnety_002' : 'regnet_y_400mf', {
        regnetDepth: 12, w0: 16, wa: 58.91, wm: 2.46, groupWidth: 32, seRatio: 0.25, classes: 37,
      });
      expect(regnetOf(source).stages.map((st) => st.width)).toEqual([16, 96, 256, 576]);
      const inferred = inferConfig(shapesOf(source));
      expect(stateDictSpec(buildLayerGraph(inferred))).toEqual(stateDictSpec(buildLayerGraph(source)));
      expect(regnetOf(inferred).stages).toEqual(regnetOf(source).stages);
    }
  });
});

describe('checkStateDict', () => {
  const graph = buildLayerGraph(tiny);

  it('accepts the right network with or without num_batches_tracked, and counts what it takes', () => {
    const sd = shapesOf(tiny);
    const expectedValues = stateDictSpec(graph)
      .filter((t) => !t.key.endsWith('num_batches_tracked'))
      .reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    const tensors = stateDictSpec(graph).filter((t) => !t.key.endsWith('num_batches_tracked')).length;
    expect(checkStateDict(graph, sd)).toEqual({ tensors, values: expectedValues });
    for (const key of [...sd.keys()]) if (key.endsWith('num_batches_tracked')) sd.delete(key);
    expect(checkStateDict(graph, sd).tensors).toBe(tensors);
  });

  it('lists missing keys, unexpected keys and size mismatches in one error, like strict load_state_dict', () => {
    const sd = shapesOf(tiny);
    sd.delete('layer3.0.bn3.running_var');
    sd.delete('fc.bias');
    sd.set('layer9.0.conv1.weight', { shape: [1] });
    sd.set('fc.weight', { shape: [100, 256] });
    const err = errorOf(() => checkStateDict(graph, sd));
    expect(err.code).toBe('mismatch');
    expect(err.problems).toEqual({
      missing: ['layer3.0.bn3.running_var', 'fc.bias'],
      unexpected: ['layer9.0.conv1.weight'],
      mismatched: [{ key: 'fc.weight', expected: [10, 256], got: [100, 256] }],
    });
    expect(err.message).toMatch(/missing 2 key\(s\): layer3\.0\.bn3\.running_var, fc\.bias/);
    expect(err.message).toMatch(/unexpected 1 key\(s\): layer9\.0\.conv1\.weight/);
    expect(err.message).toMatch(/fc\.weight: the file has \[100, 256\], the network expects \[10, 256\]/);
  });

  it('refuses another architecture and names the one the file fits', () => {
    const sd = shapesOf(presetConfig('resnext50_32x4d'));
    const err = errorOf(() => checkStateDict(buildLayerGraph(presetConfig('resnet50')), sd));
    // Same keys, different grouped-conv widths.
    expect(err.problems!.missing).toEqual([]);
    expect(err.problems!.unexpected).toEqual([]);
    expect(err.problems!.mismatched[0]).toEqual({ key: 'layer1.0.conv1.weight', expected: [64, 64, 1, 1], got: [128, 64, 1, 1] });
    expect(err.message).toMatch(/The file fits this network instead: ResNeXt-50 \(32x4d\)/);

    const deeper = errorOf(() => checkStateDict(buildLayerGraph(presetConfig('resnet18')), shapesOf(presetConfig('resnet34'))));
    expect(deeper.problems!.unexpected).toContain('layer1.2.conv1.weight');
    expect(deeper.problems!.unexpected).toContain('layer3.5.bn2.num_batches_tracked');
    expect(deeper.problems!.missing).toEqual([]);
    expect(deeper.message).toMatch(/\.\.\. and \d+ more/);
  });
});

describe('openWeights', () => {
  const tensor = (key: string, shape: number[]) => ({ key, dtype: 'F32', shape, data: f32Bytes(new Array(shape.reduce((a, b) => a * b, 1)).fill(0.5)) });

  it('recognises safetensors and torch.save zips by their bytes', () => {
    const st = readWeights(buildSafetensors([tensor('a.weight', [2])], { metadata: { format: 'pt' } }), 'weights.bin');
    expect(st.format).toBe('safetensors');
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(st.stateDict.get('a.weight')!.data).toEqual(Float32Array.of(0.5, 0.5));

    const zip = torchZip('m', pickleStateDict([{ key: 'a.weight', storage: '0', storageType: 'FloatStorage', storageNumel: 2, offset: 0, size: [2], stride: contiguousStrides([2]) }]), {
      0: f32Bytes([1, 2]),
    });
    const pth = readWeights(zip, 'weights.safetensors');
    expect(pth.format).toBe('pth');
    expect(pth.metadata).toBeNull();
    expect(pth.stateDict.get('a.weight')!.data).toEqual(Float32Array.of(1, 2));
  });

  it('recognises legacy torch.save files, and safetensors whose header length starts like one', () => {
    const a = { key: 'module.a.weight', storage: '0', storageType: 'FloatStorage', storageNumel: 2, offset: 0, size: [2], stride: [1] };
    const legacy = readWeights(legacyTorchFile(pickleStateDict([a], { legacy: true }), [{ key: '0', count: 2, data: f32Bytes([1, 2]) }]), 'old.pth');
    expect(legacy.format).toBe('pth');
    expect(legacy.strippedPrefix).toBe('module.');
    expect(legacy.stateDict.get('a.weight')!.data).toEqual(Float32Array.of(1, 2));
    // A 640-byte header: the file starts 0x80 0x02, the PROTO 2 of a pickle.
    const st = buildSafetensors([tensor('a.weight', [2])], { metadata: { pad: 'x'.repeat(640 - 88) } });
    expect([st[0], st[1]]).toEqual([0x80, 0x02]);
    expect(readWeights(st, 'weights.bin').format).toBe('safetensors');
  });

  it('strips a DataParallel module. prefix only when every key has it', () => {
    const wrapped = readWeights(buildSafetensors([tensor('module.conv1.weight', [1]), tensor('module.fc.bias', [1])]));
    expect(wrapped.strippedPrefix).toBe('module.');
    expect([...wrapped.stateDict.keys()]).toEqual(['conv1.weight', 'fc.bias']);
    const mixed = readWeights(buildSafetensors([tensor('module.conv1.weight', [1]), tensor('fc.bias', [1])]));
    expect(mixed.strippedPrefix).toBeNull();
    expect([...mixed.stateDict.keys()]).toEqual(['module.conv1.weight', 'fc.bias']);
    const compiled = stripWrapperPrefix(new Map([['module._orig_mod.fc.bias', 1]]));
    expect(compiled).toEqual({ stateDict: new Map([['fc.bias', 1]]), stripped: 'module._orig_mod.' });
  });

  it('tells every dtype and shape before decoding; decodes all, or one tensor, on demand', () => {
    const nan = { key: 'module.b.weight', dtype: 'F16', shape: [2], data: Uint8Array.of(0x00, 0x3c, 0x00, 0x7e) };
    const safetensors = buildSafetensors([tensor('module.a.weight', [2, 1]), nan]);
    const zip = torchZip('m', pickleStateDict([
      { key: 'module.a.weight', storage: '0', storageType: 'FloatStorage', storageNumel: 2, offset: 0, size: [2, 1], stride: [1, 1] },
      { key: 'module.b.weight', storage: '1', storageType: 'HalfStorage', storageNumel: 2, offset: 0, size: [2], stride: [1] },
    ]), { 0: f32Bytes([0.5, 0.5]), 1: nan.data });
    for (const [what, bytes] of [['safetensors', safetensors], ['zip', zip]] as const) {
      // A tensor holding NaN is found only when it is decoded: the shapes come first.
      const file = openWeights(bytes, `w.${what}`);
      expect([...file.entries], what).toEqual([['a.weight', { dtype: 'F32', shape: [2, 1] }], ['b.weight', { dtype: 'F16', shape: [2] }]]);
      expect(file.read('a.weight'), what).toEqual({ shape: [2, 1], data: Float32Array.of(0.5, 0.5), dtype: 'F32' });
      expect(errorOf(() => file.read('b.weight')).message, what).toMatch(/b\.weight holds NaN at element 1 of 2/);
      expect(errorOf(() => file.read()).code, what).toBe('nonfinite');
      expect(() => file.read('module.a.weight'), what).toThrow(/w\.\w+ has no tensor "module\.a\.weight"/);
    }
  });

  it('says which formats it accepts when it recognises none', () => {
    const err = errorOf(() => readWeights(new TextEncoder().encode('name,value\nx,1\n'), 'weights.csv'));
    expect(err.code).toBe('format');
    expect(err.message).toMatch(/weights\.csv is not a weights file this app reads: expected a PyTorch state_dict saved with torch\.save .* or a \.safetensors file/);
    expect(errorOf(() => readWeights(Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).message).toMatch(/HDF5 file/);
    expect(errorOf(() => readWeights(new Uint8Array(0))).message).toMatch(/It is empty/);
    // A .safetensors name sends even a damaged file to the safetensors reader, for a precise message.
    expect(errorOf(() => readWeights(Uint8Array.of(1, 2, 3), 'x.safetensors')).message).toMatch(/too short for the 8-byte header length/);
    // A bare pickle is read as a legacy torch.save file: a cut one is damaged, another pickle is no torch.save file.
    expect(errorOf(() => readWeights(Uint8Array.of(0x80, 0x02, 0x8a, 0x0a), 'old.pt')).message).toMatch(/^old\.pt: the magic number pickle: truncated/);
    expect(errorOf(() => readWeights(Uint8Array.of(0x80, 0x02, 0x4b, 0x07, 0x2e), 'seven.pkl')).message).toMatch(/seven\.pkl is a pickle, but not a torch\.save file/);
    expect(errorOf(() => readWeights(buildSafetensors([]))).message).toMatch(/holds no tensors/);
  });

  it('takes the shapes-only view too (a StateDict is a StateDictShapes)', () => {
    const loaded = readWeights(buildSafetensors([tensor('conv1.weight', [4, 3, 7, 7])]));
    const shapes: StateDictShapes = loaded.stateDict;
    expect(errorOf(() => inferConfig(shapes)).message).toMatch(/no layer1\.0/);
  });
});
