/**
 * The explain fixtures (tools/fixtures/explain_fixtures.py, fixtures/explain/): PyTorch's forward-hook
 * outputs and class activation maps of the committed parity networks, read in Node. Test-only.
 */
import { readFileSync } from 'node:fs';
import type { NetworkConfig } from '../../src/model/config.ts';
import { readF32, readFixtureManifest } from './fixture-io.ts';

export const EXPLAIN_DIR = 'fixtures/explain';
export const WEIGHTS_DIR = 'fixtures/weights';

export interface ExplainLayer { name: string; module: string; call: number; kind: 'output' | 'input'; shape: number[]; offset: number }
export interface ExplainCase {
  layers: ExplainLayer[];
  cam: { layer: string; shape: [number, number, number, number]; offset: number; top1: number[] };
}
export interface ExplainFixture extends ExplainCase {
  model: string;
  weights: string;
  input: string;
  input_shape: number[];
  image?: ExplainCase & { file: string; preprocessed: string; input_shape: number[] };
}

export function explainModels(): string[] {
  return (JSON.parse(readFileSync(`${EXPLAIN_DIR}/index.json`, 'utf8')) as { models: string[] }).models;
}

export function readExplain(model: string): { doc: ExplainFixture; data: Float32Array; config: NetworkConfig } {
  const doc = JSON.parse(readFileSync(`${EXPLAIN_DIR}/${model}.explain.json`, 'utf8')) as ExplainFixture;
  return { doc, data: readF32(`${EXPLAIN_DIR}/${model}.explain.bin`), config: readFixtureManifest(WEIGHTS_DIR, model).config };
}

/** A tensor of the fixture's data by offset and shape. */
export function slice(data: Float32Array, offset: number, shape: readonly number[]): Float32Array {
  return data.subarray(offset, offset + shape.reduce((a, b) => a * b, 1));
}

/** Largest |a - b|; Infinity for a NaN or a length mismatch. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
