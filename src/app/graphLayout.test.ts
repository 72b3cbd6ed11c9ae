import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { graphTree, levelExpansion, visibleItems } from './graphTree.ts';
import { layoutGraph, pathMarks, SIZES, type LayoutBox } from './graphLayout.ts';

const inside = (inner: LayoutBox, outer: LayoutBox) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;
const overlap = (a: LayoutBox, b: LayoutBox) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('the graph layout', () => {
  const graph = buildLayerGraph(presetConfig('seresnext50_32x4d'));
  const tree = graphTree(graph);

  it('draws the input, each visible item once and the output, top to bottom on one spine when closed', () => {
    const layout = layoutGraph(tree, new Set());
    expect(layout.boxes.map((b) => b.id)).toEqual(['@input', ...tree.roots.map((r) => r.id), '@output']);
    const spine = layout.boxes.map((b) => b.x + b.w / 2);
    expect(new Set(spine).size).toBe(1);
    for (let i = 1; i < layout.boxes.length; i++) expect(layout.boxes[i].y).toBe(layout.boxes[i - 1].y + layout.boxes[i - 1].h + SIZES.gap);
    expect(layout.edges).toHaveLength(tree.roots.length + 1);
    expect(layout.edges.every((e) => e.d.startsWith('M') && e.label)).toBe(true);
  });

  it('frames an open group around its children, keeps leaves apart, the shortcut to the right of the branch', () => {
    const open = new Set([...levelExpansion(tree, 'layers'), 'layer1.0.se', 'layer3.0.conv2']);
    const layout = layoutGraph(tree, open);
    const shown = visibleItems(tree, open);
    expect(layout.boxes.filter((b) => b.item).map((b) => b.id)).toEqual(shown.map((i) => i.id));
    for (const b of layout.boxes) {
      const parent = b.item?.parent;
      if (parent) expect(inside(b, layout.byId.get(parent.id)!), b.id).toBe(true);
    }
    const leaves = layout.boxes.filter((b) => b.shape !== 'frame');
    for (let i = 0; i < leaves.length; i++) for (let j = i + 1; j < leaves.length; j++) expect(overlap(leaves[i], leaves[j]), `${leaves[i].id} ${leaves[j].id}`).toBe(false);
    const conv1 = layout.byId.get('layer1.0.conv1')!;
    const down = layout.byId.get('layer1.0.downsample.0')!;
    const add = layout.byId.get('layer1.0.add')!;
    expect(down.x).toBeGreaterThan(conv1.x + conv1.w);
    expect(down.y).toBe(conv1.y);
    expect(add.x).toBe(conv1.x);
    expect(layout.byId.get('layer3.0.conv2')!.shape).toBe('paths');
    expect(layout.width).toBeGreaterThan(Math.max(...layout.boxes.map((b) => b.x + b.w)));
    expect(layout.height).toBeGreaterThanOrEqual(Math.max(...layout.boxes.map((b) => b.y + b.h)));
  });

  it('routes an edge that would cross boxes down a lane to their right: the identity shortcut, SE\'s gate input', () => {
    const layout = layoutGraph(tree, new Set(['layer1', 'layer1.1', 'layer1.1.se']));
    const shortcut = layout.edges.find((e) => e.id === 'layer1.0>layer1.1.add')!;
    const branchRight = Math.max(...['layer1.1.conv1', 'layer1.1.bn3', 'layer1.1.se'].map((id) => layout.byId.get(id)!).map((b) => b.x + b.w));
    const lane = Number(/L([\d.]+),/.exec(shortcut.d)![1]);
    expect(lane).toBeGreaterThan(branchRight);
    const gate = layout.edges.find((e) => e.id === 'layer1.1.bn3>layer1.1.se.mul')!;
    const se = layout.byId.get('layer1.1.se')!;
    const gateLane = Number(/L([\d.]+),/.exec(gate.d)![1]);
    expect(gateLane).toBeGreaterThan(layout.byId.get('layer1.1.se.fc1')!.x + SIZES.boxW);
    expect(gateLane).toBeLessThan(se.x + se.w);
    // A straight edge between neighbours.
    expect(layout.edges.find((e) => e.id === 'layer1.1.conv1>layer1.1.bn1')!.d).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
    // One shape label per tensor leaving a box: the block input feeds the branch and the shortcut.
    const fromBlock = layout.edges.filter((e) => e.from === 'layer1.0');
    expect(fromBlock.length).toBe(2);
    expect(fromBlock.filter((e) => e.label)).toHaveLength(1);
  });

  it('draws C paths one by one up to 64, and the first and last with a gap beyond', () => {
    const few = pathMarks(32, 0, SIZES.pathsW);
    expect(few.marks.map((m) => m.index)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(few.gapX).toBe(null);
    for (let i = 1; i < few.marks.length; i++) expect(few.marks[i].x).toBeGreaterThanOrEqual(few.marks[i - 1].x + few.marks[i - 1].w);
    const all = pathMarks(64, 0, SIZES.pathsW);
    expect(all.marks).toHaveLength(64);
    expect(all.marks[63].x + all.marks[63].w).toBeLessThanOrEqual(SIZES.pathsW);
    const many = pathMarks(256, 0, SIZES.pathsW);
    expect(many.marks.map((m) => m.index)).toEqual([...Array.from({ length: 24 }, (_, i) => i), ...Array.from({ length: 8 }, (_, i) => 248 + i)]);
    expect(many.gapX).toBeGreaterThan(many.marks[23].x);
    expect(many.gapX).toBeLessThan(many.marks[24].x);
  });

  it('lays out a 500-row network fully open', () => {
    const big = graphTree(buildLayerGraph(presetConfig('resnet152')));
    const layout = layoutGraph(big, levelExpansion(big, 'layers'));
    expect(layout.boxes.filter((b) => b.shape === 'box').length).toBe(buildLayerGraph(presetConfig('resnet152')).nodes.filter((n) => n.kind !== 'block').length);
  });
});
