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
