/** Display helpers for numbers computed by src/analysis (formatting only; no figures live here). */
import { humanCount, thousands } from '../analysis/format.ts';

export { humanCount, thousands };

/** 4230479872 -> "4.230 G" (three decimals: the precision torchvision's GFLOPS figures carry). */
export function giga(n: number, digits = 3): string {
  return `${(n / 1e9).toFixed(digits)} G`;
}

/** A signed difference: "+1,234" / "−1,234" / "0". */
export function signed(n: number): string {
  if (n === 0) return '0';
  return `${n > 0 ? '+' : '\u2212'}${thousands(Math.abs(n))}`;
}

/** A relative difference in percent: "+0.12 %". */
export function percent(ratio: number, digits = 2): string {
  if (!Number.isFinite(ratio)) return '—';
  const v = ratio * 100;
  return `${v > 0 ? '+' : v < 0 ? '\u2212' : ''}${Math.abs(v).toFixed(digits)} %`;
}

/** Milliseconds for timings: "12.3 ms". */
export function ms(n: number): string {
  return n >= 100 ? `${n.toFixed(0)} ms` : n >= 10 ? `${n.toFixed(1)} ms` : `${n.toFixed(2)} ms`;
}

const COUNT_UNITS = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const;
const BYTE_UNITS = [[1e15, 'PB'], [1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']] as const;

/** An axis tick's label, exact to 3 significant digits: 0.02, 30, 1.5 k, 2 G (the exact figures are in the dots' details). */
export function tickCount(v: number): string {
  for (const [scale, unit] of COUNT_UNITS) if (v >= scale) return `${Number((v / scale).toPrecision(3))} ${unit}`;
  return String(Number(v.toPrecision(3)));
}

/** An axis tick's label in bytes, exact to 3 significant digits: 500 MB, 1.5 GB. */
export function tickBytes(v: number): string {
  for (const [scale, unit] of BYTE_UNITS) if (v >= scale) return `${Number((v / scale).toPrecision(3))} ${unit}`;
  return `${Number(v.toPrecision(3))} B`;
}
