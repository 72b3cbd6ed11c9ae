/**
 * Full-width blocks (C = 32, 256 -> 512 channels, stride 2, conv shortcut; and timm's SE version)
 * against PyTorch: the weights are rebuilt from the fixture's seed (test/support/block-weights.ts), the
 * input and torch's output come from fixtures/blocks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { formGraph, stateDictSpec } from '../graph.ts';
import { presetConfig } from '../presets.ts';
import { useBackend } from './backends.ts';
import { GROUPED_METHODS, groupedKernelAvailable } from './grouped.ts';
import { buildNetwork } from './network.ts';
import { blockInput, blockStateDict } from '../../../test/support/block-weights.ts';

interface BlockFixture { name: string; preset: string; stage: number; block: number; seed: number; input_shape: number[]; output_shape: number[]; keys: string[] }
const DIR = 'fixtures/blocks';
const BLOCKS: BlockFixture[] = JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')).blocks;

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe.each(['cpu', 'wasm'] as const)('full-width blocks against PyTorch on %s', (backend) => {
  it.each(BLOCKS.map((b) => [b.name, b] as const))('%s: every grouped method within 1e-4', async (_name, b) => {
    await useBackend(backend);
    const graph = formGraph(presetConfig(b.preset), b.stage, b.block, 'c');
    const prefix = `layer${b.stage}.${b.block}.`;
    // The same tensors in the same order as torch's state_dict of the block: the weights are drawn in this order.
    expect(stateDictSpec(graph).map((t) => t.key.slice(prefix.length))).toEqual(b.keys);
    const sd = blockStateDict(graph, b.seed);
    const x = blockInput(b.seed, b.input_shape.reduce((p, q) => p * q, 1));
    // The input the script drew is the one the test draws.
    expect(Array.from(x)).toEqual(Array.from(f32(`${DIR}/${b.name}.input.bin`)));
    const expected = f32(`${DIR}/${b.name}.output.bin`);
    const start = tf.memory().numTensors;
    for (const grouped of GROUPED_METHODS) {
      if (grouped === 'kernel' && !groupedKernelAvailable(backend)) continue;
      for (const fold of [true, false]) {
        const net = buildNetwork(graph, sd, { grouped, fold });
        const y = await net.run(x, b.input_shape);
        net.dispose();
        expect(y.shape).toEqual(b.output_shape);
        let diff = 0;
        for (let i = 0; i < expected.length; i++) diff = Math.max(diff, Math.abs(y.data[i] - expected[i]));
        expect(diff, `${grouped} fold=${fold}`).toBeLessThanOrEqual(1e-4);
      }
    }
    expect(tf.memory().numTensors).toBe(start);
  });
});
