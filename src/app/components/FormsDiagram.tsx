/**
 * One block form as a diagram in the paper's style (Fig. 3): boxes "in, k x k, out", the C paths
 * drawn as the first two, an ellipsis and the last, the aggregation op, and each layer's params.
 * d3 computes the geometry (band and point scales); React renders the SVG.
 */
import { scaleBand, scalePoint } from 'd3';
import type { ReactNode } from 'react';
import type { BlockForm, FormLayer } from '../../analysis/forms.ts';
import { thousands } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import type { Translator } from '../i18n/translator.ts';

/** A layer's box label: the paper's "in, k x k, out" (technical), or the aggregation op in words. */
export function layerLabel(i18n: Translator, layer: FormLayer): string {
  return layer.role === 'concat' ? i18n.t('forms.view.concatenate') : layer.label;
}

const W = 330;
const ROW = 62;
const BOX_H = 24;
const ROWS = ['in', 'reduce', 'transform', 'mid', 'agg', 'out'] as const;
type RowName = (typeof ROWS)[number];

/** Columns for the paths: all when C <= 3, else path 1, path 2, an ellipsis and path C. */
function pathColumns(c: number): (number | 'dots')[] {
  if (c <= 3) return Array.from({ length: c }, (_, i) => i);
  return [0, 1, 'dots', c - 1];
}

function rowOf(form: BlockForm['form'], layer: FormLayer): RowName {
  if (layer.role === 'reduce' || layer.role === 'transform') return layer.role;
  if (layer.role === 'expand') return form === 'b' ? 'agg' : 'mid';
  return form === 'a' ? 'agg' : 'mid';
}

export function FormsDiagram({ form, inChannels, outChannels }: { form: BlockForm; inChannels: number; outChannels: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const y = scalePoint<RowName>().domain(ROWS).range([16, 16 + ROW * (ROWS.length - 1)]);
  const branches = Math.max(...form.layers.map((l) => l.branches));
  const columns = pathColumns(branches);
  const x = scaleBand<string>().domain(columns.map(String)).range([0, W]).paddingInner(0.12).paddingOuter(0.04);
  const centerX = W / 2;
  const height = (y('out') ?? 0) + 18;
  const cy = (r: RowName) => y(r) ?? 0;

  const nodes: ReactNode[] = [];
  const edges: ReactNode[] = [];
  const labels: ReactNode[] = [];

  const box = (key: string, cx: number, r: RowName, w: number, text: string, cls: string) => {
    nodes.push(
      <g key={key}>
        <rect className={`box ${cls}`} x={cx - w / 2} y={cy(r) - BOX_H / 2} width={w} height={BOX_H} rx={4} />
        <text x={cx} y={cy(r) + 4} textAnchor="middle">{text}</text>
      </g>,
    );
  };
  const line = (key: string, x1: number, y1: number, x2: number, y2: number) => {
    edges.push(<path key={key} className="edge" d={`M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`} />);
  };
  const colCenter = (c: number | 'dots') => (x(String(c)) ?? 0) + x.bandwidth() / 2;
  const top = (r: RowName) => cy(r) - BOX_H / 2;
  const bottom = (r: RowName) => cy(r) + BOX_H / 2;

  // Input and output terminals.
  nodes.push(<text key="in" x={centerX} y={cy('in') + 4} textAnchor="middle">{t('forms.diagram.in', { channels: inChannels })}</text>);
  nodes.push(<text key="out" x={centerX} y={cy('out') + 4} textAnchor="middle">{t('forms.diagram.out', { channels: outChannels })}</text>);

  let prevRow: RowName = 'in';
  let prevSplit = false;
  for (const layer of form.layers) {
    const r = rowOf(form.form, layer);
    const isOp = layer.role === 'sum' || layer.role === 'concat';
    const split = layer.branches > 1 && !isOp;
    const paramsText = layer.params <= 0 ? ''
      : layer.weightCopies > 1
        ? t('forms.diagram.copies', { copies: layer.weightCopies, each: thousands(layer.paramsEach), params: thousands(layer.params) })
        : t('forms.diagram.params', { params: thousands(layer.params) });
    if (split) {
      for (const c of columns) {
        const cx = colCenter(c);
        if (c === 'dots') {
          nodes.push(<text key={`${r}-dots`} className="dots" x={cx} y={cy(r) + 5} textAnchor="middle">…</text>);
          continue;
        }
        box(`${r}-${c}`, cx, r, x.bandwidth(), `${layer.inChannels},${layer.kernel}x${layer.kernel},${layer.outChannels}`, layer.role);
        line(`${r}-${c}-e`, prevSplit ? cx : centerX, prevRow === 'in' ? cy('in') + 8 : bottom(prevRow), cx, top(r));
      }
    } else if (isOp) {
      if (layer.role === 'sum') {
        nodes.push(<g key={`${r}-op`}><circle className="op" cx={centerX} cy={cy(r)} r={11} /><text x={centerX} y={cy(r) + 4} textAnchor="middle">+</text></g>);
      } else {
        box(`${r}-op`, centerX, r, 150, t('forms.diagram.concat', { channels: layer.outChannels }), 'op');
      }
      for (const c of columns) if (c !== 'dots') line(`${r}-${c}-in`, colCenter(c), bottom(prevRow), centerX, cy(r) - (layer.role === 'sum' ? 11 : BOX_H / 2));
    } else {
      const w = layer.groups > 1 ? 240 : 190;
      box(`${r}-one`, centerX, r, w, layer.label.replace(/, /g, ', '), layer.role);
      if (prevSplit) {
        for (const c of columns) if (c !== 'dots') line(`${r}-${c}-in`, colCenter(c), bottom(prevRow), centerX, top(r));
      } else {
        line(`${r}-e`, centerX, prevRow === 'in' ? cy('in') + 8 : prevRow === 'agg' && form.form === 'a' ? cy(prevRow) + 11 : bottom(prevRow), centerX, top(r));
      }
    }
    if (paramsText) labels.push(<text key={`${r}-p`} className="params" x={centerX} y={bottom(r) + 13} textAnchor="middle">{paramsText}</text>);
    prevRow = r;
    prevSplit = split;
  }
  // Last layer to the output.
  const lastRow = prevRow;
  if (prevSplit) {
    for (const c of columns) if (c !== 'dots') line(`out-${c}`, colCenter(c), bottom(lastRow), centerX, cy('out') - 10);
  } else {
    line('out-e', centerX, lastRow === 'agg' && form.form === 'a' ? cy(lastRow) + 11 : bottom(lastRow), centerX, cy('out') - 10);
  }

  return (
    <svg className="diagram" viewBox={`-6 0 ${W + 12} ${height}`} role="img"
      aria-label={t('forms.diagram.label', { form: form.form, layers: form.layers.map((l) => layerLabel(i18n, l)).join(t('forms.diagram.then')) })}>
      {edges}
      {nodes}
      {labels}
    </svg>
  );
}
