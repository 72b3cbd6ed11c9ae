import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inspectCheckpoint } from './checkpoint.ts';
import { buildLayerGraph, numel, stateDictSpec } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { openWeights } from '../model/weights/open.ts';
import { MessageError } from '../model/message.ts';
import { WeightsError } from '../model/weights/common.ts';
import { buildSafetensors } from '../../test/support/weights.ts';
import { fixtureConfig } from '../../test/support/fixture-config.ts';
import { translator } from './i18n/translator.ts';

const DIR = 'fixtures/weights';
const bytesOf = (file: string) => new Uint8Array(readFileSync(`${DIR}/${file}`));

/** The learnable numbers a file holds, counted from its own shapes (BatchNorm's running statistics left out). */
function fileParams(bytes: Uint8Array, name: string): number {
  let n = 0;
  for (const [key, t] of openWeights(bytes, name).entries) if (!/running_(mean|var)$|num_batches_tracked$/.test(key)) n += numel(t.shape);
  return n;
}

/** A float32 safetensors file of a preset's state_dict (zeros), as timm would save it. */
function presetFile(name: string): Uint8Array {
  return buildSafetensors(stateDictSpec(buildLayerGraph(presetConfig(name))).map((t) => ({ key: t.key, dtype: 'F32', shape: t.shape, data: new Uint8Array(numel(t.shape) * 4) })));
}

describe('a checkpoint opened anywhere', () => {
  it('is the network its shapes say, with the figures the app states (timm and torchvision fixtures, both formats)', () => {
    for (const [model, file] of [['tiny_seresnext_d', 'tiny_seresnext_d.safetensors'], ['tiny_resnet', 'tiny_resnet.pth'], ['tiny_ecaresnet_t', 'tiny_ecaresnet_t.pth']]) {
      const manifest = JSON.parse(readFileSync(`${DIR}/${model}.json`, 'utf8'));
      const bytes = bytesOf(file);
      const found = inspectCheckpoint(bytes, file);
      const { input: _fixtureInput, ...expected } = fixtureConfig(manifest.config);
      const { input: _input, ...config } = found.config;
      expect(config, file).toEqual(expected);
      expect(found.params, file).toBe(fileParams(bytes, file));
      expect(found.bytes).toBe(bytes.length);
    }
    const timm = inspectCheckpoint(bytesOf('tiny_seresnext_d.safetensors'), 'tiny_seresnext_d.safetensors');
    expect(timm.found.text).toMatch(/^timm network of the family \(bottleneck blocks, depths 1,1,1,1, C=4, d=16\), 10 classes, \d+(\.\d)? k params, 1\.67 MB$/);
    const tv = inspectCheckpoint(bytesOf('tiny_resnet.pth'), 'tiny_resnet.pth');
    expect(tv.found.text).toMatch(/^torchvision network of the family \(basic blocks, depths 1,1,1,1, C=1, d=64\), 7 classes, /);
    expect(translator('zh').msg(tv.found)).toMatch(/^torchvision 同族网络（basic 块，深度 1,1,1,1，C=1，d=64），7 个类别，/);
  });

  it('names a preset of the same architecture ("timm SE-ResNeXt-50 (32x4d), 1,000 classes, 27.6 M params, 111 MB" for its float32 state_dict)', () => {
    const found = inspectCheckpoint(presetFile('seresnext50_32x4d'), 'seresnext50.safetensors');
    expect(found.found.text).toBe('timm SE-ResNeXt-50 (32x4d), 1,000 classes, 27.6 M params, 111 MB');
    expect(found.config).toEqual(presetConfig('seresnext50_32x4d'));
  });

  it('says what a file of another network holds, and why it is not of the family', () => {
    const other = buildSafetensors([
      { key: 'features.0.weight', dtype: 'F32', shape: [8, 3, 3, 3], data: new Uint8Array(8 * 27 * 4) },
      { key: 'classifier.weight', dtype: 'F32', shape: [10, 8], data: new Uint8Array(80 * 4) },
    ]);
    let error: unknown;
    try {
      inspectCheckpoint(other, 'vgg.safetensors');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageError);
    expect((error as Error).message).toMatch(/^vgg\.safetensors \(safetensors, 1\.35 kB\) holds 2 tensors \(296 numbers; modules features, classifier\), not a network of this family: cannot infer the network: the file has no conv1\.weight/);
  });

  it('refuses a file that is not a checkpoint with the reader\'s words, naming it', () => {
    expect(() => inspectCheckpoint(new TextEncoder().encode('<html>not found</html>'), 'page.pth')).toThrow(WeightsError);
    expect(() => inspectCheckpoint(new TextEncoder().encode('<html>not found</html>'), 'page.pth')).toThrow(/page\.pth/);
  });
});
