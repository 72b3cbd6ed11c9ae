import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { summarize } from '../analysis/summary.ts';
import { drawnBy, expandable, findItem, graphTree, levelExpansion, orderedIds, revealing, treeEdges, visibleItems } from './graphTree.ts';
import { kernelRowOf, layerListTarget, nodeId, rowId, tableRowOf } from './graphLinks.ts';
import { findDevice } from '../analysis/devices.ts';
import { nodeFigures, predictedTimes } from './graphFigures.ts';
import { costOf } from '../analysis/cost.ts';

describe('the graph tree', () => {
  const graph = buildLayerGraph(presetConfig('resnext50_32x4d'));
  const tree = graphTree(graph);

  it('has the stages, their blocks, and every module call once, as the layer graph has them', () => {
    expect(tree.roots.map((r) => r.id)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    expect(tree.roots.map((r) => r.children.length)).toEqual([4, 3, 4, 6, 3, 3]);
    const layers = [...tree.byId.values()].filter((i) => i.kind === 'layer');
    const calls = graph.nodes.filter((n) => n.kind !== 'block' && n.kind !== 'container');
    expect(layers.map((l) => l.node).sort((a, b) => a! - b!)).toEqual(calls.map((n) => n.index));
    // Every call of a stage is counted in it, once.
    expect(tree.roots.reduce((s, r) => s + r.nodes.length, 0)).toBe(calls.length);
  });

  it('names a module called again by its call (torchvision\'s one ReLU per block)', () => {
    const block = tree.byId.get('layer1.0')!;
    expect(block.children.map((c) => c.id)).toEqual([
      'layer1.0.conv1', 'layer1.0.bn1', 'layer1.0.relu', 'layer1.0.conv2', 'layer1.0.bn2', 'layer1.0.relu:2',
      'layer1.0.conv3', 'layer1.0.bn3', 'layer1.0.downsample.0', 'layer1.0.downsample.1', 'layer1.0.add', 'layer1.0.relu:3',
    ]);
    expect(block.children.map((c) => c.lane)).toEqual([...Array(8).fill('branch'), 'shortcut', 'shortcut', 'merge', 'merge']);
  });

  it('opens a grouped conv into its C paths, and nothing else of a layer', () => {
    expect(tree.byId.get('layer3.0.conv2')!.paths).toBe(32);
    expect(expandable(tree.byId.get('layer3.0.conv2')!)).toBe(true);
    expect(expandable(tree.byId.get('layer3.0.conv1')!)).toBe(false);
  });

  it('gathers attention into a module item (SE) and timm\'s global pool into its own', () => {
    const se = graphTree(buildLayerGraph(presetConfig('seresnext50_32x4d')));
    const m = se.byId.get('layer2.1.se')!;
    expect(m.kind).toBe('module');
    expect(m.children.map((c) => c.id)).toEqual(['layer2.1.se.mean', 'layer2.1.se.fc1', 'layer2.1.se.bn', 'layer2.1.se.act', 'layer2.1.se.fc2', 'layer2.1.se.gate', 'layer2.1.se.mul']);
    expect(se.byId.get('layer2.1')!.children.map((c) => c.id)).toContain('layer2.1.se');
    expect(se.byId.get('global_pool')!.children.map((c) => c.id)).toEqual(['global_pool.pool', 'global_pool.flatten']);
  });

  it("lists timm's norm + act modules (BatchNormAct2d) once: the norm's layer, its drop and act beside it", () => {
    for (const name of ['regnety_040', 'regnetv_064', 'regnetz_040_h', 'regnety_040_sgn']) {
      const g = buildLayerGraph(presetConfig(name));
      const t = graphTree(g);
      const layers: string[] = [];
      const walk = (item: { id: string; kind: string; children: { id: string; kind: string; children: never[] }[] }) => {
        if (item.kind === 'layer') layers.push(item.id);
        item.children.forEach(walk);
      };
      t.roots.forEach((r) => walk(r as never));
      expect(new Set(layers).size, name).toBe(layers.length);
      for (const n of g.nodes) {
        if (n.kind === 'container' || n.kind === 'block') continue;
        expect(t.byNode[n.index]?.kind, `${name} ${n.name}`).toBe('layer');
      }
      const ops = new Set(g.nodes.filter((n) => n.kind !== 'container' && n.kind !== 'block').map((n) => n.name));
      const normActs = g.nodes.filter((n) => n.kind === 'container' && ops.has(n.name));
      expect(normActs.length, name).toBeGreaterThan(0);
      for (const m of normActs) {
        const norm = t.byId.get(m.name)!;
        expect(norm.kind, m.name).toBe('layer');
        const calls = g.nodes.filter((n) => n.kind !== 'container' && (n.name === m.name || n.name.startsWith(`${m.name}.`))).map((n) => n.name);
        expect(norm.parent!.children.map((c) => c.id).filter((id) => calls.includes(id)), m.name).toEqual(calls);
      }
    }
  });

  it('shows stages first; opening reveals children; edges carry the producing node', () => {
    expect(visibleItems(tree, new Set()).map((i) => i.id)).toEqual(tree.roots.map((r) => r.id));
    const edges = treeEdges(tree, new Set());
    expect(edges.map((e) => `${e.from?.id ?? 'in'}>${e.to?.id ?? 'out'}`)).toEqual([
      'in>stem', 'stem>layer1', 'layer1>layer2', 'layer2>layer3', 'layer3>layer4', 'layer4>head', 'head>out',
    ]);
    expect(graph.nodes[edges[1].node].outShape).toEqual([64, 56, 56]);
    const open = new Set(['layer1', 'layer1.0']);
    const ids = treeEdges(tree, open).map((e) => `${e.from?.id}>${e.to?.id}`);
    // The block's input feeds its branch and its shortcut; the shortcut and the branch meet at the sum.
    expect(ids).toContain('stem>layer1.0.conv1');
    expect(ids).toContain('stem>layer1.0.downsample.0');
    expect(ids).toContain('layer1.0.downsample.1>layer1.0.add');
    expect(ids).toContain('layer1.0.bn3>layer1.0.add');
    expect(ids).toContain('layer1.0.relu:3>layer1.1');
    // An identity shortcut: the previous block's output goes to the sum.
    expect(treeEdges(tree, new Set(['layer1', 'layer1.1'])).map((e) => `${e.from?.id}>${e.to?.id}`)).toContain('layer1.0>layer1.1.add');
  });

  it('draws a node by its deepest visible item that is not open', () => {
    const of = drawnBy(tree, new Set(['layer2']));
    const conv = graph.nodes.find((n) => n.name === 'layer2.1.conv2')!;
    expect(of[conv.index]!.id).toBe('layer2.1');
    expect(drawnBy(tree, new Set(['layer2', 'layer2.1']))[conv.index]!.id).toBe('layer2.1.conv2');
    // A closed parent hides an open child: its expansion is kept for later.
    expect(drawnBy(tree, new Set(['layer2.1']))[conv.index]!.id).toBe('layer2');
  });

  it('opens the groups around an item, to a level, and writes ids in tree order', () => {
    expect([...revealing(tree.byId.get('layer3.4.conv2')!, new Set(['layer1']))].sort()).toEqual(['layer1', 'layer3', 'layer3.4']);
    expect(levelExpansion(tree, 'stages').size).toBe(0);
    expect(levelExpansion(tree, 'blocks')).toEqual(new Set(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']));
    expect(levelExpansion(tree, 'layers').size).toBe(6 + 16);
    expect(orderedIds(tree, new Set(['layer2.0', 'nope', 'layer1']))).toEqual(['layer1', 'layer2.0']);
    expect(findItem(tree, 'layer2.0.conv2')!.id).toBe('layer2.0.conv2');
    expect(findItem(tree, 'layer2.0.nothing')!.id).toBe('layer2.0');
    expect(findItem(tree, 'nothing')).toBe(null);
  });
});

describe('the graph\'s links to the other views', () => {
  const config = presetConfig('resnext50_32x4d');
  const graph = buildLayerGraph(config);
  const seed = summarize(buildLayerGraph(config, 'seed'));

  it('finds the layer list\'s row of an item, in either order, and the item of a row', () => {
    const target = layerListTarget(graph, seed, 'layer2.1.relu:2');
    expect(target && 'row' in target && target.row.key).toBe('ReLU-54');
    const row = seed.rows.find((r) => r.key === 'ReLU-54')!;
    expect(rowId(seed, row)).toBe('layer2.1.relu:2');
    // A functional op has no row: its block's; a stage is a group.
    const add = layerListTarget(graph, seed, 'layer2.1.add');
    expect(add && 'row' in add && add.row.name).toBe('layer2.1');
    expect(layerListTarget(graph, seed, 'layer3')).toEqual({ group: 's3' });
    expect(layerListTarget(graph, seed, 'flatten')).toEqual({ group: 's5' });
    for (const r of seed.rows) {
      const back = layerListTarget(graph, seed, rowId(seed, r));
      expect(back && 'row' in back && back.row.key, r.key).toBe(r.key);
    }
  });

  it('finds the block table\'s row of an item', () => {
    expect(tableRowOf(graph, 'bn1')).toBe('conv1');
    expect(tableRowOf(graph, 'layer4.2.conv3')).toBe('layer4');
    expect(tableRowOf(graph, 'fc')).toBe('head');
    expect(tableRowOf(graph, 'nothing')).toBe(null);
  });
});

describe('the graph\'s numbers and the Cost view\'s kernels', () => {
  const graph = buildLayerGraph(presetConfig('resnext50_32x4d'));
  const v100 = findDevice('v100')!;

  it('finds the kernel of an item, fused or not, and the item a kernel starts at', () => {
    const kernels = (device: typeof v100) => costOf(graph, { batch: 1, dtype: 'float32', layout: 'nchw', optimizer: 'none', device, gpus: 1 }).layers;
    const eager = kernels(v100);
    const second = graph.nodes.filter((n) => n.name === 'layer2.1.relu')[1].index;
    expect(eager[kernelRowOf(graph, eager, 'layer2.1.relu:2')].nodes).toEqual([second]);
    const fused = kernels({ ...v100, execution: 'fused' });
    const k = fused[kernelRowOf(graph, fused, 'layer2.1.relu:2')];
    expect(k.name).toBe('layer2.1.conv2');
    expect(k.nodes.map((n) => nodeId(graph, n))).toEqual(['layer2.1.conv2', 'layer2.1.bn2', 'layer2.1.relu:2']);
    expect(kernelRowOf(graph, fused, 'nothing')).toBe(-1);
  });

  it('sums to the Cost view\'s totals: the time of every kernel once, every node\'s params and MACs', () => {
    const options = { batch: 8, dtype: 'float16' as const, layout: 'nchw' as const, optimizer: 'adam' as const, device: v100, gpus: 1 };
    const times = predictedTimes(graph, options);
    expect(times.ms.reduce((a, b) => a + b, 0)).toBeCloseTo(costOf(graph, options).totals.layersMs, 9);
    expect(times.total).toBe(costOf(graph, options).totals.predictedMs);
    const figures = nodeFigures(graph, 'paper', 8, 'float16');
    expect(figures.params.reduce((a, b) => a + b, 0)).toBe(25_028_904);
    expect(figures.macs.reduce((a, b) => a + b, 0)).toBe(4_230_479_872);
    // ReLU writes in place: no bytes of its own; a conv's output is batch x elements x 2 bytes.
    const relu = graph.nodes.findIndex((n) => n.name === 'relu');
    expect(figures.bytes[relu]).toBe(0);
    expect(figures.bytes[0]).toBe(8 * 64 * 112 * 112 * 2);
  });
});
