/**
 * View 5: two or more networks side by side: per-stage params and MACs as bars, every preset on a
 * params-vs-MACs plane labelled with the paper's errors, and the difference table.
 */
import { useMemo, useState } from 'react';
import { PRESETS, findPreset, presetConfig, type Preset } from '../../model/presets.ts';
import { analyze } from '../../analysis/analyze.ts';
import { compare, stageOf } from '../../analysis/compare.ts';
import { thousands, signed, percent, humanCount } from '../format.ts';
import { CURRENT, MAX_COMPARE, costOptionsOf, exactPreset, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { StageBars } from '../components/StageBars.tsx';
import { PresetScatter, type ScatterPoint } from '../components/PresetScatter.tsx';
import { seriesColor } from '../theme.ts';
import { compareMarkdown } from '../../analysis/markdown.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { costOf, humanBytes } from '../../analysis/cost.ts';
import { BROWSER_DEVICE, browserDevice, findDevice } from '../../analysis/devices.ts';
import { useBrowserSpeed } from '../browserSpeed.ts';
import { msText } from '../components/RooflineChart.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { Rich } from '../i18n/Rich.tsx';
import { conventionLabel, deviceLabel } from '../i18n/data.ts';
import type { Translator } from '../i18n/translator.ts';
import { messageFromError, type Message } from '../../model/message.ts';
import { TableWrap } from '../components/TableWrap.tsx';
import { ViewHead } from '../components/ViewHead.tsx';

/** The paper's errors for a preset: ImageNet top-1 (Tables 3, 4) or CIFAR-10 / CIFAR-100 (Table 7). */
function paperNote(preset: Preset, t: Translator['t']): string {
  const paper = preset.published.filter((f) => f.top1Err !== undefined && f.source.startsWith('Xie et al.'));
  if (paper.length === 0) return '';
  const cifar = paper.filter((f) => f.dataset);
  if (cifar.length > 0) {
    return t('compare.cifarErr', { errors: cifar.map((f) => t('compare.cifarNote', { dataset: f.dataset!.replace('CIFAR-', 'C'), err: f.top1Err! })).join(' / ') });
  }
  const f = paper[paper.length - 1];
  const table = f.source.match(/Table (\d)/)?.[1];
  return table ? t('compare.top1ErrTable', { err: f.top1Err!, table }) : t('compare.top1Err', { err: f.top1Err! });
}

export function CompareView({ state }: { state: AppState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const store = useStore();
  const { convention } = state;
  const current = exactPreset(state.config);
  const items = useMemo(
    () =>
      state.compare.map((name) =>
        name === CURRENT
          ? { label: current ? t('compare.current', { label: findPreset(current)!.label }) : t('compare.currentNetwork'), config: state.config }
          : { label: findPreset(name)!.label, config: presetConfig(name) },
      ),
    [state.compare, state.config, current, t],
  );
  const comparison = useMemo(() => compare(items, convention), [items, convention]);
  // Cost columns at the cost view's batch, precision, optimizer and device (this browser only once measured).
  const speed = useBrowserSpeed();
  const device = useMemo(
    () => (state.device === BROWSER_DEVICE ? (speed.status === 'done' ? browserDevice(speed.speed) : null) : findDevice(state.device) ?? null),
    [state.device, speed],
  );
  const costs = useMemo(
    () => comparison.entries.map((e) => {
      if (!device) return null;
      try {
        return costOf(e.analysis.graph, costOptionsOf(state, device));
      } catch (err) {
        return messageFromError(err);
      }
    }),
    [comparison, device, state.batch, state.dtype, state.layout, state.optimizer, state.gpus],
  );
  const points = useMemo<ScatterPoint[]>(
    () =>
      PRESETS.map((p) => {
        const a = analyze(presetConfig(p.name));
        return { name: p.name, label: p.label, params: a.params, macs: a.macs, note: paperNote(p, t), cifar: p.config.stem === 'cifar', highlight: state.compare.includes(p.name) || (state.compare.includes(CURRENT) && current === p.name) };
      }),
    [state.compare, current, t],
  );
  const [adding, setAdding] = useState('');
  const options = [CURRENT, ...PRESETS.map((p) => p.name)].filter((n) => !state.compare.includes(n));
  const add = adding && options.includes(adding) ? adding : options[0];

  const setList = (list: string[]) => store.update((s) => ({ ...s, compare: list }));
  const stages = comparison.stages;
  const stageLabel = (s: string) => (s === 'head' ? t('table.head') : s);
  const base = comparison.entries[0];
  const deviceName = device ? deviceLabel(i18n, device) : t('compare.thisBrowser');
  const stepGpus = device?.interconnect ? state.gpus : 1;

  return (
    <div className="view">
      <ViewHead
        title={t('compare.title')}
        lede={<Rich text={t(device ? 'compare.lede' : 'compare.ledeMeasure', { convention: conventionLabel(i18n, convention), dtype: state.dtype, optimizer: state.optimizer })} />}
      />
      <div className="chips" role="list" aria-label={t('compare.networks')}>
        {comparison.entries.map((e, i) => (
          <span key={state.compare[i]} role="listitem" className="chip" style={{ ['--swatch' as string]: `var(--series-${i % 6})` }}>
            {e.label}
            <button type="button" aria-label={t('compare.remove', { label: e.label })} disabled={state.compare.length <= 2} onClick={() => setList(state.compare.filter((_, j) => j !== i))}>×</button>
          </span>
        ))}
        {state.compare.length < MAX_COMPARE && (
          <span className="chips">
            <label htmlFor="compare-add" className="sr-only">{t('compare.addNetwork')}</label>
            <select id="compare-add" value={add} onChange={(e) => setAdding(e.target.value)} style={{ width: 'auto' }}>
              {options.map((n) => <option key={n} value={n}>{n === CURRENT ? t('compare.currentNetwork') : findPreset(n)!.label}</option>)}
            </select>
            <button type="button" onClick={() => setList([...state.compare, add])}>{t('compare.add')}</button>
          </span>
        )}
      </div>
      <TableWrap>
        <table className="data compare-diff" aria-label={t('compare.differences')}>
          <thead>
            <tr>
              <th scope="col">{t('compare.network')}</th>
              <th scope="col" className="num">{t('compare.params')}</th>
              <th scope="col" className="num">{t('compare.deltaParams')}</th>
              <th scope="col" className="num">{t('compare.macs')}</th>
              <th scope="col" className="num">{t('compare.deltaMacs')}</th>
              <th scope="col" className="num">{t('compare.activations')}</th>
              <th scope="col" className="num">{t('compare.training', { batch: state.batch })}</th>
              <th scope="col" className="num">{t('compare.predicted', { batch: state.batch, device: deviceName })}</th>
              <th scope="col" className="num">{t('compare.delta')}</th>
              <th scope="col" className="num">{t('compare.step', { batch: state.batch, gpus: stepGpus })}</th>
              <th scope="col" className="num">{t('compare.delta')}</th>
            </tr>
          </thead>
          <tbody>
            {comparison.entries.map((e, i) => (
              <tr key={state.compare[i]}>
                <th scope="row"><span className="swatch" style={{ color: seriesColor(i) }}>●</span> {e.label}</th>
                <td className="num">{thousands(e.analysis.params)}</td>
                <td className="num">{i === 0 ? '—' : <>{signed(e.deltaParams)}<br /><span className="unit">{percent(e.deltaParams / base.analysis.params, 1)}</span></>}</td>
                <td className="num" title={thousands(e.analysis.macs)}>{humanCount(e.analysis.macs)}</td>
                <td className="num" title={i === 0 ? undefined : signed(e.deltaMacs)}>{i === 0 ? '—' : percent(e.deltaMacs / base.analysis.macs, 1)}</td>
                <CostCells cost={costs[i]} base={i === 0 ? null : costs[0]} />
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <div className="toolbar actions">
        <CopyButton label={t('compare.copyMarkdown')} text={() => compareMarkdown(comparison)} what={t('compare.copyWhat')} />
      </div>
      <div className="charts">
        <StageBars title={t('compare.paramsPerStage')} unit={t('compare.unitParams')} stages={stages} stageLabel={stageLabel} series={comparison.entries.map((e) => ({ label: e.label, values: stages.map((s) => stageOf(e.analysis, s).params) }))} />
        <StageBars title={t('compare.macsPerStage')} unit={t('compare.unitMacs')} stages={stages} stageLabel={stageLabel} series={comparison.entries.map((e) => ({ label: e.label, values: stages.map((s) => stageOf(e.analysis, s).macs) }))} />
      </div>
      <TableWrap>
        <table className="data" aria-label={t('compare.perStage')}>
          <caption>{t('compare.perStageCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('compare.stage')}</th>
              {comparison.entries.map((e, i) => <th key={state.compare[i]} scope="col" className="num">{e.label}</th>)}
            </tr>
          </thead>
          <tbody>
            {stages.map((s) => (
              <tr key={s}>
                <th scope="row">{stageLabel(s)}</th>
                {comparison.entries.map((e, i) => {
                  const v = stageOf(e.analysis, s);
                  return <td key={state.compare[i]} className="num">{thousands(v.params)}<br /><span className="muted">{thousands(v.macs)}</span></td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <PresetScatter points={points} />
    </div>
  );
}

type Cost = ReturnType<typeof costOf> | Message | null;

/** A relative difference against the first network's figure ("—" for the first, or where either is missing). */
function delta(v: number | null, base: number | null): string {
  return v === null || base === null || base === 0 ? '—' : percent(v / base - 1, 1);
}

function CostCells({ cost, base }: { cost: Cost; base: Cost }) {
  const { t, msg } = useI18n();
  if (cost === null || !('totals' in cost)) {
    return <td className="num" colSpan={7} title={cost ? msg(cost) : undefined}>{cost === null ? '—' : t('compare.tooLarge')}</td>;
  }
  const b = base !== null && 'totals' in base ? base : null;
  const step = cost.training?.stepMs ?? null;
  return (
    <>
      <td className="num" title={thousands(cost.totals.convActivations)}>{humanCount(cost.totals.convActivations)}</td>
      <td className="num">{humanBytes(cost.totals.trainingBytes)}</td>
      <td className="num">{msText(cost.totals.predictedMs)}</td>
      <td className="num">{b ? delta(cost.totals.predictedMs, b.totals.predictedMs) : '—'}</td>
      <td className="num">{step === null ? t('compare.noTraining') : msText(step)}</td>
      <td className="num">{b ? delta(step, b.training?.stepMs ?? null) : '—'}</td>
    </>
  );
}
