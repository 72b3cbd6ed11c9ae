/**
 * Params vs MACs of every preset (log-log), labelled with the paper's top-1 errors: ImageNet
 * (Tables 3, 4) and CIFAR-10/100 (Table 7). Labels are stacked to avoid overlaps and joined to
 * their point by a leader line.
 */
import { scaleLog } from 'd3';
import { humanCount, thousands } from '../format.ts';
import { seriesColor } from '../theme.ts';
import { useI18n } from '../i18n/I18n.tsx';

export interface ScatterPoint {
  name: string;
  label: string;
  params: number;
  macs: number;
  /** The published error text, e.g. "22.2% (T3)"; empty when the paper gives none. */
  note: string;
  cifar: boolean;
  highlight: boolean;
}

const W = 900;
/** The plot is at least this tall, and tall enough for one label line per preset. */
const MIN_H = 440;
const M = { top: 14, right: 320, bottom: 34, left: 56 };
const LINE = 13;

export function PresetScatter({ points }: { points: ScatterPoint[] }) {
  const { t } = useI18n();
  const H = Math.max(MIN_H, M.top + points.length * LINE + 8);
  const x = scaleLog().domain([Math.min(...points.map((p) => p.macs)) * 0.8, Math.max(...points.map((p) => p.macs)) * 1.25]).range([M.left, W - M.right]);
  const y = scaleLog().domain([Math.min(...points.map((p) => p.params)) * 0.8, Math.max(...points.map((p) => p.params)) * 1.25]).range([H - M.bottom, M.top]);
  const xt = x.ticks(6).filter((t) => [1, 2, 5].includes(Number(t.toExponential(0)[0])));
  const yt = y.ticks(6).filter((t) => [1, 2, 5].includes(Number(t.toExponential(0)[0])));

  // Labels in a column right of the plot, in the order of their points' heights, never overlapping.
  const sorted = [...points].sort((a, b) => y(a.params) - y(b.params));
  const labelY = new Map<string, number>();
  let next = M.top;
  for (const p of sorted) {
    const want = y(p.params);
    const at = Math.max(want, next);
    labelY.set(p.name, at);
    next = at + LINE;
  }
  // If the column ran past the bottom, shift it up.
  const overflow = next - (H - 4);
  if (overflow > 0) for (const [k, v] of labelY) labelY.set(k, v - overflow);
  const labelX = W - M.right + 16;

  return (
    <figure className="chart scatter" aria-label={t('compare.scatter')}>
      <h3>{t('compare.scatter')} <span className="muted small">{t('compare.scatterNote')}</span></h3>
      <div className="legend">
        <span style={{ ['--swatch' as string]: 'var(--series-0)' }}>{t('compare.scatterImageNet')}</span>
        <span style={{ ['--swatch' as string]: 'var(--series-1)' }}>{t('compare.scatterCifar')}</span>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('compare.scatterSvg')}>
        <g className="grid">
          {xt.map((t) => <line key={`x${t}`} x1={x(t)} x2={x(t)} y1={M.top} y2={H - M.bottom} />)}
          {yt.map((t) => <line key={`y${t}`} x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />)}
        </g>
        <g className="axis">
          {xt.map((t) => <text key={t} x={x(t)} y={H - M.bottom + 14} textAnchor="middle">{humanCount(t, 0)}</text>)}
          {yt.map((t) => <text key={t} x={M.left - 6} y={y(t) + 3} textAnchor="end">{humanCount(t, 0)}</text>)}
          <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle">{t('compare.axisMacs')}</text>
          <text transform={`translate(12,${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle">{t('compare.axisParams')}</text>
        </g>
        {points.map((p) => {
          const px = x(p.macs);
          const py = y(p.params);
          const ly = labelY.get(p.name) ?? py;
          return (
            <g key={p.name}>
              <path d={`M${px + 5},${py} L${labelX - 16},${py} L${labelX - 4},${ly}`} className="edge" style={{ stroke: 'var(--border)', fill: 'none' }} />
              <circle cx={px} cy={py} r={p.highlight ? 6 : 4} style={{ fill: seriesColor(p.cifar ? 1 : 0), stroke: p.highlight ? 'var(--text)' : 'none', strokeWidth: 1.5 }}>
                <title>{t('compare.pointTitle', { label: p.label, params: thousands(p.params), macs: thousands(p.macs) })}</title>
              </circle>
              <text className="label" x={labelX} y={ly + 3} style={{ fontWeight: p.highlight ? 700 : 400 }}>
                {p.cifar ? p.label.replace(/, CIFAR$/, '') : p.label}{p.note ? ` · ${p.note}` : ''}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
