/**
 * View 4: the three equivalent forms of a block side by side, with each layer's weight shape,
 * parameter formula and MACs from src/analysis/forms.ts, why they are equal, and a numerical check
 * through the engine (shared random weights, one random input).
 */
import { messageFromError } from '../../model/message.ts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { graphOf } from '../graphs.ts';
import { blockForms, EQUIVALENCE_TOLERANCE, type BlockForm } from '../../analysis/forms.ts';
import type { FormsResult } from '../../model/engine/protocol.ts';
import { thousands, ms } from '../format.ts';
import { BACKEND_CHOICES, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { FormsDiagram, layerLabel } from '../components/FormsDiagram.tsx';
import { getEngine } from '../engine.ts';
import { formsCheckRefusal } from '../../model/forms-check.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { ViewHead } from '../components/ViewHead.tsx';
import { StateSelect } from '../components/StateSelect.tsx';

function FormCard({ form, inChannels, outChannels }: { form: BlockForm; inChannels: number; outChannels: number }) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  return (
    <article className="form-card" aria-label={t('forms.view.form', { form: form.form })}>
      <h3>({form.form}) {msg(form.title)}</h3>
      <FormsDiagram form={form} inChannels={inChannels} outChannels={outChannels} />
      <table className="form-layers">
        <thead>
          <tr><th scope="col">{t('forms.view.layer')}</th><th scope="col">{t('forms.view.weights')}</th><th scope="col" className="num">{t('forms.view.params')}</th></tr>
        </thead>
        <tbody>
          {form.layers.map((l, i) => (
            <tr key={i}>
              <td>{layerLabel(i18n, l)}</td>
              <td>
                {l.weightShape ? (l.weightCopies > 1 ? `${l.weightShape} × ${l.weightCopies}` : l.weightShape) : '—'}
                <div className="formula">{msg(l.formulaMessage)}</div>
              </td>
              <td className="num">{thousands(l.params)}</td>
            </tr>
          ))}
          <tr className="form-total">
            <td colSpan={2}>{t('forms.view.total', { macs: thousands(form.macs) })}</td>
            <td className="num" data-testid={`form-${form.form}-params`}>{thousands(form.params)}</td>
          </tr>
        </tbody>
      </table>
    </article>
  );
}

function CheckResult({ result, block }: { result: FormsResult; block: string }) {
  const { t } = useI18n();
  const worst = Math.max(result.maxAbsDiff.ab, result.maxAbsDiff.ac, result.maxAbsDiff.bc);
  const pass = worst < EQUIVALENCE_TOLERANCE;
  const figures = { worst: worst.toExponential(2), tolerance: String(EQUIVALENCE_TOLERANCE), backend: result.backend };
  return (
    <div className="card" role="region" aria-label={t('forms.view.result')}>
      <p className={pass ? 'status' : 'field-error'}>
        {t(pass ? 'forms.view.equal' : 'forms.view.differ', figures)}
        {' '}{t('forms.view.ran', { block })}
      </p>
      <div className="check-result">
        <dl className="totals">
          <div><dt>max |(a) − (b)|</dt><dd data-testid="diff-ab">{result.maxAbsDiff.ab.toExponential(2)}</dd></div>
          <div><dt>max |(a) − (c)|</dt><dd data-testid="diff-ac">{result.maxAbsDiff.ac.toExponential(2)}</dd></div>
          <div><dt>max |(b) − (c)|</dt><dd data-testid="diff-bc">{result.maxAbsDiff.bc.toExponential(2)}</dd></div>
        </dl>
      </div>
      <table className="data">
        <thead><tr><th scope="col">{t('forms.view.formColumn')}</th><th scope="col" className="num">{t('forms.view.time')}</th><th scope="col" className="num">{t('forms.view.blockParams')}</th></tr></thead>
        <tbody>
          {result.forms.map((f) => (
            <tr key={f.form}><th scope="row">({f.form})</th><td className="num">{ms(f.ms)}</td><td className="num">{thousands(f.params)}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function FormsView({ state }: { state: AppState }) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  const store = useStore();
  const { config, formsStage, formsBlock } = state;
  const graph = graphOf(config);
  const forms = useMemo(() => {
    try {
      return { ok: blockForms(graph, formsStage, formsBlock ?? undefined) } as const;
    } catch (e) {
      return { error: e } as const;
    }
  }, [graph, formsStage, formsBlock]);
  const [check, setCheck] = useState<{ key: string; running: boolean; result?: FormsResult; error?: unknown } | null>(null);
  // No block in the state means the stage's last block, as the block picker shows.
  const shownBlock = formsBlock ?? (graph.stages[formsStage]?.blocks ?? 1) - 1;
  const checkKey = `${JSON.stringify(config)}:${formsStage}:${shownBlock}:${state.backend}`;
  const current = check?.key === checkKey ? check : null;
  // A block the check would not finish on (form (a)'s C paths, the block's work) is refused before it is sent.
  const refusal = useMemo(() => ('ok' in forms ? formsCheckRefusal(config, graph, formsStage, shownBlock) : null), [forms, config, graph, formsStage, shownBlock]);
  const running = useRef<AbortController | null>(null);
  // Leaving the view, or another block, stops a check still running.
  useEffect(() => () => running.current?.abort(), [checkKey]);

  const run = async () => {
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setCheck({ key: checkKey, running: true });
    try {
      const engine = await getEngine();
      await engine.setBackend(state.backend);
      const result = await engine.checkForms(config, formsStage, 1, shownBlock, controller.signal);
      setCheck({ key: checkKey, running: false, result });
    } catch (e) {
      if (running.current !== controller) return; // overtaken by a newer check
      // A cancelled check leaves no error: the user asked for it.
      setCheck(controller.signal.aborted ? null : { key: checkKey, running: false, error: e });
    } finally {
      if (running.current === controller) running.current = null;
    }
  };

  const stages = graph.stages.slice(1);
  const blocks = graph.stages[formsStage]?.blocks ?? 1;
  return (
    <div className="view">
      <ViewHead title={t('forms.view.title')} note={t('forms.view.titleNote')} lede={t('forms.view.lede')} />
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="forms-stage">{t('forms.view.stage')}</label>
          <select id="forms-stage" value={formsStage} onChange={(e) => {
            const n = Number(e.target.value);
            store.update((s) => ({ ...s, formsStage: n, formsBlock: null }));
          }}>
            {stages.map((s) => <option key={s.index} value={s.index}>{t('forms.view.stageOption', { paper: s.paperName, module: s.module })}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="forms-block">{t('forms.view.block')}</label>
          <select id="forms-block" value={formsBlock ?? blocks - 1} onChange={(e) => {
            const n = Number(e.target.value);
            store.update((s) => ({ ...s, formsBlock: n === blocks - 1 ? null : n }));
          }}>
            {Array.from({ length: blocks }, (_, b) => <option key={b} value={b}>{b === 0 ? t('forms.view.firstBlock', { block: b }) : b}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="forms-backend">{t('forms.view.backend')}</label>
          <StateSelect id="forms-backend" state={state} field="backend" options={BACKEND_CHOICES} label={(b) => b} />
        </div>
        <button type="button" className="primary" onClick={run} disabled={current?.running === true || !('ok' in forms) || refusal !== null}
          aria-describedby={refusal ? 'forms-refusal' : undefined}>
          {current?.running ? t('forms.view.running') : t('forms.view.run')}
        </button>
        {current?.running && (
          <button type="button" onClick={() => running.current?.abort()}>{t('forms.view.cancel')}</button>
        )}
      </div>
      {refusal && <p id="forms-refusal" className="hint" role="status">{i18n.error(refusal)}</p>}
      {current?.running && (
        <p className="muted" role="status">
          {t('forms.view.runningStatus', { paper: graph.stages[formsStage]?.paperName ?? '' })}
        </p>
      )}
      {'error' in forms ? (
        // A basic block is not an error: the forms describe bottlenecks, and the note says which block type has them.
        messageFromError(forms.error).id === 'forms.error.basic'
          ? <p className="note" role="status">{i18n.error(forms.error)}</p>
          : <div className="error-box" role="alert">{i18n.error(forms.error)}</div>
      ) : (
        <>
          {current?.error !== undefined && <div className="error-box" role="alert">{t('forms.view.failed', { error: i18n.error(current.error) })}</div>}
          {current?.result && <CheckResult result={current.result} block={`${graph.stages[formsStage]?.module}.${shownBlock}`} />}
          <div className="forms-grid">
            {forms.ok.forms.map((f) => <FormCard key={f.form} form={f} inChannels={forms.ok.spec.inChannels} outChannels={forms.ok.spec.outChannels} />)}
          </div>
          <div className="card explain">
            <h3>{t('forms.view.why', { module: forms.ok.module ?? '', c: forms.ok.spec.cardinality, d: forms.ok.spec.channelsPerGroup })}</h3>
            {forms.ok.explanation.map((p, i) => <p key={i}>{msg(p)}</p>)}
          </div>
          <div className="card explain">
            <h3>{t('forms.view.after')}</h3>
            {forms.ok.shared.map((p, i) => <p key={i}>{msg(p)}</p>)}
          </div>
        </>
      )}
    </div>
  );
}
