/**
 * View: cost beyond FLOPs. Batch size, precision, optimizer and device; training memory against the
 * device's memory; the roofline of every kernel; predicted time per stage; why a ResNeXt is slower than
 * its FLOPs next to its ResNet counterpart; and "This browser" as a device, measured by the engine.
 * Every figure is computed in src/analysis/cost.ts (and memory.ts, roofline.ts) from the layer graph.
 */
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import type { LayerGraph } from '../../model/graph.ts';
import { graphOf } from '../graphs.ts';
import { checkBatch, costOf, CostError, humanBytes, parseBatch, resnetCounterpart, type CostReport } from '../../analysis/cost.ts';
import { BROWSER_DEVICE, browserDevice, DEVICES, DEVICE_SOURCES, findDevice, type Device } from '../../analysis/devices.ts';
import { DTYPES, OPTIMIZERS, trainingMemory, type Dtype, type Optimizer } from '../../analysis/memory.ts';
import { layerCategory } from '../../analysis/roofline.ts';
import { thousands, humanCount } from '../format.ts';
import { DEVICE_CHOICES, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { measureBrowser, useBrowserSpeed, type SpeedState } from '../browserSpeed.ts';
import { MemoryBar } from '../components/MemoryBar.tsx';
import { RooflineChart, msText } from '../components/RooflineChart.tsx';
import { WhyResNeXt } from '../components/WhyResNeXt.tsx';
import { BrowserMeasure } from '../components/BrowserMeasure.tsx';
import './cost.css';

const DTYPE_LABELS: Record<Dtype, string> = {
  float32: 'float32',
  float16: 'float16 (mixed precision)',
  bfloat16: 'bfloat16 (mixed precision)',
};

const OPTIMIZER_LABELS: Record<Optimizer, string> = { none: 'none', sgd: 'SGD', momentum: 'SGD + momentum', adam: 'Adam / AdamW' };
const OPTIMIZER_HINTS: Record<Optimizer, string> = {
  none: 'forward + backward only: no state',
  sgd: 'no momentum: no state',
  momentum: 'state: 1 × params (float32)',
  adam: 'state: 2 × params (float32)',
};

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

/** The device of the current choice: a table entry, "This browser" once measured, or null while it is not. */
function chosenDevice(choice: string, speed: SpeedState): Device | null {
  if (choice !== BROWSER_DEVICE) return findDevice(choice) ?? null;
  return speed.status === 'done' ? browserDevice(speed.speed) : null;
}

interface Computed {
  report: CostReport;
  /** The report the time figures come from (float32 on the browser, which computes in float32). */
  time: CostReport;
  counterpart: { report: CostReport | null; error: string };
}

function compute(graph: LayerGraph, state: AppState, device: Device): Computed {
  const options = { batch: state.batch, dtype: state.dtype, optimizer: state.optimizer, device };
  const report = costOf(graph, options);
  const time = device.kind === 'browser' && state.dtype !== 'float32' ? costOf(graph, { ...options, dtype: 'float32' }) : report;
  let counterpart: Computed['counterpart'] = { report: null, error: '' };
  try {
    counterpart = { report: costOf(graphOf(resnetCounterpart(graph.config)), { ...options, dtype: time.options.dtype }), error: '' };
  } catch (e) {
    counterpart = { report: null, error: (e as Error).message };
  }
  return { report, time, counterpart };
}

export function CostView({ state }: { state: AppState }) {
  const store = useStore();
  const speed = useBrowserSpeed();
  const [batchDraft, setBatchDraft] = useState<{ text: string; error: string; base: AppState['config'] } | null>(null);
  const graph = graphOf(state.config);
  const device = useMemo(() => chosenDevice(state.device, speed), [state.device, speed]);
  useEffect(() => {
    if (state.device === BROWSER_DEVICE && speed.status === 'idle') void measureBrowser(state.backend);
  }, [state.device, state.backend, speed.status]);

  const result = useMemo((): { computed: Computed } | { error: string } | null => {
    if (!device) return null;
    try {
      return { computed: compute(graph, state, device) };
    } catch (e) {
      if (!(e instanceof CostError)) throw e;
      return { error: e.message };
    }
  }, [graph, state, device]);
  // The last valid result stays on screen while an input is wrong or the browser is being measured.
  const last = useRef<Computed | null>(null);
  if (result && 'computed' in result) last.current = result.computed;
  const error = result && 'error' in result ? result.error : '';
  const shown = last.current;
  const draft = batchDraft && batchDraft.base === state.config ? batchDraft : null;

  const setBatch = (text: string) => {
    try {
      const b = parseBatch(text);
      checkBatch(trainingMemory(graph, state.dtype, state.optimizer), b);
      setBatchDraft(null);
      store.update((s) => ({ ...s, batch: b }), { coalesce: 'batch' });
    } catch (e) {
      if (!(e instanceof CostError)) throw e;
      setBatchDraft({ text, error: e.message, base: state.config });
    }
  };

  const deviceError = state.device === BROWSER_DEVICE && speed.status === 'error' ? speed.error : '';
  const measuring = state.device === BROWSER_DEVICE && speed.status === 'measuring';

  return (
    <div className="view cost-view">
      <div className="view-head">
        <h2>Cost</h2>
        <p className="lede">
          Memory and time beyond FLOPs: what a training step keeps, what an inference pass moves, and where a device&apos;s roofline
          puts every kernel. Saved activations match what PyTorch saves for backward, byte for byte (fixtures/cost).
        </p>
      </div>
      <div className="toolbar cost-controls">
        <Field label="Batch size" error={draft?.error || error} hint="images per step">
          {({ id, describedBy }) => (
            <input id={id} type="text" inputMode="numeric" autoComplete="off" value={draft ? draft.text : String(state.batch)}
              aria-invalid={draft || error ? true : undefined} aria-describedby={describedBy} onChange={(e) => setBatch(e.target.value)} />
          )}
        </Field>
        <Field label="Precision" hint={state.dtype === 'float32' ? '4-byte weights and activations' : 'autocast: 2-byte activations, float32 master weights'}>
          {({ id, describedBy }) => (
            <select id={id} value={state.dtype} aria-describedby={describedBy} onChange={(e) => store.update((s) => ({ ...s, dtype: e.target.value as Dtype }))}>
              {DTYPES.map((d) => <option key={d} value={d}>{DTYPE_LABELS[d]}</option>)}
            </select>
          )}
        </Field>
        <Field label="Optimizer" hint={OPTIMIZER_HINTS[state.optimizer]}>
          {({ id, describedBy }) => (
            <select id={id} value={state.optimizer} aria-describedby={describedBy} onChange={(e) => store.update((s) => ({ ...s, optimizer: e.target.value as Optimizer }))}>
              {OPTIMIZERS.map((o) => <option key={o} value={o}>{OPTIMIZER_LABELS[o]}</option>)}
            </select>
          )}
        </Field>
        <Field label="Device" error={deviceError} hint={measuring ? 'measuring this browser…' : device ? `${device.execution === 'fused' ? 'BN folded, ReLU fused' : 'every module call a kernel'}` : undefined}>
          {({ id, describedBy }) => (
            <select id={id} value={state.device} aria-describedby={describedBy} aria-invalid={deviceError ? true : undefined}
              onChange={(e) => store.update((s) => ({ ...s, device: e.target.value }))}>
              {DEVICE_CHOICES.map((d) => <option key={d} value={d}>{d === BROWSER_DEVICE ? 'This browser (measured)' : findDevice(d)!.label}</option>)}
            </select>
          )}
        </Field>
      </div>
      {(draft || error || !device) && shown && (
        <p className="hint stale" role="status">
          {measuring ? 'Measuring this browser; showing the last result until it is done.' : 'Showing the last valid result until the error is fixed.'}
        </p>
      )}
      {!shown && <p className="muted" role="status">{measuring ? 'Measuring this browser\u2019s backend (matmul, bandwidth, per-op time)…' : 'Choose a device.'}</p>}
      {shown && <CostBody computed={shown} state={state} />}
    </div>
  );
}

function CostBody({ computed, state }: { computed: Computed; state: AppState }) {
  const { report, time } = computed;
  const t = report.totals;
  const m = report.memory;
  const device = report.options.device;
  const graph = report.graph;
  const categories = time.layers.map((k) => layerCategory(graph.nodes[k.nodes[0]]));
  return (
    <>
      <dl className="totals cost-totals">
        <div><dt>Activations per image</dt><dd data-testid="conv-activations">{thousands(t.convActivations)}<span className="unit">conv outputs (RegNet)</span></dd></div>
        <div><dt>MACs per image</dt><dd>{humanCount(t.macs)}<span className="unit">{thousands(t.macs)}</span></dd></div>
        <div><dt>Predicted time, batch {thousands(report.options.batch)}</dt><dd data-testid="predicted-ms">{msText(time.totals.predictedMs)}<span className="unit">inference on {device.label}</span></dd></div>
        <div><dt>Training memory</dt><dd data-testid="training-bytes">{humanBytes(t.trainingBytes)}<span className="unit">{m.fits ? 'fits' : 'does not fit'}</span></dd></div>
        <div><dt>Saved activations</dt><dd data-testid="saved-bytes">{humanBytes(t.savedActivationBytes)}<span className="unit">{humanBytes(m.saved.perSample)} per image</span></dd></div>
        <div><dt>Inference peak</dt><dd data-testid="inference-peak">{humanBytes(t.inferencePeakBytes)}<span className="unit">live activations</span></dd></div>
      </dl>
      <MemoryBar
        batch={report.options.batch}
        capacity={m.deviceBytes}
        deviceLabel={device.label}
        largest={m.largestBatch}
        parts={[
          { label: 'parameters (float32)', bytes: t.paramsBytes, color: 'var(--series-0)' },
          { label: 'gradients', bytes: t.gradsBytes, color: 'var(--series-4)' },
          { label: 'optimizer state', bytes: t.optimizerBytes, color: 'var(--series-3)' },
          { label: 'saved activations', bytes: t.savedActivationBytes, color: 'var(--series-1)' },
        ]}
      />
      <RooflineChart kernels={time.layers} categories={categories} device={device} dtype={time.options.dtype} title={`Roofline: ${device.label}, ${time.options.dtype}, batch ${thousands(report.options.batch)}`} />
      {device.kind === 'browser' && state.dtype !== 'float32' && (
        <p className="hint">TensorFlow.js computes and stores float32: the times are for float32; the memory figures follow the chosen precision.</p>
      )}
      <StageTable report={time} />
      <WhyResNeXt current={time} counterpart={computed.counterpart.report} counterpartError={computed.counterpart.error} />
      {device.kind === 'browser' && <BrowserMeasure state={state} graph={graph} device={device} />}
      <DeviceFigures device={device} />
      <details className="card kernels">
        <summary>All {time.layers.length} kernels: traffic, intensity and predicted time</summary>
        <div className="table-wrap">
          <table className="data" aria-label="Kernels">
            <thead>
              <tr>
                <th scope="col">Layer</th><th scope="col">Kind</th><th scope="col" className="num">MACs</th><th scope="col" className="num">Read</th>
                <th scope="col" className="num">Written</th><th scope="col" className="num">FLOP/byte</th><th scope="col">Bound</th><th scope="col" className="num">Predicted</th>
                <th scope="col" className="num" title="ShuffleNet V2's memory access cost, elements per image">MAC (elements)</th>
              </tr>
            </thead>
            <tbody>
              {time.layers.map((k, i) => (
                <tr key={`${k.name}:${i}`}>
                  <th scope="row">{k.name}</th><td>{categories[i]}</td><td className="num">{thousands(k.macs)}</td><td className="num">{humanBytes(k.bytesRead)}</td>
                  <td className="num">{humanBytes(k.bytesWritten)}</td><td className="num">{k.intensity.toFixed(1)}</td><td>{k.bound}</td><td className="num">{msText(k.ms)}</td>
                  <td className="num">{k.memoryAccessCost === null ? '' : thousands(k.memoryAccessCost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="hint">
          Read = input + weights, written = output, each once (B × elements × bytes per element); FLOP/byte = FLOPs / (read + written).
          Time = max(FLOPs / peak, bytes / bandwidth) + {report.options.device.launchUs.toFixed(1)} µs per kernel.
        </p>
      </details>
    </>
  );
}

function StageTable({ report }: { report: CostReport }) {
  return (
    <div className="table-wrap">
      <table className="data stage-times" aria-label="Predicted time per stage">
        <caption>Predicted time per stage</caption>
        <thead>
          <tr><th scope="col">Stage</th><th scope="col" className="num">Predicted</th><th scope="col">Share</th><th scope="col" className="num">MACs</th><th scope="col" className="num">Bytes moved</th></tr>
        </thead>
        <tbody>
          {report.stages.map((s) => (
            <tr key={s.module}>
              <th scope="row">{s.module}</th>
              <td className="num">{msText(s.ms)}</td>
              <td><span className="share"><span style={{ width: `${(s.share * 100).toFixed(2)}%` }} /></span> <span className="num">{(s.share * 100).toFixed(1)}%</span></td>
              <td className="num">{humanCount(s.macs)}</td>
              <td className="num">{humanBytes(s.bytes)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr><th scope="row">total</th><td className="num">{msText(report.totals.predictedMs)}</td><td /><td className="num">{humanCount(report.stages.reduce((a, s) => a + s.macs, 0))}</td><td className="num">{humanBytes(report.stages.reduce((a, s) => a + s.bytes, 0))}</td></tr>
        </tfoot>
      </table>
    </div>
  );
}

function DeviceFigures({ device }: { device: Device }) {
  const rows: [string, string, string][] = [
    ['FP32', `${device.fp32Tflops.toPrecision(3)} TFLOPS`, device.sources.fp32],
    ['FP16 (matrix)', device.fp16Tflops === null ? 'FP32 rate' : `${device.fp16Tflops} TFLOPS`, device.sources.fp16],
    ['BF16 (matrix)', device.bf16Tflops === null ? 'FP32 rate' : `${device.bf16Tflops} TFLOPS`, device.sources.bf16],
    ['Bandwidth', `${device.bandwidthGBs.toPrecision(3)} GB/s`, device.sources.bandwidth],
    ['Memory', humanBytes(device.memoryGB * 1e9), device.sources.memory],
    ['Per kernel', `${device.launchUs.toFixed(1)} µs`, device.sources.launch],
  ];
  return (
    <details className="card device-figures">
      <summary>Device figures, with sources: {device.label}</summary>
      <table className="data" aria-label="Device figures">
        <tbody>
          {rows.map(([k, v, src]) => <tr key={k}><th scope="row">{k}</th><td className="num">{v}</td><td className="small">{DEVICE_SOURCES[src]}</td></tr>)}
        </tbody>
      </table>
      {device.note && <p className="hint">{device.note}</p>}
      <p className="hint">Every device of the table: {DEVICES.map((d) => d.label).join(', ')}.</p>
    </details>
  );
}
