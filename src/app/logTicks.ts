import { ticks as linearTicks } from 'd3';

/**
 * Tick values for a log axis over [lo, hi] (lo > 0): the powers of ten inside it when there are two or
 * more; otherwise 1, 2 and 5 times them; otherwise every 1-9 multiple; otherwise (a range narrower than
 * from one multiple to the next two) d3's round linear ticks. Never the domain's ends, which are not round.
 * Values are rounded to 12 significant digits (3 x 0.1 is 0.30000000000000004 in floating point).
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) return [];
  const within = (mantissas: readonly number[]): number[] => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mantissas) {
        const t = Number((m * 10 ** e).toPrecision(12));
        if (t >= lo && t <= hi) out.push(t);
      }
    }
    return out;
  };
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks = within(mantissas);
    if (ticks.length >= 2) return ticks;
  }
  return linearTicks(lo, hi, 4).filter((t) => t > 0);
}
