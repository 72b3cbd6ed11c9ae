/**
 * The translator of one language: `t` for the app's own messages (typed keys and parameters), `msg`
 * for a message the model, the analysis or the app made (an id, parameters and its English text),
 * `error` for anything thrown, `num` for a number in prose. A message without a Chinese template is
 * shown in English, never empty. Pure: no DOM, no React.
 */
import { catalogue, errorMessage, formatTemplate, type FormatOptions, type Message, type ParamsArg } from '../../model/message.ts';
import { EN, ZH, type MessageKey } from './catalogue.ts';
import { MODEL_ZH } from './messages/model.ts';
import { LOCALES, type Lang } from './lang.ts';

export interface Translator {
  readonly lang: Lang;
  /** The Intl locale: `en`, `zh-CN`. */
  readonly locale: string;
  /** One of the app's messages. */
  t<K extends MessageKey>(key: K, ...params: ParamsArg<(typeof EN)[K]>): string;
  /** A message made elsewhere, in this language (its English text when it has no translation). */
  msg(m: Message): string;
  /** What to show for a thrown value: its message in this language, else its English text. */
  error(e: unknown): string;
  /** A number in prose, grouped per locale. */
  num(n: number, options?: Intl.NumberFormatOptions): string;
}

/** A message of the app's own catalogue (a notice, an app-level error): the id with its English text. */
export const { message: appMessage } = catalogue(EN);

const ZH_TEMPLATES: Readonly<Record<string, string>> = { ...MODEL_ZH, ...ZH };

function make(lang: Lang): Translator {
  const locale = LOCALES[lang];
  const templates: Readonly<Record<string, string>> = lang === 'zh' ? ZH_TEMPLATES : EN;
  const formats = new Map<string, Intl.NumberFormat>();
  const msg = (m: Message): string => {
    if (lang === 'en') return m.text;
    const template = templates[m.id];
    return template === undefined ? m.text : formatTemplate(template, m.params, options);
  };
  const options: FormatOptions = { locale, nested: msg };
  return {
    lang,
    locale,
    t: (key, ...params) => formatTemplate(templates[key] ?? EN[key], params[0] ?? {}, options),
    msg,
    error: (e) => {
      const m = errorMessage(e);
      if (m) return msg(m);
      return e instanceof Error ? e.message : String(e);
    },
    num: (n, o) => {
      const key = JSON.stringify(o ?? {});
      let f = formats.get(key);
      if (!f) formats.set(key, (f = new Intl.NumberFormat(locale, o)));
      return f.format(n);
    },
  };
}

const TRANSLATORS = new Map<Lang, Translator>();

export function translator(lang: Lang): Translator {
  let t = TRANSLATORS.get(lang);
  if (!t) TRANSLATORS.set(lang, (t = make(lang)));
  return t;
}
