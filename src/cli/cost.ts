/**
 * `cost <preset | config flags> [--batch N] [--dtype float32|tf32|amp|float16|bfloat16] [--layout nchw|nhwc]
 *       [--optimizer none|sgd|momentum|adam] [--set-to-none] [--foreach] [--fast-norm] [--device NAME] [--gpus N] [--json]`:
 * activations, memory traffic, training and inference memory, the peak of a training step, the predicted time of
 * every layer and of a training step (src/analysis/cost.ts, timing/). Bad values are one-line errors (main.ts exits
 * with status 2).
 */
import {
  costJson,
  costOf,
  DEFAULT_BATCH,
  DEFAULT_DTYPE,
  DEFAULT_LAYOUT,
  DEFAULT_OPTIMIZER,
  humanBytes,
  IMAGENET_TRAIN_IMAGES,
  parseBatch,
  parseDevice,
  parseDtype,
  parseGpus,
  parseLayout,
  parseOptimizer,
  checkGpus,
  type CostReport,
} from '../analysis/cost.ts';
import { PRECISION_TEXT, PRECISIONS } from '../analysis/timing/precision.ts';
import { predictPublished, publishedFor, publishedText } from '../analysis/timing/published.ts';
import { DEFAULT_DEVICE, DEVICE_NAMES, DEVICE_SOURCES } from '../analysis/devices.ts';
import { analyze } from '../analysis/analyze.ts';
import { humanCount, thousands } from '../analysis/format.ts';
import { buildLayerGraph, usesGroupNorm } from '../model/graph.ts';
import { formatInputSize } from '../model/config.ts';
import { matchPreset } from '../model/presets.ts';
import { OPTIMIZERS } from '../analysis/memory.ts';
import { LAYOUTS } from '../analysis/timing/model.ts';
import { configFromArgs, flagString, JSON_FLAG, NETWORK_FLAGS, UsageError, type ParsedArgs } from './args.ts';
import type { Command } from './command.ts';

const OPTIMIZER_TEXT = {
  none: 'no optimizer (forward + backward only): no state',
  sgd: 'SGD without momentum: no state',
  momentum: 'SGD with momentum: 1 x params (float32)',
  adam: 'Adam / AdamW: 2 x params + a step counter per tensor (float32)',
} as const;

function ms(v: number): string {
  return v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(4);
}

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

function costText(report: CostReport): string {
  const { totals: t, memory: m, options: o } = report;
  const config = report.graph.config;
  const preset = matchPreset(config);
  const name = preset ? preset.label : `custom network (depths ${config.depths.join(',')}, C=${config.cardinality}, d=${config.widthPerGroup})`;
  const d = o.device;
  const mixed = o.dtype === 'amp';
  const tr = report.training;
  // The step whose peak and time are taken (cost.ts: one step for both).
  const norm = mixed && usesGroupNorm(report.graph) ? `; GroupNorm in ${o.fastNorm ? 'float16 (--fast-norm)' : 'float32 (autocast\'s rule; --fast-norm: float16)'}` : '';
  const step = `gradients ${o.zeroGrad === 'none' ? 'set to None' : 'zeroed'} by zero_grad, ${o.foreach ? 'foreach' : 'single-tensor'} optimizer${norm}`;
  const published = [...publishedFor(config, d.name, o.dtype, o.layout, 'inference'), ...publishedFor(config, d.name, o.dtype, o.layout, 'training')];
  const lines = [
    `${name} at ${formatInputSize(config.input)}, batch ${o.batch}${o.gpus > 1 ? ` per GPU x ${o.gpus} GPUs` : ''}, ${PRECISION_TEXT[o.dtype]}, ${o.layout.toUpperCase()}, on ${d.label}`,
    '',
    `params                 ${thousands(t.params)}`,
    `MACs per image         ${thousands(t.macs)} (${humanCount(t.macs)}MAC; FLOPs = 2 x MACs)`,
    `training MACs/image    ${thousands(t.trainMacs)} (${humanCount(t.trainMacs)}MAC: forward + backward, FlopCounterMode's rule)`,
    `activations per image  ${thousands(t.convActivations)} (RegNet: output elements of every conv)`,
    '',
    `training memory at batch ${o.batch} (${OPTIMIZER_TEXT[o.optimizer]}):`,
    `  parameters               ${humanBytes(t.paramsBytes).padStart(10)}`,
    `  gradients                ${humanBytes(t.gradsBytes).padStart(10)}`,
    `  optimizer state          ${humanBytes(t.optimizerBytes).padStart(10)}`,
    `  saved activations        ${humanBytes(t.savedActivationBytes).padStart(10)}  (${humanBytes(m.saved.perSample)} per image + ${humanBytes(m.saved.fixed)} fixed${mixed ? ': BN statistics and 16-bit weight copies' : ': BN statistics'})`,
    `  total                    ${humanBytes(t.trainingBytes).padStart(10)}`,
    `  peak of a training step  ${humanBytes(t.peakTrainingBytes).padStart(10)}  (${m.peak.phase}, at ${m.peak.at}; ${step}, 512-byte CUDA blocks)`,
    `  ${m.fits ? 'fits' : 'does not fit'} in ${humanBytes(m.deviceBytes)}; largest batch that fits: ${thousands(m.largestBatch)}`,
    `inference peak, batch ${o.batch}: ${humanBytes(t.inferencePeakBytes)} of live activations (+ ${humanBytes(m.inferenceWeightBytes)} of weights)`,
    '',
    `predicted inference time, batch ${o.batch}: ${ms(t.predictedMs)} ms (${thousands(Math.round((o.batch / t.predictedMs) * 1000))} images/s)${t.predictedMs > t.layersMs * 1.001 ? `; launch-bound: the host queues kernels slower than the GPU runs them (${ms(t.layersMs)} ms of kernels)` : ''}${norm}`,
    tr
      ? `predicted training step, batch ${o.batch}${o.gpus > 1 ? ` per GPU on ${o.gpus} GPUs` : ''}: ${ms(tr.stepMs)} ms = forward ${ms(tr.forwardMs)} + backward ${ms(tr.backwardMs)}` +
        `${o.gpus > 1 ? ` + all-reduce not hidden by the backward ${ms(tr.exposedAllReduceMs)} (of ${ms(tr.allReduceMs)})` : ''} + optimizer ${ms(tr.optimizerMs)}; ` +
        `${thousands(Math.round(tr.imagesPerS))} images/s, ${(tr.epochS / 60).toFixed(1)} min per epoch of ${thousands(IMAGENET_TRAIN_IMAGES)} images (ImageNet-1k); ${step}`
      : 'training: this engine does not train',
    ...published.map((r) => `published: ${publishedText(r, predictPublished(r, report.graph), report.graph)}`),
    `model: kernel by kernel as eager PyTorch runs them (docs/time-model.md); device figures: ${[...new Set(Object.values(d.sources))].map((k) => DEVICE_SOURCES[k]).join('; ')}`,
    '',
    'per stage:',
    table(
      ['stage', 'predicted ms', 'share', 'MACs', 'bytes moved'],
      report.stages.map((s) => [s.module, ms(s.ms), `${(s.share * 100).toFixed(1)}%`, thousands(s.macs), humanBytes(s.bytes)]),
      [false, true, true, true, true],
    ),
    `per layer (bytes read = input + weights, written = output; intensity = FLOPs / bytes; unit = tensor cores or vector units; tiles = useful share of the`,
    `tiles' multiply-accumulates; peak = share of the unit's peak reached; MAC = ShuffleNet V2's memory access cost of a conv, elements per image):`,
    table(
      ['layer', 'type', 'MACs', 'read', 'written', 'FLOP/B', 'bound', 'unit', 'tiles', 'peak', 'ms', 'MAC (elements)'],
      report.layers.map((l) => [
        l.name, l.type, thousands(l.macs), humanBytes(l.bytesRead), humanBytes(l.bytesWritten), l.intensity.toFixed(1), l.bound,
        l.unit === 'memory' ? '' : `${l.unit}${l.winograd ? ' (Winograd)' : ''}`, l.unit === 'memory' ? '' : `${(l.tileUse * 100).toFixed(0)}%`,
        l.unit === 'memory' ? '' : `${(l.peakShare * 100).toFixed(0)}%`, ms(l.ms),
        l.memoryAccessCost === null ? '' : thousands(l.memoryAccessCost),
      ]),
      [false, false, true, true, true, true, false, false, true, true, true, true],
    ),
  ];
  return lines.join('\n');
}

export const COST: Command = {
  name: 'cost',
  positional: '<preset>',
  flags: [
    NETWORK_FLAGS,
    { name: 'batch', value: 'N' },
    { name: 'dtype', value: PRECISIONS.join('|') },
    { name: 'layout', value: LAYOUTS.join('|') },
    { name: 'optimizer', value: OPTIMIZERS.join('|') },
    { name: 'set-to-none' },
    { name: 'foreach' },
    { name: 'fast-norm' },
    { name: 'device', value: 'NAME' },
    { name: 'gpus', value: 'N' },
    JSON_FLAG,
  ],
  usage:
    'activations, memory traffic, training / inference memory, inference and training-step time per layer on a device ' +
    `(default batch ${DEFAULT_BATCH} per GPU, ${DEFAULT_DTYPE}, ${DEFAULT_LAYOUT}, ${DEFAULT_OPTIMIZER}, ${DEFAULT_DEVICE}, 1 GPU; devices: ${DEVICE_NAMES.join(', ')})`,
  run: costReport,
};

function costReport(args: ParsedArgs): string {
  if (args.positional.length > 1) throw new UsageError(`cost takes one preset, got ${args.positional.join(' ')}`);
  const config = configFromArgs(args, args.positional[0]);
  const batchText = flagString(args, 'batch');
  const options = {
    batch: batchText === undefined ? DEFAULT_BATCH : parseBatchFlag(batchText),
    dtype: parseDtypeFlag(flagString(args, 'dtype') ?? DEFAULT_DTYPE),
    optimizer: parseWith(flagString(args, 'optimizer') ?? DEFAULT_OPTIMIZER, parseOptimizer, '--optimizer'),
    device: parseWith(flagString(args, 'device') ?? DEFAULT_DEVICE, parseDevice, '--device'),
    layout: parseWith(flagString(args, 'layout') ?? DEFAULT_LAYOUT, parseLayout, '--layout'),
    gpus: parseWith(flagString(args, 'gpus') ?? '1', parseGpus, '--gpus'),
    zeroGrad: args.flags.has('set-to-none') ? ('none' as const) : ('zero' as const),
    foreach: args.flags.has('foreach'),
    fastNorm: args.flags.has('fast-norm'),
  };
  parseWith(options.gpus, (g) => checkGpus(options.device, g), '--gpus');
  analyze(config); // refuses absurd networks with the figure
  if (options.fastNorm && options.dtype !== 'amp') throw new UsageError(`--fast-norm runs GroupNorm in float16 under autocast, so it needs --dtype amp, got ${options.dtype}: add --dtype amp or drop --fast-norm`);
  const report = costOf(buildLayerGraph(config), options);
  if (args.flags.has('json')) return JSON.stringify(costJson(report), null, 2) + '\n';
  return costText(report);
}

function parseWith<A, T>(text: A, parse: (t: A) => T, flag: string): T {
  try {
    return parse(text);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

function parseBatchFlag(text: string): number {
  return parseWith(text, parseBatch, '--batch');
}

function parseDtypeFlag(text: string): ReturnType<typeof parseDtype> {
  return parseWith(text, parseDtype, '--dtype');
}
