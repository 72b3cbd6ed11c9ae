/**
 * RegNets in the engine against torchvision and timm: tiny random-init RegNets (fixtures/regnet/weights,
 * tools/fixtures/regnet_fixtures.py) in both state_dict layouts, their config inferred from the file,
 * logits within 1e-4 of the library's on every grouped-conv method, folded and unfolded.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildLayerGraph, stateDictSpec } from '../graph.ts';
import { presetConfig } from '../presets.ts';
import { inferConfig } from '../weights/index.ts';
import { openWeights } from '../weights/open.ts';
import { useBackend } from './backends.ts';
import { GROUPED_METHODS, groupedKernelAvailable } from './grouped.ts';
import { buildNetwork } from './network.ts';
import { maxAbsDiff, readBytes, readF32 } from '../../../test/support/fixture-io.ts';
import type { NetworkConfig } from '../config.ts';

const DIR = 'fixtures/regnet/weights';
interface Tiny { name: string; library: 'torchvision' | 'timm'; args: Record<string, number>; stem_width: number; input: number[]; classes: number; tensors: Record<string, number[]> }
const { models } = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) as { models: Tiny[] };

/** The config the library built, from the arguments the fixture script passed. */
function configOf(m: Tiny): NetworkConfig {
  const a = m.args;
  const tv = m.library === 'torchvision';
  return presetConfig(tv ? 'regnet_x_400mf' : 'regnetx_002', {
    regnetDepth: a.depth, w0: tv ? a.w_0 : a.w0, wa: tv ? a.w_a : a.wa, wm: tv ? a.w_m : a.wm, groupWidth: tv ? a.group_width : a.group_size,
    seRatio: a.se_ratio ?? 0, stemWidth: m.stem_width, input: [m.input[1], m.input[2], m.input[3]], classes: m.classes,
  });
}

describe('RegNet parity with torchvision and timm', () => {
  it('has both layouts, with and without SE', () => {
    expect(new Set(models.map((m) => m.library))).toEqual(new Set(['torchvision', 'timm']));
    expect(models.some((m) => m.args.se_ratio)).toBe(true);
    expect(models.some((m) => !m.args.se_ratio)).toBe(true);
  });

  it.each(models.map((m) => [m.name, m] as const))('%s: the state_dict the library wrote, and the config inferred from it', (_, m) => {
    const config = configOf(m);
    expect(stateDictSpec(buildLayerGraph(config)).map((t) => [t.key, t.shape])).toEqual(Object.entries(m.tensors));
    const sd = openWeights(readBytes(`${DIR}/${m.name}.safetensors`), `${m.name}.safetensors`).read();
    const inferred = inferConfig(sd);
    expect(stateDictSpec(buildLayerGraph(inferred))).toEqual(stateDictSpec(buildLayerGraph({ ...config, input: inferred.input })));
  });

  describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
    it.each(models.map((m) => [m.name, m] as const))('%s: logits within 1e-4 on every grouped method, folded and unfolded, from .pth and safetensors', async (_, m) => {
      await useBackend(backend);
      const graph = buildLayerGraph(configOf(m));
      const x = readF32(`${DIR}/${m.name}.input.bin`);
      const ref = readF32(`${DIR}/${m.name}.logits.bin`);
      for (const file of [`${m.name}.safetensors`, `${m.name}.pth`]) {
        const sd = openWeights(readBytes(`${DIR}/${file}`), file).read();
        for (const grouped of GROUPED_METHODS) {
          if (grouped === 'kernel' && !groupedKernelAvailable(backend)) continue;
          for (const fold of [true, false]) {
            const net = buildNetwork(graph, sd, { grouped, fold });
            const y = await net.run(x, m.input);
            net.dispose();
            expect(y.shape).toEqual([m.input[0], m.classes]);
            expect(maxAbsDiff(y.data, ref), `${file} ${grouped} fold=${fold}`).toBeLessThanOrEqual(1e-4);
          }
        }
      }
    });
  });
});
