/**
 * "This browser" measured: the engine's probe of the active backend (the roofline's figures), and
 * "Measure": every op of the network timed with random weights, beside its roofline prediction, per layer
 * (a log-log scatter) and per stage, with the rank correlation and where the model misses.
 */
import { useState } from 'react';
import type { LayerGraph } from '../../model/graph.ts';
import type { OpTimes } from '../../model/engine/protocol.ts';
import { costOf, humanBytes } from '../../analysis/cost.ts';
import type { Device } from '../../analysis/devices.ts';
import { layerCategory } from '../../analysis/roofline.ts';
import { spearman } from '../../analysis/stats.ts';
import { thousands } from '../format.ts';
import { getEngine } from '../engine.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Rich } from '../i18n/Rich.tsx';
import { categoryLabel } from '../i18n/data.ts';
import { measureBrowser, useBrowserSpeed } from '../browserSpeed.ts';
import type { AppState } from '../state.ts';
import { LogScatter } from './LogScatter.tsx';
import { CATEGORY_COLORS, msText } from './RooflineChart.tsx';
import { TableWrap } from './TableWrap.tsx';

/** Above this predicted time per pass, Measure times batch 1 instead of the chosen batch. */
const MAX_PASS_MS = 3000;
const RUNS = 3;


interface Timed {
  config: AppState['config'];
  times: OpTimes;
}

export function BrowserMeasure({ state, graph, device }: { state: AppState; graph: LayerGraph; device: Device }) {
  const i18n = useI18n();
  const { t } = i18n;
  const speed = useBrowserSpeed();
  const [timed, setTimed] = useState<Timed | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const current = timed && timed.config === state.config ? timed : null;

  const measure = async () => {
    setBusy(true);
    setError(null);
    try {
      const full = costOf(graph, { batch: state.batch, dtype: 'float32', layout: 'nchw', optimizer: state.optimizer, device, gpus: 1 });
      const batch = full.totals.predictedMs <= MAX_PASS_MS ? state.batch : 1;
      const engine = await getEngine();
      setTimed({ config: state.config, times: await engine.timeOps(state.config, batch, RUNS) });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const s = speed.status === 'done' ? speed.speed : null;
  return (
    <section className="card browser" aria-labelledby="browser-title">
      <h3 id="browser-title">{t('browser.title')}</h3>
      {s && (
        <p>
          <Rich text={t('browser.measured', {
            backend: s.backend, threads: s.threads ? t('browser.threads', { threads: s.threads }) : '', conv: s.convGflops.toFixed(1),
            grouped: s.groupedGflops.toFixed(1), copy: s.copyGBs.toFixed(1), launch: s.launchUs.toFixed(1), convUs: s.convUs.toFixed(1), chainUs: s.chainUs.toFixed(0),
            memory: humanBytes(s.memoryBytes), note: s.memoryNoteMessage ? i18n.msg(s.memoryNoteMessage) : s.memoryNote,
          })} />
          <button type="button" className="ghost" onClick={() => void measureBrowser(state.backend, true)}>{t('browser.again')}</button>
        </p>
      )}
      <div className="toolbar actions">
        <button type="button" className="primary" onClick={() => void measure()} disabled={busy}>{t('browser.measure')}</button>
        <span className="muted small" role="status">
          {busy ? t('browser.timing', { runs: RUNS }) : t('browser.timesEvery')}
        </span>
      </div>
      {error !== null && <p className="field-error" role="alert">{i18n.error(error)}</p>}
      {current && <Comparison graph={graph} device={device} state={state} times={current.times} />}
    </section>
  );
}

function Comparison({ graph, device, state, times }: { graph: LayerGraph; device: Device; state: AppState; times: OpTimes }) {
  const i18n = useI18n();
  const { t } = i18n;
  const predicted = costOf(graph, { batch: times.batch, dtype: 'float32', layout: 'nchw', optimizer: state.optimizer, device, gpus: 1 });
  // Each op the engine ran against the predicted layers it covers (its first to its last node).
  const pairs = times.ops.flatMap((op) => {
    const mine = predicted.layers.filter((l) => l.nodes[0] >= op.first && l.nodes[0] <= op.last);
    if (mine.length === 0) return [];
    const layer = mine.length === 1 ? mine[0] : { ...mine[0], ms: mine.reduce((a, l) => a + l.ms, 0) };
    return [{ op, layer, category: layerCategory(graph.nodes[op.first]) }];
  });
  const rho = spearman(pairs.map((p) => p.layer.ms), pairs.map((p) => p.op.ms));
  const stages = predicted.stages.map((st) => {
    const mine = pairs.filter((p) => p.layer.stage === st.stage);
    return { module: st.module, predicted: mine.reduce((a, p) => a + p.layer.ms, 0), measured: mine.reduce((a, p) => a + p.op.ms, 0) };
  });
  const measuredTotal = pairs.reduce((a, p) => a + p.op.ms, 0);
  const predictedTotal = pairs.reduce((a, p) => a + p.layer.ms, 0);
  const byCategory = [...new Set(pairs.map((p) => p.category))].map((c) => {
    const mine = pairs.filter((p) => p.category === c);
    const m = mine.reduce((a, p) => a + p.op.ms, 0);
    const pr = mine.reduce((a, p) => a + p.layer.ms, 0);
    return { category: c, measured: m, predicted: pr, ratio: m / pr, share: m / measuredTotal };
  }).sort((a, b) => b.measured - a.measured);
  const within = stages.filter((st) => st.predicted > 0 && st.measured / st.predicted <= 2 && st.measured / st.predicted >= 0.5).length;
  const all = [...pairs.map((p) => p.layer.ms), ...pairs.map((p) => p.op.ms)].filter((v) => v > 0);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return (
    <div className="comparison">
      <p>
        <Rich text={t(times.batch !== state.batch ? 'browser.summaryBatch1' : 'browser.summary', {
          batch: thousands(times.batch), seconds: MAX_PASS_MS / 1000, backend: times.backend, runs: times.runs, measured: msText(measuredTotal),
          predicted: msText(predictedTotal), layers: pairs.length, rho: rho.toFixed(2), within, stages: stages.length,
        })} />
      </p>
      <figure className="chart" aria-label={t('browser.perLayer')}>
        <h3>{t('browser.perLayerTitle')} <span className="muted small">{t('browser.perLayerNote')}</span></h3>
        <LogScatter
          name={t('browser.scatterName', { count: pairs.length })}
          dots={pairs.map((p, i) => ({
            key: `${p.op.name}:${i}`, x: Math.max(p.layer.ms, lo), y: Math.max(p.op.ms, lo), color: CATEGORY_COLORS[p.category],
            label: `${p.op.name} (${categoryLabel(i18n, p.category)})`,
            detail: t('browser.dot', { predicted: msText(p.layer.ms), bound: t(`costView.bound.${p.layer.bound}`), measured: msText(p.op.ms), ratio: (p.op.ms / p.layer.ms).toFixed(2) }),
          }))}
          lines={[
            { points: [[lo, lo], [hi, hi]] },
            { points: [[lo, 2 * lo], [hi / 2, hi]], dashed: true },
            { points: [[2 * lo, lo], [hi, hi / 2]], dashed: true },
          ]}
          xLabel={t('browser.xLabel')}
          yLabel={t('browser.yLabel')}
          formatX={(v) => String(+v.toPrecision(2))}
          formatY={(v) => String(+v.toPrecision(2))}
          legend={[...new Set(pairs.map((p) => p.category))].map((c) => ({ label: categoryLabel(i18n, c), color: CATEGORY_COLORS[c] }))}
        />
      </figure>
      <TableWrap>
        <table className="data" aria-label={t('browser.perStage')}>
          <thead><tr><th scope="col">{t('browser.col.stage')}</th><th scope="col" className="num">{t('browser.col.measured')}</th><th scope="col" className="num">{t('browser.col.predicted')}</th><th scope="col" className="num">{t('browser.col.ratio')}</th></tr></thead>
          <tbody>
            {stages.map((st) => (
              <tr key={st.module} data-stage={st.module} data-measured-ms={st.measured} data-predicted-ms={st.predicted}>
                <th scope="row">{st.module === 'head' ? t('table.head') : st.module}</th><td className="num">{msText(st.measured)}</td><td className="num">{msText(st.predicted)}</td>
                <td className="num">{st.predicted > 0 ? `${(st.measured / st.predicted).toFixed(2)}×` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <div className="misses">
        <h4>{t('browser.misses')}</h4>
        <ul>
          {byCategory.map((c) => (
            <li key={c.category}>
              <span className="swatch" style={{ color: CATEGORY_COLORS[c.category] }}>●</span> <strong>{categoryLabel(i18n, c.category)}</strong>{i18n.lang === 'zh' ? '：' : ': '}
              {t('browser.miss', {
                share: (c.share * 100).toFixed(0),
                ratio: c.predicted > 0 ? t('browser.missRatio', { ratio: c.ratio.toFixed(2) }) : t('browser.missFree'),
                kind: categoryLabel(i18n, c.category),
                why: t(`browser.why.${c.category}`),
              })}
            </li>
          ))}
        </ul>
        <p className="hint">{t('browser.limits')}</p>
      </div>
      <details className="card">
        <summary>{t('browser.everyLayer')}</summary>
        <TableWrap>
          <table className="data" aria-label={t('browser.perLayerTable')}>
            <thead><tr><th scope="col">{t('browser.col.layer')}</th><th scope="col">{t('browser.col.kind')}</th><th scope="col" className="num">{t('browser.col.measured')}</th><th scope="col" className="num">{t('browser.col.predicted')}</th><th scope="col">{t('browser.col.bound')}</th></tr></thead>
            <tbody>
              {pairs.map((p, i) => (
                <tr key={`${p.op.name}:${i}`} data-layer={p.op.name} data-kind={p.category} data-stage={p.layer.stage} data-measured-ms={p.op.ms} data-predicted-ms={p.layer.ms}>
                  <th scope="row">{p.op.name}</th><td>{categoryLabel(i18n, p.category)}</td><td className="num">{msText(p.op.ms)}</td><td className="num">{msText(p.layer.ms)}</td><td>{t(`costView.bound.${p.layer.bound}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </div>
  );
}
