/**
 * The histogram of a layer's activations (one sample, all channels) and its sparsity after ReLU:
 * the share of values <= 0, which a ReLU sets to zero (for a ReLU's own output: its exact zeros).
 */
import { scaleLinear } from 'd3';
import type { Histogram } from '../../model/feature-maps.ts';
import { short } from './ExplainColors.tsx';
import { useI18n } from '../i18n/I18n.tsx';

const W = 560;
const H = 150;
const M = { top: 8, right: 8, bottom: 26, left: 44 };

export function ExplainHistogram({ layer, histogram }: { layer: string; histogram: Histogram }) {
  const { t, num } = useI18n();
  const { lo, hi, counts, nonPositive, total } = histogram;
  const x = scaleLinear().domain([lo, hi > lo ? hi : lo + 1]).range([M.left, W - M.right]);
  const peak = Math.max(...counts, 1);
  const y = scaleLinear().domain([0, peak]).range([H - M.bottom, M.top]);
  const bw = (x.range()[1] - x.range()[0]) / counts.length;
  const share = (nonPositive / total) * 100;
  const afterRelu = lo >= 0;
  const ticks = x.ticks(6);
  return (
    <figure className="chart xp-histogram">
      <figcaption>
        <h3>{t('xp.activationsOf', { layer })}</h3>
        <p className="small">
          {t('xp.values', { total: num(total), lo: short(lo), hi: short(hi) })}{' '}
          <strong data-testid="sparsity">{t(afterRelu ? 'xp.sparsity' : 'xp.sparsityAfter', { share: share.toFixed(1) })}</strong>
          {t(afterRelu ? 'xp.zeroed' : 'xp.wouldZero')}
        </p>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('xp.histogramImage', { bins: counts.length, lo: short(lo), hi: short(hi), share: share.toFixed(1) })}>
        <g className="grid">
          {y.ticks(4).map((v) => <line key={v} x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} />)}
        </g>
        {counts.map((c, i) => {
          const left = lo + ((hi - lo) * i) / counts.length;
          return <rect key={i} className={left + (hi - lo) / counts.length <= 0 ? 'xp-neg' : 'xp-pos'} x={M.left + i * bw + 0.5} width={Math.max(0.5, bw - 1)} y={y(c)} height={H - M.bottom - y(c)} />;
        })}
        {lo < 0 && hi > 0 && <line className="xp-zero" x1={x(0)} x2={x(0)} y1={M.top} y2={H - M.bottom} />}
        <g className="axis">
          <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} />
          {ticks.map((v) => <text key={v} x={x(v)} y={H - M.bottom + 14} textAnchor="middle">{short(v)}</text>)}
          {y.ticks(4).map((v) => <text key={v} x={M.left - 4} y={y(v) + 3} textAnchor="end">{v >= 1000 ? t('xp.thousands', { n: short(v / 1000) }) : v}</text>)}
        </g>
      </svg>
    </figure>
  );
}
