/**
 * Fits the GPU time model's constants (src/analysis/timing/constants.ts) to the calibration tables
 * (fixtures/timing/published.json: pycls's V100 inference rows, timm's RTX 3090 inference and training rows),
 * and reports the fit error, with a hold-out check.
 *
 *   npx tsx bench/fit-time.ts            # evaluate the committed constants (fitted.json); -v lists every row
 *   npx tsx bench/fit-time.ts --fit      # fit from them, print the constants and the errors (write them with --write)
 *   npx tsx bench/fit-time.ts --holdout [family]   # hold-out checks (below)
 *
 * --constants=FILE evaluates (and starts the fits from) FILE's constants instead; --from-initial from INITIAL below,
 * the hand-set starting point of the first fit.
 */
import { buildLayerGraph, type LayerGraph } from '../src/model/graph.ts';
import { findDevice } from '../src/analysis/devices.ts';
import { PUBLISHED_TIMINGS, tableSoftware, type PublishedTiming } from '../src/analysis/timing/published.ts';
import { inferenceKernels, trainingKernels, type Kernel } from '../src/analysis/timing/kernels.ts';
import { eagerSeconds, kernelTime, type DeviceConstants } from '../src/analysis/timing/model.ts';
import { spearman } from '../src/analysis/stats.ts';
import { inferenceTime, kernelOptions, trainingStepTime } from '../src/analysis/timing/predict.ts';

import { readFileSync, writeFileSync } from 'node:fs';

const OUT = new URL('../src/analysis/timing/fitted.json', import.meta.url);

const args = process.argv.slice(2);

interface Case {
  row: PublishedTiming;
  kernels: Kernel[];
}

const graphs = new Map<string, LayerGraph>();
function graphOf(row: PublishedTiming): LayerGraph {
  const key = JSON.stringify(row.config);
  let g = graphs.get(key);
  if (!g) graphs.set(key, (g = buildLayerGraph(row.config!)));
  return g;
}

function casesOf(rows: readonly PublishedTiming[]): Case[] {
  return rows.filter((r) => r.config && r.use === 'calibration').map((row) => {
    const g = graphOf(row);
    const p = row.table.precision;
    const sw = tableSoftware(row.table);
    const opts = kernelOptions({ device: findDevice(row.table.device)!, layout: row.table.layout, fastNorm: sw.fastNorm });
    if (row.table.mode === 'inference') return { row, kernels: inferenceKernels(g, row.batch, p, opts) };
    const k = trainingKernels(g, row.batch, p, row.optimizer, sw.optimizerImpl, sw.zeroGrad, opts);
    return { row, kernels: [...k.forward, ...k.backward, ...k.optimizer] };
  });
}

function predictMs(c: Case, constants: DeviceConstants): number {
  const device = findDevice(c.row.table.device)!;
  const times = c.kernels.map((k) => kernelTime(k, device, c.row.table.precision, c.row.table.layout, constants).seconds);
  return eagerSeconds(c.kernels, times, device) * 1000;
}

const INITIAL: DeviceConstants = {
  simt: { efficiency: 0.78, nTile: 64, kTile: 8, winograd: 2.2 },
  tensorCores: { efficiency: 0.95, nTile: 32, kTile: 16, winograd: 1 },
  wgradEfficiency: 0.9,
  memoryEfficiency: 0.8,
  depthwiseEfficiency: 0.5,
  matrixMemoryEfficiency: 1,
  minKernelUs: 5,
  nchwPasses: 0.8,
  nchwPassesBackward: 2.5,
  plainConvPassShare: 1,
};

/** Predicted and measured ResNeXt / ResNet time ratios of a table, where both networks are in it. */
function ratios(cases: Case[], constants: DeviceConstants): string[] {
  const pairs = [['resnext50_32x4d', 'resnet50'], ['resnext101_32x4d', 'resnet101'], ['resnext101_32x8d', 'resnet101']];
  const out: string[] = [];
  for (const [x, r] of pairs) {
    const a = cases.find((c) => c.row.preset === x && c.row.imageSize === 224);
    const b = cases.find((c) => c.row.preset === r && c.row.imageSize === 224);
    if (!a || !b) continue;
    const measured = a.row.ms / a.row.batch / (b.row.ms / b.row.batch);
    const predicted = predictMs(a, constants) / a.row.batch / (predictMs(b, constants) / b.row.batch);
    out.push(`${x}/${r} measured ${measured.toFixed(2)} predicted ${predicted.toFixed(2)} (${((predicted / measured - 1) * 100).toFixed(1)}%)`);
  }
  return out;
}

function report(cases: Case[], constants: DeviceConstants, label: string, verbose = false): number {
  const byTable = new Map<string, Case[]>();
  for (const c of cases) byTable.set(c.row.table.id, [...(byTable.get(c.row.table.id) ?? []), c]);
  let all = 0;
  for (const [id, cs] of byTable) {
    const pred = cs.map((c) => predictMs(c, constants));
    const meas = cs.map((c) => c.row.ms);
    const err = pred.map((p, i) => p / meas[i] - 1);
    const mape = err.reduce((s, e) => s + Math.abs(e), 0) / err.length;
    all += err.reduce((s, e) => s + Math.abs(e), 0);
    const worst = err.reduce((w, e, i) => (Math.abs(e) > Math.abs(err[w]) ? i : w), 0);
    console.log(`${label} ${id.padEnd(34)} n=${String(cs.length).padStart(3)} MAPE ${(mape * 100).toFixed(1).padStart(5)}%  worst ${cs[worst].row.model}@${cs[worst].row.imageSize} ${(err[worst] * 100).toFixed(1)}%  spearman ${spearman(pred.map((p, i) => p / cs[i].row.batch), meas.map((m, i) => m / cs[i].row.batch)).toFixed(3)}`);
    for (const r of ratios(cs, constants)) console.log(`      ${r}`);
    if (verbose) for (let i = 0; i < cs.length; i++) console.log(`   ${cs[i].row.model.padEnd(22)} ${cs[i].row.imageSize} b${cs[i].row.batch} meas ${meas[i].toFixed(1)} pred ${pred[i].toFixed(1)} ${(err[i] * 100).toFixed(1)}%`);
  }
  return all / cases.length;
}

/** Free parameters, in log space, with their bounds. */
const FREE: { get: (c: DeviceConstants) => number; set: (c: DeviceConstants, v: number) => void; lo: number; hi: number; name: string }[] = [
  { name: 'simt.efficiency', get: (c) => c.simt.efficiency, set: (c, v) => (c.simt.efficiency = v), lo: 0.2, hi: 1 },
  { name: 'simt.winograd', get: (c) => c.simt.winograd, set: (c, v) => (c.simt.winograd = v), lo: 1, hi: 2.25 },
  { name: 'tensorCores.efficiency', get: (c) => c.tensorCores.efficiency, set: (c, v) => (c.tensorCores.efficiency = v), lo: 0.2, hi: 1 },
  { name: 'wgradEfficiency', get: (c) => c.wgradEfficiency, set: (c, v) => (c.wgradEfficiency = v), lo: 0.3, hi: 1 },
  // A streaming kernel reaches at most about 90% of a GPU's DRAM peak (V100: 750 of 900 GB/s measured, Jia et al.,
  // "Dissecting the NVIDIA Volta GPU Architecture via Microbenchmarking", 2018).
  { name: 'memoryEfficiency', get: (c) => c.memoryEfficiency, set: (c, v) => (c.memoryEfficiency = v), lo: 0.4, hi: 0.9 },
  { name: 'nchwPassesBackward', get: (c) => c.nchwPassesBackward, set: (c, v) => (c.nchwPassesBackward = v), lo: 0.05, hi: 6 },
  { name: 'matrixMemoryEfficiency', get: (c) => c.matrixMemoryEfficiency, set: (c, v) => (c.matrixMemoryEfficiency = v), lo: 0.2, hi: 1 },
  { name: 'depthwiseEfficiency', get: (c) => c.depthwiseEfficiency, set: (c, v) => (c.depthwiseEfficiency = v), lo: 0.1, hi: 1 },
  { name: 'minKernelUs', get: (c) => c.minKernelUs, set: (c, v) => (c.minKernelUs = v), lo: 2, hi: 10 },
  { name: 'nchwPasses', get: (c) => c.nchwPasses, set: (c, v) => (c.nchwPasses = v), lo: 0.05, hi: 4 },
  { name: 'plainConvPassShare', get: (c) => c.plainConvPassShare, set: (c, v) => (c.plainConvPassShare = v), lo: 0.01, hi: 1 },
];

function clone(c: DeviceConstants): DeviceConstants {
  return JSON.parse(JSON.stringify(c)) as DeviceConstants;
}

/** --fix a,b: free parameters kept at their starting value (e.g. --fix simt.winograd). */
const fixArg = args.indexOf('--fix');
const FIXED = new Set(fixArg >= 0 ? args[fixArg + 1].split(',') : []);

function withParams(base: DeviceConstants, x: number[]): DeviceConstants {
  const c = clone(base);
  FREE.forEach((f, i) => {
    if (!FIXED.has(f.name)) f.set(c, Math.min(f.hi, Math.max(f.lo, Math.exp(x[i]))));
  });
  return c;
}

/** Mean over tables of the mean squared log error of the table's rows (every table weighs the same). */
function loss(cases: Case[], c: DeviceConstants): number {
  const byTable = new Map<string, number[]>();
  for (const cs of cases) {
    const e = Math.log(predictMs(cs, c) / cs.row.ms);
    byTable.set(cs.row.table.id, [...(byTable.get(cs.row.table.id) ?? []), e * e]);
  }
  let sum = 0;
  for (const v of byTable.values()) sum += v.reduce((a, b) => a + b, 0) / v.length;
  return sum / byTable.size;
}

/** Nelder-Mead over log-parameters. */
function nelderMead(f: (x: number[]) => number, x0: number[], iterations: number): { x: number[]; fx: number } {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + 0.3 : v)))].map((x) => ({ x, fx: f(x) }));
  for (let it = 0; it < iterations; it++) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0];
    const worst = simplex[n];
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j], 0) / n);
    const at = (t: number) => centroid.map((c, j) => c + t * (worst.x[j] - c));
    const r = { x: at(-1), fx: 0 };
    r.fx = f(r.x);
    if (r.fx < best.fx) {
      const e = { x: at(-2), fx: 0 };
      e.fx = f(e.x);
      simplex[n] = e.fx < r.fx ? e : r;
    } else if (r.fx < simplex[n - 1].fx) {
      simplex[n] = r;
    } else {
      const k = { x: at(0.5), fx: 0 };
      k.fx = f(k.x);
      if (k.fx < worst.fx) simplex[n] = k;
      else simplex = simplex.map((p, i) => (i === 0 ? p : { x: p.x.map((v, j) => best.x[j] + 0.5 * (v - best.x[j])), fx: 0 })).map((p, i) => (i === 0 ? p : { ...p, fx: f(p.x) }));
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  return simplex[0];
}

function fit(cases: Case[], base: DeviceConstants, iterations: number): DeviceConstants {
  const x0 = FREE.map((p) => Math.log(p.get(base)));
  const r = nelderMead((x) => loss(cases, withParams(base, x)), x0, iterations);
  return withParams(base, r.x);
}

const cases = casesOf(PUBLISHED_TIMINGS);
console.log(`${cases.length} calibration rows matched; unmatched: ${new Set(PUBLISHED_TIMINGS.filter((r) => !r.config).map((r) => r.model)).size} networks`);
/** Validation rows (never fitted): pycls's training forward + backward on 8 V100s under DDP, timm's NHWC tables. */
function validation(constants: DeviceConstants): void {
  const rows = PUBLISHED_TIMINGS.filter((r) => r.config && r.use === 'validation');
  const err: number[] = [];
  const byTable = new Map<string, number[]>();
  for (const r of rows) {
    const device = findDevice(r.table.device)!;
    const s = { device, precision: r.table.precision, layout: r.table.layout, constants, ...tableSoftware(r.table) };
    const ms = (r.table.mode === 'inference' ? inferenceTime(graphOf(r), r.batch, s) : trainingStepTime(graphOf(r), r.batch, r.optimizer, r.gpus, s)).seconds * 1000;
    err.push(ms / r.ms - 1);
    byTable.set(r.table.id, [...(byTable.get(r.table.id) ?? []), ms / r.ms - 1]);
    console.log(`   validation ${r.table.id} ${r.model.padEnd(12)} b${r.batch} x${r.gpus} measured ${r.ms.toFixed(1)} predicted ${ms.toFixed(1)} ${((ms / r.ms - 1) * 100).toFixed(1)}%`);
  }
  const mape = (e: number[]) => ((e.reduce((a, x) => a + Math.abs(x), 0) / e.length) * 100).toFixed(1);
  for (const [id, e] of byTable) console.log(`validation (not fitted) ${id.padEnd(34)} n=${String(e.length).padStart(3)} MAPE ${mape(e).padStart(5)}%`);
  console.log(`validation (not fitted): MAPE ${mape(err)}% over ${err.length} rows`);
}

const given = args.find((a) => a.startsWith('--constants='));
/** The constants evaluated and the fits' starting point: the committed ones unless told otherwise. */
const START: DeviceConstants = args.includes('--from-initial')
  ? clone(INITIAL)
  : (JSON.parse(readFileSync(given ? given.slice('--constants='.length) : OUT, 'utf8')) as DeviceConstants);
report(cases, START, 'start', args.includes('-v'));
console.log(`start loss ${loss(cases, START).toFixed(5)} (mean over tables of the rows' mean squared log error)`);
validation(START);
// --iterations N: Nelder-Mead steps of each fit (400) and of each hold-out fit (250); --grid 16,32: the
// tensor-core nTiles the fit tries, each fitted in full; the best is kept.
const iterArg = args.indexOf('--iterations');
const iterations = iterArg >= 0 ? Number(args[iterArg + 1]) : 0;
if (args.includes('--fit')) {
  const gridArg = args.indexOf('--grid');
  const grid = gridArg >= 0 ? args[gridArg + 1].split(',').map(Number) : [16, 32];
  let best: { c: DeviceConstants; l: number } | null = null;
  for (const simtN of [64]) {
    for (const tensorN of grid) {
      const base = clone(START);
      base.simt.nTile = simtN;
      base.tensorCores.nTile = tensorN;
      // Each tile width gets the whole fit: Nelder-Mead is local, and after a short one the width that ends
      // worse can lead (session 6: 16 led after 120 steps, 32 ended better on every table).
      const c = fit(cases, base, iterations || 400);
      const l = loss(cases, c);
      console.log(`nTile simt ${simtN} tensor ${tensorN}: loss ${l.toFixed(5)} ${JSON.stringify(c)}`);
      if (!best || l < best.l) best = { c, l };
    }
  }
  const final = best!.c;
  console.log(JSON.stringify(final, null, 2));
  report(cases, final, 'fit', args.includes('-v'));
  if (args.includes('--write')) {
    writeFileSync(OUT, JSON.stringify(final, null, 2) + '\n');
    console.log(`wrote ${OUT.pathname}`);
  }
}

/** The family of a network: what a leave-one-family-out check holds out together. */
function family(model: string): string {
  if (/^regnetx|^RegNetX/.test(model)) return 'RegNetX (wide groups)';
  if (/^regnety|^RegNetY/.test(model)) return 'RegNetY (wide groups and SE)';
  if (/_gn$|blur|_pruned$|^senet154$/.test(model)) return 'GroupNorm, BlurPool, pruned widths, SENet-154';
  if (/resnext/i.test(model)) return 'ResNeXt (grouped 3x3, with and without SE)';
  if (/^(se|eca)resnet/.test(model)) return 'SE/ECA ResNets';
  if (/^wide_/.test(model)) return 'wide ResNets';
  if (/^resnet\d+d$/.test(model)) return 'ResNet-D';
  return 'ResNets';
}

/**
 * Hold-out checks, each fitting from the committed constants on the rest and predicting what was held out:
 *   --holdout          the networks in four folds (sorted by name, every fourth in a fold)
 *   --holdout family   one family at a time (ResNeXts, SE/ECA ResNets, wide ResNets, ResNet-D, ResNets): the
 *                      ResNeXts' grouped convs predicted by constants fitted to dense networks only, and so on
 * The held-out rows' errors are reported per table.
 */
const holdout = args.indexOf('--holdout');
if (holdout >= 0) {
  const names = [...new Set(cases.map((c) => c.row.model))].sort();
  const byFamily = args[holdout + 1] === 'family';
  const folds: Set<string>[] = byFamily
    ? [...new Set(names.map(family))].map((f) => new Set(names.filter((n) => family(n) === f)))
    : [0, 1, 2, 3].map((fold) => new Set(names.filter((_, i) => i % 4 === fold)));
  const held: { c: Case; ms: number }[] = [];
  for (const [fold, out] of folds.entries()) {
    const c = fit(cases.filter((x) => !out.has(x.row.model)), START, iterations || 250);
    const mine = cases.filter((x) => out.has(x.row.model));
    const err = mine.map((x) => predictMs(x, c) / x.row.ms - 1);
    for (const [i, x] of mine.entries()) held.push({ c: x, ms: x.row.ms * (1 + err[i]) });
    const mape = err.reduce((s, e) => s + Math.abs(e), 0) / err.length;
    const worst = err.reduce((w, e, i) => (Math.abs(e) > Math.abs(err[w]) ? i : w), 0);
    console.log(`fold ${fold}${byFamily ? ` (${family([...out][0])})` : ''}: held out ${out.size} networks, ${mine.length} rows: MAPE ${(mape * 100).toFixed(1)}%, worst ${mine[worst].row.model}@${mine[worst].row.imageSize} ${mine[worst].row.table.id} ${(err[worst] * 100).toFixed(1)}%`);
    if (!byFamily) console.log(`   ${[...out].join(', ')}`);
  }
  const byTable = new Map<string, { c: Case; ms: number }[]>();
  for (const h of held) byTable.set(h.c.row.table.id, [...(byTable.get(h.c.row.table.id) ?? []), h]);
  for (const [id, hs] of byTable) {
    const err = hs.map((h) => h.ms / h.c.row.ms - 1);
    const worst = err.reduce((w, e, i) => (Math.abs(e) > Math.abs(err[w]) ? i : w), 0);
    console.log(`held-out ${id.padEnd(34)} n=${String(hs.length).padStart(3)} MAPE ${((err.reduce((s, e) => s + Math.abs(e), 0) / err.length) * 100).toFixed(1).padStart(5)}%  worst ${hs[worst].c.row.model}@${hs[worst].c.row.imageSize} ${(err[worst] * 100).toFixed(1)}%  spearman ${spearman(hs.map((h) => h.ms / h.c.row.batch), hs.map((h) => h.c.row.ms / h.c.row.batch)).toFixed(3)}`);
  }
}
