import { describe, expect, it } from 'vitest';
import { stackLabels } from './labelColumn.ts';
import { PRESETS, presetConfig } from '../model/presets.ts';
import { analyze } from '../analysis/analyze.ts';

function expectColumn(at: number[], wants: number[], top: number, bottom: number, line: number) {
  for (const y of at) {
    expect(y).toBeGreaterThanOrEqual(top);
    expect(y).toBeLessThanOrEqual(bottom);
  }
  // In the points' order, a line apart at least.
  const order = wants.map((_, i) => i).sort((a, b) => wants[a] - wants[b] || a - b);
  for (let k = 1; k < order.length; k++) expect(at[order[k]] - at[order[k - 1]]).toBeGreaterThanOrEqual(line - 1e-9);
}

describe('stackLabels', () => {
  it('leaves labels that do not collide at their points', () => {
    expect(stackLabels([50, 10, 90], 0, 100, 13)).toEqual([50, 10, 90]);
  });

  it('keeps a cluster at the top inside the chart (the largest presets were drawn above it)', () => {
    // Ten points near the top and one at the bottom: pushing down from the top overflows the bottom.
    const wants = [...Array.from({ length: 10 }, (_, i) => 2 + i * 0.5), 100];
    const at = stackLabels(wants, 0, 130, 13);
    expectColumn(at, wants, 0, 130, 13);
    // Eleven labels fill the 130 units exactly: the column starts at the top, not above it.
    expect(at[0]).toBe(0);
    expect(at[10]).toBe(130);
  });

  it('moves a crowd at the bottom up, not past the foot', () => {
    const wants = [100, 100, 100, 100];
    const at = stackLabels(wants, 0, 100, 10);
    expectColumn(at, wants, 0, 100, 10);
    expect(Math.max(...at)).toBe(100);
  });

  it('fits every preset in a column as tall as the presets need, however they cluster', () => {
    const line = 13;
    const top = 14;
    const bottom = top + PRESETS.length * line;
    // Heights as the scatter draws them: log params, the largest at the top.
    const params = PRESETS.map((p) => analyze(presetConfig(p.name)).params);
    const lo = Math.log(Math.min(...params) * 0.8);
    const hi = Math.log(Math.max(...params) * 1.25);
    const wants = params.map((v) => bottom - ((Math.log(v) - lo) / (hi - lo)) * (bottom - top));
    expectColumn(stackLabels(wants, top, bottom, line), wants, top, bottom, line);
  });
});
