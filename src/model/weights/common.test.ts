import { describe, expect, it } from 'vitest';
import { WeightsError, assertFinite, decodeToFloat32 } from './common.ts';

function u16le(...values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  values.forEach((v, i) => {
    b[2 * i] = v & 0xff;
    b[2 * i + 1] = v >> 8;
  });
  return b;
}

describe('decodeToFloat32', () => {
  it('converts float16 bit patterns, subnormals and specials included', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8400, 0x3555, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    const out = decodeToFloat32(u16le(...bits), 'F16', bits.length);
    expect(Array.from(out.slice(0, 6))).toEqual([1, -2, 65504, 2 ** -24, -(2 ** -14), 0.333251953125]);
    expect(Object.is(out[6], 0)).toBe(true);
    expect(Object.is(out[7], -0)).toBe(true);
    expect(out[8]).toBe(Infinity);
    expect(out[9]).toBe(-Infinity);
    expect(Number.isNaN(out[10])).toBe(true);
  });

  it('converts bfloat16 as the top half of a float32', () => {
    const out = decodeToFloat32(u16le(0x3f80, 0xc0a0, 0x3eaa, 0x0001), 'BF16', 4);
    expect(Array.from(out.slice(0, 3))).toEqual([1, -5, 0.33203125]);
    expect(out[3]).toBe(2 ** -133);
  });

  it('reads integers and doubles, and swaps big-endian data', () => {
    const i64 = new Uint8Array(16);
    new DataView(i64.buffer).setBigInt64(0, -7n, true);
    new DataView(i64.buffer).setBigInt64(8, 123456789n, true);
    expect(Array.from(decodeToFloat32(i64, 'I64', 2))).toEqual([-7, 123456792]);

    const f64be = new Uint8Array(16);
    new DataView(f64be.buffer).setFloat64(0, 0.5, false);
    new DataView(f64be.buffer).setFloat64(8, -3.25, false);
    expect(Array.from(decodeToFloat32(f64be, 'F64', 2, false))).toEqual([0.5, -3.25]);

    const f32be = new Uint8Array(8);
    new DataView(f32be.buffer).setFloat32(0, 1.5, false);
    new DataView(f32be.buffer).setFloat32(4, -2, false);
    expect(Array.from(decodeToFloat32(f32be, 'F32', 2, false))).toEqual([1.5, -2]);
    expect(Array.from(decodeToFloat32(Uint8Array.of(0, 1, 2), 'BOOL', 3))).toEqual([0, 1, 1]);
  });

  it('copies unaligned input and never aliases it unless the bytes are handed over', () => {
    const backing = new Uint8Array(9);
    const view = backing.subarray(1);
    new DataView(view.buffer, 1).setFloat32(0, 2.5, true);
    new DataView(view.buffer, 1).setFloat32(4, -1, true);
    const out = decodeToFloat32(view, 'F32', 2);
    expect(Array.from(out)).toEqual([2.5, -1]);
    backing.fill(0);
    expect(Array.from(out)).toEqual([2.5, -1]);

    const owned = new Uint8Array(4);
    new DataView(owned.buffer).setFloat32(0, 7, true);
    expect(decodeToFloat32(owned, 'F32', 1, true, true).buffer).toBe(owned.buffer);
  });

  it('refuses a byte count that does not match', () => {
    expect(() => decodeToFloat32(new Uint8Array(6), 'F32', 2)).toThrow(/need 8 bytes, got 6/);
  });
});

describe('assertFinite', () => {
  it('names the tensor, the value and the element', () => {
    assertFinite('ok', Float32Array.of(1, -2, 0), 'F32');
    const nan = (): void => assertFinite('layer1.0.conv1.weight', Float32Array.of(1, NaN), 'F16');
    expect(nan).toThrow(WeightsError);
    expect(nan).toThrow(/layer1\.0\.conv1\.weight holds NaN at element 1 of 2 \(stored as F16\)/);
    expect(() => assertFinite('fc.bias', Float32Array.of(-Infinity), 'F32')).toThrow(/fc\.bias holds -Infinity/);
  });
});
