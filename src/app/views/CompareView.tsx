/**
 * View 5: two or more networks side by side: per-stage params and MACs as bars, every preset on a
 * params-vs-MACs plane labelled with the paper's errors, and the difference table.
 */
import { useMemo, useState } from 'react';
import { PRESETS, findPreset, presetConfig, type Preset } from '../../model/presets.ts';
import { analyze } from '../../analysis/analyze.ts';
import { compare, stageOf } from '../../analysis/compare.ts';
import { CONVENTION_INFO } from '../../analysis/conventions.ts';
import { thousands, signed, percent, humanCount } from '../format.ts';
import { CURRENT, MAX_COMPARE, exactPreset, type AppState } from '../state.ts';
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

/** The paper's errors for a preset: ImageNet top-1 (Tables 3, 4) or CIFAR-10 / CIFAR-100 (Table 7). */
function paperNote(preset: Preset): string {
  const paper = preset.published.filter((f) => f.top1Err !== undefined && f.source.startsWith('Xie et al.'));
  if (paper.length === 0) return '';
  const cifar = paper.filter((f) => f.dataset);
  if (cifar.length > 0) return cifar.map((f) => `${f.dataset!.replace('CIFAR-', 'C')} ${f.top1Err}%`).join(' / ') + ' err';
  const f = paper[paper.length - 1];
  const table = f.source.match(/Table (\d)/)?.[1];
  return `top-1 err ${f.top1Err}%${table ? ` (T${table})` : ''}`;
}

export function CompareView({ state }: { state: AppState }) {
  const store = useStore();
  const { convention } = state;
  const current = exactPreset(state.config);
  const items = useMemo(
    () =>
      state.compare.map((name) =>
        name === CURRENT
          ? { label: current ? `${findPreset(current)!.label} (current)` : 'Current network', config: state.config }
          : { label: findPreset(name)!.label, config: presetConfig(name) },
      ),
    [state.compare, state.config, current],
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
        return costOf(e.analysis.graph, { batch: state.batch, dtype: state.dtype, optimizer: state.optimizer, device });
      } catch (err) {
        return (err as Error).message;
      }
    }),
    [comparison, device, state.batch, state.dtype, state.optimizer],
  );
  const points = useMemo<ScatterPoint[]>(
    () =>
      PRESETS.map((p) => {
        const a = analyze(presetConfig(p.name));
        return { name: p.name, label: p.label, params: a.params, macs: a.macs, note: paperNote(p), cifar: p.config.stem === 'cifar', highlight: state.compare.includes(p.name) || (state.compare.includes(CURRENT) && current === p.name) };
      }),
    [state.compare, current],
  );
  const [adding, setAdding] = useState('');
  const options = [CURRENT, ...PRESETS.map((p) => p.name)].filter((n) => !state.compare.includes(n));
  const add = adding && options.includes(adding) ? adding : options[0];

  const setList = (list: string[]) => store.update((s) => ({ ...s, compare: list }));
  const stages = comparison.stages;
  const base = comparison.entries[0];

  return (
    <div className="view">
      <div className="view-head">
        <h2>Compare</h2>
        <p className="lede">
          MACs under the <strong>{CONVENTION_INFO[convention].label}</strong> convention; differences against the first network. Activations are per
          image (RegNet: conv outputs); training memory ({state.dtype}, {state.optimizer}) and predicted inference time are at the Cost view&apos;s
          batch and device{device ? '' : ' (measure this browser in the Cost view first)'}.
        </p>
      </div>
      <div className="chips" role="list" aria-label="Networks compared">
        {comparison.entries.map((e, i) => (
          <span key={state.compare[i]} role="listitem" className="chip" style={{ ['--swatch' as string]: `var(--series-${i % 6})` }}>
            {e.label}
            <button type="button" aria-label={`Remove ${e.label}`} disabled={state.compare.length <= 2} onClick={() => setList(state.compare.filter((_, j) => j !== i))}>×</button>
          </span>
        ))}
        {state.compare.length < MAX_COMPARE && (
          <span className="chips">
            <label htmlFor="compare-add" className="sr-only">Add network</label>
            <select id="compare-add" value={add} onChange={(e) => setAdding(e.target.value)} style={{ width: 'auto' }}>
              {options.map((n) => <option key={n} value={n}>{n === CURRENT ? 'Current network' : findPreset(n)!.label}</option>)}
            </select>
            <button type="button" onClick={() => setList([...state.compare, add])}>Add</button>
          </span>
        )}
      </div>
      <div className="table-wrap">
        <table className="data" aria-label="Differences">
          <thead>
            <tr>
              <th scope="col">Network</th>
              <th scope="col" className="num">Params</th>
              <th scope="col" className="num">Δ params</th>
              <th scope="col" className="num">MACs</th>
              <th scope="col" className="num">Δ MACs</th>
              <th scope="col" className="num">Activations</th>
              <th scope="col" className="num">Training memory, batch {state.batch}</th>
              <th scope="col" className="num">Predicted, {device ? device.name : 'this browser'}</th>
            </tr>
          </thead>
          <tbody>
            {comparison.entries.map((e, i) => (
              <tr key={state.compare[i]}>
                <th scope="row"><span className="swatch" style={{ color: seriesColor(i) }}>●</span> {e.label}</th>
                <td className="num">{thousands(e.analysis.params)}</td>
                <td className="num">{i === 0 ? '—' : `${signed(e.deltaParams)} (${percent(e.deltaParams / base.analysis.params, 1)})`}</td>
                <td className="num">{thousands(e.analysis.macs)} <span className="unit">({humanCount(e.analysis.macs)})</span></td>
                <td className="num">{i === 0 ? '—' : `${signed(e.deltaMacs)} (${percent(e.deltaMacs / base.analysis.macs, 1)})`}</td>
                <CostCells cost={costs[i]} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="toolbar actions">
        <CopyButton label="Copy as Markdown" text={() => compareMarkdown(comparison)} what="per-stage params and MACs, totals and differences as a Markdown table" />
      </div>
      <div className="charts">
        <StageBars title="Params per stage" unit="parameters" stages={stages} series={comparison.entries.map((e) => ({ label: e.label, values: stages.map((s) => stageOf(e.analysis, s).params) }))} />
        <StageBars title="MACs per stage" unit="MACs" stages={stages} series={comparison.entries.map((e) => ({ label: e.label, values: stages.map((s) => stageOf(e.analysis, s).macs) }))} />
      </div>
      <div className="table-wrap">
        <table className="data" aria-label="Per-stage differences">
          <caption>Per stage: params / MACs</caption>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              {comparison.entries.map((e, i) => <th key={state.compare[i]} scope="col" className="num">{e.label}</th>)}
            </tr>
          </thead>
          <tbody>
            {stages.map((s) => (
              <tr key={s}>
                <th scope="row">{s}</th>
                {comparison.entries.map((e, i) => {
                  const v = stageOf(e.analysis, s);
                  return <td key={state.compare[i]} className="num">{thousands(v.params)}<br /><span className="muted">{thousands(v.macs)}</span></td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="scatter-wrap">
        <PresetScatter points={points} />
      </div>
    </div>
  );
}

function CostCells({ cost }: { cost: ReturnType<typeof costOf> | string | null }) {
  if (cost === null || typeof cost === 'string') {
    return <td className="num" colSpan={3} title={cost ?? undefined}>{cost === null ? '—' : 'too large at this batch'}</td>;
  }
  return (
    <>
      <td className="num">{thousands(cost.totals.convActivations)}</td>
      <td className="num">{humanBytes(cost.totals.trainingBytes)}</td>
      <td className="num">{msText(cost.totals.predictedMs)}</td>
    </>
  );
}
