/**
 * View 3: the torchsummary table with MACs and groups columns, folded by stage and block, filtered,
 * in either execution order and under any counting convention. Copy gives exactly the text the CLI
 * prints; CSV and JSON exports are the analysis' own.
 */
import { useMemo, useState } from 'react';
import { useMediaQuery } from '../useMediaQuery.ts';
import type { LayerGraph } from '../../model/graph.ts';
import { graphOf } from '../graphs.ts';
import { layerFormulaMessages } from '../formulas.ts';
import { exactPreset, DETAILS, type AppState, type Detail } from '../state.ts';
import { summarize, summaryCsv, summaryJson, torchsummaryText } from '../../analysis/summary.ts';
import { CONVENTIONS } from '../../analysis/conventions.ts';
import { pyList } from '../../analysis/format.ts';
import { thousands } from '../format.ts';
import { defaultExpanded, layerItems, type LayerItem } from '../layerTree.ts';
import { layerListTarget, revealInGraph, rowId } from '../graphLinks.ts';
import { GraphLink } from '../components/GraphLink.tsx';
import { VirtualRows } from '../components/VirtualRows.tsx';
import { useStore } from '../store.ts';
import { copyText, downloadText } from '../download.ts';
import { summaryMarkdown } from '../../analysis/markdown.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { TorchinfoCopy } from '../components/TorchinfoCopy.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { Rich } from '../i18n/Rich.tsx';
import { conventionDescription, conventionLabel } from '../i18n/data.ts';
import { ViewHead } from '../components/ViewHead.tsx';
import { StateSelect } from '../components/StateSelect.tsx';

/** Row height: one line on wide screens; on phones (styles.css) a row takes two lines. */
const ROW_HEIGHT = 30;
const PHONE_ROW_HEIGHT = 44;
const PHONE = '(max-width: 860px)';
function Row(props: { item: LayerItem; rowIndex: number; selected: boolean; onToggle: (id: string) => void; onSelect: (key: string) => void }) {
  const { t, msg } = useI18n();
  const { item, rowIndex, onToggle } = props;
  if (item.kind === 'row') {
    const r = item.row;
    return (
      <div className={`lrow depth-${item.depth}${r.type === 'Bottleneck' || r.type === 'BasicBlock' ? ' marker' : ''}${props.selected ? ' selected' : ''}`} role="row" aria-rowindex={rowIndex}>
        <span role="cell" className="c-key">
          <button type="button" className="row-key" aria-pressed={props.selected} onClick={() => props.onSelect(r.key)}>{r.key}</button>
        </span>
        <span role="cell" className="c-name">{r.name}</span>
        <span role="cell" className="c-shape">{pyList(r.outputShape)}</span>
        <span role="cell" className="num c-params">{thousands(r.params)}</span>
        <span role="cell" className="num c-macs">{thousands(r.macs)}</span>
        <span role="cell" className="num c-groups">{r.groups !== null ? <><span className="phone-only">{t('layers.groups')} </span>{r.groups}</> : ''}</span>
      </div>
    );
  }
  return (
    <div className={`lrow group ${item.kind} depth-${item.depth}`} role="row" aria-rowindex={rowIndex}>
      <span role="cell" className="c-group">
        <button type="button" className="disclosure" aria-expanded={item.expanded} onClick={() => onToggle(item.id)}>
          <span className="chev" aria-hidden="true">{item.expanded ? '▾' : '▸'}</span>
          {msg(item.labelMessage)}
        </button>
      </span>
      <span role="cell" className="c-shape muted">{t('layers.groupDetail', { detail: item.detailMessage, rows: item.rows })}</span>
      <span role="cell" className="num sum c-params" title={t('layers.sumBelow')}>Σ {thousands(item.params)}</span>
      <span role="cell" className="num sum c-macs">Σ {thousands(item.macs)}</span>
      <span role="cell" className="c-groups" />
    </div>
  );
}

/** The selected row's numbers written out as formulas, and the way to it in the graph. */
function FormulaPanel({ graph, summary, selected, onGraph }: { graph: LayerGraph; summary: ReturnType<typeof summarize>; selected: string | null; onGraph: (id: string) => void }) {
  const { t, msg } = useI18n();
  const row = selected ? summary.rows.find((r) => r.key === selected) : undefined;
  if (!row) return <p className="hint">{t('layers.selectHint')}</p>;
  const f = layerFormulaMessages(graph.nodes[row.node]);
  const id = rowId(summary, row);
  return (
    <div className="card formula-panel" aria-live="polite" aria-label={t('layers.formula')}>
      <strong>{row.key}</strong> <span className="muted">{row.name}</span>
      <GraphLink name={id} onClick={() => onGraph(id)} />
      {f ? (
        <dl>
          <dt>{t('layers.paramNumber')}</dt><dd>{msg(f.params)}</dd>
          <dt>{t('layers.macsPaper')}</dt><dd>{msg(f.macs)}</dd>
        </dl>
      ) : (
        <p className="muted">{t(row.type === 'AdaptiveAvgPool2d' ? 'layers.noParamsPool' : 'layers.noParams', { type: row.type })}</p>
      )}
    </div>
  );
}

export function LayersView({ state }: { state: AppState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const phone = useMediaQuery(PHONE);
  const store = useStore();
  const { config, order, convention, detail, filter } = state;
  const graph = graphOf(config, order);
  const summary = useMemo(() => summarize(graph, convention), [graph, convention]);
  const [toggled, setToggled] = useState<{ detail: Detail; ids: Set<string> }>({ detail, ids: new Set() });
  const ids = toggled.detail === detail ? toggled.ids : new Set<string>();
  const items = useMemo(() => layerItems(graph, summary, detail, ids, filter), [graph, summary, detail, ids, filter]);
  const [status, setStatus] = useState('');
  // The selection is the app's (shared with the graph): its row here, or the group it is in.
  const target = useMemo(() => (state.layer !== null ? layerListTarget(graph, summary, state.layer) : null), [graph, summary, state.layer]);
  const selected = target && 'row' in target ? target.row.key : null;
  const select = (key: string | null) => {
    const row = key !== null ? summary.rows.find((r) => r.key === key) : undefined;
    store.update((s) => ({ ...s, layer: row ? rowId(summary, row) : null }), { coalesce: 'layer-select' });
  };
  // A selection made elsewhere (the graph) opens the groups around its row, once.
  const [openedFor, setOpenedFor] = useState<string | null>(null);
  if (target && state.layer !== openedFor && filter.trim() === '') {
    setOpenedFor(state.layer);
    const next = new Set(ids);
    const row = 'row' in target ? target.row : null;
    const stage = row ? `s${row.stage}` : target && 'group' in target ? target.group : null;
    if (stage && !defaultExpanded('stage', detail)) next.add(stage);
    if (row && row.block !== null && !defaultExpanded('block', detail)) next.add(`s${row.stage}b${row.block}`);
    if (next.size !== ids.size) setToggled({ detail, ids: next });
  }
  const revealIndex = target ? items.findIndex((i) => ('row' in target ? i.kind === 'row' && i.row.key === target.row.key : i.id === target.group)) : -1;
  const base = exactPreset(config) ?? 'network';

  const onToggle = (id: string) => {
    const next = new Set(ids);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setToggled({ detail, ids: next });
  };

  const copy = async () => {
    const text = torchsummaryText(summary);
    try {
      await copyText(text);
      setStatus(t('app.copied', { lines: text.split('\n').length - 1, what: t('layers.copiedTorchsummary') }));
    } catch (e) {
      setStatus(t('app.couldNotCopy', { error: i18n.error(e) }));
    }
  };

  const rowsShown = items.filter((i) => i.kind === 'row').length;

  return (
    <div className="view layers-view">
      <ViewHead title={t('layers.title')} note={t('layers.titleNote')} />
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="layer-filter">{t('layers.filter')}</label>
          <input
            id="layer-filter"
            type="search"
            placeholder={t('layers.filterPlaceholder')}
            value={filter}
            onChange={(e) => {
              const q = e.target.value;
              store.update((s) => ({ ...s, filter: q }), { coalesce: 'filter' });
            }}
          />
        </div>
        <div className="field inline">
          <label htmlFor="layer-detail">{t('layers.detail')}</label>
          <StateSelect id="layer-detail" state={state} field="detail" options={DETAILS} label={(d) => t(`layers.detail.${d}`)} />
        </div>
        <fieldset className="segmented">
          <legend>{t('layers.layerOrder')}</legend>
          {(['seed', 'torchvision'] as const).map((o) => (
            <label key={o} className={o === order ? 'on' : ''} title={t(`layers.orderHint.${o}`)}>
              <input type="radio" name="layer-order" value={o} checked={o === order} onChange={() => store.update((s) => ({ ...s, order: o }))} />
              {t(`layers.order.${o}`)}
            </label>
          ))}
        </fieldset>
        <div className="field inline">
          <label htmlFor="layer-convention">{t('layers.convention')}</label>
          <StateSelect id="layer-convention" state={state} field="convention" options={CONVENTIONS} label={(c) => conventionLabel(i18n, c)} describedBy="convention-desc" />
        </div>
      </div>
      <p id="convention-desc" className="hint">
        {t(`layers.orderHint.${order}`)}{' '}
        <Rich text={t('layers.conventionLine', { label: conventionLabel(i18n, convention), description: conventionDescription(i18n, convention) })} />{' '}
        {t('layers.totals', { params: thousands(summary.totals.params), macs: thousands(summary.totals.macs), trainMacs: thousands(summary.totals.train_macs) })}
      </p>
      <details className="conventions">
        <summary>{t('layers.howConventions')}</summary>
        <dl>
          {CONVENTIONS.map((c) => (
            <div key={c}><dt>{conventionLabel(i18n, c)}</dt><dd>{conventionDescription(i18n, c)}</dd></div>
          ))}
        </dl>
        <p className="hint">{t('layers.zeroOps')}</p>
      </details>
      <div className="toolbar actions">
        <button type="button" onClick={copy}>{t('layers.copyTorchsummary')}</button>
        <CopyButton
          label={t('layers.copyMarkdown')}
          text={() => summaryMarkdown(summary, graph, convention)}
          what={t('layers.markdownWhat', { order, convention })}
        />
        <button type="button" onClick={() => downloadText(`${base}.layers.csv`, summaryCsv(summary), 'text/csv')}>{t('layers.exportCsv')}</button>
        <button type="button" onClick={() => downloadText(`${base}.layers.json`, JSON.stringify(summaryJson(summary), null, 2) + '\n', 'application/json')}>
          {t('layers.exportJson')}
        </button>
        <span className="muted small" aria-live="polite">
          {filter.trim() ? t('layers.rowsMatch', { shown: rowsShown, total: summary.rows.length }) : t('layers.rows', { total: summary.rows.length })}
        </span>
      </div>
      {status && <p className="status" role="status">{status}</p>}
      <TorchinfoCopy config={config} />
      <VirtualRows
        items={items}
        rowHeight={phone ? PHONE_ROW_HEIGHT : ROW_HEIGHT}
        label={t('layers.list')}
        className="layer-list"
        empty={<p className="empty">{t('layers.noMatch', { filter })}</p>}
        header={
          <div className="lrow head" role="row" aria-rowindex={1}>
            <span role="columnheader" className="c-key">{t('layers.colKey')}</span>
            <span role="columnheader" className="c-name">{t('layers.colModule')}</span>
            <span role="columnheader" className="c-shape">{t('layers.colShape')}</span>
            <span role="columnheader" className="num c-params">{t('layers.colParams')}</span>
            <span role="columnheader" className="num c-macs">{t('layers.colMacs')}</span>
            <span role="columnheader" className="num c-groups">{t('layers.colGroups')}</span>
          </div>
        }
        renderRow={(item, rowIndex) => (
          <Row item={item} rowIndex={rowIndex} selected={item.kind === 'row' && item.row.key === selected} onToggle={onToggle} onSelect={(k) => select(k === selected ? null : k)} />
        )}
        revealIndex={revealIndex >= 0 ? revealIndex : null}
      />
      <FormulaPanel graph={graph} summary={summary} selected={selected} onGraph={(id) => store.update((s) => revealInGraph(s, id))} />
    </div>
  );
}
