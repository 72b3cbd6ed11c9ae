/**
 * The benchmark part of the Run view: the loaded network timed on a random batch-1 input, median and
 * p90 over the runs, and the time of each stage. A new network or backend clears the last result.
 */
import { useEffect, useState } from 'react';
import type { BackendName, BenchResult, LoadedWeights } from '../../model/engine/protocol.ts';
import { ms } from '../format.ts';
import { useEngineTask } from '../useEngineTask.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { appMessage } from '../i18n/translator.ts';
import { Card } from './Card.tsx';

const MAX_RUNS = 1000;

export function RunBenchmark({ weights, active }: { weights: LoadedWeights | null; active: BackendName | null }) {
  const { t, msg } = useI18n();
  const [runs, setRuns] = useState('20');
  const task = useEngineTask<BenchResult>();
  const { reset } = task;
  useEffect(() => reset(), [weights, active, reset]);

  const start = () => {
    const n = Number(runs);
    if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS) {
      task.fail(appMessage('run.runsError', { max: MAX_RUNS, value: runs }));
      return;
    }
    void task.run((engine) => engine.benchmark(n));
  };

  const bench = task.result;
  const maxStage = bench ? Math.max(...bench.perStageMs.map((s) => s.ms), 1e-9) : 1;
  return (
    <Card id="bench" title={t('run.benchmark')}>
      <div className="toolbar">
        <div className="field inline narrow">
          <label htmlFor="bench-runs">{t('run.runs')}</label>
          <input id="bench-runs" type="text" inputMode="numeric" value={runs} onChange={(e) => setRuns(e.target.value)} />
        </div>
        <button type="button" disabled={!weights || task.running} onClick={start}>{task.running ? t('run.running') : t('run.benchmark')}</button>
        {!weights && <span className="muted small">{t('run.benchmarkFirst')}</span>}
      </div>
      {task.error && <p className="field-error" role="alert">{msg(task.error)}</p>}
      {bench && (
        <div>
          <dl className="totals">
            <div><dt>{t('run.median')}</dt><dd>{ms(bench.medianMs)}</dd></div>
            <div><dt>{t('run.p90')}</dt><dd>{ms(bench.p90Ms)}</dd></div>
            <div><dt>{t('run.runsBackend')}</dt><dd>{bench.runs}, {bench.backend}</dd></div>
          </dl>
          <ul className="bars" aria-label={t('run.perStage')}>
            {bench.perStageMs.map((s) => (
              <li key={s.stage}>
                <span>{s.stage === 'stem' ? t('run.stemStage') : s.stage === 'head' ? t('run.headStage') : s.stage}<span className="bar" style={{ width: `${((s.ms / maxStage) * 100).toFixed(1)}%` }} /></span>
                <span className="num">{ms(s.ms)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}
