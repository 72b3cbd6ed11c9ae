/**
 * View 6: run the network in the browser. Backend picker (each backend probed, with the reason when
 * it cannot run), pretrained weights from a URL (progress, Cache Storage) or a file, an image by
 * file picker or drag and drop, the preprocessed crop, top-5 and latency, and a benchmark.
 * No prediction is ever shown without loaded weights.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { BackendName, BackendStatus, BenchResult, LoadedWeights, LoadProgress, Prediction } from '../../model/engine/client.ts';
import { matchPreset, presetConfig } from '../../model/presets.ts';
import { PRETRAINED, findPretrained } from '../../model/pretrained.ts';
import { formatInputSize } from '../../model/config.ts';
import { thousands, ms, humanCount } from '../format.ts';
import { BACKEND_CHOICES, exactPreset, withConfig, type AppState, type BackendChoice } from '../state.ts';
import { useStore } from '../store.ts';
import { errorText, getEngine } from '../engine.ts';

function Crop({ image }: { image: ImageData }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    ctx?.putImageData(image, 0, 0);
  }, [image]);
  return <canvas ref={ref} className="crop" width={image.width} height={image.height} aria-label={`Preprocessed ${image.width}×${image.height} crop`} role="img" />;
}

function describeWeights(w: LoadedWeights): string {
  const preset = matchPreset(w.config);
  const arch = preset ? preset.label : `custom network (depths ${w.config.depths.join(',')}, C=${w.config.cardinality}, d=${w.config.widthPerGroup})`;
  return `${arch}, ${w.config.classes} classes: ${thousands(w.tensors)} tensors, ${humanCount(w.bytes)}B${w.cached ? ', from the browser cache' : ''}`;
}

export function RunView({ state }: { state: AppState }) {
  const store = useStore();
  const [backends, setBackends] = useState<BackendStatus[] | null>(null);
  const [active, setActive] = useState<BackendName | null>(null);
  const [engineError, setEngineError] = useState('');
  // The weights of the configured preset when the catalogue has them; any URL can be typed instead.
  const [url, setUrl] = useState(() => findPretrained(exactPreset(state.config) ?? '')?.url ?? '');
  const catalogued = PRETRAINED.find((p) => p.url === url.trim());
  const [progress, setProgress] = useState<LoadProgress | null>(null);
  const [loading, setLoading] = useState(false);
  const [weights, setWeights] = useState<LoadedWeights | null>(null);
  const [weightsError, setWeightsError] = useState('');
  const [image, setImage] = useState<{ blob: Blob; name: string } | null>(null);
  const [prediction, setPrediction] = useState<(Prediction & { image: string }) | null>(null);
  const [classifying, setClassifying] = useState(false);
  const [imageError, setImageError] = useState('');
  const [runs, setRuns] = useState('20');
  const [bench, setBench] = useState<BenchResult | null>(null);
  const [benching, setBenching] = useState(false);
  const [benchError, setBenchError] = useState('');
  const [over, setOver] = useState(false);
  const urlInput = useRef<HTMLInputElement>(null);

  // Probe the backends once the view is open (this starts the engine worker, which loads tfjs).
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const engine = await getEngine();
        const list = await engine.backends();
        if (!live) return;
        setBackends(list);
        const used = await engine.setBackend(state.backend);
        if (live) setActive(used);
      } catch (e) {
        if (live) setEngineError(errorText(e));
      }
    })();
    return () => { live = false; };
    // The backend choice is applied here once; later choices go through chooseBackend.
  }, []);

  const chooseBackend = async (name: BackendChoice) => {
    store.update((s) => ({ ...s, backend: name }));
    setEngineError('');
    try {
      const engine = await getEngine();
      setActive(await engine.setBackend(name));
      setBench(null);
    } catch (e) {
      setEngineError(errorText(e));
    }
  };

  // Only the latest image's answer is shown, however the worker's answers interleave.
  const latest = useRef(0);
  const classify = async (img: { blob: Blob; name: string }) => {
    const ticket = ++latest.current;
    setImageError('');
    setPrediction(null);
    setClassifying(true);
    try {
      const engine = await getEngine();
      const result = await engine.classify(img.blob, 5);
      if (ticket === latest.current) setPrediction({ ...result, image: img.name });
    } catch (e) {
      if (ticket === latest.current) setImageError(`${img.name}: ${errorText(e)}`);
    } finally {
      if (ticket === latest.current) setClassifying(false);
    }
  };

  const load = async (src: { url: string } | { file: File; name: string }) => {
    setLoading(true);
    setWeightsError('');
    setProgress({ loaded: 0, total: null });
    try {
      const engine = await getEngine();
      // Catalogued weights are checked strictly against their preset; others describe themselves.
      const known = 'url' in src ? PRETRAINED.find((p) => p.url === src.url) : undefined;
      const loaded = await engine.loadWeights(src, { onProgress: setProgress, config: known ? presetConfig(known.preset) : undefined });
      setWeights(loaded);
      setBench(null);
      if (image) await classify(image);
    } catch (e) {
      setWeightsError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  const pickImage = async (file: File | undefined) => {
    if (!file) return;
    const img = { blob: file, name: file.name };
    setImage(img);
    latest.current++;
    setPrediction(null);
    setImageError('');
    setClassifying(false);
    if (weights) await classify(img);
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    void pickImage(e.dataTransfer.files[0]);
  };

  const benchmark = async () => {
    const n = Number(runs);
    setBenchError('');
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      setBenchError(`runs must be a whole number from 1 to 1000, got "${runs}"`);
      return;
    }
    setBenching(true);
    try {
      const engine = await getEngine();
      setBench(await engine.benchmark(n));
    } catch (e) {
      setBenchError(errorText(e));
    } finally {
      setBenching(false);
    }
  };

  const differs = weights && JSON.stringify({ ...weights.config, input: state.config.input }) !== JSON.stringify(state.config);
  const maxStage = bench ? Math.max(...bench.perStageMs.map((s) => s.ms), 1e-9) : 1;

  return (
    <div className="view">
      <div className="view-head">
        <h2>Run &amp; classify</h2>
        <p className="lede">Inference runs in a worker with TensorFlow.js; nothing leaves this browser except the weights download.</p>
      </div>

      <section className="card" aria-labelledby="backend-title">
        <h3 id="backend-title">Backend {active && <span className="muted small">in use: {active}</span>}</h3>
        {engineError && <p className="field-error" role="alert">{engineError}</p>}
        {!backends && !engineError && <p className="muted">Probing webgpu, webgl, wasm and cpu…</p>}
        {backends && (
          <div className="backends" role="radiogroup" aria-label="Backend">
            {BACKEND_CHOICES.map((name) => {
              const status = backends.find((b) => b.name === name);
              const available = name === 'auto' || status?.available === true;
              return (
                <div key={name} className={`backend${state.backend === name ? ' on' : ''}`}>
                  <label>
                    <input type="radio" name="backend" value={name} checked={state.backend === name} disabled={!available} onChange={() => void chooseBackend(name)} />
                    {name}
                    {name !== 'auto' && <span className={`badge ${available ? 'ok' : 'no'}`}>{available ? 'available' : 'unavailable'}</span>}
                  </label>
                  <span className="muted small">{name === 'auto' ? 'best available: webgpu, webgl, wasm, cpu; software GPU adapters after wasm' : status?.reason ?? (available ? 'ready' : '')}</span>
                </div>
              );
            })}
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="weights-title">
        <h3 id="weights-title">Weights</h3>
        <div className="toolbar">
          <div className="field inline">
            <label htmlFor="weights-pretrained">Pretrained weights</label>
            <select id="weights-pretrained" value={catalogued?.url ?? ''} onChange={(e) => setUrl(e.target.value)}>
              <option value="">Other URL</option>
              {PRETRAINED.map((p) => (
                <option key={p.url} value={p.url}>{p.label}, {humanCount(p.bytes)}B</option>
              ))}
            </select>
          </div>
          <div className="field inline" style={{ flex: '1 1 20rem' }}>
            <label htmlFor="weights-url">Weights URL (.safetensors or .pth)</label>
            <input ref={urlInput} id="weights-url" type="url" placeholder="https://…/model.safetensors" value={url} onChange={(e) => setUrl(e.target.value)} />
          </div>
          <button type="button" className="primary" disabled={loading || url.trim() === ''} onClick={() => void load({ url: url.trim() })}>Load weights</button>
          <div className="field inline">
            <label htmlFor="weights-file">Load from file</label>
            <input id="weights-file" type="file" accept=".safetensors,.pth,.pt,.bin" disabled={loading} onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void load({ file: f, name: f.name });
              e.target.value = '';
            }} />
          </div>
        </div>
        {catalogued && (
          <p className="hint">
            {catalogued.repo} on the Hugging Face hub ({catalogued.license}); published ImageNet top-1 {catalogued.top1}%. Downloaded once, then read from the browser cache.
          </p>
        )}
        {loading && progress && (
          <div>
            <progress aria-label="Weights download" value={progress.loaded} max={progress.total ?? undefined} />
            <span className="muted small">{humanCount(progress.loaded)}B{progress.total ? ` of ${humanCount(progress.total)}B` : ''}</span>
          </div>
        )}
        {weightsError && <p className="field-error" role="alert">Could not load the weights: {weightsError}</p>}
        {weights ? (
          <p className="status" role="status">Loaded {describeWeights(weights)} from {weights.source}.</p>
        ) : (
          !loading && <p className="muted">No weights loaded. A prediction needs trained weights; this app never shows predictions from random ones.</p>
        )}
        {weights && differs && (
          <p className="hint">
            The weights describe a different network from the one configured ({formatInputSize(state.config.input)} input).{' '}
            <button type="button" onClick={() => store.update((s) => withConfig(s, { ...weights.config, input: s.config.input }))}>Configure the weights' network</button>
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="image-title">
        <h3 id="image-title">Image</h3>
        <div
          className={`drop${over ? ' over' : ''}`}
          onDragOver={(e) => { e.preventDefault(); setOver(true); }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          <label htmlFor="image-file">Choose an image or drop it here</label>{' '}
          <input id="image-file" type="file" accept="image/*" onChange={(e) => { void pickImage(e.target.files?.[0]); e.target.value = ''; }} />
          <p className="muted small">Resized to 256 (shorter side), centre-cropped to 224×224 and normalized as torchvision does.</p>
        </div>
        {image && !weights && (
          <p className="field-error" role="alert">
            A prediction needs weights: load pretrained weights above, then “{image.name}” is classified.{' '}
            <button type="button" onClick={() => urlInput.current?.focus()}>Go to the weights</button>
          </p>
        )}
        {imageError && <p className="field-error" role="alert">{imageError}</p>}
        {classifying && <p className="muted">Classifying…</p>}
        {prediction && weights && (
          <div className="run-grid" aria-label="Prediction">
            <Crop image={prediction.crop} />
            <div>
              <p className="small">Top-5 for “{prediction.image}”</p>
              <ol className="bars" aria-label="Top-5 classes">
                {prediction.top.map((t) => (
                  <li key={t.index}>
                    <span>
                      {t.label} <span className="muted small">#{t.index}</span>
                      <div className="bar" style={{ width: `${(t.prob * 100).toFixed(1)}%` }} />
                    </span>
                    <span className="num">{(t.prob * 100).toFixed(2)}%</span>
                  </li>
                ))}
              </ol>
              <p className="muted small">Latency {ms(prediction.ms)} on {prediction.backend} (preprocessing + forward pass).</p>
            </div>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="bench-title">
        <h3 id="bench-title">Benchmark</h3>
        <div className="toolbar">
          <div className="field inline narrow">
            <label htmlFor="bench-runs">Runs</label>
            <input id="bench-runs" type="text" inputMode="numeric" value={runs} onChange={(e) => setRuns(e.target.value)} />
          </div>
          <button type="button" disabled={!weights || benching} onClick={() => void benchmark()}>{benching ? 'Running…' : 'Benchmark'}</button>
          {!weights && <span className="muted small">Load weights first: the benchmark times the loaded network.</span>}
        </div>
        {benchError && <p className="field-error" role="alert">{benchError}</p>}
        {bench && (
          <div>
            <dl className="totals">
              <div><dt>Median</dt><dd>{ms(bench.medianMs)}</dd></div>
              <div><dt>p90</dt><dd>{ms(bench.p90Ms)}</dd></div>
              <div><dt>Runs, backend</dt><dd>{bench.runs}, {bench.backend}</dd></div>
            </dl>
            <ul className="bars" aria-label="Time per stage">
              {bench.perStageMs.map((s) => (
                <li key={s.stage}>
                  <span>{s.stage}<div className="bar" style={{ width: `${((s.ms / maxStage) * 100).toFixed(1)}%` }} /></span>
                  <span className="num">{ms(s.ms)}</span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
    </div>
  );
}
