/**
 * View 3: the torchsummary table with MACs and groups columns, folded by stage and block, filtered,
 * in either execution order and under any counting convention. Copy gives exactly the text the CLI
 * prints; CSV and JSON exports are the analysis' own.
 */
import { useMemo, useState } from 'react';
import { useMediaQuery } from '../useMediaQuery.ts';
import type { ExecutionOrder, LayerGraph } from '../../model/graph.ts';
import { graphOf } from '../graphs.ts';
import { layerFormula } from '../formulas.ts';
import { exactPreset, DETAILS, type AppState, type Detail } from '../state.ts';
import { summarize, summaryCsv, summaryJson, torchsummaryText } from '../../analysis/summary.ts';
import { CONVENTIONS, CONVENTION_INFO, type Convention } from '../../analysis/conventions.ts';
import { pyList } from '../../analysis/format.ts';
import { thousands } from '../format.ts';
import { layerItems, type LayerItem } from '../layerTree.ts';
import { VirtualRows } from '../components/VirtualRows.tsx';
import { useStore } from '../store.ts';
import { copyText, downloadText } from '../download.ts';
import { summaryMarkdown } from '../../analysis/markdown.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { TorchinfoCopy } from '../components/TorchinfoCopy.tsx';

/** Row height: one line on wide screens; on phones (styles.css) a row takes two lines. */
const ROW_HEIGHT = 30;
const PHONE_ROW_HEIGHT = 44;
const PHONE = '(max-width: 860px)';
const DETAIL_LABELS: Record<Detail, string> = { stages: 'Stages', blocks: 'Blocks', layers: 'All layers' };
const ORDER_LABELS: Record<ExecutionOrder, [string, string]> = {
  seed: ['Seed code', 'The seed code computes the shortcut (downsample) first, so its rows come before conv1; the CLI prints this order.'],
  torchvision: ['torchvision', "torchvision's forward runs the downsample after bn3; same function, different row order."],
};

function Row(props: { item: LayerItem; rowIndex: number; selected: boolean; onToggle: (id: string) => void; onSelect: (key: string) => void }) {
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
        <span role="cell" className="num c-groups">{r.groups !== null ? <><span className="phone-only">groups </span>{r.groups}</> : ''}</span>
      </div>
    );
  }
  return (
    <div className={`lrow group ${item.kind} depth-${item.depth}`} role="row" aria-rowindex={rowIndex}>
      <span role="cell" className="c-group">
        <button type="button" className="disclosure" aria-expanded={item.expanded} onClick={() => onToggle(item.id)}>
          <span className="chev" aria-hidden="true">{item.expanded ? '▾' : '▸'}</span>
          {item.label}
        </button>
      </span>
      <span role="cell" className="c-shape muted">{item.detail} · {item.rows} rows</span>
      <span role="cell" className="num sum c-params" title="Sum of the rows below">Σ {thousands(item.params)}</span>
      <span role="cell" className="num sum c-macs">Σ {thousands(item.macs)}</span>
      <span role="cell" className="c-groups" />
    </div>
  );
}

/** The selected row's numbers written out as formulas. */
function FormulaPanel({ graph, summary, selected }: { graph: LayerGraph; summary: ReturnType<typeof summarize>; selected: string | null }) {
  const row = selected ? summary.rows.find((r) => r.key === selected) : undefined;
  if (!row) return <p className="hint">Select a layer's key to see how its Param # and MACs are computed.</p>;
  const f = layerFormula(graph.nodes[row.node]);
  return (
    <div className="card formula-panel" aria-live="polite" aria-label="Formula of the selected layer">
      <strong>{row.key}</strong> <span className="muted">{row.name}</span>
      {f ? (
        <dl>
          <dt>Param #</dt><dd>{f.params}</dd>
          <dt>MACs (paper)</dt><dd>{f.macs}</dd>
        </dl>
      ) : (
        <p className="muted">{row.type} owns no parameters and counts no multiply-accumulates{row.type === 'AdaptiveAvgPool2d' ? ' in the paper convention (fvcore and thop count its additions)' : ''}.</p>
      )}
    </div>
  );
}

export function LayersView({ state }: { state: AppState }) {
  const phone = useMediaQuery(PHONE);
  const store = useStore();
  const { config, order, convention, detail, filter } = state;
  const graph = graphOf(config, order);
  const summary = useMemo(() => summarize(graph, convention), [graph, convention]);
  const [toggled, setToggled] = useState<{ detail: Detail; ids: Set<string> }>({ detail, ids: new Set() });
  const ids = toggled.detail === detail ? toggled.ids : new Set<string>();
  const items = useMemo(() => layerItems(graph, summary, detail, ids, filter), [graph, summary, detail, ids, filter]);
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
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
      setStatus(`Copied ${text.split('\n').length - 1} lines: torchsummary 1.5.1's printout, as the CLI's "summary" prints it.`);
    } catch (e) {
      setStatus(`Could not copy: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const rowsShown = items.filter((i) => i.kind === 'row').length;

  return (
    <div className="view layers-view">
      <div className="view-head">
        <h2>Layers <span className="muted">(torchsummary, one row per module call)</span></h2>
      </div>
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="layer-filter">Filter layers</label>
          <input
            id="layer-filter"
            type="search"
            placeholder="name, type or key: conv2, BatchNorm2d, layer3.1"
            value={filter}
            onChange={(e) => {
              const q = e.target.value;
              store.update((s) => ({ ...s, filter: q }), { coalesce: 'filter' });
            }}
          />
        </div>
        <div className="field inline">
          <label htmlFor="layer-detail">Detail</label>
          <select id="layer-detail" value={detail} onChange={(e) => {
            const d = e.target.value as Detail;
            store.update((s) => ({ ...s, detail: d }));
          }}>
            {DETAILS.map((d) => <option key={d} value={d}>{DETAIL_LABELS[d]}</option>)}
          </select>
        </div>
        <fieldset className="segmented">
          <legend>Layer order</legend>
          {(['seed', 'torchvision'] as const).map((o) => (
            <label key={o} className={o === order ? 'on' : ''} title={ORDER_LABELS[o][1]}>
              <input type="radio" name="layer-order" value={o} checked={o === order} onChange={() => store.update((s) => ({ ...s, order: o }))} />
              {ORDER_LABELS[o][0]}
            </label>
          ))}
        </fieldset>
        <div className="field inline">
          <label htmlFor="layer-convention">Counting convention</label>
          <select id="layer-convention" value={convention} aria-describedby="convention-desc" onChange={(e) => {
            const c = e.target.value as Convention;
            store.update((s) => ({ ...s, convention: c }));
          }}>
            {CONVENTIONS.map((c) => <option key={c} value={c}>{CONVENTION_INFO[c].label}</option>)}
          </select>
        </div>
      </div>
      <p id="convention-desc" className="hint">
        {ORDER_LABELS[order][1]}{' '}
        <strong>{CONVENTION_INFO[convention].label}:</strong> {CONVENTION_INFO[convention].description}{' '}
        Totals: {thousands(summary.totals.params)} params, {thousands(summary.totals.macs)} MACs.
      </p>
      <details className="conventions">
        <summary>How the four conventions count</summary>
        <dl>
          {CONVENTIONS.map((c) => (
            <div key={c}><dt>{CONVENTION_INFO[c].label}</dt><dd>{CONVENTION_INFO[c].description}</dd></div>
          ))}
        </dl>
        <p className="hint">ReLU, Sigmoid, Identity, max pooling, the residual add and attention's mean and gating count zero in all four. Param # is the same under every convention.</p>
      </details>
      <div className="toolbar actions">
        <button type="button" onClick={copy}>Copy as torchsummary text</button>
        <CopyButton
          label="Copy as Markdown"
          text={() => summaryMarkdown(summary, graph, convention)}
          what={`the layer list and totals as Markdown tables, as the CLI's "summary --format markdown --order ${order} --convention ${convention}" prints them`}
        />
        <button type="button" onClick={() => downloadText(`${base}.layers.csv`, summaryCsv(summary), 'text/csv')}>Export CSV</button>
        <button type="button" onClick={() => downloadText(`${base}.layers.json`, JSON.stringify(summaryJson(summary), null, 2) + '\n', 'application/json')}>
          Export JSON
        </button>
        <span className="muted small" aria-live="polite">
          {filter.trim() ? `${rowsShown} of ${summary.rows.length} rows match` : `${summary.rows.length} rows`}
        </span>
      </div>
      {status && <p className="status" role="status">{status}</p>}
      <TorchinfoCopy config={config} />
      <VirtualRows
        items={items}
        rowHeight={phone ? PHONE_ROW_HEIGHT : ROW_HEIGHT}
        label="Layer list"
        className="layer-list"
        empty={<p className="empty">No layer matches “{filter}”.</p>}
        header={
          <div className="lrow head" role="row" aria-rowindex={1}>
            <span role="columnheader" className="c-key">Layer (type)</span>
            <span role="columnheader" className="c-name">Module</span>
            <span role="columnheader" className="c-shape">Output Shape</span>
            <span role="columnheader" className="num c-params">Param #</span>
            <span role="columnheader" className="num c-macs">MACs</span>
            <span role="columnheader" className="num c-groups">Groups</span>
          </div>
        }
        renderRow={(item, rowIndex) => (
          <Row item={item} rowIndex={rowIndex} selected={item.kind === 'row' && item.row.key === selected} onToggle={onToggle} onSelect={(k) => setSelected(k === selected ? null : k)} />
        )}
      />
      <FormulaPanel graph={graph} summary={summary} selected={selected} />
    </div>
  );
}
