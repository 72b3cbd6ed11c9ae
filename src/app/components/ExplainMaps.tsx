/**
 * A layer's channel maps drawn on canvas: a grid sorted by mean activation (or by channel), paged
 * (256 maps a page, so 2048 channels are 8 pages), one colour scale with its legend, each map a
 * button that enlarges it. For the grouped 3x3 conv and the layers around it, the channels can be
 * arranged by the C paths of form (a), with per-path statistics.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { channelsByMean, groupStats, type FeatureMaps } from '../../model/feature-maps.ts';
import { ColorLegend, paint, scaleDomain, scaleLut, short, type ScaleKind } from './ExplainColors.tsx';
import { ExplainGroupTable } from './ExplainGroups.tsx';
import { useI18n } from '../i18n/I18n.tsx';

const PAGE_SIZE = 256;

type Scale = 'layer' | 'map';

/** The colour scale of a layer: diverging where it has negative values, sequential (after a ReLU) otherwise. */
export function layerScaleKind(maps: FeatureMaps): ScaleKind {
  return maps.histogram.lo < 0 ? 'diverging' : 'sequential';
}

function MapTile({ maps, k, kind, scale, onOpen }: { maps: FeatureMaps; k: number; kind: ScaleKind; scale: Scale; onOpen: (k: number) => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLCanvasElement>(null);
  const { width: w, height: h } = maps;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(w, h);
    const hw = w * h;
    const lo = maps.min[k];
    const step = (maps.max[k] - lo) / 255;
    const domain = scale === 'map' ? scaleDomain(kind, maps.min[k], maps.max[k]) : scaleDomain(kind, maps.histogram.lo, maps.histogram.hi);
    if (maps.encoding === 'uint8' && scale === 'map' && kind === 'sequential' && step > 0) {
      // The payload is already this map's 0..255 ramp: index the colour table directly.
      const table = scaleLut(kind);
      const src = maps.data.subarray(k * hw, (k + 1) * hw);
      for (let p = 0; p < hw; p++) {
        const i = src[p] * 3;
        img.data[p * 4] = table[i];
        img.data[p * 4 + 1] = table[i + 1];
        img.data[p * 4 + 2] = table[i + 2];
        img.data[p * 4 + 3] = 255;
      }
    } else {
      const values = new Float32Array(hw);
      const src = maps.data.subarray(k * hw, (k + 1) * hw);
      if (maps.encoding === 'uint8') for (let p = 0; p < hw; p++) values[p] = lo + src[p] * step;
      else if (maps.encoding === 'float32') values.set(src);
      else throw new Error('the grid draws uint8 or float32 maps');
      paint(values, domain, kind, img.data);
    }
    ctx.putImageData(img, 0, 0);
  }, [maps, k, kind, scale, w, h]);
  const label = t('xp.tile', { k, mean: short(maps.mean[k]), max: short(maps.max[k]), zeros: (maps.zeros[k] * 100).toFixed(0) });
  return (
    <button type="button" className="xp-tile" aria-label={label} title={label} onClick={() => onOpen(k)}>
      <canvas ref={ref} width={w} height={h} aria-hidden="true" />
      <span className="xp-tile-k small">{k}</span>
    </button>
  );
}

function Pager({ page, pages, first, last, total, what, onPage }: { page: number; pages: number; first: number; last: number; total: number; what: 'channels' | 'paths'; onPage: (p: number) => void }) {
  const { t } = useI18n();
  if (pages <= 1) return <p className="small muted">{t(what === 'paths' ? 'xp.countPaths' : 'xp.count', { total })}</p>;
  return (
    <div className="toolbar actions xp-pager" role="group" aria-label={t('xp.pages')}>
      <button type="button" aria-label={t('xp.prevPage')} disabled={page === 0} onClick={() => onPage(page - 1)}>{t('xp.prev')}</button>
      <span className="small" aria-live="polite">{t(what === 'paths' ? 'xp.rangePaths' : 'xp.range', { first, last, total, page: page + 1, pages })}</span>
      <button type="button" aria-label={t('xp.nextPage')} disabled={page === pages - 1} onClick={() => onPage(page + 1)}>{t('xp.next')}</button>
    </div>
  );
}

export function ExplainMaps({ maps, groups, onOpen }: { maps: FeatureMaps; groups: { groups: number; perGroup: number; conv: string } | null; onOpen: (k: number) => void }) {
  const { t } = useI18n();
  const [order, setOrder] = useState<'mean' | 'index'>('mean');
  const [scale, setScale] = useState<Scale>('map');
  const [byGroup, setByGroup] = useState(false);
  const [page, setPage] = useState(0);
  const arranged = byGroup && groups !== null;
  const kind = layerScaleKind(maps);
  const sorted = useMemo(() => (order === 'mean' ? channelsByMean(maps) : [...maps.mean.keys()]), [maps, order]);
  const stats = useMemo(() => (groups ? groupStats(maps, groups.groups) : null), [maps, groups]);
  // A new layer starts on the first page.
  useEffect(() => setPage(0), [maps.layer, arranged, order]);

  const perPage = arranged ? Math.max(1, Math.floor(PAGE_SIZE / groups!.perGroup)) : PAGE_SIZE;
  const total = arranged ? groups!.groups : maps.channels;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const at = Math.min(page, pages - 1);
  const from = at * perPage;
  const to = Math.min(total, from + perPage);
  const domain: [number, number] = scale === 'layer' ? scaleDomain(kind, maps.histogram.lo, maps.histogram.hi) : [0, 1];

  const tiles = (channels: number[]) => channels.map((k) => <MapTile key={k} maps={maps} k={k} kind={kind} scale={scale} onOpen={onOpen} />);
  return (
    <div className="xp-maps">
      <div className="toolbar actions">
        <fieldset className="segmented">
          <legend>{t('xp.order')}</legend>
          <label className={order === 'mean' ? 'on' : ''}><input type="radio" name="xp-order" checked={order === 'mean'} onChange={() => setOrder('mean')} />{t('xp.byMean')}</label>
          <label className={order === 'index' ? 'on' : ''}><input type="radio" name="xp-order" checked={order === 'index'} onChange={() => setOrder('index')} />{t('xp.byChannel')}</label>
        </fieldset>
        <fieldset className="segmented">
          <legend>{t('xp.colourScale')}</legend>
          <label className={scale === 'map' ? 'on' : ''}><input type="radio" name="xp-scale" checked={scale === 'map'} onChange={() => setScale('map')} />{t('xp.eachMap')}</label>
          <label className={scale === 'layer' ? 'on' : ''}><input type="radio" name="xp-scale" checked={scale === 'layer'} onChange={() => setScale('layer')} />{t('xp.wholeLayer')}</label>
        </fieldset>
        {groups && (
          <label className="switch">
            <input type="checkbox" checked={byGroup} onChange={(e) => setByGroup(e.target.checked)} />
            {t('xp.arrange', { groups: groups.groups, perGroup: groups.perGroup })}
          </label>
        )}
      </div>
      {scale === 'layer'
        ? <ColorLegend kind={kind} domain={domain} label={t(kind === 'diverging' ? 'xp.legendLayerDiverging' : 'xp.legendLayerSequential')} />
        : <ColorLegend kind={kind === 'diverging' ? 'diverging' : 'sequential'} domain={kind === 'diverging' ? [-1, 1] : [0, 1]} label={t(kind === 'diverging' ? 'xp.legendMapDiverging' : 'xp.legendMapSequential')} />}
      {arranged && stats ? (
        <>
          <p className="small">{t('xp.pathsNote', { groups: groups!.groups, perGroup: groups!.perGroup, last: groups!.perGroup - 1, conv: groups!.conv })}</p>
          <ExplainGroupTable stats={stats} />
          <Pager page={at} pages={pages} first={from + 1} last={to} total={total} what="paths" onPage={setPage} />
          <div className="xp-groups">
            {stats.slice(from, to).map((g) => {
              const channels = Array.from({ length: g.size }, (_, i) => g.first + i);
              if (order === 'mean') channels.sort((a, b) => maps.mean[b] - maps.mean[a] || a - b);
              return (
                <section key={g.group} className="xp-group" aria-label={t('xp.pathLabel', { path: g.group + 1, groups: groups!.groups, first: g.first, last: g.first + g.size - 1 })}>
                  <h4 className="small">{t('xp.pathHead', { path: g.group + 1 })} <span className="muted">{t('xp.pathStats', { first: g.first, last: g.first + g.size - 1, mean: short(g.mean), max: short(g.max), zeros: (g.zeros * 100).toFixed(0) })}</span></h4>
                  <div className="xp-grid">{tiles(channels)}</div>
                </section>
              );
            })}
          </div>
        </>
      ) : (
        <>
          <Pager page={at} pages={pages} first={from + 1} last={to} total={total} what="channels" onPage={setPage} />
          <div className="xp-grid" role="group" aria-label={t('xp.channelMaps', { layer: maps.layer })}>{tiles(sorted.slice(from, to))}</div>
        </>
      )}
    </div>
  );
}
