/**
 * Config inference on timm's resnet.py architectures: every preset's state_dict shapes give its
 * architecture back (GroupNorm, the conv stem pool, SE reduction, the 3x3 shortcut, reduce-first, the
 * pruned widths), except anti-aliasing, which leaves no trace: such a file loads as the plain network
 * with a notice naming the variants, and a completing field (`--aa blur`) makes it the variant.
 */
import { describe, expect, it } from 'vitest';
import { sameArchitecture } from '../config-fields.ts';
import { timmOnlyFeatures, type NetworkConfig } from '../config.ts';
import { buildLayerGraph, stateDictSpec } from '../graph.ts';
import { PRESETS, presetConfig } from '../presets.ts';
import type { StateDictShapes } from './common.ts';
import { inferConfig, inferenceNotice } from './infer.ts';
import { weightsNetwork } from './network.ts';
import { openWeights } from './open.ts';
import { fixturePath, readBytes, readFixtureManifest } from '../../../test/support/fixture-io.ts';
import { familyIndex, FAMILY_DIR } from '../../../test/support/family-fixtures.ts';

function shapesOf(config: NetworkConfig): StateDictShapes {
  return new Map(stateDictSpec(buildLayerGraph(config)).map((t) => [t.key, { shape: t.shape }]));
}

const TIMM = PRESETS.filter((p) => p.timm && p.config.implementation === 'timm');

describe('inference from the shapes of every timm preset', () => {
  it.each(TIMM.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    const inferred = inferConfig(shapesOf(p.config));
    // A file cannot tell blur from average-pool anti-aliasing, nor (outside the conv stem pool) any at all.
    // Without it, a network with no other timm-only feature has torchvision's keys, and infers as torchvision's layout.
    const traceless = p.config.stemPool === 'conv' ? { aa: p.config.aa === 'none' ? 'none' : 'blur' } as const : { aa: 'none' } as const;
    const want = { ...p.config, ...traceless, implementation: inferred.implementation };
    expect(sameArchitecture(want, inferred), JSON.stringify(inferred)).toBe(true);
    expect(sameArchitecture(inferred, want)).toBe(true);
    if (timmOnlyFeatures(want).length > 0) expect(inferred.implementation).toBe('timm');
    if (p.config.aa !== 'none' && p.config.stemPool !== 'conv') {
      expect(inferenceNotice(inferred)?.text).toContain(p.name);
    }
  });

  it('names what it found: GroupNorm, the conv stem pool, SE reduction 4, a 3x3 shortcut, reduce-first, narrowed convs', () => {
    expect(inferConfig(shapesOf(presetConfig('resnet50_gn'))).norm).toBe('groupnorm');
    const rs = inferConfig(shapesOf(presetConfig('resnetrs50')));
    expect([rs.stemPool, rs.seReduction, rs.aa]).toEqual(['conv', 4, 'none']);
    const senet = inferConfig(shapesOf(presetConfig('senet154')));
    expect([senet.downKernel, senet.reduceFirst, senet.cardinality, senet.widthPerGroup]).toEqual([3, 2, 64, 4]);
    expect(inferConfig(shapesOf(presetConfig('ecaresnet50d_pruned'))).convWidths).toEqual(presetConfig('ecaresnet50d_pruned').convWidths);
    const described = weightsNetwork(shapesOf(presetConfig('resnetrs50'))).config;
    expect(described.stemPool).toBe('conv');
  });

  it('a plain file with anti-aliased namesakes loads as the plain network, with a notice; --aa completes it', () => {
    const shapes = shapesOf(presetConfig('resnet50'));
    const plain = weightsNetwork(shapes);
    expect(plain.config.aa).toBe('none');
    expect(plain.notice?.text).toMatch(/resnetblur50, .*resnetaa50.*--aa blur\|avgpool/);
    const blur = weightsNetwork(shapes, undefined, undefined, { aa: 'blur' });
    expect(sameArchitecture(blur.config, presetConfig('resnetblur50'))).toBe(true);
    expect(blur.notice).toBeNull();
    // No anti-aliased namesake, no notice.
    expect(weightsNetwork(shapesOf(presetConfig('resnext50_32x4d'))).notice).toBeNull();
  });

  it('a narrowed file that matches no preset\'s modules is refused as before', () => {
    const shapes = new Map(shapesOf(presetConfig('resnet50')));
    shapes.set('layer1.0.conv2.weight', { shape: [60, 64, 3, 3] });
    expect(() => weightsNetwork(shapes)).toThrow(/no width per group d gives the bottleneck widths 60, 128/);
  });
});

describe('the family\'s parity checkpoints: inferred (anti-aliasing completed) as the network they were made for', () => {
  // Narrowed networks that are no preset's cannot be inferred: their planned widths are nowhere in the file.
  const dir = `${FAMILY_DIR}/weights`;
  const named = familyIndex().weights.filter((name) => Object.keys(readFixtureManifest(dir, name).config.convWidths).length === 0);

  it.each(named)('%s', (name) => {
    const m = readFixtureManifest(dir, name);
    const { entries } = openWeights(readBytes(fixturePath(dir, `${name}.safetensors`)), `${name}.safetensors`);
    const net = weightsNetwork(entries, undefined, undefined, m.config.aa === 'none' ? undefined : { aa: m.config.aa });
    expect(sameArchitecture(net.config, m.config)).toBe(true);
    expect(sameArchitecture(m.config, net.config)).toBe(true);
  });
});
