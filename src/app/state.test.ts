import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../model/presets.ts';
import { defaultState, editConfig, exactPreset, LISTED_NAMES, MAX_COMPARE, parseState, QUOTED_CHARS, serializeState, urlFormat, withCheckpoint, withConfig, type AppState } from './state.ts';
import { translator } from './i18n/translator.ts';

const roundTrip = (state: AppState) => parseState(serializeState(state));

describe('URL state', () => {
  it('serializes the default state to an empty query and reads it back', () => {
    expect(serializeState(defaultState())).toBe('');
    expect(parseState('')).toEqual({ state: defaultState(), notices: [] });
    expect(parseState('?')).toEqual({ state: defaultState(), notices: [] });
  });

  it('writes a preset by name and only the fields that differ from it', () => {
    const s = { ...defaultState(), preset: 'resnet50', config: presetConfig('resnet50') };
    expect(serializeState(s)).toBe('preset=resnet50');
    const custom = { ...s, config: { ...s.config, cardinality: 8, widthPerGroup: 14, input: [3, 160, 160] as [number, number, number] } };
    expect(serializeState(custom)).toBe('preset=resnet50&C=8&d=14&input=3x160x160');
  });

  it('names the preset a config equals, whatever it was derived from', () => {
    const s = { ...defaultState(), preset: 'resnet50', config: presetConfig('resnext50_8x14d') };
    expect(exactPreset(s.config)).toBe('resnext50_8x14d');
    expect(serializeState(s)).toBe('preset=resnext50_8x14d');
  });

  it('round-trips every field', () => {
    const s: AppState = {
      view: 'forms',
      preset: 'resnext29_8x64d',
      config: { ...presetConfig('resnext29_8x64d'), depths: [2, 5, 1], cardinality: 4, widthPerGroup: 24, baseWidth: 32, classes: 100, includeTop: false, block: 'bottleneck', stem: 'imagenet', input: [1, 64, 48] },
      preserve: true,
      order: 'torchvision',
      convention: 'thop',
      filter: 'conv2 & more',
      detail: 'blocks',
      formsStage: 2,
      formsBlock: 4,
      compare: ['current', 'resnet18', 'resnext101_64x4d'],
      backend: 'wasm',
      batch: 48,
      dtype: 'bfloat16',
      layout: 'nhwc',
      fastNorm: true,
      optimizer: 'adam',
      device: 'browser',
      gpus: 4,
      lang: 'zh',
      layer: 'layer2.3.conv2',
      graphOpen: ['layer2', 'layer2.3', 'layer2.3.conv2'],
      colour: 'time',
      checkpoint: 'my model (v2).safetensors',
    };
    const back = roundTrip(s);
    expect(back.notices).toEqual([]);
    expect(back.state).toEqual(s);
  });

  it('records the checkpoint a network came from while the network is still its (the input size aside)', () => {
    const inferred = { ...presetConfig('seresnext50_32x4d'), classes: 10 };
    const opened = withCheckpoint(defaultState(), inferred, 'seresnext.pth');
    expect(opened.checkpoint).toBe('seresnext.pth');
    // The preset of the same architecture is the link's base: only what differs from it is written.
    expect(opened.preset).toBe('seresnext50_32x4d');
    expect(serializeState(opened)).toBe('preset=seresnext50_32x4d&classes=10&cmp=current%2Cresnet50%2Cresnext50_32x4d&ckpt=seresnext.pth');
    expect(parseState(serializeState(opened)).state.config).toEqual(inferred);
    expect(withConfig(opened, { ...inferred, input: [3, 160, 160] }).checkpoint).toBe('seresnext.pth');
    expect(withConfig(opened, { ...inferred, cardinality: 16 }).checkpoint).toBeNull();
    expect(withCheckpoint(defaultState(), presetConfig('resnet50'), 'r50.pth').preset).toBe('resnet50');
    const custom = { ...presetConfig('resnet50'), depths: [1, 1, 1, 1] };
    expect(withCheckpoint({ ...defaultState(), preset: 'resnet18' }, custom, 'tiny.pth').preset).toBe('resnet18');
  });

  it('leaves out a checkpoint name too long for a link, with a notice', () => {
    const r = parseState(`?ckpt=${'x'.repeat(256)}`);
    expect(r.state.checkpoint).toBeNull();
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(/256 characters long \(at most 255\)/);
    expect(parseState('?ckpt=').state.checkpoint).toBeNull();
  });

  it('falls back to a valid config, with a notice, for a malformed link', () => {
    const r = parseState('?C=abc&depths=3,,x&view=nowhere&input=3x0x5');
    expect(r.state.config).toEqual(presetConfig('resnext50_32x4d'));
    expect(r.state.view).toBe('table');
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(/cardinality must be a positive integer, got "abc"/);
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(/Unknown view "nowhere"/);
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(/input height must be a positive integer/);
  });

  it('fastnorm=1 turns float16 GroupNorm on; another value is a notice and leaves it off', () => {
    expect(parseState('?fastnorm=1').state.fastNorm).toBe(true);
    expect(serializeState({ ...defaultState(), fastNorm: true })).toBe('fastnorm=1');
    const r = parseState('?fastnorm=yes');
    expect(r.state.fastNorm).toBe(false);
    expect(r.notices.map((n) => n.text)).toEqual(['fastnorm must be 0 or 1, got "yes"; left off (GroupNorm in float32 under amp).']);
  });

  it('falls back to the preset when the fields parse but make no valid network', () => {
    const r = parseState('?preset=resnet18&C=32');
    expect(r.state.config).toEqual(presetConfig('resnet18'));
    expect(r.notices).toHaveLength(1);
    expect(r.notices[0].text).toMatch(/basic block supports only cardinality 1/);
    const huge = parseState('?input=3x60000x60000');
    expect(huge.state.config).toEqual(presetConfig('resnext50_32x4d'));
    expect(huge.notices[0].text).toMatch(/multiply-accumulates/);
  });

  it('is described in the header comment of state.ts exactly as its table makes it', () => {
    const source = readFileSync(new URL('./state.ts', import.meta.url), 'utf8');
    const start = source.indexOf(' * Format (');
    const lines = source.slice(start).split('\n').slice(1);
    const comment = lines.slice(0, lines.findIndex((l) => !l.startsWith(' *   '))).map((l) => l.slice(5));
    expect(comment).toEqual(urlFormat());
    expect(comment.join('\n')).toMatch(/view=table\|layers\|graph\|forms\|compare\|cost\|design\|run\|explain/);
  });

  it('reads every key it writes, and each config field under its own key', () => {
    const s: AppState = {
      ...defaultState(),
      config: { ...presetConfig('resnext50_32x4d'), stem: 'deep_tiered', stemWidth: 48, avgDown: true, attention: 'eca', implementation: 'timm', includeTop: false },
    };
    const query = serializeState(s);
    expect(query).toBe('stem=deep_tiered&sw=48&attn=eca&avgdown=1&impl=timm&top=0');
    expect(parseState(query)).toEqual({ state: s, notices: [] });
  });

  it('reports unknown presets, parameters and comparison entries', () => {
    const r = parseState('?preset=resnet9000&zoom=3&cmp=resnet50,bogus&fs=9');
    expect(r.state.preset).toBe('resnext50_32x4d');
    expect(r.state.compare).toEqual(defaultState().compare);
    expect(r.state.formsStage).toBe(1);
    expect(r.notices).toHaveLength(5);
  });
});

describe('hostile links', () => {
  const texts = (search: string) => parseState(search).notices.map((n) => n.text);

  it('sums up any number of unknown keys in one line with a count', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `junk${i}=1`).join('&');
    const notices = texts(`?view=cost&${keys}`);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^Ignored 2,000 unknown link parameters: "junk0", .*"junk4", and 1,995 more\.$/);
    expect(texts('?zoom=3')).toEqual(['Ignored the unknown link parameter "zoom".']);
  });

  it('never quotes a long value whole: its start and its length', () => {
    const long = 'x'.repeat(200_000);
    for (const key of ['view', 'C', 'depths', 'input', 'preset', 'preserve', 'fs', 'fb', 'cmp', 'dtype', 'batch', long]) {
      const notices = texts(`?${key}=${long}`);
      expect(notices.length, key).toBeGreaterThan(0);
      for (const n of notices) expect(n.length, key).toBeLessThan(QUOTED_CHARS + 400);
    }
    expect(texts(`?view=${long}`)[0]).toContain(`"${'x'.repeat(QUOTED_CHARS)}… (200,000 characters)"`);
    // A long name among many: each cut, the list counted.
    const many = Array.from({ length: 50 }, (_, i) => `${'y'.repeat(5000)}${i}`).join(',');
    const cmp = texts(`?cmp=${many}`).join('\n');
    expect(cmp.length).toBeLessThan(LISTED_NAMES * (QUOTED_CHARS + 40) + 400);
    expect(cmp).toMatch(/Ignored 50 unknown networks in the comparison: .* and 45 more\./);
    // Chinese cuts the same way.
    const zh = translator('zh').msg(parseState(`?view=${long}`).notices[0]);
    expect(zh.length).toBeLessThan(QUOTED_CHARS + 200);
    expect(zh).toContain('共 200,000 个字符');
  });

  it('removes repeated comparison entries before counting them', () => {
    const repeats = Array.from({ length: 20 }, () => 'resnet50').join(',');
    const r = parseState(`?cmp=${repeats},resnext50_32x4d,resnext50_32x4d,bogus,bogus`);
    expect(r.state.compare).toEqual(['resnet50', 'resnext50_32x4d']);
    const notices = r.notices.map((n) => n.text);
    expect(notices).toEqual([
      'Removed repeats from the comparison: "resnet50", "resnext50_32x4d", "bogus".',
      'Ignored an unknown network in the comparison: "bogus".',
    ]);
    expect(notices.join('\n')).not.toMatch(/at most/);
    // Seven different networks are still too many.
    const seven = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d', 'resnext101_32x8d'];
    expect(seven.length).toBeGreaterThan(MAX_COMPARE);
    expect(texts(`?cmp=${seven.join(',')}`)).toEqual([`A comparison holds at most ${MAX_COMPARE} networks; kept the first ${MAX_COMPARE}.`]);
  });

  it('notices a repeated key, keeps its first value, and writes it back once', () => {
    const r = parseState('?C=4&view=cost&C=8&view=layers&C=16&zoom=1&zoom=2');
    expect(r.state.config.cardinality).toBe(4);
    expect(r.state.view).toBe('cost');
    expect(r.notices.map((n) => n.text)).toEqual([
      'Ignored the unknown link parameter "zoom".',
      'The link gives "C", "view" more than once; used the first value of each.',
    ]);
    const rewritten = serializeState(r.state);
    expect(rewritten.match(/(^|&)C=/g)).toHaveLength(1);
    expect(rewritten.match(/(^|&)view=/g)).toHaveLength(1);
    expect(parseState(rewritten).notices).toEqual([]);
  });
});

describe('config edits', () => {
  it('with "Preserve complexity" on, sets d from C as in the paper\'s Table 2', () => {
    const base = presetConfig('resnet50');
    const table2: [number, number][] = [[1, 64], [2, 40], [4, 24], [8, 14], [32, 4]];
    for (const [c, d] of table2) {
      const next = editConfig(base, 'cardinality', String(c), true);
      expect(next.cardinality).toBe(c);
      expect(next.widthPerGroup).toBe(d);
    }
    expect(editConfig(base, 'cardinality', '8', false).widthPerGroup).toBe(64);
  });

  it('throws the config error for an invalid combination', () => {
    expect(() => editConfig(presetConfig('resnet18'), 'cardinality', '4', true)).toThrow(/basic block supports only cardinality 1/);
    expect(() => editConfig(presetConfig('resnet50'), 'widthPerGroup', '0', false)).toThrow(/width per group \(d\) must be a positive integer, got "0"/);
    expect(() => editConfig(presetConfig('resnet50'), 'input', '3x224', false)).not.toThrow();
    expect(editConfig(presetConfig('resnet50'), 'depths', ' 3, 4,6 ,3', false).depths).toEqual([3, 4, 6, 3]);
    expect(() => editConfig(presetConfig('resnet50'), 'depths', '3,,4', false)).toThrow(/stage 2\) must be a positive integer/);
    expect(() => editConfig(presetConfig('resnet50'), 'depths', '3,-1', false)).toThrow(/stage 2/);
  });
});

describe('withConfig', () => {
  it('keeps the forms stage and block inside the new network', () => {
    const s = { ...defaultState(), formsStage: 4, formsBlock: 2 };
    const next = withConfig(s, presetConfig('resnext29_8x64d'), 'resnext29_8x64d');
    expect(next.formsStage).toBe(3);
    expect(next.formsBlock).toBe(2);
    const shallow = withConfig(s, { ...presetConfig('resnet50'), depths: [1, 1, 1, 1] });
    expect(shallow.formsStage).toBe(4);
    expect(shallow.formsBlock).toBeNull();
    expect(shallow.preset).toBe('resnext50_32x4d');
  });
});
