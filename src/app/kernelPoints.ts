/**
 * How many of a network's kernels the Cost view draws and lists at once. A link can ask for 5,000 blocks
 * (35,000 kernels and more): a dot and a table row each would hold the page for tens of seconds. Up to
 * ROOFLINE_DOTS kernels get a dot each; above that, kernels at the same point (same kind, intensity and
 * speed: the repeated blocks of a stage) share one dot that counts them, and if the distinct points are
 * still too many, the slowest ROOFLINE_DOTS are drawn and the chart says how many are left out. The
 * kernel table shows KERNEL_ROWS rows at a time. Pure: no DOM, no React.
 */
import type { KernelCost, LayerCategory } from '../analysis/roofline.ts';

/** Most dots in the roofline chart. */
export const ROOFLINE_DOTS = 2500;
/** Rows of the kernel table shown at first, and added by each "show more". */
export const KERNEL_ROWS = 300;

interface KernelPoint {
  /** Indexes of the kernels at this point (one, or the repeats that share it), in network order. */
  kernels: number[];
  /** Arithmetic intensity, FLOP/byte. */
  x: number;
  /** Attained FLOP/s (launch overhead included). */
  y: number;
  category: LayerCategory;
}

interface KernelPoints {
  points: KernelPoint[];
  /** Kernels of the points that are not drawn (0 unless even the distinct points were too many). */
  left: number;
}

/** The roofline's dots for `kernels` (`categories[i]` is kernel i's kind): see the header. */
export function kernelPoints(kernels: readonly KernelCost[], categories: readonly LayerCategory[]): KernelPoints {
  const one = (k: KernelCost, i: number): KernelPoint => ({ kernels: [i], x: k.intensity, y: k.flops / (k.ms / 1000), category: categories[i] });
  if (kernels.length <= ROOFLINE_DOTS) return { points: kernels.map(one), left: 0 };
  const byPoint = new Map<string, KernelPoint>();
  kernels.forEach((k, i) => {
    const p = one(k, i);
    const key = `${p.category}:${p.x}:${p.y}`;
    const same = byPoint.get(key);
    if (same) same.kernels.push(i);
    else byPoint.set(key, p);
  });
  let points = [...byPoint.values()];
  let left = 0;
  if (points.length > ROOFLINE_DOTS) {
    const time = (p: KernelPoint) => p.kernels.length * kernels[p.kernels[0]].ms;
    const slowest = new Set([...points].sort((a, b) => time(b) - time(a)).slice(0, ROOFLINE_DOTS));
    for (const p of points) if (!slowest.has(p)) left += p.kernels.length;
    points = points.filter((p) => slowest.has(p));
  }
  return { points, left };
}

/** The smallest and largest of many numbers (Math.min(...xs) overflows the stack on long arrays). */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
