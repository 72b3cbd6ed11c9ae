/**
 * Params vs MACs of every preset (log-log), labelled with the paper's top-1 errors: ImageNet
 * (Tables 3, 4) and CIFAR-10/100 (Table 7). The labels stand in one column right of the plot, each as
 * near its point's height as the others allow (labelColumn.ts), joined to it by a leader line.
 * The chart is drawn at the page's scale (one unit a CSS pixel), as wide as its frame and at least as
 * wide as the plot's least width and the longest label, measured as drawn (bold, either language):
 * on a phone it scrolls sideways in its frame, with a line saying so, while its heading and legend wrap.
 */
import { scaleLog } from 'd3';
import { useLayoutEffect, useRef, useState } from 'react';
import { humanCount, thousands } from '../format.ts';
import { seriesColor } from '../theme.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { stackLabels } from '../labelColumn.ts';
import { useWidth } from '../useWidth.ts';
import { SideScroll } from './SideScroll.tsx';

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

/** The plot is at least this tall, and tall enough for one label line per preset. */
const MIN_H = 440;
const M = { top: 14, bottom: 34, left: 56 };
/** The plot's least width; the leader lines' run from the plot to the column; the room right of the column. */
const PLOT_MIN = 260;
const LEADER = 28;
const END = 8;
const LINE = 13;

export function PresetScatter({ points }: { points: ScatterPoint[] }) {
  const { t } = useI18n();
  const frame = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const room = useWidth(frame);
  const [labelWidth, setLabelWidth] = useState(300);
  const text = (p: ScatterPoint) => `${p.cifar ? p.label.replace(/, CIFAR$/, '') : p.label}${p.note ? ` · ${p.note}` : ''}`;
  const labels = points.map((p) => `${text(p)}${p.highlight ? '*' : ''}`).join('\n');
  useLayoutEffect(() => {
    const widths = [...(svg.current?.querySelectorAll<SVGTextElement>('text.label') ?? [])].map((el) => el.getComputedTextLength());
    if (widths.length === 0) return;
    const widest = Math.ceil(Math.max(...widths));
    setLabelWidth((w) => (Math.abs(w - widest) > 1 ? widest : w));
  }, [labels]);

  const W = Math.max(room, M.left + PLOT_MIN + LEADER + labelWidth + END);
  const H = Math.max(MIN_H, M.top + points.length * LINE + 8);
  const plotRight = W - END - labelWidth - LEADER;
  const labelX = plotRight + LEADER;
  const x = scaleLog().domain([Math.min(...points.map((p) => p.macs)) * 0.8, Math.max(...points.map((p) => p.macs)) * 1.25]).range([M.left, plotRight]);
  const y = scaleLog().domain([Math.min(...points.map((p) => p.params)) * 0.8, Math.max(...points.map((p) => p.params)) * 1.25]).range([H - M.bottom, M.top]);
  // Ticks at 1, 2 and 5 of each decade where there is room for their text, else at the decades.
  const ticks = (s: typeof x, room: number) => {
    const all = s.ticks(6);
    const fine = all.filter((t) => [1, 2, 5].includes(Number(t.toExponential(0)[0])));
    return room / fine.length >= 44 ? fine : all.filter((t) => t.toExponential(0)[0] === '1');
  };
  const xt = ticks(x, plotRight - M.left);
  const yt = ticks(y, H - M.bottom - M.top);
  // A label's baseline sits 3 units below its line's height: the column runs from the top to the foot.
  const labelY = stackLabels(points.map((p) => y(p.params)), M.top, H - 8, LINE);

  return (
    <figure className="chart scatter" aria-label={t('compare.scatter')}>
      <h3>{t('compare.scatter')} <span className="muted small">{t('compare.scatterNote')}</span></h3>
      <div className="legend">
        <span style={{ ['--swatch' as string]: 'var(--series-0)' }}>{t('compare.scatterImageNet')}</span>
        <span style={{ ['--swatch' as string]: 'var(--series-1)' }}>{t('compare.scatterCifar')}</span>
      </div>
      <div ref={frame}>
        <SideScroll kind="chart" className="chart-scroll" label={t('compare.scatterSvg')}>
          <svg ref={svg} style={{ width: W, height: H }} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('compare.scatterSvg')}>
            <g className="grid">
              {xt.map((t) => <line key={`x${t}`} x1={x(t)} x2={x(t)} y1={M.top} y2={H - M.bottom} />)}
              {yt.map((t) => <line key={`y${t}`} x1={M.left} x2={plotRight} y1={y(t)} y2={y(t)} />)}
            </g>
            <g className="axis">
              {xt.map((t) => <text key={t} x={x(t)} y={H - M.bottom + 14} textAnchor="middle">{humanCount(t, 0)}</text>)}
              {yt.map((t) => <text key={t} x={M.left - 6} y={y(t) + 3} textAnchor="end">{humanCount(t, 0)}</text>)}
              <text x={(M.left + plotRight) / 2} y={H - 4} textAnchor="middle">{t('compare.axisMacs')}</text>
              <text transform={`translate(12,${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle">{t('compare.axisParams')}</text>
            </g>
            {points.map((p, i) => {
              const px = x(p.macs);
              const py = y(p.params);
              const ly = labelY[i];
              return (
                <g key={p.name}>
                  <path d={`M${px + 5},${py} L${labelX - 16},${py} L${labelX - 4},${ly}`} className="edge" style={{ stroke: 'var(--border)', fill: 'none' }} />
                  <circle cx={px} cy={py} r={p.highlight ? 6 : 4} style={{ fill: seriesColor(p.cifar ? 1 : 0), stroke: p.highlight ? 'var(--text)' : 'none', strokeWidth: 1.5 }}>
                    <title>{t('compare.pointTitle', { label: p.label, params: thousands(p.params), macs: thousands(p.macs) })}</title>
                  </circle>
                  <text className="label" x={labelX} y={ly + 3} style={{ fontWeight: p.highlight ? 700 : 400 }}>{text(p)}</text>
                </g>
              );
            })}
          </svg>
        </SideScroll>
      </div>
    </figure>
  );
}
