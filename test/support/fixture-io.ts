/**
 * Reading the PyTorch-made reference files (fixtures/weights, fixtures/large) in Node: the manifest
 * (<name>.json) as a NetworkConfig, raw little-endian float32 tensors (.bin), and weights files.
 * Used by the tests and the benchmarks; never by the product.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkConfig } from '../../src/model/config.ts';
import { buildLayerGraph, type LayerGraph } from '../../src/model/graph.ts';
import type { StateDict } from '../../src/model/weights/common.ts';
import { openWeights } from '../../src/model/weights/open.ts';
import { fixtureConfig, type FixtureConfig } from './fixture-config.ts';

export interface FixtureManifest {
  config: NetworkConfig;
  inputShape: number[];
  dir: string;
  name: string;
}

interface RawManifest {
  config: FixtureConfig;
  input_shape: number[];
}

export function readFixtureManifest(dir: string, name: string): FixtureManifest {
  const raw = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as RawManifest;
  return {
    config: fixtureConfig(raw.config),
    inputShape: raw.input_shape,
    dir,
    name,
  };
}

/**
 * A parity fixture of `dir`: its manifest, the weights of `file` (default `<name>.safetensors`) read, its
 * graph, and the input and PyTorch's logits (`<name>.input.bin`, `<name>.logits.bin`).
 */
export function readParityFixture(dir: string, name: string, file = `${name}.safetensors`): { m: FixtureManifest; sd: StateDict; graph: LayerGraph; x: Float32Array; ref: Float32Array } {
  const m = readFixtureManifest(dir, name);
  return {
    m,
    sd: openWeights(readBytes(join(dir, file)), file).read(),
    graph: buildLayerGraph(m.config),
    x: readF32(join(dir, `${name}.input.bin`)),
    ref: readF32(join(dir, `${name}.logits.bin`)),
  };
}

/** A raw little-endian float32 file as a Float32Array (copied, aligned). */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  if (b.byteLength % 4 !== 0) throw new Error(`${path}: ${b.byteLength} bytes is not a whole number of float32 values`);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function fixturePath(dir: string, file: string): string {
  return join(dir, file);
}

export function hasFixture(dir: string, file: string): boolean {
  return existsSync(join(dir, file));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
