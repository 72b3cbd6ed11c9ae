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
import { inferenceNotice } from '../weights/infer.ts';
import { openWeights } from '../weights/open.ts';
import { useBackend } from './backends.ts';
import { GROUPED_METHODS, groupedKernelAvailable } from './grouped.ts';
import { buildNetwork } from './network.ts';
import { maxAbsDiff, readBytes, readF32 } from '../../../test/support/fixture-io.ts';
import type { NetworkConfig } from '../config.ts';

const DIR = 'fixtures/regnet/weights';
interface Tiny { name: string; library: 'torchvision' | 'timm'; args: Record<string, number & string & boolean>; stem_width: number; input: number[]; classes: number; tensors: Record<string, number[]> }
const { models } = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) as { models: Tiny[] };

/** The config the library built, from the arguments the fixture script passed. */
function configOf(m: Tiny): NetworkConfig {
  const a = m.args;
  const tv = m.library === 'torchvision';
  return presetConfig(tv ? 'regnet_x_400mf' : 'regnetx_002', {
    regnetDepth: a.depth, w0: tv ? a.w_0 : a.w0, wa: tv ? a.w_a : a.wa, wm: tv ? a.w_m : a.wm, groupWidth: tv ? a.group_width : a.group_size,
    seRatio: a.se_ratio ?? 0, stemWidth: m.stem_width, input: [m.input[1], m.input[2], m.input[3]], classes: m.classes,
    // timm's RegNetCfg options (RegNetV, RegNetZ, GroupNorm): its defaults where the fixture passed none.
    bottleneckRatio: a.bottle_ratio ?? 1, preact: a.preact ?? false, linearOut: a.linear_out ?? false, headFeatures: a.num_features ?? 0,
    shortcut: 'downsample' in a ? (a.downsample ?? 'none') : 'conv1x1', activation: a.act_layer ?? 'relu', gnGroupSize: a.gn_group_size ?? 0,
  });
}

describe('RegNet parity with torchvision and timm', () => {
  it('has both layouts, with and without SE', () => {
    expect(new Set(models.map((m) => m.library))).toEqual(new Set(['torchvision', 'timm']));
    expect(models.some((m) => m.args.se_ratio)).toBe(true);
    expect(models.some((m) => !m.args.se_ratio)).toBe(true);
    // timm's RegNetV (pre-activation, average-pool and 1x1 shortcuts), RegNetZ and GroupNorm + SiLU.
    expect(models.filter((m) => m.args.preact).map((m) => m.args.downsample ?? 'conv1x1').sort()).toEqual(['avg', 'conv1x1']);
    expect(models.some((m) => m.args.downsample === null && m.args.linear_out && m.args.num_features && m.args.bottle_ratio === 4)).toBe(true);
    expect(models.some((m) => m.args.gn_group_size && m.args.act_layer === 'silu')).toBe(true);
  });

  it.each(models.map((m) => [m.name, m] as const))('%s: the state_dict the library wrote, and the config inferred from it', (_, m) => {
    const config = configOf(m);
    expect(stateDictSpec(buildLayerGraph(config)).map((t) => [t.key, t.shape])).toEqual(Object.entries(m.tensors));
    const sd = openWeights(readBytes(`${DIR}/${m.name}.safetensors`), `${m.name}.safetensors`).read();
    const inferred = inferConfig(sd);
    expect(stateDictSpec(buildLayerGraph(inferred))).toEqual(stateDictSpec(buildLayerGraph({ ...config, input: inferred.input })));
    expect(inferred, m.name).toEqual({ ...inferred, gnGroupSize: config.gnGroupSize, linearOut: config.linearOut, preact: config.preact, shortcut: config.shortcut, headFeatures: config.headFeatures });
    // The activation has no weights: timm's choice for such a network (SiLU for its RegNetV/Z), said in the notice.
    const notice = inferenceNotice(inferred)?.text ?? '';
    if (inferred.activation !== config.activation) expect([inferred.activation, notice]).toEqual(['silu', expect.stringContaining('--activation silu')]);
    expect(inferenceNotice(inferred, { activation: 'silu', gnGroupSize: inferred.gnGroupSize, linearOut: inferred.linearOut })).toBeNull();
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
