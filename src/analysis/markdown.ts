/**
 * GitHub-flavoured Markdown tables of the layer list, the paper's Table 1 and a comparison, for a
 * README or a paper. Cells hold plain numbers (exact, with thousands separators); the units and the
 * counting convention are in the headers. Columns are padded so the source reads as a table too.
 */
import type { LayerGraph } from '../model/graph.ts';
import type { Comparison } from './compare.ts';
import { stageOf } from './compare.ts';
import { CONVENTION_INFO, type Convention } from './conventions.ts';
import { pyFixed, thousands } from './format.ts';
import type { Summary } from './summary.ts';
import type { BlockTable } from './table.ts';

type Align = 'left' | 'right';

/** A cell's text with the characters that would end a cell or a row escaped. */
function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GFM table: header row, alignment row, body rows; every column padded to its widest cell. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const cells = [header, ...rows].map((r) => r.map(markdownCell));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n') + '\n';
}

function macsHeader(convention: Convention): string {
  return `MACs (${CONVENTION_INFO[convention].label})`;
}

function shapeText(shape: readonly number[]): string {
  return shape.join(' × ');
}

/** The layer list (one row per module call, as torchsummary lists them) and a row of totals. */
export function summaryMarkdown(summary: Summary, graph: LayerGraph, convention: Convention): string {
  const layers = markdownTable(
    ['Layer (type)', 'Module', 'Output shape', 'Params', macsHeader(convention)],
    summary.rows.map((r) => [r.key, r.name, shapeText(r.outputShape.slice(1)), thousands(r.params), thousands(r.macs)]),
    ['left', 'left', 'left', 'right', 'right'],
  );
  const t = summary.totals;
  const totals = markdownTable(
    ['Input', 'Total params', 'Trainable params', macsHeader(convention), 'FLOPs (2 × MACs)', 'Training MACs (forward + backward)', 'Input size (MB)', 'Forward/backward pass size (MB)', 'Params size (MB)', 'Estimated total size (MB)'],
    [[
      shapeText(graph.config.input), thousands(t.params), thousands(t.trainable_params), thousands(t.macs), thousands(t.flops), thousands(t.train_macs),
      pyFixed(t.input_mb), pyFixed(t.forward_backward_mb), pyFixed(t.params_mb), pyFixed(t.total_mb),
    ]],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  return `${layers}\n${totals}`;
}

/** The paper's Table 1: one row per stage, then the total. */
export function tableMarkdown(table: BlockTable): string {
  const rows = table.rows.map((r) => [
    r.stage, r.outputSize ? shapeText(r.outputSize) : '', r.description, thousands(r.params), thousands(r.macs),
  ]);
  rows.push(['total', '', '', thousands(table.params), thousands(table.macs)]);
  return markdownTable(['Stage', 'Output size', 'Layers', 'Params', macsHeader(table.convention)], rows, ['left', 'left', 'left', 'right', 'right']);
}

function signed(n: number): string {
  return n > 0 ? `+${thousands(n)}` : thousands(n);
}

/** Per-stage params and MACs of each network side by side, the totals and the differences to the first. */
export function compareMarkdown(cmp: Comparison): string {
  const macs = macsHeader(cmp.convention);
  const header = ['Stage', ...cmp.entries.flatMap((e) => [`${e.label} params`, `${e.label} ${macs}`])];
  const rows = cmp.stages.map((s) => [s, ...cmp.entries.flatMap((e) => [thousands(stageOf(e.analysis, s).params), thousands(stageOf(e.analysis, s).macs)])]);
  rows.push(['total', ...cmp.entries.flatMap((e) => [thousands(e.analysis.params), thousands(e.analysis.macs)])]);
  rows.push([`difference to ${cmp.entries[0].label}`, ...cmp.entries.flatMap((e) => [signed(e.deltaParams), signed(e.deltaMacs)])]);
  return markdownTable(header, rows, header.map((_, i) => (i === 0 ? 'left' : 'right')));
}
