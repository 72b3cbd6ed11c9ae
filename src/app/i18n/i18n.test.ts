import { describe, expect, it } from 'vitest';
import { formatTemplate, messageOf, templateArguments, type MessageParams } from '../../model/message.ts';
import { AREAS, EN, ZH } from './catalogue.ts';
import { MODEL_CATALOGUES, MODEL_EN, MODEL_ZH } from './messages/model.ts';
import { CONSTANT_ZH, CONVENTION_ZH, DEVICE_LABEL_ZH, DEVICE_NOTE_ZH, DEVICE_SOURCE_ZH, PRESET_SOURCE_ZH, PUBLISHED_SPEED_ZH, CATEGORY_ZH } from './messages/data.ts';
import { GLOSSARY } from './glossary.ts';
import { preferredLang } from './lang.ts';
import { translator } from './translator.ts';
import { pretrainedAccuracyMessage, pretrainedPreprocessMessage, presetSourceText } from './data.ts';
import { RICH_TAG } from './Rich.tsx';
import { isTechnical, englishFragments } from '../../../test/support/i18n.ts';
import { CONVENTIONS } from '../../analysis/conventions.ts';
import { DEVICES, DEVICE_SOURCES } from '../../analysis/devices.ts';
import { PUBLISHED_SPEED } from '../../analysis/published-speed.ts';
import { LAYER_CATEGORIES } from '../../analysis/roofline.ts';
import { GPU_CONSTANT_TABLE } from '../../analysis/timing/constants.ts';
import { PRESETS, PRESET_SOURCES } from '../../model/presets.ts';
import { loadCatalogue } from '../../model/pretrained.ts';

const PRETRAINED = (await loadCatalogue()).entries;
import { ConfigError, validateConfig } from '../../model/config.ts';
import { presetConfig } from '../../model/presets.ts';
import { parseState, serializeState, defaultState } from '../state.ts';
import { CONFIG_FIELDS } from '../../model/config-fields.ts';

const catalogues = [
  { name: 'app', en: EN as Readonly<Record<string, string>>, zh: ZH as Readonly<Record<string, string>> },
  { name: 'model', en: MODEL_EN as Readonly<Record<string, string>>, zh: MODEL_ZH as Readonly<Record<string, string>> },
];

/** Dummy parameters for every argument of a template: a number where it may be plural. */
function dummy(template: string): MessageParams {
  return Object.fromEntries([...templateArguments(template)].map((a) => [a, 3]));
}

function tags(text: string): string[] {
  return [...text.matchAll(RICH_TAG)].map((m) => `${m[1]}:${m[2] ?? ''}`).sort();
}

describe('the catalogues', () => {
  it('have every key in both languages, and no key twice', () => {
    for (const c of catalogues) {
      expect(Object.keys(c.zh).sort(), c.name).toEqual(Object.keys(c.en).sort());
    }
    const appKeys = AREAS.flatMap((a) => Object.keys(a.en));
    expect(new Set(appKeys).size).toBe(appKeys.length);
    const modelKeys = MODEL_CATALOGUES.flatMap((c) => Object.keys(c));
    expect(new Set(modelKeys).size).toBe(modelKeys.length);
    for (const k of appKeys) expect(modelKeys, k).not.toContain(k);
  });

  it('have no empty Chinese, and no Chinese equal to the English unless it is a technical name', () => {
    const problems: string[] = [];
    for (const c of catalogues) {
      for (const [key, en] of Object.entries(c.en)) {
        const zh = c.zh[key];
        if (zh === '' && en !== '') problems.push(`${key}: empty`);
        if (zh === en && en !== '' && !isTechnical(en.replace(/\{[^{}]*\}/g, ' '))) problems.push(`${key}: same as English`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('use the English arguments only, and the same marked-up parts', () => {
    const problems: string[] = [];
    for (const c of catalogues) {
      for (const [key, en] of Object.entries(c.en)) {
        const enArgs = templateArguments(en);
        for (const a of templateArguments(c.zh[key])) if (!enArgs.has(a)) problems.push(`${key}: {${a}} is not in the English`);
        if (tags(en).join() !== tags(c.zh[key]).join()) problems.push(`${key}: marked-up parts differ`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('parse and render in both languages', () => {
    for (const c of catalogues) {
      for (const [key, en] of Object.entries(c.en)) {
        const params = dummy(en);
        expect(() => formatTemplate(en, params, { locale: 'en', nested: (m) => m.text }), key).not.toThrow();
        const zh = formatTemplate(c.zh[key], params, { locale: 'zh-CN', nested: (m) => m.text });
        if (en !== '') expect(zh, key).not.toBe('');
      }
    }
  });

  it('write the glossary\'s terms wherever the English names them', () => {
    const terms = ['cardinality', 'groupedConv', 'bottleneckWidth', 'residualBlock', 'aggregatedTransformations', 'shortcut'] as const;
    const problems: string[] = [];
    for (const c of catalogues) {
      for (const [key, en] of Object.entries(c.en)) {
        for (const term of terms) {
          const { en: word, zh } = GLOSSARY[term];
          if (new RegExp(`\\b${word}`, 'i').test(en) && !c.zh[key].includes(zh)) problems.push(`${key}: "${word}" without ${zh}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('give the configure panel a label for every config field and choice, and a hint where a field has no effect', () => {
    const missing: string[] = [];
    for (const f of CONFIG_FIELDS) {
      const keys = [`panel.field.${f.key}`, ...(f.choices ?? []).map((v) => `panel.field.${f.key}.${v}`)];
      if (PRESETS.some((p) => !f.used(p.config))) keys.push(`panel.field.${f.key}.unused`);
      missing.push(...keys.filter((k) => !(k in EN)));
    }
    expect(missing).toEqual([]);
  });

  it('have an English side worth scanning for', () => {
    const fragments = englishFragments();
    expect(fragments.length).toBeGreaterThan(800);
    expect(fragments.map((f) => f.text)).toContain('Preserve complexity');
    expect(fragments.map((f) => f.text)).not.toContain('MACs');
  });
});

describe('the data in Chinese', () => {
  it('covers every source, device, convention, published fact and kind of layer', () => {
    for (const id of Object.keys(PRESET_SOURCES)) expect(id.startsWith('timm:') || id in PRESET_SOURCE_ZH, id).toBe(true);
    for (const d of DEVICES) {
      expect(DEVICE_LABEL_ZH[d.name], d.name).toBeTruthy();
      if (d.note) expect(DEVICE_NOTE_ZH[d.name], d.name).toBeTruthy();
    }
    expect(Object.keys(DEVICE_SOURCE_ZH).sort()).toEqual(Object.keys(DEVICE_SOURCES).sort());
    for (const p of PUBLISHED_SPEED) expect(PUBLISHED_SPEED_ZH[p.source], p.source).toBeTruthy();
    expect(Object.keys(CONVENTION_ZH).sort()).toEqual([...CONVENTIONS].sort());
    expect(Object.keys(CATEGORY_ZH).sort()).toEqual([...LAYER_CATEGORIES].sort());
    expect(Object.keys(CONSTANT_ZH).sort()).toEqual(GPU_CONSTANT_TABLE.map((r) => r.key).sort());
  });

  it('writes the pretrained and timm sources from the data\'s own fields, which give the data\'s English exactly', () => {
    for (const e of PRETRAINED) {
      if (e.accuracy) expect(pretrainedAccuracyMessage(e).text, e.tag).toBe(e.accuracy.source);
      expect(pretrainedPreprocessMessage(e).text, e.tag).toBe(e.preprocessSource);
    }
    const zh = translator('zh');
    for (const p of PRESETS) {
      for (const f of p.published) {
        if (f.sourceId.startsWith('timm:')) expect(messageOf(EN, 'data.source.timm', { tag: f.sourceId.slice(5) }).text).toBe(f.source);
        expect(presetSourceText(zh, f)).not.toBe(f.source);
        expect(presetSourceText(translator('en'), f)).toBe(f.source);
      }
    }
  });
});

describe('the translator', () => {
  const zh = translator('zh');
  const en = translator('en');

  it('translates a model error by its id, and falls back to its English text without one', () => {
    let error: unknown;
    try {
      validateConfig({ ...presetConfig('resnet18'), cardinality: 32 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(en.error(error)).toMatch(/^a basic block supports only cardinality 1/);
    expect(zh.error(error)).toMatch(/^基础块只支持基数 1/);
    expect(zh.msg({ id: 'no.such.id', params: {}, text: 'plain English' })).toBe('plain English');
    expect(zh.error(new Error('an error without a message id'))).toBe('an error without a message id');
  });

  it('formats plurals, lists and numbers per locale', () => {
    expect(en.t('layers.blocksDetail', { count: 1 })).toBe('1 block');
    expect(en.t('layers.blocksDetail', { count: 3 })).toBe('3 blocks');
    expect(zh.t('layers.blocksDetail', { count: 3 })).toBe('3 个块');
    expect(en.num(25028904)).toBe('25,028,904');
    expect(zh.num(25028904)).toBe('25,028,904');
    const notices = parseState('?stem=deep&avgdown=1&attn=se&impl=torchvision&lang=zh').notices;
    expect(zh.msg(notices[0])).toContain('deep 起始层、平均池化短路连接（avg-down）、挤压-激励（SE）注意力只存在于 timm 的 ResNet 中');
    expect(en.msg(notices[0])).toContain('the deep stem, the average-pool shortcut (avg-down), squeeze-and-excitation attention exist only in timm\'s ResNet');
  });
});

describe('the language in the URL', () => {
  it('defaults from the browser\'s languages', () => {
    expect(preferredLang(['zh-CN', 'en'])).toBe('zh');
    expect(preferredLang(['zh-TW'])).toBe('zh');
    expect(preferredLang(['de-DE', 'en-GB', 'zh'])).toBe('en');
    expect(preferredLang(['fr'])).toBe('en');
    expect(preferredLang(undefined)).toBe('en');
  });

  it('is written only where it differs from the browser\'s, and read back', () => {
    const zhState = { ...defaultState(), lang: 'zh' as const };
    expect(serializeState(zhState, 'en')).toBe('lang=zh');
    expect(serializeState(zhState, 'zh')).toBe('');
    expect(serializeState(defaultState('en'), 'zh')).toBe('lang=en');
    expect(parseState('lang=zh', 'en').state.lang).toBe('zh');
    expect(parseState('', 'zh').state.lang).toBe('zh');
    expect(parseState('lang=en', 'zh').state.lang).toBe('en');
    const bad = parseState('lang=fr', 'zh');
    expect(bad.state.lang).toBe('zh');
    expect(bad.notices[0].text).toBe('Unknown language "fr" in the link (expected one of "en", "zh"); using "zh".');
  });
});
