/**
 * Published GPU timings (fixtures/timing/published.json, written by tools/timing/published_times.py from
 * pycls's model zoo and timm's RTX 3090 benchmark tables, with repository, file and commit), matched to
 * the networks the app can build. They calibrate the time model (bench/fit-time.ts) and are shown beside a
 * prediction of the same network, device and setting; they never replace one.
 *
 * A row matches by model name: timm's names are preset names; pycls's are mapped below (RegNets to timm's
 * names, so they join once the presets exist). Rows whose network no preset builds are listed, not fitted.
 */
import type { NetworkConfig } from '../../model/config.ts';
import { buildLayerGraph, usesGroupNorm, type LayerGraph } from '../../model/graph.ts';
import { sameArchitecture } from '../../model/config-fields.ts';
import { findPreset, presetConfig } from '../../model/presets.ts';
import { findDevice } from '../devices.ts';
import { inferenceTime, trainingStepTime } from './predict.ts';
import type { Precision } from './precision.ts';
import type { Layout } from './model.ts';
import { optimizerImplOf, zeroGradOf, type Mode, type OptimizerImpl } from './kernels.ts';
import type { GradReset } from '../peak-memory.ts';
import { timeSetting } from './layers.ts';
import data from '../../../fixtures/timing/published.json' with { type: 'json' };

interface PublishedTable {
  id: string;
  repo: string;
  commit: string;
  files: string[];
  device: string;
  software: string;
  precision: Precision;
  layout: Layout;
  mode: Mode;
  note: string;
  /** The commit that removed the table from its repository (it is read at the one before), if it was removed. */
  removedBy: string | null;
}

/** One published measurement of a whole network: a pass (or training step) of `batch` images. */
export interface PublishedTiming {
  table: PublishedTable;
  /** The model's name in the table. */
  model: string;
  /** The preset it is, or null when the app cannot build it yet. */
  preset: string | null;
  /** The network at the row's image size (null when unmatched). */
  config: NetworkConfig | null;
  imageSize: number;
  batch: number;
  /** Milliseconds for the batch. */
  ms: number;
  /** As the table prints it, when that differs from `ms` (pycls: ms for 64 images). */
  shown: { ms: number; images: number } | null;
  /** `calibration` rows are fitted; `validation` rows only compared. */
  use: 'calibration' | 'validation';
  /** Training rows: the optimizer the step ran and the GPUs it ran on. */
  optimizer: 'none' | 'momentum';
  gpus: number;
}

/** pycls's names -> a preset (and the config change that makes it, for the depths no preset has). */
const PYCLS_NAMES: Readonly<Record<string, { preset: string; depths?: number[] }>> = {
  'ResNet-50': { preset: 'resnet50' },
  'ResNet-101': { preset: 'resnet101' },
  'ResNet-152': { preset: 'resnet152' },
  'ResNeXt-50': { preset: 'resnext50_32x4d' },
  'ResNeXt-101': { preset: 'resnext101_32x4d' },
  'ResNeXt-152': { preset: 'resnext101_32x4d', depths: [3, 8, 36, 3] },
};

/** pycls's RegNet names -> timm's (RegNetX-3.2GF -> regnetx_032, RegNetY-16GF -> regnety_160). */
function pyclsName(name: string): { preset: string; depths?: number[] } | null {
  const known = PYCLS_NAMES[name];
  if (known) return known;
  const m = /^RegNet([XY])-(\d+(?:\.\d)?)(MF|GF)$/.exec(name);
  if (!m) return null;
  const gf = m[3] === 'MF' ? Number(m[2]) / 1000 : Number(m[2]);
  return { preset: `regnet${m[1].toLowerCase()}_${String(Math.round(gf * 10)).padStart(3, '0')}` };
}

/**
 * Whether a table calibrates the constants or is only compared with them. The issue that set the calibration
 * data names pycls's V100 inference rows and timm's NCHW RTX 3090 tables (`benchmark-infer-amp-nchw-*`,
 * `benchmark-train-amp-nchw-*`): every row of those that a preset builds is fitted, the RegNets and the family's
 * modules included. The NHWC (channels-last) tables are compared, never fitted: there cuDNN's grouped and
 * depthwise kernels and PyTorch's GroupNorm change from one release to the next (docs/time-model.md). Tables timm
 * has removed from its results (the PyTorch 1.12 inference tables) are compared only: the calibration is the
 * repository's tables as they stand.
 */
function calibrates(table: PublishedTable): 'calibration' | 'validation' {
  if (table.removedBy) return 'validation';
  return table.layout === 'nchw' && (table.mode === 'training' ? table.id.startsWith('timm') : true) ? 'calibration' : 'validation';
}

function configFor(match: { preset: string; depths?: number[] } | null, size: number): NetworkConfig | null {
  if (!match || !findPreset(match.preset)) return null;
  const base = presetConfig(match.preset);
  return { ...base, ...(match.depths ? { depths: [...match.depths] } : {}), input: [base.input[0], size, size] };
}

interface PyclsRow { model: string; img_size: number; infer_ms_64: number; timed_batch: number; test_fw_s: number; train_batch: number; train_fw_s: number; train_bw_s: number }
interface TimmRow { model: string; img_size: number; batch: number; step_ms: number }

function tableOf(t: (typeof data.tables)[number], mode: Mode): PublishedTable {
  const raw = t as { id: string; repo: string; commit: string; files: string[]; removed_by?: string; device: string; software: string; dtype: string; layout: string; note: string };
  return {
    id: raw.id, repo: raw.repo, commit: raw.commit, files: raw.files, device: raw.device, software: raw.software,
    precision: raw.dtype as Precision, layout: raw.layout as Layout, mode, note: raw.note, removedBy: raw.removed_by ?? null,
  };
}

function load(): PublishedTiming[] {
  const out: PublishedTiming[] = [];
  for (const t of data.tables) {
    if (t.id === 'pycls-v100') {
      const infer = tableOf(t, 'inference');
      const train = { ...tableOf(t, 'training'), id: 'pycls-v100-train' };
      for (const r of t.rows as PyclsRow[]) {
        const match = pyclsName(r.model);
        const config = configFor(match, r.img_size);
        const preset = config && match ? (match.depths ? null : match.preset) : null;
        const base = { model: r.model, preset, config, imageSize: r.img_size };
        out.push({
          ...base, table: infer, batch: r.timed_batch, ms: r.test_fw_s * 1000, shown: { ms: r.infer_ms_64, images: 64 },
          use: calibrates(infer), optimizer: 'none', gpus: 1,
        });
        out.push({
          ...base, table: train, batch: r.train_batch, ms: (r.train_fw_s + r.train_bw_s) * 1000, shown: null,
          use: 'validation', optimizer: 'none', gpus: 8,
        });
      }
      continue;
    }
    const mode: Mode = (t as { mode?: string }).mode === 'train' ? 'training' : 'inference';
    const table = tableOf(t, mode);
    for (const r of t.rows as TimmRow[]) {
      const config = configFor(findPreset(r.model) ? { preset: r.model } : null, r.img_size);
      out.push({
        table, model: r.model, preset: config ? r.model : null, config, imageSize: r.img_size, batch: r.batch, ms: r.step_ms, shown: null,
        use: calibrates(table), optimizer: mode === 'training' ? 'momentum' : 'none', gpus: 1,
      });
    }
  }
  return out;
}

export const PUBLISHED_TIMINGS: readonly PublishedTiming[] = load();

/** The published rows of a network (same architecture and image size) on a device in a setting. */
export function publishedFor(config: NetworkConfig, device: string, precision: Precision, layout: Layout, mode: Mode): PublishedTiming[] {
  return PUBLISHED_TIMINGS.filter((r) =>
    r.config !== null && r.table.device === device && r.table.precision === precision && r.table.layout === layout && r.table.mode === mode &&
    r.config.input[1] === config.input[1] && r.config.input[2] === config.input[2] && sameArchitecture(r.config, config) &&
    r.config.depths.length === config.depths.length);
}

/**
 * How the table's PyTorch ran the optimizer: `torch.optim` loops over the parameters by default before 2.0 and
 * uses its foreach kernels on CUDA from 2.0 (PyTorch 2.0 release notes; `foreach=None` picks them).
 */
export function optimizerImpl(table: PublishedTable): OptimizerImpl {
  return optimizerImplOf(tableRelease(table));
}

/** How a table's training step reset its gradients: its benchmark's plain `zero_grad()`, its release's default. */
export function zeroGrad(table: PublishedTable): GradReset {
  return zeroGradOf(tableRelease(table));
}

/**
 * Whether a table's GroupNorm ran in float16 under autocast (timm's `benchmark.py --fast-norm`) rather than in
 * float32 as autocast runs `group_norm`. The tables do not record their flags: this is read off the data. The flag
 * came in August 2022 (timm ff6a919), after the PyTorch 1.12 tables (July 2022); between the 1.12 and 1.13 NCHW
 * inference tables resnet50_gn's batch of 1024 went from 738 to 394 ms while resnet50's went from 375 to 338 ms, which
 * float16 GroupNorm explains and no change of PyTorch's does (autocast still lists `group_norm` as float32). So timm's
 * tables from PyTorch 1.13 on are taken to have run with it (docs/time-model.md).
 */
export function fastNorm(table: PublishedTable): boolean {
  const release = /^(\d+)\.(\d+)/.exec(tableRelease(table));
  return table.id.startsWith('timm') && release !== null && Number(release[1]) * 100 + Number(release[2]) >= 113;
}

/** Whether a row's prediction takes float16 GroupNorm: a table that ran --fast-norm, a network with GroupNorm, autocast. */
export function runsFastNorm(row: PublishedTiming, graph: LayerGraph = buildLayerGraph(row.config!)): boolean {
  return fastNorm(row.table) && row.table.precision === 'amp' && usesGroupNorm(graph);
}

function tableRelease(table: PublishedTable): string {
  return /PyTorch (\S+)/.exec(table.software)?.[1] ?? '';
}

/** How a table's software ran what the kernels do not show: its optimizer loop, gradient reset and GroupNorm dtype. */
export function tableSoftware(table: PublishedTable): { optimizerImpl: OptimizerImpl; zeroGrad: GradReset; fastNorm: boolean } {
  return { optimizerImpl: optimizerImpl(table), zeroGrad: zeroGrad(table), fastNorm: fastNorm(table) };
}

/** What the model predicts for a published row: milliseconds for the row's batch (and GPUs). */
export function predictPublished(row: PublishedTiming, graph: LayerGraph = buildLayerGraph(row.config!)): number {
  const device = findDevice(row.table.device)!;
  const s = { ...timeSetting(device, row.table.precision, row.table.layout), ...tableSoftware(row.table) };
  if (row.table.mode === 'inference') return inferenceTime(graph, row.batch, s).seconds * 1000;
  return trainingStepTime(graph, row.batch, row.optimizer, row.gpus, s).seconds * 1000;
}

/** Where a row comes from, in words: "pycls MODEL_ZOO.md (facebookresearch/pycls 5719de6), V100, PyTorch 1.6, ...". */
function publishedSource(table: PublishedTable): string {
  const what = table.id.startsWith('pycls') ? 'RegNet model zoo' : 'timm benchmark';
  return `${what} (${table.repo} ${table.files[0]} at ${table.commit.slice(0, 7)}), ${table.software}`;
}

/** One line for the CLI: measured (as published) beside predicted at the same batch. */
export function publishedText(row: PublishedTiming, predictedMs: number, graph: LayerGraph = buildLayerGraph(row.config!)): string {
  const shown = row.shown ? ` (shown as ${row.shown.ms} ms for ${row.shown.images} images)` : '';
  const what = row.table.mode === 'inference' ? `an inference pass of ${row.batch} images` : `a training step of ${row.batch} images${row.gpus > 1 ? ` per GPU on ${row.gpus} GPUs` : ''}`;
  const norm = runsFastNorm(row, graph) ? ' (GroupNorm in float16, as timm\'s --fast-norm runs it: inferred from the tables)' : '';
  return `measured ${row.ms.toFixed(1)} ms for ${what}${shown}, predicted ${predictedMs.toFixed(1)} ms (${((predictedMs / row.ms - 1) * 100).toFixed(0)}%)${norm}; ${publishedSource(row.table)}`;
}
