import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../presets.ts';
import { useBackend } from './backends.ts';
import { buildLayerGraph, formGraph, nodeParams } from '../graph.ts';
import { checkForms, concatBatchNorm, firstConvOfC, groupedConvOfC, lastConvOfBC } from './forms.ts';
import { normal, rng } from './random.ts';
import { FORMS_CHECK_LIMITS, formsCheckRefusal } from '../forms-check.ts';

describe('re-arrangement formulas', () => {
  const next = rng(9);
  const C = 3, d = 2, cin = 5, cout = 4;

  it('first 1x1 of (c) applied to x = the branch 1x1s of (a)/(b) concatenated', () => {
    const branches = Array.from({ length: C }, () => normal(next, d * cin));
    const w = firstConvOfC(branches);
    const x = normal(next, cin);
    for (let i = 0; i < C; i++) for (let j = 0; j < d; j++) {
      let branch = 0, whole = 0;
      for (let k = 0; k < cin; k++) {
        branch += branches[i][j * cin + k] * x[k];
        whole += w[(i * d + j) * cin + k] * x[k];
      }
      expect(whole).toBeCloseTo(branch, 6);
    }
  });

  it('last 1x1 of (b)/(c) on the concatenation = the sum of (a)\'s branch 1x1s', () => {
    const branches = Array.from({ length: C }, () => normal(next, cout * d));
    const w = lastConvOfBC(branches, cout);
    const h = Array.from({ length: C }, () => normal(next, d));
    const cat = firstConvOfC(h);
    for (let o = 0; o < cout; o++) {
      let sum = 0, whole = 0;
      for (let i = 0; i < C; i++) for (let j = 0; j < d; j++) sum += branches[i][o * d + j] * h[i][j];
      for (let q = 0; q < C * d; q++) whole += w[o * C * d + q] * cat[q];
      expect(whole).toBeCloseTo(sum, 5);
    }
  });

  it('grouped 3x3 of (c): group i holds branch i', () => {
    const branches = Array.from({ length: C }, () => normal(next, d * d * 9));
    const w = groupedConvOfC(branches);
    expect(w.length).toBe(C * d * d * 9);
    expect([...w.subarray(d * d * 9, 2 * d * d * 9)]).toEqual([...branches[1]]);
  });

  it('BN of the concatenation = branch BNs concatenated', () => {
    const bn = (v: number) => ({ weight: Float32Array.of(v), bias: Float32Array.of(v + 1), runningMean: Float32Array.of(v + 2), runningVar: Float32Array.of(v + 3), eps: 1e-5 });
    const c = concatBatchNorm([bn(1), bn(10)]);
    expect([...c.weight]).toEqual([1, 10]);
    expect([...c.runningVar]).toEqual([4, 13]);
  });
});

describe('form graphs', () => {
  it('stage 2 of ResNeXt-50 32x4d: the network\'s own block for (c), 32 paths for (a) and (b)', () => {
    const config = presetConfig('resnext50_32x4d');
    const c = formGraph(config, 2, 0, 'c');
    const full = buildLayerGraph(config);
    const own = full.nodes.filter((n) => n.stage === 2 && n.block === 0).map((n) => [n.name, n.kind, n.outShape.join('x')]);
    expect(c.nodes.map((n) => [n.name, n.kind, n.outShape.join('x')])).toEqual(own);
    expect(c.inputShape).toEqual([256, 56, 56]);
    const a = formGraph(config, 2, 0, 'a');
    expect(a.nodes.filter((n) => n.kind === 'conv' && /branches\.\d+\.conv3$/.test(n.name))).toHaveLength(32);
    const b = formGraph(config, 2, 0, 'b');
    expect(b.nodes.find((n) => n.kind === 'concat')?.outShape).toEqual([256, 28, 28]);
  });
  it('refuses basic blocks and blocks that do not exist', () => {
    expect(() => formGraph(presetConfig('resnet18'), 1, 0, 'c')).toThrow(/bottleneck/);
    expect(() => formGraph(presetConfig('resnext50_32x4d'), 5, 0, 'c')).toThrow(/stage must be 1\.\.4/);
    expect(() => formGraph(presetConfig('resnext50_32x4d'), 1, 3, 'c')).toThrow(/no block layer1\.3/);
  });
});

describe.each(['cpu', 'wasm'] as const)('forms (a), (b), (c) on %s', (backend) => {
  it.each([1, 4])('stage %i of ResNeXt-50 32x4d: same output, same parameters, no leak', async (stage) => {
    await useBackend(backend);
    const start = tf.memory().numTensors;
    const r = await checkForms(presetConfig('resnext50_32x4d'), stage, 3, 'kernel', 1);
    expect(r.forms.map((f) => f.form)).toEqual(['a', 'b', 'c']);
    const params = r.forms.map((f) => f.params);
    expect(new Set(params).size).toBe(1);
    // The parameters of the network's own block (convs, BN affine, shortcut).
    const full = buildLayerGraph(presetConfig('resnext50_32x4d'));
    expect(params[0]).toBe(full.nodes.filter((n) => n.stage === stage && n.block === 0).reduce((s, n) => s + nodeParams(n), 0));
    expect(r.maxAbsDiff.ab).toBeLessThan(1e-4);
    expect(r.maxAbsDiff.ac).toBeLessThan(1e-4);
    expect(r.maxAbsDiff.bc).toBeLessThan(1e-4);
    expect(r.forms.every((f) => f.ms > 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(start);
  });
  it('runs the block it is asked for: block 2 of conv2 has no shortcut conv (71,168 params)', async () => {
    await useBackend(backend);
    const r = await checkForms(presetConfig('resnext50_32x4d'), 1, 3, 'kernel', 1, 2);
    // 256x128 + 128x4x9 + 128x256 convs, BN affine 2x(128 + 128 + 256), identity shortcut.
    expect(r.forms.map((f) => f.params)).toEqual([71_168, 71_168, 71_168]);
    expect(Math.max(r.maxAbsDiff.ab, r.maxAbsDiff.ac, r.maxAbsDiff.bc)).toBeLessThan(1e-4);
    expect(r.module).toBe('layer1.2');
  });
  it.each(['seresnext26d_32x4d', 'ecaresnet50d'])('%s: the forms agree through SE / ECA and the avg-pool shortcut', async (name) => {
    await useBackend(backend);
    const start = tf.memory().numTensors;
    const r = await checkForms(presetConfig(name, { input: [3, 64, 64] }), 2, 4, 'kernel', 1);
    expect(Math.max(r.maxAbsDiff.ab, r.maxAbsDiff.ac, r.maxAbsDiff.bc)).toBeLessThan(1e-4);
    expect(new Set(r.forms.map((f) => f.params)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('bounds and cancelling of the forms check', () => {
  // C = 65,536 made form (a) a graph of 524,293 nodes (20-70 s) and then never finished.
  const huge = { ...presetConfig('resnext29_8x64d'), cardinality: 65_536, widthPerGroup: 1 };

  it('refuses C beyond FORMS_CHECK_LIMITS.maxPaths, and a block beyond its work, before building form (a)', async () => {
    await useBackend('cpu');
    const start = performance.now();
    await expect(checkForms(huge, 1)).rejects.toThrow(/C = 65,536 separate paths, over the 1,024 it can run/);
    expect(performance.now() - start).toBeLessThan(20_000);
    const graph = buildLayerGraph(huge);
    expect(formsCheckRefusal(huge, graph, 1, 0)?.msg.id).toBe('engine.formsPaths');
    const big = presetConfig('resnext50_32x4d', { input: [3, 3000, 3000] });
    expect(formsCheckRefusal(big, buildLayerGraph(big), 1, 0)?.msg.id).toBe('engine.formsWork');
    await expect(checkForms(big, 1)).rejects.toThrow(/multiply-accumulates per run, over the 20,000,000,000/);
    const fine = presetConfig('resnext50_32x4d');
    expect(formsCheckRefusal(fine, buildLayerGraph(fine), 4, 2)).toBeNull();
    expect(FORMS_CHECK_LIMITS.maxPaths).toBeGreaterThanOrEqual(64);
  });

  it('stops at its next step when its signal aborts, and frees what it made', async () => {
    await useBackend('cpu');
    const start = tf.memory().numTensors;
    const controller = new AbortController();
    const reason = new Error('cancelled here');
    const run = checkForms({ ...presetConfig('resnext29_8x64d'), cardinality: 256, widthPerGroup: 4 }, 1, 1, 'kernel', 3, 0, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(run).rejects.toBe(reason);
    expect(tf.memory().numTensors).toBe(start);
  });
});
