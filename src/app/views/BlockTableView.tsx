/**
 * View 2: the paper's Table 1 for the current network, totals with units, and for a published
 * model the published figures beside ours with their source.
 */
import { useMemo } from 'react';
import { graphOf } from '../graphs.ts';
import { matchPreset, presetConfig, type PublishedFigures } from '../../model/presets.ts';
import { accuracySourceName, checkpointsOf, type PretrainedEntry } from '../../model/pretrained.ts';
import { analyzeGraph } from '../../analysis/analyze.ts';
import { blockTable, templateLayerText } from '../../analysis/table.ts';
import { CONVENTION_INFO } from '../../analysis/conventions.ts';
import { thousands, giga, percent } from '../format.ts';
import type { AppState } from '../state.ts';
import { layerFormula } from '../formulas.ts';
import { tableMarkdown } from '../../analysis/markdown.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import type { LayerGraph } from '../../model/graph.ts';

function Published({ figures, checkpoints, params, macs }: { figures: PublishedFigures[]; checkpoints: PretrainedEntry[]; params: number; macs: number }) {
  return (
    <div className="table-wrap">
      <table className="data published">
        <caption>Published figures beside ours</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col" className="num">Params</th>
            <th scope="col" className="num"><abbr title="Ours − published, relative">Δ</abbr></th>
            <th scope="col" className="num">GMACs (paper)</th>
            <th scope="col" className="num"><abbr title="Ours − published, relative">Δ</abbr></th>
            <th scope="col">Top-1</th>
          </tr>
        </thead>
        <tbody>
          <tr className="ours">
            <th scope="row">This lab (counted from the layer graph)</th>
            <td className="num">{thousands(params)}</td>
            <td className="num">—</td>
            <td className="num">{(macs / 1e9).toFixed(3)}</td>
            <td className="num">—</td>
            <td className="muted">with weights, in the Run view</td>
          </tr>
          {figures.map((f, i) => (
            <tr key={i}>
              <th scope="row">{f.source}</th>
              <td className="num">{f.params !== undefined ? thousands(f.params) : ''}</td>
              <td className="num">{f.params !== undefined ? percent((params - f.params) / f.params) : ''}</td>
              <td className="num">{f.gmacs !== undefined ? String(f.gmacs) : ''}</td>
              <td className="num">{f.gmacs !== undefined ? percent((macs / 1e9 - f.gmacs) / f.gmacs) : ''}</td>
              <td>
                {f.top1Err !== undefined && `${f.top1Err}% err${f.top5Err !== undefined ? ` (top-5 ${f.top5Err}%)` : ''}`}
                {f.dataset ? `, ${f.dataset}` : ''}
              </td>
            </tr>
          ))}
          {checkpoints.map((c) => (
            <tr key={c.tag}>
              <th scope="row">{c.label} weights ({accuracySourceName(c)})</th>
              <td className="num" colSpan={4} />
              <td>{c.accuracy.top1}% acc (top-5 {c.accuracy.top5}%)</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The formulas behind the table, each shown on a layer of this network. */
function Counting({ graph }: { graph: LayerGraph }) {
  const examples = ['conv1', 'layer1.0.conv2', 'bn1', 'fc']
    .map((name) => graph.nodes.find((n) => n.name === name))
    .filter((n) => n !== undefined)
    .map((n) => ({ name: n.name, f: layerFormula(n) }));
  return (
    <details className="card counting">
      <summary>How these numbers are counted</summary>
      <p className="hint">
        A stage's params and MACs are the sums over its layers (the Layers view lists each, with its formula). FLOPs = 2 × MACs.
      </p>
      <dl>
        {examples.map(({ name, f }) => f && (
          <div key={name} style={{ display: 'contents' }}>
            <dt>{name} params</dt><dd>{f.params}</dd>
            <dt>{name} MACs</dt><dd>{f.macs}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

export function BlockTableView({ state }: { state: AppState }) {
  const { config, convention } = state;
  const graph = graphOf(config);
  const table = useMemo(() => blockTable(graph, convention), [graph, convention]);
  const preset = matchPreset(config);
  // Published MACs follow the paper's convention whatever the picker says.
  const paperMacs = useMemo(() => (convention === 'paper' ? table.macs : analyzeGraph(graph, 'paper').macs), [graph, convention, table]);
  // Published figures hold for the preset's own input size and classes.
  const samePreset = preset && JSON.stringify(presetConfig(preset.name)) === JSON.stringify(config);
  return (
    <div className="view">
      <div className="view-head">
        <h2>Block table <span className="muted">(paper Table 1)</span></h2>
        <p className="lede">
          Input {config.input.join('×')}, {config.classes} classes. MACs are multiply-accumulates per image under the{' '}
          <strong>{CONVENTION_INFO[convention].label}</strong> convention; FLOPs = 2 × MACs.
        </p>
      </div>
      <dl className="totals" aria-label="Totals">
        <div><dt>Total params</dt><dd data-testid="total-params">{thousands(table.params)}</dd></div>
        <div><dt>MACs</dt><dd>{thousands(table.macs)} <span className="unit">({giga(table.macs)}MAC)</span></dd></div>
        <div><dt>FLOPs (2 × MACs)</dt><dd>{thousands(table.flops)} <span className="unit">({giga(table.flops)}FLOP)</span></dd></div>
      </dl>
      <div className="table-wrap">
        <table className="data block-table">
          <caption className="sr-only">Stages of the network</caption>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Output</th>
              <th scope="col">Layers</th>
              <th scope="col" className="num">Params</th>
              <th scope="col" className="num">MACs</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r) => (
              <tr key={r.module}>
                <th scope="row">{r.stage}<span className="muted small"> {r.module !== r.stage ? r.module : ''}</span></th>
                <td>{r.outputSize ? `${r.outputSize[0]}×${r.outputSize[1]}` : ''}</td>
                <td className="template">
                  {r.pool && <span className="stem-parts"><span>{r.pool.replace(/(\d)x(\d)/, '$1×$2')}</span></span>}
                  {r.template ? (
                    <span className="bracket">
                      <span className="template-layers">
                        {r.template.map((l, i) => (
                          <span key={i}>{templateLayerText(l).replace(/(\d)x(\d)/, '$1×$2')}</span>
                        ))}
                      </span>
                      <span className="times">× {r.blocks}</span>
                    </span>
                  ) : (
                    <span className="stem-parts">{r.description.split('; ').map((part, i) => <span key={i}>{part.replace(/(\d)x(\d)/, '$1×$2')}</span>)}</span>
                  )}
                </td>
                <td className="num">{thousands(r.params)}</td>
                <td className="num">{thousands(r.macs)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>Total</th>
              <td className="num">{thousands(table.params)}</td>
              <td className="num">{thousands(table.macs)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <div className="toolbar actions">
        <CopyButton label="Copy as Markdown" text={() => tableMarkdown(table)} what={`the block table as a Markdown table, as the CLI's "table --format markdown --convention ${convention}" prints it`} />
      </div>
      {samePreset && preset.published.length > 0 && (
        <Published figures={preset.published} checkpoints={checkpointsOf(preset.name)} params={table.params} macs={paperMacs} />
      )}
      {preset && !samePreset && (
        <p className="muted">{preset.label}'s published figures are for its own input size and classes; set those to compare.</p>
      )}
      <Counting graph={graph} />
    </div>
  );
}
