import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isView } from '../fusion.ts';
import { buildLayerGraph } from '../graph.ts';
import { WeightsError, inferConfig } from '../weights/index.ts';
import { readWeights } from '../../../test/support/weights.ts';
import { Engine } from './engine.ts';
import { FiniteGuard, NonFiniteError, checkInput } from './finite.ts';

const DIR = 'fixtures/hostile';
const nan = (JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  nan: { input: string; nan_input: string; cases: Record<string, { torch_logits: (number | string)[]; all_finite: boolean }> };
}).nan;

const f32 = (file: string): Float32Array => {
  const b = readFileSync(join(DIR, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const SHAPE = [1, 3, 8, 8];

async function engineWith(file: string, backend: 'cpu' | 'wasm'): Promise<Engine> {
  const e = new Engine({ order: ['wasm', 'cpu'] });
  await e.setBackend(backend);
  await e.loadWeights({ bytes: new Uint8Array(readFileSync(join(DIR, file))), name: file });
  return e;
}

describe.each(['cpu', 'wasm'] as const)('NaN and overflow are reported, never shown as a prediction (%s)', (backend) => {
  it('the intact network gives PyTorch\'s logits', async () => {
    const e = await engineWith('micro_basic.safetensors', backend);
    const r = await e.logits(f32(nan.input), SHAPE);
    const expected = nan.cases['micro_basic.safetensors'].torch_logits as number[];
    expect(Math.max(...expected.map((v, i) => Math.abs(v - r.logits[i])))).toBeLessThanOrEqual(1e-4);
    e.unloadWeights();
  });

  it('one NaN pixel: PyTorch gives NaN logits; the engine refuses the input', async () => {
    expect(nan.cases['micro_basic.safetensors+nan_input'].all_finite).toBe(false);
    const e = await engineWith('micro_basic.safetensors', backend);
    await expect(e.logits(f32(nan.nan_input), SHAPE)).rejects.toThrow(/the input holds NaN at element 92 of 192: the network would produce NaN\/Inf/);
    e.unloadWeights();
  });

  it('a weight of 3e38: PyTorch overflows to NaN; the engine refuses the weights, naming the tensor', async () => {
    expect(nan.cases['micro_basic.huge_weight.safetensors'].all_finite).toBe(false);
    await expect(engineWith('micro_basic.huge_weight.safetensors', backend)).rejects.toThrow(
      /tensor conv1\.weight holds a weight of 3\.00e\+38 in output channel 0, which BatchNorm bn1 scales by 1\.\d+e\+0: past float32/,
    );
  });

  it('conv weights scaled by 1e13: the overflow deep inside (where wasm\'s ReLU would wash the NaN out) is found', async () => {
    expect(nan.cases['micro_basic.scaled_1e13.safetensors'].all_finite).toBe(false);
    const e = await engineWith('micro_basic.scaled_1e13.safetensors', backend);
    await expect(e.logits(f32(nan.input), SHAPE)).rejects.toThrow(NonFiniteError);
    e.unloadWeights();
  });

  it('leaves no tensor behind when it refuses', async () => {
    const e = await engineWith('micro_basic.scaled_1e13.safetensors', backend);
    const before = tf.memory().numTensors;
    await expect(e.logits(f32(nan.input), SHAPE)).rejects.toThrow(NonFiniteError);
    expect(tf.memory().numTensors).toBe(before);
    e.unloadWeights();
  });
});

describe('FiniteGuard', () => {
  const file = 'micro_basic.safetensors';
  const sd = readWeights(new Uint8Array(readFileSync(join(DIR, file))), file).stateDict;
  const graph = buildLayerGraph({ ...inferConfig(sd), input: [3, 8, 8] });

  it('watches the output of every residual block', () => {
    const guard = new FiniteGuard(graph, sd);
    expect([...guard.watched].map((i) => graph.nodes[i].name)).toEqual(['layer1.0.relu']);
  });

  it("watches the op that computes a block's output, through views: a linear-output RegNetZ block ends in an Identity", () => {
    for (const name of ['tiny_regnetz_timm', 'tiny_regnetv_timm', 'tiny_regnetx_timm']) {
      const f = `${name}.safetensors`;
      const weights = readWeights(new Uint8Array(readFileSync(join('fixtures/regnet/weights', f))), f).stateDict;
      const g = buildLayerGraph(inferConfig(weights));
      const guard = new FiniteGuard(g, weights);
      const blocks = g.nodes.filter((n) => n.kind === 'block');
      expect(guard.watched.size, name).toBe(blocks.length);
      for (const i of guard.watched) expect(isView(g.nodes[i].kind), `${name} ${g.nodes[i].name}`).toBe(false);
    }
  });

  it('reports a NaN seen at a block output, and non-finite logits, as "the network produced NaN/Inf"', () => {
    const guard = new FiniteGuard(graph, sd);
    const block = [...guard.watched][0];
    expect(() => guard.check(1, new Map([[block, NaN]]), [0, 0, 0])).toThrow(/the network produced NaN\/Inf \(at layer1\.0\.relu\)/);
    expect(() => guard.check(1, new Map([[block, 2]]), [0, Infinity, 0])).toThrow(/the network produced NaN\/Inf \(logit 1 is \+Infinity\)/);
    expect(() => guard.check(1, new Map([[block, 2]]), [0, 1, 0])).not.toThrow();
    // Inputs up to ~1e36 are provably fine for this network; beyond, the bound passes float32's range.
    expect(() => guard.check(1e30, new Map(), [0, 1, 0])).not.toThrow();
    expect(() => guard.check(1e38, new Map(), [0, 1, 0])).toThrow(/overflows float32 at conv1/);
  });

  it('refuses BatchNorm statistics that make the network undefined, naming the key', () => {
    const broken = new Map(sd);
    const v = sd.get('bn1.running_var')!;
    broken.set('bn1.running_var', { ...v, data: Float32Array.from(v.data, (x, i) => (i === 2 ? -1 : x)) });
    expect(() => new FiniteGuard(graph, broken)).toThrow(/tensor bn1\.running_var holds -1 at element 2: BatchNorm divides by sqrt\(running_var \+ eps\)/);
    const scaled = new Map(sd);
    const g = sd.get('layer1.0.bn2.weight')!;
    scaled.set('layer1.0.bn2.weight', { ...g, data: Float32Array.from(g.data, (x, i) => (i === 0 ? 3e38 : x)) });
    const err = (() => {
      try {
        new FiniteGuard(graph, scaled);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).code).toBe('nonfinite');
    expect((err as WeightsError).message).toMatch(/BatchNorm layer1\.0\.bn2 \(channel 0: weight 3\.\d+e\+38.*past float32/);
  });

  it('checkInput names the first non-finite element and returns the largest magnitude', () => {
    expect(checkInput(Float32Array.of(1, -3, 2))).toBe(3);
    expect(() => checkInput(Float32Array.of(1, -Infinity), 'x.bin')).toThrow(/x\.bin holds -Infinity at element 1 of 2/);
  });
});

describe('the overflow a check of the logits alone misses', () => {
  // tiny_resnet with layer2.0.conv1 scaled by 1e38: the conv overflows, and wasm's fused ReLU turns the
  // resulting NaN into 0, so without the guard wasm prints ordinary logits where cpu (like PyTorch) gives NaN.
  const file = 'tiny_resnet.safetensors';
  const sd = readWeights(new Uint8Array(readFileSync(join('fixtures/weights', file))), file).stateDict;
  const manifest = JSON.parse(readFileSync('fixtures/weights/tiny_resnet.json', 'utf8')) as { input_shape: number[] };
  const shape = manifest.input_shape;
  const x = (() => {
    const b = readFileSync('fixtures/weights/tiny_resnet.input.bin');
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  })();
  const scaled = new Map(sd);
  const w = sd.get('layer2.0.conv1.weight')!;
  scaled.set('layer2.0.conv1.weight', { ...w, data: Float32Array.from(w.data, (v) => v * 1e38) });
  const config = { ...inferConfig(sd), input: [shape[1], shape[2], shape[3]] as [number, number, number] };

  // Unguarded, cpu and wasm's own GEMM kernels give NaN (as PyTorch); XNNPACK gave ordinary numbers.
  it.each(['cpu', 'wasm'] as const)('is refused on %s, where the unguarded network gives NaN', async (backend) => {
    const e = new Engine({ order: [backend] });
    await e.setBackend(backend);
    await e.loadStateDict(scaled, config, 'scaled');
    const unguarded = await e.network!.run(x, shape);
    expect(unguarded.data.some((v) => Number.isNaN(v))).toBe(true);
    await expect(e.logits(x, shape)).rejects.toThrow(/the network overflows float32 at layer2\.0\.conv1/);
    e.unloadWeights();
  });
});

describe('a NaN pixel a check of the logits alone misses', () => {
  it.each(['cpu', 'wasm'] as const)('tiny_resnext on %s: the max pool swallows the NaN, the guard refuses the input', async (backend) => {
    const e = new Engine({ order: [backend] });
    await e.setBackend(backend);
    await e.loadWeights({ bytes: new Uint8Array(readFileSync('fixtures/weights/tiny_resnext.safetensors')), name: 'tiny_resnext.safetensors', source: 'tiny' });
    const b = readFileSync('fixtures/weights/tiny_resnext.input.bin');
    const x = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    x[5] = NaN;
    const unguarded = await e.network!.run(x, [2, 3, 64, 64]);
    expect(unguarded.data.every((v) => Number.isFinite(v))).toBe(true);
    await expect(e.logits(x, [2, 3, 64, 64])).rejects.toThrow(/the input holds NaN at element 5 of 24576/);
    e.unloadWeights();
  });
});

describe('the guard on timm networks (SE, ECA, avg-pool shortcut)', () => {
  const W = 'fixtures/weights';
  const f32At = (file: string): Float32Array => {
    const b = readFileSync(join(W, file));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };

  it.each(['tiny_seresnext_d', 'tiny_ecaresnet_t', 'tiny_seresnet_7x7'])('%s: intact weights run under the guard and give timm\'s logits', async (name) => {
    const manifest = JSON.parse(readFileSync(join(W, `${name}.json`), 'utf8')) as { input_shape: number[] };
    for (const backend of ['cpu', 'wasm'] as const) {
      const e = new Engine({ order: ['wasm', 'cpu'] });
      await e.setBackend(backend);
      await e.loadWeights({ bytes: new Uint8Array(readFileSync(join(W, `${name}.safetensors`))), name: `${name}.safetensors`, source: name });
      const r = await e.logits(f32At(`${name}.input.bin`), manifest.input_shape);
      const expected = f32At(`${name}.logits.bin`);
      expect(Math.max(...Array.from(expected, (v, i) => Math.abs(v - r.logits[i])))).toBeLessThanOrEqual(1e-4);
      e.unloadWeights();
    }
  });

  it('a NaN input is refused before an SE network runs', async () => {
    const name = 'tiny_seresnext_d';
    const manifest = JSON.parse(readFileSync(join(W, `${name}.json`), 'utf8')) as { input_shape: number[] };
    const e = new Engine({ order: ['cpu'] });
    await e.setBackend('cpu');
    await e.loadWeights({ bytes: new Uint8Array(readFileSync(join(W, `${name}.safetensors`))), name: `${name}.safetensors`, source: name });
    const x = f32At(`${name}.input.bin`);
    x[7] = Number.NaN;
    await expect(e.logits(x, manifest.input_shape)).rejects.toThrow(/the input holds NaN at element 7/);
    e.unloadWeights();
  });
});
