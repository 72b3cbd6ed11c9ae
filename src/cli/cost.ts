/**
 * `cost <preset | config flags> [--batch N] [--dtype float32|float16|bfloat16] [--optimizer none|sgd|momentum|adam]
 *       [--set-to-none] [--foreach] [--device NAME] [--json]`: activations, memory traffic, training and inference memory and the roofline
 * time of every kernel (src/analysis/cost.ts). Bad values are one-line errors (main.ts exits with status 2).
 */
import {
  costJson,
  costOf,
  DEFAULT_BATCH,
  DEFAULT_DTYPE,
  DEFAULT_OPTIMIZER,
  humanBytes,
  parseBatch,
  parseDevice,
  parseDtype,
  parseOptimizer,
  type CostReport,
} from '../analysis/cost.ts';
import { DEFAULT_DEVICE, DEVICE_SOURCES } from '../analysis/devices.ts';
import { analyze } from '../analysis/analyze.ts';
import { humanCount, thousands } from '../analysis/format.ts';
import { buildLayerGraph } from '../model/graph.ts';
import { formatInputSize } from '../model/config.ts';
import { matchPreset } from '../model/presets.ts';
import { configFromArgs, CONFIG_FLAGS, flagString, parseArgs, UsageError } from './args.ts';

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

export function costText(report: CostReport): string {
  const { totals: t, memory: m, options: o } = report;
  const config = report.graph.config;
  const preset = matchPreset(config);
  const name = preset ? preset.label : `custom network (depths ${config.depths.join(',')}, C=${config.cardinality}, d=${config.widthPerGroup})`;
  const d = o.device;
  const mixed = o.dtype !== 'float32';
  const lines = [
    `${name} at ${formatInputSize(config.input)}, batch ${o.batch}, ${o.dtype}${mixed ? ' (autocast: float32 master weights)' : ''}, on ${d.label}`,
    '',
    `params                 ${thousands(t.params)}`,
    `MACs per image         ${thousands(t.macs)} (${humanCount(t.macs)}MAC; FLOPs = 2 x MACs)`,
    `training MACs/image    ${thousands(t.trainMacs)} (${humanCount(t.trainMacs)}MAC: forward + backward, FlopCounterMode's rule)`,
    `activations per image  ${thousands(t.convActivations)} (RegNet: output elements of every conv)`,
    '',
    `training memory at batch ${o.batch} (${OPTIMIZER_TEXT[o.optimizer]}):`,
    `  parameters (float32)     ${humanBytes(t.paramsBytes).padStart(10)}`,
    `  gradients (float32)      ${humanBytes(t.gradsBytes).padStart(10)}`,
    `  optimizer state          ${humanBytes(t.optimizerBytes).padStart(10)}`,
    `  saved activations        ${humanBytes(t.savedActivationBytes).padStart(10)}  (${humanBytes(m.saved.perSample)} per image + ${humanBytes(m.saved.fixed)} fixed${mixed ? ': BN statistics and 16-bit weight copies' : ': BN statistics'})`,
    `  total                    ${humanBytes(t.trainingBytes).padStart(10)}`,
    `  peak of a training step  ${humanBytes(t.peakTrainingBytes).padStart(10)}  (${m.peak.phase}, at ${m.peak.at}; gradients ${o.zeroGrad === 'none' ? 'set to None' : 'zeroed'} by zero_grad, ${o.foreach ? 'foreach' : 'single-tensor'} optimizer, 512-byte CUDA blocks)`,
    `  ${m.fits ? 'fits' : 'does not fit'} in ${humanBytes(m.deviceBytes)}; largest batch that fits: ${thousands(m.largestBatch)}`,
    `inference peak, batch ${o.batch}: ${humanBytes(t.inferencePeakBytes)} of live activations (+ ${humanBytes(m.inferenceWeightBytes)} of ${o.dtype} weights)`,
    `predicted inference time, batch ${o.batch}: ${ms(t.predictedMs)} ms (roofline: max(FLOPs / ${(o.dtype === 'float32' ? d.fp32Tflops : (o.dtype === 'float16' ? d.fp16Tflops : d.bf16Tflops) ?? d.fp32Tflops)} TFLOPS, bytes / ${d.bandwidthGBs} GB/s) + ${d.launchUs} us per kernel)`,
    `device figures: ${[...new Set(Object.values(d.sources))].map((k) => DEVICE_SOURCES[k]).join('; ')}`,
    '',
    'per stage:',
    table(
      ['stage', 'predicted ms', 'share', 'MACs', 'bytes moved'],
      report.stages.map((s) => [s.module, ms(s.ms), `${(s.share * 100).toFixed(1)}%`, thousands(s.macs), humanBytes(s.bytes)]),
      [false, true, true, true, true],
    ),
    `per kernel (bytes read = input + weights, written = output; intensity = FLOPs / bytes; MAC = ShuffleNet V2's memory access cost of a conv, elements per image):`,
    table(
      ['layer', 'type', 'MACs', 'read', 'written', 'FLOP/B', 'bound', 'ms', 'MAC (elements)'],
      report.layers.map((l) => [
        l.name, l.type, thousands(l.macs), humanBytes(l.bytesRead), humanBytes(l.bytesWritten), l.intensity.toFixed(1), l.bound, ms(l.ms),
        l.memoryAccessCost === null ? '' : thousands(l.memoryAccessCost),
      ]),
      [false, false, true, true, true, true, false, true, true],
    ),
  ];
  return lines.join('\n');
}

export function costCommand(argv: string[]): string {
  const args = parseArgs(argv, [...CONFIG_FLAGS, 'batch', 'dtype', 'optimizer', 'set-to-none', 'foreach', 'device', 'json']);
  if (args.positional.length > 1) throw new UsageError(`cost takes one preset, got ${args.positional.join(' ')}`);
  const config = configFromArgs(args, args.positional[0]);
  const batchText = flagString(args, 'batch');
  const options = {
    batch: batchText === undefined ? DEFAULT_BATCH : parseBatchFlag(batchText),
    dtype: parseDtypeFlag(flagString(args, 'dtype') ?? DEFAULT_DTYPE),
    optimizer: parseWith(flagString(args, 'optimizer') ?? DEFAULT_OPTIMIZER, parseOptimizer, '--optimizer'),
    device: parseWith(flagString(args, 'device') ?? DEFAULT_DEVICE, parseDevice, '--device'),
    zeroGrad: args.flags.has('set-to-none') ? ('none' as const) : ('zero' as const),
    foreach: args.flags.has('foreach'),
  };
  analyze(config); // refuses absurd networks with the figure
  const report = costOf(buildLayerGraph(config), options);
  if (args.flags.has('json')) return JSON.stringify(costJson(report), null, 2) + '\n';
  return costText(report);
}

function parseWith<T>(text: string, parse: (t: string) => T, flag: string): T {
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
