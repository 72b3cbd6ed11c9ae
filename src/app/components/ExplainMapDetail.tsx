/**
 * One channel map enlarged, with its numbers: float32 values from the engine, drawn cell by cell
 * (the value written in each cell when the cells are big enough), the value under the pointer,
 * its statistics, and the whole grid of numbers as a table for maps up to 32x32.
 */
import { useEffect, useRef, useState, type MouseEvent } from 'react';
import type { ExplainMap } from '../../model/engine/protocol.ts';
import { ColorLegend, paint, scaleDomain, short, type ScaleKind } from './ExplainColors.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { TableWrap } from './TableWrap.tsx';

const SIDE = 336;

export function ExplainMapDetail({ map, kind, onClose }: { map: ExplainMap; kind: ScaleKind; onClose: () => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLCanvasElement>(null);
  const { width: w, height: h, values } = map;
  const cell = Math.max(2, Math.floor(SIDE / Math.max(w, h)));
  const domain = scaleDomain(kind, map.min, map.max);
  const [at, setAt] = useState<{ r: number; c: number } | null>(null);
  const writes = cell >= 30;
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const rgba = new Uint8ClampedArray(w * h * 4);
    paint(values, domain, kind, rgba);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const p = (r * w + c) * 4;
        ctx.fillStyle = `rgb(${rgba[p]}, ${rgba[p + 1]}, ${rgba[p + 2]})`;
        ctx.fillRect(c * cell, r * cell, cell, cell);
        if (writes) {
          const lum = 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
          ctx.fillStyle = lum > 140 ? '#000' : '#fff';
          ctx.font = `${Math.min(12, Math.floor(cell / 3.2))}px ui-monospace, monospace`;
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText(short(values[r * w + c]), c * cell + cell / 2, r * cell + cell / 2);
        }
      }
    }
  }, [values, w, h, cell, kind, writes, domain[0], domain[1]]);
  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const c = Math.floor(((e.clientX - box.left) / box.width) * w);
    const r = Math.floor(((e.clientY - box.top) / box.height) * h);
    setAt(r >= 0 && r < h && c >= 0 && c < w ? { r, c } : null);
  };
  const title = t('xp.mapTitle', { channel: map.channel, layer: map.layer });
  return (
    <section className="card xp-detail" role="region" aria-label={title}>
      <div className="xp-detail-head">
        <h3>{title}</h3>
        <button type="button" onClick={onClose}>{t('xp.close')}</button>
      </div>
      <div className="xp-detail-body">
        <canvas
          ref={ref}
          width={w * cell}
          height={h * cell}
          role="img"
          aria-label={t('xp.mapImage', { h, w, min: short(map.min), max: short(map.max) })}
          onMouseMove={onMove}
          onMouseLeave={() => setAt(null)}
        />
        <div>
          <dl className="xp-stats">
            <div><dt>{t('xp.size')}</dt><dd>{h}×{w}</dd></div>
            <div><dt>{t('xp.min')}</dt><dd data-testid="map-min">{short(map.min)}</dd></div>
            <div><dt>{t('xp.max')}</dt><dd data-testid="map-max">{short(map.max)}</dd></div>
            <div><dt>{t('xp.mean')}</dt><dd>{short(map.mean)}</dd></div>
            <div><dt>{t('xp.nonPositive')}</dt><dd>{(map.zeros * 100).toFixed(1)} %</dd></div>
          </dl>
          <p className="small xp-mono" aria-live="polite">{at ? t('xp.cell', { r: at.r, c: at.c, value: values[at.r * w + at.c].toPrecision(6) }) : t('xp.pointAt')}</p>
          <ColorLegend kind={kind} domain={domain} label={t('xp.mapScale')} />
        </div>
      </div>
      {w * h <= 1024 && (
        <details className="xp-numbers">
          <summary>{t('xp.numbers', { h, w })}</summary>
          <TableWrap>
            <table className="data num">
              <tbody>
                {Array.from({ length: h }, (_, r) => (
                  <tr key={r}>{Array.from({ length: w }, (_, c) => <td key={c}>{short(values[r * w + c])}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </details>
      )}
    </section>
  );
}
