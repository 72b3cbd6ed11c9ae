/** The translator of the state's language, for every component; the page's `lang` follows it. */
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { LOCALES, type Lang } from './lang.ts';
import { translator, type Translator } from './translator.ts';

export const I18nContext = createContext<Translator>(translator('en'));

export function I18nProvider({ lang, children }: { lang: Lang; children: ReactNode }) {
  useEffect(() => {
    document.documentElement.lang = LOCALES[lang];
  }, [lang]);
  return <I18nContext value={translator(lang)}>{children}</I18nContext>;
}

export function useI18n(): Translator {
  return useContext(I18nContext);
}
