/** The interface languages, their Intl locales and `<html lang>` values, and the browser's preference. */
export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];
/** BCP 47 tags: the page's `lang` attribute and Intl's locale. */
export const LOCALES: Readonly<Record<Lang, string>> = { en: 'en', zh: 'zh-CN' };
/** Each language named in itself, as the language switch shows it. */
export const LANG_NAMES: Readonly<Record<Lang, string>> = { en: 'English', zh: '简体中文' };

/**
 * The interface language a browser asks for (`navigator.languages`, most preferred first): the first
 * that is English or Chinese (any Chinese: zh, zh-CN, zh-TW, zh-Hans... reads Simplified Chinese here),
 * else English.
 */
export function preferredLang(languages: readonly string[] | undefined): Lang {
  for (const tag of languages ?? []) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'zh') return 'zh';
    if (primary === 'en') return 'en';
  }
  return 'en';
}
