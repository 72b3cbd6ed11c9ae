/**
 * The histogram of a layer's activations (one sample, all channels) and its sparsity after ReLU:
 * the share of values <= 0, which a ReLU sets to zero (for a ReLU's own output: its exact zeros).
 */
import { scaleLinear } from 'd3';
import type { Histogram } from '../../model/feature-maps.ts';
import { short } from './ExplainColors.tsx';

const W = 560;
const H = 150;
const M = { top: 8, right: 8, bottom: 26, left: 44 };

export function ExplainHistogram({ layer, histogram }: { layer: string; histogram: Histogram }) {
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
        <h3>Activations of {layer}</h3>
        <p className="small">
          {total.toLocaleString('en-US')} values from {short(lo)} to {short(hi)}.{' '}
          <strong data-testid="sparsity">{afterRelu ? `Sparsity: ${share.toFixed(1)} % of the values are exactly 0` : `Sparsity after ReLU: ${share.toFixed(1)} % of the values are ≤ 0`}</strong>
          {afterRelu ? ' (what the ReLU zeroed).' : ' (a ReLU would set them to 0).'}
        </p>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Histogram of ${counts.length} bins from ${short(lo)} to ${short(hi)}; ${share.toFixed(1)} % of the values are at most 0`}>
        <g className="grid">
          {y.ticks(4).map((t) => <line key={t} x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />)}
        </g>
        {counts.map((c, i) => {
          const left = lo + ((hi - lo) * i) / counts.length;
          return <rect key={i} className={left + (hi - lo) / counts.length <= 0 ? 'xp-neg' : 'xp-pos'} x={M.left + i * bw + 0.5} width={Math.max(0.5, bw - 1)} y={y(c)} height={H - M.bottom - y(c)} />;
        })}
        {lo < 0 && hi > 0 && <line className="xp-zero" x1={x(0)} x2={x(0)} y1={M.top} y2={H - M.bottom} />}
        <g className="axis">
          <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} />
          {ticks.map((t) => <text key={t} x={x(t)} y={H - M.bottom + 14} textAnchor="middle">{short(t)}</text>)}
          {y.ticks(4).map((t) => <text key={t} x={M.left - 4} y={y(t) + 3} textAnchor="end">{t >= 1000 ? `${short(t / 1000)}k` : t}</text>)}
        </g>
      </svg>
    </figure>
  );
}
