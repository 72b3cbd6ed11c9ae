/**
 * View 4: the three equivalent forms of a block side by side, with each layer's weight shape,
 * parameter formula and MACs from src/analysis/forms.ts, why they are equal, and a numerical check
 * through the engine (shared random weights, one random input).
 */
import { useMemo, useState } from 'react';
import { graphOf } from '../graphs.ts';
import { blockForms, EQUIVALENCE_TOLERANCE, type BlockForm } from '../../analysis/forms.ts';
import type { FormsResult } from '../../model/engine/client.ts';
import { thousands, ms } from '../format.ts';
import { BACKEND_CHOICES, type AppState, type BackendChoice } from '../state.ts';
import { useStore } from '../store.ts';
import { FormsDiagram } from '../components/FormsDiagram.tsx';
import { errorText, getEngine } from '../engine.ts';


function FormCard({ form, inChannels, outChannels }: { form: BlockForm; inChannels: number; outChannels: number }) {
  return (
    <article className="form-card" aria-label={`Form (${form.form})`}>
      <h3>({form.form}) {form.title}</h3>
      <FormsDiagram form={form} inChannels={inChannels} outChannels={outChannels} />
      <table className="form-layers">
        <thead>
          <tr><th scope="col">Layer</th><th scope="col">Weights</th><th scope="col" className="num">Params</th></tr>
        </thead>
        <tbody>
          {form.layers.map((l, i) => (
            <tr key={i}>
              <td>{l.label}</td>
              <td>
                {l.weightShape ? (l.weightCopies > 1 ? `${l.weightShape} × ${l.weightCopies}` : l.weightShape) : '—'}
                <div className="formula">{l.formula}</div>
              </td>
              <td className="num">{thousands(l.params)}</td>
            </tr>
          ))}
          <tr className="form-total">
            <td colSpan={2}>Total ({thousands(form.macs)} MACs)</td>
            <td className="num" data-testid={`form-${form.form}-params`}>{thousands(form.params)}</td>
          </tr>
        </tbody>
      </table>
    </article>
  );
}

function CheckResult({ result, block }: { result: FormsResult; block: string }) {
  const worst = Math.max(result.maxAbsDiff.ab, result.maxAbsDiff.ac, result.maxAbsDiff.bc);
  const pass = worst < EQUIVALENCE_TOLERANCE;
  return (
    <div className="card" role="region" aria-label="Equivalence check result">
      <p className={pass ? 'status' : 'field-error'}>
        {pass ? 'Equal within float32 rounding' : 'The forms differ'}: max |difference| {worst.toExponential(2)}
        {pass ? ` < ${EQUIVALENCE_TOLERANCE}` : ` ≥ ${EQUIVALENCE_TOLERANCE}`} on {result.backend}, one random input, shared random weights.
        {' '}The engine ran block {block}, with its BN layers and its shortcut.
      </p>
      <div className="check-result">
        <dl className="totals">
          <div><dt>max |(a) − (b)|</dt><dd data-testid="diff-ab">{result.maxAbsDiff.ab.toExponential(2)}</dd></div>
          <div><dt>max |(a) − (c)|</dt><dd data-testid="diff-ac">{result.maxAbsDiff.ac.toExponential(2)}</dd></div>
          <div><dt>max |(b) − (c)|</dt><dd data-testid="diff-bc">{result.maxAbsDiff.bc.toExponential(2)}</dd></div>
        </dl>
      </div>
      <table className="data">
        <thead><tr><th scope="col">Form</th><th scope="col" className="num">Time</th><th scope="col" className="num">Params of the block run (with BN and shortcut)</th></tr></thead>
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
  const store = useStore();
  const { config, formsStage, formsBlock } = state;
  const graph = graphOf(config);
  const forms = useMemo(() => {
    try {
      return { ok: blockForms(graph, formsStage, formsBlock ?? undefined) } as const;
    } catch (e) {
      return { error: errorText(e) } as const;
    }
  }, [graph, formsStage, formsBlock]);
  const [check, setCheck] = useState<{ key: string; running: boolean; result?: FormsResult; error?: string } | null>(null);
  // No block in the state means the stage's last block, as the block picker shows.
  const shownBlock = formsBlock ?? (graph.stages[formsStage]?.blocks ?? 1) - 1;
  const checkKey = `${JSON.stringify(config)}:${formsStage}:${shownBlock}:${state.backend}`;
  const current = check?.key === checkKey ? check : null;

  const run = async () => {
    setCheck({ key: checkKey, running: true });
    try {
      const engine = await getEngine();
      await engine.setBackend(state.backend);
      const result = await engine.checkForms(config, formsStage, 1, shownBlock);
      setCheck({ key: checkKey, running: false, result });
    } catch (e) {
      setCheck({ key: checkKey, running: false, error: errorText(e) });
    }
  };

  const stages = graph.stages.slice(1);
  const blocks = graph.stages[formsStage]?.blocks ?? 1;
  return (
    <div className="view">
      <div className="view-head">
        <h2>Forms (a), (b), (c) <span className="muted">(paper Fig. 3)</span></h2>
        <p className="lede">Three arrangements of the same block. Shapes are “in, k×k, out”; weights are written in×k×k×out.</p>
      </div>
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="forms-stage">Stage</label>
          <select id="forms-stage" value={formsStage} onChange={(e) => {
            const n = Number(e.target.value);
            store.update((s) => ({ ...s, formsStage: n, formsBlock: null }));
          }}>
            {stages.map((s) => <option key={s.index} value={s.index}>{s.paperName} ({s.module})</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="forms-block">Block</label>
          <select id="forms-block" value={formsBlock ?? blocks - 1} onChange={(e) => {
            const n = Number(e.target.value);
            store.update((s) => ({ ...s, formsBlock: n === blocks - 1 ? null : n }));
          }}>
            {Array.from({ length: blocks }, (_, b) => <option key={b} value={b}>{b}{b === 0 ? ' (first: stride, shortcut conv)' : ''}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="forms-backend">Backend</label>
          <select id="forms-backend" value={state.backend} onChange={(e) => {
            const b = e.target.value as BackendChoice;
            store.update((s) => ({ ...s, backend: b }));
          }}>
            {BACKEND_CHOICES.map((b) => <option key={b} value={b}>{b}</option>)}
          </select>
        </div>
        <button type="button" className="primary" onClick={run} disabled={current?.running === true || !('ok' in forms)}>
          {current?.running ? 'Running…' : 'Run equivalence check'}
        </button>
      </div>
      {current?.running && (
        <p className="muted" role="status">
          Running forms (a), (b), (c) of one {graph.stages[formsStage]?.paperName} block in the engine worker (the page stays usable); the first run on a backend also compiles its kernels.
        </p>
      )}
      {'error' in forms ? (
        <div className="error-box" role="alert">{forms.error}</div>
      ) : (
        <>
          {current?.error && <div className="error-box" role="alert">Equivalence check failed: {current.error}</div>}
          {current?.result && <CheckResult result={current.result} block={`${graph.stages[formsStage]?.module}.${shownBlock}`} />}
          <div className="forms-grid">
            {forms.ok.forms.map((f) => <FormCard key={f.form} form={f} inChannels={forms.ok.spec.inChannels} outChannels={forms.ok.spec.outChannels} />)}
          </div>
          <div className="card explain">
            <h3>Why they are equal ({forms.ok.module}: C = {forms.ok.spec.cardinality}, d = {forms.ok.spec.channelsPerGroup})</h3>
            {forms.ok.explanation.map((p, i) => <p key={i}>{p}</p>)}
          </div>
          <div className="card explain">
            <h3>After the aggregation, the same in all three forms</h3>
            {forms.ok.shared.map((p, i) => <p key={i}>{p}</p>)}
          </div>
        </>
      )}
    </div>
  );
}
