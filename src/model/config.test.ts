import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze.ts';
import { ConfigError, impliedImplementation, parseInputSize, timmOnlyFeatures, validateConfig, type NetworkConfig } from './config.ts';
import { buildLayerGraph } from './graph.ts';
import { presetConfig } from './presets.ts';

const base = (): NetworkConfig => presetConfig('resnext50_32x4d');

function refuses(change: (c: NetworkConfig) => void, message: RegExp): void {
  const c = base();
  change(c);
  expect(() => validateConfig(c)).toThrow(ConfigError);
  expect(() => validateConfig(c)).toThrow(message);
  // The error carries its message as an id with parameters, for the app to translate.
  try {
    validateConfig(c);
  } catch (e) {
    expect((e as ConfigError).msg?.id).toMatch(/^config\./);
    expect((e as ConfigError).msg?.text).toBe((e as ConfigError).message);
  }
}

describe('config validation', () => {
  it('accepts every preset', () => {
    expect(validateConfig(base())).toBeTruthy();
  });

  it('refuses non-positive and non-integer values, naming the field', () => {
    refuses((c) => (c.cardinality = 0), /cardinality must be a positive integer, got 0/);
    refuses((c) => (c.cardinality = 2.5), /cardinality must be a positive integer, got 2.5/);
    refuses((c) => (c.widthPerGroup = -4), /width per group \(d\) must be a positive integer/);
    refuses((c) => (c.baseWidth = 0), /base width must be a positive integer/);
    refuses((c) => (c.depths = [3, 0, 6, 3]), /depths\[1\] \(blocks in stage 2\) must be a positive integer/);
    refuses((c) => (c.depths = []), /depths must list/);
    refuses((c) => (c.classes = 0), /classes must be a positive integer/);
    refuses((c) => ((c as unknown as { cardinality: unknown }).cardinality = 'x'), /cardinality must be a number/);
    refuses((c) => ((c as unknown as { block: string }).block = 'dense'), /block must be "basic", "bottleneck" or "regnet"/);
    refuses((c) => ((c as unknown as { stem: string }).stem = 'vit'), /stem must be one of imagenet, deep, deep_tiered, cifar, got "vit"/);
  });

  it('refuses a basic block with C != 1 or d != 64 and explains why', () => {
    const c = presetConfig('resnet18', { cardinality: 32 });
    expect(() => validateConfig(c)).toThrow(/basic block supports only cardinality 1 and width per group 64.*torchvision/);
    expect(() => validateConfig(presetConfig('resnet34', { widthPerGroup: 4 }))).toThrow(/basic block/);
  });

  it('refuses a zero bottleneck width', () => {
    refuses((c) => Object.assign(c, { baseWidth: 8, widthPerGroup: 4 }), /bottleneck width .* is 0/);
  });

  it('refuses input sizes PyTorch would refuse and accepts 1x1', () => {
    refuses((c) => (c.input = [3, 0, 224]), /input height must be a positive integer, got 0/);
    refuses((c) => (c.input = [3, 224, -5]), /input width must be a positive integer/);
    refuses((c) => (c.input = [0, 224, 224]), /input channels/);
    expect(() => parseInputSize('3x224')).not.toThrow();
    expect(parseInputSize('3x224x200')).toEqual([3, 224, 200]);
    expect(parseInputSize('64')).toEqual([3, 64, 64]);
    expect(() => parseInputSize('3xx224')).toThrow(/malformed/);
    expect(() => parseInputSize('-3x224x224')).toThrow(/malformed/);
    expect(() => parseInputSize('3x0x224')).toThrow(/height must be a positive integer/);
    const tiny = buildLayerGraph(presetConfig('resnext50_32x4d', { input: [3, 1, 1] }));
    expect(tiny.nodes[tiny.output].outShape).toEqual([1000]);
    expect(tiny.stages.map((s) => s.outShape.slice(1))).toEqual([[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]);
  });

  it('refuses absurd sizes with the figure instead of hanging', () => {
    expect(() => analyze(presetConfig('resnet50', { input: [3, 100000, 100000] }))).toThrow(
      /would need 814,560,002,048,000 multiply-accumulates per image \(over 1,000,000,000,000\)/,
    );
    expect(() => analyze(presetConfig('resnet50', { classes: 10_000_000 }))).toThrow(/would have 20,\d{3},\d{3},\d{3} parameters \(over 10,000,000,000\)/);
    expect(() => validateConfig(presetConfig('resnet50', { depths: [3, 4, 100000, 3] }))).toThrow(/100,010 blocks/);
  });
});

describe("timm's RegNet options (RegNetV, RegNetZ, GroupNorm): one-line errors naming the value and the fix", () => {
  const base = () => presetConfig('regnetz_005');
  const error = (over: Partial<NetworkConfig>): string => {
    try {
      buildLayerGraph(validateConfig({ ...base(), ...over }));
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };
  it.each([
    [{ implementation: 'torchvision', widthRounding: 'divisible' }, /exist only in timm's RegNet, not in torchvision's: set implementation "timm"/],
    [{ shortcut: 'bogus' as NetworkConfig['shortcut'] }, /shortcut must be one of conv1x1, avg, none, got "bogus"/],
    [{ activation: 'gelu' as NetworkConfig['activation'] }, /activation must be one of relu, silu, got "gelu"/],
    [{ headFeatures: -1 }, /head features must be 0 \(no head conv\) or a positive integer .* got -1/],
    [{ gnGroupSize: 1.5 }, /GroupNorm group size must be 0 \(BatchNorm\) or a positive integer .* got 1.5/],
    [{ gnGroupSize: 7 }, /stem.bn has 32 channels, which GroupNorm groups of 7 channels do not divide .* use a group size that divides every width/],
    [{ preact: 'yes' as unknown as boolean }, /pre-activation must be one of true, false, got "yes"/],
  ] as const)('%o', (over, pattern) => {
    const m = error(over as Partial<NetworkConfig>);
    expect(m).toMatch(pattern);
    expect(m.split('\n')).toHaveLength(1);
  });

  it('a timm-only option brings timm\'s modules; the six presets build', () => {
    const tv = presetConfig('regnet_x_400mf');
    expect(impliedImplementation(tv, { ...tv, preact: true }).implementation).toBe('timm');
    expect(timmOnlyFeatures({ ...tv, activation: 'silu', shortcut: 'none' }).map((m) => m.text)).toEqual(['the none shortcut', 'the silu activation']);
    for (const name of ['regnety_040_sgn', 'regnetv_040', 'regnetv_064', 'regnetz_005', 'regnetz_040', 'regnetz_040_h']) expect(error(presetConfig(name))).toBe('');
  });
});
