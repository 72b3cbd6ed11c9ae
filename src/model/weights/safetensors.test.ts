import { describe, expect, it } from 'vitest';
import { WeightsError } from './common.ts';
import { parseSafetensors } from './safetensors.ts';
import { buildSafetensors, f32Bytes, type SafetensorsEntry } from '../../../test/support/weights.ts';

function i64Bytes(...values: bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(b.buffer).setBigInt64(i * 8, v, true));
  return b;
}

const weight: SafetensorsEntry = { key: 'conv.weight', dtype: 'F32', shape: [2, 3], data: f32Bytes([1, 2, 3, 4, 5, -6]) };
const half: SafetensorsEntry = { key: 'bn.weight', dtype: 'F16', shape: [2], data: Uint8Array.of(0x00, 0x3c, 0x00, 0xc0) };
const counter: SafetensorsEntry = { key: 'bn.num_batches_tracked', dtype: 'I64', shape: [], data: i64Bytes(7n) };

function errorOf(bytes: Uint8Array): WeightsError {
  try {
    parseSafetensors(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(WeightsError);
    return err as WeightsError;
  }
  throw new Error('expected parseSafetensors to throw');
}

describe('parseSafetensors', () => {
  it('reads F32, F16, BF16, F64 and I64 tensors with their shapes and the metadata', () => {
    const f64 = new Uint8Array(8);
    new DataView(f64.buffer).setFloat64(0, 0.25, true);
    const bytes = buildSafetensors(
      [weight, half, counter, { key: 'b', dtype: 'BF16', shape: [1, 1], data: Uint8Array.of(0x40, 0x40) }, { key: 'd', dtype: 'F64', shape: [1], data: f64 }],
      { metadata: { format: 'pt' } },
    );
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['conv.weight', 'bn.weight', 'bn.num_batches_tracked', 'b', 'd']);
    expect(tensors.get('conv.weight')).toEqual({ shape: [2, 3], dtype: 'F32', data: Float32Array.of(1, 2, 3, 4, 5, -6) });
    expect(tensors.get('bn.weight')).toEqual({ shape: [2], dtype: 'F16', data: Float32Array.of(1, -2) });
    expect(tensors.get('bn.num_batches_tracked')).toEqual({ shape: [], dtype: 'I64', data: Float32Array.of(7) });
    expect(tensors.get('b')!.data).toEqual(Float32Array.of(3));
    expect(tensors.get('d')!.data).toEqual(Float32Array.of(0.25));
  });

  it('accepts an ArrayBuffer, a Uint8Array view inside a larger buffer, and no metadata', () => {
    const bytes = buildSafetensors([weight]);
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 3);
    const inner = padded.subarray(3, 3 + bytes.length);
    expect(parseSafetensors(inner).tensors.get('conv.weight')!.data).toEqual(Float32Array.of(1, 2, 3, 4, 5, -6));
    expect(parseSafetensors(bytes.slice().buffer).metadata).toBeNull();
  });

  it('refuses files too short for the header length, and header lengths past the end or absurd', () => {
    expect(errorOf(Uint8Array.of(1, 2, 3)).message).toMatch(/3 bytes, too short/);
    const good = buildSafetensors([weight]);
    expect(errorOf(good.subarray(0, 20)).message).toMatch(/header length is \d+ bytes but only 12 bytes follow/);
    const absurd = good.slice();
    new DataView(absurd.buffer).setBigUint64(0, 1n << 40n, true);
    expect(errorOf(absurd).message).toMatch(/header length 1099511627776 is absurd/);
  });

  it('refuses a header that is not JSON, not UTF-8 or not an object', () => {
    const bad = (text: string | Uint8Array): Uint8Array => {
      const body = typeof text === 'string' ? new TextEncoder().encode(text) : text;
      const out = new Uint8Array(8 + body.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
      out.set(body, 8);
      return out;
    };
    expect(errorOf(bad('{"a": ')).message).toMatch(/header is not valid UTF-8 JSON/);
    expect(errorOf(bad(Uint8Array.of(0x7b, 0xff, 0x7d))).message).toMatch(/not valid UTF-8 JSON/);
    expect(errorOf(bad('[1, 2]')).message).toMatch(/header must be a JSON object/);
    expect(errorOf(bad('{"x": 3}')).message).toMatch(/header entry of tensor x must be an object/);
    expect(errorOf(buildSafetensors([weight], { metadata: { n: 3 } })).message).toMatch(/__metadata__ must map strings to strings/);
  });

  it('refuses unknown dtypes and malformed shapes or offsets', () => {
    const unknown = errorOf(buildSafetensors([{ ...weight, dtype: 'F8_E4M3' }]));
    expect(unknown.code).toBe('unsupported');
    expect(unknown.message).toMatch(/tensor conv\.weight has dtype "F8_E4M3".*supported: F64, F32, F16, BF16/);
    expect(errorOf(buildSafetensors([{ ...weight, shape: [2, -3] }])).message).toMatch(/shape \[2,-3\]; a shape is a list of non-negative integers/);
    const reversed = buildSafetensors([weight], { patch: (h) => ((h['conv.weight'] as { data_offsets: number[] }).data_offsets = [24, 0]) });
    expect(errorOf(reversed).message).toMatch(/begin is after end/);
    const noOffsets = buildSafetensors([weight], { patch: (h) => ((h['conv.weight'] as { data_offsets: unknown }).data_offsets = [0]) });
    expect(errorOf(noOffsets).message).toMatch(/expected \[begin, end\]/);
  });

  it('refuses data_offsets past the end of the data (a truncated file)', () => {
    const bytes = buildSafetensors([weight, half]);
    const err = errorOf(bytes.subarray(0, bytes.length - 2));
    expect(err.message).toMatch(/tensor bn\.weight has data_offsets \[24, 28\], past the end of the data \(26 bytes/);
  });

  it('refuses a size that does not match shape x dtype (a wrong dtype)', () => {
    // Header says F32 but the bytes are F16: 2 bytes per element instead of 4.
    const err = errorOf(buildSafetensors([{ ...half, dtype: 'F32' }]));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/tensor bn\.weight: data_offsets \[0, 4\] cover 4 bytes \(2 bytes per element\), but shape \[2\] of F32 .* needs 8 bytes/);
  });

  it('refuses overlapping tensors, holes and bytes after the last tensor', () => {
    const overlapping = buildSafetensors([weight, { ...weight, key: 'copy', data: new Uint8Array(0) }], {
      trailing: new Uint8Array(4),
      patch: (h) => ((h.copy as { data_offsets: number[] }).data_offsets = [4, 28]),
    });
    expect(errorOf(overlapping).message).toMatch(/tensors conv\.weight \[0, 24\] and copy \[4, 28\] overlap/);

    const hole = buildSafetensors([half], { trailing: new Uint8Array(4), patch: (h) => ((h['bn.weight'] as { data_offsets: number[] }).data_offsets = [4, 8]) });
    expect(errorOf(hole).message).toMatch(/data bytes 0\.\.4 \(before tensor bn\.weight\) belong to no tensor/);

    const trailing = buildSafetensors([weight], { trailing: new Uint8Array(8) });
    expect(errorOf(trailing).message).toMatch(/8 data bytes after the last tensor belong to no tensor/);
  });

  it('refuses NaN and infinities in float tensors, naming the tensor', () => {
    const nan = errorOf(buildSafetensors([weight, { key: 'layer1.0.bn1.running_var', dtype: 'F32', shape: [3], data: f32Bytes([1, NaN, 2]) }]));
    expect(nan.code).toBe('nonfinite');
    expect(nan.message).toMatch(/tensor layer1\.0\.bn1\.running_var holds NaN at element 1 of 3 \(stored as F32\)/);
    const inf = errorOf(buildSafetensors([{ key: 'fc.bias', dtype: 'F16', shape: [1], data: Uint8Array.of(0x00, 0x7c) }]));
    expect(inf.message).toMatch(/tensor fc\.bias holds \+Infinity/);
  });

  it('accepts zero-element tensors and an empty file', () => {
    const { tensors } = parseSafetensors(buildSafetensors([{ key: 'empty', dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) }, weight]));
    expect(tensors.get('empty')).toEqual({ shape: [0, 4], dtype: 'F32', data: new Float32Array(0) });
    expect(parseSafetensors(buildSafetensors([])).tensors.size).toBe(0);
  });
});
