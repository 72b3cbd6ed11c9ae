import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { analyze } from './analyze.ts';
import { compare, stageOf } from './compare.ts';
import { totalMacsBy } from './conventions.ts';
import { solve, solveWidth } from './solver.ts';
import { summarize, summaryCsv, torchsummaryText } from './summary.ts';
import { blockTable } from './table.ts';

const normalize = (text: string) =>
  text.split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join('\n').trim();

describe('torchsummary rendering', () => {
  it('equals the seed printout of ResNeXt50_32x4d (whitespace normalized: the blog copy lost the padding)', () => {
    const seed = readFileSync('fixtures/seed/resnext50_32x4d.torchsummary.txt', 'utf8');
    const ours = torchsummaryText(summarize(buildLayerGraph(presetConfig('resnext50_32x4d'), 'seed')));
    expect(normalize(ours)).toBe(normalize(seed));
    const rows = ours.split('\n').filter((l) => /-\d+ +\[/.test(l));
    expect(rows.length).toBe(174);
    expect(ours).toContain('Total params: 25,028,904\n');
    expect(ours).toContain('Forward/backward pass size (MB): 361.78\n');
  });

  it('pads columns as torchsummary does, a long name pushing its row right', () => {
    const text = torchsummaryText(summarize(buildLayerGraph(presetConfig('resnext50_32x4d'), 'seed')));
    expect(text).toContain('\n            Conv2d-1         [-1, 64, 112, 112]           9,408\n');
    expect(text).toContain('\nAdaptiveAvgPool2d-173           [-1, 2048, 1, 1]               0\n');
    expect(text.startsWith('-'.repeat(64) + '\n        Layer (type)               Output Shape         Param #\n' + '='.repeat(64) + '\n')).toBe(true);
  });

  it('exports CSV with one line per row', () => {
    const csv = summaryCsv(summarize(buildLayerGraph(presetConfig('resnet18'))));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('key,name,type,output_shape,params,macs,groups');
    expect(lines[1]).toBe('Conv2d-1,conv1,Conv2d,"[-1, 64, 112, 112]",9408,118013952,1');
    expect(lines.length).toBe(69);
  });
});

describe('counting conventions (resnet50 / resnext50_32x4d at 224)', () => {
  const cases: [string, Record<string, number>][] = [
    ['resnet50', { paper: 4_089_184_256, fvcore: 4_111_512_576, thop: 4_133_742_592, ptflops: 4_089_185_256 }],
    ['resnext50_32x4d', { paper: 4_230_479_872, fvcore: 4_259_381_248, thop: 4_288_184_320, ptflops: 4_230_480_872 }],
  ];
  it.each(cases)('%s reproduces each tool\'s figure', (name, expected) => {
    const graph = buildLayerGraph(presetConfig(name));
    for (const [conv, value] of Object.entries(expected)) {
      expect(totalMacsBy(graph, conv as 'paper'), conv).toBe(value);
    }
    expect(analyze(presetConfig(name)).flops).toBe(2 * expected.paper);
  });
});

describe('Table 1', () => {
  it('prints the paper\'s block templates for ResNeXt-50 and ResNet-50', () => {
    const rx = blockTable(buildLayerGraph(presetConfig('resnext50_32x4d')));
    // As the paper's Table 1: conv1 is the 7x7 conv at 112x112; the max pool opens conv2.
    expect(rx.rows.map((r) => r.description)).toEqual([
      '7x7, 64, stride 2',
      '3x3 max pool, stride 2; [1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3',
      '[1x1, 256; 3x3, 256, C=32; 1x1, 512] x 4',
      '[1x1, 512; 3x3, 512, C=32; 1x1, 1024] x 6',
      '[1x1, 1024; 3x3, 1024, C=32; 1x1, 2048] x 3',
      'global average pool, 1000-d fc, softmax',
    ]);
    expect(rx.rows.map((r) => r.outputSize)).toEqual([[112, 112], [56, 56], [28, 28], [14, 14], [7, 7], [1, 1]]);
    expect(rx.rows[1].pool).toBe('3x3 max pool, stride 2');
    expect(rx.params).toBe(25_028_904);
    expect(rx.rows.reduce((a, r) => a + r.params, 0)).toBe(25_028_904);
    expect(rx.macs).toBe(4_230_479_872);
    const r50 = blockTable(buildLayerGraph(presetConfig('resnet50')));
    expect(r50.rows[1].description).toBe('3x3 max pool, stride 2; [1x1, 64; 3x3, 64; 1x1, 256] x 3');
    const r18 = blockTable(buildLayerGraph(presetConfig('resnet18')));
    expect(r18.rows[4].description).toBe('[3x3, 512; 3x3, 512] x 2');
    const cifar = blockTable(buildLayerGraph(presetConfig('resnext29_8x64d')));
    expect(cifar.rows.map((r) => r.description)).toEqual([
      '3x3, 64, stride 1',
      '[1x1, 512; 3x3, 512, C=8; 1x1, 256] x 3',
      '[1x1, 1024; 3x3, 1024, C=8; 1x1, 512] x 3',
      '[1x1, 2048; 3x3, 2048, C=8; 1x1, 1024] x 3',
      'global average pool, 10-d fc, softmax',
    ]);
  });
});

describe('complexity-preserving solver (paper Table 2)', () => {
  it('gives d = 64, 40, 24, 14, 4 and widths 64, 80, 96, 112, 128 for C = 1, 2, 4, 8, 32', () => {
    const got = [1, 2, 4, 8, 32].map((c) => solve(50, c));
    expect(got.map((r) => r.widthPerGroup)).toEqual([64, 40, 24, 14, 4]);
    expect(got.map((r) => r.width)).toEqual([64, 80, 96, 112, 128]);
    expect(got[0].params).toBe(69_632);
    expect(solveWidth(16)).toBe(8); // 16 * (512 * 8 + 9 * 64) = 74,752 is closer to 69,632 than d = 7 (64,400)
  });
  it('refuses depths without bottleneck blocks and bad cardinalities', () => {
    expect(() => solve(34, 2)).toThrow(/basic blocks/);
    expect(() => solve(50, 0)).toThrow(/cardinality must be a positive integer/);
  });
});

describe('compare', () => {
  it('gives per-stage figures and deltas against the first config', () => {
    const cmp = compare([
      { label: 'resnet50', config: presetConfig('resnet50') },
      { label: 'resnext50_32x4d', config: presetConfig('resnext50_32x4d') },
      { label: 'cifar', config: presetConfig('resnext29_8x64d') },
    ]);
    expect(cmp.stages).toEqual(['conv1', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    expect(cmp.entries[1].deltaParams).toBe(25_028_904 - 25_557_032);
    expect(cmp.entries[1].deltaMacs).toBe(4_230_479_872 - 4_089_184_256);
    expect(stageOf(cmp.entries[2].analysis, 'layer4')).toEqual({ params: 0, macs: 0 });
    expect(stageOf(cmp.entries[0].analysis, 'layer1').params).toBe(215_808);
  });
});
