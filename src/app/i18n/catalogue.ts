/**
 * The app's catalogue: every area's English and Chinese merged. `MessageKey` is every key; the
 * Chinese must have each (a missing one fails the typecheck in its area file). To add a view's
 * strings: write `messages/<view>.ts` with `defineMessages({ ...English }, { ...Chinese })`, keys
 * prefixed by the view's name, and list it in `AREAS` below.
 */
import app from './messages/app.ts';
import state from './messages/state.ts';

export const AREAS = [app, state] as const;

export const EN = {
  ...app.en,
  ...state.en,
} as const;

export type MessageKey = keyof typeof EN;

export const ZH: { readonly [K in MessageKey]: string } = {
  ...app.zh,
  ...state.zh,
};
