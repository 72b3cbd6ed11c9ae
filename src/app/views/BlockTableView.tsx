/**
 * View 2: the paper's Table 1 for the current network, totals with units, and for a published
 * model the published figures beside ours with their source.
 */
import { useEffect, useMemo, useRef } from 'react';
import { useStore } from '../store.ts';
import { revealInGraph, stageIdOfTableRow, tableRowOf } from '../graphLinks.ts';
import { GraphLink } from '../components/GraphLink.tsx';
import { graphOf } from '../graphs.ts';
import { isRegNet } from '../../model/config.ts';
import { matchPreset, presetConfig, type PublishedFigures } from '../../model/presets.ts';
import type { PretrainedEntry } from '../../model/pretrained.ts';
import { useCatalogue } from '../useCatalogue.ts';
import { analyzeGraph } from '../../analysis/analyze.ts';
import { blockTable, templateLayerText } from '../../analysis/table.ts';
import { thousands, giga, percent } from '../format.ts';
import type { AppState } from '../state.ts';
import { layerFormulaMessages } from '../formulas.ts';
import { tableMarkdown } from '../../analysis/markdown.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import type { LayerGraph } from '../../model/graph.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Rich } from '../i18n/Rich.tsx';
import { accuracySourceLabel, conventionLabel, presetSourceText } from '../i18n/data.ts';
import type { Translator } from '../i18n/translator.ts';
import { TableWrap } from '../components/TableWrap.tsx';
import { ViewHead } from '../components/ViewHead.tsx';

function Published({ figures, checkpoints, params, macs }: { figures: PublishedFigures[]; checkpoints: PretrainedEntry[]; params: number; macs: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <TableWrap>
      <table className="data published">
        <caption>{t('table.published')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('table.source')}</th>
            <th scope="col" className="num">{t('table.params')}</th>
            <th scope="col" className="num"><abbr title={t('table.delta')}>Δ</abbr></th>
            <th scope="col" className="num">{t('table.gmacs')}</th>
            <th scope="col" className="num"><abbr title={t('table.delta')}>Δ</abbr></th>
            <th scope="col">{t('table.top1')}</th>
          </tr>
        </thead>
        <tbody>
          <tr className="ours">
            <th scope="row">{t('table.ours')}</th>
            <td className="num">{thousands(params)}</td>
            <td className="num">—</td>
            <td className="num">{(macs / 1e9).toFixed(3)}</td>
            <td className="num">—</td>
            <td className="muted">{t('table.oursAccuracy')}</td>
          </tr>
          {figures.map((f, i) => (
            <tr key={i}>
              <th scope="row">{presetSourceText(i18n, f)}</th>
              <td className="num">{f.params !== undefined ? thousands(f.params) : ''}</td>
              <td className="num">{f.params !== undefined ? percent((params - f.params) / f.params) : ''}</td>
              <td className="num">{f.gmacs !== undefined ? String(f.gmacs) : ''}</td>
              <td className="num">{f.gmacs !== undefined ? percent((macs / 1e9 - f.gmacs) / f.gmacs) : ''}</td>
              <td>
                {f.top1Err !== undefined && (f.top5Err !== undefined ? t('table.errorTop5', { top1: f.top1Err, top5: f.top5Err }) : t('table.error', { top1: f.top1Err }))}
                {f.dataset ? t('table.dataset', { dataset: f.dataset }) : ''}
              </td>
            </tr>
          ))}
          {checkpoints.map((c) => (
            <tr key={c.tag}>
              <th scope="row">{t('table.checkpoint', { label: c.label, source: accuracySourceLabel(i18n, c) })}</th>
              <td className="num" colSpan={4} />
              <td>{t('table.accuracy', { top1: c.accuracy?.top1 ?? '—', top5: c.accuracy?.top5 ?? '—' })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The formulas behind the table, each shown on a layer of this network. */
function Counting({ graph }: { graph: LayerGraph }) {
  const { t, msg } = useI18n();
  const examples = ['conv1', 'layer1.0.conv2', 'bn1', 'fc']
    .map((name) => graph.nodes.find((n) => n.name === name))
    .filter((n) => n !== undefined)
    .map((n) => ({ name: n.name, f: layerFormulaMessages(n) }));
  return (
    <details className="card counting">
      <summary>{t('table.counting')}</summary>
      <p className="hint">{t('table.countingHint')}</p>
      <dl>
        {examples.map(({ name, f }) => f && (
          <div key={name} style={{ display: 'contents' }}>
            <dt>{t('table.formulaParams', { name })}</dt><dd>{msg(f.params)}</dd>
            <dt>{t('table.formulaMacs', { name })}</dt><dd>{msg(f.macs)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** The stem's convs and max pool, and the head, as Table 1 writes them, read from the graph in the interface language. */
function stemParts(graph: LayerGraph, t: Translator['t']): { convs: string[]; pool: string | null } {
  const convs: string[] = [];
  let pool: string | null = null;
  for (const n of graph.nodes) {
    if (n.stage !== 0) break;
    if (n.kind === 'conv') convs.push(t('table.stemConv', { kernel: n.conv.kernel, channels: n.conv.outChannels, stride: n.conv.stride }));
    if (n.kind === 'maxpool') pool = t('table.maxPool', { kernel: n.pool.kernel, stride: n.pool.stride });
  }
  return { convs, pool };
}

export function BlockTableView({ state }: { state: AppState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { config, convention } = state;
  const catalogue = useCatalogue();
  const graph = graphOf(config);
  const table = useMemo(() => blockTable(graph, convention), [graph, convention]);
  const preset = matchPreset(config);
  // Published MACs follow the paper's convention whatever the picker says.
  const paperMacs = useMemo(() => (convention === 'paper' ? table.macs : analyzeGraph(graph, 'paper').macs), [graph, convention, table]);
  // Published figures hold for the preset's own input size and classes.
  const samePreset = preset && JSON.stringify(presetConfig(preset.name)) === JSON.stringify(config);
  const stem = stemParts(graph, t);
  const store = useStore();
  // The stage of the app's selection (the graph's), marked and brought into view.
  const revealed = state.layer !== null ? tableRowOf(graph, state.layer) : null;
  const revealRef = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    revealRef.current?.scrollIntoView({ block: 'nearest' });
  }, [revealed]);
  return (
    <div className="view">
      <ViewHead
        title={t('table.title')} note={t('table.titleNote')}
        lede={<Rich text={t('table.lede', { input: config.input.join('×'), classes: config.classes, convention: conventionLabel(i18n, convention) })} />}
      />
      <dl className="totals" aria-label={t('table.totals')}>
        <div><dt>{t('table.totalParams')}</dt><dd data-testid="total-params">{thousands(table.params)}</dd></div>
        <div><dt>{t('table.macs')}</dt><dd>{thousands(table.macs)} <span className="unit">({giga(table.macs)}MAC)</span></dd><dd className="convention">{t('table.macsPaper')}</dd></div>
        <div><dt>{t('table.flops')}</dt><dd>{thousands(table.flops)} <span className="unit">({giga(table.flops)}FLOP)</span></dd><dd className="convention">{t('table.flopsNotPaper')}</dd></div>
      </dl>
      <TableWrap>
        <table className="data block-table">
          <caption className="sr-only">{t('table.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('table.stage')}</th>
              <th scope="col">{t('table.output')}</th>
              <th scope="col">{t('table.layers')}</th>
              <th scope="col" className="num">{t('table.params')}</th>
              <th scope="col" className="num">MACs</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r) => (
              <tr key={r.module} className={r.module === revealed ? 'revealed' : undefined} ref={r.module === revealed ? revealRef : undefined}>
                <th scope="row">
                  {r.stage === 'head' ? t('table.head') : r.stage}<span className="muted small"> {r.module !== r.stage ? r.module : ''}</span>
                  <GraphLink name={r.stage === 'head' ? t('table.head') : r.stage} onClick={() => store.update((s) => revealInGraph(s, stageIdOfTableRow(r.module)))} />
                </th>
                <td>{r.outputSize ? `${r.outputSize[0]}×${r.outputSize[1]}` : ''}</td>
                <td className="template">
                  {r.pool && <span className="stem-parts"><span>{stem.pool ?? r.pool}</span></span>}
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
                    <span className="stem-parts">
                      {(r.stage === 'conv1' ? stem.convs : r.stage === 'head' ? [...(isRegNet(config) && config.headFeatures > 0 ? [t('table.headConv', { features: config.headFeatures })] : []), t('table.headRow', { classes: config.classes })] : r.description.split('; '))
                        .map((part, i) => <span key={i}>{part.replace(/(\d)x(\d)/, '$1×$2')}</span>)}
                    </span>
                  )}
                </td>
                <td className="num">{thousands(r.params)}</td>
                <td className="num">{thousands(r.macs)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>{t('table.total')}</th>
              <td className="num">{thousands(table.params)}</td>
              <td className="num">{thousands(table.macs)}</td>
            </tr>
          </tfoot>
        </table>
      </TableWrap>
      <div className="toolbar actions">
        <CopyButton label={t('table.copyMarkdown')} text={() => tableMarkdown(table)} what={t('table.copyWhat', { convention })} />
      </div>
      {samePreset && preset.published.length > 0 && (
        <Published figures={preset.published} checkpoints={catalogue?.checkpointsOf(preset.name).filter((c) => c.accuracy) ?? []} params={table.params} macs={paperMacs} />
      )}
      {preset && !samePreset && (
        <p className="muted">{t('table.otherSize', { label: preset.label })}</p>
      )}
      <Counting graph={graph} />
    </div>
  );
}
