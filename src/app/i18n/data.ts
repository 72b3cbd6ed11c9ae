/**
 * The data files' descriptive text in the interface language: English as the data says it, Chinese
 * from messages/data.ts by the data's ids. Technical names (presets, tags, tools) are never translated.
 */
import { CONVENTION_INFO, type Convention } from '../../analysis/conventions.ts';
import { DEVICE_SOURCES, type Device } from '../../analysis/devices.ts';
import type { ConstantRow } from '../../analysis/timing/constants.ts';
import type { PublishedSpeed } from '../../analysis/published-speed.ts';
import type { LayerCategory } from '../../analysis/roofline.ts';
import type { Message } from '../../model/message.ts';
import { scaleSize } from '../../model/preprocess.ts';
import type { PublishedFigures } from '../../model/presets.ts';
import { accuracySourceName, type PretrainedEntry } from '../../model/pretrained.ts';
import {
  CATEGORY_ZH, CONSTANT_ZH, CONVENTION_ZH, DEVICE_LABEL_ZH, DEVICE_NOTE_ZH, DEVICE_SOURCE_ZH, PRESET_SOURCE_ZH, PUBLISHED_SPEED_ZH,
} from './messages/data.ts';
import { appMessage, type Translator } from './translator.ts';

const zh = (i18n: Translator) => i18n.lang === 'zh';

/** The source of a published figure (presets.json `sources`, by `sourceId`). */
export function presetSourceText(i18n: Translator, f: PublishedFigures): string {
  if (!zh(i18n)) return f.source;
  if (f.sourceId.startsWith('timm:')) return i18n.msg(appMessage('data.source.timm', { tag: f.sourceId.slice(5) }));
  return PRESET_SOURCE_ZH[f.sourceId] ?? f.source;
}

/** The message that writes a pretrained entry's accuracy source from its fields (English: the catalogue's text). */
export function pretrainedAccuracyMessage(e: PretrainedEntry): Message {
  const p = e.preprocess;
  const row = e.accuracy?.row;
  return e.torchvisionWeights
    ? appMessage('data.pretrained.tvAccuracy', { weights: e.torchvisionWeights, resize: scaleSize(p), crop: p.inputSize })
    : appMessage('data.pretrained.timmAccuracy', { tag: e.tag, size: row?.size ?? p.inputSize, cropPct: String(row?.cropPct ?? p.cropPct), interpolation: row?.interpolation ?? p.interpolation });
}

/** The message that writes a pretrained entry's preprocessing source from its fields. */
export function pretrainedPreprocessMessage(e: PretrainedEntry): Message {
  const p = e.preprocess;
  return e.torchvisionWeights
    ? appMessage('data.pretrained.tvPreprocess', { weights: e.torchvisionWeights, resize: scaleSize(p), crop: p.inputSize, interpolation: p.interpolation })
    : appMessage('data.pretrained.timmPreprocess', { tag: e.tag });
}

export function pretrainedAccuracySource(i18n: Translator, e: PretrainedEntry): string {
  return zh(i18n) ? i18n.msg(pretrainedAccuracyMessage(e)) : e.accuracy?.source ?? '';
}

export function pretrainedPreprocessSource(i18n: Translator, e: PretrainedEntry): string {
  return zh(i18n) ? i18n.msg(pretrainedPreprocessMessage(e)) : e.preprocessSource;
}

/** The short name of an accuracy's source: "torchvision 0.14 weights metadata". */
export function accuracySourceLabel(i18n: Translator, e: PretrainedEntry): string {
  if (!zh(i18n)) return accuracySourceName(e);
  return i18n.t(e.torchvisionWeights ? 'data.pretrained.tvName' : 'data.pretrained.timmName');
}

export function conventionLabel(i18n: Translator, c: Convention): string {
  return zh(i18n) ? CONVENTION_ZH[c].label : CONVENTION_INFO[c].label;
}

export function conventionDescription(i18n: Translator, c: Convention): string {
  return zh(i18n) ? CONVENTION_ZH[c].description : CONVENTION_INFO[c].description;
}

/** A device's label; "This browser" is written from the measured backend and threads. */
export function deviceLabel(i18n: Translator, d: Device): string {
  if (d.measured) {
    const { backend, threads } = d.measured;
    return threads ? i18n.t('data.browserLabelThreads', { backend, threads }) : i18n.t('data.browserLabel', { backend });
  }
  return zh(i18n) ? DEVICE_LABEL_ZH[d.name] ?? d.label : d.label;
}

/** A device's note (the browser's is the engine's memory note, a message). */
export function deviceNote(i18n: Translator, d: Device): string | undefined {
  if (!d.note) return undefined;
  if (d.measured) return d.measured.memoryNoteMessage ? i18n.msg(d.measured.memoryNoteMessage) : d.note;
  return zh(i18n) ? DEVICE_NOTE_ZH[d.name] ?? d.note : d.note;
}

export function deviceSource(i18n: Translator, key: string): string {
  return zh(i18n) ? DEVICE_SOURCE_ZH[key] ?? DEVICE_SOURCES[key] : DEVICE_SOURCES[key];
}

export function publishedSpeedText(i18n: Translator, p: PublishedSpeed): { what: string; device: string; source: string } {
  return zh(i18n) ? PUBLISHED_SPEED_ZH[p.source] ?? p : p;
}

export function categoryLabel(i18n: Translator, c: LayerCategory): string {
  return zh(i18n) ? CATEGORY_ZH[c] : c;
}

/** A class's name; a class without one (the engine's "class N") in this language. */
export function classLabel({ t }: Translator, e: { index: number; label: string }): string {
  return e.label === `class ${e.index}` ? t('xp.classIndex', { index: e.index }) : e.label;
}

/** A time-model constant's meaning and source in the interface language. */
export function constantText(i18n: Translator, row: ConstantRow): { what: string; source: string } {
  return zh(i18n) ? CONSTANT_ZH[row.key] ?? row : row;
}
