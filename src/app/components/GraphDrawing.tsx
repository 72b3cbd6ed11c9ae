/**
 * The Graph view's picture of a layout (graphLayout.ts): frames, edges with their tensor shapes, boxes
 * with their name, detail and value, an open grouped conv's paths. Every colour and font comes in as a
 * style from `palette`, so the same component draws the screen (CSS variables, the boxes in view only,
 * a tree of focusable items) and the exports (resolved colours, every box, no interaction).
 */
import { memo, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import type { GraphLayout, LayoutBox, LayoutEdge } from '../graphLayout.ts';
import { fit } from '../graphLabels.ts';
import { expandable } from '../graphTree.ts';
import type { BoxLook } from '../graphColours.ts';

export interface Palette {
  bg: string;
  surface: string;
  surface2: string;
  text: string;
  muted: string;
  border: string;
  accent: string;
  edge: string;
  font: string;
  mono: string;
}

/** The screen's palette: the theme's CSS variables. */
export const CSS_PALETTE: Palette = {
  bg: 'var(--bg)',
  surface: 'var(--surface)',
  surface2: 'var(--surface-2)',
  text: 'var(--text)',
  muted: 'var(--muted)',
  border: 'var(--border)',
  accent: 'var(--accent)',
  edge: 'var(--muted)',
  font: 'var(--sans)',
  mono: 'var(--mono)',
};

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Interaction {
  selected: string | null;
  focused: string | null;
  /** The open ids (aria-expanded; level, position and set size come from the tree item). */
  expanded: ReadonlySet<string>;
  onActivate: (id: string) => void;
  onKey: (e: KeyboardEvent<SVGElement>) => void;
  onFocus: (id: string) => void;
  label: string;
}

const NAME_SIZE = 12;
const DETAIL_SIZE = 11;
const EDGE_SIZE = 10;

function overlaps(b: { x: number; y: number; w: number; h: number }, r: Rect): boolean {
  return b.x < r.x1 && b.x + b.w > r.x0 && b.y < r.y1 && b.y + b.h > r.y0;
}

function edgeBounds(e: LayoutEdge, layout: GraphLayout): { x: number; y: number; w: number; h: number } {
  const a = layout.byId.get(e.from)!;
  const b = layout.byId.get(e.to)!;
  const x = Math.min(a.x, b.x);
  const y = a.y + a.h;
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w, e.labelX + 80) - x, h: Math.max(1, b.y - y) };
}

function Box({ box, look, palette, interaction, far }: { box: LayoutBox; look: BoxLook; palette: Palette; interaction?: Interaction; far: boolean }) {
  const { text } = look;
  const frame = box.shape === 'frame';
  const item = box.item;
  const expanded = interaction && item && expandable(item) ? interaction.expanded.has(item.id) : undefined;
  const selected = interaction?.selected === box.id;
  const ink = look.ink ?? (box.shape === 'terminal' ? palette.muted : palette.text);
  const chevron = expanded === undefined ? '' : expanded ? '▾ ' : '▸ ';
  const fill = frame ? 'none' : box.shape === 'terminal' ? palette.surface2 : (look.fill ?? palette.surface);
  const headerW = box.w - 20 - (look.value ? 70 : 0);
  const live = interaction !== undefined;
  /** Geometry as attributes (for any SVG reader) and, on screen, as styles too (CSS transitions move them). */
  const size = (w: number, h: number) => (live ? { width: w, height: h } : {});
  const parts: ReactNode[] = [];
  if (far) {
    parts.push(<rect key="box" className={frame ? 'g-frame' : 'g-box'} rx={frame ? 8 : 6} width={box.w} height={box.h} style={{ ...size(box.w, box.h), fill, stroke: palette.border, strokeWidth: frame ? 1.2 : 1 }} />);
  } else if (frame) {
    parts.push(
      <rect key="frame" className="g-frame" rx={8} width={box.w} height={box.h} style={{ ...size(box.w, box.h), fill: look.fill ?? 'none', fillOpacity: look.fill ? 0.16 : 1, stroke: palette.border, strokeWidth: 1.2 }} />,
      <text key="name" x={10} y={16} style={{ fontSize: NAME_SIZE, fontWeight: 600, fill: palette.text, stroke: palette.bg, strokeWidth: 4, paintOrder: 'stroke', strokeLinejoin: 'round' }}>
        {fit(`${chevron}${text.name} · ${text.detail}`, headerW, NAME_SIZE)}
      </text>,
    );
  } else {
    parts.push(<rect key="box" className="g-box" rx={box.shape === 'terminal' ? 14 : 6} width={box.w} height={box.h} style={{ ...size(box.w, box.h), fill, stroke: palette.border, strokeWidth: 1 }} />);
    if (box.shape === 'terminal') {
      parts.push(<text key="name" x={box.w / 2} y={18} textAnchor="middle" style={{ fontSize: NAME_SIZE, fill: ink }}>{text.name}</text>);
    } else {
      parts.push(
        <text key="name" x={10} y={box.shape === 'paths' ? 15 : 16} style={{ fontSize: NAME_SIZE, fontWeight: 600, fill: ink }}>{fit(`${chevron}${text.name}`, headerW, NAME_SIZE)}</text>,
      );
      if (box.shape === 'box') parts.push(<text key="detail" x={10} y={32} style={{ fontSize: DETAIL_SIZE, fill: ink, opacity: 0.85 }}>{fit(text.detail, box.w - 20, DETAIL_SIZE)}</text>);
    }
  }
  if (look.value && !far) {
    const halo = frame ? { stroke: palette.bg, strokeWidth: 4, paintOrder: 'stroke', strokeLinejoin: 'round' } as const : {};
    parts.push(<text key="value" className="g-value" x={box.w - 10} y={16} textAnchor="end" style={{ fontSize: DETAIL_SIZE, fill: frame ? palette.muted : ink, fontFamily: palette.mono, ...halo }}>{look.value}</text>);
  }
  if (box.paths && !far) {
    const p = box.paths;
    const cx = box.w / 2;
    const top = p.y - box.y;
    const fan: ReactNode[] = [];
    for (const m of p.marks) {
      const mx = m.x - box.x + m.w / 2;
      fan.push(<path key={`f${m.index}`} d={`M${cx},${top - 10} L${mx},${top} M${mx},${top + p.h} L${cx},${top + p.h + 10}`} style={{ stroke: ink, strokeOpacity: 0.45, strokeWidth: 0.8, fill: 'none' }} />);
      fan.push(<rect key={`m${m.index}`} x={m.x - box.x} y={top} width={m.w} height={p.h} rx={Math.min(3, m.w / 3)} style={{ fill: palette.surface, stroke: ink, strokeWidth: 0.8 }} />);
    }
    if (p.gapX !== null) fan.push(<text key="gap" x={p.gapX - box.x} y={top + p.h / 2 + 4} textAnchor="middle" style={{ fontSize: NAME_SIZE, fill: ink }}>…</text>);
    parts.push(<g key="paths" aria-hidden="true">{fan}</g>);
    parts.push(<text key="caption" x={cx} y={box.h - 8} textAnchor="middle" style={{ fontSize: DETAIL_SIZE, fill: ink }}>{fit(text.caption ?? text.detail, box.w - 16, DETAIL_SIZE)}</text>);
  }
  if (interaction && box.item) {
    const focused = interaction.focused === box.id;
    return (
      <g
        className={`g-item${selected ? ' selected' : ''}${frame ? ' open' : ''}`}
        transform={`translate(${box.x},${box.y})`}
        style={{ transform: `translate(${box.x}px, ${box.y}px)` }}
        role="treeitem"
        aria-label={text.label}
        aria-level={box.item.level}
        aria-setsize={box.item.siblings}
        aria-posinset={box.item.pos}
        aria-expanded={expanded}
        aria-selected={selected}
        tabIndex={focused ? 0 : -1}
        data-id={box.id}
        onClick={(e) => {
          e.stopPropagation();
          interaction.onActivate(box.id);
        }}
        onKeyDown={interaction.onKey}
        onFocus={() => interaction.onFocus(box.id)}
      >
        {parts}
        {frame && <rect className="g-hit" width={box.w} height={22} style={{ fill: 'transparent' }} />}
        <rect className="g-ring" x={-3} y={-3} rx={9} width={box.w + 6} height={(frame ? 22 : box.h) + 6} style={size(box.w + 6, (frame ? 22 : box.h) + 6)} />
      </g>
    );
  }
  return <g transform={`translate(${box.x},${box.y})`}>{parts}</g>;
}

/** The picture: everything, or (with `window`) the boxes and edges that reach into it plus `keep`. */
export const GraphDrawing = memo(function GraphDrawing(props: {
  layout: GraphLayout;
  look: (box: LayoutBox) => BoxLook;
  edgeLabel: (e: LayoutEdge) => string;
  palette: Palette;
  window?: Rect | null;
  keep?: readonly (string | null)[];
  interaction?: Interaction;
  /** Zoomed far out: boxes and edges, no words. */
  far?: boolean;
}) {
  const { layout, look, palette, window: win, interaction } = props;
  const far = props.far === true;
  const keep = new Set(props.keep ?? []);
  const shown = (b: LayoutBox) => !win || overlaps(b, win) || keep.has(b.id);
  const frames: ReactNode[] = [];
  const boxes: ReactNode[] = [];
  for (const b of layout.boxes) {
    if (!shown(b)) continue;
    const node = <Box key={b.id} box={b} look={look(b)} palette={palette} interaction={interaction} far={far} />;
    (b.shape === 'frame' ? frames : boxes).push(node);
  }
  const edges: ReactNode[] = [];
  const labels: ReactNode[] = [];
  for (const e of layout.edges) {
    if (win && !overlaps(edgeBounds(e, layout), win)) continue;
    const live = interaction ? { d: `path("${e.d}")` } : {};
    edges.push(<path key={e.id} className="g-edge" d={e.d} style={{ ...live, fill: 'none', stroke: palette.edge, strokeWidth: 1.3 } as CSSProperties} markerEnd="url(#g-arrow)" />);
    if (e.label && !far) labels.push(<text key={e.id} className="g-shape" x={e.labelX} y={e.labelY} style={{ fontSize: EDGE_SIZE, fill: palette.muted, fontFamily: palette.mono }}>{props.edgeLabel(e)}</text>);
  }
  const defs = (
    <defs>
      <marker id="g-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M0,0 L8,4 L0,8 z" style={{ fill: palette.edge }} />
      </marker>
    </defs>
  );
  return (
    <>
      {defs}
      <g role="none" className="g-edges" aria-hidden="true">{edges}</g>
      <g role="none" className="g-labels" aria-hidden="true">{labels}</g>
      <g role="none" className="g-frames">{frames}</g>
      <g role="none" className="g-boxes">{boxes}</g>
    </>
  );
});
