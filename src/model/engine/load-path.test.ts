/**
 * The road from bytes to network is walked once: for a file outside the catalogue, one inference of
 * its config, one layer graph and one strict check; for a given network, no inference. And in order:
 * a file is checked against the network before any tensor is decoded.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixturePath, readBytes, readFixtureManifest } from '../../../test/support/fixture-io.ts';
import { buildLayerGraph } from '../graph.ts';
import { inferConfig } from '../weights/infer.ts';
import { verifyStateDict } from '../weights/state_dict.ts';
import { Engine } from './engine.ts';

vi.mock('../graph.ts', async (original) => {
  const m = await original<typeof import('../graph.ts')>();
  return { ...m, buildLayerGraph: vi.fn(m.buildLayerGraph) };
});
vi.mock('../weights/infer.ts', async (original) => {
  const m = await original<typeof import('../weights/infer.ts')>();
  return { ...m, inferConfig: vi.fn(m.inferConfig) };
});
vi.mock('../weights/state_dict.ts', async (original) => {
  const m = await original<typeof import('../weights/state_dict.ts')>();
  return { ...m, verifyStateDict: vi.fn(m.verifyStateDict) };
});

const DIR = 'fixtures/weights';
const file = (name: string) => ({ bytes: readBytes(fixturePath(DIR, `${name}.safetensors`)), name: `${name}.safetensors` });
const calls = () => ({ inferences: vi.mocked(inferConfig).mock.calls.length, graphs: vi.mocked(buildLayerGraph).mock.calls.length, checks: vi.mocked(verifyStateDict).mock.calls.length });

describe('Engine.loadWeights walks the load path once', () => {
  const engine = new Engine({ order: ['cpu'] });
  beforeEach(async () => {
    await engine.setBackend('cpu');
    vi.clearAllMocks();
  });
  afterEach(() => engine.unloadWeights());

  it('a file outside the catalogue: one inference, one graph, one strict check', async () => {
    const loaded = await engine.loadWeights(file('tiny_resnext'));
    expect(loaded.config).toEqual({ ...readFixtureManifest(DIR, 'tiny_resnext').config, input: [3, 224, 224] });
    expect(calls()).toEqual({ inferences: 1, graphs: 1, checks: 1 });
  });

  it('a given network (as a catalogue entry gives its own): no inference, one graph, one strict check', async () => {
    const config = readFixtureManifest(DIR, 'tiny_resnet').config;
    await engine.loadWeights(file('tiny_resnet'), { config, input: [3, 64, 64] });
    expect(calls()).toEqual({ inferences: 0, graphs: 1, checks: 1 });
    expect(engine.network!.graph.config.input).toEqual([3, 64, 64]);
  });

  it('a file for another network is refused by the check before a tensor is decoded', async () => {
    // A NaN in the file's last float: found only if its tensors were decoded.
    const bad = file('tiny_resnet');
    bad.bytes = bad.bytes.slice();
    bad.bytes.set([0, 0, 0xc0, 0x7f], bad.bytes.length - 4);
    const other = readFixtureManifest(DIR, 'tiny_resnext').config;
    await expect(engine.loadWeights(bad, { config: other })).rejects.toMatchObject({ code: 'mismatch' });
    await expect(engine.loadWeights(bad)).rejects.toMatchObject({ code: 'nonfinite' });
    expect(engine.network).toBeNull();
  });
});
