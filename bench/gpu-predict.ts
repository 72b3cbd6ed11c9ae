/**
 * The time model against PyTorch on an NVIDIA GPU (never fitted: the constants come from the calibration
 * tables only). bench/gpu_predict.py measures on the GPU machine (Python and PyTorch only); this prints,
 * here or there, the prediction beside each measurement and, per precision, layout and mode, the errors
 * bench:predict prints (MAPE, the worst network, Spearman, the ResNeXt / ResNet ratios).
 *
 *   python3 bench/gpu_predict.py --out gpu.jsonl          # on the GPU machine (see its --help)
 *   npx tsx bench/gpu-predict.ts --measured gpu.jsonl [--device h100-sxm]
 *
 * The device is the table's entry named by --device, else the one whose name the GPU's name contains
 * ("NVIDIA H100 80GB HBM3" -> h100-sxm); a GPU the table does not have is one line asking for --device.
 */
import { readFileSync } from 'node:fs';
import { DEVICES, findDevice, type Device } from '../src/analysis/devices.ts';
import { spearman } from '../src/analysis/stats.ts';
import { timeSetting } from '../src/analysis/timing/layers.ts';
import { inferenceTime, trainingStepTime } from '../src/analysis/timing/predict.ts';
import { optimizerImplOf } from '../src/analysis/timing/kernels.ts';
import type { Precision } from '../src/analysis/timing/precision.ts';
import type { Layout } from '../src/analysis/timing/model.ts';
import { buildLayerGraph, type LayerGraph } from '../src/model/graph.ts';
import { findPreset, presetConfig } from '../src/model/presets.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

function fail(message: string): never {
  process.stderr.write(`gpu-predict: ${message}\n`);
  process.exit(2);
}

interface Header { gpu: string; sms: number; memoryBytes: number; capability: string; torch: string; cuda: string; cudnn: number }
interface Row { name: string; dtype: Precision; layout: Layout; mode: 'inference' | 'training'; batch: number; ms?: number; skipped?: string }

/** GPU names as torch.cuda.get_device_name prints them -> the device table. */
const GPU_NAMES: [RegExp, string][] = [
  [/H200/, 'h200'], [/H100.*(SXM|HBM3)/, 'h100-sxm'], [/A100.*40/, 'a100-40gb'], [/V100/, 'v100'], [/\bT4\b/, 't4'],
  [/\bL4\b/, 'l4'], [/RTX 3090/, 'rtx3090'], [/RTX 4090/, 'rtx4090'], [/M40/, 'm40'],
];

function deviceFor(header: Header): Device {
  const named = option('device');
  if (named) return findDevice(named) ?? fail(`--device: unknown device "${named}": use one of ${DEVICES.map((d) => d.name).join(', ')}`);
  const hit = GPU_NAMES.find(([re]) => re.test(header.gpu));
  if (!hit) fail(`the device table has no "${header.gpu}" (${header.sms} SMs): give --device NAME of the closest entry, or add the GPU to src/analysis/devices.ts with its datasheet figures`);
  const d = findDevice(hit[1])!;
  if (d.sms !== header.sms) process.stderr.write(`note: ${header.gpu} has ${header.sms} SMs, the table's ${d.name} ${d.sms}\n`);
  return d;
}

const file = option('measured') ?? fail('give --measured FILE (the JSON lines bench/gpu_predict.py wrote)');
const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
const header = (lines.find((l) => 'gpu' in l) ?? fail(`${file} has no GPU line: is it bench/gpu_predict.py's output?`)) as unknown as Header;
const device = deviceFor(header);
console.log(`${header.gpu} (${header.sms} SMs, compute capability ${header.capability}), PyTorch ${header.torch}, CUDA ${header.cuda}, cuDNN ${header.cudnn}; predicted as ${device.label} (${device.name})`);
for (const l of lines) if ('skipped' in l || 'stopped' in l) console.log(`   note: ${JSON.stringify(l)}`);

const rows = lines.filter((l): l is Row & Record<string, unknown> => 'mode' in l && typeof l.ms === 'number');
const graphs = new Map<string, LayerGraph>();
const graphOf = (name: string) => {
  let g = graphs.get(name);
  if (!g) graphs.set(name, (g = buildLayerGraph(presetConfig(name))));
  return g;
};

const groups = new Map<string, { name: string; measured: number; predicted: number }[]>();
for (const r of rows) {
  if (!findPreset(r.name)) continue;
  const s = timeSetting(device, r.dtype, r.layout);
  const g = graphOf(r.name);
  const predicted = r.mode === 'inference' ? inferenceTime(g, r.batch, s).seconds * 1000 : trainingStepTime(g, r.batch, 'momentum', 1, { ...s, optimizerImpl: optimizerImplOf(header.torch) }).seconds * 1000;
  const key = `${r.mode} ${r.dtype} ${r.layout} batch ${r.batch}`;
  groups.set(key, [...(groups.get(key) ?? []), { name: r.name, measured: r.ms!, predicted }]);
}

for (const [key, pairs] of groups) {
  console.log(`\n${key}:`);
  for (const p of pairs) console.log(`   ${p.name.padEnd(20)} measured ${p.measured.toFixed(2).padStart(9)} ms  predicted ${p.predicted.toFixed(2).padStart(9)} ms  ${((p.predicted / p.measured - 1) * 100).toFixed(1).padStart(6)}%`);
  const err = pairs.map((p) => p.predicted / p.measured - 1);
  const mape = err.reduce((a, e) => a + Math.abs(e), 0) / err.length;
  const w = err.reduce((a, e, i) => (Math.abs(e) > Math.abs(err[a]) ? i : a), 0);
  const ratio = (x: string, y: string) => {
    const a = pairs.find((p) => p.name === x);
    const b = pairs.find((p) => p.name === y);
    return a && b ? `; ${x}/${y} measured ${(a.measured / b.measured).toFixed(2)} predicted ${(a.predicted / b.predicted).toFixed(2)}` : '';
  };
  const rho = pairs.length > 2 ? `, Spearman ${spearman(pairs.map((p) => p.predicted), pairs.map((p) => p.measured)).toFixed(3)}` : '';
  console.log(`   n=${pairs.length}, MAPE ${(mape * 100).toFixed(1)}%, worst ${pairs[w].name} ${(err[w] * 100).toFixed(1)}%${rho}${ratio('resnext50_32x4d', 'resnet50')}${ratio('resnext101_32x4d', 'resnet101')}`);
}
if (groups.size === 0) fail(`${file} has no measurement of a network the app builds`);
