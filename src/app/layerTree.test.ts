import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { summarize } from '../analysis/summary.ts';
import { layerItems } from './layerTree.ts';

describe('layer tree', () => {
  const graph = buildLayerGraph(presetConfig('resnext50_32x4d'), 'seed');
  const summary = summarize(graph);

  it('shows every torchsummary row, in order, at the layers level', () => {
    const items = layerItems(graph, summary, 'layers', new Set(), '');
    const rows = items.filter((i) => i.kind === 'row');
    expect(rows.map((r) => r.kind === 'row' && r.row.key)).toEqual(summary.rows.map((r) => r.key));
    expect(items.filter((i) => i.kind === 'stage')).toHaveLength(6);
    expect(items.filter((i) => i.kind === 'block')).toHaveLength(16);
  });

  it('folds to stages with sums that add up to the totals', () => {
    const items = layerItems(graph, summary, 'stages', new Set(), '');
    expect(items.every((i) => i.kind === 'stage')).toBe(true);
    const params = items.reduce((a, i) => a + (i.kind === 'stage' ? i.params : 0), 0);
    const macs = items.reduce((a, i) => a + (i.kind === 'stage' ? i.macs : 0), 0);
    expect(params).toBe(25_028_904);
    expect(macs).toBe(summary.totals.macs);
    expect(items[1]).toMatchObject({ label: 'layer1 (conv2)', detail: '3 blocks', params: 205_824 });
  });

  it('toggles a group against the detail level', () => {
    const open = layerItems(graph, summary, 'blocks', new Set(['s1b0']), '');
    const block = open.findIndex((i) => i.id === 's1b0');
    expect(open[block]).toMatchObject({ kind: 'block', expanded: true });
    expect(open[block + 1]).toMatchObject({ kind: 'row', depth: 2 });
    expect(open[block + 1].kind === 'row' && open[block + 1].id).toBe('Conv2d-5');
    const closed = layerItems(graph, summary, 'layers', new Set(['s2']), '');
    expect(closed.find((i) => i.id === 's2')).toMatchObject({ expanded: false });
    expect(closed.some((i) => i.kind === 'row' && i.row.stage === 2)).toBe(false);
  });

  it('filters by name, key or type, case-insensitively', () => {
    const byType = layerItems(graph, summary, 'stages', new Set(), 'bottleneck');
    expect(byType).toHaveLength(16);
    const byName = layerItems(graph, summary, 'layers', new Set(), 'layer4.2.CONV2');
    expect(byName.map((i) => i.kind === 'row' && i.row.key)).toEqual(['Conv2d-166']);
    expect(layerItems(graph, summary, 'layers', new Set(), 'nothing-like-this')).toEqual([]);
  });
});

describe('layer tree at the size limit', () => {
  it('groups a 4,000-block network in linear time (4x the blocks: about 4x the work, not 16x)', () => {
    const run = (blocks: number) => {
      const config = { ...presetConfig('resnet50'), depths: [blocks, blocks, blocks, blocks], input: [3, 32, 32] as [number, number, number] };
      const graph = buildLayerGraph(config, 'seed');
      const summary = summarize(graph);
      const times: number[] = [];
      let items = layerItems(graph, summary, 'blocks', new Set(), '');
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        items = layerItems(graph, summary, 'blocks', new Set(), '');
        times.push(performance.now() - t0);
      }
      // The least of 7: load and garbage collection only ever add to a run (the median of 3 once read 10.2x).
      return { items, ms: Math.min(...times) };
    };
    const small = run(250);
    const large = run(1000);
    expect(large.items.filter((i) => i.kind === 'block')).toHaveLength(4000);
    // A ratio within one run, not a time: the shared machine's load scales both.
    expect(large.ms / small.ms).toBeLessThan(10);
  });
});
