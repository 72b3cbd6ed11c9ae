/**
 * The weight import against real files torch made (tools/fixtures/make_fixtures.py): three tiny
 * networks as .pth and as F32 / F16 / BF16 safetensors, a pickle that references os.system and a
 * legacy (non-zip) torch.save file of tiny_resnet, and legacy_mixed.pth (shared strided storages, F16 /
 * BF16 / F64 / I64, a state_dict nested in a checkpoint beside an optimizer state, in the legacy format).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NetworkConfig } from '../config.ts';
import { buildLayerGraph, stateDictSpec } from '../graph.ts';
import { defaultConfig } from '../presets.ts';
import { checkStateDict, inferConfig } from './index.ts';
import { errorOf, readWeights } from '../../../test/support/weights.ts';
import { fixtureConfig, parityModels, type FixtureConfig } from '../../../test/support/fixture-config.ts';

const DIR = new URL('../../../fixtures/weights/', import.meta.url);
const MODELS = parityModels();

function read(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, DIR)));
}

type Loaded = ReturnType<typeof readWeights>;

function load(name: string): Loaded {
  return readWeights(read(name), name);
}

interface Manifest {
  config: FixtureConfig;
}

function configOf(model: string): NetworkConfig {
  const { config: c } = JSON.parse(readFileSync(new URL(`${model}.json`, DIR), 'utf8')) as Manifest;
  return fixtureConfig(c);
}


/** Largest |a - b| / (|b| + floor) over all float values of two state_dicts with the same keys. */
function maxRelativeError(a: Loaded, b: Loaded, floor: number): number {
  let worst = 0;
  for (const [key, t] of b.stateDict) {
    const other = a.stateDict.get(key)!;
    for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(other.data[i] - t.data[i]) / (Math.abs(t.data[i]) + floor));
  }
  return worst;
}

describe.each(MODELS)('fixture %s', (model) => {
  const config = configOf(model);
  const graph = buildLayerGraph(config);
  const pth = load(`${model}.pth`);
  const st = load(`${model}.safetensors`);

  it('loads the .pth in torchvision key order, and it fits the network of the manifest', () => {
    expect(pth.format).toBe('pth');
    expect(pth.strippedPrefix).toBeNull();
    expect([...pth.stateDict.keys()]).toEqual(stateDictSpec(graph).map((t) => t.key));
    for (const spec of stateDictSpec(graph)) {
      const t = pth.stateDict.get(spec.key)!;
      expect(t.shape, spec.key).toEqual(spec.shape);
      expect(t.data.length, spec.key).toBe(spec.shape.reduce((a, b) => a * b, 1));
      expect(t.dtype, spec.key).toBe(spec.key.endsWith('num_batches_tracked') ? 'I64' : 'F32');
    }
    expect(() => checkStateDict(graph, pth.stateDict)).not.toThrow();
  });

  it('gives identical float32 data from the .pth and the F32 .safetensors', () => {
    expect(st.format).toBe('safetensors');
    expect(st.metadata).toEqual({ format: 'pt' });
    expect([...st.stateDict.keys()]).toEqual([...pth.stateDict.keys()]);
    for (const [key, t] of pth.stateDict) expect(st.stateDict.get(key), key).toEqual(t);
    // Not all zeros or ones: BN statistics and conv weights are random.
    const var0 = pth.stateDict.get('bn1.running_var')!.data;
    expect(new Set(var0).size).toBe(var0.length);
  });

  it('infers the manifest architecture from the file alone', () => {
    // The file holds no input size: the stem's default (224, or 32 for the CIFAR stem) with the file's channels.
    const [, h, w] = defaultConfig(config.stem).input;
    expect(inferConfig(pth.stateDict)).toEqual({ ...config, input: [config.input[0], h, w] });
  });

  it('refuses the network of another fixture, listing what does not fit', () => {
    const other = configOf(MODELS[(MODELS.indexOf(model) + 1) % MODELS.length]);
    const err = errorOf(() => checkStateDict(buildLayerGraph(other), pth.stateDict));
    expect(err.code).toBe('mismatch');
    const { missing, unexpected, mismatched } = err.problems!;
    expect(missing.length + unexpected.length + mismatched.length).toBeGreaterThan(0);
    for (const key of missing) expect(pth.stateDict.has(key)).toBe(false);
    for (const key of unexpected) expect(pth.stateDict.has(key)).toBe(true);
    for (const m of mismatched) expect(pth.stateDict.get(m.key)!.shape).toEqual(m.got);
    expect(err.message).toMatch(/The file fits this network instead/);
  });

  it.each([
    ['f16', 'F16', 2 ** -11],
    ['bf16', 'BF16', 2 ** -8],
  ] as const)('loads the %s safetensors with the same keys and values within its precision', (suffix, dtype, epsilon) => {
    const low = load(`${model}.${suffix}.safetensors`);
    expect([...low.stateDict.keys()]).toEqual([...pth.stateDict.keys()]);
    for (const [key, t] of low.stateDict) {
      expect(t.shape, key).toEqual(pth.stateDict.get(key)!.shape);
      expect(t.dtype, key).toBe(key.endsWith('num_batches_tracked') ? 'I64' : dtype);
    }
    // Round to nearest: relative error at most 2^-(mantissa bits + 1); the floor covers f16 subnormals.
    expect(maxRelativeError(low, pth, 2 ** -14)).toBeLessThanOrEqual(epsilon);
    // ... and really rounded: most weights differ from float32.
    const w = pth.stateDict.get('fc.weight')!.data;
    const r = low.stateDict.get('fc.weight')!.data;
    expect(w.filter((v, i) => v !== r[i]).length).toBeGreaterThan(w.length / 2);
    expect(() => checkStateDict(graph, low.stateDict)).not.toThrow();
  });

  it('refuses a truncated copy of each file as damaged', () => {
    for (const name of [`${model}.pth`, `${model}.safetensors`]) {
      const bytes = read(name);
      for (const keep of [0.999, 0.5, 0.01]) {
        const err = errorOf(() => readWeights(bytes.subarray(0, Math.floor(bytes.length * keep)), name));
        expect(err.code, `${name} cut to ${keep}`).toBe('corrupt');
      }
    }
  });
});

describe('legacy.pth: tiny_resnet in the legacy (non-zip) torch.save format', () => {
  const legacy = load('legacy.pth');
  const pth = load('tiny_resnet.pth');
  const st = load('tiny_resnet.safetensors');

  it('loads exactly the float32 data of tiny_resnet.pth and tiny_resnet.safetensors, in the same order', () => {
    expect(legacy.format).toBe('pth');
    expect(legacy.strippedPrefix).toBeNull();
    expect([...legacy.stateDict.keys()]).toEqual([...pth.stateDict.keys()]);
    for (const [key, t] of pth.stateDict) {
      expect(legacy.stateDict.get(key), key).toEqual(t);
      expect(legacy.stateDict.get(key), key).toEqual(st.stateDict.get(key));
    }
  });

  it('fits the network of the manifest, which is inferred from the file alone', () => {
    const config = configOf('tiny_resnet');
    expect(() => checkStateDict(buildLayerGraph(config), legacy.stateDict)).not.toThrow();
    expect(inferConfig(legacy.stateDict)).toEqual({ ...config, input: [config.input[0], 224, 224] });
  });

  it('refuses a truncated copy, or one with bytes appended, as damaged', () => {
    const bytes = read('legacy.pth');
    for (const keep of [0.999, 0.5, 0.01]) {
      const err = errorOf(() => readWeights(bytes.subarray(0, Math.floor(bytes.length * keep)), 'legacy.pth'));
      expect(err.code, `cut to ${keep}`).toBe('corrupt');
      expect(err.message, `cut to ${keep}`).toMatch(/truncated/);
    }
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(errorOf(() => readWeights(longer, 'legacy.pth')).message).toMatch(/legacy\.pth has 4 unexpected bytes after its last storage/);
  });
});

describe('legacy_mixed.pth: the legacy format\'s harder cases, as torch wrote them', () => {
  it('materialises views of one storage, converts every dtype and skips the optimizer\'s storage', () => {
    const { stateDict: sd, format } = load('legacy_mixed.pth');
    expect(format).toBe('pth');
    const range = Array.from({ length: 24 }, (_, i) => i);
    const values = (key: string): number[] => Array.from(sd.get(key)!.data);
    expect([...sd.keys()]).toEqual(['full', 't', 'slice', 'step', 'half', 'bf16', 'double', 'num_batches_tracked']);
    expect(sd.get('full')).toEqual({ shape: [4, 6], dtype: 'F32', data: Float32Array.from(range) });
    expect(sd.get('t')!.shape).toEqual([6, 4]);
    expect(values('t')).toEqual([0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23]);
    expect(values('slice')).toEqual([8, 9, 10, 14, 15, 16]);
    expect(values('step')).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    expect(sd.get('half')).toEqual({ shape: [3], dtype: 'F16', data: Float32Array.of(1, -0.5, 2.25) });
    expect(sd.get('bf16')).toEqual({ shape: [2, 2], dtype: 'BF16', data: Float32Array.of(1, -2, 0.5, 3) });
    expect(sd.get('double')).toEqual({ shape: [2], dtype: 'F64', data: Float32Array.of(0.25, -8) });
    expect(sd.get('num_batches_tracked')).toEqual({ shape: [], dtype: 'I64', data: Float32Array.of(42) });
  });
});

describe('fixture files that must be refused', () => {
  it('evil.pth: refuses the os.system reference and runs nothing', () => {
    const err = errorOf(() => load('evil.pth'));
    expect(err.code).toBe('unsafe');
    expect(err.message).toMatch(/^refused: the file references the global os\.system; a state_dict needs only OrderedDict, torch tensors and storages/);
  });

  it('a safetensors header whose first dtype is changed from F32 to F16 is refused as a wrong dtype', () => {
    const bytes = read('tiny_resnext.safetensors').slice();
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    const at = header.indexOf('"F32"');
    expect(at).toBeGreaterThan(0);
    bytes.set(new TextEncoder().encode('"F16"'), 8 + at);
    const err = errorOf(() => readWeights(bytes, 'tiny_resnext.safetensors'));
    expect(err.message).toMatch(/\(4 bytes per element\), but shape \[.*\] of F16 \(2 bytes per element\) needs \d+ bytes: the dtype or the shape in the header is wrong/);
  });
});
