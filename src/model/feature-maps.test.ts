import { describe, expect, it } from 'vitest';
import {
  channelsByMean, decodeMap, decodeTolerance, encodeFeatureMaps, fromFloat16, groupStats, mapGeometry, MAP_ENCODINGS, toFloat16, transferables,
} from './feature-maps.ts';
import { normal, rng } from './tfjs/random.ts';

/** NCHW to NHWC, to feed the same values in the engine's layout. */
function toNhwc(x: Float32Array, n: number, c: number, hw: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let s = 0; s < n; s++) for (let k = 0; k < c; k++) for (let p = 0; p < hw; p++) out[(s * hw + p) * c + k] = x[(s * c + k) * hw + p];
  return out;
}

describe('float16', () => {
  it('round-trips every half-precision value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromFloat16(h);
      if (Number.isNaN(v)) expect(Number.isNaN(fromFloat16(toFloat16(v)))).toBe(true);
      else expect(toFloat16(v), `0x${h.toString(16)}`).toBe(h === 0x8000 ? 0x8000 : h);
    }
  });

  it('rounds to nearest, ties to even; overflows to infinity; underflows to signed zero', () => {
    expect(fromFloat16(toFloat16(1 + 2 ** -11))).toBe(1); // tie: to even (1.0)
    expect(fromFloat16(toFloat16(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie: to even (up)
    expect(fromFloat16(toFloat16(1 + 2 ** -11 + 2 ** -20))).toBe(1 + 2 ** -10);
    expect(fromFloat16(toFloat16(65504))).toBe(65504);
    expect(fromFloat16(toFloat16(70000))).toBe(Infinity);
    expect(fromFloat16(toFloat16(-1e-9))).toBe(-0);
    expect(fromFloat16(toFloat16(2 ** -24))).toBe(2 ** -24);
    const next = rng(1);
    for (let i = 0; i < 10000; i++) {
      const v = (next() - 0.5) * 200;
      expect(Math.abs(fromFloat16(toFloat16(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    }
  });
});

describe('encodeFeatureMaps', () => {
  const n = 2, c = 6, h = 5, w = 7, hw = h * w;
  const x = normal(rng(3), n * c * hw);
  x[(1 * c + 2) * hw + 4] = 0; // a zero and a constant map in sample 1
  for (let p = 0; p < hw; p++) x[(1 * c + 5) * hw + p] = -0.25;

  it('gives exact per-channel statistics, the same from NCHW and NHWC', () => {
    const a = encodeFeatureMaps('t', x, [n, c, h, w], 'nchw', 1, 'float32');
    const b = encodeFeatureMaps('t', toNhwc(x, n, c, hw), [n, c, h, w], 'nhwc', 1, 'float32');
    for (const k of ['min', 'max', 'mean', 'zeros', 'data'] as const) expect(b[k]).toEqual(a[k]);
    expect(b.histogram).toEqual(a.histogram);
    for (let k = 0; k < c; k++) {
      const m = x.subarray((c + k) * hw, (c + k + 1) * hw);
      expect(a.min[k]).toBe(Math.min(...m));
      expect(a.max[k]).toBe(Math.max(...m));
      expect(a.mean[k]).toBeCloseTo(m.reduce((s, v) => s + v, 0) / hw, 6);
      expect(a.zeros[k]).toBeCloseTo(m.filter((v) => v <= 0).length / hw, 7);
    }
    expect(a.zeros[5]).toBe(1);
    expect(a.histogram.counts.reduce((s, v) => s + v, 0)).toBe(c * hw);
    expect(a.histogram.total).toBe(c * hw);
    expect(a.histogram.nonPositive).toBe(x.subarray(c * hw, 2 * c * hw).filter((v) => v <= 0).length);
    expect(a.histogram.lo).toBe(Math.min(...a.min));
    expect(a.histogram.hi).toBe(Math.max(...a.max));
    expect(a.channels).toBe(c);
    expect([a.height, a.width, a.sample]).toEqual([h, w, 1]);
  });

  it.each(MAP_ENCODINGS)('decodes %s within its tolerance (uint8: half a step of the map\'s range)', (encoding) => {
    const m = encodeFeatureMaps('t', x, [n, c, h, w], 'nchw', 0, encoding);
    expect(m.data.length).toBe(c * hw);
    expect(m.data.BYTES_PER_ELEMENT).toBe({ uint8: 1, float16: 2, float32: 4 }[encoding]);
    for (let k = 0; k < c; k++) {
      const d = decodeMap(m, k);
      const ref = x.subarray(k * hw, (k + 1) * hw);
      let worst = 0;
      for (let p = 0; p < hw; p++) worst = Math.max(worst, Math.abs(d[p] - ref[p]));
      expect(worst).toBeLessThanOrEqual(decodeTolerance(m, k) * (1 + 1e-6));
    }
    if (encoding === 'uint8') {
      expect(Math.min(...m.data.subarray(0, hw))).toBe(0);
      expect(Math.max(...m.data.subarray(0, hw))).toBe(255);
    }
  });

  it('a constant map decodes to its value', () => {
    const m = encodeFeatureMaps('t', x, [n, c, h, w], 'nchw', 1, 'uint8');
    expect([...decodeMap(m, 5)].every((v) => v === -0.25)).toBe(true);
  });

  it('sorts channels by mean, groups them, and hands out its buffers for transfer', () => {
    const m = encodeFeatureMaps('t', x, [n, c, h, w], 'nchw', 0, 'uint8');
    const order = channelsByMean(m);
    for (let i = 1; i < c; i++) expect(m.mean[order[i - 1]]).toBeGreaterThanOrEqual(m.mean[order[i]]);
    const groups = groupStats(m, 3);
    expect(groups.map((g) => [g.first, g.size])).toEqual([[0, 2], [2, 2], [4, 2]]);
    expect(groups[1].mean).toBeCloseTo((m.mean[2] + m.mean[3]) / 2, 7);
    expect(groups[2].max).toBe(Math.max(m.max[4], m.max[5]));
    expect(groups[0].zeros).toBeCloseTo((m.zeros[0] + m.zeros[1]) / 2, 7);
    expect(() => groupStats(m, 4)).toThrow(/6 channels do not split into 4 groups/);
    expect(transferables(m)).toHaveLength(5);
  });

  it('maps a vector or a signal to 1-pixel-high maps and refuses other shapes and samples', () => {
    expect(mapGeometry([2, 10])).toEqual({ n: 2, c: 10, h: 1, w: 1 });
    expect(mapGeometry([2, 1, 10])).toEqual({ n: 2, c: 1, h: 1, w: 10 });
    expect(() => mapGeometry([5])).toThrow(/feature maps need/);
    expect(() => encodeFeatureMaps('t', x, [n, c, h, w], 'nchw', 2, 'uint8')).toThrow(/sample must be 0\.\.1/);
  });
});
