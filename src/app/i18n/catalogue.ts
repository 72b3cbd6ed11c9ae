/**
 * The app's catalogue: every area's English and Chinese merged. `MessageKey` is every key; the
 * Chinese must have each (a missing one fails the typecheck in its area file). To add a view's
 * strings: write `messages/<view>.ts` with `defineMessages({ ...English }, { ...Chinese })`, keys
 * prefixed by the view's name, and list it in `AREAS` below.
 */
import app from './messages/app.ts';
import state from './messages/state.ts';
import config from './messages/config.ts';
import table from './messages/table.ts';
import data from './messages/data.ts';
import layers from './messages/layers.ts';
import forms from './messages/forms.ts';
import compare from './messages/compare.ts';
import cost from './messages/cost.ts';
import run from './messages/run.ts';
import explain from './messages/explain.ts';
import graph from './messages/graph.ts';
import checkpoint from './messages/checkpoint.ts';
import design from './messages/design.ts';
import downloads from './messages/downloads.ts';
import samples from './messages/samples.ts';

export const AREAS = [app, state, config, table, data, layers, forms, compare, cost, design, run, downloads, explain, graph, checkpoint, samples] as const;

export const EN = {
  ...app.en,
  ...state.en,
  ...config.en,
  ...table.en,
  ...data.en,
  ...layers.en,
  ...forms.en,
  ...compare.en,
  ...cost.en,
  ...design.en,
  ...run.en,
  ...downloads.en,
  ...explain.en,
  ...graph.en,
  ...checkpoint.en,
  ...samples.en,
} as const;

export type MessageKey = keyof typeof EN;

export const ZH: { readonly [K in MessageKey]: string } = {
  ...app.zh,
  ...state.zh,
  ...config.zh,
  ...table.zh,
  ...data.zh,
  ...layers.zh,
  ...forms.zh,
  ...compare.zh,
  ...cost.zh,
  ...design.zh,
  ...run.zh,
  ...downloads.zh,
  ...explain.zh,
  ...graph.zh,
  ...checkpoint.zh,
  ...samples.zh,
};
