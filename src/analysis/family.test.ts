/**
 * Every architecture of timm's resnet.py that fixtures/family covers (tools/fixtures/family_fixtures.py: the
 * unmodified timm, torchsummary's replica and torchinfo 1.8.0): parameters, MACs, the torchsummary and
 * torchinfo text at 224, other input sizes (or timm's refusal of them), and the code export's snippets.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../model/config.ts';
import { buildLayerGraph, stateDictSpec } from '../model/graph.ts';
import { matchPreset, PRESET_NAMES, presetConfig } from '../model/presets.ts';
import { sameArchitecture } from '../model/config-fields.ts';
import { run } from '../cli/main.ts';
import { pytorchCode } from './code.ts';
import { totalMacs, totalParams } from './counts.ts';
import { summarize, torchsummaryText } from './summary.ts';
import { torchinfoText } from './torchinfo.ts';
import { corePresetNames, FAMILY_DIR, familyIndex, familyText } from '../../test/support/family-fixtures.ts';
import { fixtureConfig } from '../../test/support/fixture-config.ts';

const index = familyIndex();

describe('the family part covers the rest of timm\'s resnet.py', () => {
  it('together with the older parts, every preset once', () => {
    const family = index.architectures.map((a) => a.name);
    expect(new Set(family).size).toBe(family.length);
    expect([...corePresetNames(), ...family].sort()).toEqual(PRESET_NAMES.filter((n) => !n.startsWith('regnet')).sort());
    // GroupNorm, both anti-aliasings, the conv stem pool, SENet-154's shortcut and the pruned widths are among them.
    const configs = index.architectures.map((a) => a.config);
    expect(configs.some((c) => c.norm === 'groupnorm')).toBe(true);
    expect(new Set(configs.map((c) => c.aa ?? 'none'))).toEqual(new Set(['none', 'blur', 'avgpool']));
    expect(configs.some((c) => c.stem_pool === 'conv' && c.se_reduction === 4)).toBe(true);
    expect(configs.some((c) => c.down_kernel === 3 && c.reduce_first === 2)).toBe(true);
    expect(configs.filter((c) => c.conv_widths).length).toBe(2);
  });
});

describe.each(index.architectures.map((a) => [a.name, a] as const))('%s', (name, a) => {
  const config = fixtureConfig(a.config);
  const graph = buildLayerGraph(config);

  it('is the preset, with timm\'s params and MACs', () => {
    expect(config).toEqual(presetConfig(name));
    expect(totalParams(graph)).toBe(a.params);
    expect(totalMacs(graph)).toBe(a.macs);
  });

  it('prints torchsummary\'s and torchinfo\'s text', () => {
    expect(torchsummaryText(summarize(graph))).toBe(familyText(a.summary));
    expect(torchinfoText(graph)).toBe(familyText(a.torchinfo));
  });

  it('exports as timm.create_model (of the first preset of the same architecture: timm\'s ecaresnext50t_32x4d is its 26t)', () => {
    expect(pytorchCode(config)).toContain(`timm.create_model('${matchPreset(config)!.name}')`);
    expect(sameArchitecture(matchPreset(config)!.config, presetConfig(name))).toBe(true);
  });
});

describe('other input sizes: timm\'s text, or timm\'s refusal in one line', () => {
  it.each(index.inputs.map((c) => [`${c.name} at ${c.input.join('x')}`, c] as const))('%s', async (_what, c) => {
    const config = fixtureConfig(c.config);
    expect(config).toEqual(presetConfig(c.name, { input: c.input }));
    if (c.error === null) {
      const graph = buildLayerGraph(config);
      expect(totalParams(graph)).toBe(c.params);
      expect(totalMacs(graph)).toBe(c.macs);
      expect(torchsummaryText(summarize(graph))).toBe(familyText(c.summary!));
      expect(await run(['summary', c.name, '--input', c.input.join('x'), '--order', 'torchvision'])).toBe(familyText(c.summary!));
      return;
    }
    let message = '';
    try {
      buildLayerGraph(config);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message, `timm says: ${c.error}`).not.toBe('');
    expect(message).not.toContain('\n');
    // The same kind of failure as timm's: a sum of two shapes, a pool with no output, a padding wider than the map.
    if (/must match the size/.test(c.error)) expect(message).toMatch(/cannot add its residual branch .* timm's model fails on this input too/);
    if (/Output size is too small/.test(c.error)) expect(message).toMatch(/leaves no output/);
    if (/Padding size should be less/.test(c.error)) expect(message).toMatch(/reflect-pads/);
  });
});

describe('code export of the new options: what torch built from the CLI\'s snippet', () => {
  it.each(index.code.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const config = fixtureConfig(c.config);
    const snippet = readFileSync(`${FAMILY_DIR}/${c.snippet}`, 'utf8');
    expect(pytorchCode(config, 'timm')).toBe(snippet);
    expect(await run(['code', ...c.args, '--framework', 'timm'])).toBe(snippet);
    const graph = buildLayerGraph(config);
    expect(c.params).toBe(totalParams(graph));
    expect(c.state_dict).toEqual(stateDictSpec(graph).map((t) => [t.key, t.shape]));
  });

  it('torchvision\'s ResNet cannot build the new options: one line naming them', () => {
    expect(() => pytorchCode(presetConfig('resnet50_gn'), 'torchvision')).toThrow(/GroupNorm, which exists only in timm/);
    expect(() => pytorchCode(presetConfig('senet154'), 'torchvision')).toThrow(/a 3x3 shortcut conv and reduce-first 2, which exist only in timm/);
  });
});
