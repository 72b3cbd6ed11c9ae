import { describe, expect, it } from 'vitest';
import { pyFixed, pyList, rjust, thousands } from './format.ts';

describe('Python number formatting', () => {
  it('groups thousands like "{0:,}"', () => {
    expect(thousands(0)).toBe('0');
    expect(thousands(999)).toBe('999');
    expect(thousands(1000)).toBe('1,000');
    expect(thousands(25028904)).toBe('25,028,904');
    expect(thousands(-1234567)).toBe('-1,234,567');
  });

  it('rounds "%0.2f" on the exact binary value, ties to even, unlike toFixed', () => {
    expect(pyFixed(0.125)).toBe('0.12'); // exact tie: Python rounds to even
    expect((0.125).toFixed(2)).toBe('0.13'); // ...where JavaScript rounds up
    expect(pyFixed(0.375)).toBe('0.38');
    expect(pyFixed(2.675)).toBe('2.67'); // 2.67499999... in binary
    expect(pyFixed(1.005)).toBe('1.00');
    expect(pyFixed(361.78125)).toBe('361.78');
    expect(pyFixed(0.57421875)).toBe('0.57');
    expect(pyFixed(457.8349)).toBe('457.83');
    expect(pyFixed(0)).toBe('0.00');
    expect(pyFixed(1e20)).toBe('100000000000000000000.00');
    expect(pyFixed(0.005)).toBe('0.01'); // 0.005000000000000000104 > tie
  });

  it('prints lists and right-aligns like Python', () => {
    expect(pyList([-1, 64, 112, 112])).toBe('[-1, 64, 112, 112]');
    expect(rjust('ab', 5)).toBe('   ab');
    expect(rjust('AdaptiveAvgPool2d-173', 20)).toBe('AdaptiveAvgPool2d-173');
  });
});
