/**
 * The roofline of one device (log-log): the compute roof of the precision's matrix rate, the FP32 roof when
 * it differs (element-wise layers run there), the bandwidth slope, and every layer as a dot at its arithmetic
 * intensity and predicted throughput (FLOPs / predicted time), coloured by kind. Why a dot sits below the
 * roof is its efficiency term, named with it: the share of the peak it reaches, its tiles' use (a grouped
 * conv's few channels per group leave most of each tile empty), Winograd, or the memory bound.
 * A network of thousands of kernels gets fewer dots (kernelPoints.ts), and the chart says so.
 */
import { schemeTableau10 } from 'd3';
import type { Device } from '../../analysis/devices.ts';
import { LAYER_CATEGORIES, type KernelCost, type LayerCategory } from '../../analysis/roofline.ts';
import { matrixPath, type Precision } from '../../analysis/timing/precision.ts';
import { humanBytes } from '../../analysis/cost.ts';
import { humanCount, tickCount } from '../format.ts';
import { LogScatter } from './LogScatter.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { categoryLabel } from '../i18n/data.ts';
import { extent, kernelPoints, ROOFLINE_DOTS } from '../kernelPoints.ts';

export const CATEGORY_COLORS: Readonly<Record<LayerCategory, string>> = Object.fromEntries(
  LAYER_CATEGORIES.map((c, i) => [c, schemeTableau10[i % schemeTableau10.length]]),
) as Record<LayerCategory, string>;

function flopsText(v: number): string {
  return `${humanCount(v, v >= 1e3 && v < 1e4 ? 1 : 0).replace(' ', '')}FLOP/s`;
}

export function msText(v: number): string {
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1000).toFixed(v >= 0.01 ? 0 : 1)} µs`;
}

export function RooflineChart({ kernels, categories, device, dtype, title }: {
  kernels: KernelCost[];
  categories: LayerCategory[];
  device: Device;
  dtype: Precision;
  title: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const bw = device.bandwidthGBs * 1e9;
  const matrix = matrixPath(device, dtype).tflops * 1e12;
  const vector = device.fp32Tflops * 1e12;
  const { points, left } = kernelPoints(kernels, categories);
  const [minIntensity, maxIntensity] = extent(points.map((p) => p.x));
  const lo = minIntensity / 4;
  const hi = Math.max(maxIntensity, matrix / bw) * 4;
  const roof = (peak: number): [number, number][] => {
    const ridge = peak / bw;
    return [[lo, bw * lo], [ridge, peak], [hi, peak]];
  };
  const kinds = new Set(points.map((p) => p.category));
  const present = LAYER_CATEGORIES.filter((c) => kinds.has(c));
  const dots = points.map((p) => {
    const i = p.kernels[0];
    const k = kernels[i];
    const name = p.kernels.length > 1 ? t('roofline.repeats', { name: k.name, more: p.kernels.length - 1 }) : k.name;
    return {
      key: `${k.name}:${i}`,
      x: p.x,
      y: p.y,
      color: CATEGORY_COLORS[p.category],
      label: `${name} (${categoryLabel(i18n, p.category)})`,
      detail: t('roofline.dot', {
        intensity: k.intensity.toFixed(1), flops: humanCount(k.flops), read: humanBytes(k.bytesRead), written: humanBytes(k.bytesWritten),
        ms: msText(k.ms), rate: flopsText(p.y), bound: t(`costView.bound.${k.bound}`),
      }) + (k.unit === 'memory' ? '' : ` ${t(k.winograd ? 'roofline.efficiencyWinograd' : 'roofline.efficiency', {
        peak: (k.peakShare * 100).toFixed(0), unit: t(`costView.unit.${k.unit}`), tiles: (k.tileUse * 100).toFixed(0),
      })}`),
    };
  });
  const lines = [
    { points: roof(matrix), label: `${flopsText(matrix)} · ${device.bandwidthGBs.toFixed(device.bandwidthGBs < 10 ? 1 : 0)} GB/s` },
    ...(vector !== matrix ? [{ points: roof(vector), label: `FP32 ${flopsText(vector)}`, dashed: true }] : []),
  ];
  return (
    <figure className="chart roofline" aria-label={title}>
      <h3>{title}</h3>
      <LogScatter
        name={t('roofline.kernels', { title, count: kernels.length })}
        dots={dots}
        lines={lines}
        xLabel={t('roofline.xLabel')}
        yLabel={t('roofline.yLabel')}
        formatX={tickCount}
        formatY={tickCount}
        extent={{ x: [lo, hi], y: [matrix * 1.3, extent(dots.map((d) => d.y))[0]] }}
        legend={present.map((c) => ({ label: categoryLabel(i18n, c), color: CATEGORY_COLORS[c] }))}
      />
      {points.length < kernels.length && (
        <figcaption className="hint" data-testid="roofline-merged">
          {t('roofline.merged', { max: ROOFLINE_DOTS, dots: points.length, count: kernels.length })}
          {left > 0 && <> {t('roofline.left', { left })}</>}
        </figcaption>
      )}
    </figure>
  );
}
