/**
 * Markdown output against expectations written by hand (test/expectations/*.md, numbers checked
 * against PyTorch's counts by eye), and parsed by a Markdown parser (marked) back to the same cells.
 */
import { readFileSync } from 'node:fs';
import { marked, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { run } from '../cli/main.ts';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { compare, stageOf } from './compare.ts';
import { thousands } from './format.ts';
import { compareMarkdown, markdownTable, summaryMarkdown, tableMarkdown } from './markdown.ts';
import { summarize } from './summary.ts';
import { blockTable } from './table.ts';

const expectation = (name: string) => readFileSync(`test/expectations/${name}.md`, 'utf8');
const TINY = ['--block', 'basic', '--depths', '1', '--stem', 'cifar', '--base-width', '8', '--input', '3x8x8', '--classes', '4'];

/** The tables of a Markdown text as the parser sees them: alignment, header cells, body cells (plain text). */
function parsedTables(md: string): { align: (string | null)[]; header: string[]; rows: string[][] }[] {
  const text = (cell: Tokens.TableCell) => cell.tokens.map((t) => ('text' in t ? t.text : t.raw)).join('');
  return marked.lexer(md).filter((t): t is Tokens.Table => t.type === 'table').map((t) => ({
    align: t.align,
    header: t.header.map(text),
    rows: t.rows.map((r) => r.map(text)),
  }));
}

describe('Markdown tables', () => {
  it('print what the expectations written by hand say', async () => {
    expect(await run(['table', 'resnext50_32x4d', '--format', 'markdown'])).toBe(expectation('table-resnext50_32x4d'));
    expect(await run(['compare', 'resnet50', 'resnext50_32x4d', '--format', 'markdown'])).toBe(expectation('compare-resnet50-resnext50_32x4d'));
    expect(await run(['summary', ...TINY, '--format', 'markdown'])).toBe(expectation('summary-basic-cifar-w8'));
  });

  it('parse back to the block table\'s cells', () => {
    const table = blockTable(buildLayerGraph(presetConfig('resnext50_32x4d')));
    const [parsed] = parsedTables(expectation('table-resnext50_32x4d'));
    expect(parsed.header).toEqual(['Stage', 'Output size', 'Layers', 'Params', 'MACs (Paper / torchvision)']);
    expect(parsed.align).toEqual(['left', 'left', 'left', 'right', 'right']);
    expect(parsed.rows).toEqual([
      ...table.rows.map((r) => [r.stage, r.outputSize!.join(' × '), r.description, thousands(r.params), thousands(r.macs)]),
      ['total', '', '', thousands(table.params), thousands(table.macs)],
    ]);
  });

  it('parse back to the comparison\'s cells', () => {
    const cmp = compare([{ label: 'resnet50', config: presetConfig('resnet50') }, { label: 'resnext50_32x4d', config: presetConfig('resnext50_32x4d') }]);
    const [parsed] = parsedTables(expectation('compare-resnet50-resnext50_32x4d'));
    expect(parsed.header.slice(0, 3)).toEqual(['Stage', 'resnet50 params', 'resnet50 MACs (Paper / torchvision)']);
    expect(parsed.rows.map((r) => r[0])).toEqual([...cmp.stages, 'total', 'difference to resnet50']);
    cmp.stages.forEach((s, i) => {
      expect(parsed.rows[i].slice(1)).toEqual(cmp.entries.flatMap((e) => [thousands(stageOf(e.analysis, s).params), thousands(stageOf(e.analysis, s).macs)]));
    });
    expect(parsed.rows[cmp.stages.length + 1].slice(3)).toEqual(['-528,128', '+141,295,616']);
  });

  it('parse back to the layer list\'s cells and totals', () => {
    const graph = buildLayerGraph(presetConfig('resnet18', { block: 'basic', depths: [1], stem: 'cifar', baseWidth: 8, input: [3, 8, 8], classes: 4 }), 'seed');
    const summary = summarize(graph);
    expect(summaryMarkdown(summary, graph, 'paper')).toBe(expectation('summary-basic-cifar-w8'));
    const [layers, totals] = parsedTables(expectation('summary-basic-cifar-w8'));
    expect(layers.rows).toEqual(summary.rows.map((r) => [r.key, r.name, r.outputShape.slice(1).join(' × '), thousands(r.params), thousands(r.macs)]));
    expect(totals.header).toContain('Forward/backward pass size (MB)');
    // Training MACs: 3 x 87,584 less the stem conv's input gradient (8 x 8 positions x 8 x 27 = 13,824).
    expect(totals.rows).toEqual([['3 × 8 × 8', '1,452', '1,452', '87,584', '175,168', '248,928', '0.00', '0.04', '0.01', '0.05']]);
  });

  it('escapes what would break a cell, and every format renders through the parser', () => {
    const md = markdownTable(['name', 'n'], [['a | b', '1'], ['back\\slash', '2']], ['left', 'right']);
    expect(parsedTables(md)[0].rows).toEqual([['a | b', '1'], ['back\\slash', '2']]);
    const cmp = compare([{ label: 'A|B', config: presetConfig('resnet18') }, { label: 'C', config: presetConfig('resnet34') }]);
    expect(parsedTables(compareMarkdown(cmp))[0].header[1]).toBe('A|B params');
    const t = parsedTables(tableMarkdown(blockTable(buildLayerGraph(presetConfig('seresnext26t_32x4d')))))[0];
    expect(t.rows[1][2]).toBe('3x3 max pool, stride 2; [1x1, 128; 3x3, 128, C=32; 1x1, 256; SE, fc [16, 256]] x 2');
  });
});
