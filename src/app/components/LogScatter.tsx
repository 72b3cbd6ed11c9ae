/**
 * A log-log scatter whose dots are reachable by pointer and keyboard: the chart is one tab stop, the
 * arrow keys (and Home / End) move between dots in their given order, and hovering or focusing a dot
 * names it and its numbers below the chart (a polite live region). d3 for scales, React for the SVG.
 * Narrower than its full width (a phone), the chart is drawn at the page's scale to the width it has,
 * so it fits without scrolling sideways and its text stays legible.
 */
import { scaleLog } from 'd3';
import { useRef, useState, type KeyboardEvent } from 'react';
import { useWidth } from '../useWidth.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { logTicks } from '../logTicks.ts';

export interface ScatterDot {
  key: string;
  x: number;
  y: number;
  color: string;
  /** Short name of the dot (its accessible name starts with it). */
  label: string;
  /** Its numbers, shown when it is hovered or focused. */
  detail: string;
}

interface ScatterLine {
  points: [number, number][];
  label?: string;
  dashed?: boolean;
  /** Stroke colour (default: the text colour). */
  color?: string;
}

interface LogScatterProps {
  /** Accessible name of the chart. */
  name: string;
  dots: ScatterDot[];
  lines?: ScatterLine[];
  xLabel: string;
  yLabel: string;
  formatX: (v: number) => string;
  formatY: (v: number) => string;
  /** Domains to include besides the dots (the roofs' corners). */
  extent?: { x?: number[]; y?: number[] };
  legend?: { label: string; color: string }[];
}

/** The full size; below it the chart takes the width it has (at least NARROW) and a height to match. */
const FULL_W = 720;
const FULL_H = 380;
const NARROW = 280;
const M = { top: 14, right: 16, bottom: 38, left: 64 };

function domain(values: number[]): [number, number] {
  const v = values.filter((x) => x > 0 && Number.isFinite(x));
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? [lo / 2, hi * 2] : [lo / 1.6, hi * 1.6];
}

export function LogScatter(props: LogScatterProps) {
  const { t } = useI18n();
  const { dots, lines = [] } = props;
  const [active, setActive] = useState(0);
  const [shown, setShown] = useState<number | null>(null);
  const refs = useRef<(SVGCircleElement | null)[]>([]);
  const plot = useRef<HTMLDivElement>(null);
  const room = useWidth(plot);
  const W = room > 0 && room < FULL_W ? Math.max(NARROW, room) : FULL_W;
  const H = W === FULL_W ? FULL_H : Math.max(240, Math.round(W * 0.8));
  const x = scaleLog().domain(domain([...dots.map((d) => d.x), ...(props.extent?.x ?? [])])).range([M.left, W - M.right]);
  const y = scaleLog().domain(domain([...dots.map((d) => d.y), ...(props.extent?.y ?? [])])).range([H - M.bottom, M.top]);
  const [x0, x1] = x.domain();
  const [y0, y1] = y.domain();
  const clampX = (v: number) => Math.min(Math.max(v, x0), x1);
  const current = shown ?? null;
  const at = Math.min(active, Math.max(0, dots.length - 1));

  const move = (e: KeyboardEvent<SVGSVGElement>) => {
    let next = -1;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(dots.length - 1, at + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = dots.length - 1;
    if (next < 0) return;
    e.preventDefault();
    setActive(next);
    setShown(next);
    refs.current[next]?.focus();
  };

  return (
    <div className="logscatter">
      {props.legend && (
        <div className="legend" aria-hidden="true">
          {props.legend.map((l) => <span key={l.label} style={{ ['--swatch' as string]: l.color }}>{l.label}</span>)}
        </div>
      )}
      <div className="plot" ref={plot}>
      <svg viewBox={`0 0 ${W} ${H}`} role="group" aria-label={props.name} onKeyDown={move}>
        <g className="grid">
          {logTicks(x0, x1).map((t) => <line key={`x${t}`} x1={x(t)} x2={x(t)} y1={M.top} y2={H - M.bottom} />)}
          {logTicks(y0, y1).map((t) => <line key={`y${t}`} x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />)}
        </g>
        <g className="axis" aria-hidden="true">
          <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} />
          <line x1={M.left} x2={M.left} y1={M.top} y2={H - M.bottom} />
          {logTicks(x0, x1).map((t) => <text key={t} x={x(t)} y={H - M.bottom + 14} textAnchor="middle">{props.formatX(t)}</text>)}
          {logTicks(y0, y1).map((t) => <text key={t} x={M.left - 6} y={y(t) + 3} textAnchor="end">{props.formatY(t)}</text>)}
          <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle">{props.xLabel}</text>
          <text transform={`translate(12,${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle">{props.yLabel}</text>
        </g>
        <g className="lines" aria-hidden="true">
          {lines.map((l, i) => {
            const pts = l.points.map(([px, py]) => [x(clampX(px)), y(Math.min(Math.max(py, y0), y1))] as const);
            return <polyline key={i} points={pts.map((p) => p.join(',')).join(' ')} className={l.dashed ? 'roof dashed' : 'roof'} style={l.color ? { stroke: l.color } : undefined} />;
          })}
        </g>
        <g className="dots">
          {dots.map((d, i) => (
            <circle
              key={d.key}
              ref={(el) => { refs.current[i] = el; }}
              cx={x(d.x)}
              cy={y(d.y)}
              r={current === i ? 6 : 4}
              tabIndex={i === at ? 0 : -1}
              role="img"
              aria-label={`${d.label}: ${d.detail}`}
              style={{ fill: d.color }}
              className={current === i ? 'dot on' : 'dot'}
              onMouseEnter={() => { setShown(i); setActive(i); }}
              onFocus={() => { setShown(i); setActive(i); }}
              onMouseLeave={() => setShown(null)}
              onBlur={() => setShown(null)}
            />
          ))}
        </g>
        {/* The roofs' names above the dots that sit on the roof, with a halo of the background. */}
        <g className="line-labels" aria-hidden="true">
          {lines.map((l, i) => {
            if (!l.label) return null;
            const end = l.points[l.points.length - 1];
            return <text key={i} className="label" x={x(clampX(end[0])) - 4} y={y(Math.min(Math.max(end[1], y0), y1)) - 6} textAnchor="end">{l.label}</text>;
          })}
        </g>
      </svg>
      </div>
      <p className="dot-detail" aria-live="polite">
        {current !== null && dots[current] ? <><strong>{dots[current].label}</strong> {dots[current].detail}</> : <span className="muted">{t('scatter.hint')}</span>}
      </p>
    </div>
  );
}
