import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, configField, editField, parsePositiveInteger, sameArchitecture } from './config-fields.ts';
import { PRESETS, presetConfig } from './presets.ts';
import type { NetworkConfig } from './config.ts';

describe('the config fields table', () => {
  it('names each field of NetworkConfig once, with its own URL key and CLI flag', () => {
    expect(CONFIG_FIELDS.map((f) => f.key).sort()).toEqual(Object.keys(presetConfig('resnet50')).sort());
    expect(new Set(CONFIG_FIELDS.map((f) => f.url)).size).toBe(CONFIG_FIELDS.length);
    expect(new Set(CONFIG_FIELDS.map((f) => f.flag)).size).toBe(CONFIG_FIELDS.length);
    for (const f of CONFIG_FIELDS) {
      if (f.control.kind === 'select') expect(f.choices?.length, f.key).toBeGreaterThan(1);
      if (f.control.kind === 'check') expect(f.syntax, f.key).toBe('0|1');
    }
  });

  it('reads back the text it writes, for every field of every preset', () => {
    for (const p of PRESETS) {
      for (const f of CONFIG_FIELDS) expect(f.read(p.config, f.text(p.config)), `${p.name} ${f.key}`).toEqual(p.config);
    }
  });

  it('names the field as the caller does in its messages: the panel\'s word, or the CLI\'s flag', () => {
    const config = presetConfig('resnet50');
    const c = configField('cardinality');
    expect(() => c.read(config, 'abc')).toThrow('cardinality must be a positive integer, got "abc"');
    expect(() => c.read(config, '-3', { whole: '--cardinality' })).toThrow('--cardinality must be a positive integer, got "-3"');
    expect(() => c.read(config, '9'.repeat(30))).toThrow(`cardinality is too large: ${'9'.repeat(24)}... (30 characters) has 30 digits`);
    const depths = configField('depths');
    expect(() => depths.read(config, '3,,4')).toThrow('depths[1] (blocks in stage 2) must be a positive integer, got ""');
    expect(() => depths.read(config, '3,x', { whole: '--depths', entry: (i) => `--depths entry ${i + 1}` })).toThrow('--depths entry 2 must be a positive integer, got "x"');
    expect(() => depths.read(config, ' ')).toThrow('depths must be a comma-separated list of positive integers, e.g. 3,4,6,3, got " "');
    expect(() => configField('stem').read(config, 'tall')).toThrow('stem must be one of imagenet, deep, deep_tiered, cifar, got "tall"');
    expect(() => configField('avgDown').read(config, 'yes')).toThrow('avg-down shortcut must be 0 or 1, got "yes"');
    expect(() => configField('input').read(config, '3x0x5')).toThrow('input height must be a positive integer');
    expect(parsePositiveInteger(' 12 ', 'n')).toBe(12);
  });

  it('brings timm\'s modules with a timm-only feature and returns to torchvision\'s when the last one goes', () => {
    const r50 = presetConfig('resnet50');
    const se = editField(r50, configField('attention'), 'se');
    expect(se.implementation).toBe('timm');
    const deep = editField(se, configField('stem'), 'deep');
    expect(editField(deep, configField('attention'), 'none').implementation).toBe('timm');
    expect(editField(se, configField('attention'), 'none')).toEqual(r50);
    expect(editField(se, configField('cardinality'), '2').implementation).toBe('timm');
    // The implementation set by hand is what it says, even where the validator will refuse it.
    expect(editField(se, configField('implementation'), 'torchvision').implementation).toBe('torchvision');
    expect(editField(r50, configField('cardinality'), '2').implementation).toBe('torchvision');
  });

  it('compares architectures by the architecture fields, and the stem width only where a deep stem reads it', () => {
    const r50 = presetConfig('resnet50');
    const other = (change: Partial<NetworkConfig>) => sameArchitecture(r50, { ...r50, ...change });
    expect(other({ input: [3, 160, 160], classes: 10, includeTop: false })).toBe(true);
    expect(other({ stemWidth: 48 })).toBe(true);
    expect(other({ cardinality: 2 })).toBe(false);
    expect(other({ depths: [3, 4, 6] })).toBe(false);
    const deep = presetConfig('resnet50d');
    expect(sameArchitecture(deep, { ...deep, stemWidth: 48 })).toBe(false);
  });

  it('says when a field has no effect', () => {
    const sw = configField('stemWidth');
    expect(sw.used(presetConfig('resnet50'))).toBe(false);
    expect(sw.used(presetConfig('resnet50d'))).toBe(true);
    expect(sw.unused(presetConfig('resnet50'), '--stem-width').text).toBe(
      '--stem-width sets the width of timm\'s deep stems; set the stem to deep or deep_tiered (the imagenet stem has none)',
    );
  });
});
