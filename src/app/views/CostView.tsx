/**
 * View: cost beyond FLOPs. Batch size, precision, layout, optimizer, device and GPUs; training memory
 * against the device's memory; the predicted inference and training-step time (the kernel-level model of
 * src/analysis/timing) with the published measurements of the same setting beside it; throughput and
 * memory against the batch; the roofline of every layer with its efficiency; predicted time per stage;
 * why a ResNeXt is slower than its FLOPs next to its same-FLOPs ResNet; and "This browser" as a device,
 * measured by the engine. Every figure is computed in src/analysis from the layer graph.
 */
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { usesGroupNorm, type LayerGraph } from '../../model/graph.ts';
import { graphOf } from '../graphs.ts';
import { checkBatch, costOf, CostError, humanBytes, MAX_GPUS, parseBatch, parseGpus, sameFlopsCounterpart, type Counterpart, type CostReport } from '../../analysis/cost.ts';
import { BROWSER_DEVICE, DEVICES, findDevice, type Device } from '../../analysis/devices.ts';
import { OPTIMIZERS, trainingMemory } from '../../analysis/memory.ts';
import { layerCategory, type LayerCategory } from '../../analysis/roofline.ts';
import { KERNEL_ROWS } from '../kernelPoints.ts';
import { memoryDtype, PRECISIONS } from '../../analysis/timing/precision.ts';
import { LAYOUTS } from '../../analysis/timing/model.ts';
import { GPU_CONSTANT_TABLE } from '../../analysis/timing/constants.ts';
import { TrainingTimes } from '../components/TrainingTimes.tsx';
import { BatchSweep } from '../components/BatchSweep.tsx';
import { PublishedTimes } from '../components/PublishedTimes.tsx';
import { thousands, humanCount } from '../format.ts';
import { costOptionsOf, DEVICE_CHOICES, type AppState } from '../state.ts';
import { kernelRowOf, nodeId, revealInGraph } from '../graphLinks.ts';
import { GraphLink } from '../components/GraphLink.tsx';
import { useStore } from '../store.ts';
import { chosenDevice, measureBrowser, useBrowserSpeed } from '../browserSpeed.ts';
import { MemoryBar } from '../components/MemoryBar.tsx';
import { RooflineChart, msText } from '../components/RooflineChart.tsx';
import { WhyResNeXt } from '../components/WhyResNeXt.tsx';
import { BrowserMeasure } from '../components/BrowserMeasure.tsx';
import './cost.css';
import { useI18n } from '../i18n/I18n.tsx';
import { categoryLabel, constantText, deviceLabel, deviceNote, deviceSource } from '../i18n/data.ts';
import { messageFromError, type Message } from '../../model/message.ts';
import { TableWrap } from '../components/TableWrap.tsx';
import { ViewHead } from '../components/ViewHead.tsx';
import { StateSelect } from '../components/StateSelect.tsx';

function Field({ label, error, hint, children }: { label: string; error?: string; hint?: ReactNode; children: (ids: { id: string; describedBy?: string }) => ReactNode }) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy })}
      {hint && <div id={`${id}-hint`} className="hint">{hint}</div>}
      {error && <div id={`${id}-error`} className="field-error" role="alert">{error}</div>}
    </div>
  );
}

interface Computed {
  report: CostReport;
  /** The report the time figures come from (float32 on the browser, which computes in float32). */
  time: CostReport;
  counterpart: { report: CostReport | null; error: Message | null; which: Counterpart | null };
}

function compute(graph: LayerGraph, state: AppState, device: Device): Computed {
  const options = costOptionsOf(state, device);
  const report = costOf(graph, options);
  const time = device.kind === 'browser' && state.dtype !== 'float32' ? costOf(graph, { ...options, dtype: 'float32' }) : report;
  let counterpart: Computed['counterpart'] = { report: null, error: null, which: null };
  const c = graph.config;
  if (!(c.cardinality === 1 && c.widthPerGroup === 64)) {
    const which = sameFlopsCounterpart(c);
    try {
      counterpart = { report: costOf(graphOf(which.config), { ...options, dtype: time.options.dtype }), error: null, which };
    } catch (e) {
      counterpart = { report: null, error: messageFromError(e), which };
    }
  }
  return { report, time, counterpart };
}

export function CostView({ state }: { state: AppState }) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  const store = useStore();
  const speed = useBrowserSpeed();
  const [batchDraft, setBatchDraft] = useState<{ text: string; error: Message; base: AppState['config'] } | null>(null);
  const [gpusDraft, setGpusDraft] = useState<{ text: string; error: Message } | null>(null);
  const graph = graphOf(state.config);
  const device = useMemo(() => chosenDevice(state.device, speed), [state.device, speed]);
  useEffect(() => {
    if (state.device === BROWSER_DEVICE && speed.status === 'idle') void measureBrowser(state.backend);
  }, [state.device, state.backend, speed.status]);

  const result = useMemo((): { computed: Computed } | { error: Message } | null => {
    if (!device) return null;
    try {
      return { computed: compute(graph, state, device) };
    } catch (e) {
      if (!(e instanceof CostError)) throw e;
      return { error: e.msg };
    }
  }, [graph, state, device]);
  // The last valid result stays on screen while an input is wrong or the browser is being measured.
  const last = useRef<Computed | null>(null);
  if (result && 'computed' in result) last.current = result.computed;
  const error = result && 'error' in result ? msg(result.error) : '';
  const shown = last.current;
  const draft = batchDraft && batchDraft.base === state.config ? batchDraft : null;

  const setBatch = (text: string) => {
    try {
      const b = parseBatch(text);
      checkBatch(trainingMemory(graph, memoryDtype(state.dtype), state.optimizer), b);
      setBatchDraft(null);
      store.update((s) => ({ ...s, batch: b }), { coalesce: 'batch' });
    } catch (e) {
      if (!(e instanceof CostError)) throw e;
      setBatchDraft({ text, error: e.msg, base: state.config });
    }
  };

  const setGpus = (text: string) => {
    try {
      const g = parseGpus(text);
      setGpusDraft(null);
      store.update((s) => ({ ...s, gpus: g }), { coalesce: 'gpus' });
    } catch (e) {
      if (!(e instanceof CostError)) throw e;
      setGpusDraft({ text, error: e.msg });
    }
  };
  const parallel = device !== null && device.interconnect !== null;

  const deviceError = state.device === BROWSER_DEVICE && speed.status === 'error' ? msg(speed.error) : '';
  const measuring = state.device === BROWSER_DEVICE && speed.status === 'measuring';

  return (
    <div className="view cost-view">
      <ViewHead title={t('costView.title')} lede={t('costView.lede')} />
      <div className="toolbar cost-controls">
        <Field label={t('costView.batch')} error={(draft && msg(draft.error)) || error} hint={t('costView.batchHint')}>
          {({ id, describedBy }) => (
            <input id={id} type="text" inputMode="numeric" autoComplete="off" value={draft ? draft.text : String(state.batch)}
              aria-invalid={draft || error ? true : undefined} aria-describedby={describedBy} onChange={(e) => setBatch(e.target.value)} />
          )}
        </Field>
        <Field label={t('costView.precision')} hint={t(`costView.precisionHint.${state.dtype}`)}>
          {({ id, describedBy }) => (
            <StateSelect id={id} state={state} field="dtype" options={PRECISIONS} label={(d) => t(`costView.dtype.${d}`)} describedBy={describedBy} />
          )}
        </Field>
        <Field label={t('costView.layout')} hint={t(`costView.layoutHint.${state.layout}`)}>
          {({ id, describedBy }) => (
            <StateSelect id={id} state={state} field="layout" options={LAYOUTS} label={(l) => t(`costView.layout.${l}`)} describedBy={describedBy} />
          )}
        </Field>
        {state.dtype === 'amp' && usesGroupNorm(graph) && (
          <Field label={t('costView.fastNorm')} hint={t('costView.fastNormHint')}>
            {({ id, describedBy }) => (
              <input id={id} type="checkbox" className="fast-norm" checked={state.fastNorm} aria-describedby={describedBy}
                onChange={(e) => store.update((s) => ({ ...s, fastNorm: e.target.checked }))} />
            )}
          </Field>
        )}
        <Field label={t('costView.optimizer')} hint={t(`costView.optimizerHint.${state.optimizer}`)}>
          {({ id, describedBy }) => (
            <StateSelect id={id} state={state} field="optimizer" options={OPTIMIZERS} label={(o) => t(`costView.optimizer.${o}`)} describedBy={describedBy} />
          )}
        </Field>
        <Field label={t('costView.device')} error={deviceError} hint={measuring ? t('costView.measuringHint') : device ? t(device.execution === 'fused' ? 'costView.fused' : 'costView.eager') : undefined}>
          {({ id, describedBy }) => (
            <select id={id} value={state.device} aria-describedby={describedBy} aria-invalid={deviceError ? true : undefined}
              onChange={(e) => store.update((s) => ({ ...s, device: e.target.value }))}>
              {DEVICE_CHOICES.map((d) => <option key={d} value={d}>{d === BROWSER_DEVICE ? t('costView.thisBrowserOption') : deviceLabel(i18n, findDevice(d)!)}</option>)}
            </select>
          )}
        </Field>
        <Field label={t('costView.gpus')} error={gpusDraft ? msg(gpusDraft.error) : undefined}
          hint={parallel ? t('costView.gpusHint', { most: MAX_GPUS }) : t('costView.gpusSingle')}>
          {({ id, describedBy }) => (
            <input id={id} type="text" inputMode="numeric" autoComplete="off" disabled={!parallel} value={gpusDraft ? gpusDraft.text : String(parallel ? state.gpus : 1)}
              aria-invalid={gpusDraft ? true : undefined} aria-describedby={describedBy} onChange={(e) => setGpus(e.target.value)} />
          )}
        </Field>
      </div>
      {(draft || error || !device) && shown && (
        <p className={measuring && !draft && !error ? 'hint' : 'hint stale'} role="status">
          {measuring ? t('costView.measuringStale') : t('costView.stale')}
        </p>
      )}
      {!shown && <p className="muted" role="status">{measuring ? t('costView.measuring') : t('costView.chooseDevice')}</p>}
      {shown && <CostBody computed={shown} state={state} />}
    </div>
  );
}

function CostBody({ computed, state }: { computed: Computed; state: AppState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { report, time } = computed;
  const m = report.memory;
  const device = report.options.device;
  const graph = report.graph;
  const categories = time.layers.map((k) => layerCategory(graph.nodes[k.nodes[0]]));
  const tot = report.totals;
  const tr = time.training;
  const label = deviceLabel(i18n, device);
  // The kernel of the app's selection (the graph's): the table opened at its row.
  const revealed = state.layer !== null ? kernelRowOf(graph, time.layers, state.layer) : -1;
  return (
    <>
      <dl className="totals cost-totals">
        <div><dt>{t('costView.activations')}</dt><dd data-testid="conv-activations">{thousands(tot.convActivations)}<span className="unit">{t('costView.activationsUnit')}</span></dd></div>
        <div><dt>{t('costView.macs')}</dt><dd>{humanCount(tot.macs)}<span className="unit">{thousands(tot.macs)}</span></dd></div>
        <div><dt>{t('costView.trainMacs')}</dt><dd data-testid="train-macs">{humanCount(tot.trainMacs)}<span className="unit">{t('costView.trainMacsUnit')}</span></dd></div>
        <div><dt>{t('costView.predicted', { batch: thousands(report.options.batch) })}</dt><dd data-testid="predicted-ms">{msText(time.totals.predictedMs)}<span className="unit">{t('costView.predictedUnit', { device: label, rate: thousands(Math.round((report.options.batch / time.totals.predictedMs) * 1000)) })}</span></dd></div>
        <div title={t('costView.stepTitle')}><dt>{t('costView.step', { batch: thousands(report.options.batch), gpus: report.options.gpus })}</dt>
          <dd data-testid="train-step-ms">{tr ? msText(tr.stepMs) : '—'}<span className="unit">{tr ? t('costView.stepUnit', { rate: thousands(Math.round(tr.imagesPerS)), epoch: durationText(tr.epochS, t) }) : t('costView.noTraining')}</span></dd></div>
        <div><dt>{t('costView.training')}</dt><dd data-testid="training-bytes">{humanBytes(tot.trainingBytes)}<span className="unit">{t('costView.trainingUnit')}</span></dd></div>
        <div title={t('costView.stepPeakTitle', { phase: t(`costView.phase.${m.peak.phase}`), at: m.peak.at })}>
          <dt>{t('costView.stepPeak')}</dt><dd data-testid="peak-training-bytes">{humanBytes(tot.peakTrainingBytes)}<span className="unit">{t(m.fits ? 'costView.fits' : 'costView.doesNotFit')}</span></dd>
        </div>
        <div><dt>{t('costView.saved')}</dt><dd data-testid="saved-bytes">{humanBytes(tot.savedActivationBytes)}<span className="unit">{t('costView.perImage', { bytes: humanBytes(m.saved.perSample) })}</span></dd></div>
        <div><dt>{t('costView.peak')}</dt><dd data-testid="inference-peak">{humanBytes(tot.inferencePeakBytes)}<span className="unit">{t('costView.peakUnit')}</span></dd></div>
      </dl>
      <PublishedTimes config={graph.config} graph={graph} device={device} precision={time.options.dtype} layout={time.options.layout} />
      <MemoryBar
        batch={report.options.batch}
        capacity={m.deviceBytes}
        deviceLabel={label}
        largest={m.largestBatch}
        parts={[
          { label: t('costView.part.params'), bytes: tot.paramsBytes, color: 'var(--series-0)' },
          { label: t('costView.part.grads'), bytes: tot.gradsBytes, color: 'var(--series-4)' },
          { label: t('costView.part.optimizer'), bytes: tot.optimizerBytes, color: 'var(--series-3)' },
          { label: t('costView.part.saved'), bytes: tot.savedActivationBytes, color: 'var(--series-1)' },
          { label: t('costView.part.inFlight'), bytes: Math.max(0, tot.peakTrainingBytes - tot.trainingBytes), color: 'var(--series-2)' },
        ]}
      />
      {tr && <TrainingTimes training={tr} batch={report.options.batch} deviceLabel={label} />}
      <BatchSweep graph={graph} options={time.options} deviceLabel={label} />
      <RooflineChart kernels={time.layers} categories={categories} device={device} dtype={time.options.dtype} title={t('costView.roofline', { device: label, dtype: t(`costView.dtype.${time.options.dtype}`), batch: thousands(report.options.batch) })} />
      {device.kind === 'browser' && state.dtype !== 'float32' && (
        <p className="hint">{t('costView.float32Note')}</p>
      )}
      <StageTable report={time} />
      <WhyResNeXt current={time} counterpart={computed.counterpart.report} which={computed.counterpart.which} counterpartError={computed.counterpart.error} />
      {device.kind === 'browser' && <BrowserMeasure state={state} graph={graph} device={device} />}
      <DeviceFigures device={device} />
      {device.kind !== 'browser' && device.kind !== 'cpu' && <ModelConstants />}
      <KernelTable report={time} categories={categories} revealed={revealed} />
    </>
  );
}

/** Seconds as minutes or hours: "42 min", "3.2 h". */
function durationText(seconds: number, t: ReturnType<typeof useI18n>['t']): string {
  return seconds < 3600 ? t('costView.minutes', { value: (seconds / 60).toFixed(seconds < 600 ? 1 : 0) }) : t('costView.hours', { value: (seconds / 3600).toFixed(1) });
}

/** The time model's constants, each with its meaning and source (src/analysis/timing/constants.ts). */
function ModelConstants() {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <details className="card constants">
      <summary>{t('costView.constants')}</summary>
      <TableWrap>
        <table className="data" aria-label={t('costView.constantsTable')}>
          <thead><tr><th scope="col">{t('costView.col.constant')}</th><th scope="col" className="num">{t('costView.col.value')}</th><th scope="col">{t('costView.col.meaning')}</th><th scope="col">{t('costView.col.source')}</th></tr></thead>
          <tbody>
            {GPU_CONSTANT_TABLE.map((c) => (
              <tr key={c.key}><th scope="row"><code>{c.key}</code></th><td className="num">{+c.value.toPrecision(3)}</td><td className="small">{constantText(i18n, c).what}</td><td className="small">{constantText(i18n, c).source}</td></tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <p className="hint">{t('costView.constantsHint')}</p>
    </details>
  );
}

/**
 * Every kernel's traffic, intensity, efficiency and predicted time. The rows exist only while the list is open,
 * and KERNEL_ROWS at a time (a link can ask for tens of thousands of kernels); the app's selection opens the
 * list at its row.
 */
function KernelTable({ report, categories, revealed }: { report: CostReport; categories: LayerCategory[]; revealed: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const store = useStore();
  const graph = report.graph;
  const [open, setOpen] = useState(false);
  const [limit, setLimit] = useState(KERNEL_ROWS);
  const kernelsRef = useRef<HTMLDetailsElement>(null);
  const revealRef = useRef<HTMLTableRowElement>(null);
  const kernels = report.layers;
  const shown = Math.min(Math.max(limit, revealed + 1), kernels.length);
  useEffect(() => {
    if (revealed < 0 || !kernelsRef.current) return;
    kernelsRef.current.open = true;
    setOpen(true);
  }, [revealed]);
  useEffect(() => {
    if (open && revealed >= 0) revealRef.current?.scrollIntoView({ block: 'center' });
  }, [open, revealed]);
  return (
    <details className="card kernels" ref={kernelsRef} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{t('costView.kernels', { count: kernels.length })}</summary>
      {open && (
        <>
          <TableWrap>
            <table className="data" aria-label={t('costView.kernelsTable')}>
              <thead>
                <tr>
                  <th scope="col">{t('costView.col.layer')}</th><th scope="col">{t('costView.col.kind')}</th><th scope="col" className="num">{t('costView.col.macs')}</th><th scope="col" className="num">{t('costView.col.read')}</th>
                  <th scope="col" className="num">{t('costView.col.written')}</th><th scope="col" className="num">{t('costView.col.intensity')}</th><th scope="col">{t('costView.col.bound')}</th>
                  <th scope="col">{t('costView.col.unit')}</th><th scope="col" className="num" title={t('costView.col.tilesTitle')}>{t('costView.col.tiles')}</th><th scope="col" className="num" title={t('costView.col.peakTitle')}>{t('costView.col.peak')}</th>
                  <th scope="col" className="num">{t('costView.col.predicted')}</th>
                  <th scope="col" className="num" title={t('costView.col.macTitle')}>{t('costView.col.mac')}</th>
                </tr>
              </thead>
              <tbody>
                {kernels.slice(0, shown).map((k, i) => (
                  <tr key={`${k.name}:${i}`} className={i === revealed ? 'revealed' : undefined} ref={i === revealed ? revealRef : undefined}>
                    <th scope="row">
                      {k.name}
                      <GraphLink name={k.name} onClick={() => store.update((s) => revealInGraph(s, nodeId(graph, k.nodes[0])))} />
                    </th><td>{categoryLabel(i18n, categories[i])}</td><td className="num">{thousands(k.macs)}</td><td className="num">{humanBytes(k.bytesRead)}</td>
                    <td className="num">{humanBytes(k.bytesWritten)}</td><td className="num">{k.intensity.toFixed(1)}</td><td>{t(`costView.bound.${k.bound}`)}</td>
                    <td>{k.unit === 'memory' ? '' : t(k.winograd ? 'costView.unitWinograd' : `costView.unit.${k.unit}`)}</td>
                    <td className="num">{k.unit === 'memory' ? '' : `${(k.tileUse * 100).toFixed(0)}%`}</td>
                    <td className="num">{k.unit === 'memory' ? '' : `${(k.peakShare * 100).toFixed(0)}%`}</td>
                    <td className="num">{msText(k.ms)}</td>
                    <td className="num">{k.memoryAccessCost === null ? '' : thousands(k.memoryAccessCost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {shown < kernels.length && (
            <p className="kernels-more">
              <span className="hint">{t('costView.kernelsShown', { shown, count: kernels.length })}</span>{' '}
              <button type="button" onClick={() => setLimit(shown + KERNEL_ROWS)}>{t('costView.kernelsMore', { more: Math.min(KERNEL_ROWS, kernels.length - shown) })}</button>
            </p>
          )}
        </>
      )}
      <p className="hint">{t('costView.kernelsHint', { launch: report.options.device.launchUs.toFixed(1) })}</p>
    </details>
  );
}

function StageTable({ report }: { report: CostReport }) {
  const { t } = useI18n();
  return (
    <TableWrap>
      <table className="data stage-times" aria-label={t('costView.stageTimes')}>
        <caption>{t('costView.stageTimes')}</caption>
        <thead>
          <tr><th scope="col">{t('costView.col.stage')}</th><th scope="col" className="num">{t('costView.col.predicted')}</th><th scope="col">{t('costView.col.share')}</th><th scope="col" className="num">MACs</th><th scope="col" className="num">{t('costView.col.bytes')}</th></tr>
        </thead>
        <tbody>
          {report.stages.map((s) => (
            <tr key={s.module}>
              <th scope="row">{s.module === 'head' ? t('table.head') : s.module}</th>
              <td className="num">{msText(s.ms)}</td>
              <td><span className="share"><span style={{ width: `${(s.share * 100).toFixed(2)}%` }} /></span> <span className="num">{(s.share * 100).toFixed(1)}%</span></td>
              <td className="num">{humanCount(s.macs)}</td>
              <td className="num">{humanBytes(s.bytes)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr><th scope="row">{t('costView.totalRow')}</th><td className="num">{msText(report.totals.predictedMs)}</td><td /><td className="num">{humanCount(report.stages.reduce((a, s) => a + s.macs, 0))}</td><td className="num">{humanBytes(report.stages.reduce((a, s) => a + s.bytes, 0))}</td></tr>
        </tfoot>
      </table>
    </TableWrap>
  );
}

function DeviceFigures({ device }: { device: Device }) {
  const i18n = useI18n();
  const { t } = i18n;
  const rows: [string, string, string][] = [
    ['FP32', `${device.fp32Tflops.toPrecision(3)} TFLOPS`, device.sources.fp32],
    [t('costView.fig.tf32'), device.tf32Tflops === null ? t('costView.fig.fp32Rate') : `${device.tf32Tflops} TFLOPS`, device.sources.tf32],
    [t('costView.fig.fp16'), device.fp16Tflops === null ? t('costView.fig.fp32Rate') : `${device.fp16Tflops} TFLOPS`, device.sources.fp16],
    [t('costView.fig.bf16'), device.bf16Tflops === null ? t('costView.fig.fp32Rate') : `${device.bf16Tflops} TFLOPS`, device.sources.bf16],
    [t('costView.fig.bandwidth'), `${device.bandwidthGBs.toPrecision(3)} GB/s`, device.sources.bandwidth],
    [t('costView.fig.memory'), humanBytes(device.memoryGB * 1e9), device.sources.memory],
    [t('costView.fig.launch'), `${device.launchUs.toFixed(1)} µs`, device.sources.launch],
    ...(device.kind === 'browser' ? [] : [[t('costView.fig.sms'), device.clockMHz > 0 ? t('costView.fig.smsValue', { sms: device.sms, mhz: thousands(device.clockMHz) }) : String(device.sms), device.sources.sms] as [string, string, string]]),
    ...(device.interconnect ? [[t('costView.fig.interconnect'), t('costView.fig.interconnectValue', { link: device.interconnect.link === 'nvlink' ? 'NVLink' : 'PCIe', intra: device.interconnect.intraGBs, node: device.interconnect.perNode, inter: device.interconnect.interGBs }), device.sources.interconnect] as [string, string, string]] : []),
  ];
  const note = deviceNote(i18n, device);
  return (
    <details className="card device-figures">
      <summary>{t('costView.figures', { device: deviceLabel(i18n, device) })}</summary>
      <table className="data" aria-label={t('costView.figuresTable')}>
        <tbody>
          {rows.map(([k, v, src]) => <tr key={k}><th scope="row">{k}</th><td className="num">{v}</td><td className="small">{deviceSource(i18n, src)}</td></tr>)}
        </tbody>
      </table>
      {note && <p className="hint">{note}</p>}
      <p className="hint">{t('costView.everyDevice', { devices: DEVICES.map((d) => deviceLabel(i18n, d)).join(i18n.lang === 'zh' ? '、' : ', ') })}</p>
    </details>
  );
}
