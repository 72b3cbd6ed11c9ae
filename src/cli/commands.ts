/**
 * The analysis commands of the CLI. Each returns the text to print; errors are thrown and reported
 * by main.ts as one line.
 */
import {
  analyze,
  blockTable,
  checkBudget,
  compare,
  CONVENTION_INFO,
  humanCount,
  isConvention,
  solve,
  stageOf,
  summarize,
  summaryJson,
  thousands,
  torchsummaryText,
  totalMacs,
  totalParams,
  type Convention,
} from '../analysis/index.ts';
import { compareMarkdown, summaryMarkdown, tableMarkdown } from '../analysis/markdown.ts';
import { torchinfoText, type TorchinfoOptions } from '../analysis/torchinfo.ts';
import { buildLayerGraph, type ExecutionOrder } from '../model/graph.ts';
import type { NetworkConfig } from '../model/config.ts';
import { defaultConfig } from '../model/presets.ts';
import { CONVENTIONS } from '../analysis/conventions.ts';
import { parsePositiveInteger } from '../model/config-fields.ts';
import { configFromArgs, flagString, JSON_FLAG, NETWORK_FLAGS, parseArgs, UsageError, type Flag, type ParsedArgs } from './args.ts';
import type { Command } from './command.ts';
import { formatFlag, outputFormat, TORCHINFO_FLAGS, torchinfoOptions } from './formats.ts';

const CONVENTION_FLAG: Flag = { name: 'convention', value: CONVENTIONS.join('|') };

function convention(value: string | undefined): Convention {
  if (value === undefined) return 'paper';
  if (!isConvention(value)) throw new UsageError(`--convention must be paper, fvcore, thop or ptflops, got "${value}"`);
  return value;
}

function order(value: string | undefined): ExecutionOrder {
  if (value === undefined) return 'seed';
  if (value !== 'seed' && value !== 'torchvision') throw new UsageError(`--order must be seed or torchvision, got "${value}"`);
  return value;
}

function onePreset(positional: string[], command: string): string | undefined {
  if (positional.length > 1) throw new UsageError(`${command} takes one preset, got ${positional.join(' ')}`);
  return positional[0];
}

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
}

/** A plain text table with right-aligned numeric columns. */
function textTable(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const lines = [pad(header, widths, right), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => pad(r, widths, right))];
  return lines.join('\n') + '\n';
}

/**
 * `summary`: exactly what torchsummary 1.5.1 prints for the equivalent PyTorch model. The default order is
 * the seed's (shortcut first), whose printout the source document shows.
 */
export const SUMMARY: Command = {
  name: 'summary',
  positional: '<preset>',
  flags: [NETWORK_FLAGS, { name: 'order', value: 'seed|torchvision' }, CONVENTION_FLAG, JSON_FLAG, formatFlag(['torchsummary', 'torchinfo', 'markdown']), TORCHINFO_FLAGS],
  usage:
    'torchsummary 1.5.1\'s printout of the model (default order: the seed code\'s, shortcut first); with --convention, the ' +
    'MAC and FLOP totals of that convention; --format torchinfo prints torchinfo 1.8.0\'s, markdown GitHub-flavoured tables',
  run: summaryText,
};

function summaryText(args: ParsedArgs): string {
  const config = configFromArgs(args, onePreset(args.positional, 'summary'));
  const format = outputFormat(args, 'torchsummary', ['torchinfo', 'markdown']);
  const torchinfo = torchinfoOptions(args, format);
  if (format === 'torchinfo') return torchinfoSummary(config, args, torchinfo);
  const conv = convention(flagString(args, 'convention'));
  const graph = buildLayerGraph(config, order(flagString(args, 'order')));
  analyze(config, { convention: conv }); // refuses absurd sizes with the figure
  const summary = summarize(graph, conv);
  if (args.flags.has('json')) return JSON.stringify(summaryJson(summary), null, 2) + '\n';
  if (format === 'markdown') return summaryMarkdown(summary, graph, conv);
  let text = torchsummaryText(summary);
  if (args.flags.has('convention')) {
    const t = summary.totals;
    text +=
      `Multiply-accumulates, ${CONVENTION_INFO[conv].label} convention: ${thousands(t.macs)} MACs (${humanCount(t.macs)}MAC)\n` +
      `FLOPs (2 x MACs): ${thousands(t.flops)} (${humanCount(t.flops)}FLOP)\n` +
      `Convention: ${CONVENTION_INFO[conv].description}\n` +
      `Training, forward + backward (FlopCounterMode's rule: convs and fc, input and weight gradients): ${thousands(t.train_macs)} MACs per image (${humanCount(t.train_macs)}MAC)\n`;
  }
  return text;
}

/**
 * `summary ... --format torchinfo [--depth N] [--columns ...] [--batch N] [--row-settings ...]`: what
 * torchinfo 1.8.0 prints for the torchvision or timm model (which run the shortcut after the branch).
 */
function torchinfoSummary(config: NetworkConfig, args: ParsedArgs, options: TorchinfoOptions): string {
  if (flagString(args, 'order') === 'seed') {
    throw new UsageError('torchinfo lists torchvision\'s or timm\'s modules, which run the shortcut after the residual branch: drop --order seed');
  }
  order(flagString(args, 'order'));
  if (args.flags.has('convention')) {
    throw new UsageError('--convention does not apply to torchinfo, whose Mult-Adds count every parameter (biases, BatchNorm) once per output position');
  }
  const graph = buildLayerGraph(config, 'torchvision');
  checkBudget(totalParams(graph), totalMacs(graph)); // refuses absurd sizes with the figure
  return torchinfoText(graph, options);
}

export const TABLE: Command = {
  name: 'table',
  positional: '<preset>',
  flags: [NETWORK_FLAGS, CONVENTION_FLAG, JSON_FLAG, formatFlag(['text', 'markdown'])],
  usage: 'the paper\'s Table 1 for the model',
  run: tableText,
};

function tableText(args: ParsedArgs): string {
  const config = configFromArgs(args, onePreset(args.positional, 'table'));
  const format = outputFormat(args, 'text', ['markdown']);
  const table = blockTable(buildLayerGraph(config), convention(flagString(args, 'convention')));
  if (args.flags.has('json')) return JSON.stringify(table, null, 2) + '\n';
  if (format === 'markdown') return tableMarkdown(table);
  const rows = table.rows.map((r) => [
    r.stage,
    r.outputSize ? `${r.outputSize[0]}x${r.outputSize[1]}` : '',
    r.description,
    thousands(r.params),
    thousands(r.macs),
  ]);
  rows.push(['total', '', '', thousands(table.params), thousands(table.macs)]);
  return (
    textTable(['stage', 'output', 'layers', 'params', 'MACs'], rows, [false, false, false, true, true]) +
    `\nparams: ${thousands(table.params)} (${humanCount(table.params)})\n` +
    `MACs (${CONVENTION_INFO[table.convention].label}): ${thousands(table.macs)} (${humanCount(table.macs)}MAC); FLOPs = 2 x MACs = ${humanCount(table.flops)}FLOP\n`
  );
}

export const SOLVE: Command = {
  name: 'solve',
  positional: '',
  flags: [{ name: 'depth', value: '50', required: true }, { name: 'cardinality', value: '8', required: true }, JSON_FLAG],
  usage: 'the width d that preserves complexity (paper Table 2)',
  run: solveText,
};

function solveText(args: ParsedArgs): string {
  if (args.positional.length) throw new UsageError(`solve takes only --depth and --cardinality, got ${args.positional.join(' ')}`);
  const depthText = flagString(args, 'depth');
  const cText = flagString(args, 'cardinality');
  if (depthText === undefined || cText === undefined) throw new UsageError('solve needs --depth and --cardinality, e.g. solve --depth 50 --cardinality 8');
  const result = solve(parsePositiveInteger(depthText, '--depth'), parsePositiveInteger(cText, '--cardinality'));
  const config = { ...defaultConfig(), depths: result.depths, cardinality: result.cardinality, widthPerGroup: result.widthPerGroup };
  const net = analyze(config);
  if (args.flags.has('json')) {
    return JSON.stringify({ ...result, network: { params: net.params, macs: net.macs, flops: net.flops } }, null, 2) + '\n';
  }
  return (
    `ResNeXt-${result.depth} (${result.cardinality}x${result.widthPerGroup}d): cardinality C = ${result.cardinality}, bottleneck width d = ${result.widthPerGroup}, ` +
    `group-conv width C*d = ${result.width}\n` +
    `conv2 block params C*(256d + 9d^2 + 256d) = ${thousands(result.params)} vs ${thousands(result.referenceParams)} for C=1, d=64 ` +
    `(${(result.relativeDifference * 100).toFixed(2)}%)\n` +
    `network at 3x224x224: ${thousands(net.params)} params, ${thousands(net.macs)} MACs (${humanCount(net.macs)}MAC)\n`
  );
}

/** The network flags a comparison applies to every network: the input size and the classes. */
const COMPARED_INPUT = NETWORK_FLAGS.flags.filter((f) => f.name === 'input' || f.name === 'classes');

export const COMPARE: Command = {
  name: 'compare',
  positional: '<preset> <preset> [...]',
  flags: [...COMPARED_INPUT, CONVENTION_FLAG, JSON_FLAG, formatFlag(['text', 'markdown'])],
  usage: 'per-stage params and MACs side by side',
  run: compareText,
};

function compareText(args: ParsedArgs): string {
  const format = outputFormat(args, 'text', ['markdown']);
  if (args.positional.length < 2) throw new UsageError('compare needs at least two presets, e.g. compare resnet50 resnext50_32x4d');
  const items = args.positional.map((name) => {
    const sub = parseArgs([name, ...COMPARED_INPUT.flatMap((f) => (args.flags.has(f.name) ? [`--${f.name}`, flagString(args, f.name)!] : []))], [NETWORK_FLAGS]);
    return { label: name, config: configFromArgs(sub, name) };
  });
  const cmp = compare(items, convention(flagString(args, 'convention')));
  if (format === 'markdown') return compareMarkdown(cmp);
  if (args.flags.has('json')) {
    return JSON.stringify(
      {
        convention: cmp.convention,
        models: cmp.entries.map((e) => ({
          name: e.label,
          params: e.analysis.params,
          macs: e.analysis.macs,
          flops: e.analysis.flops,
          delta_params: e.deltaParams,
          delta_macs: e.deltaMacs,
          stages: cmp.stages.map((s) => ({ stage: s, ...stageOf(e.analysis, s) })),
        })),
      },
      null,
      2,
    ) + '\n';
  }
  const header = ['stage', ...cmp.entries.flatMap((e) => [`${e.label} params`, `${e.label} MACs`])];
  const rows = cmp.stages.map((s) => [s, ...cmp.entries.flatMap((e) => [thousands(stageOf(e.analysis, s).params), thousands(stageOf(e.analysis, s).macs)])]);
  rows.push(['total', ...cmp.entries.flatMap((e) => [thousands(e.analysis.params), thousands(e.analysis.macs)])]);
  rows.push([`delta vs ${cmp.entries[0].label}`, ...cmp.entries.flatMap((e) => [signed(e.deltaParams), signed(e.deltaMacs)])]);
  return textTable(header, rows, header.map((_, i) => i > 0)) + `MACs: ${CONVENTION_INFO[cmp.convention].label} convention\n`;
}

function signed(n: number): string {
  return n > 0 ? `+${thousands(n)}` : thousands(n);
}
