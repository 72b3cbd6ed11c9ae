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
import { layerCategory, type LayerCategory } from '../../analysis/roofline.ts';
import { spearman } from '../../analysis/stats.ts';
import { thousands } from '../format.ts';
import { errorText, getEngine } from '../engine.ts';
import { measureBrowser, useBrowserSpeed } from '../browserSpeed.ts';
import type { AppState } from '../state.ts';
import { LogScatter } from './LogScatter.tsx';
import { CATEGORY_COLORS, msText } from './RooflineChart.tsx';

/** Above this predicted time per pass, Measure times batch 1 instead of the chosen batch. */
const MAX_PASS_MS = 3000;
const RUNS = 3;

/** Why a kind of layer departs from the roofline on a tfjs backend. */
const WHY: Record<LayerCategory, string> = {
  'grouped 3x3': 'runs in the engine\u2019s own WebAssembly grouped kernel, which does not reach the XNNPACK matmul rate the roof is measured with (few channels per group, little reuse of each loaded value)',
  'dense 1x1': 'is an XNNPACK matmul, but of other shapes than the 1024 × 1024 probe: tall-thin products pack and tile differently',
  'dense 3x3': 'adds the packing of a 3 × 3 window that the matmul probe does not pay',
  stem: 'packs a 7 × 7 (or 3 × 3) window over 3 input channels, an inefficient shape for a matmul kernel',
  BN: 'is folded into the conv before it',
  ReLU: 'is fused into the conv or add before it',
  add: 'is two element-wise passes (add, then ReLU), each mostly per-op dispatch at batch 1; with two wasm threads every small op also waits for the second thread to be scheduled',
  pool: 'runs in its own reduction kernel (the global average pool is a mean), far from the element-wise rate',
  fc: 'is a thin matmul (batch × 2048 by 2048 × classes)',
  'SE/ECA': 'is made of tiny ops whose time is mostly the per-op overhead',
};

interface Timed {
  config: AppState['config'];
  times: OpTimes;
}

export function BrowserMeasure({ state, graph, device }: { state: AppState; graph: LayerGraph; device: Device }) {
  const speed = useBrowserSpeed();
  const [timed, setTimed] = useState<Timed | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const current = timed && timed.config === state.config ? timed : null;

  const measure = async () => {
    setBusy(true);
    setError('');
    try {
      const full = costOf(graph, { batch: state.batch, dtype: 'float32', optimizer: state.optimizer, device });
      const batch = full.totals.predictedMs <= MAX_PASS_MS ? state.batch : 1;
      const engine = await getEngine();
      setTimed({ config: state.config, times: await engine.timeOps(state.config, batch, RUNS) });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const s = speed.status === 'done' ? speed.speed : null;
  return (
    <section className="card browser" aria-labelledby="browser-title">
      <h3 id="browser-title">This browser</h3>
      {s && (
        <p>
          Measured on tfjs <strong>{s.backend}</strong>{s.threads ? ` (${s.threads} threads)` : ''}: matmul <strong data-testid="matmul-gflops">{s.matmulGflops.toFixed(1)} GFLOP/s</strong>
          {' '}(the faster of tf.matMul, {s.matMulGflops.toFixed(1)}, and the same product as a 1×1 conv, {s.conv1x1Gflops.toFixed(1)}),
          element-wise bandwidth <strong data-testid="copy-gbs">{s.copyGBs.toFixed(1)} GB/s</strong>, <strong data-testid="launch-us">{s.launchUs.toFixed(1)} µs</strong> per op; memory {humanBytes(s.memoryBytes)} ({s.memoryNote}).
          The roofline above predicts with these figures; the engine folds every BatchNorm and fuses ReLUs, so each dot is one op it runs.
          <button type="button" className="ghost" onClick={() => void measureBrowser(state.backend, true)}>Measure the backend again</button>
        </p>
      )}
      <div className="toolbar actions">
        <button type="button" className="primary" onClick={() => void measure()} disabled={busy}>Measure</button>
        <span className="muted small" role="status">
          {busy ? `Timing every op: ${RUNS} passes after a warm-up, random weights…` : 'Times every layer of this network here and sets it beside the prediction.'}
        </span>
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
      {current && <Comparison graph={graph} device={device} state={state} times={current.times} />}
    </section>
  );
}

function Comparison({ graph, device, state, times }: { graph: LayerGraph; device: Device; state: AppState; times: OpTimes }) {
  const predicted = costOf(graph, { batch: times.batch, dtype: 'float32', optimizer: state.optimizer, device });
  const byFirst = new Map(predicted.layers.map((l) => [l.nodes[0], l]));
  const pairs = times.ops.flatMap((op) => {
    const l = byFirst.get(op.first);
    return l ? [{ op, layer: l, category: layerCategory(graph.nodes[op.first]) }] : [];
  });
  const rho = spearman(pairs.map((p) => p.layer.ms), pairs.map((p) => p.op.ms));
  const stages = predicted.stages.map((st) => {
    const mine = pairs.filter((p) => p.layer.stage === st.stage);
    return { module: st.module, predicted: st.ms, measured: mine.reduce((a, p) => a + p.op.ms, 0) };
  });
  const measuredTotal = pairs.reduce((a, p) => a + p.op.ms, 0);
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
        Batch {thousands(times.batch)}{times.batch !== state.batch ? ` (the chosen batch would take over ${MAX_PASS_MS / 1000} s a pass here)` : ''}, tfjs {times.backend},
        median of {times.runs} passes: measured <strong>{msText(measuredTotal)}</strong> against <strong>{msText(predicted.totals.predictedMs)}</strong> predicted;
        rank correlation over {pairs.length} layers <strong data-testid="rank-correlation">{rho.toFixed(2)}</strong>; {within} of {stages.length} stages within 2×.
      </p>
      <figure className="chart" aria-label="Measured against predicted per layer">
        <h3>Measured against predicted, per layer <span className="muted small">(solid: measured = predicted; dashed: 2× and ½×)</span></h3>
        <LogScatter
          name={`Measured against predicted time of ${pairs.length} layers`}
          dots={pairs.map((p, i) => ({
            key: `${p.op.name}:${i}`, x: Math.max(p.layer.ms, lo), y: Math.max(p.op.ms, lo), color: CATEGORY_COLORS[p.category],
            label: `${p.op.name} (${p.category})`,
            detail: `predicted ${msText(p.layer.ms)} (${p.layer.bound}-bound), measured ${msText(p.op.ms)}: ${(p.op.ms / p.layer.ms).toFixed(2)}×`,
          }))}
          lines={[
            { points: [[lo, lo], [hi, hi]] },
            { points: [[lo, 2 * lo], [hi / 2, hi]], dashed: true },
            { points: [[2 * lo, lo], [hi, hi / 2]], dashed: true },
          ]}
          xLabel="predicted ms (roofline)"
          yLabel="measured ms"
          formatX={(v) => String(+v.toPrecision(2))}
          formatY={(v) => String(+v.toPrecision(2))}
          legend={[...new Set(pairs.map((p) => p.category))].map((c) => ({ label: c, color: CATEGORY_COLORS[c] }))}
        />
      </figure>
      <div className="table-wrap">
        <table className="data" aria-label="Measured vs predicted per stage">
          <thead><tr><th scope="col">Stage</th><th scope="col" className="num">Measured</th><th scope="col" className="num">Predicted</th><th scope="col" className="num">Measured / predicted</th></tr></thead>
          <tbody>
            {stages.map((st) => (
              <tr key={st.module} data-stage={st.module} data-measured-ms={st.measured} data-predicted-ms={st.predicted}>
                <th scope="row">{st.module}</th><td className="num">{msText(st.measured)}</td><td className="num">{msText(st.predicted)}</td>
                <td className="num">{st.predicted > 0 ? `${(st.measured / st.predicted).toFixed(2)}×` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="misses">
        <h4>Where the model misses, and why</h4>
        <ul>
          {byCategory.map((c) => (
            <li key={c.category}>
              <span className="swatch" style={{ color: CATEGORY_COLORS[c.category] }}>●</span> <strong>{c.category}</strong>: {(c.share * 100).toFixed(0)}% of the measured time,
              {' '}{c.predicted > 0 ? `${c.ratio.toFixed(2)}× its prediction` : 'predicted as free'}; {c.category} {WHY[c.category]}.
            </li>
          ))}
        </ul>
        <p className="hint">
          The roofline knows only FLOPs, bytes and one fixed cost per pass. It cannot know a kernel&apos;s efficiency for its shape (the probe is one
          1024 × 1024 matmul), the caches (the bandwidth is measured on a 4 MB tensor, the size of a batch-1 activation; a large batch leaves the
          caches), or how each op waits for its threads; the times are also noisy when other work shares the machine.
        </p>
      </div>
      <details className="card">
        <summary>Every layer, measured and predicted</summary>
        <div className="table-wrap">
          <table className="data" aria-label="Measured vs predicted per layer">
            <thead><tr><th scope="col">Layer</th><th scope="col">Kind</th><th scope="col" className="num">Measured</th><th scope="col" className="num">Predicted</th><th scope="col">Bound</th></tr></thead>
            <tbody>
              {pairs.map((p, i) => (
                <tr key={`${p.op.name}:${i}`} data-layer={p.op.name} data-kind={p.category} data-stage={p.layer.stage} data-measured-ms={p.op.ms} data-predicted-ms={p.layer.ms}>
                  <th scope="row">{p.op.name}</th><td>{p.category}</td><td className="num">{msText(p.op.ms)}</td><td className="num">{msText(p.layer.ms)}</td><td>{p.layer.bound}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
