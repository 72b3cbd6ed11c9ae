/** Grouped bars: one group per stage, one bar per network. d3 scales, React SVG. */
import { scaleBand, scaleLinear } from 'd3';
import { humanCount, thousands } from '../format.ts';
import { seriesColor } from '../theme.ts';
import { useI18n } from '../i18n/I18n.tsx';

interface BarSeries {
  label: string;
  values: number[];
}

const W = 520;
const H = 230;
const M = { top: 8, right: 8, bottom: 24, left: 48 };

export function StageBars({ title, unit, stages, series, stageLabel = (s) => s }: { title: string; unit: string; stages: string[]; series: BarSeries[]; stageLabel?: (stage: string) => string }) {
  const { t } = useI18n();
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = scaleBand<string>().domain(stages).range([M.left, W - M.right]).paddingInner(0.2).paddingOuter(0.1);
  const inner = scaleBand<number>().domain(series.map((_, i) => i)).range([0, x.bandwidth()]).padding(0.08);
  const y = scaleLinear().domain([0, max]).nice().range([H - M.bottom, M.top]);
  const ticks = y.ticks(5);
  return (
    <figure className="chart" aria-label={title}>
      <h3>{title} <span className="muted small">({unit})</span></h3>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('compare.bars', { title })}>
        <g className="grid">
          {ticks.map((t) => <line key={t} x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />)}
        </g>
        <g className="axis">
          {ticks.map((t) => <text key={t} x={M.left - 6} y={y(t) + 3} textAnchor="end">{humanCount(t, t >= 1e3 && t % 1e3 !== 0 ? 1 : 0)}</text>)}
          <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} stroke="currentColor" />
          {stages.map((s) => <text key={s} x={(x(s) ?? 0) + x.bandwidth() / 2} y={H - 8} textAnchor="middle">{stageLabel(s)}</text>)}
        </g>
        {stages.map((s, si) => (
          <g key={s} transform={`translate(${x(s) ?? 0},0)`}>
            {series.map((ser, i) => {
              const v = ser.values[si] ?? 0;
              return (
                <rect key={i} x={inner(i)} y={y(v)} width={inner.bandwidth()} height={Math.max(0, y(0) - y(v))} rx={1.5} style={{ fill: seriesColor(i) }}>
                  <title>{t('compare.barTitle', { label: ser.label, stage: stageLabel(s), value: thousands(v), unit })}</title>
                </rect>
              );
            })}
          </g>
        ))}
      </svg>
    </figure>
  );
}
