/**
 * One area's messages (a view, a component family): the English templates (src/model/message.ts
 * syntax) and their Chinese, side by side. The Chinese object must have every key of the English one
 * and no other, so a missing translation fails the typecheck.
 */
interface MessageArea<E extends Readonly<Record<string, string>>> {
  readonly en: E;
  readonly zh: { readonly [K in keyof E]: string };
}

export function defineMessages<const E extends Readonly<Record<string, string>>>(en: E, zh: { readonly [K in keyof E]: string }): MessageArea<E> {
  return { en, zh };
}
