/**
 * View: the whole network as a graph, from the one layer graph. Stages open into blocks, blocks into
 * their branch, shortcut and sum, attention modules into their calls, a grouped conv into its C paths;
 * nodes are coloured by MACs, params, activation memory or predicted time (the Cost view's settings).
 * Geometry is graphLayout.ts, words graphLabels.ts, numbers graphFigures.ts; d3 pans and zooms and
 * makes the colour scale; React draws (components/GraphDrawing.tsx). Only the boxes in view are in the
 * DOM; the exports draw them all.
 */
import { memoryDtype } from '../../analysis/timing/precision.ts';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { select, transition, zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3';
import { graphOf } from '../graphs.ts';
import { costOptionsOf, exactPreset, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { conventionLabel, deviceLabel } from '../i18n/data.ts';
import { chosenDevice, measureBrowser, useBrowserSpeed } from '../browserSpeed.ts';
import { BROWSER_DEVICE } from '../../analysis/devices.ts';
import { CostError } from '../../analysis/cost.ts';
import { expandable, findItem, graphTree, isOpen, isVisible, levelExpansion, orderedIds, visibleItems, type GraphTree, type TreeItem } from '../graphTree.ts';
import { layoutGraph, type LayoutBox } from '../graphLayout.ts';
import { itemValue, MEASURES, nodeFigures, predictedTimes, type Measure, type NodeFigures, type NodeTimes } from '../graphFigures.ts';
import { boxText, itemShape, measureText, shapeText } from '../graphLabels.ts';
import { CSS_PALETTE, GraphDrawing, type Interaction, type Rect } from '../components/GraphDrawing.tsx';
import { boxLooks, interpolate, type Scale, type TextCache } from '../graphColours.ts';
import { exportPng, exportSvg } from '../graphExport.tsx';
import { thousands } from '../format.ts';
import { msText } from '../components/RooflineChart.tsx';
import { humanBytes } from '../../analysis/cost.ts';
import { useMediaQuery } from '../useMediaQuery.ts';
import './graph.css';
import { ViewHead } from '../components/ViewHead.tsx';
import { StateSelect } from '../components/StateSelect.tsx';

const MIN_SCALE = 0.005;
const MAX_SCALE = 3;
/** Below this zoom the words are too small to read: boxes and edges only. */
const FAR_SCALE = 0.45;
const MOTION_MS = 240;

function Legend({ scale, measure }: { scale: Scale | null; measure: Measure }) {
  const { t } = useI18n();
  if (!scale) return <p className="graph-legend muted small">{t('graph.legendNone')}</p>;
  const stops = Array.from({ length: 9 }, (_, i) => interpolate(i / 8)).join(', ');
  return (
    <div className="graph-legend" role="group" aria-label={t('graph.legend')}>
      <span className="small">{t(`graph.measure.${measure}`)}</span>
      <span className="ramp" style={{ background: `linear-gradient(to right, ${stops})` }} aria-hidden="true" />
      <span className="small">{t('graph.legendRange', { low: measureText(measure, scale.low), high: measureText(measure, scale.high) })}</span>
      <span className="small"><span className="swatch" aria-hidden="true" /> {t('graph.legendZero')}</span>
    </div>
  );
}

/** The selected item's numbers and the ways to it in the other views. */
function Details({ item, tree, figures, times, state, onReveal }: {
  item: TreeItem | null;
  tree: GraphTree;
  figures: NodeFigures;
  times: NodeTimes | null;
  state: AppState;
  onReveal: (view: 'layers' | 'table' | 'cost') => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  if (!item) return <p className="hint">{t('graph.selectHint')}</p>;
  const graph = tree.graph;
  const sum = (m: Measure) => itemValue(item, m, figures, times);
  const node = item.node !== null ? graph.nodes[item.node] : null;
  const layer = item.kind === 'layer' && node ? node : null;
  const text = boxText(i18n, graph, { id: item.id, item, x: 0, y: 0, w: 0, h: 0, shape: 'box' });
  const bytes = sum('memory')!;
  const ms = sum('time');
  const kernel = layer && times ? times.kernelOf[layer.index] : -1;
  let timeText: string;
  if (!times) timeText = '—';
  else if (layer && kernel < 0) timeText = t('graph.detail.view');
  else if (layer && kernel !== layer.index) timeText = t('graph.detail.fused', { kernel: graph.nodes[kernel].name });
  else timeText = `${msText(ms ?? 0)} · ${t('graph.detail.share', { share: `${(((ms ?? 0) / times.total) * 100).toFixed(1)} %` })}`;
  const hasKernel = times !== null && item.nodes.some((n) => times.kernelOf[n] >= 0);
  return (
    <section className="card graph-details" aria-label={t('graph.details')} aria-live="polite">
      <h3><code>{item.kind === 'stage' ? text.name : item.id}</code> <span className="muted">{text.detail}</span></h3>
      <dl>
        <div><dt>{t('graph.detail.kind')}</dt><dd>{node?.module ?? (node ? node.kind : item.kind === 'stage' ? text.name : '—')}</dd></div>
        <div><dt>{t('graph.detail.output')}</dt><dd className="num">{shapeText(itemShape(graph, item))}</dd></div>
        <div><dt>{t('graph.detail.params')}</dt><dd className="num">{thousands(sum('params')!)}</dd></div>
        <div><dt>{t('graph.detail.macs', { convention: conventionLabel(i18n, state.convention) })}</dt><dd className="num">{thousands(sum('macs')!)}</dd></div>
        <div>
          <dt>{t('graph.detail.memory')}</dt>
          <dd className={layer && figures.inPlace[layer.index] ? '' : 'num'}>{layer && figures.inPlace[layer.index] ? t('graph.detail.inPlace') : humanBytes(bytes)}</dd>
        </div>
        <div><dt>{t('graph.detail.time')}</dt><dd>{timeText}</dd></div>
        {item.paths > 1 && layer?.kind === 'conv' && (
          <div><dt>{t('graph.detail.paths')}</dt><dd>{t('graph.detail.pathsValue', { count: item.paths, width: layer.conv.inChannels / item.paths })}</dd></div>
        )}
        {item.kind !== 'layer' && <div><dt>{t('graph.detail.nodes')}</dt><dd className="num">{item.nodes.length}</dd></div>}
      </dl>
      <div className="toolbar actions">
        <button type="button" onClick={() => onReveal('layers')}>{t('graph.link.layers')}</button>
        <button type="button" onClick={() => onReveal('table')}>{t('graph.link.table')}</button>
        {hasKernel && <button type="button" onClick={() => onReveal('cost')}>{t('graph.link.cost')}</button>}
      </div>
    </section>
  );
}

export function GraphView({ state }: { state: AppState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const store = useStore();
  const phone = useMediaQuery('(max-width: 860px)');
  const reduced = useMediaQuery('(prefers-reduced-motion: reduce)');
  const graph = graphOf(state.config);
  const tree = useMemo(() => graphTree(graph), [graph]);
  const expanded = useMemo(() => new Set(state.graphOpen.filter((id) => tree.byId.has(id))), [state.graphOpen, tree]);
  const layout = useMemo(() => layoutGraph(tree, expanded), [tree, expanded]);
  const order = useMemo(() => visibleItems(tree, expanded), [tree, expanded]);

  const speed = useBrowserSpeed();
  const device = useMemo(() => chosenDevice(state.device, speed), [state.device, speed]);
  useEffect(() => {
    if (state.colour === 'time' && state.device === BROWSER_DEVICE && speed.status === 'idle') void measureBrowser(state.backend);
  }, [state.colour, state.device, state.backend, speed.status]);
  const figures = useMemo(() => nodeFigures(graph, state.convention, state.batch, memoryDtype(state.dtype)), [graph, state.convention, state.batch, state.dtype]);
  const times = useMemo((): NodeTimes | null => {
    if (!device) return null;
    try {
      return predictedTimes(graph, { ...costOptionsOf(state, device), gpus: 1 });
    } catch (e) {
      if (e instanceof CostError) return null;
      throw e;
    }
  }, [graph, device, state.batch, state.dtype, state.layout, state.optimizer]);
  const texts = useMemo((): TextCache => new Map(), [tree, i18n]);
  const { look, scale } = useMemo(() => boxLooks(i18n, tree, layout, state.colour, figures, times, texts), [i18n, tree, layout, state.colour, figures, times, texts]);

  const selectedItem = state.layer !== null ? findItem(tree, state.layer) : null;
  const selected = selectedItem?.id ?? null;
  // Focus stays on a visible item: the selection, or its nearest visible ancestor, or the first stage.
  const [focusId, setFocusId] = useState<string | null>(null);
  const focusItem = (() => {
    let it: TreeItem | null = (focusId ? tree.byId.get(focusId) : null) ?? selectedItem ?? tree.roots[0];
    while (it && !isVisible(it, expanded)) it = it.parent;
    return it ?? tree.roots[0];
  })();

  const svgRef = useRef<SVGSVGElement>(null);
  const viewRef = useRef<SVGGElement>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const transformRef = useRef<ZoomTransform>(zoomIdentity);
  const sizeRef = useRef({ w: 800, h: 600 });
  const [win, setWin] = useState<Rect | null>(null);
  // Zoomed far out the words would be specks: boxes and edges only (fewer elements, too).
  const [far, setFar] = useState(false);
  const farRef = useRef(false);
  const winRef = useRef<Rect | null>(null);
  const anchorRef = useRef<{ id: string; x: number; y: number } | null>(null);
  const focusAfter = useRef(false);
  const [status, setStatus] = useState('');

  /** The part of the drawing on screen, in layout units. */
  const visibleRect = (tr: ZoomTransform): Rect => {
    const { w, h } = sizeRef.current;
    return { x0: -tr.x / tr.k, y0: -tr.y / tr.k, x1: (w - tr.x) / tr.k, y1: (h - tr.y) / tr.k };
  };
  /** Re-cull when the screen leaves the drawn window (drawn: the screen plus half a screen around it). */
  const updateWindow = (tr: ZoomTransform, force = false) => {
    const v = visibleRect(tr);
    const cur = winRef.current;
    if (!force && cur && v.x0 >= cur.x0 && v.y0 >= cur.y0 && v.x1 <= cur.x1 && v.y1 <= cur.y1) return;
    const mx = (v.x1 - v.x0) / 2;
    const my = (v.y1 - v.y0) / 2;
    const next = { x0: v.x0 - mx, y0: v.y0 - my, x1: v.x1 + mx, y1: v.y1 + my };
    winRef.current = next;
    setWin(next);
  };

  const move = (tr: ZoomTransform, animate: boolean) => {
    const svg = svgRef.current;
    const z = zoomRef.current;
    if (!svg || !z) return;
    if (animate && !reduced) select(svg).transition(transition().duration(MOTION_MS)).call(z.transform, tr);
    else select(svg).call(z.transform, tr);
  };

  // Pan and zoom: d3-zoom on the svg (wheel, drag, pinch); the transform goes straight to the DOM. Set up
  // before the first placement below (layout effects run in order).
  useLayoutEffect(() => {
    const svg = svgRef.current!;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, MAX_SCALE])
      .on('zoom', (e: { transform: ZoomTransform }) => {
        transformRef.current = e.transform;
        viewRef.current?.setAttribute('transform', e.transform.toString());
        const isFar = e.transform.k < FAR_SCALE;
        if (isFar !== farRef.current) {
          farRef.current = isFar;
          setFar(isFar);
        }
        updateWindow(e.transform);
      });
    zoomRef.current = z;
    select(svg).call(z).on('dblclick.zoom', null);
    const ro = new ResizeObserver(() => {
      sizeRef.current = { w: svg.clientWidth, h: svg.clientHeight };
      updateWindow(transformRef.current, true);
    });
    ro.observe(svg);
    sizeRef.current = { w: svg.clientWidth, h: svg.clientHeight };
    return () => {
      ro.disconnect();
      select(svg).on('.zoom', null);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  /**
   * Fit the drawing's width (at most 1:1), the top in view; or show a box: its words readable (a wide
   * open block is shown from its left, its branch first, on a phone), a frame from its header.
   */
  const home = (center: LayoutBox | null, animate: boolean) => {
    const { w, h } = sizeRef.current;
    if (center) {
      const k = Math.max(Math.min(1, (w - 16) / Math.min(Math.max(center.w, 240), 420)), 0.35);
      const x = center.w * k <= w - 16 ? w / 2 - (center.x + center.w / 2) * k : 8 - center.x * k;
      const y = center.shape === 'frame' ? 8 - center.y * k : h / 3 - center.y * k;
      move(zoomIdentity.translate(x, y).scale(k), animate);
      return;
    }
    const k = Math.min(1, (w - 8) / layout.width);
    move(zoomIdentity.translate(Math.max(0, (w - layout.width * k) / 2), 4).scale(k), animate);
  };

  // A new network: start from the top, or from the selection a link or another view asked for.
  useLayoutEffect(() => {
    const box = selected ? layout.byId.get(selected) : undefined;
    home(box ?? null, false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tree]);

  // After an open or a close: the item clicked stays where it was on screen; the keyboard's focus follows.
  useLayoutEffect(() => {
    const a = anchorRef.current;
    anchorRef.current = null;
    if (a) {
      const box = layout.byId.get(a.id);
      if (box) {
        const k = transformRef.current.k;
        move(zoomIdentity.translate(a.x - box.x * k, a.y - box.y * k).scale(k), true);
      }
    }
    updateWindow(transformRef.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);

  useEffect(() => {
    if (!focusAfter.current) return;
    focusAfter.current = false;
    const el = viewRef.current?.querySelector<SVGGElement>(`[data-id="${CSS.escape(focusItem.id)}"]`);
    el?.focus({ preventScroll: true });
  });

  const select1 = (id: string) => store.update((s) => (s.layer === id ? s : { ...s, layer: id }), { coalesce: 'graph-select' });

  const toggle = (id: string) => {
    const box = layout.byId.get(id);
    const tr = transformRef.current;
    if (box) anchorRef.current = { id, x: box.x * tr.k + tr.x, y: box.y * tr.k + tr.y };
    const next = new Set(expanded);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    store.update((s) => ({ ...s, graphOpen: orderedIds(tree, next), layer: id }), { coalesce: 'graph-open' });
  };

  /** Keeps a box on screen: pans the least that shows it. */
  const showBox = (id: string) => {
    const box = layout.byId.get(id);
    if (!box) return;
    const tr = transformRef.current;
    const { w, h } = sizeRef.current;
    const x0 = box.x * tr.k + tr.x;
    const y0 = box.y * tr.k + tr.y;
    const bw = Math.min(box.w, 260) * tr.k;
    const bh = Math.min(box.h, 60) * tr.k;
    let dx = 0;
    let dy = 0;
    if (x0 < 8) dx = 8 - x0;
    else if (x0 + bw > w - 8) dx = w - 8 - (x0 + bw);
    if (y0 < 8) dy = 8 - y0;
    else if (y0 + bh > h - 8) dy = h - 8 - (y0 + bh);
    if (dx !== 0 || dy !== 0) move(zoomIdentity.translate(tr.x + dx, tr.y + dy).scale(tr.k), true);
  };

  const focusOn = (item: TreeItem) => {
    setFocusId(item.id);
    focusAfter.current = true;
    select1(item.id);
    showBox(item.id);
  };

  const onKey = (e: KeyboardEvent<SVGElement>) => {
    const current = tree.byId.get((e.currentTarget as SVGElement).dataset.id ?? '') ?? focusItem;
    const i = order.indexOf(current);
    let next: TreeItem | null = null;
    switch (e.key) {
      case 'ArrowDown': next = order[Math.min(i + 1, order.length - 1)]; break;
      case 'ArrowUp': next = order[Math.max(i - 1, 0)]; break;
      case 'Home': next = order[0]; break;
      case 'End': next = order[order.length - 1]; break;
      case 'ArrowRight':
        if (expandable(current) && !expanded.has(current.id)) {
          focusAfter.current = true;
          toggle(current.id);
        } else if (current.children.length > 0) next = current.children[0];
        break;
      case 'ArrowLeft':
        if (isOpen(current, expanded)) {
          focusAfter.current = true;
          toggle(current.id);
        } else if (current.parent) next = current.parent;
        break;
      case 'Enter':
      case ' ':
        if (expandable(current)) {
          focusAfter.current = true;
          toggle(current.id);
        } else select1(current.id);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
    if (next) focusOn(next);
  };

  const activate = (id: string) => {
    const item = tree.byId.get(id)!;
    setFocusId(id);
    if (expandable(item)) toggle(id);
    else select1(id);
  };

  // The drawing re-renders only when what it shows changes: its handlers read the latest closures through a ref.
  const handlers = useRef({ activate, onKey, focusId });
  handlers.current = { activate, onKey, focusId };
  const label = t('graph.tree', { items: order.length });
  const interaction = useMemo((): Interaction => ({
    selected,
    focused: focusItem.id,
    expanded,
    onActivate: (id) => handlers.current.activate(id),
    onKey: (e) => handlers.current.onKey(e),
    onFocus: (id) => {
      if (id !== handlers.current.focusId) setFocusId(id);
    },
    label,
  }), [selected, focusItem.id, expanded, label]);

  const setLevel = (level: 'stages' | 'blocks' | 'layers') => {
    const open = levelExpansion(tree, level);
    // Modules and grouped convs keep their state inside what stays open.
    for (const id of expanded) if (tree.byId.get(id)!.kind === 'module' || tree.byId.get(id)!.kind === 'layer') open.add(id);
    store.update((s) => ({ ...s, graphOpen: orderedIds(tree, open) }), { coalesce: 'graph-open' });
  };

  const fitAll = () => {
    const { w, h } = sizeRef.current;
    const k = Math.max(MIN_SCALE, Math.min(1.5, (w - 16) / layout.width, (h - 16) / layout.height));
    move(zoomIdentity.translate((w - layout.width * k) / 2, (h - layout.height * k) / 2).scale(k), true);
  };
  const zoomBy = (f: number) => {
    const svg = svgRef.current;
    if (svg && zoomRef.current) {
      const s = select(svg);
      (reduced ? s : s.transition(transition().duration(MOTION_MS))).call(zoomRef.current.scaleBy, f);
    }
  };

  // The selection is the app's: the other views show it. The layer list drops its filter so that the row is there.
  const reveal = (view: 'layers' | 'table' | 'cost') => store.update((s) => ({ ...s, view, filter: view === 'layers' ? '' : s.filter }));

  const base = exactPreset(state.config) ?? 'network';
  const edgeLabel = useCallback((e: { node: number }) => shapeText(e.node < 0 ? graph.inputShape : graph.nodes[e.node].outShape), [graph]);
  const drawingProps = { layout, look, edgeLabel };
  const keep = useMemo(() => [focusItem.id, selected], [focusItem.id, selected]);
  const settingsLine = device
    ? t('graph.settings', { batch: thousands(state.batch), dtype: times?.dtype ?? state.dtype, device: deviceLabel(i18n, device) })
    : state.device === BROWSER_DEVICE && speed.status === 'measuring' ? t('graph.timeMeasuring') : '';
  const doExport = async (kind: 'svg' | 'png') => {
    const file = `${base}.graph.${kind}`;
    try {
      const title = `${base} · ${t(`graph.measure.${state.colour}`)}`;
      if (kind === 'svg') exportSvg(file, drawingProps, scale, title);
      else await exportPng(file, drawingProps, scale, title);
      setStatus(t('graph.exported', { file }));
    } catch (e) {
      setStatus(t('graph.exportFailed', { error: i18n.error(e) }));
    }
  };

  return (
    <div className="view graph-view">
      <ViewHead title={t('graph.title')} note={t('graph.titleNote')} lede={t('graph.lede')} />
      <div className="toolbar graph-controls">
        <div className="control-group" role="group" aria-labelledby="graph-open-label">
          <span id="graph-open-label" className="group-label" title={t('graph.showHint')}>{t('graph.show')}</span>
          <div className="buttons">
            {(['stages', 'blocks', 'layers'] as const).map((l) => (
              <button key={l} type="button" onClick={() => setLevel(l)}>{t(`graph.show.${l}`)}</button>
            ))}
          </div>
        </div>
        <div className="field">
          <label htmlFor="graph-colour">{t('graph.colourBy')}</label>
          <StateSelect id="graph-colour" state={state} field="colour" options={MEASURES} label={(m) => t(`graph.measure.${m}`)} />
        </div>
        <div className="buttons zoom">
          <button type="button" onClick={fitAll}>{t('graph.fit')}</button>
          <button type="button" aria-label={t('graph.zoomOut')} title={t('graph.zoomOut')} onClick={() => zoomBy(1 / 1.5)}>−</button>
          <button type="button" aria-label={t('graph.zoomIn')} title={t('graph.zoomIn')} onClick={() => zoomBy(1.5)}>+</button>
        </div>
        <div className="buttons">
          <button type="button" onClick={() => void doExport('svg')}>{t('graph.exportSvg')}</button>
          <button type="button" onClick={() => void doExport('png')}>{t('graph.exportPng')}</button>
        </div>
      </div>
      <Legend scale={scale} measure={state.colour} />
      {settingsLine && <p className="hint">{settingsLine}</p>}
      {state.colour === 'time' && !times && !(state.device === BROWSER_DEVICE && speed.status === 'measuring') && (
        <p className="hint" role="status">{t('graph.timeUnknown', { reason: speed.status === 'error' ? i18n.msg(speed.error) : t('costView.chooseDevice') })}</p>
      )}
      {status && <p className="status" role="status">{status}</p>}
      <div className={`graph-canvas${phone ? ' phone' : ''}`}>
        <svg ref={svgRef} className="graph-svg">
          <g ref={viewRef} role="tree" aria-label={interaction.label}>
            <GraphDrawing {...drawingProps} palette={CSS_PALETTE} window={win} keep={keep} interaction={interaction} far={far} />
          </g>
        </svg>
      </div>
      <Details item={selectedItem} tree={tree} figures={figures} times={times} state={state} onReveal={reveal} />
    </div>
  );
}
