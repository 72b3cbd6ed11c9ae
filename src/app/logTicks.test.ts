import { describe, expect, it } from 'vitest';
import { logTicks } from './logTicks.ts';
import { tickBytes, tickCount } from './format.ts';

describe('log axis ticks', () => {
  it('are the powers of ten where two or more fall inside', () => {
    expect(logTicks(0.004, 2000)).toEqual([0.01, 0.1, 1, 10, 100, 1000]);
    expect(logTicks(0.6, 160)).toEqual([1, 10, 100]);
  });

  it('are 1, 2 and 5 times them over a decade or two', () => {
    expect(logTicks(3, 60)).toEqual([5, 10, 20, 50]);
    expect(logTicks(0.15, 0.6)).toEqual([0.2, 0.5]);
  });

  it('are round numbers, never the domain\'s ends, over a narrow range (the batch sweep\'s images per second)', () => {
    const ticks = logTicks(17.51305476817728, 47.976902205527416);
    expect(ticks).toEqual([20, 30, 40]);
    expect(logTicks(0.21, 0.55)).toEqual([0.3, 0.4, 0.5]);
    expect(logTicks(1.1, 2.9)).toEqual([1.5, 2, 2.5]);
    for (const [lo, hi] of [[1.1, 2.9], [1.01, 1.9], [91, 233], [9.5, 24.3], [0.0123, 0.0316], [7777, 19999]]) {
      const t = logTicks(lo, hi);
      expect(t.length, `${lo}-${hi}`).toBeGreaterThanOrEqual(2);
      for (const v of t) {
        expect(v).toBeGreaterThanOrEqual(lo);
        expect(v).toBeLessThanOrEqual(hi);
        expect(String(v).replace(/^0\.0*/, '').replace(/0+$/, '').replace('.', '')).toMatch(/^[1-9][0-9]?$/);
      }
    }
  });

  it('are none for an empty or invalid domain', () => {
    expect(logTicks(0, 10)).toEqual([]);
    expect(logTicks(10, 1)).toEqual([]);
  });
});

describe('axis tick labels', () => {
  it('show each tick exactly (to 3 significant digits), with a unit prefix', () => {
    expect([0.01, 0.3, 20, 1000, 1500, 2e9, 1.25e12].map(tickCount)).toEqual(['0.01', '0.3', '20', '1 k', '1.5 k', '2 G', '1.25 T']);
    expect([500, 2e6, 1.5e9, 4.29e9].map(tickBytes)).toEqual(['500 B', '2 MB', '1.5 GB', '4.29 GB']);
  });
});
