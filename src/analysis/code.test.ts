/**
 * The network as code against what torch built from it: tools/fixtures/code_fixtures.py ran each
 * snippet the CLI printed with torch (torchvision, timm) and recorded the parameter count and the
 * state_dict. The snippet must still be the one that ran, and what it built must be the layer graph's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../model/config.ts';
import { buildLayerGraph, stateDictSpec } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { run } from '../cli/main.ts';
import { pytorchCode, type CodeFramework } from './code.ts';
import { totalParams } from './counts.ts';
import { corePresetNames } from '../../test/support/family-fixtures.ts';
import { fixtureConfig, type FixtureConfig } from '../../test/support/fixture-config.ts';

interface CodeCase {
  id: string;
  preset: string | null;
  args: string[];
  framework: CodeFramework;
  config: FixtureConfig;
  snippet: string;
  network: string;
}

const DIR = 'fixtures/code';
const cases: CodeCase[] = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')).cases;

describe('PyTorch code builds the layer graph\'s network', () => {
  it('covers every preset, both frameworks and irregular networks', () => {
    // RegNets have their own fixtures (fixtures/regnet, src/analysis/regnet.test.ts).
    expect(new Set(cases.flatMap((c) => (c.preset ? [c.preset] : [])))).toEqual(new Set(corePresetNames()));
    expect(new Set(cases.map((c) => c.framework))).toEqual(new Set(['torchvision', 'timm']));
    expect(cases.filter((c) => c.preset === null).length).toBeGreaterThanOrEqual(8);
    const snippets = cases.map((c) => readFileSync(`${DIR}/${c.snippet}`, 'utf8'));
    for (const form of ['from torchvision.models import', 'from torchvision.models.resnet import', 'class ResNet(nn.Module)', 'timm.create_model(', 'from timm.models.resnet import']) {
      expect(snippets.some((s) => s.includes(form)), form).toBe(true);
    }
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const config = fixtureConfig(c.config);
    const snippet = readFileSync(`${DIR}/${c.snippet}`, 'utf8');
    expect(pytorchCode(config, c.framework)).toBe(snippet);
    expect(await run(['code', ...c.args])).toBe(snippet);
    const built: { params: number; state_dict: [string, number[]][] } = JSON.parse(readFileSync(`${DIR}/${c.network}`, 'utf8'));
    const graph = buildLayerGraph({ ...config, implementation: c.framework });
    expect(built.params).toBe(totalParams(graph));
    expect(built.state_dict).toEqual(stateDictSpec(graph).map((t) => [t.key, t.shape]));
  });

  it('says in one line when the framework cannot build the network', () => {
    const refusal = (name: string, framework: CodeFramework) => {
      try {
        pytorchCode(presetConfig(name), framework);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error(`${name} was built by ${framework}`);
    };
    expect(refusal('resnet50d', 'torchvision')).toBe("torchvision's ResNet cannot build the deep stem and the average-pool shortcut (avg-down), which exist only in timm: use the timm framework");
    expect(refusal('seresnext50_32x4d', 'torchvision')).toMatch(/squeeze-and-excitation attention, which exists only in timm/);
    expect(refusal('resnext29_8x64d', 'timm')).toMatch(/^timm's ResNet has no CIFAR stem/);
    expect(() => pytorchCode({ ...presetConfig('resnet18'), depths: [1, 1, 1, 1, 1] }, 'timm')).toThrow(/runs exactly 4 stages .*this network has 5/);
    expect(() => pytorchCode({ ...presetConfig('resnet18'), depths: [2, 2] }, 'timm')).toThrow(/runs exactly 4 stages .*this network has 2/);
    expect(() => pytorchCode(presetConfig('resnet18'), 'keras' as CodeFramework)).toThrow('framework must be torchvision or timm, got "keras"');
    for (const name of ['resnet50d', 'resnext29_8x64d']) expect(refusal(name, name === 'resnet50d' ? 'torchvision' : 'timm')).not.toContain('\n');
  });
});
