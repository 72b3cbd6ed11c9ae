/**
 * Colour scales of the Explain view and their legend: a sequential scale (viridis) for values that
 * are never negative (after a ReLU), a diverging one (blue, white, red around 0) for signed values,
 * and the heat scale of class activation maps (inferno). Each is a 256-entry RGB lookup table.
 */
import { interpolateInferno, interpolateRdBu, interpolateViridis } from 'd3';
import { color } from 'd3';
import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n/I18n.tsx';

export type ScaleKind = 'sequential' | 'diverging' | 'heat';

function lut(interpolate: (t: number) => string): Uint8ClampedArray {
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = color(interpolate(i / 255))!.rgb();
    out[i * 3] = c.r;
    out[i * 3 + 1] = c.g;
    out[i * 3 + 2] = c.b;
  }
  return out;
}

const LUTS: Record<ScaleKind, Uint8ClampedArray> = {
  sequential: lut(interpolateViridis),
  diverging: lut((t) => interpolateRdBu(1 - t)),
  heat: lut(interpolateInferno),
};

export function scaleLut(kind: ScaleKind): Uint8ClampedArray {
  return LUTS[kind];
}

/** The value range a colour scale spans: [lo, hi] for sequential, [-m, m] (m the larger magnitude) for diverging. */
export function scaleDomain(kind: ScaleKind, lo: number, hi: number): [number, number] {
  if (kind === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return [-m, m];
  }
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** Writes `values` coloured over `domain` into RGBA `out` (alpha 255). */
export function paint(values: ArrayLike<number>, domain: [number, number], kind: ScaleKind, out: Uint8ClampedArray): void {
  const table = LUTS[kind];
  const [a, b] = domain;
  const k = 255 / (b - a);
  for (let p = 0; p < values.length; p++) {
    const i = Math.max(0, Math.min(255, Math.round((values[p] - a) * k))) * 3;
    out[p * 4] = table[i];
    out[p * 4 + 1] = table[i + 1];
    out[p * 4 + 2] = table[i + 2];
    out[p * 4 + 3] = 255;
  }
}

/** Short number for legends and tooltips: 3 significant digits, exponent when tiny or huge. */
export function short(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** A horizontal gradient of the scale with its end (and, diverging, middle) values. */
export function ColorLegend({ kind, domain, label }: { kind: ScaleKind; domain: [number, number]; label: string }) {
  const { t } = useI18n();
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(256, 1);
    const ramp = Array.from({ length: 256 }, (_, i) => domain[0] + ((domain[1] - domain[0]) * i) / 255);
    paint(ramp, domain, kind, img.data);
    ctx.putImageData(img, 0, 0);
  }, [kind, domain]);
  return (
    <figure className="xp-legend" aria-label={t('xp.legendRange', { label, lo: short(domain[0]), hi: short(domain[1]) })}>
      <figcaption className="small">{label}</figcaption>
      <canvas ref={ref} width={256} height={1} aria-hidden="true" />
      <div className="xp-legend-ticks small num" aria-hidden="true">
        <span>{short(domain[0])}</span>
        {kind === 'diverging' && <span>0</span>}
        <span>{short(domain[1])}</span>
      </div>
    </figure>
  );
}
